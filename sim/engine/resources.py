"""The teaching capacity of one replication: classrooms (venues) and instructors.

Rooms are counted per venue: a batch of classes takes rooms at once and gives them back
when its sessions end (:func:`release_rooms`, at the start of each slot). The
:class:`InstructorRoster` sets up, for every instructor, when they are certified, which
sites they serve (loans move them for a period), their preparation time, and the arrays
the planner kernel reads and updates: when each is next free, whether their health was
drawn today and how much they have taught. Who is on duty and free is worked out by
functions compiled with the planner (sim/engine/kernel.py).
"""
from __future__ import annotations

import datetime as dt

import numpy as np

from sim.engine.kernel import free_instructors, least_used_first, on_duty, start_day
from sim.engine.layout import flat, offsets
from sim.engine.world import World
from sim.model.spec import ModelSpec


class InstructorRoster:
    """Availability of every instructor, as arrays indexed by instructor number."""

    def __init__(self, model: ModelSpec, world: World) -> None:
        site_index = {sw.site.id: sw.index for sw in world.sites}
        n_sites = len(world.sites)
        pool: list[int] = []  # the pool of each instructor
        certified: list[int] = []
        base: list[np.ndarray] = []  # the sites each instructor serves
        prep: list[int] = []
        loans: list[tuple[list[int], int, int, int]] = []  # (instructors, site, first, last day)
        for pi, p in enumerate(model.pools):
            first = len(pool)
            row = np.zeros(n_sites, dtype=bool)
            row[[site_index[s] for s in p.sites]] = True
            for _ in range(p.count):
                pool.append(pi)
                prep.append(p.prep_slots)
                certified.append(world.certified_day[p.id])
                base.append(row)
            # Loans that overlap in time get different instructors (the model file is
            # checked so that they never need more than the pool has); the first free ones.
            lent: list[tuple[list[int], dt.date, dt.date]] = []
            for loan in sorted(p.loans, key=lambda x: (x.start, x.end)):
                busy = {i for ids, start, end in lent if start <= loan.end and loan.start <= end for i in ids}
                ids = [i for i in range(first, first + p.count) if i not in busy][: loan.count]
                lent.append((ids, loan.start, loan.end))
                loans.append((ids, site_index[loan.to_site], (loan.start - world.epoch).days,
                              (loan.end - world.epoch).days))
        n = len(pool)
        self._day = -1  # the day start_day last worked out
        self.prep_slots = np.array(prep, dtype=np.float64)
        self.any_prep = bool(self.prep_slots.any())
        self.busy_until = np.zeros(n, dtype=np.float64)  # slot time when free again
        self.taught_slots = np.zeros(n, dtype=np.int64)
        base_array = np.array(base, dtype=bool).reshape(n, n_sites)
        # Who may ever serve each site: its own pools' and those lent to it, by number.
        may = [set(np.flatnonzero(base_array[:, s]).tolist()) for s in range(n_sites)]
        for ids, site, _, _ in loans:
            may[site].update(ids)
        may_lists = [sorted(m) for m in may]
        # The layout the kernel reads (IN): see kernel.on_duty, free_instructors and _staff.
        self.arrays = (
            np.array(certified, dtype=np.int64), self.prep_slots, base_array,
            offsets([ids for ids, _, _, _ in loans]), flat([ids for ids, _, _, _ in loans]),
            np.array([site for _, site, _, _ in loans], dtype=np.int64),
            np.array([first for _, _, first, _ in loans], dtype=np.int64),
            np.array([last for _, _, _, last in loans], dtype=np.int64),
            self.busy_until,
            np.full(n, -1, dtype=np.int64),  # the day each one's health was drawn
            self.taught_slots,
            np.full(n_sites, -1, dtype=np.int64),  # the day each site's on-duty list was made
            np.zeros(n_sites, dtype=np.int64),  # its length
            np.zeros((n_sites, n), dtype=np.int64),  # the list
            np.full(n, -1, dtype=np.int64),  # the site each is lent to today (-1: none)
            offsets(may_lists), flat(may_lists),
        )

    @property
    def count(self) -> int:
        """Number of instructors."""
        return int(self.busy_until.size)

    def start_day(self, day: int) -> None:
        """Work out who serves which site on ``day``."""
        start_day(self.arrays, day)
        self._day = day

    def on_duty(self, site: int) -> np.ndarray:
        """Instructors certified and assigned to ``site`` on the day started (busy or not)."""
        n = on_duty(self.arrays, site, self._day)
        return self.arrays[13][site, :n].copy()

    def free(self, site: int, now: float) -> np.ndarray:
        """Instructor numbers who could teach at ``site`` now, least used first."""
        ids = np.empty(self.count, np.int64)
        ids = ids[:free_instructors(self.arrays, site, self._day, now, ids)]
        least_used_first(ids, self.taught_slots, 0, ids.size)
        return ids
