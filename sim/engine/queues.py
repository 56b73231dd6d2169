"""Learners waiting for a course, per staff group, released as they become ready.

One queue holds a group's learners for one stage of its curriculum (a course, or the
refresher). Learners known at the start (stage 0) sit in a sorted array with a cursor;
later arrivals (a class's absentees, the next course, a failed check, a refresher) come
in batches, each with the day from which its learners may be booked. A batch is kept in
a bucket of its ready day, as a linked list of entries, so that releasing, counting and
taking cost no Python work per learner and no sorting.

Order, which the results depend on: released batches first, in order of (ready day,
order added), each batch front to back; then the learners known at the start, by ready
day (ties by id). Leavers are dropped when taken; when a batch comes up, its leavers are
dropped from the whole batch at once (so they stop counting as available).

All state is numpy arrays in a :class:`QueueStore`, set up here; the functions that
release, count, add and take are compiled with the planner in sim/engine/kernel.py
(``queue_*``), which unpacks the arrays in the order of the store's fields.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from sim.engine.kernel import NONE


@dataclass
class QueueStore:
    """The arrays of every queue of one replication (index ``q`` = queue number).

    Buckets run over days 0 .. ``n_buckets - 2``; the last bucket holds every batch
    ready on a later day (never released, and reported as ready on that bucket's day,
    which is past any day the planner asks about; see :func:`new_store`).
    """

    init_ids: np.ndarray  # learners known at the start, per queue, sorted by ready day
    init_ready: np.ndarray
    init_leave: np.ndarray  # their leave days (fixed when drawn)
    start: np.ndarray  # each queue's slice of the three arrays above
    end: np.ndarray
    ptr: np.ndarray  # learners before this index were taken
    rel: np.ndarray  # learners before this index are ready on the queue's day
    day: np.ndarray  # the day the queue was last released to
    ready_count: np.ndarray  # released batch entries not yet taken
    pending: np.ndarray  # batch entries not yet released
    pending_min: np.ndarray  # the earliest bucket with pending entries (NONE: none)
    first: np.ndarray  # no released entry sits in a bucket below this
    head: np.ndarray  # (queue, bucket) -> first entry, -1 if empty
    tail: np.ndarray
    count: np.ndarray  # entries in each (queue, bucket)
    entry_id: np.ndarray  # learner of each entry
    entry_next: np.ndarray  # next entry in its bucket (or in the free list), -1 at the end
    entry_last: np.ndarray  # whether the entry ends its batch
    free: np.ndarray  # [0]: head of the list of unused entries

    def arrays(self) -> tuple[np.ndarray, ...]:
        """The arrays in field order, as the compiled functions take them."""
        return tuple(getattr(self, f.name) for f in fields(self))


def new_store(groups: list[tuple[np.ndarray, np.ndarray]], n_buckets: int, leave_day: np.ndarray,
              entries: int) -> QueueStore:
    """Queues with these initial (ids, ready days) each, ``n_buckets`` day buckets and room
    for ``entries`` learners queued at once in batches (each learner waits in at most one
    queue at a time, so the number of learners is enough)."""
    n = len(groups)
    sizes = np.array([ids.size for ids, _ in groups], dtype=np.int64)
    end = np.cumsum(sizes)
    start = end - sizes
    ids_parts, ready_parts = [], []
    for ids, ready in groups:
        order = ready.argsort(kind="stable")
        ids_parts.append(ids[order].astype(np.int64))
        ready_parts.append(ready[order].astype(np.int64))
    init_ids = np.concatenate(ids_parts) if ids_parts else np.zeros(0, np.int64)
    init_ready = np.concatenate(ready_parts) if ready_parts else np.zeros(0, np.int64)
    entry_next = np.arange(1, entries + 1, dtype=np.int64)
    entry_next[-1:] = -1
    return QueueStore(
        init_ids=init_ids, init_ready=init_ready, init_leave=leave_day[init_ids].astype(np.int64),
        start=start, end=end, ptr=start.copy(), rel=start.copy(), day=np.full(n, -1, np.int64),
        ready_count=np.zeros(n, np.int64), pending=np.zeros(n, np.int64), pending_min=np.full(n, NONE),
        first=np.zeros(n, np.int64), head=np.full((n, n_buckets), -1, np.int64),
        tail=np.full((n, n_buckets), -1, np.int64), count=np.zeros((n, n_buckets), np.int64),
        entry_id=np.zeros(entries, np.int64), entry_next=entry_next, entry_last=np.zeros(entries, np.bool_),
        free=np.array([0 if entries else -1], np.int64))
