"""Properties every replication must have, checked on many random small models
(hypothesis): no class above its size, no unit above its daily limit, no instructor or
room double-booked, no class on a closed day, nobody trained before e-learning, and
every learner in exactly one state on the eve of go-live."""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.engine.learners import BEFORE, NEVER, draw_learners
from sim.engine.outcomes import site_outcomes
from sim.engine.rollout import SESSION_FIELDS, Engine
from sim.engine.streams import RandomStreams
from sim.engine.world import draw_world
from tests.conftest import small_model

COL = {name: i for i, name in enumerate(SESSION_FIELDS)}
D = dt.date

models = st.fixed_dictionaries({
    # Two groups in one unit, so they share its daily limit.
    "staff_group": st.tuples(st.integers(1, 60), st.integers(1, 60)).map(lambda h: [
        {"id": "g1", "site": "a", "role": "nurse", "unit": "ward", "headcount": h[0], "curriculum": "basic"},
        {"id": "g2", "site": "a", "role": "doctor", "unit": "ward", "headcount": h[1], "curriculum": "basic"}]),
    "venue": st.tuples(st.integers(0, 2), st.integers(1, 12), st.integers(0, 2), st.integers(1, 12)).map(lambda v: [
        {"id": "v1", "sites": ["a"], "rooms": v[0], "seats": v[1]},
        {"id": "v2", "sites": ["a"], "rooms": v[2], "seats": v[3]}]),
    "instructor_pool.a-instructors.count": st.integers(0, 3),
    "instructor_pool.a-instructors.prep_slots": st.integers(0, 2),
    "curriculum.basic.course.course.max_class": st.integers(3, 12),
    "curriculum.basic.course.course.min_class": st.integers(1, 3),
    "curriculum.basic.course.course.hours": st.sampled_from([3.5, 7.0, 14.0]),
    "curriculum.basic.self_training_hours": st.sampled_from([0, 4]),
    "curriculum.basic.proficiency": st.fixed_dictionaries({
        "pass_probability": st.floats(0.5, 1.0), "max_attempts": st.integers(1, 3), "retake_days": st.integers(0, 2)}),
    "uncertainty.no_show_probability": st.floats(0, 0.3),
    "uncertainty.learner_sick_probability": st.floats(0, 0.2),
    "uncertainty.instructor_sick_probability": st.floats(0, 0.3),
    "uncertainty.turnover_per_year": st.floats(0, 0.5),
    "uncertainty.hire_lag_days": st.integers(0, 30),
    "uncertainty.elearning_pace_hours_per_day": st.just({"dist": "lognormal", "mean": 0.5, "sd": 0.3}),
    "operations.max_share_in_class_per_day": st.floats(0.05, 1.0),
    "operations.booking_horizon_days": st.integers(0, 14),
    "calendar.closure": st.just([{"start": D(2023, 3, 20), "end": D(2023, 3, 24)}]),
})


def _run(overrides: dict, seed: int) -> tuple[Engine, np.ndarray]:
    model = small_model(**overrides)
    streams = RandomStreams(seed, 0)
    world = draw_world(model, streams)
    engine = Engine(model, world, draw_learners(model, world, streams), streams)
    engine.run()
    return engine, engine.session_table()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overrides=models, seed=st.integers(0, 2**32))
def test_invariants(overrides: dict, seed: int) -> None:
    engine, t = _run(overrides, seed)
    model, world, L = engine.model, engine.world, engine.learners
    S = model.slots_per_day
    cal = world.sites[0].calendar
    course = model.curricula[0].courses[0]

    # No class above its size or its room; nobody comes who was not booked.
    seats = np.array([v.seats for v in model.venues])[t[:, COL["venue"]].astype(int)]
    assert np.all(t[:, COL["booked"]] <= np.minimum(course.max_class, seats))
    assert np.all(t[:, COL["attended"]] <= t[:, COL["booked"]])
    assert np.all(t[:, COL["booked"]] >= 1)

    # A class starts and ends on working days of the site (the closure included), and a
    # multi-day class uses consecutive working days.
    n_slots = math.ceil(course.hours / model.slot_hours)
    for start, end in t[:, [COL["start_slot"], COL["end_slot"]]]:
        first, last = int(start) // S, (math.ceil(end) - 1) // S
        assert cal.is_working[first] and cal.is_working[last]
        assert cal.working_days_between(first, last + 1) == math.ceil(n_slots / S)

    # No instructor in two sessions at once; preparation after a session, unless the
    # session ended with the day (then it happens overnight).
    prep = model.pools[0].prep_slots
    for i in np.unique(t[:, COL["instructor"]]):
        mine = t[t[:, COL["instructor"]] == i]
        mine = mine[np.argsort(mine[:, COL["start_slot"]])]
        ends = mine[:-1, COL["end_slot"]]
        free_again = np.minimum(ends + prep, np.ceil(ends / S) * S)
        assert np.all(mine[1:, COL["start_slot"]] >= free_again)

    # Never more classes at once in a venue than it has rooms.
    for v, venue in enumerate(model.venues):
        mine = t[t[:, COL["venue"]] == v]
        events = sorted([(s, 1) for s in mine[:, COL["start_slot"]]] + [(e, -1) for e in mine[:, COL["end_slot"]]],
                        key=lambda x: (x[0], x[1]))
        in_use = np.cumsum([d for _, d in events]) if events else np.zeros(1)
        assert in_use.max() <= venue.rooms

    # The unit's daily limit holds for the two groups together, on every day a class
    # takes people away from the ward (each day of a multi-day class counts).
    cap = max(1, math.floor(model.groups[0].max_share_in_class_per_day * sum(g.headcount for g in model.groups) + 1e-9))
    away: dict[int, int] = {}
    for start, end, booked in t[:, [COL["start_slot"], COL["end_slot"], COL["booked"]]]:
        for day in range(int(start) // S, (math.ceil(end) - 1) // S + 1):
            if cal.is_working[day]:
                away[day] = away.get(day, 0) + int(booked)
    assert max(away.values(), default=0) <= cap

    # Nobody is trained before finishing e-learning or before the first class; a seat in
    # class trains at most one learner.
    trained = L.trained_day != NEVER
    assert np.all(L.trained_day[trained] >= L.first_ready_day[trained])
    if trained.any():
        assert L.trained_day[trained].min() >= (t[:, COL["start_slot"]] // S).min()
    assert trained.sum() <= t[:, COL["attended"]].sum()

    # On the eve of go-live each learner is exactly one of: not yet hired, left, required
    # (employed past the new-hire grace), or in the grace period; the outcome counts agree.
    eve = world.sites[0].go_live_day - 1
    grace = model.operations.new_hire_grace_days
    hired = (L.hire_day == BEFORE) | (L.hire_day <= eve)
    left = L.leave_day <= eve
    required = hired & ~left & ((L.hire_day == BEFORE) | (L.hire_day + grace <= eve))
    in_grace = hired & ~left & ~required
    states = np.stack([~hired, hired & left, required, in_grace]).astype(int)
    assert np.all(states.sum(axis=0) == 1)
    outcome = site_outcomes(engine)[0][0]
    assert outcome.staff_required == int(required.sum())
    current = required & (L.trained_day <= eve)
    assert outcome.trained_at_go_live <= int(current.sum())
    assert outcome.untrained_at_go_live == outcome.staff_required - outcome.trained_at_go_live
