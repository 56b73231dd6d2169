"""What a results folder records to reproduce its run exactly."""
from __future__ import annotations

import datetime as dt
import hashlib
import platform
import subprocess
from importlib import metadata
from pathlib import Path

import sim

LIBRARIES = ("simpy", "numpy", "scipy", "holidays", "click", "matplotlib")


def text_hash(texts: list[str]) -> str:
    """SHA-256 over texts (the inputs as run), in order."""
    h = hashlib.sha256()
    for t in texts:
        h.update(t.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


def git_commit() -> str | None:
    """The commit of the rollout-sim checkout, when running from one."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(sim.__file__).parent,
                             capture_output=True, text=True, timeout=5, check=True)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def versions() -> dict[str, str]:
    """Python and library versions."""
    out = {"python": platform.python_version(), "rollout-sim": sim.__version__}
    for lib in LIBRARIES:
        try:
            out[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            out[lib] = "not installed"
    return out


def now() -> str:
    """The time now, ISO 8601 with time zone."""
    return dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds")
