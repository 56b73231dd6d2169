"""Learners: e-learning completion on working days, turnover with replacement hires."""
from __future__ import annotations

import datetime as dt

import numpy as np

from sim.engine.learners import BEFORE, NEVER, draw_learners
from sim.engine.streams import RandomStreams
from sim.engine.world import draw_world
from tests.conftest import small_model


def test_elearning_completion_counts_working_days():
    # Opens Sat 11 Feb 2023 (12 weeks before 6 May); 3 hours at 1 hour a working day end
    # Wed 15 Feb, so learners may be booked from Thu 16 Feb.
    model = small_model(**{"curriculum.basic.elearning_hours": 3, "uncertainty.elearning_pace_hours_per_day": 1})
    w = draw_world(model, RandomStreams(1, 0))
    L = draw_learners(model, w, RandomStreams(1, 0))
    assert L.count == 100
    assert set(L.first_ready_day.tolist()) == {(dt.date(2023, 2, 16) - w.epoch).days}
    assert np.all(L.hire_day == BEFORE) and np.all(L.leave_day == NEVER)


def test_turnover_replaces_leavers_with_later_hires():
    model = small_model(**{"uncertainty.turnover_per_year": 2.0, "uncertainty.hire_lag_days": 10,
                           "staff_group.a-staff.headcount": 500})
    w = draw_world(model, RandomStreams(3, 0))
    L = draw_learners(model, w, RandomStreams(3, 0))
    hires = L.hire_day != BEFORE
    assert hires.any() and L.count > 500
    assert np.all(L.leave_day[hires] > L.hire_day[hires])
    # Each hire starts 10 days after a leaver left, so there are never more hires than leavers.
    assert hires.sum() <= (L.leave_day != NEVER).sum()
    # About 2 a year over the ~5 months from e-learning opening to the end of the horizon.
    months = (w.n_days - (dt.date(2023, 2, 11) - w.epoch).days) / 30.4
    expected = 500 * (1 - np.exp(-2.0 * months / 12))
    assert 0.7 * expected < (L.leave_day[~hires] != NEVER).sum() < 1.3 * expected


def test_learners_are_numbered_group_by_group():
    # The engine takes each group's learners as one slice (rollout.Engine._decision).
    from sim.engine.learners import draw_learners
    from sim.engine.streams import RandomStreams
    from sim.engine.world import draw_world
    from sim.model.experiment_file import load_experiment
    from sim.paths import default_experiment

    model = load_experiment(default_experiment()).scenarios[0].model
    streams = RandomStreams(3, 1)
    group = draw_learners(model, draw_world(model, streams), streams).group
    assert group.size > 0 and bool((group[1:] >= group[:-1]).all())
    assert set(group.tolist()) == set(range(len(model.groups)))
