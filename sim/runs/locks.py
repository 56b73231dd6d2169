"""Who holds a results folder: enough about a process to tell it from a later one.

A lock that only records a process id goes stale in a way that cannot be seen: after a
crash, the id can be given to an unrelated process, which then seems to hold the folder.
So a lock also records the host and the process's start time (on Linux, from /proc;
where that is not available the id alone is all there is to go on).
"""
from __future__ import annotations

import json
import os
import socket
from pathlib import Path


def start_time(pid: int) -> str | None:
    """When process ``pid`` started, as the kernel counts it (None where unknown)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may itself hold spaces or ')'.
    fields = stat[stat.rfind(")") + 2:].split()
    return fields[19] if len(fields) > 19 else None  # field 22 of the whole line


def this_process() -> dict[str, object]:
    """What a lock written by this process records."""
    return {"pid": os.getpid(), "host": socket.gethostname(), "started": start_time(os.getpid())}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    except (OSError, OverflowError):
        return False
    return True


def live_holder(text: str) -> str:
    """The process a lock's ``text`` names, described, if it is still running; else "".

    A lock from another host cannot be checked from here and is taken as held.
    """
    try:
        data = json.loads(text)
    except ValueError:
        data = text.strip()
    if isinstance(data, int) and not isinstance(data, bool):  # the plain process id of older versions
        data = {"pid": data}
    if not isinstance(data, dict) or not isinstance(data.get("pid"), int) or data["pid"] <= 0:
        return ""  # unreadable: no process can be holding it
    pid, host = data["pid"], data.get("host")
    if host is not None and host != socket.gethostname():
        return f"process {pid} on {host}; if that run is gone, delete the file .running in the folder"
    if not _alive(pid):
        return ""
    started = data.get("started")
    if started is not None and start_time(pid) not in (None, started):
        return ""  # the id now belongs to a process that started later: the lock is stale
    return f"process {pid}"
