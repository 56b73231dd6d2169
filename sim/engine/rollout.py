"""The discrete-event engine: one replication of the rollout.

SimPy is the clock and the process model: a planner process and one process per
go-live decision (a postponement). The planner's rules (who is booked into which
class, in which room, with which instructor, slot by slot) run in a compiled kernel
(sim/engine/kernel.py) over the days up to the next decision; learners are rows of
numpy arrays and queues of learner ids (sim/engine/queues.py). Simulation time is
counted in teaching *slots* (``slots_per_day`` per day); day numbers come from the
world's epoch. This module sets up the kernel's arrays, runs the processes and reads
the counts back.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import simpy
from simpy.events import NORMAL, EventPriority

from sim.engine import kernel
from sim.engine.fields import SESSION_FIELDS, WEEKLY_FIELDS
from sim.engine.layout import layout_of
from sim.engine.learners import NEVER, Learners
from sim.engine.queues import new_store
from sim.engine.resources import InstructorRoster
from sim.engine.streams import RandomStreams
from sim.engine.world import SiteWorld, World
from sim.model.spec import ModelSpec

_POLICIES = {"earliest_go_live": kernel.POLICY_EARLIEST, "largest_backlog": kernel.POLICY_BACKLOG}
# The distribution each random buffer is drawn from, by buffer (None: uniform on [0, 1)).
_STREAMS = {kernel.ATTENDANCE: "attendance", kernel.INSTRUCTOR_SICK: "instructor_sick",
            kernel.PROFICIENCY: "proficiency", kernel.NO_SHOW_WAIT: "no_show_wait", kernel.SICK_WAIT: "sick_wait"}


@dataclass
class SiteCounters:
    """What happened at one site, counted as the replication runs."""

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
    first_class_slot: float | None = None


# The kernel counts in this order (kernel.C_RUN ...).
_COUNTER_FIELDS = tuple(f.name for f in fields(SiteCounters))[:kernel.N_COUNTERS]


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
        lay = self.layout = layout_of(model)  # the model's structure, shared by its replications
        self.group_unit, self.unit_cap = lay.group_unit, lay.unit_cap
        self.demands = lay.demands
        self._monday_offset = world.epoch.weekday()
        self._refresh_queued = np.zeros(learners.count, dtype=bool)
        self._open_days()
        # Batches ready after the horizon (plus the booking horizon, which the planner looks
        # ahead) share the last bucket: see queues.QueueStore.
        stage_0 = lay.queue_of[:, 0][learners.group]
        self._queues = new_store(stage_0, learners.first_ready_day, lay.n_queues,
                                 world.n_days + model.operations.booking_horizon_days + 1, learners.leave_day,
                                 learners.count + 1)
        self._streams(streams)
        self._arrays(model)

    # -- set-up --------------------------------------------------------------------------------
    def _open_days(self) -> None:
        """Which courses are open for booking on which day: a working day of the site, the
        training environment ready, inside the window of the go-live aimed at that day,
        and not past the site's horizon. Known in advance, so the planner visits only days
        on which something is open."""
        sites, n_days = self.world.sites, self.world.n_days
        targets = np.empty((len(sites), n_days), dtype=np.int64)
        for sw in sites:
            for start, go_live in sw.targets:
                targets[sw.index, start:] = go_live
        site, window = self.layout.demand_arrays[0], self.layout.demand_window
        working = np.stack([sw.calendar.is_working[:n_days] for sw in sites])
        days = np.arange(n_days)
        ready = np.array([sw.env_ready_day for sw in sites], dtype=np.int64)[site, None]
        end = np.array([sw.end_day for sw in sites], dtype=np.int64)[site, None]
        self._open = working[site] & (days >= ready) & (days <= end) & (days >= targets[site] - window[:, None])
        self._targets = targets
        self._working = working

    def _streams(self, streams: RandomStreams) -> None:
        """Random buffers per site, and how many draws a day can take from each at most."""
        u = self.model.uncertainty
        n_sites = len(self.world.sites)
        made = streams.get_many([(_STREAMS[j], "site", sw.site.id, "") for sw in self.world.sites
                                 for j in range(kernel.N_BUFFERS)])
        self._rng = [made[s * kernel.N_BUFFERS:(s + 1) * kernel.N_BUFFERS] for s in range(n_sites)]
        self._draw = {kernel.NO_SHOW_WAIT: u.no_show_rebook_days, kernel.SICK_WAIT: u.learner_sick_days}
        self._pass_p = [c.proficiency.pass_probability.sample(streams.get("rates", "curriculum", c.id, "pass"), 1)[0]
                        if c.proficiency else 1.0 for c in self.model.curricula]
        seats = self.layout.site_seats
        need = np.empty((n_sites, kernel.N_BUFFERS), dtype=np.int64)
        for s in range(n_sites):
            # Every learner booked today draws at most once from each learner buffer; each
            # instructor's health is drawn at most once a day.
            need[s] = self.S * seats[s]
            need[s, kernel.INSTRUCTOR_SICK] = self.roster.count
        # Each refill tops a buffer up to need + chunk. Uniform draws are cheap: large
        # chunks, so the kernel stops for a refill rarely. A wait is drawn from its
        # distribution (dearer) for absentees only: small chunks, not thousands unused.
        self._fill_to = need + np.maximum(3 * need, 4096)
        for j in self._draw:
            self._fill_to[:, j] = 2 * need[:, j] + 256
        capacity = int(self._fill_to.max())
        self._rb = (np.zeros((n_sites, kernel.N_BUFFERS, capacity)), np.zeros((n_sites, kernel.N_BUFFERS), np.int64),
                    np.zeros((n_sites, kernel.N_BUFFERS), np.int64), need)

    def _refill(self) -> None:
        """Top up every buffer that a day could run dry, keeping the draws in order."""
        buf, pos, filled, need = self._rb
        for s, j in zip(*np.nonzero(filled - pos < need)):
            left = int(filled[s, j] - pos[s, j])
            buf[s, j, :left] = buf[s, j, pos[s, j]:filled[s, j]]
            top = int(self._fill_to[s, j])
            rng, dist = self._rng[s][j], self._draw.get(int(j))
            buf[s, j, left:top] = rng.random(top - left) if dist is None else dist.sample(rng, top - left)
            pos[s, j], filled[s, j] = 0, top

    def _arrays(self, model: ModelSpec) -> None:
        """The tuples of arrays the kernel works on, by position (the kernel reads them so):

        - ST, per site: 0 start of its venues in 1 (venue numbers); 2 rooms; 3 number of
          its group of venue-sharing sites; 4 whether it shares; 5 start of the group's
          venues in 6; 7 go-live day; 8 last day simulated; 9 no-show probability;
          10 probability of being absent; 11 instructor sick probability; 12 whether
          self-training gates "trained"; 13 working days (site x day); 14 working days
          before each day; 15 the working days, padded with n_days; 16 their number.
        - VN, per venue: 0 free rooms; 1-3 end, venue and rooms of each batch holding
          rooms; 4 [0] number of such batches.
        - DM, per course (demand): 0 site; 1 curriculum; 2 stage; 3 slots; 4 refresher?;
          5 smallest class; 6 0 super-users, 1 end-users; 7 class size per site venue;
          8 start of its groups in 9-11 (queue, unit, group); 12 idle until (day);
          13 largest class; 14 open (day x course); 15 go-live aimed at (day x site);
          16, 17 queue and course of (group, stage).
        - LN, per learner: 0 group; 1 leave day; 2 self-training days; 3 trained day;
          4 self-trained day; 5 refresher day; 6 queued for a refresher.
        - Q: queues.QueueStore; IN: resources.InstructorRoster.arrays; UN: 0 units' daily
          limits, 1 learners in class (day x unit); CU, per curriculum: 0 pass
          probability; 1 has a check; 2 attempts; 3 days between; 4 courses.
        - OUT: counters (site x kernel.C_*), first class slot, weekly counts, sessions
          table, its length; RB: random buffers (site x buffer x draw), position, filled,
          draws a day may need.
        """
        world, L, lay, demands = self.world, self.learners, self.layout, self.demands
        sites = world.sites
        n_sites, n_days = len(sites), world.n_days
        calendars = [sw.calendar for sw in sites]
        w_count = np.array([int(c.is_working.sum()) for c in calendars], np.int64)
        wpad = np.full((n_sites, int(w_count.max(initial=0)) + 1), n_days, np.int64)
        for s, c in enumerate(calendars):
            wpad[s, :w_count[s]] = np.flatnonzero(c.is_working)
        ST = (*lay.site_arrays,
              np.array([sw.go_live_day for sw in sites], np.int64), np.array([sw.end_day for sw in sites], np.int64),
              np.array([sw.no_show_p for sw in sites]),
              # A learner is absent (no-show or sick) below this draw: see kernel._book.
              np.array([max(sw.no_show_p, sw.no_show_p + (1 - sw.no_show_p) * sw.learner_sick_p) for sw in sites]),
              np.array([sw.instructor_sick_p for sw in sites]),
              np.array([sw.site.readiness.self_training for sw in sites], bool),
              self._working, np.stack([c.working_ordinal[:n_days] for c in calendars]), wpad, w_count)
        total_rooms = int(lay.venue_rooms.sum())
        VN = (lay.venue_rooms.copy(), np.zeros(total_rooms + 1), np.zeros(total_rooms + 1, np.int64),
              np.zeros(total_rooms + 1, np.int64), np.zeros(1, np.int64))
        DM = (*lay.demand_arrays,
              np.zeros(len(demands), np.int64),  # idle until: no learner can be booked before this day
              lay.largest_class, np.ascontiguousarray(self._open.T), np.ascontiguousarray(self._targets.T),
              lay.queue_of, lay.demand_of)
        self._idle_until = DM[12]
        LN = (L.group, L.leave_day, L.self_training_days, L.trained_day, L.self_trained_day, L.refresh_day,
              self._refresh_queued)
        UN = (self.unit_cap, np.zeros((n_days + 1, self.unit_cap.size), np.int64))
        CU = (np.array(self._pass_p, np.float64), *lay.curriculum_arrays)
        n_weeks = self.week_of(n_days - 1) + 1
        self._counts = np.zeros((n_sites, kernel.N_COUNTERS), np.int64)
        self._first_slot = np.full(n_sites, -1.0)
        self._weekly = np.zeros((n_sites, len(WEEKLY_FIELDS), n_weeks), np.int64)
        self._sessions = np.zeros((0, len(SESSION_FIELDS)))
        self._n_sessions = np.zeros(1, np.int64)
        consts = np.zeros(kernel.N_CONSTS, np.int64)
        consts[kernel.K_S] = self.S
        consts[kernel.K_POLICY] = _POLICIES.get(model.scheduling_policy, kernel.POLICY_BY_SITE)
        consts[kernel.K_BY_SITE] = model.venue_sharing == "by_site"
        consts[kernel.K_HORIZON] = model.operations.booking_horizon_days
        consts[kernel.K_ANY_PREP] = self.roster.any_prep
        consts[kernel.K_MONDAY] = self._monday_offset
        consts[kernel.K_MAX_MEMBERS] = max(lay.site_seats + [1])
        consts[kernel.K_ROOMS] = total_rooms
        self._consts = consts
        self._parts = (consts, ST, VN, DM, LN, self._queues.arrays(), self.roster.arrays, UN, CU)
        self._scratch = kernel.scratch(consts, DM, self.roster.arrays, self.unit_cap.size, n_sites)

    # -- running -------------------------------------------------------------------------------
    def run(self, sessions: bool = True) -> None:
        """Run the replication to the end of the horizon (``sessions``: also record the
        table of class sessions, :meth:`session_table`)."""
        self._consts[kernel.K_RECORD] = sessions
        for sw in self.world.sites:
            for decided, go_live in sw.targets[1:]:
                self.env.process(self._decision(sw, decided, go_live))
        self.env.process(self._planner())
        self.env.run(until=self.world.n_days * self.S)

    def _planner(self):
        """Plan the open days in stretches that end where a decision is taken: the
        decision's SimPy event comes first on its day (it was scheduled first)."""
        open_days = np.flatnonzero(self._open.any(axis=0)).astype(np.int64)
        stops = sorted({d for sw in self.world.sites for d, _ in sw.targets[1:]} | {self.world.n_days})
        first = 0
        for stop in stops:
            while first < open_days.size and open_days[first] < stop:
                if self.env.now < open_days[first] * self.S:
                    yield self.env.timeout(open_days[first] * self.S - self.env.now)
                first = self._plan(open_days, first, stop)
            if stop < self.world.n_days:
                yield self.env.timeout(stop * self.S - self.env.now)
                yield self.env.timeout(0)  # the decisions of that instant go first

    def _plan(self, open_days: np.ndarray, first: int, stop: int) -> int:
        """Run the kernel from ``open_days[first]`` until ``stop`` or until it asks for
        more random numbers or session rows; returns where to go on from."""
        out = (self._counts, self._first_slot, self._weekly, self._sessions, self._n_sessions)
        resume = kernel.plan(*self._parts, out, self._rb, self._scratch, open_days, first, stop)
        if resume == kernel.DONE:
            return int(np.searchsorted(open_days, stop))
        self._refill()
        rows_left = self._sessions.shape[0] - int(self._n_sessions[0])
        if self._consts[kernel.K_RECORD] and rows_left < self._consts[kernel.K_ROOMS] * self.S:
            grown = np.zeros((max(2 * self._sessions.shape[0], 1024), len(SESSION_FIELDS)))
            grown[:self._sessions.shape[0]] = self._sessions
            self._sessions = grown
        return resume

    def _decision(self, sw: SiteWorld, day: int, go_live: int):
        """A go-live is moved: staff whose training will be stale by then need a refresher."""
        yield self.env.timeout(day * self.S)
        L = self.learners
        # Learners are drawn group by group, so a group's are one slice: only the site's
        # groups are looked at (a mask over every learner made decisions grow with the
        # square of the model's size).
        start = np.searchsorted(L.group, np.arange(len(self.model.groups) + 1))
        for di, d in enumerate(self.demands):
            if d.site != sw.index or not d.is_refresher:
                continue
            batches = []
            for gi in d.groups:
                g = slice(start[gi], start[gi + 1])
                trained, refreshed = L.trained_day[g], L.refresh_day[g]
                last = np.where(refreshed != NEVER, refreshed, trained)
                # Training is current through last + valid days; it must still be on the eve of go-live.
                stale = ((trained != NEVER) & (last + d.valid_days < go_live - 1) & (L.leave_day[g] > day)
                         & ~self._refresh_queued[g])
                ids = start[gi] + np.flatnonzero(stale)
                self._refresh_queued[ids] = True  # a second move before the refresher queues nobody twice
                batches.append(ids)
            kernel.queue_batches(self._parts[3], self._parts[5], np.array(d.queues, np.int64),
                                 np.concatenate([[0], np.cumsum([b.size for b in batches])]).astype(np.int64),
                                 np.concatenate(batches).astype(np.int64), day)
            self._idle_until[di] = 0

    # -- read-out ------------------------------------------------------------------------------
    @property
    def counters(self) -> list[SiteCounters]:
        """What happened at each site, in model order (as counted so far)."""
        out = []
        for s in range(len(self.world.sites)):
            c = SiteCounters(*self._counts[s].tolist())
            c.first_class_slot = None if self._first_slot[s] < 0 else float(self._first_slot[s])
            out.append(c)
        return out

    @property
    def weekly(self) -> np.ndarray:
        """Counts per site, :data:`WEEKLY_FIELDS` and calendar week from the epoch's
        Monday, shape (sites, fields, weeks)."""
        return self._weekly

    def week_of(self, day: int) -> int:
        """The calendar week (Monday to Sunday) of a day, counted from the epoch's week."""
        return (day + self._monday_offset) // 7

    def session_table(self) -> np.ndarray:
        """Every class session run, one row each, columns :data:`SESSION_FIELDS`
        (empty unless :meth:`run` recorded them)."""
        return self._sessions[:int(self._n_sessions[0])]

