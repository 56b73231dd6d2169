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

from dataclasses import dataclass

import numpy as np

from sim.engine import kernel


@dataclass
class QueueStore:
    """The arrays of every queue of one replication (index ``q`` = queue number); the
    rows and columns are named in sim/engine/kernel.py (``INIT_*``, ``Q_*``, ``B_*``, ``E_*``).

    Buckets run over days 0 .. ``n_buckets - 2``; the last bucket holds every batch
    ready on a later day (never released, and reported as ready on that bucket's day,
    which is past any day the planner asks about; see :func:`new_store`).
    """

    init: np.ndarray  # learners known at the start: id, ready day, leave day
    state: np.ndarray  # per queue: its slice of init, cursors and counts
    buckets: np.ndarray  # per queue and day: first and last entry, and how many
    entries: np.ndarray  # per entry: learner, next entry, whether it ends its batch
    free: np.ndarray  # [0]: head of the list of unused entries

    def arrays(self) -> tuple[np.ndarray, ...]:
        """The arrays in field order, as the compiled functions take them."""
        return (self.init, self.state, self.buckets, self.entries, self.free)


def new_store(queue: np.ndarray, ready: np.ndarray, n_queues: int, n_buckets: int, leave_day: np.ndarray,
              entries: int) -> QueueStore:
    """``n_queues`` queues, learner ``i`` waiting in ``queue[i]`` from day ``ready[i]`` at
    the start (-1: in none), with ``n_buckets`` day buckets and room for ``entries``
    learners queued at once in batches (each learner waits in at most one queue at a
    time, so the number of learners is enough)."""
    ready = ready.astype(np.int64, copy=False)
    # By queue, then ready day, ties by id. Days from the last bucket's on are never
    # released and are past any day the planner compares them with: their order is moot.
    ids = kernel.queue_order(queue.astype(np.int64, copy=False), ready, n_queues, n_buckets - 1)
    sizes = np.bincount(queue[ids], minlength=n_queues).astype(np.int64)
    end = np.cumsum(sizes)
    state = np.zeros((n_queues, kernel.N_QUEUE_STATE), np.int64)
    state[:, kernel.Q_START] = state[:, kernel.Q_PTR] = state[:, kernel.Q_REL] = end - sizes
    state[:, kernel.Q_END] = end
    state[:, kernel.Q_DAY] = -1
    state[:, kernel.Q_PENDING_MIN] = kernel.NONE
    buckets = np.full((3, n_queues, n_buckets), -1, np.int64)
    buckets[kernel.B_COUNT] = 0
    table = np.zeros((3, entries), np.int64)
    table[kernel.E_NEXT] = np.arange(1, entries + 1)
    table[kernel.E_NEXT, -1:] = -1
    return QueueStore(init=np.stack([ids, ready[ids], leave_day[ids].astype(np.int64)]),
                      state=state, buckets=buckets, entries=table, free=np.array([0 if entries else -1], np.int64))
