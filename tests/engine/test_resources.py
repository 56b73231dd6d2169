"""Rooms and instructors: loans move instructors between sites for a period."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sim.engine.resources import InstructorRoster, VenueRooms
from sim.engine.rollout import CountingEnvironment
from sim.engine.streams import RandomStreams
from sim.engine.world import draw_world
from tests.conftest import small_model

D = dt.date


def test_rooms_are_taken_at_once_and_given_back_when_the_session_ends():
    env = CountingEnvironment()
    venue = VenueRooms(env, 0, rooms=3, seats=10)
    venue.hold(2, 4.0)
    assert venue.free == 1 and env.scheduled == 1  # one event for the whole batch
    with pytest.raises(RuntimeError):
        venue.hold(2, 1.0)
    env.run(until=3.9)
    assert venue.free == 1
    env.run(until=4.1)
    assert venue.free == 3


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
    assert np.count_nonzero(roster.on_duty(0)) == 3 and np.count_nonzero(roster.on_duty(1)) == 0
    roster.start_day(day(D(2023, 3, 15)))
    assert np.count_nonzero(roster.on_duty(0)) == 1 and np.count_nonzero(roster.on_duty(1)) == 2
    roster.start_day(day(D(2023, 4, 3)))
    assert np.count_nonzero(roster.on_duty(1)) == 0


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
    duty = np.array([roster.on_duty(s) for s in range(3)])
    assert duty.sum(axis=1).tolist() == [0, 10, 5]
    assert duty.sum(axis=0).max() == 1  # nobody at two sites
