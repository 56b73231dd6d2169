"""Summary statistics for replicated simulation output.

Completion days use ``np.inf`` for "not completed within the horizon". The
quantile functions here only ever return observed values (or an infinite bound),
so censored runs are never interpolated into a finite-looking day.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

# The normal and Student-t quantiles come from scipy.special, the functions that
# scipy.stats' norm.ppf and t.ppf call (the same numbers), because importing scipy.stats
# takes most of a second, which every command paid at start-up; it is imported only by
# quantile_ci, the one user of its binomial tails.
from scipy.special import ndtri, stdtrit


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion.

    Parameters
    ----------
    successes : int
        Number of successes, ``0 <= successes <= n``.
    n : int
        Number of trials, >= 0.
    confidence : float, optional
        Two-sided confidence level in (0, 1).

    Returns
    -------
    tuple of float
        ``(low, high)``; ``(0.0, 1.0)`` when ``n == 0``. ``low`` is exactly 0 when
        ``successes == 0`` and ``high`` exactly 1 when ``successes == n``.
    """
    _check_confidence(confidence)
    if not isinstance(successes, numbers.Integral) or not isinstance(n, numbers.Integral):
        raise TypeError(f"successes and n must be integers, got {successes!r}, {n!r}")
    if not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n, got successes={successes}, n={n}")
    if n == 0:
        return 0.0, 1.0
    z = float(ndtri(1 - (1 - confidence) / 2))
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    # At the boundaries centre == half mathematically; pin them so rounding cannot
    # produce -1e-17 or exclude an observed proportion of 0 or 1.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def _sorted_days(values: np.ndarray) -> np.ndarray:
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"values must be a non-empty 1-D array, got shape {x.shape}")
    if np.isnan(x).any():
        raise ValueError("values contain NaN; use np.inf for 'never completed'")
    return np.sort(x)


def _check_q(q: float) -> None:
    if not 0 <= q <= 1:
        raise ValueError(f"q must be in [0, 1], got {q!r}")


def _order_index(n: int, q: float) -> int:
    """0-based index of the type-1 (inverted CDF) q-quantile among n sorted values."""
    k = n * q
    # 0.07 * 100 == 7.000000000000001; without snapping, ceil() would skip to the
    # next order statistic (numpy's inverted_cdf does exactly that).
    if math.isclose(k, round(k), rel_tol=1e-9, abs_tol=1e-9):
        k = round(k)
    return max(math.ceil(k), 1) - 1


def quantile_days(values: np.ndarray, q: float) -> float:
    """Sample q-quantile of completion days, by the inverted-CDF definition.

    The result is the smallest observed ``x`` with empirical CDF ``F_n(x) >= q``,
    i.e. the ``ceil(n*q)``-th smallest value (the smallest for ``q == 0``), so it
    is always an observed value. This is ``numpy.quantile(method="inverted_cdf")``
    except that ``n*q`` within 1e-9 of a whole number is treated as that number.

    Parameters
    ----------
    values : numpy.ndarray
        1-D completion days; ``np.inf`` means never completed within the horizon.
    q : float
        Probability in [0, 1].

    Returns
    -------
    float
        An element of ``values``; ``inf`` if the selected observation is ``inf``.
    """
    _check_q(q)
    x = _sorted_days(values)
    return float(x[_order_index(x.size, q)])


def quantile_ci(values: np.ndarray, q: float, confidence: float = 0.95) -> tuple[float, float]:
    """Distribution-free confidence interval for the q-quantile.

    With ``B ~ Binomial(n, q)`` and ``a = (1 - confidence) / 2``, the interval is
    ``[x_(l), x_(u)]`` (order statistics, 1-based) where ``l`` is the largest order
    with ``P(B <= l - 1) <= a`` and ``u`` the smallest with ``P(B >= u) <= a``.
    Each side fails with probability at most ``a`` for any distribution (exactly
    ``P(B < l)`` and ``P(B >= u)`` for a continuous one), so coverage is at least
    ``confidence``, also for tied integer days and censored (``inf``) values.

    When there are too few observations for a side, that side is unbounded:
    the lower bound is ``-inf`` exactly when ``(1 - q)**n > a`` and the upper bound
    is ``inf`` exactly when ``q**n > a``. E.g. for the median at 95 %, n <= 5 gives
    ``(-inf, inf)`` and n = 6 gives ``(min, max)``.

    Parameters
    ----------
    values : numpy.ndarray
        1-D observations; ``np.inf`` means never completed within the horizon.
    q : float
        Probability in [0, 1].
    confidence : float, optional
        Two-sided confidence level in (0, 1).

    Returns
    -------
    tuple of float
        ``(low, high)``: observed values or infinite bounds. The interval always
        contains ``quantile_days(values, q)``.
    """
    from scipy import stats

    _check_q(q)
    _check_confidence(confidence)
    x = _sorted_days(values)
    n = x.size
    a = (1 - confidence) / 2
    k = np.arange(n + 1)
    # cdf(k) rises with k, so the orders k+1 whose lower tail P(B <= k) <= a form a prefix.
    lo = int(np.count_nonzero(stats.binom.cdf(k, n, q) <= a))
    # sf(k) = P(B >= k + 1) falls with k; the first k with sf(k) <= a gives hi = k + 1.
    hi = int(np.count_nonzero(stats.binom.sf(k[:-1], n, q) > a)) + 1
    low = -math.inf if lo == 0 else float(x[lo - 1])
    high = math.inf if hi > n else float(x[hi - 1])
    return low, high


def mean_ci(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Sample mean with a Student-t confidence interval.

    Parameters
    ----------
    values : numpy.ndarray
        1-D finite observations (e.g. one result per replication).
    confidence : float, optional
        Two-sided confidence level in (0, 1).

    Returns
    -------
    tuple of float
        ``(mean, low, high)``. With fewer than 2 values the interval is
        ``(nan, nan)``; with none the mean is ``nan`` too.
    """
    _check_confidence(confidence)
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"values must be 1-D, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("values must be finite; summarise censored days with quantile_days")
    n = x.size
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(np.mean(x))
    if n < 2:
        return mean, math.nan, math.nan
    half = float(stdtrit(n - 1, 1 - (1 - confidence) / 2)) * float(np.std(x, ddof=1)) / math.sqrt(n)
    return mean, mean - half, mean + half


def newcombe_interval(k1: int, n1: int, k2: int, n2: int, confidence: float = 0.95) -> tuple[float, float]:
    """Confidence interval of p2 - p1 for two independent proportions (Newcombe's hybrid
    score method, built from each one's Wilson interval); good coverage even near 0 and 1."""
    if n1 == 0 or n2 == 0:
        return math.nan, math.nan
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson_interval(k1, n1, confidence)
    l2, u2 = wilson_interval(k2, n2, confidence)
    d = p2 - p1
    low = d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return max(low, -1.0), min(high, 1.0)


def welch_interval(a: np.ndarray, b: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """mean(b) - mean(a) for independent samples, with a Welch t interval."""
    _check_confidence(confidence)
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    d = float(np.mean(b) - np.mean(a))
    if a.size < 2 or b.size < 2:
        return d, math.nan, math.nan
    va, vb = np.var(a, ddof=1) / a.size, np.var(b, ddof=1) / b.size
    se = math.sqrt(va + vb)
    if se == 0:
        return d, d, d
    df = (va + vb) ** 2 / (va ** 2 / (a.size - 1) + vb ** 2 / (b.size - 1))
    half = float(stdtrit(df, 1 - (1 - confidence) / 2)) * se
    return d, d - half, d + half
