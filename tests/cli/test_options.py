"""The command line is held to the same bounds as the files, and refuses options that
the chosen executor or mode would ignore without a word."""
from __future__ import annotations

import pytest

from sim import limits
from sim.runs.executors import executor_problems
from tests.cli.conftest import invoke_no_crash as invoke
from tests.conftest import SMALL_EXPERIMENT


@pytest.mark.parametrize("option", [
    ("-n", limits.MAX_REPLICATIONS + 1), ("-n", 0), ("--seed", 10**30), ("--seed", -1),
    ("--workers", limits.MAX_WORKERS + 1), ("--chunk-size", 0), ("--precision", "nan"), ("--precision", 0.7),
])
def test_run_options_out_of_bounds_are_usage_errors(option, tmp_path):
    result = invoke("run", SMALL_EXPERIMENT, *option, "--out", tmp_path / "run")
    assert result.exit_code == 2 and "Invalid value" in result.stderr
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("command", [["capacity", "--max-risk", "nan"], ["sweep", "-n", 10**9]])
def test_study_options_out_of_bounds_are_usage_errors(command):
    result = invoke(*command)
    assert result.exit_code == 2 and "Invalid value" in result.stderr


def test_a_scheduler_is_only_for_dask_and_must_look_like_an_address():
    assert executor_problems("process", None) == []
    assert "only used with --executor dask" in str(executor_problems("process", "tcp://h:8786")[0])
    assert "expected an address" in str(executor_problems("dask", "not a url")[0])
    assert executor_problems("dask", "tcp://10.0.0.5:8786") == []
    assert executor_problems("dask", "scheduler.local:8786") == []


@pytest.mark.parametrize("args, message", [
    (["--scheduler", "tcp://h:8786"], "--scheduler: only used with --executor dask"),
    (["--max-replications", 50], "--max-replications: only used with --precision"),
])
def test_options_the_run_would_ignore_are_refused(args, message, tmp_path):
    result = invoke("run", SMALL_EXPERIMENT, "-n", 2, "--out", tmp_path / "run", *args)
    assert result.exit_code == 1 and result.stderr.startswith(f"error: {message}")
    assert not (tmp_path / "run").exists()


def test_one_key_varied_twice_is_refused():
    result = invoke("sweep", SMALL_EXPERIMENT, "--vary", "uncertainty.no_show_probability=0.1,0.2",
                    "--vary", "uncertainty.no_show_probability=0.3,0.4")
    assert result.exit_code == 1 and "given twice" in result.stderr


def test_trace_does_not_overwrite_an_earlier_timetable_without_force(tmp_path):
    (tmp_path / "sessions.csv").write_text("mine")
    result = invoke("trace", SMALL_EXPERIMENT, "--out", tmp_path)
    assert result.exit_code == 1 and "already has sessions.csv" in result.stderr
    assert (tmp_path / "sessions.csv").read_text() == "mine"
    assert invoke("trace", SMALL_EXPERIMENT, "--out", tmp_path, "--force").exit_code == 0
    assert (tmp_path / "sessions.csv").read_text() != "mine"
