"""The production engine against the per-learner reference implementation (sim/verification/reference.py).

Two kinds of check. Without randomness the two must give the same schedule exactly,
learner by learner. With randomness they draw from different streams, so they can only
agree in distribution: two-sample tests over independent replications, with a
deliberately altered model given to the reference to show the tests can tell a real
difference from noise.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats

from sim.engine.learners import NEVER, draw_learners
from sim.engine.replication import run_replication
from sim.engine.rollout import Engine
from sim.engine.streams import RandomStreams
from sim.engine.world import draw_world
from sim.model.model_file import build_model, load_toml
from sim.model.overrides import apply_overrides
from sim.model.spec import ModelSpec
from sim.verification.reference import check_core, core_problems, run_reference
from tests.conftest import DATA, small_model

CORE_MODEL = DATA / "core-model.toml"


def core_model(overrides: list[tuple[str, Any]] = ()) -> ModelSpec:
    """The core test model with dotted-key overrides."""
    return build_model(apply_overrides(load_toml(CORE_MODEL), list(overrides)), Path(CORE_MODEL))


# -- what the reference refuses ----------------------------------------------------------------
@pytest.mark.parametrize(("override", "named"), [
    ({"uncertainty.turnover_per_year": 0.1}, "turnover_per_year"),
    ({"uncertainty.learner_sick_probability": 0.05}, "learner_sick_probability"),
    ({"uncertainty.instructor_sick_probability": {"dist": "uniform", "low": 0, "high": 0.1}},
     "instructor_sick_probability"),
    ({"uncertainty.go_live_delay_days": {"dist": "triangular", "low": 0, "mode": 0, "high": 21}}, "go_live_delay_days"),
    ({"site.a.postponement": [{"decided": dt.date(2023, 4, 20), "go_live": dt.date(2023, 11, 4)}]}, "postponement"),
    ({"curriculum.basic.proficiency": {"pass_probability": 0.9, "max_attempts": 2}}, "proficiency"),
    ({"curriculum.basic.refresher": {"hours": 3.5, "max_class": 10}}, "refresher"),
    ({"instructor_pool.a-instructors.loan": [{"to_site": "a", "count": 1, "start": dt.date(2023, 3, 1),
                                              "end": dt.date(2023, 3, 31)}]}, "loan"),
])
def test_refuses_what_it_does_not_implement(override, named):
    model = small_model(**override)
    with pytest.raises(ValueError, match=named):
        run_reference(model, 1)
    assert core_problems(small_model()) == []  # the unaltered small model is core
    check_core(core_model())


def test_refuses_two_sites():
    raw = load_toml(DATA / "small-model.toml")
    raw["site"].append({**raw["site"][0], "id": "b", "name": "Site B"})
    raw["staff_group"].append({**raw["staff_group"][0], "id": "b-staff", "site": "b"})
    model = build_model(raw, DATA / "small-model.toml")
    with pytest.raises(ValueError, match="2 sites"):
        run_reference(model, 1)


# -- exact agreement without randomness --------------------------------------------------------
NO_RANDOMNESS = [("uncertainty.elearning_pace_hours_per_day", 0.5), ("uncertainty.self_training_pace_hours_per_day", 1),
                 ("uncertainty.no_show_probability", 0), ("uncertainty.certification_delay_days", 3)]
DETERMINISTIC_VARIANTS = {
    "as-written": [],
    "largest-backlog": [("model.scheduling_policy", "largest_backlog")],
    "no-preparation": [("instructor_pool.instructors.prep_slots", 0)],
    "one-slot-a-day": [("model.slots_per_day", 1), ("model.slot_hours", 7)],
    "four-slots-a-day": [("model.slots_per_day", 4), ("model.slot_hours", 2), ("instructor_pool.instructors.count", 3)],
    # Super-users without a unit of their own have a cap of their share of the site's
    # whole headcount (floor(0.2 x 250) = 50, not floor(0.2 x 60) = 12); in a unit of
    # their own, of their own headcount.
    "office-is-super-users": [("curriculum.office.kind", "super_user")],
    "office-is-super-users-in-a-unit": [("curriculum.office.kind", "super_user"), ("staff_group.secretaries.unit", "office")],
    # Office staff ready in a trickle while clinical classes run: the minimum class size,
    # the booking horizon and the unit caps all decide.
    "trickle": [("curriculum.office.elearning_hours", 9), ("uncertainty.elearning_pace_hours_per_day", 0.25),
                ("curriculum.office.course.office-course.min_class", 6), ("operations.booking_horizon_days", 10),
                ("operations.max_share_in_class_per_day", 0.05)],
    "tight-window": [("curriculum.clinical.window_weeks", 5), ("curriculum.office.window_weeks", 3)],
    # Trained once the course is done; self-training after it does not count.
    "self-training-not-required": [("readiness.self_training", False)],
    "share-below-one": [("readiness.share", 0.9), ("readiness.self_training", False)],
}


def _engine_learners(model: ModelSpec, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The production engine's per-learner ready and trained days (one replication)."""
    streams = RandomStreams(seed, 0)
    world = draw_world(model, streams)
    learners = draw_learners(model, world, streams)
    engine = Engine(model, world, learners, streams)
    engine.run()
    return learners.first_ready_day, learners.trained_day


@pytest.mark.parametrize("variant", sorted(DETERMINISTIC_VARIANTS))
def test_same_schedule_as_the_engine_without_randomness(variant):
    model = core_model(NO_RANDOMNESS + DETERMINISTIC_VARIANTS[variant])
    ref = run_reference(model, 1)
    eng = run_replication(model, 1, 0).outcomes[0]
    o = ref.outcome
    assert (o.completion_date, o.date_95, o.first_class_date) == (eng.completion_date, eng.date_95, eng.first_class_date)
    assert (o.staff_required, o.trained_at_go_live, o.sessions_run) == (
        eng.staff_required, eng.trained_at_go_live, eng.sessions_run)
    # Learner by learner: both number learners by staff group in model order, and both
    # book first-timers in the order they finished e-learning.
    ready, trained = _engine_learners(model, 1)
    assert np.array_equal(ref.first_ready_day, ready)
    # The engine's "beyond the calendar" is its day count; the reference's is NEVER.
    assert np.array_equal(np.where(ref.trained_day >= ref.n_days, NEVER, ref.trained_day),
                          np.where(trained >= ref.n_days, NEVER, trained))


def test_the_super_user_cap_rule_changes_the_schedule():
    # The two super-user variants above differ only in the cap: the exact agreement in
    # both says the reference follows the engine's rule, not just that the cap never binds.
    def schedule(variant: str) -> tuple:
        model = core_model(NO_RANDOMNESS + DETERMINISTIC_VARIANTS[variant])
        o = run_replication(model, 1, 0).outcomes[0]
        return o.completion_date, o.sessions_run, _engine_learners(model, 1)[1].tolist()

    assert schedule("office-is-super-users") != schedule("office-is-super-users-in-a-unit")


@pytest.mark.parametrize("overrides", [
    {}, {"curriculum.basic.course.course.hours": 14}, {"site.a.go_live": dt.date(2023, 5, 29)},
    {"curriculum.basic.elearning_hours": 10, "curriculum.basic.elearning_opens_weeks_before_go_live": 8,
     "uncertainty.elearning_pace_hours_per_day": 1, "venue.a-venue.rooms": 100,
     "instructor_pool.a-instructors.count": 100},
    {"venue.a-venue.rooms": 0},
])
def test_hand_computed_small_model_cases_agree(overrides):
    # The schedules tests/engine/test_rollout.py checks by hand (Easter, two-day courses,
    # unlimited capacity, no rooms): the reference finds the same dates.
    model = small_model(**overrides)
    ref, eng = run_reference(model, 1).outcome, run_replication(model, 1, 0).outcomes[0]
    assert (ref.completion_date, ref.first_class_date, ref.sessions_run, ref.share_trained) == (
        eng.completion_date, eng.first_class_date, eng.sessions_run, eng.share_trained)


# -- agreement in distribution -----------------------------------------------------------------
# How the test is set up, and why its tolerance is enough:
# - N independent replications of each (the engine with seed 20240601, replications
#   0..N-1; the reference with its own seeds), on the core model, whose randomness is
#   e-learning and self-training paces per learner, a no-show rate per replication, a wait
#   per no-show and a certification delay.
# - Three statistics per replication: slack days (go-live minus completion date; "not
#   within the horizon" counts as later than any date), share trained at go-live, and
#   classes run. Each is compared with a two-sample Kolmogorov-Smirnov test.
# - Family-wise significance 1%, Bonferroni over the three tests: each at 0.01/3. With
#   both implementations right, a fixed seed fails with probability at most 1% (and, the
#   seeds being fixed, the outcome is the same on every run). KS p-values are
#   conservative for discrete data (ties), which only lowers that risk.
# - Power: with N = 300 a side the test rejects at 0.0033 when the two distribution
#   functions differ by more than D = 1.79 * sqrt(2/N) = 0.146 anywhere (half the time
#   when the true gap is that; nearly always at 0.22). For a normal-shaped statistic a
#   shift of 0.37 standard deviations gives a gap of 0.146 and 0.55 sd gives 0.22. Across
#   replications the share trained has a standard deviation of about 0.04 and classes run
#   about 2, so a real difference of 2 points of share or one class in the mean is found;
#   the altered models below (one seat less in a two-day course, or no booking horizon,
#   each changing capacity by a few per cent) are found with p below 1e-4.
N_REPS = 300
ALPHA = 0.01 / 3


def _statistics(outcomes) -> dict[str, np.ndarray]:
    late = -(10**4)  # not within the horizon: later than any date
    return {
        "slack_days": np.array([late if o.completion_date is None else (o.go_live - o.completion_date).days
                                for o in outcomes]),
        "share_trained": np.array([o.share_trained for o in outcomes]),
        "sessions_run": np.array([o.sessions_run for o in outcomes]),
    }


@pytest.fixture(scope="module")
def engine_sample() -> dict[str, np.ndarray]:
    model = core_model()
    return _statistics([run_replication(model, 20240601, i, sessions=False).outcomes[0] for i in range(N_REPS)])


def _reference_sample(model: ModelSpec) -> dict[str, np.ndarray]:
    return _statistics([run_reference(model, 7_000_000 + i).outcome for i in range(N_REPS)])


def _p_values(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, float]:
    return {k: float(stats.ks_2samp(a[k], b[k]).pvalue) for k in a}


@pytest.mark.slow
def test_engine_and_reference_agree_in_distribution(engine_sample):
    ref = _reference_sample(core_model())
    p = _p_values(engine_sample, ref)
    assert min(p.values()) > ALPHA, p
    # The comparison is not vacuous: the statistics vary between replications.
    assert all(np.unique(v).size > 5 for v in ref.values())


@pytest.mark.slow
@pytest.mark.parametrize("alteration", [
    [("curriculum.clinical.course.workflows.max_class", 11)],  # one seat less in the two-day course
    [("operations.booking_horizon_days", 0)],  # small classes never held back
])
def test_an_altered_reference_fails_the_same_test(engine_sample, alteration):
    ref = _reference_sample(core_model(alteration))
    p = _p_values(engine_sample, ref)
    assert min(p.values()) < ALPHA, p
