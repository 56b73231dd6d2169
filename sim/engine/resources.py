"""The teaching capacity of one replication: classrooms (venues) and instructors.

Each :class:`VenueRooms` counts its free rooms; a batch of classes takes rooms at once
and a single SimPy timeout gives them back when the classes end. The :class:`InstructorRoster` knows, for
every instructor, when they are certified, which sites they serve on a given day
(loans), when they are next free and whether they are off sick today.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import simpy

from sim.engine.world import World
from sim.model.spec import ModelSpec


class VenueRooms:
    """A venue's classrooms: how many are free, and SimPy events that free them."""

    def __init__(self, env: simpy.Environment, index: int, rooms: int, seats: int) -> None:
        self.env = env
        self.index = index
        self.seats = seats
        self.capacity = rooms
        self.free = rooms

    def hold(self, count: int, duration: float) -> None:
        """Take ``count`` rooms now and give them back after ``duration`` slots.

        The session end is one SimPy event (a timeout whose callback frees the rooms), so
        a batch of classes costs one event however many learners it has.
        """
        if count > self.free:
            raise RuntimeError(f"venue {self.index}: {count} rooms asked, {self.free} free")
        self.free -= count
        self.env.timeout(duration).callbacks.append(lambda _event: self._give_back(count))

    def _give_back(self, count: int) -> None:
        self.free += count


class InstructorRoster:
    """Availability of every instructor, as arrays indexed by instructor number."""

    def __init__(self, model: ModelSpec, world: World) -> None:
        site_index = {sw.site.id: sw.index for sw in world.sites}
        n_sites = len(world.sites)
        pool: list[int] = []  # the pool of each instructor
        certified: list[int] = []
        base: list[np.ndarray] = []  # the sites each instructor serves
        prep: list[int] = []
        self.loans: list[tuple[np.ndarray, int, int, int]] = []  # (instructors, site, first, last day)
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
                self.loans.append((np.array(ids, dtype=np.int64), site_index[loan.to_site],
                                   (loan.start - world.epoch).days, (loan.end - world.epoch).days))
        self.pool = np.array(pool, dtype=np.int32)
        self.certified_day = np.array(certified, dtype=np.int64)
        self.prep_slots = np.array(prep, dtype=np.float64)
        self.any_prep = bool(self.prep_slots.any())
        self._base = np.array(base, dtype=bool).reshape(len(pool), n_sites)
        self.busy_until = np.zeros(len(pool), dtype=np.float64)  # slot time when free again
        # Day their health was drawn; a list, as it is read a few instructors at a time.
        self.checked_day = [-1] * len(pool)
        self.taught_slots = np.zeros(len(pool), dtype=np.int64)
        self.serves = self._base
        self._day = -1

    @property
    def count(self) -> int:
        """Number of instructors."""
        return int(self.pool.size)

    def start_day(self, day: int) -> None:
        """Work out who serves which site today (loans move instructors)."""
        self._day = day
        serves = self._base
        for ids, site, first, last in self.loans:
            if first <= day <= last:
                if serves is self._base:
                    serves = self._base.copy()
                serves[ids] = False
                serves[ids, site] = True
        self.serves = serves
        self._duty: dict[int, np.ndarray] = {}

    def on_duty(self, site: int) -> np.ndarray:
        """Instructors certified and assigned to ``site`` today (busy or not)."""
        found = self._duty.get(site)
        if found is None:
            found = self._duty[site] = self.serves[:, site] & (self.certified_day <= self._day)
        return found

    def free(self, site: int, now: float) -> np.ndarray:
        """Instructor numbers who could teach at ``site`` now, least used first."""
        ok = self.on_duty(site) & (self.busy_until <= now)  # an instructor off sick is busy all day
        ids = ok.nonzero()[0]
        if ids.size > 1:
            ids = ids[self.taught_slots[ids].argsort(kind="stable")]  # the method: np.argsort's wrapper costs more here
        return ids
