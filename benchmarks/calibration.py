"""The calibration loop every benchmark prints beside its timings: hosts differ by 2x or
more, so a timing is judged as a ratio to the seconds this loop takes on the same machine.

The loop: 100 SimPy processes of 2,000 timeouts each, in one environment (the best of
three runs, so a busy moment does not inflate it).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import simpy


def _ticks(env: simpy.Environment, n: int):
    for _ in range(n):
        yield env.timeout(1)


def calibration_seconds(repeats: int = 3) -> float:
    """Seconds (CPU) of the calibration loop on this machine, the best of ``repeats``."""
    best = float("inf")
    for _ in range(repeats):
        env = simpy.Environment()
        for _ in range(100):
            env.process(_ticks(env, 2000))
        start = time.process_time()
        env.run()
        best = min(best, time.process_time() - start)
    return best


if __name__ == "__main__":
    print(f"calibration loop: {calibration_seconds():.3f} s CPU")


def rollout_sim() -> list[str]:
    """The ``rollout-sim`` command of this Python environment (``python -m sim`` without it)."""
    script = Path(sys.executable).parent / "rollout-sim"
    return [str(script)] if script.exists() else [sys.executable, "-m", "sim"]
