"""Ctrl-C at any moment of a run, as a terminal sends it: SIGINT to the whole process
group, the command and its workers alike. The user sees one short message, never a
traceback of the command or of a worker that was still starting."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import SMALL_EXPERIMENT

# Start-up (the command line's imports), the pool starting its workers, the workers
# importing the engine, and replications running: on the project's machine these are
# roughly 0-0.6 s, 0.5-0.8 s, 0.6-1.4 s and later.
MOMENTS = (0.15, 0.45, 0.7, 0.9, 1.2, 2.0)


@pytest.mark.skipif(sys.platform == "win32", reason="process groups and SIGINT are POSIX")
@pytest.mark.parametrize("after", MOMENTS)
def test_ctrl_c_says_one_thing_and_no_traceback(tmp_path: Path, after: float):
    shutil.copytree(SMALL_EXPERIMENT.parent, tmp_path / "data")
    out = tmp_path / "out"
    command = [sys.executable, "-c", "from sim.cli import main; main()", "run", str(tmp_path / "data" / SMALL_EXPERIMENT.name),
               "-n", "400", "--workers", "2", "--no-plots", "-q", "--out", str(out)]
    # As from a terminal: in its own group, and with SIGINT's default action even where this
    # test runs as a background job (which starts with SIGINT ignored, as CI may).
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            cwd=Path(__file__).resolve().parents[2],
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(after)
    os.killpg(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    said = stdout + stderr
    assert "Traceback" not in said and "Exception ignored" not in said, said
    if proc.returncode == 130 and out.exists():  # stopped while running: resumable
        assert "continue with: rollout-sim run --resume" in stderr
        assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["status"] == "interrupted"
    else:  # stopped before the run began: nothing was written
        assert proc.returncode in (1, 130) and "Aborted!" in stderr and not out.exists(), said
