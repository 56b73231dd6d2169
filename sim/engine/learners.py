"""Per-learner attributes of one replication, drawn in bulk as numpy arrays.

A learner is one person in one staff position. Turnover replaces a leaver with a new
hire in the same group after a hiring lag; the hire is a learner of their own. Days are
day numbers of the world's clock; :data:`NEVER` stands for "not within the horizon".
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.engine.streams import RandomStreams
from sim.engine.world import SiteWorld, World
from sim.model.distributions import Distribution
from sim.model.spec import Curriculum, ModelSpec

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

    Learners are numbered group by group in model order, so ``group`` never decreases
    and each group's learners are one slice (the engine relies on it).
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


# A group's random streams, in the order draw_learners asks for them: (stream, name).
_GROUP_STREAMS = (("turnover", ""), ("hire_lag", ""), ("long_term_leave", ""), ("long_term_leave", "return"),
                  ("elearning", ""), ("self_training", ""))


def _segments(group: np.ndarray, n_groups: int) -> list[tuple[int, int]]:
    """(group, size) of each group present in ``group`` (ids in ascending order, each
    group's rows together), in order."""
    counts = np.bincount(group, minlength=n_groups)
    return [(int(g), int(counts[g])) for g in np.flatnonzero(counts)]


def _positions(turnover: list[np.random.Generator], lag_rngs: list[np.random.Generator], heads: list[int],
               start: np.ndarray, end: np.ndarray, rate: list[float],
               lag: Distribution) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group, hire and leave days of everyone who holds each group's ``heads`` positions
    from its ``start`` to its ``end``, in group order and by generation within a group.

    Leaving is a Poisson process at ``rate`` per year per position, counted from
    ``start`` (turnover before training opens does not matter to training).

    All groups go through the generations of leavers and hires together, so each step
    is one array operation over every group rather than one per group (29 in the shipped
    model); only the draws are per group, each from the group's own streams in the same
    sizes and order as if the group were alone, so the numbers are the same.
    """
    n_groups = len(heads)
    group = np.repeat(np.arange(n_groups), heads)
    churn = np.array([r > 0 for r in rate], dtype=bool)[group]
    # Generation 0, the staff employed from the start: those of groups without turnover
    # stay throughout; the others go through the loop.
    stay = group[~churn]
    groups, hires, leaves = [stay], [np.full(stay.size, BEFORE)], [np.full(stay.size, NEVER)]
    group = group[churn]
    hire = np.full(group.size, BEFORE, dtype=np.int64)
    origin = start[group].astype(np.float64)
    for _ in range(_MAX_GENERATIONS):
        if group.size == 0:
            break
        # np.concatenate of the groups' draws: each group's rows are together, in group order.
        waited = np.concatenate([turnover[g].exponential(365.25 / rate[g], n) for g, n in _segments(group, n_groups)])
        leave = origin + waited
        gone = leave < end[group]
        # Employment lasts at least a day: someone hired on a day is there that day.
        # (origin holds whole days, so it is its own floor.)
        leave_day = np.where(gone, np.maximum(np.floor(leave), origin + 1), NEVER).astype(np.int64)
        groups.append(group)
        hires.append(hire)
        leaves.append(leave_day)
        if not gone.any():
            break
        group = group[gone]
        waits = np.concatenate([lag.sample(lag_rngs[g], n) for g, n in _segments(group, n_groups)])
        # The replacement starts once the leaver has gone (a leaver is there until leave_day).
        hire = np.maximum(np.floor(leave[gone] + np.maximum(waits, 0.0)), leave_day[gone]).astype(np.int64)
        # A replacement who would start after the horizon changes nothing.
        kept = hire < end[group]
        group, hire = group[kept], hire[kept]
        origin = hire.astype(np.float64)
    # Group order, keeping the order of generations within a group (a stable sort).
    all_groups = np.concatenate(groups)
    order = np.argsort(all_groups, kind="stable")
    return all_groups[order], np.concatenate(hires)[order], np.concatenate(leaves)[order]


def _work_days(hours: np.ndarray, pace: np.ndarray, cap: int) -> np.ndarray:
    """Working days to do ``hours`` of work at ``pace`` hours a day, each learner's
    (a pace of 0 never finishes; no hours take no days, whatever the pace)."""
    days = np.zeros(pace.size)
    # Divided only where there are hours (elsewhere 0 stays), so 0/0 is never computed;
    # hours/0 is inf: never finishes, so capped.
    with np.errstate(divide="ignore"):
        np.divide(hours, pace, out=days, where=hours > 0)
    return np.minimum(np.ceil(days, out=days), cap).astype(np.int64)


def _per_group(sizes: list[tuple[int, int]], draw: Callable[[int, int], np.ndarray]) -> np.ndarray:
    """The draws of each (group, size), one after another (float64); empty if none."""
    parts = [draw(g, n) for g, n in sizes]
    return np.concatenate(parts) if parts else np.zeros(0)


def _long_term_leave(away_rngs: list[np.random.Generator], back_rngs: list[np.random.Generator], group: np.ndarray,
                     hire: np.ndarray, sizes: list[tuple[int, int]], worlds: list[SiteWorld],
                     curricula: list[Curriculum], return_weeks: Distribution) -> np.ndarray:
    """The day each learner is back from long-term leave (BEFORE: not away).

    Of the staff employed from the start, each is away at go-live with the probability
    of their site's share: away from before training opens (so not booked) until
    ``return_weeks`` after go-live. New hires start at work; super-users are chosen
    among staff at work, so none of them is away.
    """
    share = [0.0 if cur.kind == "super_user" else sw.long_term_leave_p for sw, cur in zip(worlds, curricula)]
    back = np.full(group.size, BEFORE, dtype=np.int64)
    if not any(share[g] > 0 for g, _ in sizes):
        return back
    # A group with no share draws nothing; its 1.0 is below no share of 0 or less.
    u = np.concatenate([away_rngs[g].random(n) if share[g] > 0 else np.ones(n) for g, n in sizes])
    away = (u < np.array(share)[group]) & (hire == BEFORE)
    weeks = _per_group(_segments(group[away], len(share)), lambda g, n: return_weeks.sample(back_rngs[g], n))
    go_live = np.array([sw.go_live_day for sw in worlds], dtype=np.int64)
    back[away] = go_live[group[away]] + np.ceil(weeks * 7).astype(np.int64)
    return back


def draw_learners(model: ModelSpec, world: World, streams: RandomStreams) -> Learners:
    """Create every learner with hire, leave and e-learning completion days.

    Learners are numbered group by group. Every quantity is drawn per group from the
    group's own streams; the arithmetic on them is done once for all groups.
    """
    u = model.uncertainty
    site_index = {sw.site.id: sw for sw in world.sites}
    worlds = [site_index[g.site] for g in model.groups]
    curricula = [model.curriculum(g.curriculum) for g in model.groups]
    n_groups = len(model.groups)
    rngs = streams.get_many([(stream, "group", g.id, name) for g in model.groups for stream, name in _GROUP_STREAMS])
    turnover, lag_rngs, away_rngs, back_rngs, elearn_rngs, self_rngs = (rngs[k::len(_GROUP_STREAMS)]
                                                                        for k in range(len(_GROUP_STREAMS)))
    opens = np.array([sw.targets[0][1] - model.elearning_opens_days(sw.site, cur) for sw, cur in zip(worlds, curricula)],
                     dtype=np.int64)
    group, hire, leave = _positions(turnover, lag_rngs, [g.headcount for g in model.groups], opens,
                                    np.array([sw.end_day + 1 for sw in worlds], dtype=np.int64),
                                    [sw.turnover_per_year for sw in worlds], u.hire_lag_days)
    sizes = _segments(group, n_groups)
    back = _long_term_leave(away_rngs, back_rngs, group, hire, sizes, worlds, curricula, u.long_term_leave_return_weeks)
    # Staff on long-term leave at go-live start training when they are back.
    start = np.maximum(np.maximum(hire, opens[group]), back)
    pace = _per_group(sizes, lambda g, n: u.elearning_pace_hours_per_day.sample(elearn_rngs[g], n))
    elearning = np.array([cur.elearning_hours for cur in curricula], dtype=np.float64)[group]
    days = _work_days(elearning, pace, world.n_days)
    ready = start.copy()
    # One add_working_days per calendar (sites with the same closures share one).
    for cal in {id(sw.calendar): sw.calendar for sw in worlds}.values():
        rows = np.flatnonzero(np.array([sw.calendar is cal for sw in worlds], dtype=bool)[group] & (elearning > 0))
        ready[rows] = cal.add_working_days(start[rows], days[rows]) + 1
    space = _per_group(sizes, lambda g, n: u.self_training_pace_hours_per_day.sample(self_rngs[g], n))
    self_days = _work_days(np.array([cur.self_training_hours for cur in curricula], dtype=np.float64)[group], space,
                           world.n_days)
    n_total = group.size
    return Learners(
        site=np.array([sw.index for sw in worlds], dtype=np.int32)[group], group=group.astype(np.int32),
        hire_day=hire, leave_day=leave, first_ready_day=np.minimum(ready, NEVER).astype(np.int64),
        self_training_days=self_days,
        trained_day=np.full(n_total, NEVER, dtype=np.int64), refresh_day=np.full(n_total, NEVER, dtype=np.int64),
        return_day=back, self_trained_day=np.full(n_total, NEVER, dtype=np.int64),
    )
