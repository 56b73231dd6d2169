"""Per-learner attributes of one replication, drawn in bulk as numpy arrays.

A learner is one person in one staff position. Turnover replaces a leaver with a new
hire in the same group after a hiring lag; the hire is a learner of their own. Days are
day numbers of the world's clock; :data:`NEVER` stands for "not within the horizon".
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine.streams import RandomStreams
from sim.engine.world import World
from sim.model.distributions import Distribution
from sim.model.spec import ModelSpec

NEVER = np.int64(10**9)
BEFORE = np.int64(-(10**9))  # hire day of staff employed from the start
_MAX_GENERATIONS = 100


@dataclass
class Learners:
    """Attributes of every learner of every site (index = learner id).

    Fixed at creation: ``site``, ``group``, ``hire_day``, ``leave_day``, ``return_day``
    (back from long-term leave; :data:`BEFORE` for staff not away), ``first_ready_day``
    (e-learning done) and ``self_training_days``. Filled in by the engine as training
    happens: ``trained_day`` (counts as trained under the site's readiness criteria),
    ``self_trained_day`` (self-training finished) and ``refresh_day``.
    """

    site: np.ndarray
    group: np.ndarray
    hire_day: np.ndarray
    leave_day: np.ndarray
    first_ready_day: np.ndarray
    self_training_days: np.ndarray
    trained_day: np.ndarray
    refresh_day: np.ndarray
    return_day: np.ndarray
    self_trained_day: np.ndarray

    @property
    def count(self) -> int:
        """Number of learners, new hires included."""
        return int(self.site.size)


def _positions(rng: np.random.Generator, lag_rng: np.random.Generator, n: int, start: int, end: int,
               rate: float, lag: Distribution) -> tuple[np.ndarray, np.ndarray]:
    """Hire and leave days of everyone who holds ``n`` positions from ``start`` to ``end``.

    Leaving is a Poisson process at ``rate`` per year per position, counted from
    ``start`` (turnover before training opens does not matter to training).
    """
    hire = np.full(n, BEFORE, dtype=np.int64)
    if rate <= 0:
        return hire, np.full(n, NEVER, dtype=np.int64)
    hires, leaves = [], []
    origin = np.full(n, start, dtype=np.float64)
    for _ in range(_MAX_GENERATIONS):
        leave = origin + rng.exponential(365.25 / rate, origin.size)
        gone = leave < end
        # Employment lasts at least a day: someone hired on a day is there that day.
        # (origin holds whole days, so it is its own floor.)
        leave_day = np.where(gone, np.maximum(np.floor(leave), origin + 1), NEVER).astype(np.int64)
        hires.append(hire)
        leaves.append(leave_day)
        n_gone = int(np.count_nonzero(gone))
        if n_gone == 0:
            break
        waits = lag.sample(lag_rng, n_gone)
        # The replacement starts once the leaver has gone (a leaver is there until leave_day).
        hire = np.maximum(np.floor(leave[gone] + np.maximum(waits, 0.0)), leave_day[gone]).astype(np.int64)
        # A replacement who would start after the horizon changes nothing.
        hire = hire[hire < end]
        origin = hire.astype(np.float64)
        if hire.size == 0:
            break
    return np.concatenate(hires), np.concatenate(leaves)


def _work_days(hours: float, pace: np.ndarray, cap: int) -> np.ndarray:
    """Working days to do ``hours`` of work at ``pace`` hours a day (a pace of 0 never finishes)."""
    if hours <= 0:
        return np.zeros(pace.size, dtype=np.int64)
    with np.errstate(divide="ignore"):
        days = np.ceil(hours / pace)
    return np.minimum(days, cap).astype(np.int64)


def _long_term_leave(streams: RandomStreams, group_id: str, hire: np.ndarray, share: float, go_live_day: int,
                     return_weeks: Distribution) -> np.ndarray:
    """The day each learner is back from long-term leave (BEFORE: not away).

    Of the staff employed from the start, each is away at go-live with probability
    ``share``: away from before training opens (so not booked) until ``return_weeks``
    after go-live. New hires start at work.
    """
    back = np.full(hire.size, BEFORE, dtype=np.int64)
    if share <= 0:
        return back
    away = (streams.get("long_term_leave", "group", group_id).random(hire.size) < share) & (hire == BEFORE)
    n_away = int(np.count_nonzero(away))
    if n_away:
        weeks = return_weeks.sample(streams.get("long_term_leave", "group", group_id, "return"), n_away)
        back[away] = go_live_day + np.ceil(np.asarray(weeks) * 7).astype(np.int64)
    return back


def draw_learners(model: ModelSpec, world: World, streams: RandomStreams) -> Learners:
    """Create every learner with hire, leave and e-learning completion days."""
    u = model.uncertainty
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("site", "group", "hire", "leave", "back", "ready", "self")}
    site_index = {sw.site.id: sw for sw in world.sites}
    for gi, group in enumerate(model.groups):
        sw = site_index[group.site]
        cur = model.curriculum(group.curriculum)
        opens = sw.targets[0][1] - model.elearning_opens_days(sw.site, cur)
        hire, leave = _positions(streams.get("turnover", "group", group.id), streams.get("hire_lag", "group", group.id),
                                 group.headcount, opens, sw.end_day + 1, sw.turnover_per_year, u.hire_lag_days)
        n = hire.size
        # Super-users are chosen among staff at work, so none of them is away on leave.
        away_p = 0.0 if cur.kind == "super_user" else sw.long_term_leave_p
        back = _long_term_leave(streams, group.id, hire, away_p, sw.go_live_day, u.long_term_leave_return_weeks)
        # Staff on long-term leave at go-live start training when they are back.
        start = np.maximum(np.maximum(hire, opens), back)
        pace = u.elearning_pace_hours_per_day.sample(streams.get("elearning", "group", group.id), n)
        if cur.elearning_hours > 0:
            ready = sw.calendar.add_working_days(start, _work_days(cur.elearning_hours, pace, world.n_days)) + 1
        else:
            ready = start.copy()
        space = u.self_training_pace_hours_per_day.sample(streams.get("self_training", "group", group.id), n)
        self_days = _work_days(cur.self_training_hours, space, world.n_days)
        parts["site"].append(np.full(n, sw.index, dtype=np.int32))
        parts["group"].append(np.full(n, gi, dtype=np.int32))
        parts["hire"].append(hire)
        parts["leave"].append(leave)
        parts["back"].append(back)
        parts["ready"].append(np.minimum(ready, NEVER).astype(np.int64))
        parts["self"].append(self_days)

    def cat(name: str, dtype) -> np.ndarray:
        return np.concatenate(parts[name]).astype(dtype) if parts[name] else np.zeros(0, dtype)

    n_total = sum(a.size for a in parts["site"])
    return Learners(
        site=cat("site", np.int32), group=cat("group", np.int32), hire_day=cat("hire", np.int64),
        leave_day=cat("leave", np.int64), first_ready_day=cat("ready", np.int64),
        self_training_days=cat("self", np.int64),
        trained_day=np.full(n_total, NEVER, dtype=np.int64), refresh_day=np.full(n_total, NEVER, dtype=np.int64),
        return_day=cat("back", np.int64), self_trained_day=np.full(n_total, NEVER, dtype=np.int64),
    )
