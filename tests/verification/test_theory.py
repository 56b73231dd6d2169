"""The simulation against queueing theory: Erlang C and Little's law.

The production engine is slot-based (classes start at slot boundaries and last whole
slots), so it cannot be an M/M/c queue; the Erlang-C check runs on the reference
implementation's continuous-time mode (sim/reference.run_single_queue). Little's law is
checked on both: as an exact identity of the sample path (the queue summed over time
equals the waits summed over learners) and as L = lambda W.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sim.engine.learners import draw_learners
from sim.engine.rollout import SESSION_FIELDS, Engine
from sim.engine.streams import RandomStreams
from sim.engine.world import draw_world
from sim.verification.queueing import erlang_c
from sim.verification.reference import run_reference, run_single_queue
from tests.conftest import small_model
from tests.verification.test_reference import core_model


# -- the formula itself ------------------------------------------------------------------------
def test_erlang_c_matches_closed_forms():
    # M/M/1: P(wait) = rho, Wq = rho / (mu - lam).
    p, wq = erlang_c(1, 0.5, 1.0)
    assert p == pytest.approx(0.5) and wq == pytest.approx(1.0)
    # M/M/2 with a = lam/mu: P(wait) = a^2 / (2 + a) (from the sum over states).
    for a in (0.4, 1.0, 1.7):
        p, wq = erlang_c(2, a, 1.0)
        assert p == pytest.approx(a * a / (2 + a))
        assert wq == pytest.approx(p / (2 - a))
    # Many servers: the recursion must not overflow where a^c / c! would.
    p, _ = erlang_c(400, 380.0, 1.0)
    assert 0 < p < 1
    with pytest.raises(ValueError):
        erlang_c(3, 3.0, 1.0)


# -- (a) Erlang C on the reference's continuous-time mode ----------------------------------------
# Set-up and tolerance: c = 3 instructors, classes of one lasting Exp(1) days, Poisson
# arrivals at rate lam (load rho = lam / 3). Each of R = 20 independent replications
# starts empty, serves 10,000 learners and discards the first 1,000 waits (a warm-up of
# more than 400 days, far beyond the few days the queue takes to forget its empty start,
# so the start-up bias is a small fraction of the interval below). The per-replication
# mean waits are independent and, averaging 9,000 strongly but finitely correlated waits,
# close to normal, so mean +- t(0.995, 19) * sd / sqrt(R) is a 99% confidence interval for
# the stationary mean wait: a correct simulation fails with probability about 1% (fixed
# seeds, so always the same outcome). The interval is also required to be narrow (half
# width under 15% of Wq), and the Erlang-C wait of a 10% higher load must lie outside it:
# the check would notice a queue that is 10% too busy.
R_QUEUE = 20
CUSTOMERS, WARM_UP = 10_000, 1_000


@pytest.mark.slow
@pytest.mark.parametrize("lam", [1.5, 2.4])  # rho = 0.5 and 0.8
def test_reference_single_queue_gives_the_erlang_c_wait(lam):
    c, mu = 3, 1.0
    means, little = [], []
    for rep in range(R_QUEUE):
        run = run_single_queue(c, lam, mu, CUSTOMERS, seed=9_000 + rep)
        waits = run.start - run.arrival
        assert np.all(waits >= 0)
        means.append(waits[WARM_UP:].mean())
        # Little's law on this run, exactly: the queue started and ended empty, so the
        # area under the number waiting equals the sum of the waits.
        assert run.queue_area == pytest.approx(waits.sum(), rel=1e-9)
        little.append(run.queue_area / run.end)
    means = np.array(means)
    half = stats.t.ppf(0.995, R_QUEUE - 1) * means.std(ddof=1) / math.sqrt(R_QUEUE)
    _, wq = erlang_c(c, lam, mu)
    assert abs(means.mean() - wq) <= half, (means.mean(), half, wq)
    assert half < 0.15 * wq
    _, wq_busier = erlang_c(c, 1.1 * lam, mu)
    assert abs(means.mean() - wq_busier) > half
    # L = lambda W in the time average: about lam * Wq learners waiting (same 99%
    # interval argument; the warm-up is kept here, a bias of well under 1%).
    little = np.array(little)
    half_l = stats.t.ppf(0.995, R_QUEUE - 1) * little.std(ddof=1) / math.sqrt(R_QUEUE)
    assert abs(little.mean() - lam * wq) <= half_l + 0.01 * lam * wq, (little.mean(), half_l, lam * wq)


def test_single_queue_is_first_come_first_served():
    run = run_single_queue(2, 1.8, 1.0, 2_000, seed=3)
    # Classes start in the order learners arrived (nobody overtakes in the queue).
    assert np.all(np.diff(run.start[np.argsort(run.arrival)]) >= 0)
    assert np.all(np.diff(run.arrival) > 0)


# -- (b) Little's law on the production engine's class queue -------------------------------------
def _little_identity(ready: np.ndarray, booked: np.ndarray, waiting: np.ndarray) -> None:
    """For every window [0, T): the number waiting summed over its days equals the days
    each learner waited inside it (learners never booked wait until the window ends)."""
    n_days = waiting.size
    windows = np.arange(1, n_days + 1)
    area = np.cumsum(waiting)
    waited = np.array([np.sum(np.minimum(booked, t) - np.minimum(ready, t)) for t in windows])
    np.testing.assert_array_equal(area, waited)


def _engine_model():
    # The small model with e-learning that finishes at random times (a stream of
    # learners becoming ready) and one room and instructor, so a queue forms.
    return small_model(**{
        "staff_group.a-staff.headcount": 220, "curriculum.basic.elearning_hours": 4,
        "curriculum.basic.elearning_opens_weeks_before_go_live": 10,
        "uncertainty.elearning_pace_hours_per_day": {"dist": "lognormal", "mean": 0.6, "sd": 0.4},
        "curriculum.basic.course.course.min_class": 4, "operations.booking_horizon_days": 3,
    })


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_littles_law_on_the_engine_class_queue(seed):
    # One one-slot course, no self-training and no no-shows, so a learner's class day is
    # their trained day and they queue once: from first_ready_day until that day.
    model = _engine_model()
    streams = RandomStreams(seed, 0)
    world = draw_world(model, streams)
    learners = draw_learners(model, world, streams)
    engine = Engine(model, world, learners, streams)
    engine.run()
    n_days, S = world.n_days, model.slots_per_day
    ready = learners.first_ready_day
    booked = np.minimum(learners.trained_day, n_days)  # never booked: waits to the end
    # The queue as the sessions saw it, independently of the learners' records:
    # arrivals by day minus seats booked by day.
    sessions = engine.session_table()
    start_day = (sessions[:, SESSION_FIELDS.index("start_slot")] // S).astype(np.int64)
    seats = np.bincount(start_day, weights=sessions[:, SESSION_FIELDS.index("booked")], minlength=n_days)
    arrived = np.bincount(np.minimum(ready, n_days), minlength=n_days + 1)[:n_days]
    waiting = np.cumsum(arrived) - np.cumsum(seats).astype(np.int64)
    assert waiting.min() >= 0 and waiting.max() > 20  # a real queue formed
    _little_identity(ready, booked, waiting)
    # L = lambda W over the whole run (it starts and ends with nobody waiting).
    assert waiting[0] == 0 and waiting[-1] == 0
    L = waiting.mean()
    lam = ready.size / n_days
    W = np.mean(booked - ready)
    assert L == pytest.approx(lam * W, rel=1e-12)


# -- (c) Little's law on the reference ------------------------------------------------------------
@pytest.mark.parametrize("seed", [1, 2])
def test_littles_law_on_the_reference_queues(seed):
    # The core model, with no-shows (learners queue again) and two courses (a second
    # queue): the planner's end-of-day count of learners waiting against each waiting
    # episode the learners recorded.
    result = run_reference(core_model(), seed)
    learner, _stage, ready, booked = result.episodes.T
    assert np.any(np.bincount(learner) > 2)  # someone queued again after a no-show
    booked = np.minimum(booked, result.n_days)
    _little_identity(ready, booked, result.waiting_end_of_day)
    assert result.waiting_end_of_day.max() > 20
