"""sim.sweep, sim.sensitivity, sim.capacity and sim.compare: the numbers of their
commands for the same seed, as DataFrames, with nothing written unless asked."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.errors import ConfigError
from tests.cli.conftest import SERIAL, invoke, rows
from tests.conftest import SMALL_EXPERIMENT, STUDY_EXPERIMENT


def _same_as_csv(frame: pd.DataFrame, written: list[dict[str, str]]) -> bool:
    """Whether a frame holds the values of a CSV the command wrote: the same columns and
    rows, numbers equal as numbers, blanks where the frame has None or NaN."""
    if list(frame.columns) != list(written[0]) or len(frame) != len(written):
        return False

    def same(value: object, cell: str) -> bool:
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return cell == ""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return cell != "" and float(cell) == float(value)
        return str(value) == cell

    return all(same(value, row[key]) for record, row in zip(frame.to_dict("records"), written)
               for key, value in record.items())


def _command(*args: object) -> None:
    result = invoke(*args, *(SERIAL if args[0] != "compare" else ()))
    assert result.exit_code in (0, 1), result.output


def test_sweep_gives_the_commands_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _command("sweep", STUDY_EXPERIMENT, "-n", 4, "--seed", 3, "--out", tmp_path / "cli")
    monkeypatch.chdir(tmp_path)
    done = sim.sweep(STUDY_EXPERIMENT, n=4, seed=3, executor="serial")
    assert done.path is None and sorted(p.name for p in tmp_path.iterdir()) == ["cli"]  # nothing else written
    assert _same_as_csv(done.table, rows(tmp_path / "cli" / "sweep.csv"))
    assert done.results.scenarios == list(json.loads((tmp_path / "cli" / "summary.json").read_text())["scenarios"])
    assert "risk (95% CI)" in str(done)


def test_sweep_takes_vary_as_a_dict() -> None:
    done = sim.sweep(STUDY_EXPERIMENT, {"uncertainty.training_environment_delay_days": ["0w", "10w"]}, n=3, seed=1,
                     executor="serial")
    assert list(done.table["uncertainty.training_environment_delay_days"].dropna().unique()) == ["0w", "10w"]
    with pytest.raises(ConfigError, match="at least one value"):
        sim.sweep(STUDY_EXPERIMENT, {"uncertainty.training_environment_delay_days": []}, executor="serial")


def test_sensitivity_gives_the_commands_tornado(tmp_path: Path) -> None:
    _command("sensitivity", STUDY_EXPERIMENT, "-n", 3, "--seed", 2, "--out", tmp_path / "cli")
    done = sim.sensitivity(STUDY_EXPERIMENT, "oat", n=3, seed=2, executor="serial")
    assert _same_as_csv(done.table, rows(tmp_path / "cli" / "tornado.csv"))
    assert done.method == "oat" and done.results.path is None
    with pytest.raises(ConfigError, match="--method"):
        sim.sensitivity(STUDY_EXPERIMENT, "anova", executor="serial")


def test_capacity_gives_the_commands_answer(tmp_path: Path) -> None:
    _command("capacity", STUDY_EXPERIMENT, "-n", 4, "--seed", 2, "--out", tmp_path / "cli")
    done = sim.capacity(STUDY_EXPERIMENT, n=4, seed=2, executor="serial")
    assert _same_as_csv(done.table, rows(tmp_path / "cli" / "search.csv"))
    assert done.path is None
    if done.value is not None:
        assert done.answer is not None and done.answer.risk <= done.plan.max_risk
        assert str(done.value) in str(done)
    with pytest.raises(ConfigError, match="max_risk"):
        sim.capacity(STUDY_EXPERIMENT, max_risk=1.5, executor="serial")
    with pytest.raises(ConfigError, match="--site"):
        sim.capacity(STUDY_EXPERIMENT, site="nowhere", executor="serial")


def test_compare_of_results_in_memory_equals_the_commands(tmp_path: Path) -> None:
    for name, go_live in (("a", "2023-05-06"), ("b", "2023-05-20")):
        _command("run", SMALL_EXPERIMENT, "-n", 8, "--seed", 4, "--no-plots", "--out", tmp_path / name,
                 "--set", 'uncertainty.no_show_probability={dist="uniform", low=0, high=0.3}',
                 "--set", f"site.a.go_live={go_live}")
    _command("compare", tmp_path / "a", tmp_path / "b", "--json", tmp_path / "c.json")
    expected = json.loads((tmp_path / "c.json").read_text())
    noisy = {"uncertainty.no_show_probability": '{dist="uniform", low=0, high=0.3}'}
    a = sim.run(SMALL_EXPERIMENT, n=8, seed=4, executor="serial", set=noisy)
    frame = sim.compare(a, sim.open_results(tmp_path / "b"))
    assert frame.attrs["paired"] == expected["paired"]
    assert list(frame["site"]) == list(expected["sites"])
    for _, r in frame.iterrows():
        want = expected["sites"][r["site"]]
        assert r["risk_difference"] == want["risk_difference"]
        assert [r["risk_difference_ci95_low"], r["risk_difference_ci95_high"]] == want["risk_difference_ci95"]
    assert frame.attrs["inputs_differ"] == ["resolved model"]  # the go-live, and nothing else, differs
    assert sim.compare(a, sim.open_results(tmp_path / "a")).attrs["inputs_differ"] == []
    # Folders work as well as results.
    by_path = sim.compare(tmp_path / "a", tmp_path / "b")
    pd.testing.assert_frame_equal(by_path, frame)


def test_compare_refuses_what_cannot_be_paired() -> None:
    a = sim.run(SMALL_EXPERIMENT, n=3, seed=1, executor="serial")
    b = sim.run(SMALL_EXPERIMENT, n=3, seed=2, executor="serial")
    with pytest.raises(ConfigError, match="seeds differ"):
        sim.compare(a, b)
    assert not sim.compare(a, b, unpaired=True).attrs["paired"]
