"""GroupQueue releases learners by ready day, takes them first-come, drops leavers."""
from __future__ import annotations

import numpy as np

from sim.engine.queues import GroupQueue

STAYS = np.full(100, 10**9)


def test_learners_become_available_on_their_ready_day():
    q = GroupQueue(np.arange(5), np.array([3, 1, 2, 2, 9]))
    assert q.available(0) == 0
    assert q.available(2) == 3
    assert q.next_ready_day() == 3
    assert list(q.take(10, 2, STAYS)) == [1, 2, 3]
    assert q.available(2) == 0 and q.available(9) == 2


def test_added_batches_wait_for_their_day_and_come_first_once_ready():
    q = GroupQueue(np.arange(3), np.array([0, 0, 0]))
    q.add(np.array([50, 51]), 4)
    assert q.available(3) == 3
    assert q.next_ready_day() == 4
    assert list(q.take(2, 4, STAYS)) == [50, 51]
    assert list(q.take(5, 4, STAYS)) == [0, 1, 2]
    assert q.next_ready_day() is None


def test_take_skips_leavers_and_tops_up():
    leave = STAYS.copy()
    leave[[0, 1]] = 5  # learners 0 and 1 left on day 5
    q = GroupQueue(np.arange(4), np.zeros(4, dtype=int))
    got = q.take(2, 6, leave)
    assert list(got) == [2, 3]


def test_partial_take_from_a_batch_keeps_the_rest():
    q = GroupQueue(np.arange(0), np.zeros(0, dtype=int))
    q.add(np.array([7, 8, 9]), 0)
    assert list(q.take(2, 0, STAYS)) == [7, 8]
    assert q.available(0) == 1
    assert list(q.take(2, 0, STAYS)) == [9]


def test_list_and_array_batches_come_out_in_order_as_one_int64_array():
    leave = STAYS.copy()
    leave[21] = 3  # learner 21 left on day 3
    q = GroupQueue(np.array([0, 1]), np.array([0, 0]))
    q.add([20, 21], 1)  # small batches may be plain lists
    q.add(np.array([30, 31]), 1)
    q.add([40], 2)
    assert q.available(2) == 7  # leavers are dropped when taken, not before
    got = q.take(4, 5, leave)
    assert got.dtype == np.int64 and list(got) == [20, 30, 31, 40]
    assert list(q.take(5, 5, leave)) == [0, 1]
