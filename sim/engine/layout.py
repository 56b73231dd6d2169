"""What the engine's kernel needs from the model alone: worked out once per model.

Every replication of a scenario shares its model, so the courses (demands), their
queues, the units' daily limits, the venues of each site and of each group of sites
that share rooms are the same every time; only the drawn world (go-lives, delays,
probabilities, calendars) and the learners change. Working this out took about a tenth
of a replication's time when it was done for each one.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.spec import ModelSpec


@dataclass(frozen=True)
class Demand:
    """One course (a curriculum stage) at one site, fed by one queue per staff group."""

    site: int  # site index, model order
    curriculum: int
    stage: int  # index of the course; len(courses) is the refresher
    is_refresher: bool
    slots: int  # length of a class
    min_class: int
    super_users: bool  # a super-user curriculum (served before end-users)
    window_days: int  # days before a go-live that its classes may start
    valid_days: int  # how long its training stays current (refreshers: see the decisions)
    groups: tuple[int, ...]  # staff groups, in the order their queues feed it
    queues: tuple[int, ...]
    units: tuple[int, ...]
    class_sizes: tuple[int, ...]  # largest class, per venue of the site


@dataclass(frozen=True)
class Layout:
    """The model's structure in the arrays the kernel reads (never written to)."""

    site_venues: list[list[int]]  # per site, its venues' indices
    group_unit: np.ndarray  # per staff group, its unit's number
    unit_cap: np.ndarray  # per unit, at most this many in class on one day
    demands: list[Demand]
    queue_of: np.ndarray  # (group, stage) -> queue, -1 if none
    demand_of: np.ndarray  # (group, stage) -> demand
    n_queues: int
    rival: np.ndarray  # per site, the number of its group of sites that share rooms
    rival_venues: list[list[int]]  # per group number, the venues of the whole group
    venue_rooms: np.ndarray
    site_rooms: np.ndarray
    site_seats: list[int]  # rooms x seats over the site's venues: learners in one slot at most
    group_valid_days: np.ndarray  # per staff group, how long its training stays current
    group_super_users: np.ndarray  # per staff group, whether it is of super-users
    # The kernel's read-only arrays (positions: rollout.Engine._arrays): ST[0:7], DM[0:12]
    # and DM[13], CU[1:5].
    site_arrays: tuple[np.ndarray, ...]
    demand_arrays: tuple[np.ndarray, ...]
    largest_class: np.ndarray
    curriculum_arrays: tuple[np.ndarray, ...]
    demand_window: np.ndarray  # per course, days before a go-live its classes may start


_CACHE: dict[int, tuple[ModelSpec, Layout]] = {}
_CACHE_SIZE = 8  # models at once: the scenarios of an experiment, a study's points


def layout_of(model: ModelSpec) -> Layout:
    """The layout of ``model``, worked out once and kept while the model is in use."""
    found = _CACHE.get(id(model))
    # Keyed by identity (hashing a whole model costs more than the layout), and holding
    # the model itself so that its id cannot be reused by another while cached.
    if found is not None and found[0] is model:
        return found[1]
    made = _layout(model)
    if len(_CACHE) >= _CACHE_SIZE:
        del _CACHE[next(iter(_CACHE))]
    _CACHE[id(model)] = (model, made)
    return made


def _layout(model: ModelSpec) -> Layout:
    site_index = {s.id: i for i, s in enumerate(model.sites)}
    site_venues = [[i for i, v in enumerate(model.venues) if s.id in v.sites] for s in model.sites]
    units: dict[tuple[str, str], int] = {}
    group_unit = np.array([units.setdefault((g.site, g.unit), len(units)) for g in model.groups], dtype=np.int64)
    size = np.zeros(len(units), dtype=np.int64)
    share = np.ones(len(units))
    for gi, g in enumerate(model.groups):
        size[group_unit[gi]] += model.daily_limit_headcount(g)
        share[group_unit[gi]] = min(share[group_unit[gi]], g.max_share_in_class_per_day)
    # Wards must stay staffed: at most this many of a unit in class on one day (at least one).
    unit_cap = np.maximum(np.floor(share * size + 1e-9), 1).astype(np.int64)

    cur_index = {c.id: i for i, c in enumerate(model.curricula)}
    n_stages = max(len(c.courses) for c in model.curricula) + 1
    queue_of = np.full((len(model.groups), n_stages), -1, dtype=np.int64)
    demand_of = np.full((len(model.groups), n_stages), -1, dtype=np.int64)
    by_key: dict[tuple[int, int, int], int] = {}
    rows: list[dict] = []
    n_queues = 0
    for gi, g in enumerate(model.groups):
        ci = cur_index[g.curriculum]
        cur = model.curricula[ci]
        si = site_index[g.site]
        site = model.sites[si]
        stages = list(cur.courses) + [cur.refresher or cur.courses[-1]]
        for stage, course in enumerate(stages):
            di = by_key.get((si, ci, stage))
            if di is None:
                di = by_key[(si, ci, stage)] = len(rows)
                rows.append({"site": si, "cur": ci, "stage": stage, "refresher": stage == len(cur.courses),
                             "slots": course.slots, "min_class": course.min_class, "super": cur.kind == "super_user",
                             "window": model.window_days(site, cur), "valid": model.valid_days(site, cur),
                             "groups": [], "queues": [], "units": [],
                             "sizes": [min(course.max_class, model.venues[v].seats) for v in site_venues[si]]})
            row = rows[di]
            row["groups"].append(gi)
            row["queues"].append(n_queues)
            row["units"].append(int(group_unit[gi]))
            queue_of[gi, stage] = n_queues
            demand_of[gi, stage] = di
            n_queues += 1
    demands = [Demand(r["site"], r["cur"], r["stage"], r["refresher"], r["slots"], r["min_class"], r["super"],
                      r["window"], r["valid"], tuple(r["groups"]),
                      tuple(r["queues"]), tuple(r["units"]), tuple(r["sizes"])) for r in rows]
    rivals = _venue_groups(site_venues)
    rival_venues: list[list[int]] = [[] for _ in model.sites]
    for number, venues in rivals:
        rival_venues[number] = venues
    venue_rooms = np.array([v.rooms for v in model.venues], dtype=np.int64)
    rival = [number for number, _ in rivals]
    site_rooms = np.array([int(venue_rooms[venues].sum()) for venues in site_venues], dtype=np.int64)
    site_arrays = (offsets(site_venues), flat(site_venues), site_rooms, np.array(rival, dtype=np.int64),
                   np.array([rival.count(g) > 1 for g in rival], dtype=bool), offsets(rival_venues), flat(rival_venues))
    sizes = np.zeros((len(demands), max(max((len(v) for v in site_venues), default=0), 1)), dtype=np.int64)
    for i, d in enumerate(demands):
        sizes[i, :len(d.class_sizes)] = d.class_sizes
    demand_arrays = (
        np.array([d.site for d in demands], dtype=np.int64), np.array([d.curriculum for d in demands], dtype=np.int64),
        np.array([d.stage for d in demands], dtype=np.int64), np.array([d.slots for d in demands], dtype=np.int64),
        np.array([d.is_refresher for d in demands], dtype=bool), np.array([d.min_class for d in demands], dtype=np.int64),
        np.array([0 if d.super_users else 1 for d in demands], dtype=np.int64), sizes,
        offsets([list(d.queues) for d in demands]), flat([list(d.queues) for d in demands]),
        flat([list(d.units) for d in demands]), flat([list(d.groups) for d in demands]))
    curricula = model.curricula
    curriculum_arrays = (
        np.array([c.proficiency is not None for c in curricula], dtype=bool),
        np.array([c.proficiency.max_attempts if c.proficiency else 0 for c in curricula], dtype=np.int64),
        np.array([c.proficiency.retake_days if c.proficiency else 0 for c in curricula], dtype=np.int64),
        np.array([len(c.courses) for c in curricula], dtype=np.int64))
    first_course = [demands[int(demand_of[gi, 0])] for gi in range(len(model.groups))]
    return Layout(
        site_venues=site_venues, group_unit=group_unit, unit_cap=unit_cap, demands=demands, queue_of=queue_of,
        demand_of=demand_of, n_queues=n_queues, rival=np.array([g for g, _ in rivals], dtype=np.int64),
        rival_venues=rival_venues, venue_rooms=venue_rooms, site_rooms=site_rooms,
        site_seats=[sum(model.venues[v].rooms * model.venues[v].seats for v in venues) for venues in site_venues],
        group_valid_days=np.array([d.valid_days for d in first_course], dtype=np.int64),
        group_super_users=np.array([d.super_users for d in first_course], dtype=bool),
        site_arrays=site_arrays, demand_arrays=demand_arrays,
        largest_class=np.array([max(d.class_sizes, default=0) or 1 for d in demands], dtype=np.int64),
        curriculum_arrays=curriculum_arrays, demand_window=np.array([d.window_days for d in demands], dtype=np.int64))


def offsets(lists: list[list[int]]) -> np.ndarray:
    """Where each list starts in :func:`flat`'s array, and where the last ends."""
    return np.concatenate([[0], np.cumsum([len(x) for x in lists])]).astype(np.int64)


def flat(lists: list[list[int]]) -> np.ndarray:
    """The lists one after another, as one int64 array."""
    return np.array([i for x in lists for i in x], dtype=np.int64)


def _venue_groups(site_venues: list[list[int]]) -> list[tuple[int, list[int]]]:
    """Per site, a number shared by every site it competes with for rooms (sharing a
    venue, directly or through another site; the number of one of them) and the venues
    of that whole group."""
    group = list(range(len(site_venues)))

    def root(s: int) -> int:
        while group[s] != s:
            s = group[s]
        return s

    holder: dict[int, int] = {}  # venue index -> a site using it
    for s, venues in enumerate(site_venues):
        for v in venues:
            if v in holder:
                group[root(s)] = root(holder[v])
            holder.setdefault(v, s)
    venues_of: dict[int, dict[int, None]] = {}
    for s, venues in enumerate(site_venues):
        venues_of.setdefault(root(s), {}).update(dict.fromkeys(venues))
    return [(root(s), list(venues_of[root(s)])) for s in range(len(site_venues))]
