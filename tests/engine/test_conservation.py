"""Conservation: every learner is in exactly one state on every day of a replication.

A learner (one person in one position; a replacement hire is a learner of their own) is,
on each day of the simulated period, exactly one of

- **not yet hired**: a replacement whose hiring day is later;
- **left**: on or after their leaving day;
- **away**: employed but on long-term leave, before their return day;
- **trained**: employed, at work, and their latest completion (curriculum or refresher)
  on or before that day is current (docs/definitions.md, "Valid weeks and the refresher": training
  completed on day T is current through T + ceil(valid_weeks x 7), or through the
  site's window for the curriculum if that is longer, and training that is current on
  the eve of go-live never fades);
- **untrained**: employed, at work and not trained.

The states are computed here day by day, one learner at a time in the plainest way,
from the per-learner arrays the engine leaves after a run (``Learners.hire_day``,
``leave_day``, ``return_day``, ``trained_day``, ``refresh_day``), independently of the
engine's own vectorised curves. Each test then checks that (1) no learner is in two
states or none (which would happen if someone left before being hired, was trained
before being hired or while away, or was refreshed without being trained), (2) the five
counts add up to the site's learners on every day, (3) a position is held by at most one
person on a day, and (4) the engine's daily trained share, staff required (active: at
work, and past the grace days after being hired or coming back), trained and on leave
at go-live agree with these counts.
"""
from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.engine.learners import BEFORE, NEVER, draw_learners
from sim.engine.outcomes import site_outcomes
from sim.engine.rollout import Engine
from sim.engine.streams import RandomStreams
from sim.engine.world import draw_world
from sim.model.model_file import build_model, load_toml
from sim.model.overrides import apply_overrides
from sim.model.spec import ModelSpec, StaffGroup
from tests.conftest import SMALL_MODEL, small_model

D = dt.date
SHIPPED_MODEL = Path(__file__).resolve().parents[2] / "models" / "midt-norge.toml"
STATES = ("not_hired", "left", "away", "trained", "untrained")
NOT_HIRED, LEFT, AWAY, TRAINED, UNTRAINED = range(len(STATES))


def shipped_model(overrides: dict[str, Any] | None = None) -> ModelSpec:
    """The default model (models/midt-norge.toml) with dotted-key overrides."""
    raw = apply_overrides(load_toml(SHIPPED_MODEL), list((overrides or {}).items()))
    return build_model(raw, SHIPPED_MODEL)


def play(model: ModelSpec, seed: int, replication: int = 0) -> Engine:
    """One replication, as :func:`sim.engine.replication.run_replication` plays it, keeping the engine."""
    streams = RandomStreams(seed, replication)
    world = draw_world(model, streams)
    engine = Engine(model, world, draw_learners(model, world, streams), streams)
    engine.run()
    return engine


def valid_days(model: ModelSpec, group: StaffGroup) -> int:
    """How many days training of ``group`` stays current: ceil(valid_weeks x 7), or the
    site's window for the curriculum (planned go-live minus ``<kind>_classes_from``) if
    that is longer, so that training inside the window counts at go-live."""
    cur, site = model.curriculum(group.curriculum), model.site(group.site)
    start = dict(site.classes_from).get(cur.kind)
    window = math.ceil(cur.window_weeks * 7) if start is None else (site.planned_go_live - start).days
    return max(math.ceil(cur.valid_weeks * 7), window)


def check_conservation(engine: Engine) -> np.ndarray:
    """Check the five states day by day; return their counts, shape (sites, days, 5)."""
    model, world, L = engine.model, engine.world, engine.learners
    n_sites, n_days = len(world.sites), world.n_days
    valid = np.array([valid_days(model, g) for g in model.groups])[L.group]
    eve = np.array([sw.go_live_day - 1 for sw in world.sites])[L.site]
    grace = model.operations.new_hire_grace_days
    headcount = np.array([g.headcount for g in model.groups])
    from_start = L.hire_day == BEFORE

    # The arrays must describe a possible life: hired before leaving, away on long-term
    # leave only if employed from the start (and away on the first day), trained no
    # earlier than hired, than back from leave and than e-learning allowed, refreshed
    # only after being trained.
    assert np.all(L.hire_day < L.leave_day)
    away_ever = L.return_day != BEFORE
    assert np.all(from_start[away_ever]) and np.all(L.return_day[away_ever] > 0)
    done = L.trained_day != NEVER
    assert np.all(L.trained_day[done] >= np.maximum(L.hire_day[done], 0))
    assert np.all(L.trained_day[done] >= L.return_day[done])
    assert np.all(L.trained_day[done] >= L.first_ready_day[done])
    refreshed = L.refresh_day != NEVER
    assert np.all(done[refreshed]) and np.all(L.refresh_day[refreshed] > L.trained_day[refreshed])

    counts = np.zeros((n_sites, n_days, len(STATES)), dtype=np.int64)
    site_size = np.bincount(L.site, minlength=n_sites)
    required = np.zeros((n_sites, n_days), dtype=np.int64)
    trained_required = np.zeros((n_sites, n_days), dtype=np.int64)
    for day in range(n_days):
        not_hired = L.hire_day > day  # staff present from the start have hire_day BEFORE
        left = L.leave_day <= day
        employed = ~not_hired & ~left
        away = employed & (day < L.return_day)  # staff not away have return_day BEFORE
        at_work = employed & ~away
        # The latest completion on or before today, and whether it is still current.
        last = np.where(L.refresh_day <= day, L.refresh_day, np.where(L.trained_day <= day, L.trained_day, NEVER))
        current = (last != NEVER) & ((day <= last + valid) | (last + valid >= eve))
        trained, untrained = at_work & current, at_work & ~current
        state = np.stack([not_hired, left, away, trained, untrained])
        assert np.all(state.sum(axis=0) == 1), f"day {day}: a learner in two states or none"
        for k in range(len(STATES)):
            counts[:, day, k] = np.bincount(L.site[state[k]], minlength=n_sites)
        # A position has at most one holder on a day (its replacement comes after it is left).
        assert np.all(np.bincount(L.group[employed], minlength=headcount.size) <= headcount), f"day {day}"
        # Active: at work, and past the grace days after being hired or coming back.
        req = at_work & (from_start | (L.hire_day + grace <= day)) & (~away_ever | (L.return_day + grace <= day))
        required[:, day] = np.bincount(L.site[req], minlength=n_sites)
        trained_required[:, day] = np.bincount(L.site[req & current], minlength=n_sites)
    assert np.all(counts.sum(axis=2) == site_size[:, None])

    # The engine's own accounting agrees: the daily trained share (curves.npz) and the
    # staff required and trained on the eve of go-live (replications.csv).
    outcomes, share = site_outcomes(engine)
    expected = np.where(required > 0, trained_required / np.maximum(required, 1), 1.0)
    np.testing.assert_allclose(share, expected, rtol=0, atol=1e-6)
    for sw, o in zip(world.sites, outcomes):
        e = sw.go_live_day - 1
        assert o.staff_required == required[sw.index, e]
        assert o.trained_at_go_live == trained_required[sw.index, e]
        assert o.on_long_term_leave == counts[sw.index, e, AWAY]
        assert o.new_hires == int(np.count_nonzero((L.site == sw.index) & ~from_start))
    return counts


def test_default_model_conserves_learners():
    # The shipped model as it is: 12% turnover a year, about a month's hiring lag, five sites.
    engine = play(shipped_model(), seed=20220905)
    counts = check_conservation(engine)
    # The replication has all five states somewhere, so none is vacuous (the shipped
    # model has some staff on long-term leave at go-live).
    assert np.all(counts.sum(axis=(0, 1)) > 0)
    # Nobody is "not yet hired" on the first day: staff present from the start are hired
    # (at work, or away on long-term leave).
    model = engine.model
    staff = np.array([sum(g.headcount for g in model.groups if g.site == sw.site.id) for sw in engine.world.sites])
    assert np.array_equal(counts[:, 0, [AWAY, TRAINED, UNTRAINED]].sum(axis=1), staff)


def test_heavy_turnover_conserves_learners():
    # Two leavers per position a year (an extreme), one to 14 days to replace them (at
    # least a day; lags under a day: the test below), and St. Olavs'
    # postponement that sends stale training to refreshers: many new hires, many leavers
    # in class queues, refreshers and fading training.
    engine = play(shipped_model({"uncertainty.turnover_per_year": 2.0,
                                 "uncertainty.hire_lag_days": {"dist": "uniform", "low": 1, "high": 14}}), seed=3)
    counts = check_conservation(engine)
    L = engine.learners
    assert np.count_nonzero(L.hire_day != BEFORE) > 0.5 * sum(g.headcount for g in engine.model.groups)
    assert np.count_nonzero(L.refresh_day != NEVER) > 0  # St. Olavs' postponement refreshed some
    assert np.all(counts.sum(axis=(0, 1)) > 0)


def test_without_turnover_every_position_is_held_every_day():
    # No turnover: nobody is hired or leaves, so trained + untrained is the headcount on
    # every day, and at the end everyone is trained.
    engine = play(small_model(), seed=1)
    counts = check_conservation(engine)
    assert np.all(counts[0, :, NOT_HIRED] == 0) and np.all(counts[0, :, LEFT] == 0) and np.all(counts[0, :, AWAY] == 0)
    assert np.all(counts[0, :, TRAINED] + counts[0, :, UNTRAINED] == 100)
    assert counts[0, -1, TRAINED] == 100


# A small model to vary: two groups, one room or two, turnover from none to heavy, hiring
# lags from none to two months, new-hire grace, long-term leave from none to half the
# staff (back at go-live, within a month or within half a year), and sometimes a
# postponement (refreshers).
models = st.fixed_dictionaries({
    "staff_group": st.tuples(st.integers(1, 40), st.integers(1, 40)).map(lambda h: [
        {"id": "g1", "site": "a", "role": "nurse", "headcount": h[0], "curriculum": "basic"},
        {"id": "g2", "site": "a", "role": "doctor", "headcount": h[1], "curriculum": "basic"}]),
    "venue.a-venue.rooms": st.integers(0, 2),
    "instructor_pool.a-instructors.count": st.integers(0, 2),
    "curriculum.basic.course.course.hours": st.sampled_from([3.5, 7.0, 14.0]),
    "curriculum.basic.self_training_hours": st.sampled_from([0, 4]),
    "curriculum.basic.valid_weeks": st.sampled_from([8, 12]),
    "curriculum.basic.refresher": st.just({"hours": 3.5, "max_class": 10}),
    "site.a.postponement": st.sampled_from([[], [{"decided": D(2023, 4, 20), "go_live": D(2023, 6, 17)}]]),
    "uncertainty.turnover_per_year": st.sampled_from([0, 0.5, 2.0, 5.0]),
    "uncertainty.hire_lag_days": st.sampled_from([1, 14, {"dist": "uniform", "low": 1, "high": 60}]),
    "uncertainty.no_show_probability": st.floats(0, 0.3),
    "uncertainty.elearning_pace_hours_per_day": st.just({"dist": "lognormal", "mean": 0.5, "sd": 0.3}),
    "operations.new_hire_grace_days": st.integers(0, 28),
    "uncertainty.long_term_leave_share": st.sampled_from([0, 0.1, 0.5]),
    "uncertainty.long_term_leave_return_weeks": st.sampled_from([0, 4, {"dist": "uniform", "low": 0, "high": 26}]),
})


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overrides=models, seed=st.integers(0, 2**32))
def test_conservation_on_random_small_models(overrides: dict[str, Any], seed: int) -> None:
    check_conservation(play(small_model(**overrides), seed))


def test_a_replacement_never_starts_before_the_leaver_has_gone():
    # hire_lag_days = 0 (as in tests/data/small-model.toml) and five leavers per position
    # a year: with seed 1, three of the 100 holders leave within a day of e-learning
    # opening (Sat 11 Feb 2023); each is there until 12 Feb, so their replacements may not
    # start before 12 Feb (they once started on 11 Feb: 102 people in 100 positions).
    model = small_model(**{"uncertainty.turnover_per_year": 5.0})
    assert load_toml(SMALL_MODEL)["uncertainty"]["hire_lag_days"] == 0
    streams = RandomStreams(1, 0)
    world = draw_world(model, streams)
    L = draw_learners(model, world, streams)
    employed = [np.count_nonzero((L.hire_day <= day) & (L.leave_day > day)) for day in range(world.n_days)]
    assert max(employed) <= model.groups[0].headcount


def _break_hire(L) -> None:
    i = int(np.flatnonzero(L.hire_day != BEFORE)[0])
    L.leave_day[i] = L.hire_day[i]  # leaves the day they are hired: in no state, or two


def _break_trained(L) -> None:
    i = int(np.flatnonzero(L.hire_day != BEFORE)[0])
    L.trained_day[i] = L.hire_day[i] - 1  # trained before being hired


def _break_refresh(L) -> None:
    i = int(np.flatnonzero(L.trained_day != NEVER)[0])
    L.refresh_day[i] = L.trained_day[i] - 1  # refreshed before being trained


def _break_position(L) -> None:
    i = int(np.flatnonzero(L.hire_day != BEFORE)[0])
    L.hire_day[i] -= 60  # a replacement who starts while the position is still held


def _break_leave(L) -> None:
    i = int(np.flatnonzero((L.hire_day == BEFORE) & (L.trained_day != NEVER))[0])
    L.return_day[i] = L.trained_day[i] + 1  # trained while away on long-term leave


@pytest.mark.parametrize("corrupt", [_break_hire, _break_trained, _break_refresh, _break_position, _break_leave])
def test_the_check_catches_broken_bookkeeping(corrupt) -> None:
    # The check is not a tautology: a learner array out of step with itself or with the
    # engine's own accounting fails it.
    engine = play(small_model(**{"uncertainty.turnover_per_year": 2.0, "uncertainty.hire_lag_days": 14}), seed=5)
    check_conservation(engine)
    corrupt(engine.learners)
    with pytest.raises(AssertionError):
        check_conservation(engine)
