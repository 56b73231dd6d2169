"""Every console text fits 80 columns for the shipped model and studies: the shipped
sites' ids and names, the shipped studies' keys and parameter names, and the widest
numbers each cell can hold (a -100.0% change, a CI of 0.1-99.9%)."""
from __future__ import annotations

import copy
import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

from sim.model.design import point
from sim.model.experiment_file import load_experiment
from sim.model.labels import label
from sim.output.console import (
    capacity_text,
    compare_text,
    evaluation_text,
    indices_text,
    run_text,
    sweep_text,
    tornado_text,
)
from sim.paths import experiment_path, shipped_dir
from sim.studies.bisection import Evaluation, SearchResult
from tests.output.test_console import SITE

SPEC = load_experiment(experiment_path(Path("baseline")))
SITES = SPEC.scenarios[0].model.sites
STUDIES = tomllib.loads((shipped_dir("experiments") / "delay-sensitivity.toml").read_text(encoding="utf-8"))
CAPACITY = tomllib.loads((shipped_dir("experiments") / "hnt-capacity.toml").read_text(encoding="utf-8"))["capacity"]
PARAMETERS = STUDIES["sensitivity"]["parameter"]


def assert_fits(text: str) -> None:
    long = [line for line in text.splitlines() if len(line) > 80]
    assert not long, "\n".join(long)


def site_summary(site: Any, **more: Any) -> dict[str, Any]:
    return dict(copy.deepcopy(SITE), name=site.name, go_live=site.go_live.isoformat(), active_staff=12_345,
                risk_not_ready=0.999, risk_ci95=[0.001, 0.999], expected_untrained=12_345.6,
                completion_date={"p50": "2022-12-12", "p80": None, "p90": "2024-10-09"}, **more)


def test_the_run_text_fits():
    vs = {"risk_difference": -1.0, "risk_difference_ci95": [-1.0, 1.0]}
    summary = {"replications": 20_000, "seed": 20220905, "scenarios": {
        name: {"sites": {s.id: site_summary(s, **({"vs_reference": vs} if i else {})) for s in SITES}}
        for i, name in enumerate(s.name for s in SPEC.scenarios)}}
    text = run_text(summary)  # type: ignore[arg-type]
    assert_fits(text)
    for s in SITES:  # every site in both tables of both scenarios, and its sentence whole
        assert sum(line.startswith(f"{s.id} ") for line in text.splitlines()) == 4
        assert f"{s.name}: 100% risk" in " ".join(text.split())


def test_the_sweep_text_fits_and_names_the_key_in_full():
    key, values = next(iter(STUDIES["sweep"]["vary"].items()))
    points = [point(f"p{i}", [(key, v)]) for i, v in enumerate(values)]
    rows = [{"point": p.name, "site": s, "risk": 0.999, "risk_ci95_low": 0.001, "risk_ci95_high": 0.999}
            for p in points for s in [*(s.id for s in SITES), "(any site)"]]
    text = sweep_text(rows, points)
    assert_fits(text)
    assert key in " ".join(text.split()) and "(any site): the risk that at least one site" in " ".join(text.split())
    named = label(key)  # the column is headed by the input's label, its unit in the key below the table
    assert text.splitlines()[1].startswith(named.text) and f"{named.text}: {key} ({named.unit})" in " ".join(text.split())
    for s in SITES:
        assert s.id in text


def test_the_tornado_and_indices_fit():
    rows = [{"site": s.id, "parameter": p["name"], "key": p["key"], "value": p[end], "end": end, "risk_change": -1.0,
             "risk_change_ci95_low": -1.0, "risk_change_ci95_high": 1.0, "p80_change_days": -1234}
            for s in SITES for p in PARAMETERS for end in ("low", "high")]
    assert_fits(tornado_text(rows))
    for method, main in (("morris", "mu_star"), ("sobol", "ST")):
        rows = [{"site": s.id, "output": output, "parameter": p["name"], main: 123.456, f"{main}_conf": 12.345}
                for s in SITES for output in ("risk", "expected_untrained") for p in PARAMETERS]
        text = indices_text(rows, method)
        assert_fits(text)
        assert all(p["name"] in text for p in PARAMETERS)


def test_the_capacity_texts_fit():
    key, site = CAPACITY["vary"], CAPACITY["site"]
    for value, other in ((21, 7), (dt.date(2023, 2, 11), dt.date(2024, 11, 9))):
        e = Evaluation(value, 0.999, 0.001, 0.999, 400)
        assert_fits(evaluation_text(key, e))
        for plausible in ((value, value), (value, None), (value, other)):
            result = SearchResult("up", e, e, plausible, (e,), "every value was tried")
            assert_fits(capacity_text(result, key, site, 0.05, 400))
        assert_fits(capacity_text(SearchResult("up", None, None, None, (), "no value in the range meets the "
                                               "target, not even the highest"), key, site, 0.05, 400))


def test_the_compare_text_fits():
    site = {"risk_a": 0.999, "risk_b": 0.001, "risk_difference": -0.998, "risk_difference_ci95": [-1.0, 1.0],
            "expected_untrained_difference": -12_345.6, "expected_untrained_difference_ci95": [-12_345.6, 12_345.6],
            "p50_completion_difference": {"days": -1234, "ci95": [-1234, 1234]},
            "p80_completion_difference": {"days": -1234, "ci95": [-1234, 1234]}}
    result = {"a": {"folder": "results/baseline/20261204-093223", "scenario": "as-planned-2022"},
              "b": {"folder": "results/baseline/20261204-093224", "scenario": "as-happened"},
              "paired": True, "inputs_differ": ["model", "experiment", "headcount"],
              "sites": {s.id: site for s in SITES}}
    text = compare_text(result)
    assert_fits(text)
    for s in SITES:  # a row per site in each part of the table: its numbers, in order
        parts = [line.split() for line in text.splitlines() if line.startswith(f"{s.id} ")]
        assert len(parts) > 1 and all(part[0] == s.id for part in parts)
        assert [cell for part in parts for cell in part[1:]] == [
            "100%", "0.1%", "-99.8%", "(-100.0", "to", "+100.0%)", "-12345.6", "(-12345.6", "to", "+12345.6)",
            "-1234", "(-1234", "to", "+1234)", "-1234", "(-1234", "to", "+1234)"]


def test_a_comparison_without_intervals_or_dates_says_so():
    site = {"risk_a": 0.5, "risk_b": 0.25, "risk_difference": -0.25, "risk_difference_ci95": [None, None],
            "expected_untrained_difference": 1.5, "expected_untrained_difference_ci95": [None, None],
            "p50_completion_difference": {"days": None, "ci95": [None, None]},
            "p80_completion_difference": {"days": 3, "ci95": [None, None]}}
    result = {"a": {"folder": "a", "scenario": "x"}, "b": {"folder": "b", "scenario": "y"}, "paired": False,
              "inputs_differ": [], "sites": {"hnt": site}}
    rows = [line.split() for line in compare_text(result).splitlines() if line.startswith("hnt ")]
    assert rows == [["hnt", "50%", "25%", "-25.0%", "+1.5", "-", "+3"]]  # narrow enough for one table


def test_the_targets_text_fits_for_the_shipped_targets():
    from sim.analysis.targets import TargetFit
    from sim.output.console import targets_text

    spec = load_experiment(experiment_path(Path("calibration-midt-norge")))
    from sim.model.target_file import SHARE_MEASURES

    def widest(t):  # the widest values a target's measure can have: shares up to 100%, counts of thousands
        return (1.0, 0.5, 0.0, 1.0) if t.measure in SHARE_MEASURES else (123_456.7, 1_234.5, 12_345.6, 123_456.7)

    fits = [TargetFit(t, 20_000, *widest(t), 99.9) for t in spec.targets]
    text = targets_text(fits)
    assert_fits(text)
    assert all(t.name.split()[0] in text for t in spec.targets)


def test_the_calibration_texts_fit_for_the_shipped_calibration():
    from types import SimpleNamespace

    import numpy as np

    from sim.output.console import calibration_text, wave_text

    spec = load_experiment(experiment_path(Path("calibration-midt-norge")))
    params = spec.studies.calibration.parameters
    constrained = [{"parameter": p.name, "prior_low": 12_345.6, "prior_high": 123_456.7, "posterior_low": 12_345.6,
                    "posterior_high": 123_456.7, "constrained": i % 2 == 0, "width_ratio": 1.0}
                   for i, p in enumerate(params)]
    from sim.model.target_file import SHARE_MEASURES

    def big(t):  # the widest value of the target's measure: 100% for a share, thousands for a count
        return 1.0 if t.measure in SHARE_MEASURES else 123_456.7

    fit = [{"target": t.name, "measure": t.measure, "held_out": t.held_out, "observed": big(t),
            "prior_mean": big(t), "posterior_mean": big(t), "posterior_low": big(t) / 10,
            "posterior_high": big(t), "implausibility": 99.9} for t in spec.targets]
    fitted = [t for t in spec.targets if not t.held_out]
    wave = SimpleNamespace(number=12, points=np.zeros((1_000, len(params))), kept=np.ones(1_000, bool),
                           share_of_prior=0.123, implausibility=np.full((1_000, len(fitted)), 99.9))
    matching = SimpleNamespace(plausible=True, effective_size=12_345.0, waves=[wave])
    result = SimpleNamespace(parameters=[{}] * 12_345, matching=matching, constrained=constrained, fit=fit,
                             plan=SimpleNamespace(fitted=fitted))
    for text in (calibration_text(result), wave_text(wave)):  # type: ignore[arg-type]
        assert_fits(text)
    matching.plausible = False  # nothing kept: a paragraph naming the furthest target
    text = calibration_text(result)  # type: ignore[arg-type]
    assert_fits(text)
    assert "Nothing plausible" in text
