"""Tests for sim.model.distributions."""

from __future__ import annotations

import dataclasses
import math
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from sim.model.distributions import (
    DISTRIBUTIONS,
    Beta,
    Distribution,
    DistributionError,
    Empirical,
    Exponential,
    Fixed,
    Gamma,
    Lognormal,
    Normal,
    Poisson,
    Triangular,
    Uniform,
    from_table,
    from_value,
)

N_DRAWS = 200_000


def _truncnorm_var(mu: float, sd: float, low: float, high: float) -> float:
    a, b = (low - mu) / sd, (high - mu) / sd
    return float(stats.truncnorm.var(a, b, loc=mu, scale=sd))


INF = math.inf

# (distribution, exact variance from textbook formulas, expected (support_min, support_max))
CASES: list[tuple[Distribution, float, tuple[float, float]]] = [
    (Fixed(3.5), 0.0, (3.5, 3.5)),
    (Uniform(2.0, 10.0), 8.0**2 / 12, (2.0, 10.0)),
    (Triangular(1.0, 2.0, 6.0), (1 + 4 + 36 - 2 - 6 - 12) / 18, (1.0, 6.0)),
    (Normal(5.0, 2.0), 4.0, (-INF, INF)),
    (Normal(5.0, 2.0, low=4.0, high=20.0), _truncnorm_var(5.0, 2.0, 4.0, 20.0), (4.0, 20.0)),
    (Normal(1.0, 2.0, low=0.0), _truncnorm_var(1.0, 2.0, 0.0, INF), (0.0, INF)),
    (Normal(1.0, 2.0, high=0.0), _truncnorm_var(1.0, 2.0, -INF, 0.0), (-INF, 0.0)),
    (Lognormal(8.0, 3.0), 9.0, (0.0, INF)),
    (Exponential(4.0), 16.0, (0.0, INF)),
    (Gamma(5.0, 2.0), 4.0, (0.0, INF)),
    (Beta(0.3, 0.1), 0.01, (0.0, 1.0)),
    (Poisson(3.0), 3.0, (0.0, INF)),
    (Empirical((1.0, 2.0, 5.0), (1.0, 1.0, 2.0)), (1 + 4 + 50) / 4 - 3.25**2, (1.0, 5.0)),
    (Empirical((4.0, 0.0, 2.0, 9.0), (1.0, 0.0, 1.0, 2.0)), (16 + 4 + 162) / 4 - 6.0**2, (2.0, 9.0)),
    (Empirical((2.0, 4.0, 9.0)), (4 + 16 + 81) / 3 - 5.0**2, (2.0, 9.0)),
]
IDS = [case[0].describe() for case in CASES]


@pytest.fixture(scope="module")
def draws() -> dict[str, np.ndarray]:
    return {d.describe(): d.sample(np.random.default_rng(12345), N_DRAWS) for d, _, _ in CASES}


@pytest.mark.parametrize(("dist", "variance", "support"), CASES, ids=IDS)
def test_sample_mean_matches_exact_mean(
    dist: Distribution, variance: float, support: tuple[float, float], draws: dict[str, np.ndarray]
) -> None:
    x = draws[dist.describe()]
    # 4 standard errors: the seed is fixed so this is deterministic, but a correct
    # sampler would still pass for ~99.99 % of seeds (CLT, two-sided 4 sd), so the
    # test does not break when numpy's streams change, while a wrong parameterisation
    # (e.g. lognormal mean/sd taken as log-scale values) misses by hundreds of SEs.
    se = math.sqrt(variance / N_DRAWS)
    assert abs(x.mean() - dist.mean) <= 4 * se


@pytest.mark.parametrize(("dist", "variance", "support"), CASES, ids=IDS)
def test_sample_variance_is_sane(
    dist: Distribution, variance: float, support: tuple[float, float], draws: dict[str, np.ndarray]
) -> None:
    x = draws[dist.describe()]
    if variance == 0:
        assert np.all(x == dist.mean)
    else:
        # The relative sd of a sample variance is sqrt((kurtosis - 1) / n), under 1 % for
        # these cases; 5 % catches sd/variance mix-ups without flaking.
        assert x.var(ddof=1) == pytest.approx(variance, rel=0.05)


@pytest.mark.parametrize(("dist", "variance", "support"), CASES, ids=IDS)
def test_support_is_respected(
    dist: Distribution, variance: float, support: tuple[float, float], draws: dict[str, np.ndarray]
) -> None:
    x = draws[dist.describe()]
    assert (dist.support_min, dist.support_max) == support
    assert dist.support_min <= x.min() and x.max() <= dist.support_max
    assert np.all(np.isfinite(x))


@pytest.mark.parametrize(("dist", "variance", "support"), CASES, ids=IDS)
def test_quantile_is_exact(
    dist: Distribution, variance: float, support: tuple[float, float], draws: dict[str, np.ndarray]
) -> None:
    # The smallest x with P(X <= x) >= q: a share of about q of the draws lies at or below it
    # (within 4 standard errors of a binomial share), and the ends are the support's.
    x = draws[dist.describe()]
    assert (dist.quantile(0), dist.quantile(1)) == support
    for q in (0.001, 0.1, 0.5, 0.9, 0.999):
        v = dist.quantile(q)
        assert dist.support_min <= v <= dist.support_max
        at_or_below, below = np.mean(x <= v), np.mean(x < v)
        se = math.sqrt(q * (1 - q) / N_DRAWS)
        assert below - 4 * se <= q <= at_or_below + 4 * se


@pytest.mark.parametrize(("dist", "q", "expected"), [
    (Uniform(2.0, 10.0), 0.25, 4.0),
    (Triangular(1.0, 2.0, 6.0), 0.2, 2.0),  # the mode: (mode - low) / (high - low) of the mass lies below it
    (Triangular(0.0, 0.0, 1.0), 0.75, 0.5),
    (Exponential(4.0), 0.5, 4.0 * math.log(2)),
    (Normal(5.0, 2.0), 0.975, 5.0 + 2.0 * stats.norm.ppf(0.975)),
    (Lognormal(8.0, 3.0), 0.5, 8.0 / math.sqrt(1 + (3.0 / 8.0) ** 2)),  # the median: exp(mu)
    (Gamma(5.0, 2.0), 0.999, stats.gamma.ppf(0.999, 6.25, scale=0.8)),
    (Poisson(3.0), 0.999, 10.0),
    (Beta(0.3, 0.1), 0.5, stats.beta.ppf(0.5, 6.0, 14.0)),
    (Empirical((1.0, 2.0, 5.0), (1.0, 1.0, 2.0)), 0.25, 1.0),
    (Empirical((1.0, 2.0, 5.0), (1.0, 1.0, 2.0)), 0.2500001, 2.0),
    (Empirical((4.0, 0.0, 9.0), (1.0, 0.0, 1.0)), 0.01, 4.0),  # a value of weight 0 is never the answer
], ids=lambda v: v.describe() if isinstance(v, Distribution) else None)
def test_quantile_closed_forms(dist: Distribution, q: float, expected: float) -> None:
    assert dist.quantile(q) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("dist", [Lognormal(1.0, 1e9), Lognormal(1e9, 1e9), Gamma(1e-9, 1e9), Poisson(1e9),
                                  Normal(0.0, 1.0, low=30.0), Normal(1e9, 1e-9, high=1e9)], ids=lambda d: d.describe())
def test_quantile_in_far_tails_is_a_number_or_infinity(dist: Distribution) -> None:
    # No warning (they are errors here) and no exception, however far out.
    for q in (1e-12, 0.999, 1 - 1e-12, 1 - 1e-16):
        v = dist.quantile(q)
        assert not math.isnan(v) and dist.support_min <= v <= dist.support_max


@pytest.mark.parametrize("q", [-0.1, 1.1, math.nan, "0.5", True])
def test_quantile_rejects_what_is_no_probability(q: object) -> None:
    with pytest.raises(ValueError):
        Exponential(1.0).quantile(q)  # type: ignore[arg-type]


@pytest.mark.parametrize(("table", "key"), [
    ({"dist": "uniform", "low": 0, "high": 1e308}, "high"),
    ({"dist": "poisson", "mean": 1e300}, "mean"),
    ({"dist": "fixed", "value": -2e9}, "value"),
    ({"dist": "empirical", "values": [1, 2], "weights": [1, 1e10]}, "weights"),
    ({"dist": "lognormal", "mean": 5e-324, "sd": 1}, "sd"),
    ({"dist": "gamma", "mean": 1, "sd": 5e-324}, "sd"),
])
def test_parameters_that_overflow_a_sampler_are_errors(table: dict[str, object], key: str) -> None:
    with pytest.raises(DistributionError) as err:
        from_table(table)
    assert err.value.key == key


def test_parameters_at_the_magnitude_limit_sample() -> None:
    rng = np.random.default_rng(1)
    for dist in (Uniform(-1e9, 1e9), Poisson(1e9), Exponential(1e9), Lognormal(1e9, 1e9), Gamma(1e9, 1e-9)):
        assert np.all(np.isfinite(dist.sample(rng, 100)))


def test_tight_bounds_and_discrete_draws() -> None:
    rng = np.random.default_rng(7)
    x = Normal(5.0, 2.0, low=4.0, high=6.0).sample(rng, 10_000)
    assert 4.0 <= x.min() and x.max() <= 6.0
    counts = Poisson(3.0).sample(rng, 10_000)
    assert np.all(counts == np.round(counts))
    assert set(Empirical((4.0, 0.0, 2.0), (1.0, 0.0, 1.0)).sample(rng, 10_000)) == {2.0, 4.0}


@pytest.mark.parametrize(("mu", "sd", "low", "high"), [(5, 2, 4, 20), (1, 2, 0, None), (1, 2, None, 0), (0, 1, 1, 3)])
def test_truncated_normal_mean_matches_integration(mu: float, sd: float, low: float | None, high: float | None) -> None:
    lo = -math.inf if low is None else low
    hi = math.inf if high is None else high
    mass = integrate.quad(lambda x: stats.norm.pdf(x, mu, sd), lo, hi)[0]
    first = integrate.quad(lambda x: x * stats.norm.pdf(x, mu, sd), lo, hi)[0]
    assert Normal(mu, sd, low, high).mean == pytest.approx(first / mass, rel=1e-7)


@pytest.mark.parametrize("dist", [case[0] for case in CASES], ids=IDS)
def test_same_seed_same_draws(dist: Distribution) -> None:
    a = dist.sample(np.random.default_rng(99), 1000)
    b = dist.sample(np.random.default_rng(99), 1000)
    assert np.array_equal(a, b)
    assert a.dtype == np.float64 and a.shape == (1000,)
    assert dist.sample(np.random.default_rng(99), 0).shape == (0,)
    if not isinstance(dist, Fixed):
        assert not np.array_equal(a, dist.sample(np.random.default_rng(100), 1000))


def test_fixed_draws_nothing() -> None:
    rng = np.random.default_rng(3)
    before = rng.bit_generator.state
    Fixed(2.0).sample(rng, 100)
    assert rng.bit_generator.state == before


@pytest.mark.parametrize("size", [-1, 2.5, True])
def test_sample_rejects_bad_size(size: object) -> None:
    with pytest.raises(ValueError):
        Exponential(1.0).sample(np.random.default_rng(0), size)  # type: ignore[arg-type]


@pytest.mark.parametrize("rng", [None, 42, np.random.RandomState(0)])
def test_sample_requires_a_generator(rng: object) -> None:
    for dist in (Fixed(1.0), Normal(0.0, 1.0, low=0.0)):
        with pytest.raises(TypeError):
            dist.sample(rng, 3)  # type: ignore[arg-type]


def test_registry_and_value_semantics() -> None:
    assert set(DISTRIBUTIONS) == {
        "fixed", "uniform", "triangular", "normal", "lognormal",
        "exponential", "gamma", "beta", "poisson", "empirical",
    }
    assert all(cls.name == name for name, cls in DISTRIBUTIONS.items())
    assert Lognormal(8, 3) == Lognormal(8.0, 3.0) and hash(Lognormal(8, 3)) == hash(Lognormal(8.0, 3.0))
    with pytest.raises(dataclasses.FrozenInstanceError):
        Lognormal(8.0, 3.0).sd = 1.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ({"dist": "fixed", "value": 2}, Fixed(2.0)),
        ({"dist": "uniform", "low": 1, "high": 3}, Uniform(1.0, 3.0)),
        ({"dist": "triangular", "low": 1, "mode": 1, "high": 3}, Triangular(1.0, 1.0, 3.0)),
        ({"dist": "normal", "mean": 5, "sd": 2}, Normal(5.0, 2.0)),
        ({"dist": "normal", "mean": 5, "sd": 2, "low": 0}, Normal(5.0, 2.0, low=0.0)),
        ({"dist": "lognormal", "mean": 8.0, "sd": 3.0}, Lognormal(8.0, 3.0)),
        ({"dist": "exponential", "mean": 4}, Exponential(4.0)),
        ({"dist": "gamma", "mean": 5, "sd": 2}, Gamma(5.0, 2.0)),
        ({"dist": "beta", "mean": 0.3, "sd": 0.1}, Beta(0.3, 0.1)),
        ({"dist": "poisson", "mean": 3}, Poisson(3.0)),
        ({"dist": "empirical", "values": [1, 2, 5]}, Empirical((1.0, 2.0, 5.0))),
        ({"dist": "empirical", "values": [1, 2], "weights": [3, 1]}, Empirical((1.0, 2.0), (3.0, 1.0))),
    ],
)
def test_from_table_builds_each_distribution(table: dict[str, object], expected: Distribution) -> None:
    assert from_table(table) == expected
    assert from_value(table) == expected


ALLOWED = "fixed, uniform, triangular, normal, lognormal, exponential, gamma, beta, poisson, empirical"


@pytest.mark.parametrize(
    ("table", "key", "message"),
    [
        ({"mean": 8.0}, "dist", f"missing; expected one of {ALLOWED}"),
        ({"dist": "weibull"}, "dist", f"expected one of {ALLOWED}; got str 'weibull'"),
        ({"dist": 3}, "dist", "got int 3"),
        ({"dist": "lognormal", "mean": 8.0}, "sd", "missing; lognormal requires mean, sd"),
        ({"dist": "lognormal", "mean": 8, "sd": 3, "shape": 2}, "shape", "unknown key for lognormal; allowed: dist, mean, sd"),
        ({"dist": "normal", "mean": 8, "sd": 3, "lo": 2}, "lo", "allowed: dist, mean, sd, low, high"),
        ({"dist": "lognormal", "mean": 8, "sd": "3"}, "sd", "expected a number, got str '3'"),
        ({"dist": "lognormal", "mean": 8, "sd": True}, "sd", "expected a number, got bool True"),
        ({"dist": "poisson", "mean": None}, "mean", "expected a number, got NoneType None"),
        ({"dist": "normal", "mean": 0, "sd": 1, "low": None}, "low", "expected a number, got NoneType None"),
        ({"dist": "lognormal", "mean": 8, "sd": math.nan}, "sd", "expected a finite number, got nan"),
        ({"dist": "lognormal", "mean": 8, "sd": -1}, "sd", "expected a number > 0, got -1"),
        ({"dist": "gamma", "mean": 0, "sd": 1}, "mean", "expected a number > 0, got 0"),
        ({"dist": "exponential", "mean": -2.5}, "mean", "expected a number > 0, got -2.5"),
        ({"dist": "poisson", "mean": 0}, "mean", "expected a number > 0, got 0"),
        ({"dist": "normal", "mean": 5, "sd": 0}, "sd", "expected a number > 0, got 0"),
        ({"dist": "normal", "mean": 5, "sd": 1, "low": 3, "high": 3}, "high", "expected a number > low (3), got 3"),
        ({"dist": "uniform", "low": 4, "high": 2}, "high", "expected a number > low (4), got 2"),
        ({"dist": "triangular", "low": 0, "mode": 5, "high": 4}, "mode", "expected a number in [0, 4], got 5"),
        ({"dist": "beta", "mean": 1.0, "sd": 0.1}, "mean", "expected a number in (0, 1), got 1"),
        ({"dist": "beta", "mean": 0.5, "sd": 0.5}, "sd", "expected a number in (0, 0.5) so sd^2 < mean*(1-mean), got 0.5"),
        ({"dist": "empirical", "values": []}, "values", "expected a non-empty list of numbers, got list []"),
        ({"dist": "empirical", "values": "123"}, "values", "expected a non-empty list of numbers"),
        ({"dist": "empirical", "values": [1, "a"]}, "values", "item 1 is str 'a'"),
        ({"dist": "empirical", "values": [1, 2], "weights": [1]}, "weights", "expected 2 weights, one per value, got 1"),
        ({"dist": "empirical", "values": [1, 2], "weights": [1, -1]}, "weights", "expected numbers >= 0 with a positive sum"),
        ({"dist": "empirical", "values": [1, 2], "weights": [0, 0]}, "weights", "with a positive sum"),
    ],
)
def test_from_table_errors(table: dict[str, object], key: str, message: str) -> None:
    with pytest.raises(DistributionError) as info:
        from_table(table)
    assert info.value.key == key
    assert message in info.value.message
    assert str(info.value) == f"{key}: {info.value.message}"
    assert isinstance(info.value, ValueError)


def test_from_value() -> None:
    assert from_value(3) == Fixed(3.0)
    assert from_value(2.5) == Fixed(2.5)
    assert from_value({"dist": "exponential", "mean": 2}) == Exponential(2.0)
    for bad in (True, "8", None, [1, 2], math.inf):
        with pytest.raises(DistributionError) as info:
            from_value(bad)
        assert info.value.key == ""
        assert str(info.value) == info.value.message


def test_error_pickles() -> None:
    err = pickle.loads(pickle.dumps(DistributionError("sd", "expected a number > 0, got -1")))
    assert (err.key, err.message) == ("sd", "expected a number > 0, got -1")


@pytest.mark.parametrize(
    ("dist", "text"),
    [
        (Fixed(8.0), "fixed(value=8)"),
        (Lognormal(8.0, 3.0), "lognormal(mean=8, sd=3)"),
        (Normal(5.0, 1.5, low=0.0), "normal(mean=5, sd=1.5, low=0)"),
        (Beta(0.3, 0.1), "beta(mean=0.3, sd=0.1)"),
        (Triangular(1.0, 2.0, 6.0), "triangular(low=1, mode=2, high=6)"),
        (Empirical((1.0, 2.5)), "empirical(values=[1, 2.5])"),
        (Empirical((1.0, 2.5), (3.0, 1.0)), "empirical(values=[1, 2.5], weights=[3, 1])"),
    ],
)
def test_describe(dist: Distribution, text: str) -> None:
    assert dist.describe() == text


JUNK = st.one_of(
    # Magnitudes near the float limits can overflow inside numpy's samplers; model
    # inputs are nowhere near them, so the fuzz stays within +-1e6 plus the specials.
    st.none(), st.booleans(), st.integers(-5, 5), st.floats(-1e6, 1e6), st.sampled_from([math.nan, math.inf, -math.inf]),
    st.text(max_size=3), st.lists(st.one_of(st.integers(-3, 3), st.floats(-3, 3), st.text(max_size=1)), max_size=4),
)


@settings(deadline=None, max_examples=500)
@given(
    name=st.sampled_from([*DISTRIBUTIONS, "nope"]),
    params=st.dictionaries(st.sampled_from(["mean", "sd", "low", "high", "mode", "value", "values", "weights", "x"]), JUNK),
)
def test_from_table_only_raises_distribution_error(name: str, params: dict[str, object]) -> None:
    table = {"dist": name, **params}
    try:
        dist = from_table(table)
    except DistributionError as err:
        assert err.key in table or err.key in {"sd", "mean", "low", "high", "mode", "value", "values"}
        return
    assert math.isfinite(dist.mean)
    assert dist.support_min <= dist.mean <= dist.support_max
    assert dist.describe().startswith(f"{name}(")


@given(st.floats(-1e6, 1e6), st.floats(1e-3, 1e4), st.floats(0, 1))
def test_normal_and_lognormal_quantiles_are_scipy_stats_numbers(mu: float, sd: float, q: float) -> None:
    # Computed with scipy.special's ndtri (scipy.stats is slow to import); the same
    # numbers as norm.ppf, on which the model's bounds checks were written.
    assert Normal(mu=mu, sd=sd).quantile(q) == float(stats.norm.ppf(q, loc=mu, scale=sd))
    mean = abs(mu) + 1
    sigma2 = math.log1p((sd / mean) ** 2)
    if 0 < q < 1:
        expected = math.exp(math.log(mean) - sigma2 / 2 + math.sqrt(sigma2) * float(stats.norm.ppf(q)))
        assert Lognormal(mean=mean, sd=sd).quantile(q) == expected
