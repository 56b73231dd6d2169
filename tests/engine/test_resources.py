"""Rooms and instructors: loans move instructors between sites for a period."""
from __future__ import annotations

import datetime as dt

import numpy as np

from sim.engine import kernel
from sim.engine.resources import InstructorRoster
from sim.engine.streams import RandomStreams
from sim.engine.world import draw_world
from tests.conftest import small_model

D = dt.date


def test_rooms_held_by_a_batch_of_classes_are_given_back_when_its_sessions_end():
    # Venue 0 has 3 rooms; a batch holds 2 of them until slot 4.0.
    free = np.array([1, 5], dtype=np.int64)
    VN = (free, np.array([4.0, 0.0]), np.array([0, 0]), np.array([2, 0]), np.array([1]))
    kernel.release_rooms(VN, 3.0)
    assert free.tolist() == [1, 5] and VN[4][0] == 1
    kernel.release_rooms(VN, 4.0)
    assert free.tolist() == [3, 5] and VN[4][0] == 0


def test_loaned_instructors_serve_only_the_borrower_during_the_loan():
    model = small_model(**{
        "site": [{"id": "a", "kind": "hospital", "go_live": D(2023, 5, 6), "training_environment_ready": D(2023, 1, 2)},
                 {"id": "b", "kind": "hospital", "go_live": D(2023, 5, 6), "training_environment_ready": D(2023, 1, 2)}],
        "staff_group": [{"id": f"{s}-staff", "site": s, "role": "nurse", "headcount": 10, "curriculum": "basic"}
                        for s in ("a", "b")],
        "instructor_pool.a-instructors.count": 3,
        "instructor_pool.a-instructors.loan": [{"to_site": "b", "count": 2, "start": D(2023, 3, 1), "end": D(2023, 3, 31)}],
    })
    world = draw_world(model, RandomStreams(1, 0))
    roster = InstructorRoster(model, world)
    day = lambda d: (d - world.epoch).days  # noqa: E731
    roster.start_day(day(D(2023, 2, 1)))
    assert roster.on_duty(0).size == 3 and roster.on_duty(1).size == 0
    roster.start_day(day(D(2023, 3, 15)))
    assert roster.on_duty(0).size == 1 and roster.on_duty(1).size == 2
    roster.start_day(day(D(2023, 4, 3)))
    assert roster.on_duty(1).size == 0


def test_instructors_teach_only_once_certified():
    model = small_model()
    world = draw_world(model, RandomStreams(1, 0))
    roster = InstructorRoster(model, world)
    roster.start_day(world.certified_day["a-instructors"] - 1)
    assert roster.free(0, 0.0).size == 0
    roster.start_day(world.certified_day["a-instructors"])
    assert roster.free(0, 0.0).tolist() == [0]


def test_overlapping_loans_lend_different_instructors():
    # A pool of 15 lends 10 to b in March-April and 5 to c in April: in April 15 are away,
    # each instructor at one site only.
    model = small_model(**{
        "site": [{"id": s, "kind": "hospital", "go_live": D(2023, 5, 6), "training_environment_ready": D(2023, 1, 2)}
                 for s in ("a", "b", "c")],
        "staff_group": [{"id": f"{s}-staff", "site": s, "role": "nurse", "headcount": 10, "curriculum": "basic"}
                        for s in ("a", "b", "c")],
        "instructor_pool.a-instructors.count": 15,
        "instructor_pool.a-instructors.loan": [
            {"to_site": "b", "count": 10, "start": D(2023, 3, 1), "end": D(2023, 4, 30)},
            {"to_site": "c", "count": 5, "start": D(2023, 4, 1), "end": D(2023, 4, 30)}],
    })
    world = draw_world(model, RandomStreams(1, 0))
    roster = InstructorRoster(model, world)
    roster.start_day((D(2023, 4, 14) - world.epoch).days)
    duty = [roster.on_duty(s).tolist() for s in range(3)]
    assert [len(ids) for ids in duty] == [0, 10, 5]
    assert len(set(duty[1]) | set(duty[2])) == 15  # nobody at two sites
