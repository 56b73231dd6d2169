"""Learners waiting for one course, per staff group, released as they become ready.

A :class:`GroupQueue` holds a group's learners for one stage of its curriculum (a
course, or the refresher). Learners arrive with the day from which they may be booked;
those known at the start sit in a sorted array (no per-learner Python work), later
arrivals (rebookings, the next course) come in batches on a heap. A batch is a numpy
array or, for the many tiny ones (a class's absentees, a few per ready day), a plain
list: a numpy call on two learners costs more than a Python loop over them.
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
        order = ready_day.argsort(kind="stable")
        self._ids = ids[order].astype(np.int64)
        # The leave days of the sorted learners, looked up once per leave_day array given
        # to take() (a learner's leave day is fixed when drawn): a slice, not a gather, per take.
        self._leave_of: np.ndarray | None = None
        self._leave_sorted = _EMPTY
        self._ready = ready_day[order]
        self._ready_list = self._ready.tolist()  # bisect on a list beats numpy for one value
        self._ptr = 0  # learners before this index of the sorted array were taken
        self._released = 0  # learners before this index are ready on the current day
        self._batches: list[tuple[int, int, np.ndarray | list[int]]] = []  # heap of (ready_day, seq, ids)
        self._seq = itertools.count()
        self._ready_batches: deque[np.ndarray | list[int]] = deque()
        self._ready_count = 0
        self._day = -(10**9)

    def add(self, ids: np.ndarray | list[int], ready_day: int) -> None:
        """Queue learners (an array, or a list of ids) who may be booked from ``ready_day`` on."""
        if len(ids):
            heapq.heappush(self._batches, (int(ready_day), next(self._seq), ids))
            if ready_day <= self._day:
                self._release(self._day)

    def _release(self, day: int) -> None:
        self._day = day
        self._released = bisect.bisect_right(self._ready_list, day)
        while self._batches and self._batches[0][0] <= day:
            batch = heapq.heappop(self._batches)[2]
            self._ready_batches.append(batch)
            self._ready_count += len(batch)

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
        """Remove and return up to ``k`` learners ready on ``day``, dropping those who left
        (``leave_day`` by learner id; the same values on every call)."""
        self.available(day)
        out: list[np.ndarray | list[int]] = []
        got = 0
        while got < k and (self._ready_batches or self._ptr < self._released):
            if self._ready_batches:
                batch = self._ready_batches.popleft()
                self._ready_count -= len(batch)
                if isinstance(batch, list):
                    batch = [i for i in batch if leave_day[i] > day]
                else:
                    batch = batch[leave_day[batch] > day]
                if len(batch) > k - got:
                    rest = batch[k - got:]
                    self._ready_batches.appendleft(rest)
                    self._ready_count += len(rest)
                    batch = batch[: k - got]
            else:
                if leave_day is not self._leave_of:
                    self._leave_of, self._leave_sorted = leave_day, leave_day[self._ids]
                stop = min(self._released, self._ptr + (k - got))
                batch = self._ids[self._ptr:stop]
                stays = self._leave_sorted[self._ptr:stop] > day
                self._ptr = stop
                if np.count_nonzero(stays) < stays.size:
                    batch = batch[stays]
            if len(batch):
                out.append(batch)
                got += len(batch)
        if len(out) == 1:
            return out[0] if isinstance(out[0], np.ndarray) else np.array(out[0], dtype=np.int64)
        return np.concatenate(out, dtype=np.int64) if out else _EMPTY
