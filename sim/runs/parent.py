"""Worker processes that end with the process that started them.

A parent killed outright (SIGKILL, the OOM killer) cannot shut its pool down, and its
workers would run on for minutes, holding the CPUs and the resource tracker. When the
parent dies a worker is handed to another process, so its parent id changes: a daemon
thread in each worker watches for that. Used by the replication pool
(:mod:`sim.runs.executors`) and the figure workers (:mod:`sim.output.run_figures`);
this module imports nothing heavy, so a worker that only draws starts light.

Ctrl-C reaches every process of the terminal's group, workers included. A worker that
is still starting (importing numpy, numba or matplotlib) would print a traceback of its
own above the run's message. So workers are started with SIGINT *blocked*, which a new
process inherits: a Ctrl-C while they start waits, pending, and the parent's own is
delivered (not lost) as soon as it unblocks. Once started, a worker drops a pending one
(the parent handles that Ctrl-C) and takes SIGINT again, but only while it works on a
job (:func:`interruptible`, :func:`busy`): the job ends and goes back to the parent as
its error, where a worker waiting for work would print a traceback.
"""
from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterator
from types import FrameType

PARENT_CHECK_SECONDS = 0.5


def watch_parent(parent: int) -> None:
    """In a worker: end it when ``parent`` is no longer its parent.

    The parent's id must come from the parent (``os.getpid()`` there, passed as an
    initializer argument): one that died while this worker was still starting has already
    handed it on, and ``os.getppid()`` here would name the new parent.
    """
    threading.Thread(target=end_with_parent, args=(parent,), name="end-with-parent", daemon=True).start()


def end_with_parent(parent: int) -> None:
    """Wait while ``parent`` is this process's parent, then end the process at once."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


@contextlib.contextmanager
def sigint_blocked_while_starting() -> Iterator[None]:
    """In the parent, around the calls that start workers (in this thread): they start
    with SIGINT blocked. A Ctrl-C meanwhile is delivered here when the block ends.

    Blocking it in this thread is not enough on its own: the kernel hands a Ctrl-C to any
    thread that does not block it (numpy's BLAS threads, a background import), and Python
    then runs the handler in the main thread all the same. A KeyboardInterrupt raised
    half-way through starting a worker leaves it reading a pipe its parent never finished
    writing, and it prints a traceback of its own. So in the main thread the handler is
    also put off: a Ctrl-C is noted, and raised (by the handler there was) when the block
    ends. Where signals cannot be blocked (Windows), this does nothing.
    """
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    caught: list[FrameType | None] = []
    handler = signal.getsignal(signal.SIGINT)
    put_off = threading.current_thread() is threading.main_thread() and callable(handler)
    if put_off:
        signal.signal(signal.SIGINT, lambda signum, frame: caught.append(frame))
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        if put_off:
            signal.signal(signal.SIGINT, handler)
            if caught and callable(handler):  # callable: for mypy, checked above
                handler(signal.SIGINT, caught[0])  # Python's default raises KeyboardInterrupt


def interruptible() -> None:
    """In a worker that has started: drop a Ctrl-C that came while it started (pending,
    as SIGINT was blocked), then take the next only while it works on a job (:func:`busy`):
    a KeyboardInterrupt there ends the job, which goes back to the parent as the job's
    error. A worker waiting for its next job lets Ctrl-C pass (the parent is stopping and
    will end it): raised there, outside any job, it would print a traceback of its own.
    Where its parent ignored SIGINT (a job started in the background, which the worker
    inherits), the worker ignores it too."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        return
    # An ignored signal that is pending is discarded when unblocked.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    if previous != signal.SIG_IGN:
        signal.signal(signal.SIGINT, _interrupt_if_busy)


_busy = False  # a worker is working on a job (see busy)


def _interrupt_if_busy(signum: int, frame: FrameType | None) -> None:
    if _busy:
        raise KeyboardInterrupt


@contextlib.contextmanager
def busy() -> Iterator[None]:
    """In a worker, around one job: a Ctrl-C meanwhile ends it (see :func:`interruptible`)."""
    global _busy
    _busy = True
    try:
        yield
    finally:
        _busy = False
