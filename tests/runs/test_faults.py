"""Faults of the machine, not of the input: a full disk, a folder that cannot be written,
a numeric overflow. Each ends in one line and a folder that is complete, resumable or
absent, never half-written."""
from __future__ import annotations

import errno
import json

import numpy as np
import pytest

from sim.engine import replication
from sim.runs.folder import RunFolder
from tests.cli.conftest import invoke_no_traceback as invoke
from tests.conftest import SMALL_EXPERIMENT

RUN = ["run", str(SMALL_EXPERIMENT), "--executor", "serial", "-q", "--no-plots", "--seed", "5"]


def disk_full_after(monkeypatch, method: str, calls: int) -> None:
    """Make RunFolder.<method> fail with ENOSPC from its ``calls``-th call on."""
    real = getattr(RunFolder, method)
    seen = {"n": 0}

    def full(self, *args, **kwargs):
        seen["n"] += 1
        if seen["n"] >= calls:
            raise OSError(errno.ENOSPC, "No space left on device", str(self.path / "replications.partial.csv"))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(RunFolder, method, full)


def test_a_full_disk_mid_run_leaves_a_folder_that_resumes_to_the_same_bytes(tmp_path, monkeypatch):
    clean = tmp_path / "clean"
    assert invoke(*RUN, "-n", 12, "--chunk-size", 2, "--out", clean).exit_code == 0
    out = tmp_path / "full"
    with monkeypatch.context() as m:
        disk_full_after(m, "append", 3)
        result = invoke(*RUN, "-n", 12, "--chunk-size", 2, "--out", out)
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("error: cannot write") and "No space left on device" in result.stderr
    assert f"rollout-sim run --resume {out}" in result.stderr
    assert json.loads((out / "manifest.json").read_text())["status"] == "failed"
    assert invoke("run", "--resume", out, "--executor", "serial", "-q", "--no-plots").exit_code == 0
    assert (out / "replications.csv").read_bytes() == (clean / "replications.csv").read_bytes()


def test_a_full_disk_before_the_run_starts_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    disk_full_after(monkeypatch, "write", 2)  # the journal is written; the inputs are not
    result = invoke(*RUN, "-n", 2, "--out", "run")
    assert result.exit_code == 1 and "No space left on device" in result.stderr
    assert list(tmp_path.iterdir()) == []  # no folder, not even the hidden one it was built in


@pytest.mark.parametrize("where", ["file", "under-a-file", "name-too-long"])
def test_an_out_that_cannot_be_made_is_a_clean_error(tmp_path, where):
    (tmp_path / "afile").write_text("x")
    out = {"file": tmp_path / "afile", "under-a-file": tmp_path / "afile" / "run",
           "name-too-long": tmp_path / ("r" * 300)}[where]
    result = invoke(*RUN, "-n", 2, "--out", out)
    assert result.exit_code == 1 and result.stderr.startswith("error:") and len(result.stderr.splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_an_overflow_in_a_replication_is_an_error_not_a_warning(monkeypatch, tmp_path):
    real = replication.site_outcomes

    def overflowing(engine):
        np.float64(1e308) * 10  # what an input beyond its bound could do deep in the engine
        return real(engine)

    monkeypatch.setattr(replication, "site_outcomes", overflowing)
    result = invoke(*RUN, "-n", 2, "--out", tmp_path / "run")
    assert result.exit_code == 1 and "FloatingPointError: overflow" in result.stderr
