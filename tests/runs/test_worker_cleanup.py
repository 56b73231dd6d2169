"""Workers end when the run that started them is killed outright (SIGKILL cannot be caught,
so the pool cannot be shut down; the workers must notice on their own)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table in /proc")]


def children(pid: int) -> set[int]:
    """Processes whose parent is ``pid``."""
    out = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rfind(")") + 2:].split()[1]) == pid:
                out.add(int(entry.name))
    return out


def alive(pids: set[int]) -> set[int]:
    left = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        if state[state.rfind(")") + 2] != "Z":  # a zombie has ended; it only waits to be reaped
            left.add(pid)
    return left


@pytest.mark.parametrize("after", [0.2, 1.5], ids=["while-workers-start", "while-workers-run"])
def test_workers_and_resource_tracker_end_after_the_run_is_killed(tmp_path, after):
    run = subprocess.Popen([sys.executable, "-m", "sim", "run", "-n", "2000", "--workers", "2", "-q", "--no-plots",
                            "--out", str(tmp_path / "run")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while len(children(run.pid)) < 3 and time.monotonic() < deadline:  # 2 workers and the resource tracker
            time.sleep(0.2)
        spawned = children(run.pid)
        assert len(spawned) >= 2, "the run never started its workers"
        time.sleep(after)
        os.kill(run.pid, signal.SIGKILL)
        run.wait()
        deadline = time.monotonic() + 10  # workers check for their parent twice a second
        while alive(spawned) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not alive(spawned), f"still running 10 s after the run was killed: {sorted(alive(spawned))}"
    finally:
        run.kill()
        for pid in alive(children(run.pid)):
            os.kill(pid, signal.SIGKILL)
