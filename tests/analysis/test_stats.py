"""Tests for sim.analysis.stats."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.analysis.stats import mean_ci, quantile_ci, quantile_days, wilson_interval

INF = math.inf

# ---------------------------------------------------------------- wilson_interval

# By hand from centre = (p + z^2/2n) / (1 + z^2/n),
# half = z / (1 + z^2/n) * sqrt(p(1-p)/n + z^2/4n^2), z = 1.959963985 (z^2 = 3.841458821):
#   0/10:   centre = 0.192073/1.384146 = 0.138766 = half      -> (0, 0.277533)
#   5/10:   centre = 0.5, half = 1.416004 * sqrt(0.034604)     -> (0.236593, 0.763407)
#   23/100: centre = 0.249207/1.038415 = 0.239988,
#           half = 1.887460 * sqrt(0.001867036) = 0.081556     -> (0.158433, 0.321544)
@pytest.mark.parametrize(
    ("successes", "n", "expected"),
    [(0, 10, (0.0, 0.277533)), (5, 10, (0.236593, 0.763407)), (23, 100, (0.158433, 0.321544))],
)
def test_wilson_known_values(successes: int, n: int, expected: tuple[float, float]) -> None:
    assert wilson_interval(successes, n) == pytest.approx(expected, abs=1e-6)


def test_wilson_boundaries_are_exact() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)
    assert wilson_interval(0, 7)[0] == 0.0
    assert wilson_interval(7, 7)[1] == 1.0


@settings(deadline=None, max_examples=200)
@given(
    n=st.integers(1, 2000),
    frac=st.floats(0, 1),
    confidence=st.sampled_from([0.5, 0.8, 0.9, 0.95, 0.99, 0.999]),
)
def test_wilson_matches_scipy(n: int, frac: float, confidence: float) -> None:
    successes = round(frac * n)
    ref = stats.binomtest(successes, n).proportion_ci(confidence_level=confidence, method="wilson")
    low, high = wilson_interval(successes, n, confidence)
    assert (low, high) == pytest.approx((ref.low, ref.high), abs=1e-12)
    assert low <= successes / n <= high


@pytest.mark.parametrize(("successes", "n", "confidence"), [(-1, 5, 0.95), (6, 5, 0.95), (1, 5, 1.0), (1, 5, 0.0)])
def test_wilson_rejects_bad_input(successes: int, n: int, confidence: float) -> None:
    with pytest.raises(ValueError):
        wilson_interval(successes, n, confidence)


# ---------------------------------------------------------------- quantile_days

def test_quantile_days_by_hand() -> None:
    days = np.array([3.0, 1.0, INF, 2.0])  # sorted: 1, 2, 3, inf; F_n steps by 1/4
    assert quantile_days(days, 0.0) == 1.0
    assert quantile_days(days, 0.25) == 1.0
    assert quantile_days(days, 0.26) == 2.0
    assert quantile_days(days, 0.5) == 2.0
    assert quantile_days(days, 0.75) == 3.0
    assert quantile_days(days, 0.76) == INF
    assert quantile_days(days, 1.0) == INF
    assert quantile_days(np.full(5, INF), 0.1) == INF


def test_quantile_days_whole_n_times_q_is_not_rounded_up() -> None:
    # 0.07 * 100 == 7.000000000000001 in floating point; the 7th value is the answer.
    assert quantile_days(np.arange(1.0, 101.0), 0.07) == 7.0


@settings(deadline=None)
@given(
    values=st.lists(st.integers(0, 60), min_size=1, max_size=300),
    q=st.floats(0, 1),
)
def test_quantile_days_matches_numpy_inverted_cdf(values: list[int], q: float) -> None:
    n_q = len(values) * q
    assume(abs(n_q - round(n_q)) > 1e-6)  # numpy rounds 7.000000000000001 up; see test above
    x = np.array(values, dtype=float)
    assert quantile_days(x, q) == np.quantile(x, q, method="inverted_cdf")


@given(
    values=st.lists(st.one_of(st.integers(0, 60).map(float), st.just(INF)), min_size=1, max_size=100),
    q=st.floats(0, 1),
)
def test_quantile_days_is_an_observed_value(values: list[float], q: float) -> None:
    result = quantile_days(np.array(values), q)
    assert result in values
    # Inverted CDF: at least a fraction q of the data is <= result, and nothing smaller qualifies.
    x = np.array(values)
    assert np.mean(x <= result) >= q - 1e-9
    assert all(np.mean(x <= v) < q - 1e-9 for v in x[x < result])


@pytest.mark.parametrize(
    ("values", "q"), [(np.array([]), 0.5), (np.array([1.0, np.nan]), 0.5), (np.array([1.0]), 1.5), (np.ones((2, 2)), 0.5)]
)
def test_quantile_functions_reject_bad_input(values: np.ndarray, q: float) -> None:
    with pytest.raises(ValueError):
        quantile_days(values, q)
    with pytest.raises(ValueError):
        quantile_ci(values, q)


# ---------------------------------------------------------------- quantile_ci

def test_quantile_ci_small_samples() -> None:
    # Median, 95 %: tail a = 0.025. n = 5: P(B = 0) = 1/32 = 0.031 > a, so neither
    # side can be bounded. n = 6: P(B = 0) = 1/64 = 0.016 <= a < P(B <= 1) = 7/64.
    assert quantile_ci(np.arange(1.0, 6.0), 0.5) == (-INF, INF)
    assert quantile_ci(np.arange(1.0, 7.0), 0.5) == (1.0, 6.0)
    # Normal approximation for n = 200: P(B <= 85) = 0.020 <= a < P(B <= 86) = 0.028.
    assert quantile_ci(np.arange(1.0, 201.0), 0.5) == (86.0, 115.0)


def test_quantile_ci_returns_inf_for_censored_order_statistic() -> None:
    days = np.concatenate([np.arange(1.0, 41.0), np.full(60, INF)])  # 60 % never completed
    low, high = quantile_ci(days, 0.5)
    assert math.isfinite(low) and high == INF
    # Fully observed region. B ~ Binomial(100, 0.2): P(B <= 11) = 0.0126 <= 0.025 < P(B <= 12)
    # = 0.0253, so l = 12; P(B >= 29) = 0.0200 <= 0.025 < P(B >= 28) = 0.0342, so u = 29.
    assert quantile_ci(days, 0.2) == (12.0, 29.0)


@settings(deadline=None, max_examples=300)
@given(n=st.integers(1, 400), q=st.floats(0, 1), confidence=st.sampled_from([0.5, 0.8, 0.9, 0.95, 0.99]))
def test_quantile_ci_orders_are_the_extreme_valid_ones(n: int, q: float, confidence: float) -> None:
    a = (1 - confidence) / 2
    low, high = quantile_ci(np.arange(1.0, n + 1.0), q, confidence)  # value == order
    if low == -INF:
        assert (1 - q) ** n > a * (1 - 1e-9)
    else:
        lo = int(low)
        assert stats.binom.cdf(lo - 1, n, q) <= a and (lo == n or stats.binom.cdf(lo, n, q) > a)
    if high == INF:
        assert q**n > a * (1 - 1e-9)
    else:
        u = int(high)
        assert stats.binom.sf(u - 1, n, q) <= a and (u == 1 or stats.binom.sf(u - 2, n, q) > a)


@settings(deadline=None)
@given(
    values=st.lists(st.one_of(st.integers(0, 30).map(float), st.just(INF)), min_size=1, max_size=200),
    q=st.floats(0, 1),
    confidence=st.sampled_from([0.5, 0.9, 0.95, 0.99]),
)
def test_quantile_ci_contains_point_estimate(values: list[float], q: float, confidence: float) -> None:
    x = np.array(values)
    low, high = quantile_ci(x, q, confidence)
    assert low <= quantile_days(x, q) <= high
    assert low in values or low == -INF
    assert high in values or high == INF


@pytest.mark.slow
@pytest.mark.parametrize("q", [0.5, 0.9])
def test_quantile_ci_coverage_by_simulation(q: float) -> None:
    reps, n, scale = 2000, 200, 10.0
    rng = np.random.default_rng(20240611)
    samples = rng.exponential(scale, size=(reps, n))
    # The order-statistic interval is conservative: for a continuous distribution its
    # exact coverage is P(lo <= B < hi), B ~ Binomial(n, q), e.g. 0.960 for the median
    # at n = 200, so compare with that rather than the nominal 0.95. The estimate's
    # binomial sd is sqrt(c(1-c)/2000) ~= 0.0049 at c = 0.95, so +-3 sd = 0.015.
    tol = 3 * math.sqrt(0.95 * 0.05 / reps)
    sorted_orders = np.arange(1.0, n + 1.0)
    lo, hi = quantile_ci(sorted_orders, q)
    exact = stats.binom.cdf(hi - 1, n, q) - stats.binom.cdf(lo - 1, n, q)
    assert exact >= 0.95

    # Continuous: true quantile of Exponential(scale).
    true_q = -scale * math.log(1 - q)
    covered = [lo <= true_q <= hi for lo, hi in (quantile_ci(s, q) for s in samples)]
    assert abs(np.mean(covered) - exact) <= tol

    # Whole days with censoring at a horizon, as the simulation reports them: ties
    # make the interval more conservative, so only a lower bound on coverage holds.
    horizon = 25.0
    days = np.ceil(samples)
    days[days > horizon] = INF
    true_day = math.ceil(true_q)  # smallest whole day d with P(ceil(X) <= d) >= q
    covered = [lo <= true_day <= hi for lo, hi in (quantile_ci(d, q) for d in days)]
    assert np.mean(covered) >= 0.95 - tol


# ---------------------------------------------------------------- mean_ci

def test_mean_ci_by_hand() -> None:
    # mean 3, s = sqrt(2.5), t(0.975, 4) = 2.776445 -> half = 2.776445 * 1.581139 / sqrt(5) = 1.963243
    assert mean_ci(np.array([1.0, 2.0, 3.0, 4.0, 5.0])) == pytest.approx((3.0, 1.036757, 4.963243), abs=1e-6)


@given(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=50), st.sampled_from([0.8, 0.95, 0.99]))
def test_mean_ci_matches_scipy_t_interval(values: list[float], confidence: float) -> None:
    x = np.array(values)
    assume(np.std(x, ddof=1) > 1e-6 * max(1.0, float(np.max(np.abs(x)))))  # scipy returns nan for zero spread
    mean, low, high = mean_ci(x, confidence)
    ref = stats.t.interval(confidence, x.size - 1, loc=np.mean(x), scale=stats.sem(x))
    assert (low, high) == pytest.approx(ref, rel=1e-9, abs=1e-9)
    assert low <= mean <= high


def test_mean_ci_small_and_degenerate() -> None:
    assert all(math.isnan(v) for v in mean_ci(np.array([])))
    mean, low, high = mean_ci(np.array([4.0]))
    assert mean == 4.0 and math.isnan(low) and math.isnan(high)
    assert mean_ci(np.array([2.0, 2.0, 2.0])) == (2.0, 2.0, 2.0)


@pytest.mark.parametrize("values", [np.array([1.0, INF]), np.array([1.0, np.nan]), np.ones((2, 2))])
def test_mean_ci_rejects_bad_input(values: np.ndarray) -> None:
    with pytest.raises(ValueError):
        mean_ci(values)


def test_newcombe_interval_matches_a_published_example():
    # Newcombe (1998), Statistics in Medicine 17:873, table II example (56/70 vs 48/80):
    # difference 0.2 with hybrid score interval 0.0524 to 0.3339 (p1 - p2 there; here p2 - p1).
    from sim.analysis.stats import newcombe_interval

    low, high = newcombe_interval(48, 80, 56, 70)
    assert low == pytest.approx(0.0524, abs=5e-4) and high == pytest.approx(0.3339, abs=5e-4)


def test_welch_interval_covers_a_known_difference():
    from sim.analysis.stats import welch_interval

    rng = np.random.default_rng(5)
    hits = 0
    for _ in range(400):
        _, low, high = welch_interval(rng.normal(0, 1, 30), rng.normal(1, 3, 20))
        hits += low <= 1 <= high
    # 95% coverage: 400 trials give a binomial SD of about 1.1 points, so 91-99% is a wide margin.
    assert 0.91 <= hits / 400 <= 0.99


@given(st.integers(0, 10_000), st.integers(1, 10_000), st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_intervals_take_the_quantiles_scipy_stats_gives(k: int, n: int, confidence: float) -> None:
    # The module computes z and t from scipy.special (to avoid importing scipy.stats at
    # start-up); the intervals must be the very numbers norm.ppf and t.ppf give.
    assume(k <= n)
    z = stats.norm.ppf(1 - (1 - confidence) / 2)
    p, denom = k / n, 1 + z * z / n
    centre, half = (p + z * z / (2 * n)) / denom, z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    low, high = wilson_interval(k, n, confidence)
    assert low == (0.0 if k == 0 else max(0.0, centre - half))
    assert high == (1.0 if k == n else min(1.0, centre + half))
    x = np.arange(min(n, 50) + 2, dtype=float) ** 1.5
    mean, lo, hi = mean_ci(x, confidence)
    half_t = float(stats.t.ppf(1 - (1 - confidence) / 2, x.size - 1)) * float(np.std(x, ddof=1)) / math.sqrt(x.size)
    assert (lo, hi) == (mean - half_t, mean + half_t)
