"""Workers end with the process that started them (sim.runs.parent)."""
from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from sim.runs.parent import _interrupt_if_busy, interruptible, sigint_blocked_while_starting

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
    return blocked, ("raises" if handler is signal.default_int_handler else "ignored" if handler == signal.SIG_IGN
                     else "raises in a job" if handler is _interrupt_if_busy else "?")


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
            started = "raises in a job" if parent == "raises" else "ignored"
            assert pool.submit(_sigint_state_once_started).result(timeout=60) == (False, started)
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.mark.skipif(not hasattr(signal, "pthread_kill"), reason="signals are blocked only where POSIX allows")
def test_a_ctrl_c_another_thread_receives_while_workers_start_is_raised_after():
    # The kernel may hand a Ctrl-C to any thread that does not block it (a BLAS thread, a
    # background import); Python still runs the handler in the main thread. While workers
    # start it must wait there too: raised half-way through a start, it leaves the worker
    # reading a pipe that was never finished, which then prints a traceback of its own.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    go, sent = threading.Event(), threading.Event()

    def receive() -> None:  # started before the block: SIGINT is not blocked in this thread
        go.wait(10)
        signal.pthread_kill(threading.get_ident(), signal.SIGINT)
        sent.set()

    other = threading.Thread(target=receive)
    other.start()
    steps: list[int | str] = []
    try:
        with pytest.raises(KeyboardInterrupt), sigint_blocked_while_starting():
            go.set()
            assert sent.wait(10)
            for _ in range(1000):  # bytecodes, at which Python runs a pending handler
                steps.append(len(steps))
            steps.append("started")
        assert steps[-1] == "started"  # the whole window ran; the Ctrl-C came after it
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the handler is back
    finally:
        other.join()
        signal.signal(signal.SIGINT, previous)


def test_a_started_worker_takes_ctrl_c_only_inside_a_job():
    # Outside a job (waiting for the next) a Ctrl-C passes: the parent is stopping and
    # ends the worker, which would otherwise print a traceback from its queue's lock.
    code = """
import os, signal, time
from sim.runs.parent import busy, interruptible
interruptible()
os.kill(os.getpid(), signal.SIGINT)
time.sleep(0.1)
print("waited on")
try:
    with busy():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)
    print("not interrupted")
except KeyboardInterrupt:
    print("job ended")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)},
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert done.returncode == 0 and done.stdout.split() == ["waited", "on", "job", "ended"], done.stderr
