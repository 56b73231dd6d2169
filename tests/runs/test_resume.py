"""A run stopped halfway and resumed gives the same files as an uninterrupted run."""
from __future__ import annotations

import json

import pytest

import sim.runs.folder as results
from tests.cli.conftest import NOISY, RANDOM, RUN_DATA_FILES, invoke
from tests.conftest import SMALL_EXPERIMENT


def run_interrupted(monkeypatch, *args, after: int = 1):
    """Run with Ctrl-C arriving just after the ``after``-th chunk is stored in the journal."""
    real_append = results.RunFolder.append
    calls = {"n": 0}

    def append_then_stop(self, rows):
        real_append(self, rows)
        calls["n"] += 1
        if calls["n"] == after:
            raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(results.RunFolder, "append", append_then_stop)
        return invoke("run", "--no-plots", *args)


@pytest.mark.parametrize("stop_after", [1, 3])
def test_interrupted_then_resumed_equals_uninterrupted(tmp_path, monkeypatch, stop_after):
    whole = invoke("run", "--no-plots", SMALL_EXPERIMENT, "-n", 6, "--seed", 4, "-q", "--executor", "serial",
                   "--chunk-size", 1, "--out", tmp_path / "whole", *RANDOM)
    assert whole.exit_code == 0, whole.output

    # Ctrl-C after a few chunks were stored (and, for stop_after=3, after a checkpoint
    # that will not cover every stored row: those rows must be redone, not doubled).
    part = run_interrupted(monkeypatch, SMALL_EXPERIMENT, "-n", 6, "--seed", 4, "-q", "--executor", "serial",
                           "--chunk-size", 1, "--out", tmp_path / "part", *RANDOM, after=stop_after)
    assert part.exit_code == 130
    assert f"--resume {tmp_path / 'part'}" in part.stderr
    manifest = json.loads((tmp_path / "part" / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    assert not (tmp_path / "part" / "summary.json").exists()

    resumed = invoke("run", "--no-plots", "--resume", tmp_path / "part", "-q", "--executor", "serial")
    assert resumed.exit_code == 0, resumed.output
    for name in RUN_DATA_FILES:
        assert (tmp_path / "part" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name
    assert json.loads((tmp_path / "part" / "manifest.json").read_text())["status"] == "complete"


def test_resume_refuses_a_complete_run_and_changed_inputs(tmp_path):
    done = invoke("run", "--no-plots", SMALL_EXPERIMENT, "-n", 2, "--seed", 1, "-q", "--executor", "serial", "--out", tmp_path / "r")
    assert done.exit_code == 0, done.output
    again = invoke("run", "--no-plots", "--resume", tmp_path / "r", "-q")
    assert again.exit_code == 1 and "complete" in again.stderr
    changed = invoke("run", "--no-plots", "--resume", tmp_path / "r", "--seed", 3)
    assert changed.exit_code == 1 and "cannot change" in changed.stderr
    missing = invoke("run", "--no-plots", "--resume", tmp_path / "nothing")
    assert missing.exit_code == 1 and "manifest.json" in missing.stderr


def test_a_folder_in_use_by_a_live_run_cannot_be_resumed(tmp_path, monkeypatch):
    import os

    part = run_interrupted(monkeypatch, SMALL_EXPERIMENT, "-n", 4, "-q", "--executor", "serial", "--out", tmp_path / "p")
    assert part.exit_code == 130
    assert not (tmp_path / "p" / ".running").exists()  # released on the way out
    # Pretend another live process (this one) still holds it.
    (tmp_path / "p" / ".running").write_text(str(os.getpid()))
    busy = invoke("run", "--no-plots", "--resume", tmp_path / "p", "-q", "--executor", "serial")
    assert busy.exit_code == 1 and "in use by a run still going" in busy.stderr
    # A lock left by a process that is gone is taken over.
    (tmp_path / "p" / ".running").write_text("999999999")
    done = invoke("run", "--no-plots", "--resume", tmp_path / "p", "-q", "--executor", "serial")
    assert done.exit_code == 0, done.output


def test_a_damaged_journal_is_a_message_not_a_traceback(tmp_path, monkeypatch):
    run_interrupted(monkeypatch, SMALL_EXPERIMENT, "-n", 4, "-q", "--executor", "serial", "--out", tmp_path / "p")
    (tmp_path / "p" / "replications.partial.csv").write_text("not,a,journal\n")
    r = invoke("run", "--no-plots", "--resume", tmp_path / "p", "-q", "--executor", "serial")
    assert r.exit_code == 1 and "cannot resume" in r.stderr and "Traceback" not in r.output
    assert not (tmp_path / "p" / ".running").exists()


def test_a_precision_run_resumed_mid_round_equals_an_uninterrupted_one(tmp_path, monkeypatch):
    import sim.runs.runner as runner

    monkeypatch.setattr(runner, "CHECKPOINT_SECONDS", 0.0)  # checkpoint after every chunk
    common = ["-n", 10, "--seed", 3, "-q", "--executor", "serial", "--chunk-size", 1, "--precision", 0.05,
              "--max-replications", 160, *NOISY]
    whole = invoke("run", "--no-plots", SMALL_EXPERIMENT, *common, "--out", tmp_path / "whole")
    assert whole.exit_code == 0, whole.output
    rounds = json.loads((tmp_path / "whole" / "manifest.json").read_text())["replications_done"]
    assert rounds > 20  # it needed a third round, so there is a second round to interrupt

    # Ctrl-C in the second round (20 one-replication chunks make the first).
    part = run_interrupted(monkeypatch, SMALL_EXPERIMENT, *common, "--out", tmp_path / "part", after=30)
    assert part.exit_code == 130
    resumed = invoke("run", "--no-plots", "--resume", tmp_path / "part", "-q", "--executor", "serial")
    assert resumed.exit_code == 0, resumed.output
    for name in RUN_DATA_FILES:
        assert (tmp_path / "part" / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name
