"""Capacity planning: the smallest (or largest) value of a key that keeps a site's risk
at most a target, found by bisection on common random numbers.

Every value is evaluated on the same replication seeds, so the risk estimates of two
values differ by the change, not by noise, and an estimated risk that falls as the
value grows (instructors, rooms, a later go-live) falls in steps rather than jitter.
The search assumes the risk is monotone in the value; the two ends of the range say
which way it goes. Its answer carries its precision: the values whose 95% interval
still contains the target are the ones the replications cannot tell apart from it.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Evaluation:
    """A site's risk at one value, from ``n`` replications."""

    value: Any
    risk: float
    low: float
    high: float
    n: int


@dataclass(frozen=True)
class SearchResult:
    """What the search found.

    ``answer`` is the best value whose estimated risk meets the target (None when no value
    in the range does); ``neighbour`` the adjacent value that misses it. ``plausible`` is
    the range of values between the one that meets the target even at the upper end of its
    CI and the one that meets it only at the lower end: the answer's precision.
    """

    direction: str  # "up": larger values lower the risk; "down": smaller values do
    answer: Evaluation | None
    neighbour: Evaluation | None
    plausible: tuple[Any, Any] | None
    evaluations: tuple[Evaluation, ...]
    reason: str


def candidates(low: Any, high: Any, step: Any) -> list[Any]:
    """The values searched: low, low + step, ... up to high (numbers or dates)."""
    if isinstance(low, dt.date):
        days = step if isinstance(step, int) else 7
        n = (high - low).days // days
        return [low + dt.timedelta(days=days * i) for i in range(n + 1)]
    n = round((high - low) / step + 1e-9)
    values = [low + step * i for i in range(n + 1)]
    return [int(v) for v in values] if all(isinstance(x, int) for x in (low, high, step)) else values


def search(values: list[Any], target: float, evaluate: Callable[[Any], Evaluation]) -> SearchResult:
    """Bisect ``values`` (in order) for the boundary of ``risk <= target``."""
    cache: dict[int, Evaluation] = {}

    def at(i: int) -> Evaluation:
        if i not in cache:
            cache[i] = evaluate(values[i])
        return cache[i]

    def done(reason: str, direction: str, answer=None, neighbour=None, plausible=None) -> SearchResult:
        order = tuple(cache[i] for i in sorted(cache))
        return SearchResult(direction, answer, neighbour, plausible, order, reason)

    first, last = at(0), at(len(values) - 1)
    if first.risk == last.risk and first.risk > target:
        return done(f"the risk is {first.risk:.1%} at both ends of the range: either the value does not move "
                    "this site's risk (another constraint binds first) or the range is too narrow", "none")
    # Which end helps: where the risk is lower. "up" searches the smallest good value.
    direction = "up" if last.risk <= first.risk else "down"
    # Index positions in the order in which the value helps more.
    order = list(range(len(values))) if direction == "up" else list(range(len(values) - 1, -1, -1))

    def boundary(good: Callable[[Evaluation], bool]) -> int | None:
        """The first position in ``order`` from which ``good`` holds (assumed monotone)."""
        lo, hi = 0, len(order) - 1
        if not good(at(order[hi])):
            return None
        if good(at(order[lo])):
            return lo
        while hi - lo > 1:  # invariant: not good at lo, good at hi
            mid = (lo + hi) // 2
            if good(at(order[mid])):
                hi = mid
            else:
                lo = mid
        return hi

    best = boundary(lambda e: e.risk <= target)
    if best is None:
        return done(f"no value in the range brings the risk to {target:.1%} or less; widen the range", direction)
    answer = at(order[best])
    neighbour = at(order[best - 1]) if best > 0 else None
    sure = boundary(lambda e: e.high <= target)  # meets it even at the top of its CI
    maybe = boundary(lambda e: e.low <= target)  # the replications cannot rule it out
    plausible = (values[order[maybe]] if maybe is not None else None,
                 values[order[sure]] if sure is not None else None)
    reason = "found" if neighbour is not None else "the first value of the range already meets the target; extend the range to find the limit"
    return done(reason, direction, answer, neighbour, plausible)
