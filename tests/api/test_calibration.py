"""sim.targets and sim.calibrate: the numbers of their commands for the same seed, as
DataFrames, with nothing written unless asked."""
from __future__ import annotations

import pytest

import sim
from tests.cli.conftest import invoke, rows
from tests.conftest import with_observed


@pytest.fixture
def experiment(tmp_path):
    return with_observed(tmp_path, 680)


def test_targets_as_a_frame_agree_with_the_command(experiment):
    frame = sim.targets(experiment, n=4)
    assert list(frame["target"]) == ["places booked at a", "b ready"] and frame["plausible"].dtype == bool
    printed = invoke("targets", experiment, "-n", 4, "-q").stdout
    assert frame.attrs["text"] == printed.rstrip("\n")
    row = frame.iloc[0]
    assert f"{row['mean']:,.0f}" in printed and f"{row['implausibility']:.1f}" in printed


def test_calibrate_in_memory_writes_nothing_and_agrees_with_the_command(experiment, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = sim.calibrate(experiment, executor="serial")
    assert not (tmp_path / "results").exists()
    assert result.plausible and result.parameters["weight"].sum() == pytest.approx(1)
    assert list(result.constrained["parameter"]) == ["no-shows"] and len(result.waves) == 3
    r = invoke("calibrate", experiment, "--executor", "serial", "--out", tmp_path / "out", "-q")
    assert r.exit_code == 0, r.output
    written = rows(tmp_path / "out" / "parameters.csv")
    assert [float(w["weight"]) for w in written] == pytest.approx(list(result.parameters["weight"]), rel=1e-12)
    assert str(result) in r.stdout
