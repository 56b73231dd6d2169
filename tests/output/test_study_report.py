"""The reports of a sweep's and a sensitivity study's folders, and how `report`
recognises a folder's kind: each page parsed, its tables held to the study's CSV."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sim.output.console import percent
from sim.output.folder_report import UnknownFolder, folder_kind, write_folder_report
from sim.output.study_report import read_rows
from tests.cli.conftest import SERIAL, invoke
from tests.conftest import STUDY_EXPERIMENT
from tests.output.html_check import check_page, table

KEY = "uncertainty.training_environment_delay_days"


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sweep") / "s"
    r = invoke("sweep", STUDY_EXPERIMENT, "--out", out, "-n", 6, *SERIAL)
    assert r.exit_code == 0, r.output
    assert f"report: {out / 'report.html'}" in r.output  # written by the study itself
    return out


@pytest.fixture(scope="module")
def tornado(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("oat") / "t"
    r = invoke("sensitivity", STUDY_EXPERIMENT, "--out", out, "-n", 6, *SERIAL)
    assert r.exit_code == 0, r.output
    assert (out / "report.html").is_file()
    return out


def test_the_sweep_report_is_the_sweep_table(sweep):
    html, parsed = check_page(sweep / "report.html")
    assert parsed.headings[0] == "Sweep: study"
    assert {"how-to-read", "varied", "risk", "completion", "figures", "files"} <= set(parsed.sections)
    # one section per point, not per scenario: the page is a table, not a run's report
    assert "scenario-1" not in parsed.ids
    assert html.index('id="how-to-read"') < html.index('id="risk"')
    csv_rows = read_rows(sweep / "sweep.csv")
    summary = json.loads((sweep / "summary.json").read_text(encoding="utf-8"))
    names = {s: site["name"] for s, site in next(iter(summary["scenarios"].values()))["sites"].items()}
    grid = table(parsed, "sweep-risk")
    header, body = grid[0], grid[1:]
    assert header[1:] == [names["a"], names["b"], "any site"]
    assert "Training environment late (days)" in header[0]  # the label with its unit, not the key
    for row in body:
        value = row[0].split()[0]
        for column, site in ((1, "a"), (2, "b"), (3, "(any site)")):
            r = next(x for x in csv_rows if x[KEY] == value and x["site"] == site)
            assert row[column] == (f"{percent(float(r['risk']))} 95% CI {percent(float(r['risk_ci95_low']))}"
                                   f"\u2013{percent(float(r['risk_ci95_high']))}")
    assert [row[0].split()[0] for row in body] == ["0w", "6w", "10w", "14w"]
    # The model's own value (0 days) is the first point: marked
    assert "model's value" in body[0][0] and all("model's value" not in row[0] for row in body[1:])
    varied = table(parsed, "varied")
    assert KEY in varied[1][0] and "0w, 6w, 10w, 14w" in varied[1][1]
    assert f"<code class=\"key\">{KEY}</code>" in html
    assert {"sweep.csv", "summary.json", "replications.csv", "manifest.json"} <= set(parsed.hrefs)
    assert len(parsed.images) == len(list((sweep / "figures").glob("sweep-*.png")))


def test_the_tornado_report(tornado):
    _, parsed = check_page(tornado / "report.html")
    assert parsed.headings[0] == "Sensitivity (one at a time): study"
    params = table(parsed, "parameters")
    assert [r[1] for r in params[1:]] == ["no-shows", "certification late"]
    assert params[1][2:4] == ["0%", "20%"] and params[2][2:4] == ["0d", "5d"]
    assert "No-shows (share of booked seats) uncertainty.no_show_probability" in params[1][0]
    csv_rows = read_rows(tornado / "tornado.csv")
    tables = [rows for cls, rows in parsed.tables if cls == "tornado"]
    assert len(tables) == 2  # one per site
    for site, rows in zip(("a", "b"), tables):
        changes = []
        for row in rows[1:]:
            name = "no-shows" if "No-shows" in row[0] else "certification late"
            for column, end in ((1, "low"), (2, "high")):
                r = next(x for x in csv_rows if x["site"] == site and x["parameter"] == name and x["end"] == end)
                assert row[column].split()[0] == (lambda t: t[1:] if float(t) == 0 else t)(
                    f"{100 * float(r['risk_change']):+.1f}")
            changes.append(max(abs(float(x["risk_change"])) for x in csv_rows
                               if x["site"] == site and x["parameter"] == name))
        assert changes == sorted(changes, reverse=True)  # the largest change on top
    assert "tornado.csv" in parsed.hrefs and "indices.csv" not in parsed.hrefs
    assert "Precision" not in parsed.headings


def test_indices_report_shows_the_precision_warnings(tmp_path):
    out = tmp_path / "m"
    r = invoke("sensitivity", STUDY_EXPERIMENT, "--method", "morris", "--out", out, "-n", 4, *SERIAL)
    assert r.exit_code == 0, r.output
    html, parsed = check_page(out / "report.html")
    assert parsed.headings[0] == "Sensitivity (Morris elementary effects): study"
    assert "Precision" in parsed.headings  # a tiny design: the study's own warnings
    warned = [line.removeprefix("warning: design too small to rank reliably: ") for line in r.output.splitlines()
              if line.startswith("warning: design too small")]
    assert warned
    for w in warned:  # the study's words, led by the site's name
        site, _, rest = w.partition(", ")
        output, _, rest = rest.partition(", ")
        assert f"Site {site.upper()}, {output.replace('_', ' ')}, {rest}".replace("'", "&#39;") in html
    indices = [rows for cls, rows in parsed.tables if cls == "indices"]
    assert len(indices) == 4  # two sites x two outputs
    assert indices[0][0] == ["input", "mu*", "sigma"]


def test_report_recognises_every_kind(sweep, tornado, tmp_path):
    assert folder_kind(sweep) == "sweep" and folder_kind(tornado) == "sensitivity"
    run = tmp_path / "run"
    shutil.copytree(tornado, run)
    (run / "tornado.csv").unlink()
    assert folder_kind(run) == "run"
    (tmp_path / "cap").mkdir()
    (tmp_path / "cap" / "capacity.json").write_text("{}", encoding="utf-8")
    assert folder_kind(tmp_path / "cap") == "capacity"
    with pytest.raises(UnknownFolder, match="expected a run's"):
        folder_kind(tmp_path)


def test_report_command_writes_the_kind_s_report(sweep, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(sweep, copy)
    (copy / "report.html").unlink()
    r = invoke("report", copy)
    assert r.exit_code == 0, r.output
    assert "report (sweep)" in r.output
    _, parsed = check_page(copy / "report.html")
    assert parsed.headings[0] == "Sweep: study"
    assert write_folder_report(copy) == copy / "report.html"


def test_report_on_a_folder_of_no_kind_says_what_it_expected(tmp_path):
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    r = invoke("report", tmp_path)
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert str(tmp_path) in r.output and "summary.json" in r.output and "sweep.csv" in r.output
    assert not (tmp_path / "report.html").exists()


def test_texts_from_the_experiment_are_escaped(sweep, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(sweep, copy)
    summary = json.loads((copy / "summary.json").read_text(encoding="utf-8"))
    summary["experiment"] = "<script>alert(1)</script>"
    for scenario in summary["scenarios"].values():
        scenario["sites"]["a"]["name"] = "<b>A</b>"
    (copy / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    write_folder_report(copy)
    html, _ = check_page(copy / "report.html")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;b&gt;A&lt;/b&gt;" in html
