"""Workers end with the process that started them (sim.runs.parent)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_worker_whose_parent_is_gone_ends_at_once() -> None:
    # Given a parent id that is not this process's parent (as after the parent died and the
    # worker was handed on), the watch ends the process with status 1 without waiting.
    code = "from sim.runs.parent import end_with_parent; end_with_parent(-1); print('still running')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 1 and "still running" not in done.stdout


def test_a_worker_whose_parent_lives_keeps_running() -> None:
    code = ("import os, time; from sim.runs.parent import watch_parent; watch_parent(os.getppid()); "
            "time.sleep(1.2); print('still running')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0 and "still running" in done.stdout
