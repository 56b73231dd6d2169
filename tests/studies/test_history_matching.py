"""History matching on a synthetic model whose truth is known: the weighted sample it
accepts covers the parameters that made the observations about as often as it says it
does, and an observation no parameter can reach is reported as nothing plausible."""
from __future__ import annotations

import numpy as np
import pytest

from sim.studies.history_matching import (
    CUT_OFF,
    Observations,
    history_match,
    refocus,
    sobol_points,
    weighted_quantiles,
)

NOISE = np.array([0.5, 0.4])  # sd between replications of the two outputs
OBSERVATION_SD = np.array([0.3, 0.3])


def _means(x: np.ndarray) -> np.ndarray:
    """Two outputs of two parameters in the unit square: one linear, one curved."""
    return np.stack([10 * x[:, 0] + 5 * x[:, 1], 8 * x[:, 1] ** 2 + 2 * x[:, 0]], axis=1)


def _simulator(seed: int, n: int = 10):
    rng = np.random.default_rng(seed)

    def simulate(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        y = _means(x)[:, :, None] + NOISE[None, :, None] * rng.standard_normal((len(x), 2, n))
        return y.mean(axis=2), y.var(axis=2, ddof=1), n
    return simulate


def _observe(theta: np.ndarray, rng: np.random.Generator) -> Observations:
    """What the world made at ``theta``: one replication, seen with observation error."""
    y = _means(theta[None, :])[0] + NOISE * rng.standard_normal(2) + OBSERVATION_SD * rng.standard_normal(2)
    return Observations(y, OBSERVATION_SD ** 2)


@pytest.mark.slow
def test_the_90_percent_intervals_cover_the_truth_about_90_percent_of_the_time():
    # 200 truths drawn from the (uniform) prior, each observed once and matched in 4 waves
    # of 256 points. If the weighted sample is the posterior, a central 90% interval holds
    # the truth in 90% of them. Tolerance 0.84-0.95: three binomial sds over 200 (2.1
    # points each) below, and one point more, as a sample of a couple of hundred effective
    # points makes its extreme quantiles a little narrow (at 512 points, 0.885 and 0.90).
    trials, hits = 200, np.zeros(2)
    for s in range(trials):
        rng = np.random.default_rng(1_000 + s)
        theta = rng.uniform(size=2)
        matching = history_match(_simulator(s), _observe(theta, rng), dims=2, points=256, waves=4, seed=s)
        assert matching.plausible
        for j in range(2):
            low, high = weighted_quantiles(matching.points[:, j], matching.weights, [0.05, 0.95])
            hits[j] += low <= theta[j] <= high
    coverage = hits / trials
    assert np.all((0.84 <= coverage) & (coverage <= 0.95)), coverage


def test_the_waves_narrow_the_space_and_keep_the_truth():
    rng = np.random.default_rng(7)
    theta = np.array([0.3, 0.6])
    matching = history_match(_simulator(7), _observe(theta, rng), dims=2, points=128, waves=3, seed=7)
    shares = [w.share_of_prior for w in matching.waves]
    assert shares[0] < 0.5 and shares[-1] <= shares[0] * 1.5  # most of the prior ruled out in the first wave
    assert all(np.all(w.low <= theta) and np.all(theta <= w.high) for w in matching.waves)
    assert matching.weights.sum() == pytest.approx(1) and matching.effective_size > 10
    mean = matching.weights @ matching.points
    assert np.allclose(mean, theta, atol=0.1)


def test_an_observation_no_parameter_can_reach_leaves_nothing_plausible():
    far = Observations(np.array([100.0, -50.0]), OBSERVATION_SD ** 2)
    matching = history_match(_simulator(3), far, dims=2, points=32, waves=3, seed=3)
    assert not matching.plausible and len(matching.weights) == 0 and matching.effective_size == 0
    assert len(matching.waves) == 3  # every wave searched the whole prior again
    assert all(w.volume == 1 and w.share_of_prior == 0 for w in matching.waves)
    assert min(w.implausibility.max(axis=1).min() for w in matching.waves) > CUT_OFF


def test_a_box_is_refocused_around_the_kept_points_with_a_margin():
    kept = np.array([[0.2, 0.5], [0.4, 0.5], [0.3, 0.5]])
    low, high = refocus(kept)
    assert low == pytest.approx([0.18, 0.49]) and high == pytest.approx([0.42, 0.51])  # 10%; at least 0.02 wide
    low, high = refocus(np.array([[0.0, 1.0], [0.05, 1.0]]))
    assert low[0] == 0 and high[1] == 1  # within the prior


def test_designs_fill_their_box_and_depend_on_the_seed_alone():
    low, high = np.array([0.2, 0.0]), np.array([0.4, 0.5])
    x = sobol_points(low, high, 64, seed=1)
    assert x.shape == (64, 2) and np.all((x >= low) & (x <= high))
    assert np.array_equal(x, sobol_points(low, high, 64, seed=1)) and not np.array_equal(x, sobol_points(low, high, 64, 2))
    # Space-filling: every quarter of each axis holds a quarter of the points.
    for j in range(2):
        counts = np.histogram(x[:, j], bins=4, range=(low[j], high[j]))[0]
        assert np.all(counts == 16), counts


def test_weighted_quantiles():
    values = np.array([3.0, 1.0, 2.0, 4.0])
    weights = np.array([0.1, 0.1, 0.7, 0.1])
    assert list(weighted_quantiles(values, weights, [0.05, 0.5, 0.95])) == [1.0, 2.0, 4.0]


def test_a_design_of_any_size_is_drawn_without_a_warning():
    # --budget rarely gives a power of two; the design says nothing to the user about it.
    x = sobol_points(np.zeros(3), np.ones(3), 52, seed=4)
    assert x.shape == (52, 3)
    assert np.all(np.histogram(x[:, 0], bins=4, range=(0, 1))[0] >= 10)  # still spread over the box
