"""History matching in waves, and the weighted parameter sets it accepts.

Pure numerics, with the simulator behind a callback, so that a small synthetic model can
test it and the rollout model can use it (:mod:`sim.studies.calibrate`). Parameters
are handled as coordinates in the unit cube of their prior ranges (uniform priors).

Each wave draws a scrambled Sobol' design in the wave's box and asks the simulator for
each target's mean and variance between replications at every point. A point whose
largest implausibility over the fitted targets (:func:`sim.analysis.targets.implausibility`)
exceeds the cut-off of 3 is ruled out. The next wave's box is the smallest box around
the points not ruled out so far, widened by a margin (history matching's refocusing).
Emulators, which would rule out most of a box before simulating it, are not used: each
point is simulated.

The points not ruled out become a weighted sample of the posterior: a Gaussian
likelihood of the observations (variance: observation error, model discrepancy, and the
spread between replications, as in the implausibility), times the uniform prior, divided
by the density the waves drew the point from (a mixture of uniform boxes). That is
importance sampling with the waves as the proposal, so the weights correct for the
refocusing; the ruled-out points have a likelihood too small to count (below
exp(-9/2) of any target's peak).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

CUT_OFF = 3.0
MARGIN = 0.1  # each side of a refocused box: this share of the accepted points' range
MIN_WIDTH = 0.02  # of the prior range: a box never shrinks below it


@dataclass(frozen=True)
class Observations:
    """The fitted targets: observed values and the variance of the observation error
    plus model discrepancy, one per target."""

    observed: np.ndarray
    variance: np.ndarray


# points (m x d, unit cube) -> (mean, variance between replications, replications), each m x targets
Simulator = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, int]]


@dataclass
class Wave:
    """One wave: its box, its points and what the simulator gave at them."""

    number: int
    low: np.ndarray  # the box, in unit coordinates
    high: np.ndarray
    points: np.ndarray  # m x d, unit coordinates
    mean: np.ndarray  # m x targets
    variance: np.ndarray  # m x targets, between replications
    replications: int
    implausibility: np.ndarray = field(init=False)  # m x targets

    def __post_init__(self) -> None:
        self.implausibility = np.empty_like(self.mean)

    @property
    def kept(self) -> np.ndarray:
        """Which points are not ruled out (largest implausibility at most 3)."""
        return self.implausibility.max(axis=1) <= CUT_OFF if self.implausibility.size else np.zeros(0, dtype=bool)

    @property
    def volume(self) -> float:
        """The box's share of the prior space."""
        return float(np.prod(self.high - self.low))

    @property
    def share_of_prior(self) -> float:
        """The estimated share of the prior space not ruled out: the box's volume times
        the share of its points kept."""
        return self.volume * float(self.kept.mean()) if len(self.points) else 0.0


@dataclass
class Matching:
    """Every wave, and the weighted sample of the points not ruled out."""

    waves: list[Wave]
    points: np.ndarray  # n x d, unit coordinates, of every wave's kept points
    weights: np.ndarray  # n, summing to 1 (empty when nothing was kept)
    wave_of: np.ndarray  # n: the wave each point came from

    @property
    def plausible(self) -> bool:
        """Whether any point was kept."""
        return len(self.points) > 0

    @property
    def effective_size(self) -> float:
        """Kish's effective sample size of the weights."""
        return float(1 / np.sum(self.weights ** 2)) if self.plausible else 0.0


def implausibilities(obs: Observations, mean: np.ndarray, variance: np.ndarray, n: int) -> np.ndarray:
    """I per point and target (see :func:`sim.analysis.targets.implausibility`)."""
    total = obs.variance[None, :] + variance * (1 + 1 / n)
    return np.abs(obs.observed[None, :] - mean) / np.sqrt(total)


def log_likelihood(obs: Observations, mean: np.ndarray, variance: np.ndarray, n: int) -> np.ndarray:
    """The Gaussian log likelihood of the observations at each point (up to a constant)."""
    total = obs.variance[None, :] + variance * (1 + 1 / n)
    return -0.5 * np.sum((obs.observed[None, :] - mean) ** 2 / total + np.log(total), axis=1)


def sobol_points(low: np.ndarray, high: np.ndarray, m: int, seed: int) -> np.ndarray:
    """``m`` points of a scrambled Sobol' sequence in the box [low, high] (unit coordinates)."""
    import warnings

    from scipy.stats import qmc

    with warnings.catch_warnings():
        # Any m is allowed (a budget rarely divides into a power of two): the first m
        # points of the sequence still fill the box, only less evenly than 2^k would.
        warnings.filterwarnings("ignore", "The balance properties of Sobol' points", UserWarning)
        unit = qmc.Sobol(d=len(low), scramble=True, seed=np.random.default_rng(seed)).random(m)
    return low + unit * (high - low)


def refocus(kept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The box around ``kept`` points, widened by :data:`MARGIN` of their range each side
    and to at least :data:`MIN_WIDTH`, within the unit cube."""
    low, high = kept.min(axis=0), kept.max(axis=0)
    pad = np.maximum(MARGIN * (high - low), (MIN_WIDTH - (high - low)) / 2)
    pad = np.maximum(pad, 0)
    return np.clip(low - pad, 0, 1), np.clip(high + pad, 0, 1)


def history_match(simulate: Simulator, obs: Observations, dims: int, points: int, waves: int, seed: int,
                  on_wave: Callable[[Wave], None] | None = None) -> Matching:
    """Run ``waves`` waves of ``points`` points each. Until a point is kept, every wave
    searches the whole prior box; nothing kept after the last wave means that nothing
    simulated was plausible."""
    low, high = np.zeros(dims), np.ones(dims)
    done: list[Wave] = []
    for number in range(1, waves + 1):
        x = sobol_points(low, high, points, seed + number)
        mean, variance, n = simulate(x)
        wave = Wave(number, low, high, x, mean, variance, n)
        wave.implausibility = implausibilities(obs, mean, variance, n)
        done.append(wave)
        if on_wave is not None:
            on_wave(wave)
        kept_so_far = np.concatenate([w.points[w.kept] for w in done])
        if len(kept_so_far):  # else the whole box again, with a new design
            low, high = refocus(kept_so_far)
    return weigh(done, obs)


def weigh(waves: list[Wave], obs: Observations) -> Matching:
    """The kept points of ``waves`` as an importance sample of the posterior."""
    kept = [(w, w.kept) for w in waves]
    points = np.concatenate([w.points[k] for w, k in kept]) if kept else np.zeros((0, 0))
    wave_of = np.concatenate([np.full(int(k.sum()), w.number) for w, k in kept]) if kept else np.zeros(0, int)
    if len(points) == 0:
        return Matching(waves, points, np.zeros(0), wave_of)
    loglik = np.concatenate([log_likelihood(obs, w.mean[k], w.variance[k], w.replications) for w, k in kept])
    # The density the waves drew each point from: a mixture of uniform boxes.
    total = sum(len(w.points) for w in waves)
    density = np.zeros(len(points))
    for w in waves:
        inside = np.all((points >= w.low) & (points <= w.high), axis=1)
        density += inside * (len(w.points) / total) / w.volume
    log_w = loglik - np.log(density)
    weights = np.exp(log_w - log_w.max())
    return Matching(waves, points, weights / weights.sum(), wave_of)


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs: list[float]) -> np.ndarray:
    """Quantiles of ``values`` under ``weights`` (the smallest value whose cumulative weight
    reaches each q)."""
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    cumulative /= cumulative[-1]
    return values[order][np.minimum(np.searchsorted(cumulative, qs), len(values) - 1)]
