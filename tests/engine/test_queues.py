"""Queues release learners by ready day, take them first come, drop leavers.

The queue functions are compiled (sim/engine/kernel.py); these tests call them from
Python on a store set up by sim/engine/queues.py.
"""
from __future__ import annotations

import numpy as np
import pytest

from sim.engine import kernel
from sim.engine.queues import new_store

STAYS = np.full(100, 10**9)
NO_ONE = np.zeros(0, dtype=np.int64)


class Queue:
    """One queue of a fresh store, with the compiled functions as methods."""

    def __init__(self, ids, ready, leave=STAYS, n_buckets=20) -> None:
        queue, days = np.full(100, -1), np.zeros(100, dtype=np.int64)
        queue[np.asarray(ids, dtype=np.int64)] = 0  # everyone else waits in no queue
        days[np.asarray(ids, dtype=np.int64)] = ready
        self.leave = leave
        self.store = new_store(queue, days, 1, n_buckets, leave, entries=50)
        self.Q = self.store.arrays()

    def available(self, day):
        return kernel.queue_available(self.Q, 0, day)

    def next_ready_day(self):
        day = kernel.queue_next_ready(self.Q, 0)
        return None if day == kernel.NONE else day

    def add(self, ids, ready):
        kernel.queue_add(self.Q, 0, np.asarray(ids, dtype=np.int64), ready)

    def take(self, k, day):
        out = np.empty(100, dtype=np.int64)
        n = kernel.queue_take(self.Q, 0, k, day, self.leave, out, 0)
        return out[:n].tolist()


def test_learners_become_available_on_their_ready_day():
    q = Queue(np.arange(5), [3, 1, 2, 2, 9])
    assert q.available(0) == 0
    assert q.available(2) == 3
    assert q.next_ready_day() == 3
    assert q.take(10, 2) == [1, 2, 3]
    assert q.available(2) == 0 and q.available(9) == 2


def test_added_batches_wait_for_their_day_and_come_first_once_ready():
    q = Queue(np.arange(3), [0, 0, 0])
    q.add([50, 51], 4)
    assert q.available(3) == 3
    assert q.next_ready_day() == 4
    assert q.take(2, 4) == [50, 51]
    assert q.take(5, 4) == [0, 1, 2]
    assert q.next_ready_day() is None


def test_take_skips_leavers_and_tops_up():
    leave = STAYS.copy()
    leave[[0, 1]] = 5  # learners 0 and 1 left on day 5
    q = Queue(np.arange(4), np.zeros(4), leave)
    assert q.take(2, 6) == [2, 3]


def test_partial_take_from_a_batch_keeps_the_rest():
    q = Queue(NO_ONE, NO_ONE)
    q.add([7, 8, 9], 0)
    assert q.take(2, 0) == [7, 8]
    assert q.available(0) == 1
    assert q.take(2, 0) == [9]


def test_batches_come_out_by_ready_day_then_order_added_and_leavers_drop_with_their_batch():
    leave = STAYS.copy()
    leave[21] = 3  # learner 21 left on day 3
    q = Queue([0, 1], [0, 0], leave)
    q.add([40], 2)
    q.add([20, 21], 1)
    q.add([30, 31], 1)
    assert q.available(2) == 7  # leavers are dropped when their batch comes up, not before
    assert q.take(1, 5) == [20]
    assert q.available(5) == 5  # 21 went with the rest of its batch
    assert q.take(4, 5) == [30, 31, 40, 0]
    assert q.take(5, 5) == [1]


def test_a_batch_whose_learners_all_left_is_skipped():
    leave = STAYS.copy()
    leave[[20, 21]] = 2
    q = Queue(NO_ONE, NO_ONE, leave)
    q.add([20, 21], 1)
    q.add([30], 1)
    assert q.take(5, 3) == [30]
    assert q.available(3) == 0


def test_a_batch_ready_today_is_released_at_once_and_comes_after_earlier_ones():
    q = Queue(NO_ONE, NO_ONE)
    q.add([10], 2)
    assert q.available(3) == 1
    q.add([11], 3)  # ready the day the queue was last asked about
    assert q.available(3) == 2 and q.take(5, 3) == [10, 11]


def test_batches_past_the_last_bucket_are_pending_but_never_released():
    q = Queue(NO_ONE, NO_ONE, n_buckets=10)
    q.add([5], 50)
    assert q.available(8) == 0
    assert q.next_ready_day() == 9  # the last bucket's day: later than any the planner asks
    assert q.take(5, 8) == []


def test_a_learner_queued_twice_is_an_error_not_a_silent_overwrite():
    store = new_store(np.full(5, -1), np.zeros(5, dtype=np.int64), 1, 5, STAYS, entries=2)
    Q = store.arrays()
    kernel.queue_add(Q, 0, np.array([1, 2], dtype=np.int64), 0)
    with pytest.raises(RuntimeError, match="queued twice"):
        kernel.queue_add(Q, 0, np.array([3], dtype=np.int64), 0)


def test_learners_known_at_the_start_are_ordered_by_queue_then_day_then_id():
    queue = np.array([1, 0, -1, 0, 1, 0])
    ready = np.array([5, 3, 0, -2, 5, 3])  # a day before the epoch sorts first
    assert kernel.queue_order(queue, ready, 2, 10).tolist() == [3, 1, 5, 0, 4]
    # From the cap on, days count as the cap (never released): ids keep their order.
    assert kernel.queue_order(np.array([0, 0, 0]), np.array([50, 12, 9]), 1, 10).tolist() == [2, 0, 1]
