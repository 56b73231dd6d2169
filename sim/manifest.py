"""What a results folder records to reproduce its run exactly."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

import sim

LIBRARIES = ("simpy", "numpy", "scipy", "holidays", "click", "matplotlib")


def config_hash(files: list[Path], overrides: list[tuple[str, Any]], seed: int, replications: int) -> str:
    """SHA-256 of the input files' bytes and everything else that decides the numbers."""
    h = hashlib.sha256()
    for f in files:
        h.update(f.read_bytes())
    h.update(json.dumps([overrides, seed, replications], default=str).encode())
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
    return dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds")
