"""Learners waiting for one course, per staff group, released as they become ready.

A :class:`GroupQueue` holds a group's learners for one stage of its curriculum (a
course, or the refresher). Learners arrive with the day from which they may be booked;
those known at the start sit in a sorted array (no per-learner Python work), later
arrivals (rebookings, the next course) come in batches on a heap.
"""
from __future__ import annotations

import bisect
import heapq
import itertools
from collections import deque

import numpy as np

_EMPTY = np.zeros(0, dtype=np.int64)


class GroupQueue:
    """The learners of one staff group waiting for one course."""

    def __init__(self, ids: np.ndarray, ready_day: np.ndarray) -> None:
        order = np.argsort(ready_day, kind="stable")
        self._ids = ids[order].astype(np.int64)
        self._ready = ready_day[order]
        self._ready_list = self._ready.tolist()  # bisect on a list beats numpy for one value
        self._ptr = 0  # learners before this index of the sorted array were taken
        self._released = 0  # learners before this index are ready on the current day
        self._batches: list[tuple[int, int, np.ndarray]] = []  # heap of (ready_day, seq, ids)
        self._seq = itertools.count()
        self._ready_batches: deque[np.ndarray] = deque()
        self._ready_count = 0
        self._day = -(10**9)

    def add(self, ids: np.ndarray, ready_day: int) -> None:
        """Queue learners who may be booked from ``ready_day`` on."""
        if ids.size:
            heapq.heappush(self._batches, (int(ready_day), next(self._seq), ids))
            if ready_day <= self._day:
                self._release(self._day)

    def _release(self, day: int) -> None:
        self._day = day
        self._released = bisect.bisect_right(self._ready_list, day)
        while self._batches and self._batches[0][0] <= day:
            batch = heapq.heappop(self._batches)[2]
            self._ready_batches.append(batch)
            self._ready_count += batch.size

    def available(self, day: int) -> int:
        """How many learners may be booked on ``day`` (leavers not yet removed)."""
        if day != self._day:
            self._release(day)
        return self._ready_count + max(self._released - self._ptr, 0)

    def next_ready_day(self) -> int | None:
        """The earliest day a learner not yet available becomes ready (None: nobody)."""
        days = []
        if max(self._released, self._ptr) < len(self._ready_list):
            days.append(self._ready_list[max(self._released, self._ptr)])
        if self._batches:
            days.append(self._batches[0][0])
        return min(days) if days else None

    def take(self, k: int, day: int, leave_day: np.ndarray) -> np.ndarray:
        """Remove and return up to ``k`` learners ready on ``day``, dropping those who left."""
        self.available(day)
        out: list[np.ndarray] = []
        got = 0
        while got < k and (self._ready_batches or self._ptr < self._released):
            if self._ready_batches:
                batch = self._ready_batches.popleft()
                self._ready_count -= batch.size
                batch = batch[leave_day[batch] > day]
                if batch.size > k - got:
                    rest = batch[k - got:]
                    self._ready_batches.appendleft(rest)
                    self._ready_count += rest.size
                    batch = batch[: k - got]
            else:
                stop = min(self._released, self._ptr + (k - got))
                batch = self._ids[self._ptr:stop]
                self._ptr = stop
                batch = batch[leave_day[batch] > day]
            out.append(batch)
            got += batch.size
        if len(out) == 1:
            return out[0]
        return np.concatenate(out) if out else _EMPTY
