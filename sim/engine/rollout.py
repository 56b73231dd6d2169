"""The discrete-event engine: one replication of the rollout, played day by day in SimPy.

Hybrid by design (docs/sources.md, Conventions): SimPy processes for the planner and for postponement
decisions, and one SimPy event for each batch of class sessions (the timeout that
gives their rooms back), while learners are rows of numpy arrays handled a class at a
time. Simulation time is counted
in teaching *slots* (``slots_per_day`` per day); day numbers come from the world's epoch.
"""
from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import simpy
from simpy.events import NORMAL, EventPriority

from sim.engine.learners import NEVER, Learners
from sim.engine.queues import GroupQueue
from sim.engine.resources import InstructorRoster, VenueRooms
from sim.engine.streams import RandomStreams
from sim.engine.world import SiteWorld, World
from sim.model.spec import Course, Curriculum, ModelSpec

SESSION_FIELDS = ("site", "venue", "instructor", "curriculum", "stage", "start_slot", "end_slot",
                  "booked", "attended", "covered")
# Counted per site and calendar week (weeks start on Monday), for the bottleneck figures.
WEEKLY_FIELDS = ("sessions_run", "sessions_cancelled", "sessions_underfilled", "instructor_slots_taught",
                 "instructor_slots_on_duty", "room_slots_used", "room_slots_open")
_RUN, _CANCELLED, _UNDERFILLED, _TAUGHT, _ON_DUTY, _USED, _OPEN = range(len(WEEKLY_FIELDS))


class Batch(NamedTuple):
    """Classes of one course that start together (kept while running; expanded later)."""

    site: int
    venues: list[int]  # one per class
    instructors: np.ndarray
    curriculum: int
    stage: int
    start_slot: float
    end_slot: float
    booked: list[int]  # learners booked, per class
    attended: list[int]
    covered: int  # the first this many classes are taught by a stand-in


@dataclass
class SiteCounters:
    """What happened at one site, counted as the replication runs."""

    first_class_slot: float | None = None
    sessions_run: int = 0
    sessions_cancelled: int = 0
    sessions_covered: int = 0
    sessions_underfilled: int = 0
    refresher_sessions: int = 0
    no_shows: int = 0
    sick_absences: int = 0
    proficiency_failures: int = 0
    instructor_slots_taught: int = 0
    instructor_slots_on_duty: int = 0
    room_slots_used: int = 0
    room_slots_open: int = 0


@dataclass
class Demand:
    """One course (a curriculum stage) at one site, fed by one queue per staff group."""

    site: SiteWorld
    curriculum_index: int
    curriculum: Curriculum
    stage: int  # index of the course; len(courses) is the refresher
    course: Course
    target_by_day: np.ndarray  # the go-live the site aims at, by day
    # No learner can be booked before this day (a shortcut, reset whenever learners arrive).
    idle_until: int = 0
    groups: list[tuple[int, GroupQueue, int]] = field(default_factory=list)  # (group, queue, unit)
    class_sizes: list[int] = field(default_factory=list)  # largest class, per venue of the site
    # Constants read for every class (attribute chains cost in the planner's inner loop).
    site_index: int = field(init=False)
    slots: int = field(init=False)
    is_refresher: bool = field(init=False)  # whether this demand is the curriculum's refresher

    def __post_init__(self) -> None:
        self.site_index = self.site.index
        self.slots = self.course.slots
        self.is_refresher = self.stage == len(self.curriculum.courses)

    def available(self, day: int) -> int:
        """Learners ready for this course on ``day``."""
        return sum(q.available(day) for _, q, _ in self.groups)

    def nothing_more_soon(self, day: int, horizon: int) -> bool:
        """Whether no further learner becomes ready within the booking horizon."""
        for _, q, _ in self.groups:
            nxt = q.next_ready_day()
            if nxt is not None and nxt <= day + horizon:
                return False
        return True


def _max_min(pool: int, want: dict[int, int]) -> dict[int, int]:
    """Split ``pool`` whole units max-min fairly: nobody gets more than they want, and
    what the modest leave is split evenly among the rest (ties to the first listed)."""
    out = dict.fromkeys(want, 0)
    left = dict(want)
    while pool > 0 and left:
        even = pool // len(left)
        if even == 0:
            for k in list(left)[:pool]:
                out[k] += 1
            break
        for k, w in list(left.items()):
            give = min(w, even)
            out[k] += give
            pool -= give
            left[k] -= give
            if left[k] == 0:
                del left[k]
    return out


def _venue_groups(site_venues: list[list[VenueRooms]]) -> list[tuple[int, list[VenueRooms]]]:
    """Per site, a number shared by every site it competes with for rooms (sharing a
    venue, directly or through another site) and the venues of that whole group."""
    group = list(range(len(site_venues)))

    def root(s: int) -> int:
        while group[s] != s:
            s = group[s]
        return s

    holder: dict[int, int] = {}  # venue index -> a site using it
    for s, venues in enumerate(site_venues):
        for v in venues:
            if v.index in holder:
                group[root(s)] = root(holder[v.index])
            holder.setdefault(v.index, s)
    venues_of: dict[int, dict[int, VenueRooms]] = {}
    for s, venues in enumerate(site_venues):
        venues_of.setdefault(root(s), {}).update({v.index: v for v in venues})
    return [(root(s), list(venues_of[root(s)].values())) for s in range(len(site_venues))]


def _spend(free: list[int], budget: int) -> list[int]:
    """How many of ``budget`` rooms each venue gives, taking the first venues first."""
    out = []
    for f in free:
        take = min(f, budget)
        out.append(take)
        budget -= take
    return out


def _shares(available: list[int], want: int) -> list[int]:
    """Split ``want`` places over groups in proportion to how many each has ready.

    Proportional rather than largest-first, so that when places are scarce no staff
    group is starved; remainders go to the largest fractions, ties to the first group.
    (Plain Python: there are a handful of groups, and this runs for every class.)
    """
    total = sum(available)
    if want >= total:
        return list(available)
    out = [a * want // total for a in available]
    rest = want - sum(out)
    if rest > 0:
        # Largest remainder first; the remainder of a*want/total is (a*want mod total)/total.
        order = sorted(range(len(available)), key=lambda i: -(available[i] * want % total))
        for i in order[:rest]:
            out[i] += 1
    return out


class CountingEnvironment(simpy.Environment):
    """A SimPy environment that counts the events it schedules (for the benchmark)."""

    def __init__(self) -> None:
        super().__init__()
        self.scheduled = 0

    def schedule(self, event: simpy.Event, priority: EventPriority = NORMAL, delay: float = 0) -> None:
        """Schedule as SimPy does, counting."""
        self.scheduled += 1
        super().schedule(event, priority, delay)


class Engine:
    """Plays one replication of a model."""

    def __init__(self, model: ModelSpec, world: World, learners: Learners, streams: RandomStreams) -> None:
        self.model = model
        self.world = world
        self.learners = learners
        self.env = CountingEnvironment()
        self.S = model.slots_per_day
        self.roster = InstructorRoster(model, world)
        self.venues = [VenueRooms(self.env, i, v.rooms, v.seats) for i, v in enumerate(model.venues)]
        self.site_venues = [[self.venues[i] for i, v in enumerate(model.venues) if sw.site.id in v.sites]
                            for sw in world.sites]
        self.counters = [SiteCounters() for _ in world.sites]
        self._monday_offset = world.epoch.weekday()
        # Weekly counts as plain lists [site][field][week]: bumped a few times per class,
        # where a numpy scalar update costs ten times a list's. See :attr:`weekly`.
        n_weeks = self.week_of(world.n_days - 1) + 1
        self._weekly = [[[0] * n_weeks for _ in WEEKLY_FIELDS] for _ in world.sites]
        self._site_rooms = [sum(v.capacity for v in venues) for venues in self.site_venues]
        self._rivals = _venue_groups(self.site_venues)
        groups = [g for g, _ in self._rivals]
        self._has_rival = [groups.count(g) > 1 for g in groups]  # shares a venue with another site
        self.sessions: list[Batch] = []
        self._table: np.ndarray | None = None
        self._table_rows = 0
        def per_site(stream: str) -> list[np.random.Generator]:
            return [streams.get(stream, "site", sw.site.id) for sw in world.sites]

        self._rng_attendance = per_site("attendance")
        self._rng_no_show_wait, self._rng_sick_wait = per_site("no_show_wait"), per_site("sick_wait")
        self._rng_instructor, self._rng_prof = per_site("instructor_sick"), per_site("proficiency")
        self._pass_p = [c.proficiency.pass_probability.sample(streams.get("rates", "curriculum", c.id, "pass"), 1)[0]
                        if c.proficiency else 1.0 for c in model.curricula]
        self._u = model.uncertainty
        self._self_training_gates = [sw.site.readiness.self_training for sw in world.sites]
        self._by_site = model.venue_sharing == "by_site"
        # A learner is absent (no-show or sick) below this draw: see _book.
        self._p_absent = [max(sw.no_show_p, sw.no_show_p + (1 - sw.no_show_p) * sw.learner_sick_p) for sw in world.sites]
        self._units(model)
        self._demands(model)
        # Learners in class per unit, by day (plain lists: read and bumped one unit at a time).
        self._unit_load: dict[int, list[int]] = {}
        # Fixed per learner, read a few at a time: plain lists beat numpy indexing there.
        self._group_of = learners.group.tolist()
        self._refresh_queued = np.zeros(learners.count, dtype=bool)
        self._order_key: tuple = ()
        self._order_groups: list[list[Demand]] = []

    # -- set-up --------------------------------------------------------------------------------
    def _units(self, model: ModelSpec) -> None:
        units: dict[tuple[str, str], int] = {}
        self.group_unit = np.array([units.setdefault((g.site, g.unit), len(units)) for g in model.groups], dtype=np.int64)
        size = np.zeros(len(units), dtype=np.int64)
        share = np.ones(len(units))
        for gi, g in enumerate(model.groups):
            size[self.group_unit[gi]] += model.daily_limit_headcount(g)
            share[self.group_unit[gi]] = min(share[self.group_unit[gi]], g.max_share_in_class_per_day)
        # Wards must stay staffed: at most this many of a unit in class on one day (at least one).
        self.unit_cap = np.maximum(np.floor(share * size + 1e-9), 1).astype(np.int64)
        self._unit_cap_list = self.unit_cap.tolist()

    def _demands(self, model: ModelSpec) -> None:
        cur_index = {c.id: i for i, c in enumerate(model.curricula)}
        by_key: dict[tuple[int, int, int], Demand] = {}
        self.queue_of: dict[tuple[int, int], GroupQueue] = {}  # (group, stage) -> queue
        self.demand_of: dict[tuple[int, int], Demand] = {}  # (group, stage) -> its demand
        site_of = {sw.site.id: sw for sw in self.world.sites}
        L = self.learners
        targets = []
        for sw in self.world.sites:
            by_day = np.empty(self.world.n_days, dtype=np.int64)
            for start, go_live in sw.targets:
                by_day[start:] = go_live
            targets.append(by_day)
        # Each group's learners in id order: one stable sort, rather than a scan per group.
        by_group = L.group.argsort(kind="stable")
        group_ids = np.split(by_group, np.cumsum(np.bincount(L.group, minlength=len(model.groups)))[:-1])
        for gi, g in enumerate(model.groups):
            ci = cur_index[g.curriculum]
            cur = model.curricula[ci]
            sw = site_of[g.site]
            stages = list(cur.courses) + [cur.refresher or cur.courses[-1]]
            ids = group_ids[gi]
            for stage, course in enumerate(stages):
                demand = by_key.get((sw.index, ci, stage)) or Demand(
                    sw, ci, cur, stage, course, targets[sw.index],
                    class_sizes=[min(course.max_class, v.seats) for v in self.site_venues[sw.index]])
                by_key[(sw.index, ci, stage)] = demand
                q = GroupQueue(ids, L.first_ready_day[ids]) if stage == 0 else GroupQueue(ids[:0], ids[:0])
                demand.groups.append((gi, q, int(self.group_unit[gi])))
                self.queue_of[(gi, stage)] = q
                self.demand_of[(gi, stage)] = demand
        self.demands = list(by_key.values())
        # Which courses are open for booking on which day: a working day of the site, the
        # training environment ready, inside the window of the go-live aimed at that day,
        # and not past the site's horizon. Known in advance, so the planner visits only
        # days on which something is open.
        days = np.arange(self.world.n_days)
        self._open = np.zeros((len(self.demands), self.world.n_days), dtype=bool)
        for i, d in enumerate(self.demands):
            sw = d.site
            window = self.model.window_days(sw.site, d.curriculum)
            self._open[i] = (sw.calendar.is_working & (days >= sw.env_ready_day) & (days <= sw.end_day)
                             & (days >= d.target_by_day - window))
        # The same by day, and each site's target by day: rows the planner reads once a day.
        self._open_by_day = np.ascontiguousarray(self._open.T)
        self._target_by_day = np.stack(targets, axis=1)

    # -- running -------------------------------------------------------------------------------
    def run(self) -> None:
        """Run the replication to the end of the horizon."""
        for sw in self.world.sites:
            for decided, go_live in sw.targets[1:]:
                self.env.process(self._decision(sw, decided, go_live))
        self.env.process(self._planner())
        self.env.run(until=self.world.n_days * self.S)

    def _decision(self, sw: SiteWorld, day: int, go_live: int):
        """A go-live is moved: staff whose training will be stale by then need a refresher."""
        yield self.env.timeout(day * self.S)
        L = self.learners
        for d in self.demands:
            if d.site is not sw or not d.is_refresher:
                continue
            valid = self.model.valid_days(sw.site, d.curriculum)
            last = np.where(L.refresh_day != NEVER, L.refresh_day, L.trained_day)
            # Training is current through last + valid days; it must still be on the eve of go-live.
            stale = (L.trained_day != NEVER) & (last + valid < go_live - 1) & (L.leave_day > day) & ~self._refresh_queued
            for gi, q, _ in d.groups:
                ids = np.flatnonzero(stale & (L.group == gi))
                self._refresh_queued[ids] = True  # a second move before the refresher queues nobody twice
                q.add(ids, day)
            d.idle_until = 0

    def _planner(self):
        for open_day in np.flatnonzero(self._open.any(axis=0)):
            day = int(open_day)
            for k in range(self.S):
                yield self.env.timeout(day * self.S + k - self.env.now)
                # Sessions ending and decisions taken now were scheduled before this instant;
                # yielding once more lets them happen before we plan.
                yield self.env.timeout(0)
                if k == 0:
                    self.roster.start_day(day)
                    segments = self._order(day)
                    sites = {d.site_index for tied, _ in segments for d in tied}
                    on_duty = {s: int(np.count_nonzero(self.roster.on_duty(s))) for s in sites}
                if segments:
                    self._plan_slot(day, k, segments, on_duty)

    def _order(self, day: int) -> list[tuple[list[Demand], bool]]:
        """The courses open for booking today, in the order the scheduling policy serves
        them, as groups of tied courses; each with whether it holds courses of several
        sites that split rooms between them.

        Later stages come first so that people who started finish, and super-users before
        end-users. Courses that the policy ranks equal take turns first, day by day, so
        that two sites sharing a venue and a go-live share it rather than one going last;
        with ``venue_sharing = "by_site"`` such sites also split the rooms (see _quotas).
        """
        policy = self.model.scheduling_policy
        now_open = self._open_by_day[day].nonzero()[0].tolist()
        open_now = [self.demands[i] for i in now_open]
        if policy != "largest_backlog":
            # The ranking changes only when the open courses or a site's go-live change.
            target = self._target_by_day[day].tolist()  # per site
            key = (*now_open, *[target[d.site_index] for d in open_now])
            if key != self._order_key:
                self._order_key, self._order_groups = key, self._rank_groups(open_now, day)
            groups = self._order_groups
        else:
            groups = self._rank_groups(open_now, day)
        out = []
        for tied in groups:
            turn = day % len(tied)
            out.append((tied[turn:] + tied[:turn], self._by_site and self._compete(tied)))
        return out

    def _compete(self, tied: list[Demand]) -> bool:
        """Whether courses of two sites that share rooms are among ``tied``."""
        seen: dict[int, int] = {}
        for d in tied:
            group = self._rivals[d.site_index][0]
            if seen.setdefault(group, d.site_index) != d.site_index:
                return True
        return False

    def _quotas(self, day: int, tied: list[Demand], load: list[int]) -> dict[int, int]:
        """Rooms each site may take first in this slot, where tied courses of several sites
        compete for the same venues: the free rooms split max-min fairly by the classes
        each site could fill now (a site that needs fewer gets what it needs, the rest
        split evenly). Rooms a site leaves are used afterwards in the policy's order."""
        # Classes each site could fill now, by group of sites that share rooms.
        want: dict[int, dict[int, int]] = {}
        for d in tied:
            if day < d.idle_until or not self._has_rival[d.site_index]:
                continue
            total = self._ready(d, day, load)[1]
            if total:
                per_site = want.setdefault(self._rivals[d.site_index][0], {})
                per_site[d.site_index] = per_site.get(d.site_index, 0) + -(-total // (max(d.class_sizes, default=0) or 1))
        quotas: dict[int, int] = {}
        for per_site in want.values():
            if len(per_site) > 1:  # a site with no rival keeps every room it has
                pool = sum(v.free for v in self._rivals[next(iter(per_site))][1])
                # An odd room goes to the site served last today: the first served has
                # the first pick of the rooms left over afterwards.
                quotas.update(_max_min(pool, dict(reversed(per_site.items()))))
        return quotas

    def _rank_groups(self, open_now: list[Demand], day: int) -> list[list[Demand]]:
        """Open courses in policy order, as groups of courses the policy ranks equal."""
        policy = self.model.scheduling_policy

        def rank(d: Demand) -> tuple:
            kind = 0 if d.curriculum.kind == "super_user" else 1
            if policy == "earliest_go_live":
                return (int(d.target_by_day[day]), kind, -d.stage)
            if policy == "largest_backlog":
                return (-d.available(day), kind, -d.stage)
            return (d.site.index, kind, -d.stage)

        return [list(tied) for _, tied in itertools.groupby(sorted(open_now, key=rank), key=rank)]

    @property
    def weekly(self) -> np.ndarray:
        """Counts per site, :data:`WEEKLY_FIELDS` and calendar week from the epoch's
        Monday, shape (sites, fields, weeks)."""
        return np.array(self._weekly, dtype=np.int64)

    def week_of(self, day: int) -> int:
        """The calendar week (Monday to Sunday) of a day, counted from the epoch's week."""
        return (day + self._monday_offset) // 7

    def session_table(self) -> np.ndarray:
        """Every class session run, one row each, columns :data:`SESSION_FIELDS`."""
        if self._table is not None and self._table_rows == len(self.sessions):
            return self._table
        self._table_rows = len(self.sessions)
        self._table = self._expand_sessions()
        return self._table

    def _expand_sessions(self) -> np.ndarray:
        if not self.sessions:
            return np.zeros((0, len(SESSION_FIELDS)))
        sizes = [len(b.venues) for b in self.sessions]

        def each(field: str) -> np.ndarray:
            return np.repeat(np.array([getattr(b, field) for b in self.sessions], dtype=np.float64), sizes)

        def joined(field: str) -> np.ndarray:
            return np.concatenate([np.asarray(getattr(b, field), dtype=np.float64) for b in self.sessions])

        covered = np.concatenate([np.arange(len(b.venues)) < b.covered for b in self.sessions])
        columns = {"site": each("site"), "venue": joined("venues"), "instructor": joined("instructors"),
                   "curriculum": each("curriculum"), "stage": each("stage"), "start_slot": each("start_slot"),
                   "end_slot": each("end_slot"), "booked": joined("booked"), "attended": joined("attended"),
                   "covered": covered.astype(np.float64)}
        return np.column_stack([columns[f] for f in SESSION_FIELDS])

    def _plan_slot(self, day: int, k: int, segments: list[tuple[list[Demand], bool]], on_duty: dict[int, int]) -> None:
        S = self.S
        now = float(day * S + k)
        if k == 0:
            # Learners in class per unit today (multi-day classes book later days ahead).
            for past in [d for d in self._unit_load if d < day]:
                del self._unit_load[past]
        load = self._unit_load.get(day)
        if load is None:
            load = self._unit_load[day] = [0] * len(self._unit_cap_list)
        full: set[int] = set()  # sites with no free room or instructor left in this slot
        for tied, shared in segments:
            quotas = self._quotas(day, tied, load) if shared else None
            if quotas:
                # First each site up to its share of the rooms, then what is left, in order.
                self._serve(tied, day, k, now, load, full, quotas)
            self._serve(tied, day, k, now, load, full, None)
        # Capacity open to each site in this slot, for utilisation over its training
        # period (classes open, before go-live).
        week = self.week_of(day)
        for s, count in on_duty.items():
            weekly = self._weekly[s]
            weekly[_ON_DUTY][week] += count
            weekly[_OPEN][week] += self._site_rooms[s]
            if day < self.world.sites[s].go_live_day:
                c = self.counters[s]
                c.instructor_slots_on_duty += count
                c.room_slots_open += self._site_rooms[s]

    def _serve(self, tied: list[Demand], day: int, k: int, now: float, load: list[int], full: set[int],
               quotas: dict[int, int] | None) -> None:
        """Book classes of each course in turn (each site at most its quota of rooms, if given)."""
        S = self.S
        for d in tied:
            if day < d.idle_until:
                continue
            n, s = d.slots, d.site_index
            if s in full or (n <= S and k + n > S) or (n > S and k != 0):
                continue
            quota = None if quotas is None else quotas.get(s)
            if quota is not None and quota <= 0:
                continue
            for v in self.site_venues[s]:
                if v.free:
                    no_capacity, booked = self._fill(d, day, now, load, quota)
                    if no_capacity:
                        full.add(s)
                    if quotas is not None and quota is not None:
                        quotas[s] = quota - booked
                    break
            else:  # no free room at the site
                full.add(s)

    def _ready(self, d: Demand, day: int, load: list[int]) -> tuple[list[tuple[int, GroupQueue, int]], int, bool]:
        """Per staff group, how many may be booked now within their units' daily limits
        (with the queue and the unit); the total; and whether a unit's limit (not a lack
        of learners) cut it.

        Groups of one unit share its limit, first come first served.
        """
        left: dict[int, int] = {}
        cap = self._unit_cap_list
        avail, total, capped = [], 0, False
        for _, q, u in d.groups:
            a = q.available(day)
            room = left.get(u)
            if room is None:
                room = cap[u] - load[u]
            take = max(0, min(a, room))
            capped |= take < a
            left[u] = room - take
            avail.append((take, q, u))
            total += take
        return avail, total, capped

    def _fill(self, d: Demand, day: int, now: float, load: list[int], quota: int | None = None) -> tuple[bool, int]:
        """Book as many classes of one course as learners, rooms (at most ``quota``, if
        given) and instructors allow now.

        Returns whether the site has no instructor or room left in this slot, and the
        classes booked. A course that cannot book for want of learners is skipped until
        that can change.
        """
        sw = d.site
        avail, total, capped = self._ready(d, day, load)
        if total == 0:
            upcoming = [nxt for _, q, _ in d.groups if (nxt := q.next_ready_day()) is not None]
            # Nobody ready: wait for the next; only the units' daily limits: try tomorrow.
            d.idle_until = day + 1 if capped else min(upcoming, default=10**9)
            return False, 0
        venues = self.site_venues[d.site_index]
        free_rooms = [v.free for v in venues]
        # One class per free room, in venue order, each as large as the room allows.
        if quota is not None:  # the first free rooms, up to the quota
            free_rooms = _spend(free_rooms, quota)
        caps = [(f, size) for f, size in zip(free_rooms, d.class_sizes) if f]
        rooms_free = sum(f for f, _ in caps)
        # A class kept small by a unit's daily limit runs: waiting would not fill it.
        hold = not capped
        if self._classes(d, total, caps, day, rooms_free, hold) == 0:
            upcoming = [nxt for _, q, _ in d.groups if (nxt := q.next_ready_day()) is not None]
            d.idle_until = max(day + 1, min(upcoming, default=day + 1))  # new arrivals reset this
            return False, 0
        if d.slots > self.S and self._session_end(day, now, d.slots, sw.calendar)[0] > sw.end_day:
            d.idle_until = 10**9  # a multi-day course no longer ends within the site's horizon
            return False, 0
        candidates = self.roster.free(d.site_index, now)
        if candidates.size == 0:
            return True, 0
        wanted = self._classes(d, total, caps, day, min(rooms_free, candidates.size), hold)
        teachers, covered, cancelled = self._staff(sw, candidates, wanted, day)
        n = self._classes(d, total, caps, day, teachers.size, hold)
        self.counters[d.site_index].sessions_cancelled += min(cancelled, wanted - n)
        self._weekly[d.site_index][_CANCELLED][self.week_of(day)] += min(cancelled, wanted - n)
        if n == 0:
            return teachers.size == 0, 0
        sizes: list[int] = []  # of the first n classes
        for f, size in caps:
            sizes += [size] * min(f, n - len(sizes))
        members, units = self._take(avail, min(total, sum(sizes)), day)
        if members.size == 0:
            return False, 0  # everyone picked had left
        # Classes are filled in order; leavers dropped on the way can leave the last ones empty.
        booked, left = [], members.size
        for size in sizes:
            if left <= 0:
                break
            booked.append(min(size, left))
            left -= size
        n = len(booked)
        # Classes go to the venues in order: the first free rooms are used.
        taken, rooms = n, []
        for v, f in zip(venues, free_rooms):
            rooms.append((v, min(f, taken)))
            taken -= rooms[-1][1]
        self._book(d, rooms, teachers[:n], min(covered, n), members, units, booked, day, now, load)
        return False, n

    def _take(self, avail: list[tuple[int, GroupQueue, int]], want: int,
              day: int) -> tuple[np.ndarray, list[tuple[int, int]]]:
        """Take ``want`` learners from the groups, in proportion to how many each has ready;
        also how many came from each unit, as (unit, count) pairs."""
        leave = self.learners.leave_day
        if len(avail) == 1:
            _, q, unit = avail[0]
            got = q.take(want, day, leave)
            return got, [(unit, got.size)]
        shares = _shares([a for a, _, _ in avail], want)
        parts, units = [], []
        for w, (_, q, unit) in zip(shares, avail):
            if w > 0:
                got = q.take(w, day, leave)
                parts.append(got)
                units.append((unit, got.size))
        if not parts:
            return np.zeros(0, dtype=np.int64), []
        return (parts[0] if len(parts) == 1 else np.concatenate(parts)), units

    def _classes(self, d: Demand, total: int, caps: list[tuple[int, int]], day: int, limit: int,
                 hold: bool = True) -> int:
        """How many classes to run for ``total`` ready learners, at most ``limit``.

        ``caps`` lists (free rooms, class size) per venue, in order; classes are filled
        in that order. With ``hold``, the last class is dropped when it would be below
        the minimum size and more learners become ready within the booking horizon.
        """
        n, seated, last = 0, 0, 0
        for rooms, size in caps:
            k = min(rooms, limit - n, -(-(total - seated) // size))
            if k <= 0:
                break
            n += k
            seated += k * size
            last = size - (seated - total) if seated > total else size
        if n and hold and last < d.course.min_class and not d.nothing_more_soon(day, self.model.operations.booking_horizon_days):
            n -= 1
        return n

    def _staff(self, sw: SiteWorld, candidates: np.ndarray, wanted: int, day: int) -> tuple[np.ndarray, int, int]:
        """Healthy instructors for ``wanted`` classes: (instructors, classes covered, cancelled).

        An instructor's health is drawn the first time they are needed on a day. A sick
        instructor's class is covered by a free colleague, or else cancelled.
        (Plain Python lists: a handful of instructors per class.)
        """
        r = self.roster
        checked = r.checked_day
        for i in candidates[:wanted].tolist():
            if checked[i] != day:
                break
        else:
            return candidates[:wanted], 0, 0  # all seen well earlier today (a sick one would not be free)
        rng, p_sick = self._rng_instructor[sw.index], sw.instructor_sick_p
        pool = candidates.tolist()
        healthy: list[int] = []
        found, looked, sick_assigned = 0, 0, None
        while found < wanted and looked < len(pool):
            chunk = pool[looked:looked + wanted - found]
            looked += len(chunk)
            # Candidates are free now, so anyone already checked today is well.
            fresh = [i for i in chunk if checked[i] != day]
            well = chunk
            if fresh:
                for i in fresh:
                    checked[i] = day
                ill = {i for i, x in zip(fresh, rng.random(len(fresh)).tolist()) if x < p_sick}
                if ill:
                    r.busy_until[list(ill)] = (day + 1) * self.S  # off sick for the rest of the day
                    well = [i for i in chunk if i not in ill]
            if sick_assigned is None:
                sick_assigned = len(chunk) - len(well)  # sick among those first picked
            healthy.extend(well)
            found += len(well)
        teachers = np.array(healthy, dtype=candidates.dtype)
        sick_assigned = sick_assigned or 0
        covered = teachers.size - (min(wanted, candidates.size) - sick_assigned)
        return teachers, covered, sick_assigned - covered

    def _session_end(self, day: int, now: float, n_slots: int, cal) -> tuple[int, float]:
        """Last day and end time (in slots) of a session of ``n_slots`` starting now.

        A session that fits in a day runs in one day; a longer one starts in the first
        slot and continues on the following working days.
        """
        if n_slots <= self.S:
            return day, now + n_slots
        n_days = math.ceil(n_slots / self.S)
        last = int(cal.add_working_days(np.array([day]), np.array([n_days]))[0])
        return last, float(last * self.S + n_slots - (n_days - 1) * self.S)

    def _book(self, d: Demand, rooms: list[tuple[VenueRooms, int]], teachers: np.ndarray, covered: int,
              members: np.ndarray, units: list[tuple[int, int]], booked: list[int], day: int, now: float,
              load: list[int]) -> None:
        """Run ``len(teachers)`` classes now in ``rooms`` (venue, classes there): hold rooms
        and instructors, record who came. ``members`` fill the classes in order, ``booked``
        of them each; ``units`` counts them per unit for the units' daily limits."""
        sw, si = d.site, d.site_index
        c = self.counters[si]
        n, n_slots = teachers.size, d.slots
        last_day, end = self._session_end(day, now, n_slots, sw.calendar)
        for unit, count in units:
            load[unit] += count
        for span_day in range(day + 1, last_day + 1):  # the later days of a multi-day class
            if sw.calendar.is_working[span_day]:
                later = self._unit_load.get(span_day)
                if later is None:
                    later = self._unit_load[span_day] = [0] * len(load)
                for unit, count in units:
                    later[unit] += count
        r = self.roster
        if r.any_prep:
            # Preparation after the last slot of a day happens overnight.
            r.busy_until[teachers] = np.minimum(end + r.prep_slots[teachers], math.ceil(end / self.S) * self.S)
        else:
            r.busy_until[teachers] = end
        r.taught_slots[teachers] += n_slots
        for venue, count in rooms:
            if count:
                venue.hold(count, end - now)
        # Who comes: a no-show with its probability; otherwise off sick with its probability.
        # One draw per learner decides both (below p_no_show: no-show; in the next band of
        # width (1 - p_no_show) * p_sick: sick), so each keeps its own probability.
        u = self._rng_attendance[si].random(members.size)
        absent = u < self._p_absent[si]
        where = absent.nonzero()[0]
        n_absent = where.size
        if n_absent:
            # Absent learners wait, then may be booked again for the same course.
            no_show = u[where] < sw.no_show_p
            n_no_show = int(np.count_nonzero(no_show))
            n_sick = n_absent - n_no_show
            wait = np.empty(n_absent)
            if n_no_show:
                wait[no_show] = self._u.no_show_rebook_days.sample(self._rng_no_show_wait[si], n_no_show)
            if n_sick:
                wait[~no_show] = self._u.learner_sick_days.sample(self._rng_sick_wait[si], n_sick)
            self._route(d.stage, members[where], day + 1 + np.ceil(wait).astype(np.int64))
            attended = members[~absent]
            # Each absentee's class, from their place in the order the classes were filled.
            came, ends = list(booked), list(itertools.accumulate(booked))
            for place in where.tolist():
                came[bisect.bisect_right(ends, place)] -= 1
        else:
            n_no_show = n_sick = 0
            came, attended = booked, members
        if c.first_class_slot is None:
            c.first_class_slot = now
        min_class = d.course.min_class
        underfilled = sum(1 for x in came if x < min_class)
        c.sessions_run += n
        c.sessions_covered += covered
        c.sessions_underfilled += underfilled
        weekly, week = self._weekly[si], self.week_of(day)
        weekly[_RUN][week] += n
        weekly[_UNDERFILLED][week] += underfilled
        weekly[_TAUGHT][week] += n * n_slots
        weekly[_USED][week] += n * n_slots
        c.refresher_sessions += n if d.is_refresher else 0
        c.no_shows += n_no_show
        c.sick_absences += n_sick
        if day < sw.go_live_day:
            c.instructor_slots_taught += n * n_slots
            c.room_slots_used += n * n_slots
        self.sessions.append(Batch(si, [v.index for v, count in rooms for _ in range(count)], teachers,
                                   d.curriculum_index, d.stage, now, end, booked, came, covered))
        self._advance(d, attended, last_day)

    def _route(self, stage: int, ids: np.ndarray, ready: np.ndarray | int) -> None:
        """Queue learners for a stage of their curriculum, from their ready day (one day
        for all, or one each)."""
        if isinstance(ready, int):
            groups = self.learners.group[ids]
            first = int(groups[0])
            if np.count_nonzero(groups != first) == 0:  # the usual case: one group, one day
                self.queue_of[(first, stage)].add(ids, ready)
                self.demand_of[(first, stage)].idle_until = 0
                return
            ready = np.full(ids.size, ready)
        # Batches are small (a class or its absentees): grouping in Python beats numpy here.
        batches: dict[tuple[int, int], list[int]] = {}
        group_of = self._group_of
        for learner, day in zip(ids.tolist(), ready.tolist()):
            batches.setdefault((group_of[learner], day), []).append(learner)
        for (group, day), members in batches.items():
            self.queue_of[(group, stage)].add(members, day)  # a list: see GroupQueue
            self.demand_of[(group, stage)].idle_until = 0

    def _advance(self, d: Demand, came: np.ndarray, last_day: int) -> None:
        """Learners who attended move on: next course, or self-training and the check."""
        if came.size == 0:
            return
        L = self.learners
        if d.is_refresher:
            L.refresh_day[came] = last_day
            self._refresh_queued[came] = False
            return
        if d.stage + 1 < len(d.curriculum.courses):
            self._route(d.stage + 1, came, last_day + 1)
            return
        cal = d.site.calendar
        st = L.self_training_days[came]
        self_done = cal.after_working_day(last_day, st)  # the class's last day is a working day
        L.self_trained_day[came] = self_done
        # The check follows the class, or self-training where that gates "trained".
        done = self_done if self._self_training_gates[d.site_index] else np.full(came.size, last_day, dtype=np.int64)
        prof = d.curriculum.proficiency
        if prof is None:
            L.trained_day[came] = done
            return
        p = self._pass_p[d.curriculum_index]
        rng = self._rng_prof[d.site.index]
        attempts = rng.geometric(p, came.size) if p > 0 else np.full(came.size, prof.max_attempts + 1)
        passed = attempts <= prof.max_attempts
        # (count_nonzero: ndarray.all() costs several times more on a class-sized array)
        if np.count_nonzero(passed) == passed.size:  # nearly always: failing every attempt is rare
            L.trained_day[came] = done + (attempts - 1) * prof.retake_days
            return
        L.trained_day[came[passed]] = done[passed] + (attempts[passed] - 1) * prof.retake_days
        failed = came[~passed]
        if failed.size:
            self.counters[d.site.index].proficiency_failures += int(failed.size)
            ready = done[~passed] + prof.max_attempts * prof.retake_days + 1
            self._route(d.stage, failed, ready)
