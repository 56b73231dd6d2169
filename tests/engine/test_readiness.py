"""Readiness as rollouts count it: criteria, active staff, site windows, fair venue sharing
and a site postponed twice. Small models with no randomness unless a test turns it on,
so every number here is computed by hand from the model."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pytest

from sim.engine.learners import BEFORE, NEVER, draw_learners
from sim.engine.outcomes import site_outcomes
from sim.engine.replication import run_replication
from sim.engine.rollout import Engine
from sim.engine.streams import RandomStreams
from sim.engine.world import draw_world
from sim.errors import ConfigError
from sim.model.experiment_file import load_experiment
from sim.model.spec import Readiness
from tests.conftest import small_model

D = dt.date
ROOT = Path(__file__).resolve().parents[2]


def _curriculum(ident: str, kind: str, window_weeks: float = 8, hours: float = 3.5, max_class: int = 10) -> dict:
    """A curriculum table of one course (``<id>-course``; ``course`` for ``basic``, as in
    the small model), e-learning done the day it opens, no self-training."""
    return {"id": ident, "kind": kind, "elearning_hours": 1, "elearning_opens_weeks_before_go_live": 12,
            "window_weeks": window_weeks, "valid_weeks": 8, "self_training_hours": 0,
            "course": [{"id": "course" if ident == "basic" else f"{ident}-course", "hours": hours,
                        "min_class": 1, "max_class": max_class}]}


def _run(model, seed: int = 1, replication: int = 0) -> Engine:
    streams = RandomStreams(seed, replication)
    world = draw_world(model, streams)
    engine = Engine(model, world, draw_learners(model, world, streams), streams)
    engine.run()
    return engine


def test_criteria_read_as_a_sentence():
    assert Readiness().describe(3140) == "at least 95% of 3,140 active staff and every super-user"
    assert Readiness(1.0, 0.0, 0.8, True).describe() == "all active staff and every unit at 80% (self-training included)"
    assert Readiness(0.9, 0.5).describe() == "at least 90% of active staff and 50% of super-users"


def test_readiness_threshold_is_refused_with_its_new_place():
    with pytest.raises(ConfigError) as err:
        small_model(**{"model.readiness_threshold": 0.95})
    text = str(err.value)
    assert "model.readiness_threshold" in text and "[readiness] share" in text


def test_a_site_overrides_only_the_criteria_it_names():
    model = small_model(**{"site.a.readiness": {"super_users": 0.5}})
    assert model.site("a").readiness == Readiness(share=1.0, super_users=0.5, unit_share=None, self_training=True)
    with pytest.raises(ConfigError, match=re.escape("site.a.readiness.share")):
        small_model(**{"site.a.readiness": {"share": 0}})
    with pytest.raises(ConfigError, match=re.escape("site.a.readiness.self_training")):
        small_model(**{"site.a.readiness": {"self_training": "yes"}})


def test_self_training_gates_trained_only_when_the_criteria_say_so():
    # One class of 10 a day from Mon 13 Mar (8 weeks before 6 May), self-training of 3
    # working days at 1 hour a day. Not gating: trained on the class day; gating: 3
    # working days later. Self-training is recorded either way.
    common = {"curriculum.basic.self_training_hours": 3, "uncertainty.self_training_pace_hours_per_day": 1}
    free = _run(small_model(**common, **{"readiness.self_training": False}))
    gated = _run(small_model(**common))
    first_class = (D(2023, 3, 13) - free.world.epoch).days
    assert free.learners.trained_day.min() == first_class
    assert gated.learners.trained_day.min() == first_class + 3  # Tue, Wed, Thu
    np.testing.assert_array_equal(free.learners.self_trained_day, gated.learners.self_trained_day)
    assert free.learners.self_trained_day.min() == first_class + 3


def test_super_user_criterion_fails_on_one_untrained_super_user():
    # 10 super-users and 90 end-users, everyone trained; then the same with a check no
    # super-user passes: the share criterion (90%) still holds, the super-user one fails.
    su = {"curriculum": [
        _curriculum("basic", "end_user"),
        _curriculum("su", "super_user", max_class=9)],
        "staff_group": [
            {"id": "a-staff", "site": "a", "role": "nurse", "headcount": 90, "curriculum": "basic"},
            {"id": "a-su", "site": "a", "role": "super-user", "headcount": 10, "curriculum": "su"}],
        "readiness.share": 0.9}
    engine = _run(small_model(**su))
    o = site_outcomes(engine)[0][0]
    assert (o.super_users_required, o.staff_required) == (10, 100)
    assert o.super_users_trained == 10 and o.super_users_ready and o.ready
    short = _run(small_model(**su, **{"curriculum.su.proficiency": {"pass_probability": 0, "max_attempts": 1}}))
    o = site_outcomes(short)[0][0]
    assert o.super_users_trained == 0 and o.super_users_required == 10
    assert not o.super_users_ready and not o.ready
    assert o.trained_at_go_live >= 0.9 * o.staff_required  # the share criterion alone holds


def test_unit_criterion_checks_every_unit():
    # Two units of 50; the second unit's group has a curriculum whose window opens too
    # late to train more than 10 of them (one class of 10 on the last working day).
    model = small_model(**{
        "staff_group": [
            {"id": "u1", "site": "a", "role": "nurse", "unit": "ward-1", "headcount": 50, "curriculum": "basic"},
            {"id": "u2", "site": "a", "role": "nurse", "unit": "ward-2", "headcount": 50, "curriculum": "late"}],
        "curriculum": [
            _curriculum("basic", "end_user"),
            _curriculum("late", "end_user", window_weeks=0.15, hours=7)],
        "readiness.share": 0.5, "readiness.unit_share": 0.5})
    o = site_outcomes(_run(model))[0][0]
    assert o.trained_at_go_live >= 50  # the share criterion holds
    assert o.lowest_unit_share < 0.5 and not o.units_ready and not o.ready


def test_staff_on_long_term_leave_are_not_required_and_train_when_back():
    # Half of the staff (on average) away at go-live, back 2 weeks after it; with a grace of
    # 28 days they are required from 6 weeks after go-live, trained in classes after it.
    model = small_model(**{"uncertainty.long_term_leave_share": 0.5, "uncertainty.long_term_leave_return_weeks": 2,
                           "site.a.readiness": {"share": 1.0}})
    engine = _run(model)
    L, go_live = engine.learners, engine.world.sites[0].go_live_day
    away = L.return_day != BEFORE
    assert 30 < np.count_nonzero(away) < 70  # binomial(100, 0.5): far outside 4 sd otherwise
    assert np.all(L.return_day[away] == go_live + 14)
    assert np.all(L.trained_day[away] > go_live)  # not booked while away
    assert np.all(L.trained_day[away] < NEVER)  # trained once back, within the horizon
    o = site_outcomes(engine)[0][0]
    assert o.on_long_term_leave == np.count_nonzero(away)
    assert o.staff_required == 100 - o.on_long_term_leave and o.ready


def test_a_site_window_opens_classes_and_e_learning_earlier():
    # Classes from Mon 16 Jan 2023 at site a (the curriculum alone: 8 weeks, 13 Mar).
    # E-learning opens as long before them as the curriculum has it (4 weeks): 19 Dec 2022.
    # Training from 16 Jan stays current at go-live: validity is at least the window.
    model = small_model(**{"site.a.end_user_classes_from": D(2023, 1, 16),
                           "site.a.training_environment_ready": D(2022, 12, 1),
                           "instructor_pool.a-instructors.certification_start": D(2022, 12, 1)})
    site, cur = model.site("a"), model.curriculum("basic")
    assert model.window_days(site, cur) == (D(2023, 5, 6) - D(2023, 1, 16)).days
    assert model.elearning_opens_days(site, cur) == model.window_days(site, cur) + 28
    engine = _run(model)
    o = site_outcomes(engine)[0][0]
    assert o.first_class_date == D(2023, 1, 16)
    assert o.trained_at_go_live == 100 and o.ready
    with pytest.raises(ConfigError, match=re.escape("site.a.end_user_classes_from")):
        small_model(**{"site.a.end_user_classes_from": D(2023, 5, 6)})


def _two_sites(sharing: str):
    """Sites a and b with one go-live, sharing one venue of 4 rooms; a has two courses
    (two curricula of 100 each), b one (200 staff). Instructors are plenty."""
    return small_model(**{
        "model.venue_sharing": sharing,
        "site": [{"id": "a", "name": "A", "kind": "hospital", "go_live": D(2023, 5, 6),
                  "training_environment_ready": D(2023, 1, 2)},
                 {"id": "b", "name": "B", "kind": "hospital", "go_live": D(2023, 5, 6),
                  "training_environment_ready": D(2023, 1, 2)}],
        "curriculum": [
            _curriculum("basic", "end_user", hours=7),
            _curriculum("other", "end_user", hours=7)],
        "staff_group": [
            {"id": "a1", "site": "a", "role": "nurse", "headcount": 100, "curriculum": "basic"},
            {"id": "a2", "site": "a", "role": "admin", "headcount": 100, "curriculum": "other"},
            {"id": "b1", "site": "b", "role": "nurse", "headcount": 200, "curriculum": "basic"}],
        "instructor_pool": [{"id": "pool", "home_site": "a", "sites": ["a", "b"], "count": 10,
                             "certification_start": D(2023, 1, 2), "certification_days": 5}],
        "venue": [{"id": "a-venue", "sites": ["a", "b"], "rooms": 4, "seats": 10}]})


def test_sites_sharing_a_venue_split_its_rooms_by_site():
    # 400 learners, 4 one-day classes of 10 a day: 10 working days from 13 Mar. By site,
    # each gets 2 rooms a day while both have learners, so both finish on the same day;
    # by course, a's two courses and b's one take turns, so a gets more in the first week.
    def classes_by_site(sharing: str) -> tuple[int, int, list[dt.date]]:
        engine = _run(_two_sites(sharing))
        table = engine.session_table()
        first_week = table[table[:, 5] < ((D(2023, 3, 17) - engine.world.epoch).days + 1) * 2]
        outcomes = site_outcomes(engine)[0]
        return (int(np.count_nonzero(first_week[:, 0] == 0)), int(np.count_nonzero(first_week[:, 0] == 1)),
                [o.completion_date for o in outcomes])

    a, b, done = classes_by_site("by_site")
    assert (a, b) == (10, 10) and done[0] == done[1]
    a, b, done = classes_by_site("by_course")
    assert a > b


def test_hnt_as_happened_two_postponements_and_refreshers_before_november_2024():
    spec = load_experiment(ROOT / "experiments" / "baseline.toml")
    planned, happened = (s.model for s in spec.scenarios)
    assert planned.site("hnt").go_live == D(2023, 2, 11)
    hnt = happened.site("hnt")
    assert [p.go_live for p in hnt.postponements] == [D(2023, 11, 4), D(2024, 11, 9)]
    assert hnt.go_live == D(2024, 11, 9) and happened.site("levanger").go_live == D(2023, 2, 11)
    # The second move is decided after the first new date was planned, before it came.
    assert hnt.postponements[0].decided < hnt.postponements[1].decided < hnt.postponements[0].go_live
    engine = _run(happened, seed=spec.seed)
    L, world = engine.learners, engine.world
    sw = next(s for s in world.sites if s.site.id == "hnt")
    day = lambda d: (d - world.epoch).days  # noqa: E731
    # Staff trained for 11 Feb 2023 and still employed in Nov 2024 are refreshed in the
    # window before 9 Nov 2024 (the end-user window: 8 weeks; super-users: their own),
    # since their training is long stale by then.
    here = (L.site == sw.index) & (L.trained_day <= day(D(2023, 2, 10))) & (L.leave_day > day(D(2024, 11, 8)))
    assert np.count_nonzero(here) > 1000
    refreshed = L.refresh_day[here]
    assert np.mean(refreshed < NEVER) > 0.95
    done = refreshed[refreshed < NEVER]
    assert done.min() >= day(D(2024, 7, 1)) and np.percentile(done, 95) <= day(D(2024, 11, 8))
    o = next(o for o in site_outcomes(engine)[0] if o.site == "hnt")
    assert o.go_live == D(2024, 11, 9) and o.refresher_sessions > 0


def test_the_same_seed_gives_the_same_outcomes_with_long_term_leave():
    model = small_model(**{"uncertainty.long_term_leave_share": {"dist": "uniform", "low": 0.1, "high": 0.3},
                           "uncertainty.long_term_leave_return_weeks": {"dist": "uniform", "low": 0, "high": 8}})
    assert run_replication(model, 7, 3).outcomes == run_replication(model, 7, 3).outcomes
