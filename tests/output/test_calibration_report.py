"""A calibration's report.html: every parameter, target and wave of the folder, its
figures embedded, links to its files, nothing fetched from a network."""
from __future__ import annotations

import re

from sim.model.experiment_file import load_experiment
from sim.output.calibration_figures import calibration_figures
from sim.output.calibration_report import write_calibration_report
from sim.studies.calibrate import plan_calibration, run_calibration
from sim.studies.study import Study
from tests.cli.conftest import invoke
from tests.conftest import with_observed
from tests.output.html_check import check_page


def _folder(tmp_path, observed: float):
    out = tmp_path / "cal"
    study = Study("calibrate", load_experiment(with_observed(tmp_path, observed)), [], out=out, executor="serial")
    result = run_calibration(study, plan_calibration(study))
    (out / "figures").mkdir()
    calibration_figures(result, out / "figures")
    return out, result


def test_the_report_shows_the_folder_and_needs_no_network(tmp_path):
    out, result = _folder(tmp_path, 680)
    html = write_calibration_report(out).read_text(encoding="utf-8")
    assert "<h1>Calibration: cal</h1>" in html and "uncertainty.no_show_probability" in html
    assert "places booked at a" in html and "b ready <span class=\"muted\">(held out)</span>" in html
    assert html.count("<tr><td class=\"num\">") == len(result.waves)  # a row per wave
    assert html.count("data:image/png;base64,") == 2
    for name in ("parameters.csv", "fit.csv", "waves.csv", "calibration.json"):
        assert f'<a href="{name}">' in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html)  # self-contained
    assert "Nothing plausible" not in html
    _, parsed = check_page(out / "report.html")  # the contents lead to its sections, the links to its files
    assert {"how-to-read", "parameters", "targets", "waves", "files"} <= {h[1:] for h in parsed.hrefs
                                                                         if h.startswith("#")}


def test_nothing_plausible_is_said_at_the_top_and_report_recognises_the_folder(tmp_path):
    out, _ = _folder(tmp_path, 100000)
    r = invoke("report", out)
    assert r.exit_code == 0, r.output
    html = (out / "report.html").read_text(encoding="utf-8")
    assert '<p class="warning">Nothing plausible: every one of the 48 parameter sets tried' in html
    assert html.count("data:image/png;base64,") == 1  # the fit; no sets to plot
