"""How long a phase has left, estimated honestly for a progress bar.

The work a command reports first is not like the rest: the first replications pay for
starting the workers and compiling (or loading) the engine, the first figure for
importing matplotlib. A rate taken over everything done so far, or (as tqdm does when
its count is set, not incremented) everything done divided by the time since the first
report, is then far too fast: the count includes work the clock did not see. So the
time left is estimated only from the work done *after* the first report, over the time
since it, and not at all until enough of it has been seen.
"""
from __future__ import annotations

import time
from collections.abc import Callable

WARM_UP_REPORTS = 2  # reports after the first before there is a rate to give
MIN_SECONDS = 2.0  # nor before this long after the first: a rate over milliseconds is noise


class Eta:
    """Elapsed time and an estimate of the time left from ``(done, total)`` reports;
    ``clock`` (seconds, monotonic) can be a fake one in tests."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._start = clock()
        self._first: tuple[float, int] | None = None  # (when, done) of the first report
        self._last: tuple[float, int] | None = None
        self._total = 0
        self._reports = 0

    def update(self, done: int, total: int) -> None:
        """Record a report: ``done`` of ``total`` units finished."""
        now = self._clock()
        if self._first is None or done < self._first[1]:  # a new phase counting from fewer
            self._first, self._reports = (now, done), 0
        else:
            self._reports += 1
        self._last, self._total = (now, done), total

    def elapsed(self) -> float:
        """Seconds since the estimate was started (the phase, start-up included)."""
        return self._clock() - self._start

    def remaining(self) -> float | None:
        """Seconds left at the rate since the first report; None until it is known."""
        if self._first is None or self._last is None or self._reports < WARM_UP_REPORTS:
            return None
        (t0, n0), (t1, n1) = self._first, self._last
        if t1 - t0 < MIN_SECONDS or n1 <= n0:
            return None
        rate = (n1 - n0) / (t1 - t0)
        # From the last report, less the time since it (work has gone on meanwhile).
        return max(0.0, (self._total - n1) / rate - (self._clock() - t1))

    def text(self) -> str:
        """'elapsed 0:31, about 1:20 left' (or 'estimating time left' until known)."""
        left = self.remaining()
        about = "estimating time left" if left is None else f"about {clock_time(left)} left"
        return f"elapsed {clock_time(self.elapsed())}, {about}"


def clock_time(seconds: float) -> str:
    """Seconds as a clock shows them: '0:07', '12:30', '1:02:03'."""
    s = max(0, round(seconds))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
