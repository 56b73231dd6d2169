"""Outcome definitions: the k-th requirement met, trained curves with fading and refreshers."""
from __future__ import annotations

import datetime as dt

import numpy as np

from sim.engine.learners import NEVER, draw_learners
from sim.engine.outcomes import _kth, required_count, site_outcomes, trained_curves
from sim.engine.rollout import Engine
from sim.engine.streams import RandomStreams
from sim.engine.world import draw_world
from tests.conftest import small_model

D = dt.date


def test_kth_day_reaching_a_fraction():
    days = np.array([5, 3, NEVER, 9])
    assert _kth(days, 0.5) == 5  # 2 of 4 by day 5
    assert _kth(days, 0.75) == 9
    assert _kth(days, 1.0) is None  # one never had their requirement met
    assert _kth(np.array([], dtype=np.int64), 1.0) is None  # nobody required: no date


def _engine(**overrides):
    model = small_model(**overrides)
    streams = RandomStreams(1, 0)
    world = draw_world(model, streams)
    engine = Engine(model, world, draw_learners(model, world, streams), streams)
    engine.run()
    return engine


def test_trained_curve_rises_with_classes_and_fades_before_a_late_go_live():
    # Trained 13-17 Mar for 6 May, moved on 20 Apr to 4 Nov, refresher 11-15 Sep. The
    # curve reaches 100 on 17 Mar, falls to 0 once March training is 8 weeks old
    # (stale before the new go-live), and is back at 100 after the refresher.
    engine = _engine(**{"site.a.postponement": [{"decided": D(2023, 4, 20), "go_live": D(2023, 11, 4)}],
                        "curriculum.basic.refresher": {"hours": 3.5, "max_class": 10}})
    required, trained, met = trained_curves(engine)
    day = lambda d: (d - engine.world.epoch).days  # noqa: E731
    assert trained[0, day(D(2023, 3, 12))] == 0 and trained[0, day(D(2023, 3, 17))] == 100
    assert trained[0, day(D(2023, 6, 1))] == 0
    assert trained[0, day(D(2023, 9, 15))] == 100 and trained[0, day(D(2023, 11, 3))] == 100
    assert np.all(required[0] == 100)
    assert met.max() == day(D(2023, 9, 15))  # the last refresher meets the requirement
    _, share = site_outcomes(engine)
    assert share.shape == trained.shape and share[0, day(D(2023, 11, 3))] == 1.0


def test_training_after_go_live_never_fades():
    # No one can be trained before go-live (rooms appear only after it... here: the
    # window opens 1 week before and capacity is 1 class a day); those trained after
    # go-live stay trained to the end of the horizon.
    engine = _engine(**{"curriculum.basic.window_weeks": 1, "curriculum.basic.valid_weeks": 1,
                        "curriculum.basic.course.course.hours": 7})
    _, trained, _ = trained_curves(engine)
    assert trained[0, -1] == 100
    assert np.all(np.diff(trained[0]) >= 0)


def test_a_tiny_threshold_still_needs_someone_trained():
    # 1e-9 of 1 person rounds to nobody; readiness must still need one trained person.
    assert required_count(1e-9, 1) == 1 and required_count(1.0, 0) == 0
    assert required_count(0.95, 100) == 95 and required_count(0.951, 100) == 96
    assert required_count(0.5, np.array([0, 3, 4])).tolist() == [0, 2, 2]
    o = site_outcomes(_engine(**{"readiness.share": 1e-9, "venue.a-venue.rooms": 0}))[0][0]
    assert o.trained_at_go_live == 0 and not o.ready and o.completion_date is None
