"""Workers end with the process that started them (sim.runs.parent)."""
from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from sim.runs.parent import interruptible, sigint_blocked_while_starting

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


def _sigint_state() -> tuple[bool, str]:
    """Whether SIGINT is blocked in this process, and what it does."""
    blocked = signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, [])
    handler = signal.getsignal(signal.SIGINT)
    return blocked, "raises" if handler is signal.default_int_handler else "ignored" if handler == signal.SIG_IGN else "?"


def _sigint_state_once_started() -> tuple[bool, str]:
    interruptible()
    return _sigint_state()


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="signals are blocked only where POSIX allows")
@pytest.mark.parametrize("parent", ["raises", "ignored"])
def test_workers_start_with_ctrl_c_blocked_and_take_it_as_their_parent_does(parent: str):
    # A parent that ignores SIGINT (a job started in the background, as CI may run this)
    # has workers that ignore it too; otherwise they raise KeyboardInterrupt once started.
    spawn = multiprocessing.get_context("spawn")
    previous = signal.signal(signal.SIGINT, signal.default_int_handler if parent == "raises" else signal.SIG_IGN)
    try:
        with cf.ProcessPoolExecutor(1, mp_context=spawn) as pool:
            with sigint_blocked_while_starting():
                first = pool.submit(_sigint_state)
            assert _sigint_state() == (False, parent)  # the parent's block ends with the context
            assert first.result(timeout=60)[0] is True  # inherited: a Ctrl-C waits while it starts
            assert pool.submit(_sigint_state_once_started).result(timeout=60) == (False, parent)
    finally:
        signal.signal(signal.SIGINT, previous)
