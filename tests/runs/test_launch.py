"""Starting a run: problems as ConfigError, a stopped run as RunStopped (with its exit
code and the command that continues it), never a print or an exit."""
from __future__ import annotations

from pathlib import Path

import pytest

from sim.errors import ConfigError
from sim.model.experiment_file import load_experiment
from sim.runs.executors import ReplicationError
from sim.runs.launch import RunStopped, parse_sets, run_fresh
from sim.runs.runner import RunOptions
from tests.conftest import SMALL_EXPERIMENT, created, fail_replication


def test_parse_sets_reads_values_and_refuses_what_is_no_pair() -> None:
    assert parse_sets(["site.a.go_live=2023-06-03", "replications = 4"])[1] == ("replications", 4)
    with pytest.raises(ConfigError, match="expected KEY=VALUE"):
        parse_sets(["site.a.go_live"])


def test_an_existing_folder_is_a_config_error_naming_out(tmp_path: Path) -> None:
    created(tmp_path / "run")
    spec = load_experiment(SMALL_EXPERIMENT)
    with pytest.raises(ConfigError) as err:
        run_fresh(spec, RunOptions(1, 1, "serial"), tmp_path / "run", False, [])
    assert err.value.problems[0].file == "--out"


def test_a_failing_replication_stops_the_run_with_exit_1_and_keeps_the_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    fail_replication(monkeypatch, 2, ValueError("boom"))
    spec = load_experiment(SMALL_EXPERIMENT)
    with pytest.raises(RunStopped) as stop:
        run_fresh(spec, RunOptions(4, 1, "serial"), tmp_path / "run", False, [])
    assert stop.value.exit_code == 1 and stop.value.status == "failed"
    assert "replication 2" in stop.value.message and str(tmp_path / "run") in stop.value.message
    assert isinstance(stop.value.__cause__, ReplicationError)
    assert (tmp_path / "run" / "manifest.json").is_file()
    assert capsys.readouterr() == ("", "")  # it said nothing itself


def test_an_interruption_stops_with_130_and_the_command_that_resumes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fail_replication(monkeypatch, 1, KeyboardInterrupt())
    spec = load_experiment(SMALL_EXPERIMENT)
    with pytest.raises(RunStopped) as stop:
        run_fresh(spec, RunOptions(3, 1, "serial"), tmp_path / "run", False, [])
    assert stop.value.exit_code == 130 and stop.value.status == "interrupted"
    assert f"rollout-sim run --resume {tmp_path / 'run'}" in stop.value.message
