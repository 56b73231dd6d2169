"""Calibration of the rollout model itself: a figure the model made at a known no-show
rate is fitted back to that rate; the same seed gives the same sets on any executor; a
figure the model cannot make ends in "nothing plausible" with its files written."""
from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from sim.errors import ConfigError
from sim.model.experiment_file import load_experiment
from sim.runs.launch import RunStopped
from sim.studies.calibrate import plan_calibration, run_calibration, values_at
from sim.studies.study import Study
from sim.studies.targets import fit_targets
from tests.conftest import with_observed

TRUE_NO_SHOWS = 0.1


def _experiment(tmp_path: Path, observed: float, extra: str = "") -> Path:
    path = with_observed(tmp_path, observed)
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def observed(tmp_path_factory) -> float:
    """Places booked at site a with 10% no-shows, on other random numbers than the fit's
    (seed 99): a world the model could have been."""
    spec = load_experiment(_experiment(tmp_path_factory.mktemp("truth"), 0), [("uncertainty.no_show_probability",
                                                                             TRUE_NO_SHOWS)])
    (booked, _) = fit_targets(spec, 1, 99)
    return booked.mean


def _study(path: Path, out: Path | None, executor: str = "serial", workers: int | None = None) -> Study:
    return Study("calibrate", load_experiment(path), [], out=out, memory=out is None, executor=executor,
                 workers=workers)


def test_a_figure_made_at_a_known_rate_is_fitted_back_to_it(tmp_path, observed):
    study = _study(_experiment(tmp_path, observed), tmp_path / "out")
    result = run_calibration(study, plan_calibration(study))
    (no_shows,) = result.constrained
    assert no_shows["posterior_low"] <= TRUE_NO_SHOWS <= no_shows["posterior_high"], no_shows
    assert no_shows["constrained"] and no_shows["width_ratio"] < 0.5  # the data narrowed the prior's 0-30%
    shares = [w["share_of_prior"] for w in result.waves]
    assert shares[-1] < 0.5
    fit = {row["target"]: row for row in result.fit}
    assert fit["places booked at a"]["implausibility"] < 3 and not fit["places booked at a"]["held_out"]
    assert fit["b ready"]["held_out"] and fit["b ready"]["posterior_mean"] is not None
    # The folder: every file, and the weights as a distribution.
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["calibration.json", "fit.csv", "parameters.csv", "waves.csv"]
    with open(out / "parameters.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(result.parameters) > 0
    assert sum(float(r["weight"]) for r in rows) == pytest.approx(1)
    assert all(0 <= float(r["uncertainty.no_show_probability"]) <= 0.3 for r in rows)
    summary = json.loads((out / "calibration.json").read_text(encoding="utf-8"))
    assert summary["plausible"] and summary["simulations"] == 3 * 16 * 4


def test_the_same_seed_gives_the_same_sets_on_any_executor(tmp_path, observed):
    path = _experiment(tmp_path, observed)
    serial = _study(path, tmp_path / "serial")
    pooled = _study(path, tmp_path / "pooled", executor="process", workers=2)
    run_calibration(serial, plan_calibration(serial))
    run_calibration(pooled, plan_calibration(pooled))
    for name in ("parameters.csv", "waves.csv", "fit.csv"):
        assert (tmp_path / "serial" / name).read_bytes() == (tmp_path / "pooled" / name).read_bytes(), name


def test_a_figure_the_model_cannot_make_leaves_nothing_plausible(tmp_path):
    study = _study(_experiment(tmp_path, 5000), tmp_path / "out")
    result = run_calibration(study, plan_calibration(study))
    assert not result.matching.plausible and result.parameters == []
    assert len(result.waves) == 3 and all(w["kept"] == 0 for w in result.waves)
    assert (tmp_path / "out" / "parameters.csv").read_text(encoding="utf-8") == "wave,uncertainty.no_show_probability,weight\n"
    assert json.loads((tmp_path / "out" / "calibration.json").read_text(encoding="utf-8"))["plausible"] is False
    assert all(row["posterior_mean"] is None for row in result.fit)


def test_whole_numbers_are_drawn_evenly_over_their_range(tmp_path, observed):
    study = _study(_experiment(tmp_path, observed), None)
    plan = plan_calibration(study)
    (b,) = plan.bounds
    as_counts = replace(plan, bounds=[replace(b, low=6, high=10)])
    values = [row[0] for row in values_at(as_counts, np.linspace(0, 1, 1001)[:, None])]
    counts = [values.count(v) for v in range(6, 11)]
    assert sum(counts) == 1001 and max(counts) - min(counts) <= 2, counts


def test_what_cannot_be_calibrated_is_said_before_anything_runs(tmp_path, observed):
    path = _experiment(tmp_path, observed)
    with pytest.raises(ConfigError, match="--budget: expected at least 24 replications"):
        plan_calibration(_study(path, None), budget=23)
    assert plan_calibration(_study(path, None), budget=240).points == 20  # 240 / (3 waves x 4)
    study = replace(_study(path, None), scenario="base")
    with pytest.raises(ConfigError, match="calibrate runs the scenarios its targets name"):
        plan_calibration(study)
    bare = tmp_path / "bare.toml"
    bare.write_text(path.read_text(encoding="utf-8").split("[calibration]")[0], encoding="utf-8")
    with pytest.raises(ConfigError, match=r"no \[calibration\] table"):
        plan_calibration(_study(bare, None))
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "mine.txt").write_text("a user's file")
    with pytest.raises(ConfigError, match="exists; choose another --out, or add --force"):
        run_calibration(_study(path, tmp_path / "taken"), plan_calibration(_study(path, None)))
    forced = replace(_study(path, tmp_path / "taken"), force=True)
    with pytest.raises(ConfigError, match="not a calibration of rollout-sim"):
        run_calibration(forced, plan_calibration(forced))
    assert (tmp_path / "taken" / "mine.txt").is_file()


def test_held_out_targets_alone_are_nothing_to_fit(tmp_path):
    path = _experiment(tmp_path, 600)
    text = path.read_text(encoding="utf-8").replace('source = "the model itself, at about 10% no-shows"',
                                                    'source = "x"\nheld_out = true')
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="calibration: nothing to fit"):
        load_experiment(path)


def test_an_interrupted_calibration_resumes_to_the_same_files(tmp_path, observed):
    path = _experiment(tmp_path, observed)
    whole = _study(path, tmp_path / "whole")
    run_calibration(whole, plan_calibration(whole))

    def stop_after_the_first(wave):
        if wave.number == 1:
            raise KeyboardInterrupt

    cut = _study(path, tmp_path / "cut")
    with pytest.raises(RunStopped, match="interrupted after 1 of 3 waves; they are kept"):
        run_calibration(cut, plan_calibration(cut), on_wave=stop_after_the_first)
    assert not (tmp_path / "cut").exists()  # a results folder that exists is complete
    resumed = run_calibration(cut, plan_calibration(cut), resume=True)
    assert len(resumed.waves) == 3
    for name in ("parameters.csv", "waves.csv", "fit.csv", "calibration.json"):
        assert (tmp_path / "cut" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no staging left
    # Nothing to resume, or another calibration's waves: said, not guessed.
    with pytest.raises(ConfigError, match="no interrupted calibration to continue"):
        run_calibration(_study(path, tmp_path / "other"), plan_calibration(cut), resume=True)
    with pytest.raises(RunStopped):
        run_calibration(cut_again := _study(path, tmp_path / "again"), plan_calibration(cut_again),
                        on_wave=stop_after_the_first)
    seeded = replace(_study(path, tmp_path / "again"), seed=12)
    with pytest.raises(ConfigError, match="started with other inputs, seed or sizes"):
        run_calibration(seeded, plan_calibration(seeded), resume=True)


def test_a_budget_in_minutes_or_replications(tmp_path, observed):
    from sim.studies.calibrate import budget_of, replications_in

    assert budget_of("2000") == (2000, None) and budget_of("10m") == (None, 10.0) and budget_of("1.5min") == (None, 1.5)
    for bad in ("0m", "1", "5x", "-3m", "nanm", "infm", "99999999"):
        with pytest.raises(ConfigError, match="--budget: expected replications in all"):
            budget_of(bad)
    study = _study(_experiment(tmp_path, observed), None)
    small, large = replications_in(study, 0.05), replications_in(study, 0.5)
    assert 0 < small < large  # ten times the minutes, (about) ten times the replications
