"""A deliberately simple reference implementation of the core rollout, kept as a test oracle.

The production engine (:mod:`sim.engine.rollout`) is hybrid and fast: learners are rows of
numpy arrays and a batch of classes is one SimPy event. This module plays the same
rules the slow, obvious way: **one SimPy process per learner** who draws their own
e-learning and self-training pace, waits to be booked, decides for themselves whether
to show up, and sits through their class; a planner process forms classes at every
slot; each class is a process that holds a SimPy ``Resource`` (a room) for its length.
It shares no code with the engine beyond the validated spec, the distributions and the
working-day calendar (:class:`sim.model.calendar.WorkingCalendar`), so that agreement between
the two (``tests/verification/test_reference.py``) says something about both.

It draws the same distributions as the engine but from its own random streams, so the
two agree *in distribution*, not replication by replication; with randomness switched
off they agree exactly.

What "core" means here
----------------------
A *core* model has

- exactly one site, with no ``[[site.postponement]]`` and a ``go_live_delay_days``
  that is always 0;
- any number of staff groups, units (with their daily share caps) and curricula at that
  site; each curriculum has e-learning, one or more classroom courses in order and
  self-training, but **no** ``proficiency`` check and **no** ``refresher`` table;
- any number of venues (rooms, seats) and instructor pools serving the site, with
  certification (and a drawn ``certification_delay_days``) and ``prep_slots``, but **no**
  loans;
- the calendar of the model (public holidays, summer weeks, Christmas, closures), the
  training window, the training environment (and a drawn
  ``training_environment_delay_days``), the booking horizon and minimum class size,
  ``slot_hours`` / ``slots_per_day`` with courses of one slot, a whole day or several
  days, and any scheduling policy (with one site they differ only for
  ``largest_backlog``);
- uncertainty only in e-learning pace, self-training pace, the no-show probability
  and the wait before a no-show is rebooked: ``turnover_per_year``,
  ``learner_sick_probability`` and ``instructor_sick_probability`` must be always 0.

Anything else (turnover and new hires, loans, postponements and refreshers, proficiency
checks, sickness, several sites) is refused with a :class:`ValueError` naming it.

The rules reproduced (docs/definitions.md, as the engine implements them): e-learning takes
``ceil(hours / pace)`` working days from its opening and the learner may be booked from
the next day; in every slot of a day when some course is open, the courses are served
in policy order (later courses first, super-users before end-users, courses that still
tie take turns by day; the engine's refresher course of each curriculum, never booked in
a core model, takes part in that rotation); each course books as many classes as free
rooms and free instructors (least-used first) allow, each as large as
``min(max_class, seats)`` of its room, venues in file order; learners come from the staff
groups in proportion to how many each has ready (largest remainder, ties to the first
group), within their unit's daily cap (``max_share_in_class_per_day`` of the unit's
headcount; for super-users without a unit of their own, of the site's whole headcount);
within a group, learners who were queued again (no-shows, and everyone waiting for a
second or later course) go first in the order they became ready, then first-timers in
the order they finished e-learning; the last class is held back when it would be smaller
than ``min_class``, the unit caps did not limit it and more learners become ready
within the booking horizon. A course that found nobody to book, or held its only class
back, is not tried again before the day the next learner becomes ready (or someone is
queued for it), or, when only unit caps stopped it, before the next day. A booked
learner counts against their unit's cap on every working day of the class. A no-show
waits ``1 + ceil(wait)`` days and queues again for the same course; an attendee may be
booked for the next course from the day after the class's last day, and self-training
takes ``ceil(hours / pace)`` working days after it.

A second mode, :func:`run_single_queue`, plays the same learner processes, queue and
instructor choice in continuous time (Poisson arrivals, classes of one with exponential
durations, a 7-day week), for checks against queueing theory (Erlang C).
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
import simpy
from simpy.events import EventPriority

from sim.model.calendar import WorkingCalendar
from sim.model.spec import Course, Curriculum, ModelSpec

NEVER = 10**9  # "not within the horizon", as a day number
_LATE = EventPriority(2)  # SimPy priority after every ordinary event (NORMAL = 1) of the same instant


# -- what a replication gives --------------------------------------------------------------------
@dataclass(frozen=True)
class ReferenceOutcome:
    """One site in one reference replication: the fields comparable with
    :class:`sim.engine.outcomes.SiteOutcome` (same definitions)."""

    site: str
    go_live: dt.date
    staff_required: int
    trained_at_go_live: int
    share_trained: float
    ready: bool
    completion_date: dt.date | None
    slack_days: int | None
    date_95: dt.date | None
    first_class_date: dt.date | None
    sessions_run: int
    no_shows: int


@dataclass(frozen=True)
class ReferenceResult:
    """A reference replication: the outcome and the raw per-learner record.

    ``episodes`` has one row per time a learner waited for a class: (learner, stage,
    day they could first be booked, day they were booked or :data:`NEVER`).
    ``waiting_end_of_day[d]`` is how many learners could have been booked on day ``d``
    but were not in a class by its end, as the planner's queues saw it.
    """

    outcome: ReferenceOutcome
    epoch: dt.date
    n_days: int
    first_ready_day: np.ndarray
    trained_day: np.ndarray
    episodes: np.ndarray
    waiting_end_of_day: np.ndarray


# -- checking the model is core ------------------------------------------------------------------
def core_problems(model: ModelSpec) -> list[str]:
    """What in ``model`` the reference does not implement (empty: a core model)."""
    out = []
    if len(model.sites) != 1:
        out.append(f"{len(model.sites)} sites (the reference plays exactly one)")
    for site in model.sites:
        if site.postponements:
            out.append(f"site.{site.id}.postponement (postponements and refreshers)")
        if site.classes_from:
            out.append(f"site.{site.id}.*_classes_from (site windows)")
        r = site.readiness
        if r.unit_share is not None:
            out.append(f"site.{site.id}.readiness.unit_share (unit criteria)")
        if r.share < 1 and r.super_users > 0 and any(c.kind == "super_user" for c in model.curricula):
            out.append(f"site.{site.id}.readiness.super_users with a share below 1 (super-user criteria)")
    u = model.uncertainty
    for name in ("turnover_per_year", "learner_sick_probability", "instructor_sick_probability",
                 "go_live_delay_days", "long_term_leave_share"):
        if getattr(u, name).support_max > 0:
            out.append(f"uncertainty.{name} can be above 0")
    for c in model.curricula:
        if c.proficiency is not None:
            out.append(f"curriculum.{c.id}.proficiency (proficiency checks)")
        if c.refresher is not None:
            out.append(f"curriculum.{c.id}.refresher (refreshers)")
    for p in model.pools:
        if p.loans:
            out.append(f"instructor_pool.{p.id}.loan (instructor loans)")
    return out


def check_core(model: ModelSpec) -> None:
    """Raise ValueError listing every feature of ``model`` the reference does not implement."""
    problems = core_problems(model)
    if problems:
        raise ValueError("the reference implementation plays only core models; this one has: "
                         + "; ".join(problems))


# -- small building blocks -----------------------------------------------------------------------
def _late(env: simpy.Environment, delay: float) -> simpy.Event:
    """An event ``delay`` from now, processed after every ordinary event of that instant
    (so that rooms given back and learners queued at a slot boundary are seen)."""
    ev = simpy.Event(env)
    ev._ok = True  # what a Timeout sets; SimPy has no public way to choose the priority
    ev._value = None
    env.schedule(ev, _LATE, delay)
    return ev


def _working_day_done(is_working: np.ndarray, start: int, n: int) -> int:
    """The day on which the ``n``-th working day counted from ``start`` (included) ends;
    ``len(is_working)`` when the calendar runs out; ``start`` when ``n <= 0``."""
    if n <= 0:
        return start
    day = start
    while day < is_working.size:
        if is_working[day]:
            n -= 1
            if n == 0:
                return day
        day += 1
    return int(is_working.size)


def _working_days_after(is_working: np.ndarray, day: int, n: int) -> int:
    """The day on which ``n`` working days after ``day`` are done (``day`` itself for 0)."""
    return day if n <= 0 else _working_day_done(is_working, day + 1, n)


def _days_for(hours: float, pace: float, cap: int) -> int:
    """Working days to do ``hours`` at ``pace`` hours a working day (pace 0: never)."""
    if hours <= 0:
        return 0
    return cap if pace <= 0 else min(math.ceil(hours / pace), cap)


def _proportional(ready: list[int], want: int) -> list[int]:
    """Split ``want`` places over groups in proportion to ``ready``: floors first, the
    rest one each to the largest remainders, ties to the earlier group."""
    total = sum(ready)
    if want >= total:
        return list(ready)
    share = [r * want // total for r in ready]
    remainders = sorted(range(len(ready)), key=lambda i: (-(ready[i] * want % total), i))
    for i in remainders[: want - sum(share)]:
        share[i] += 1
    return share


@dataclass
class _Waiting:
    """A learner's place in a queue: bookable from ``ready_day``; ``booked`` fires when booked."""

    key: tuple
    learner: int
    ready_day: int
    booked: simpy.Event
    episode: int  # row of the replication's episode record


class _Queue:
    """Learners of one staff group waiting for one course (a plain sorted list)."""

    def __init__(self) -> None:
        self.waiting: list[_Waiting] = []

    def join(self, entry: _Waiting) -> None:
        """Queue a learner (kept sorted by their key)."""
        self.waiting.append(entry)
        self.waiting.sort(key=lambda w: w.key)

    def ready(self, day: int) -> list[_Waiting]:
        """Learners bookable on ``day``, in booking order."""
        return [w for w in self.waiting if w.ready_day <= day]

    def next_ready_day(self, day: int) -> int | None:
        """The first day after ``day`` on which someone becomes bookable (None: nobody)."""
        later = [w.ready_day for w in self.waiting if w.ready_day > day]
        return min(later) if later else None

    def take(self, entries: list[_Waiting]) -> None:
        """Remove booked learners."""
        gone = {id(e) for e in entries}
        self.waiting = [w for w in self.waiting if id(w) not in gone]


@dataclass
class _Instructor:
    index: int
    certified_day: int
    prep_slots: int
    busy_until: float = 0.0
    taught_slots: int = 0


@dataclass
class _CourseDemand:
    """One course (stage) of one curriculum at the site; stage ``len(courses)`` is the
    engine's refresher, open but never booked in a core model."""

    curriculum: Curriculum
    stage: int
    course: Course | None
    window_open_day: int
    groups: list[tuple[int, _Queue, int]] = field(default_factory=list)  # (group, queue, unit)
    idle_until: int = 0


@dataclass
class _Booking:
    day: int
    last_day: int
    end: float


# -- the slot-based reference --------------------------------------------------------------------
class _Rollout:
    """One replication of a core model, one process per learner."""

    def __init__(self, model: ModelSpec, seed: int) -> None:
        check_core(model)
        self.model = model
        self.S = model.slots_per_day
        self.rng = np.random.default_rng(seed)
        self.env = simpy.Environment()
        site = self.site = model.sites[0]
        groups_pos = {}
        for g in model.groups:
            c = model.curriculum(g.curriculum)
            groups_pos[g.id] = site.planned_go_live - dt.timedelta(
                days=max(self.model.elearning_opens_days(self.site, c), self.model.window_days(self.site, c)))
        self.epoch = min([p.certification_start for p in model.pools] + [site.training_environment_ready]
                         + list(groups_pos.values()))
        end = site.go_live + dt.timedelta(days=math.ceil(model.horizon_weeks_after_go_live * 7))
        self.end_day = (end - self.epoch).days
        self.n_days = self.end_day + 1
        cal = model.calendar
        closures = tuple(c.closure for c in cal.closures if not c.sites or site.id in c.sites)
        self.calendar = WorkingCalendar(self.epoch, end, country=cal.country, summer_weeks=cal.summer_weeks,
                                        christmas=cal.christmas, closures=closures)
        self.working = np.asarray(self.calendar.is_working)
        self.go_live_day = (site.go_live - self.epoch).days
        u = model.uncertainty
        # Drawn once per replication, as in the engine (the order of draws is this module's own).
        self.no_show_p = float(u.no_show_probability.sample(self.rng, 1)[0])
        env_delay = round(float(u.training_environment_delay_days.sample(self.rng, 1)[0]))
        self.env_ready_day = (site.training_environment_ready - self.epoch).days + env_delay
        self.instructors: list[_Instructor] = []
        for p in model.pools:
            delay = round(float(u.certification_delay_days.sample(self.rng, 1)[0]))
            start = (p.certification_start - self.epoch).days
            done = _working_day_done(self.working, start, p.certification_days) if p.certification_days else start - 1
            if site.id in p.sites:
                for _ in range(p.count):
                    self.instructors.append(_Instructor(len(self.instructors), done + 1 + delay, p.prep_slots))
        self.venues = [(simpy.Resource(self.env, v.rooms), v.seats) for v in model.venues
                       if site.id in v.sites and v.rooms > 0]
        # Units: groups with the same unit share one daily cap.
        unit_index: dict[str, int] = {}
        self.group_unit = [unit_index.setdefault(g.unit, len(unit_index)) for g in model.groups]
        size = [0] * len(unit_index)
        share = [1.0] * len(unit_index)
        for gi, g in enumerate(model.groups):
            size[self.group_unit[gi]] += model.daily_limit_headcount(g)
            share[self.group_unit[gi]] = min(share[self.group_unit[gi]], g.max_share_in_class_per_day)
        self.unit_cap = [max(math.floor(s * n + 1e-9), 1) for s, n in zip(share, size)]
        self.unit_load: dict[int, list[int]] = {}  # day -> learners of each unit in class
        # One demand per curriculum and stage, in the engine's order (first group of each
        # curriculum, then its stages).
        self.demands: list[_CourseDemand] = []
        by_key: dict[tuple[str, int], _CourseDemand] = {}
        self.queue: dict[tuple[int, int], _Queue] = {}
        self.demand_of_queue: dict[tuple[int, int], _CourseDemand] = {}
        for gi, g in enumerate(model.groups):
            c = model.curriculum(g.curriculum)
            for stage in range(len(c.courses) + 1):
                d = by_key.get((c.id, stage))
                if d is None:
                    course = c.courses[stage] if stage < len(c.courses) else None
                    d = _CourseDemand(c, stage, course, self.go_live_day - math.ceil(c.window_weeks * 7))
                    by_key[(c.id, stage)] = d
                    self.demands.append(d)
                q = _Queue()
                d.groups.append((gi, q, self.group_unit[gi]))
                self.queue[(gi, stage)] = q
                self.demand_of_queue[(gi, stage)] = d
        self.group_of = [gi for gi, g in enumerate(model.groups) for _ in range(g.headcount)]
        self.n_learners = len(self.group_of)
        self.first_ready_day = np.full(self.n_learners, NEVER, dtype=np.int64)
        self.trained_day = np.full(self.n_learners, NEVER, dtype=np.int64)
        self.episodes: list[list[int]] = []
        self.waiting_end_of_day = np.zeros(self.n_days, dtype=np.int64)
        self.sessions = 0
        self.no_shows = 0
        self.first_class_day: int | None = None
        self._seq = 0

    # -- processes -------------------------------------------------------------------------------
    def run(self) -> ReferenceResult:
        """Play the replication and collect its outcome."""
        learner = 0
        for gi, g in enumerate(self.model.groups):
            for _ in range(g.headcount):
                self.env.process(self._learner(learner, gi))
                learner += 1
        self.env.process(self._planner())
        self.env.process(self._monitor())
        self.env.run(until=self.n_days * self.S)
        return self._result()

    def _queue_for(self, learner: int, group: int, stage: int, ready_day: int, first_time: bool) -> _Waiting:
        # First-timers by e-learning completion (then learner number); anyone queued again,
        # or for a later course, before them, in the order they were queued for that day.
        self._seq += 1
        key = (1, ready_day, learner) if first_time else (0, ready_day, self._seq)
        entry = _Waiting(key, learner, ready_day, self.env.event(), len(self.episodes))
        self.episodes.append([learner, stage, ready_day, NEVER])
        self.queue[(group, stage)].join(entry)
        self.demand_of_queue[(group, stage)].idle_until = 0  # someone new: worth trying again
        return entry

    def _learner(self, i: int, group: int):
        """One learner: e-learning, each course (again after a no-show), self-training."""
        g = self.model.groups[group]
        cur = self.model.curriculum(g.curriculum)
        u = self.model.uncertainty
        pace = float(u.elearning_pace_hours_per_day.sample(self.rng, 1)[0])
        self_pace = float(u.self_training_pace_hours_per_day.sample(self.rng, 1)[0])
        opens = (self.site.planned_go_live - self.epoch).days - math.ceil(cur.elearning_opens_weeks_before_go_live * 7)
        if cur.elearning_hours > 0:
            ready = _working_day_done(self.working, opens, _days_for(cur.elearning_hours, pace, self.n_days)) + 1
        else:
            ready = opens
        self.first_ready_day[i] = ready
        entry = self._queue_for(i, group, 0, ready, first_time=True)
        for stage in range(len(cur.courses)):
            while True:
                booking: _Booking = yield entry.booked
                # Each booked learner decides on the day whether they come.
                if self.rng.random() < self.no_show_p:
                    self.no_shows += 1
                    wait = float(self.model.uncertainty.no_show_rebook_days.sample(self.rng, 1)[0])
                    entry = self._queue_for(i, group, stage, booking.day + 1 + math.ceil(wait), first_time=False)
                    continue
                break
            if stage + 1 < len(cur.courses):
                # Bookable for the next course from the day after this one's last day.
                entry = self._queue_for(i, group, stage + 1, booking.last_day + 1, first_time=False)
            yield self.env.timeout(booking.end - self.env.now)  # in class
        st = _days_for(cur.self_training_hours, self_pace, self.n_days)
        self_done = _working_days_after(self.working, booking.last_day, st)
        # Trained once the course is done, or once self-training is too where that gates it.
        self.trained_day[i] = self_done if self.site.readiness.self_training else booking.last_day

    def _class(self, room: simpy.Resource, request: simpy.resources.resource.Request, length: float):
        """A class holds its room for its whole length (nights and weekends included)."""
        yield self.env.timeout(length)
        room.release(request)

    def _monitor(self):
        """At the end of every day, count who could have been booked but is not in a class."""
        for day in range(self.n_days):
            yield _late(self.env, (day + 1) * self.S - 0.5 - self.env.now)
            self.waiting_end_of_day[day] = sum(
                sum(1 for w in q.waiting if w.ready_day <= day) for q in self.queue.values())

    def _open(self, d: _CourseDemand, day: int) -> bool:
        return bool(self.working[day]) and day >= self.env_ready_day and day <= self.end_day \
            and day >= d.window_open_day

    def _planner(self):
        for day in range(self.n_days):
            open_now = [d for d in self.demands if self._open(d, day)]
            if not open_now:
                continue
            for k in range(self.S):
                yield _late(self.env, day * self.S + k - self.env.now)
                if k == 0:  # once a day, when everyone queued for today has been queued
                    order = self._order(open_now, day)
                self._plan_slot(order, day, k)

    def _order(self, open_now: list[_CourseDemand], day: int) -> list[_CourseDemand]:
        """Open courses in scheduling-policy order; equal ranks take turns by day."""
        def rank(d: _CourseDemand) -> tuple:
            kind = 0 if d.curriculum.kind == "super_user" else 1
            if self.model.scheduling_policy == "largest_backlog":
                return (-sum(len(q.ready(day)) for _, q, _ in d.groups), kind, -d.stage)
            return (kind, -d.stage)  # one site: earliest go-live and site order agree

        ranked = sorted(open_now, key=rank)
        out: list[_CourseDemand] = []
        i = 0
        while i < len(ranked):
            j = i
            while j < len(ranked) and rank(ranked[j]) == rank(ranked[i]):
                j += 1
            tied = ranked[i:j]
            turn = day % len(tied)
            out.extend(tied[turn:] + tied[:turn])
            i = j
        return out

    # -- booking -----------------------------------------------------------------------------------
    def _free_rooms(self) -> list[int]:
        # int(): SimPy types capacity as float | int for all resources; a Resource's is an int.
        return [int(room.capacity) - room.count for room, _ in self.venues]

    def _plan_slot(self, order: list[_CourseDemand], day: int, k: int) -> None:
        now = float(day * self.S + k)
        load = self.unit_load.setdefault(day, [0] * len(self.unit_cap))
        for d in order:
            if d.course is None:  # the engine's refresher: nobody is ever queued for it
                continue
            n = d.course.slots
            if day < d.idle_until or (n <= self.S and k + n > self.S) or (n > self.S and k != 0):
                continue
            if not any(self._free_rooms()):
                return  # the site is full for this slot
            if self._fill(d, day, now, load):
                return

    def _fill(self, d: _CourseDemand, day: int, now: float, load: list[int]) -> bool:
        """Book what one course can now; True when no instructor is left in this slot."""
        course = d.course
        assert course is not None
        left: dict[int, int] = {}
        per_group: list[tuple[_Queue, list[_Waiting]]] = []
        capped = False
        for _, q, unit in d.groups:
            ready = q.ready(day)
            space = left.get(unit, self.unit_cap[unit] - load[unit])
            take = max(0, min(len(ready), space))
            capped |= take < len(ready)
            left[unit] = space - take
            per_group.append((q, ready[:take]))
        total = sum(len(r) for _, r in per_group)
        upcoming = [n for _, q, _ in d.groups if (n := q.next_ready_day(day)) is not None]
        if total == 0:
            d.idle_until = day + 1 if capped else min(upcoming, default=NEVER)
            return False
        free = self._free_rooms()
        sizes_by_venue = [(f, min(course.max_class, seats)) for f, (_, seats) in zip(free, self.venues) if f]
        hold = not capped
        soon = any(n <= day + self.model.operations.booking_horizon_days for n in upcoming)
        if self._how_many(total, sizes_by_venue, sum(free), hold, soon, course) == 0:
            d.idle_until = max(day + 1, min(upcoming, default=day + 1))
            return False
        last_day, end = self._end_of(day, now, course.slots)
        if course.slots > self.S and last_day > self.end_day:
            d.idle_until = NEVER  # a multi-day class would not end within the horizon
            return False
        teachers = [t for t in self.instructors if t.certified_day <= day and t.busy_until <= now]
        if not teachers:
            return True
        teachers.sort(key=lambda t: (t.taught_slots, t.index))
        n = self._how_many(total, sizes_by_venue, min(sum(free), len(teachers)), hold, soon, course)
        seats = [size for f, size in sizes_by_venue for _ in range(f)][:n]
        want = min(total, sum(seats))
        shares = _proportional([len(r) for _, r in per_group], want)
        members: list[_Waiting] = []
        for (q, ready), share in zip(per_group, shares):
            q.take(ready[:share])
            members.extend(ready[:share])
        # Fill classes one after another, in venue order; the last may be partly empty.
        classes: list[list[_Waiting]] = []
        pos = 0
        for size in seats:
            if pos >= len(members):
                break
            classes.append(members[pos:pos + size])
            pos += size
        free_left = list(free)
        for klass, teacher in zip(classes, teachers):
            v = next(i for i, f in enumerate(free_left) if f)
            free_left[v] -= 1
            room = self.venues[v][0]
            request = room.request()  # granted at once: the room is free
            self.env.process(self._class(room, request, end - now))
            # Preparation after the day's last slot happens overnight.
            teacher.busy_until = min(end + teacher.prep_slots, math.ceil(end / self.S) * self.S)
            teacher.taught_slots += course.slots
            units = [0] * len(self.unit_cap)
            for w in klass:
                self.episodes[w.episode][3] = day
                units[self.group_unit[self.group_of[w.learner]]] += 1
                w.booked.succeed(_Booking(day, last_day, end))
            for span_day in range(day, last_day + 1):
                if span_day == day or self.working[span_day]:
                    row = self.unit_load.setdefault(span_day, [0] * len(self.unit_cap))
                    for u_, count in enumerate(units):
                        row[u_] += count
        self.sessions += len(classes)
        if self.first_class_day is None:
            self.first_class_day = day
        return False

    def _how_many(self, total: int, sizes_by_venue: list[tuple[int, int]], limit: int, hold: bool,
                  soon: bool, course: Course) -> int:
        """Classes for ``total`` learners, at most ``limit``; the last is held back when it
        would be below the minimum, caps did not limit it (``hold``) and more come ``soon``."""
        n, seated, last = 0, 0, 0
        for size in [size for rooms, size in sizes_by_venue for _ in range(rooms)][:limit]:
            if seated >= total:
                break
            n += 1
            last = min(size, total - seated)
            seated += size
        if n and hold and last < course.min_class and soon:
            n -= 1
        return n

    def _end_of(self, day: int, now: float, slots: int) -> tuple[int, float]:
        """Last day and end time (slots) of a class starting now: within the day if it
        fits, else from the first slot over the following working days."""
        if slots <= self.S:
            return day, now + slots
        days = math.ceil(slots / self.S)
        last = _working_day_done(self.working, day, days)
        return last, float(last * self.S + slots - (days - 1) * self.S)

    # -- outcome -----------------------------------------------------------------------------------
    def _result(self) -> ReferenceResult:
        eve = self.go_live_day - 1
        trained = self.trained_day
        n = self.n_learners
        got = int(np.count_nonzero(trained <= eve))
        met = np.where(trained <= self.end_day, trained, NEVER)

        def kth(share: float) -> int | None:
            k = max(math.ceil(share * n - 1e-9), 1)
            day = int(np.sort(met)[k - 1])
            return None if day >= NEVER else day

        def date(day: int | None) -> dt.date | None:
            return None if day is None else self.epoch + dt.timedelta(days=day)

        share = self.site.readiness.share
        done = kth(share)
        outcome = ReferenceOutcome(
            site=self.site.id, go_live=self.site.go_live, staff_required=n, trained_at_go_live=got,
            share_trained=got / n if n else 1.0,
            ready=got >= (max(math.ceil(share * n - 1e-9), 1) if n else 0),
            completion_date=date(done), slack_days=None if done is None else self.go_live_day - done,
            date_95=date(kth(0.95)), first_class_date=date(self.first_class_day),
            sessions_run=self.sessions, no_shows=self.no_shows)
        return ReferenceResult(outcome, self.epoch, self.n_days, self.first_ready_day.copy(), trained.copy(),
                               np.array(self.episodes, dtype=np.int64).reshape(-1, 4), self.waiting_end_of_day)


def run_reference(model: ModelSpec, seed: int) -> ReferenceResult:
    """Play one replication of a core model with the reference implementation.

    Raises ValueError when the model uses a feature outside the core (see the module
    docstring). The same model and seed always give the same result.
    """
    return _Rollout(model, seed).run()


# -- the continuous-time single queue ------------------------------------------------------------
@dataclass(frozen=True)
class SingleQueueRun:
    """One run of :func:`run_single_queue`; times in days from the start.

    ``queue_area`` is the integral over time of the number of learners waiting (ready,
    not yet in class), accumulated by the dispatcher as the queue changed; ``end`` is the
    time the last learner's class started (the queue is empty before the first arrival
    and after ``end``).
    """

    arrival: np.ndarray
    start: np.ndarray
    queue_area: float
    end: float


class _SingleQueue:
    """Learners who become ready as a Poisson stream, each taking a class of one with
    an exponential length; ``servers`` instructors (and as many rooms); every day is a
    working day and time is continuous, so a class starts as soon as a learner and an
    instructor are both free."""

    def __init__(self, servers: int, arrival_rate: float, service_rate: float, learners: int, seed: int) -> None:
        if servers < 1 or arrival_rate <= 0 or service_rate <= 0 or learners < 1:
            raise ValueError("need servers >= 1, positive rates and at least one learner")
        self.env = simpy.Environment()
        self.rng = np.random.default_rng(seed)
        self.lam, self.mu, self.n = arrival_rate, service_rate, learners
        self.queue = _Queue()
        self.instructors = [_Instructor(i, 0, 0) for i in range(servers)]
        self.rooms = simpy.Resource(self.env, servers)
        self.arrival = np.full(learners, np.nan)
        self.start = np.full(learners, np.nan)
        self.area, self.last_change, self.end = 0.0, 0.0, 0.0

    def run(self) -> SingleQueueRun:
        self.env.process(self._arrivals())
        self.env.run()  # until every learner has been taught: no event is left
        return SingleQueueRun(self.arrival, self.start, self.area, self.end)

    def _arrivals(self):
        for i in range(self.n):
            yield self.env.timeout(self.rng.exponential(1 / self.lam))
            self.env.process(self._learner(i))

    def _waiting_changes(self) -> None:
        # Integral of the queue length: the length times how long it has been so.
        now = self.env.now
        self.area += len(self.queue.waiting) * (now - self.last_change)
        self.last_change = now

    def _learner(self, i: int):
        """One learner: ready now, waits for a free instructor and room, attends, leaves."""
        now = self.env.now
        self.arrival[i] = now
        self._waiting_changes()
        entry = _Waiting((1, now, i), i, 0, self.env.event(), i)
        self.queue.join(entry)
        self._dispatch()
        teacher: _Instructor = yield entry.booked
        request = self.rooms.request()
        yield request
        yield self.env.timeout(self.rng.exponential(1 / self.mu))
        self.rooms.release(request)
        teacher.busy_until = 0.0  # free again (busy_until = inf while teaching)
        self._dispatch()

    def _dispatch(self) -> None:
        """Start classes while a learner waits and an instructor is free (first come,
        first served; the least-used instructor first, as in the slot mode)."""
        while self.queue.waiting:
            free = [t for t in self.instructors if t.busy_until <= self.env.now]
            if not free:
                return
            teacher = min(free, key=lambda t: (t.taught_slots, t.index))
            first = self.queue.waiting[0]
            self._waiting_changes()
            self.queue.take([first])
            teacher.busy_until = math.inf
            teacher.taught_slots += 1
            self.start[first.learner] = self.env.now
            self.end = self.env.now
            first.booked.succeed(teacher)


def run_single_queue(servers: int, arrival_rate: float, service_rate: float, learners: int,
                     seed: int) -> SingleQueueRun:
    """The reference's continuous-time mode: an M/M/c queue for one course.

    ``learners`` become ready one after another with exponential gaps (rate
    ``arrival_rate`` a day), each needs a class of one lasting an exponential time (rate
    ``service_rate`` a day), taught by one of ``servers`` instructors in one of as many
    rooms, on a 7-day week with no slots. The run ends when everyone has been taught.
    """
    return _SingleQueue(servers, arrival_rate, service_rate, learners, seed).run()
