"""Named probability distributions for uncertain model inputs.

Model files give an uncertain quantity as a plain number (a fixed value) or as an
inline table such as ``{ dist = "lognormal", mean = 8.0, sd = 3.0 }``; see
:func:`from_value` and :func:`from_table`, which reject every malformed key.

Randomness: a distribution draws only from the :class:`numpy.random.Generator` it
is given. Distributions consume different amounts of that stream (``fixed`` none),
so to keep common random numbers aligned when a model swaps one distribution for
another, callers must give each source of randomness its own stream.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from sim.errors import excerpt
from sim.limits import MAX_DISTRIBUTION_PARAMETER


def _stats() -> Any:
    """scipy.stats, imported on first use: it takes ~0.6 s to import, and a replication
    of most models never needs it (only truncated normals and exact quantiles do), so a
    worker process starts that much sooner without it."""
    from scipy import stats

    return stats


def _standard_normal_quantile(q: float) -> float:
    """The standard normal's ``q``-quantile: scipy.special's ndtri, which scipy.stats'
    norm.ppf calls (the same number), without importing scipy.stats (loading a model
    asks for quantiles to check bounds, and every command loads one)."""
    from scipy.special import ndtri

    return float(ndtri(q))


class DistributionError(ValueError):
    """Invalid distribution specification.

    Attributes
    ----------
    key : str
        Offending key inside the table (e.g. ``"sd"``, ``"dist"``); ``""`` when the
        value as a whole is wrong.
    message : str
        What was expected and what was found.
    """

    def __init__(self, key: str, message: str) -> None:
        super().__init__(key, message)  # both in args so the error survives pickling
        self.key = key
        self.message = message

    def __str__(self) -> str:
        return f"{self.key}: {self.message}" if self.key else self.message


def _fmt(x: float) -> str:
    text = repr(float(x))  # shortest round-tripping form, "8" rather than "8.0"
    return text.removesuffix(".0")


def _show(value: object) -> str:
    return f"{type(value).__name__} {excerpt(value)}"


def _is_number(value: object) -> bool:
    # bool is an int subclass, but `sd = true` in a model file is a mistake, not 1.
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _number(key: str, value: object) -> float:
    if not _is_number(value):
        raise DistributionError(key, f"expected a number, got {_show(value)}")
    if not math.isfinite(x := float(value)):  # type: ignore[arg-type]
        raise DistributionError(key, f"expected a finite number, got {_fmt(x)}")
    _within_magnitude(key, x)
    return x


def _within_magnitude(key: str, x: float) -> None:
    # Far larger than any model value, and small enough that no sampler overflows
    # (numpy's uniform fails on a range above 1.8e308, its Poisson on a mean above 9.2e18).
    if abs(x) > MAX_DISTRIBUTION_PARAMETER:
        limit = f"{MAX_DISTRIBUTION_PARAMETER:,.0f}"
        raise DistributionError(key, f"expected a number from -{limit} to {limit} (larger ones overflow "
                                     f"when drawn), got {_fmt(x)}")


def _finite_or_inf(x: float) -> float:
    """A quantile as a float: NaN (from a computation that overflowed) counts as infinite."""
    return float(x) if not math.isnan(x) else math.inf


class Distribution:
    """Base class: a frozen dataclass of parameters plus a sampler.

    Each subclass has ``name`` (its ``dist`` string), ``mean`` (the exact mean),
    ``support_min`` (lowest possible value, strictly the infimum of the support:
    0 for lognormal, ``-inf`` for an untruncated normal) and ``support_max``
    (likewise the highest: ``inf`` if unbounded), as fields or properties, and
    :meth:`quantile`, exact (closed form or scipy.stats), which bounds the values of a
    distribution whose support has no upper end.
    """

    name: ClassVar[str]
    _toml_keys: ClassVar[Mapping[str, str]] = {}  # field name -> model-file key, where they differ

    if TYPE_CHECKING:
        @property
        def mean(self) -> float: ...
        @property
        def support_min(self) -> float: ...
        @property
        def support_max(self) -> float: ...

    @classmethod
    def _key(cls, field_name: str) -> str:
        return cls._toml_keys.get(field_name, field_name)

    def __post_init__(self) -> None:
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if f.init and not (value is None and f.default is None):  # None only for optional bounds
                object.__setattr__(self, f.name, _number(self._key(f.name), value))
        self._validate()

    def _validate(self) -> None:
        """Check values and relations between parameters."""

    def _need(self, field_name: str, ok: bool, expected: str) -> None:
        if not ok:
            got = _fmt(getattr(self, field_name))
            raise DistributionError(self._key(field_name), f"expected {expected}, got {got}")

    def _draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        raise NotImplementedError

    def _quantile(self, q: float) -> float:
        raise NotImplementedError

    def quantile(self, q: float) -> float:
        """The exact ``q``-quantile: the smallest x with P(X <= x) >= q.

        Parameters
        ----------
        q : float
            A probability in [0, 1]; 0 gives ``support_min`` and 1 ``support_max``.

        Returns
        -------
        float
            ``inf`` where the value overflows a float.

        Raises
        ------
        ValueError
            If ``q`` is not a number in [0, 1].
        """
        if not _is_number(q) or not 0 <= q <= 1:
            raise ValueError(f"q must be a probability in [0, 1], got {q!r}")
        if q == 0:
            return float(self.support_min)
        if q == 1:
            return float(self.support_max)
        with np.errstate(all="ignore"):  # overflow in a far tail is an answer (inf), not a warning
            return _finite_or_inf(float(self._quantile(float(q))))

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw independent values.

        Parameters
        ----------
        rng : numpy.random.Generator
            The only source of randomness used.
        size : int
            Number of values, >= 0.

        Returns
        -------
        numpy.ndarray
            float64 array of shape ``(size,)``.

        Raises
        ------
        TypeError
            If ``rng`` is not a Generator (scipy would silently accept None or a
            seed and fall back to global or fresh state).
        """
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy.random.Generator, got {_show(rng)}")
        # The plain-int test first: this runs once per class in the engine's hot path.
        if not (type(size) is int or (isinstance(size, numbers.Integral) and not isinstance(size, bool))) or size < 0:
            raise ValueError(f"size must be a non-negative integer, got {size!r}")
        return np.asarray(self._draw(rng, int(size)), dtype=np.float64)

    def describe(self) -> str:
        """Return the specification as text, e.g. ``"lognormal(mean=8, sd=3)"``.

        Returns
        -------
        str
            Name and parameters under their model-file keys; unset options omitted.
        """
        parts = []
        for f in fields(self):  # type: ignore[arg-type]
            if f.init and (value := getattr(self, f.name)) is not None:
                text = f"[{', '.join(map(_fmt, value))}]" if isinstance(value, tuple) else _fmt(value)
                parts.append(f"{self._key(f.name)}={text}")
        return f"{self.name}({', '.join(parts)})"


class _Positive(Distribution):
    """Distributions on [0, inf) whose parameters must all be > 0."""

    support_min: ClassVar[float] = 0.0
    support_max: ClassVar[float] = math.inf

    def _validate(self) -> None:
        for f in fields(self):  # type: ignore[arg-type]
            self._need(f.name, getattr(self, f.name) > 0, "a number > 0")


class _Bounded(Distribution):
    """Distributions on ``[low, high]``: ``high`` must exceed ``low``, and those bound the support."""

    low: float
    high: float

    def _validate(self) -> None:
        self._need("high", self.high > self.low, f"a number > low ({_fmt(self.low)})")

    @property
    def support_min(self) -> float:
        """Lowest possible value: low."""
        return self.low

    @property
    def support_max(self) -> float:
        """Highest possible value: high."""
        return self.high


@dataclass(frozen=True)
class Fixed(Distribution):
    """A constant; draws no random numbers."""

    name: ClassVar[str] = "fixed"
    value: float

    def _draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.full(size, self.value)

    def _quantile(self, q: float) -> float:
        return self.value

    @property
    def mean(self) -> float:
        """Exact mean: the value."""
        return self.value

    @property
    def support_min(self) -> float:
        """Lowest possible value: the value."""
        return self.value

    @property
    def support_max(self) -> float:
        """Highest possible value: the value."""
        return self.value


@dataclass(frozen=True)
class Uniform(_Bounded):
    """Continuous uniform on ``[low, high)``."""

    name: ClassVar[str] = "uniform"
    low: float
    high: float

    def _draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, size)

    def _quantile(self, q: float) -> float:
        return self.low + q * (self.high - self.low)

    @property
    def mean(self) -> float:
        """Exact mean."""
        return (self.low + self.high) / 2


@dataclass(frozen=True)
class Triangular(_Bounded):
    """Triangular on ``[low, high]`` peaking at ``mode``."""

    name: ClassVar[str] = "triangular"
    low: float
    mode: float
    high: float

    def _validate(self) -> None:
        super()._validate()
        within = f"a number in [{_fmt(self.low)}, {_fmt(self.high)}]"
        self._need("mode", self.low <= self.mode <= self.high, within)

    def _draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.triangular(self.low, self.mode, self.high, size)

    def _quantile(self, q: float) -> float:
        # The inverse of the piecewise-quadratic CDF, below and above the mode.
        width = self.high - self.low
        if q * width <= self.mode - self.low:
            return self.low + math.sqrt(q * width * (self.mode - self.low))
        return self.high - math.sqrt((1 - q) * width * (self.high - self.mode))

    @property
    def mean(self) -> float:
        """Exact mean."""
        return (self.low + self.mode + self.high) / 3


@dataclass(frozen=True)
class Normal(Distribution):
    """Normal with location ``mu`` (model-file key ``mean``) and scale ``sd``.

    Optional ``low``/``high`` truncate it, and then ``mean`` differs from ``mu``.
    """

    name: ClassVar[str] = "normal"
    _toml_keys: ClassVar[Mapping[str, str]] = {"mu": "mean"}
    mu: float
    sd: float
    low: float | None = None
    high: float | None = None
    _mean: float = field(init=False, repr=False, compare=False, default=math.nan)

    def _validate(self) -> None:
        self._need("sd", self.sd > 0, "a number > 0")
        if self.low is not None and self.high is not None:
            self._need("high", self.high > self.low, f"a number > low ({_fmt(self.low)})")
        mean = self.mu
        if self.low is not None or self.high is not None:
            with np.errstate(all="ignore"):  # scipy also computes skew/kurtosis, which warn in far tails
                mean = float(_stats().truncnorm.mean(*self._ab(), loc=self.mu, scale=self.sd))
            # Bounds so far into a tail that no mass is left give NaN or a nonsense mean.
            if not (math.isfinite(mean) and self.support_min <= mean <= self.support_max):
                raise DistributionError("low" if self.low is not None else "high",
                                        "expected bounds that keep some probability mass")
        object.__setattr__(self, "_mean", mean)

    def _ab(self) -> tuple[float, float]:
        a = -math.inf if self.low is None else (self.low - self.mu) / self.sd
        b = math.inf if self.high is None else (self.high - self.mu) / self.sd
        return a, b

    def _draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        if self.low is None and self.high is None:
            return rng.normal(self.mu, self.sd, size)
        return _stats().truncnorm.rvs(*self._ab(), loc=self.mu, scale=self.sd, size=size, random_state=rng)

    def _quantile(self, q: float) -> float:
        if self.low is None and self.high is None:
            return _standard_normal_quantile(q) * self.sd + self.mu  # as norm.ppf computes it
        return float(_stats().truncnorm.ppf(q, *self._ab(), loc=self.mu, scale=self.sd))

    @property
    def mean(self) -> float:
        """Exact mean, of the truncated distribution if truncated."""
        return self._mean

    @property
    def support_min(self) -> float:
        """Lowest possible value: low, or -inf."""
        return -math.inf if self.low is None else self.low

    @property
    def support_max(self) -> float:
        """Highest possible value: high, or inf."""
        return math.inf if self.high is None else self.high


@dataclass(frozen=True)
class Lognormal(_Positive):
    """Lognormal given the mean and sd of the variable itself (not of its log)."""

    name: ClassVar[str] = "lognormal"
    mean: float
    sd: float

    def _validate(self) -> None:
        super()._validate()
        # The log's variance, log(1 + (sd/mean)^2), overflows for sd far above the mean.
        self._need("sd", math.isfinite(self._sigma2()), f"a number at most {_fmt(1e100)} times mean")

    def _sigma2(self) -> float:
        ratio = self.sd / self.mean
        return math.log1p(ratio * ratio) if ratio < 1e100 else math.inf

    def _draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        sigma2 = math.log1p((self.sd / self.mean) ** 2)
        return rng.lognormal(math.log(self.mean) - sigma2 / 2, math.sqrt(sigma2), size)

    def _quantile(self, q: float) -> float:
        sigma2 = self._sigma2()
        exponent = math.log(self.mean) - sigma2 / 2 + math.sqrt(sigma2) * _standard_normal_quantile(q)
        return math.exp(exponent) if exponent < 709 else math.inf  # e^709.8 is the largest float


@dataclass(frozen=True)
class Exponential(_Positive):
    """Exponential with the given mean."""

    name: ClassVar[str] = "exponential"
    mean: float

    def _draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.exponential(self.mean, size)

    def _quantile(self, q: float) -> float:
        return -self.mean * math.log1p(-q)


@dataclass(frozen=True)
class Gamma(_Positive):
    """Gamma given its mean and sd."""

    name: ClassVar[str] = "gamma"
    mean: float
    sd: float

    def _validate(self) -> None:
        super()._validate()
        # shape (mean/sd)^2 and scale sd^2/mean must be positive floats, or the sampler
        # overflows or draws only zeros; only absurd ratios of mean to sd fail this.
        shape, scale = self._shape_scale()
        ok = 0 < shape < math.inf and 0 < scale < math.inf
        self._need("sd", ok, "a number that keeps (mean/sd)^2 and sd^2/mean positive and finite")

    def _shape_scale(self) -> tuple[float, float]:
        ratio = self.mean / self.sd
        shape = ratio * ratio if ratio < 1e150 else math.inf
        scale = self.sd * (self.sd / self.mean) if self.sd / self.mean < 1e150 else math.inf
        return shape, scale

    def _draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.gamma((self.mean / self.sd) ** 2, self.sd**2 / self.mean, size)

    def _quantile(self, q: float) -> float:
        shape, scale = self._shape_scale()
        return float(_stats().gamma.ppf(q, shape, scale=scale))


@dataclass(frozen=True)
class Poisson(_Positive):
    """Poisson count with the given mean (sampled as floats)."""

    name: ClassVar[str] = "poisson"
    mean: float

    def _draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.poisson(self.mean, size)

    def _quantile(self, q: float) -> float:
        return float(_stats().poisson.ppf(q, self.mean))


@dataclass(frozen=True)
class Beta(_Positive):
    """Beta on [0, 1] given its mean and sd; for uncertain probabilities."""

    name: ClassVar[str] = "beta"
    support_max: ClassVar[float] = 1.0
    mean: float
    sd: float

    def _validate(self) -> None:
        self._need("mean", 0 < self.mean < 1, "a number in (0, 1)")
        limit = math.sqrt(self.mean * (1 - self.mean))
        self._need("sd", 0 < self.sd < limit, f"a number in (0, {_fmt(limit)}) so sd^2 < mean*(1-mean)")

    def _ab(self) -> tuple[float, float]:
        nu = self.mean * (1 - self.mean) / self.sd**2 - 1
        return self.mean * nu, (1 - self.mean) * nu

    def _draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        nu = self.mean * (1 - self.mean) / self.sd**2 - 1
        return rng.beta(self.mean * nu, (1 - self.mean) * nu, size)

    def _quantile(self, q: float) -> float:
        return float(_stats().beta.ppf(q, *self._ab()))


def _numbers(key: str, value: object) -> tuple[float, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)) or len(value) == 0:
        raise DistributionError(key, f"expected a non-empty list of numbers, got {_show(value)}")
    for i, item in enumerate(value):
        if not _is_number(item) or not math.isfinite(float(item)):
            raise DistributionError(key, f"expected finite numbers, item {i} is {_show(item)}")
        _within_magnitude(key, float(item))
    return tuple(float(item) for item in value)


@dataclass(frozen=True)
class Empirical(Distribution):
    """Discrete choice among ``values``, equally likely unless ``weights`` given."""

    name: ClassVar[str] = "empirical"
    values: tuple[float, ...]
    weights: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", _numbers("values", self.values))
        if self.weights is not None:
            object.__setattr__(self, "weights", w := _numbers("weights", self.weights))
            if len(w) != len(self.values):
                expected = f"expected {len(self.values)} weights, one per value, got {len(w)}"
                raise DistributionError("weights", expected)
            if min(w) < 0 or sum(w) <= 0:
                raise DistributionError("weights", "expected numbers >= 0 with a positive sum")

    def _draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        p = None if self.weights is None else np.asarray(self.weights) / math.fsum(self.weights)
        return rng.choice(np.asarray(self.values), size=size, p=p)

    @property
    def mean(self) -> float:
        """Exact (weighted) mean."""
        w = self.weights or (1.0,) * len(self.values)
        return math.fsum(v * wi for v, wi in zip(self.values, w)) / math.fsum(w)

    def _quantile(self, q: float) -> float:
        w = self.weights or (1.0,) * len(self.values)
        total = math.fsum(w)
        below = 0.0
        for v, wi in sorted(zip(self.values, w)):
            below += wi
            if wi > 0 and below >= q * total:
                return v
        return self.support_max

    def _possible(self) -> list[float]:
        return [v for i, v in enumerate(self.values) if self.weights is None or self.weights[i] > 0]

    @property
    def support_min(self) -> float:
        """Lowest value with positive weight."""
        return min(self._possible())

    @property
    def support_max(self) -> float:
        """Highest value with positive weight."""
        return max(self._possible())


DISTRIBUTIONS: dict[str, type[Distribution]] = {
    cls.name: cls
    for cls in (Fixed, Uniform, Triangular, Normal, Lognormal, Exponential, Gamma, Beta, Poisson, Empirical)
}


def from_table(table: Mapping[str, object]) -> Distribution:
    """Build a distribution from a model-file table.

    Parameters
    ----------
    table : Mapping[str, object]
        E.g. ``{"dist": "lognormal", "mean": 8.0, "sd": 3.0}``.

    Returns
    -------
    Distribution

    Raises
    ------
    DistributionError
        For a missing or unknown ``dist``, a missing or unknown key, a value that is
        not a finite number (bool is not a number), or an impossible value.
    """
    if not isinstance(table, Mapping):
        raise DistributionError("", f"expected a table, got {_show(table)}")
    names = ", ".join(DISTRIBUTIONS)
    if "dist" not in table:
        raise DistributionError("dist", f"missing; expected one of {names}")
    if not isinstance(name := table["dist"], str) or name not in DISTRIBUTIONS:
        raise DistributionError("dist", f"expected one of {names}; got {_show(name)}")
    cls = DISTRIBUTIONS[name]
    params = [f for f in fields(cls) if f.init]  # type: ignore[arg-type]
    to_field = {cls._key(f.name): f.name for f in params}
    for key in table:
        if key != "dist" and key not in to_field:
            raise DistributionError(str(key), f"unknown key for {name}; allowed: dist, {', '.join(to_field)}")
    required = [cls._key(f.name) for f in params if f.default is MISSING]
    for key in required:
        if key not in table:
            raise DistributionError(key, f"missing; {name} requires {', '.join(required)}")
    for key, value in table.items():
        if value is None:  # would mean "unbounded" to the constructor; a table must give a number
            raise DistributionError(key, "expected a number, got NoneType None")
    kwargs: dict[str, Any] = {to_field[k]: v for k, v in table.items() if k != "dist"}
    return cls(**kwargs)


def from_value(value: object) -> Distribution:
    """Build a distribution from a model-file value: a number or a table.

    Parameters
    ----------
    value : object
        A plain int or float (becomes :class:`Fixed`) or a table (see :func:`from_table`).

    Returns
    -------
    Distribution

    Raises
    ------
    DistributionError
        With ``key=""`` if ``value`` is neither a finite number nor a table,
        otherwise as :func:`from_table`.
    """
    if _is_number(value):
        return Fixed(_number("", value))
    if isinstance(value, Mapping):
        return from_table(value)
    raise DistributionError("", f"expected a number or a table such as {{ dist = ... }}, got {_show(value)}")
