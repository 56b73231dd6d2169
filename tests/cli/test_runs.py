"""run options of issue 3 from the command line: precision, failures, executors."""
from __future__ import annotations

import builtins
import json

from tests.cli.conftest import NOISY, invoke
from tests.conftest import SMALL_EXPERIMENT, fail_replication


def test_precision_reports_why_it_stopped(tmp_path):
    r = invoke("run", "--no-plots", SMALL_EXPERIMENT, "-n", 10, "--seed", 3, "-q", "--executor", "serial", "--precision", 0.12,
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
    fail_replication(monkeypatch, 3, ZeroDivisionError("division by zero"))
    r = invoke("run", "--no-plots", SMALL_EXPERIMENT, "-n", 5, "--seed", 8, "-q", "--executor", "serial", "--chunk-size", 1,
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
    r = invoke("run", "--no-plots", SMALL_EXPERIMENT, "-n", 2, "-q", "--executor", "dask", "--out", tmp_path / "out")
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "pip install 'rollout-sim[dask]'" in r.stderr
    assert not (tmp_path / "out").exists()


def test_run_draws_figures_and_report_unless_told_not_to(tmp_path):
    r = invoke("run", SMALL_EXPERIMENT, "-n", 3, "--seed", 1, "-q", "--executor", "serial", "--out", tmp_path / "out")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "out" / "report.html").stat().st_size > 10_000
    assert len(list((tmp_path / "out" / "figures").glob("*.png"))) >= 4
    assert not list((tmp_path / "out" / "figures").glob("*.svg"))  # on request only
    assert "report:" in r.stdout


def test_plot_and_report_commands_work_on_a_copied_folder(tmp_path):
    r = invoke("run", "--no-plots", SMALL_EXPERIMENT, "-n", 3, "--seed", 1, "-q", "--executor", "serial",
               "--out", tmp_path / "out")
    assert r.exit_code == 0, r.output
    import shutil

    shutil.copytree(tmp_path / "out", tmp_path / "copy")
    assert invoke("plot", tmp_path / "copy").exit_code == 0
    assert (tmp_path / "copy" / "figures" / "risk.png").exists()
    assert not (tmp_path / "copy" / "figures" / "risk.svg").exists()
    assert invoke("plot", tmp_path / "copy", "--svg").exit_code == 0
    pngs = sorted(p.stem for p in (tmp_path / "copy" / "figures").glob("*.png"))
    assert sorted(p.stem for p in (tmp_path / "copy" / "figures").glob("*.svg")) == pngs
    assert invoke("report", tmp_path / "copy").exit_code == 0
    assert (tmp_path / "copy" / "report.html").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    bad = invoke("plot", empty)
    assert bad.exit_code == 1 and "not a complete results folder" in bad.stderr and "Traceback" not in bad.output


def test_trace_command_writes_a_timetable(tmp_path):
    r = invoke("trace", SMALL_EXPERIMENT, "--replication", 2, "--out", tmp_path / "t")
    assert r.exit_code == 0, r.output
    lines = (tmp_path / "t" / "sessions.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 11 and lines[1].startswith("2023-03-13")
    assert (tmp_path / "t" / "sessions.ics").read_bytes().startswith(b"BEGIN:VCALENDAR\r\n")
    bad = invoke("trace", SMALL_EXPERIMENT, "--scenario", "nope", "--out", tmp_path / "t2")
    assert bad.exit_code == 1 and "two-rooms" in bad.stderr
