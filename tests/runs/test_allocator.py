"""The allocator setting of the processes that run replications (sim/runs/allocator.py)."""
from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

import pytest

from sim.runs.allocator import keep_freed_memory

GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


@pytest.mark.skipif(not GLIBC, reason="the setting is glibc's")
def test_glibc_takes_both_thresholds_once_per_process():
    code = ("from sim.runs.allocator import keep_freed_memory as k; "
            "print(k(), k(), k.cache_info().misses)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.split() == ["True", "True", "1"]


def test_elsewhere_it_changes_nothing(monkeypatch: pytest.MonkeyPatch):
    keep_freed_memory.cache_clear()
    monkeypatch.setattr(platform, "libc_ver", lambda: ("", ""))
    try:
        assert keep_freed_memory() is False
    finally:
        keep_freed_memory.cache_clear()
