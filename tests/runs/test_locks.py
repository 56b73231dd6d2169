"""A lock tells a live run from a process that merely got the same id later."""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys

import pytest

from sim.runs import locks
from sim.runs.folder import LOCK, ResultsExistError, RunFolder

linux = pytest.mark.skipif(not os.path.exists(f"/proc/{os.getpid()}/stat"), reason="needs /proc")


def test_a_lock_records_pid_host_and_start_time():
    me = locks.this_process()
    assert me["pid"] == os.getpid() and me["host"] == socket.gethostname()
    assert locks.live_holder(json.dumps(me)) == f"process {os.getpid()}"


def test_a_dead_process_holds_nothing():
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                           check=True)
    pid = int(child.stdout)
    assert locks.live_holder(json.dumps({"pid": pid, "host": socket.gethostname(), "started": "1"})) == ""
    assert locks.live_holder(str(pid)) == ""  # the plain id older versions wrote
    assert locks.live_holder("garbage") == "" and locks.live_holder(json.dumps({"pid": 10**30})) == ""


@linux
def test_a_reused_pid_is_a_stale_lock(tmp_path):
    # The audit's case: the run died and its id went to an unrelated, later process.
    # Here that process is this test: alive, but started at another time than the lock says.
    folder = RunFolder(tmp_path)
    (tmp_path / LOCK).write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "started": "1"}))
    assert folder.holder() == ""
    folder.lock()  # claimed without removing anything by hand
    assert json.loads((tmp_path / LOCK).read_text())["started"] == locks.start_time(os.getpid())


def test_a_live_lock_is_respected(tmp_path):
    folder = RunFolder(tmp_path)
    folder.lock()
    with pytest.raises(ResultsExistError, match=f"process {os.getpid()}"):
        RunFolder(tmp_path).lock()


def test_a_lock_from_another_host_is_respected_and_says_how_to_clear_it(tmp_path):
    (tmp_path / LOCK).write_text(json.dumps({"pid": 1, "host": "elsewhere", "started": "1"}))
    with pytest.raises(ResultsExistError, match=re.escape("on elsewhere; if that run is gone, delete the file .running")):
        RunFolder(tmp_path).lock()
