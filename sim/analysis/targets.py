"""Targets against the model: each target's simulated measure in one replication, and
how far the simulated values are from what was observed.

The measures are those of :data:`sim.model.target_file.MEASURES`, read from a
replication's session table, outcomes and daily trained shares. The fit of a target
uses the implausibility of history matching: the distance of the observation from the
simulated mean, in standard deviations of everything that can part them,

    I = |observed - mean| / sqrt(sd^2 + discrepancy_sd^2 + var * (1 + 1/n)),

where ``var`` is the measure's variance between replications (the world observed is one
replication of its own) and ``var / n`` the Monte Carlo error of the mean of ``n``.
I > 3 is the usual cut-off for "the model cannot have made this observation" (by
Pukelsheim's three-sigma rule, a unimodal quantity lies within 3 sd with probability at
least 95%).
"""
from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.fields import SESSION_FIELDS
from sim.model.calendar import WorkingCalendar
from sim.model.spec import CalendarSpec, ModelSpec, TargetSpec

if TYPE_CHECKING:
    from sim.engine.replication import ReplicationResult

CUT_OFF = 3.0  # implausibility above which a target is not met
_COLUMN = {f: i for i, f in enumerate(SESSION_FIELDS)}


def measure(target: TargetSpec, model: ModelSpec, result: ReplicationResult) -> float:
    """``target``'s measure in one replication of ``model`` (run with its session table)."""
    if target.measure in ("sessions", "sessions_per_working_day", "learners_booked"):
        chosen = _sessions(target, model, result)
        if target.measure == "learners_booked":
            return float(chosen[:, _COLUMN["booked"]].sum())
        if target.measure == "sessions":
            return float(len(chosen))
        assert target.first is not None and target.last is not None  # the reader requires from and to
        return len(chosen) / max(1, working_days(model, target.first, target.last))
    (site,) = target.sites
    index = [s.id for s in model.sites].index(site)
    if target.measure == "share_trained_by":
        assert target.day is not None  # the reader requires a date
        day = (target.day - result.epoch).days
        row = result.daily_share[index]
        return float(row[min(day, row.size - 1)]) if day >= 0 else 0.0  # after the last day: as on it
    outcome = result.outcomes[index]
    if target.measure == "share_trained_at_go_live":
        return float(outcome.share_trained)
    if target.measure == "ready":
        return float(outcome.ready)
    raise ValueError(f"unknown measure {target.measure!r}")


def _sessions(target: TargetSpec, model: ModelSpec, result: ReplicationResult) -> np.ndarray:
    """The rows of the session table that ``target`` counts."""
    s = result.sessions
    if s.size == 0:
        return s.reshape(0, len(SESSION_FIELDS))
    assert target.first is not None and target.last is not None
    sites = [i for i, site in enumerate(model.sites) if not target.sites or site.id in target.sites]
    # The curriculum's own courses, not its refresher (a stage past the last course).
    first_time = np.array([c.kind == target.kind for c in model.curricula], dtype=bool)
    courses = np.array([len(c.courses) for c in model.curricula], dtype=np.int64)
    curriculum = s[:, _COLUMN["curriculum"]].astype(np.int64)
    day = s[:, _COLUMN["start_slot"]] // model.slots_per_day
    lo, hi = (target.first - result.epoch).days, (target.last - result.epoch).days
    keep = (first_time[curriculum] & (s[:, _COLUMN["stage"]] < courses[curriculum])
            & np.isin(s[:, _COLUMN["site"]], sites) & (day >= lo) & (day <= hi))
    return s[keep]


def working_days(model: ModelSpec, first: dt.date, last: dt.date) -> int:
    """Working days from ``first`` to ``last`` inclusive in the model's calendar, without
    the closures of single sites."""
    return _working_days(model.calendar, first, last)


@functools.lru_cache(maxsize=64)  # asked again in every replication; a calendar takes milliseconds to build
def _working_days(cal: CalendarSpec, first: dt.date, last: dt.date) -> int:
    closures = tuple(c.closure for c in cal.closures if not c.sites)
    calendar = WorkingCalendar(first, last, country=cal.country, summer_weeks=cal.summer_weeks,
                               christmas=cal.christmas, closures=closures)
    return calendar.working_days_between(0, (last - first).days + 1)


@dataclass(frozen=True)
class TargetFit:
    """A target against ``n`` replications' values of its measure."""

    target: TargetSpec
    n: int
    mean: float
    sd: float  # between replications
    low: float  # the middle 95% of the replications' values
    high: float
    implausibility: float

    @property
    def plausible(self) -> bool:
        """Whether the model could have made the observation (implausibility <= 3)."""
        return self.implausibility <= CUT_OFF


def fit(target: TargetSpec, values: np.ndarray) -> TargetFit:
    """How ``values`` (the measure in each replication) fit the observation."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        raise ValueError("no replications to compare with")
    mean = float(values.mean())
    var = float(values.var(ddof=1)) if values.size > 1 else 0.0
    # Values some replication had (a 0/1 measure stays 0 or 1), not interpolated between them.
    low, high = (float(v) for v in np.quantile(values, [0.025, 0.975], method="inverted_cdf"))
    return TargetFit(target, int(values.size), mean, math.sqrt(var), low, high,
                     implausibility(target, mean, var, int(values.size)))


def implausibility(target: TargetSpec, mean: float, var: float, n: int) -> float:
    """The implausibility of ``target``'s observation given the simulated mean and the
    variance between replications of ``n`` of them (see the module docstring)."""
    total = target.sd ** 2 + target.discrepancy_sd ** 2 + var * (1 + 1 / n)
    return abs(target.observed - mean) / math.sqrt(total)
