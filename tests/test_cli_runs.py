"""run options of issue 3 from the command line: precision, failures, executors."""
from __future__ import annotations

import builtins
import json

from click.testing import CliRunner

import sim.executors as executors
from sim.cli import cli
from tests.conftest import SMALL_EXPERIMENT

NOISY = ["--set", 'uncertainty.no_show_probability={dist="uniform", low=0, high=0.4}',
         "--set", "uncertainty.no_show_rebook_days=30", "--set", "curriculum.basic.course.course.hours=7",
         "--set", "staff_group.a-staff.headcount=380"]


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_precision_reports_why_it_stopped(tmp_path):
    r = invoke("run", SMALL_EXPERIMENT, "-n", 10, "--seed", 3, "-q", "--executor", "serial", "--precision", 0.12,
               "--max-replications", 160, "--out", tmp_path / "out", *NOISY)
    assert r.exit_code == 0, r.output
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert manifest["precision"] == 0.12 and "within" in manifest["stop_reason"]
    assert manifest["stop_reason"] in r.stdout
    for scenario in summary["scenarios"].values():
        low, high = scenario["sites"]["a"]["risk_ci95"]
        assert (high - low) / 2 <= 0.12
    assert summary["replications"] == manifest["replications_done"] > 10


def test_a_failing_replication_fails_the_run_and_keeps_what_finished(tmp_path, monkeypatch):
    real = executors.run_replication

    def flaky(model, seed, replication, **kwargs):
        if replication == 3:
            raise ZeroDivisionError("division by zero")
        return real(model, seed, replication, **kwargs)

    monkeypatch.setattr(executors, "run_replication", flaky)
    r = invoke("run", SMALL_EXPERIMENT, "-n", 5, "--seed", 8, "-q", "--executor", "serial", "--chunk-size", 1,
               "--out", tmp_path / "out")
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "replication 3 (seed 8)" in r.stderr and "ZeroDivisionError" in r.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["status"] == "failed" and "replication 3" in manifest["error"]
    assert not (tmp_path / "out" / "summary.json").exists()  # no summary that leaves it out
    assert (tmp_path / "out" / "replications.partial.csv").read_text().count("\n") > 1


def test_dask_missing_is_a_clear_message(tmp_path, monkeypatch):
    real_import = builtins.__import__

    def no_dask(name, *args, **kwargs):
        if name.startswith("dask"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    r = invoke("run", SMALL_EXPERIMENT, "-n", 2, "-q", "--executor", "dask", "--out", tmp_path / "out")
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "pip install 'rollout-sim[dask]'" in r.stderr
    assert not (tmp_path / "out").exists()
