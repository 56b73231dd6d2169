"""Properties every replication must have, checked on many random small models
(hypothesis): no class above its size, no instructor or room double-booked, no class on
a closed day, nobody trained before e-learning, every learner accounted for once."""
from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.engine import SESSION_FIELDS, Engine
from sim.learners import BEFORE, NEVER, draw_learners
from sim.outcomes import site_outcomes
from sim.streams import RandomStreams
from sim.world import draw_world
from tests.conftest import small_model

COL = {name: i for i, name in enumerate(SESSION_FIELDS)}

models = st.fixed_dictionaries({
    "staff_group.a-staff.headcount": st.integers(1, 80),
    "venue.a-venue.rooms": st.integers(0, 3),
    "venue.a-venue.seats": st.integers(1, 12),
    "instructor_pool.a-instructors.count": st.integers(0, 3),
    "instructor_pool.a-instructors.prep_slots": st.integers(0, 2),
    "curriculum.basic.course.course.max_class": st.integers(1, 12),
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
    venue = model.venues[0]

    # No class above its size; nobody comes who was not booked.
    assert np.all(t[:, COL["booked"]] <= min(course.max_class, venue.seats))
    assert np.all(t[:, COL["attended"]] <= t[:, COL["booked"]])
    assert np.all(t[:, COL["booked"]] >= 1)

    # No class starts on a day the site is closed.
    days = (t[:, COL["start_slot"]] // S).astype(int)
    assert all(cal.is_working[d] for d in days)

    # No instructor in two sessions at once (preparation time included).
    prep = model.pools[0].prep_slots
    for i in np.unique(t[:, COL["instructor"]]):
        mine = t[t[:, COL["instructor"]] == i]
        mine = mine[np.argsort(mine[:, COL["start_slot"]])]
        assert np.all(mine[1:, COL["start_slot"]] >= mine[:-1, COL["end_slot"]] + prep)

    # Never more classes at once than the venue has rooms.
    events = sorted([(s, 1) for s in t[:, COL["start_slot"]]] + [(e, -1) for e in t[:, COL["end_slot"]]],
                    key=lambda x: (x[0], x[1]))
    in_use = np.cumsum([d for _, d in events]) if events else np.zeros(0)
    assert in_use.size == 0 or in_use.max() <= venue.rooms

    # Nobody is trained before finishing e-learning or before the first class; a seat in
    # class trains at most one learner.
    trained = L.trained_day != NEVER
    assert np.all(L.trained_day[trained] >= L.first_ready_day[trained])
    if trained.any():
        assert L.trained_day[trained].min() >= days.min()
    assert trained.sum() <= t[:, COL["attended"]].sum()

    # Every learner is, on the eve of go-live, exactly one of: not yet hired, left,
    # trained, untrained; and the outcome's counts agree with the learners.
    eve = world.sites[0].go_live_day - 1
    not_hired = (L.hire_day != BEFORE) & (L.hire_day > eve)
    left = L.leave_day <= eve
    employed = ~not_hired & ~left
    assert not (not_hired & left).any()
    assert not_hired.sum() + left.sum() + employed.sum() == L.count
    outcome = site_outcomes(engine)[0][0]
    assert 0 <= outcome.trained_at_go_live <= outcome.staff_required <= employed.sum()
    assert outcome.staff_required + outcome.untrained_at_go_live >= outcome.trained_at_go_live
    assert outcome.untrained_at_go_live == outcome.staff_required - outcome.trained_at_go_live
