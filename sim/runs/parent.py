"""Worker processes that end with the process that started them.

A parent killed outright (SIGKILL, the OOM killer) cannot shut its pool down, and its
workers would run on for minutes, holding the CPUs and the resource tracker. When the
parent dies a worker is handed to another process, so its parent id changes: a daemon
thread in each worker watches for that. Used by the replication pool
(:mod:`sim.runs.executors`) and the figure workers (:mod:`sim.output.run_figures`);
this module imports nothing heavy, so a worker that only draws starts light.
"""
from __future__ import annotations

import os
import threading
import time

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
