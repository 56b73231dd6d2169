"""Across replications: per scenario and site, the risk of not being ready and the
distribution of completion dates, with confidence intervals (docs/sources.md, Conventions).

The summary is built from compact columns (one small array per field), read from
replications.csv or made from outcome records, so summarising 10,000 replications
holds a few arrays, not 10,000 objects.
"""
from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np

from sim.analysis.stats import mean_ci, quantile_ci, quantile_days, wilson_interval
from sim.analysis.summary_format import (
    FORMAT_VERSION,
    Criteria,
    DateQuantiles,
    DaysDifference,
    PairedDifference,
    Risk,
    ScenarioSummary,
    SiteSummary,
    Summary,
)
from sim.engine.outcomes import SiteOutcome, required_count
from sim.model.spec import ModelSpec, Readiness

QUANTILES = {"p10": 0.10, "p50": 0.50, "p80": 0.80, "p90": 0.90}
# Share levels reported besides the model's own: the risk of not being ready with the share
# criterion set to each level (the other criteria as they are), so a reader sees how close
# to the edge a site is. A 100% share is a knife edge: one straggler in 9,000 fails it.
THRESHOLDS = (0.80, 0.85, 0.90, 0.95, 0.98, 0.99, 1.0)
BOOTSTRAP = 2000  # resamples for paired quantile differences; fixed seed, so reproducible


@dataclass
class SiteColumns:
    """One site's outcomes over replications, in replication order; dates as ordinals
    (``inf`` = not within the horizon)."""

    replication: np.ndarray
    ready: np.ndarray
    staff_required: np.ndarray
    trained: np.ndarray
    share: np.ndarray
    others_ready: np.ndarray  # the criteria besides the share held (super-users, units)
    self_trained: np.ndarray
    super_users_required: np.ndarray
    super_users_trained: np.ndarray
    on_leave: np.ndarray
    completion: np.ndarray
    date_95: np.ndarray
    go_live: np.ndarray
    sessions_run: np.ndarray
    instructor_utilisation: np.ndarray
    room_utilisation: np.ndarray

    @property
    def untrained(self) -> np.ndarray:
        """Required staff not trained at go-live, per replication."""
        return self.staff_required - self.trained


def _ordinal(d: dt.date | None) -> float:
    return np.inf if d is None else float(d.toordinal())


def columns_of(rows: Sequence[SiteOutcome], replications: Sequence[int] | None = None) -> SiteColumns:
    """Columns from outcome records (in replication order)."""
    return SiteColumns(
        replication=np.array(replications if replications is not None else range(len(rows)), dtype=np.int64),
        ready=np.array([r.ready for r in rows], dtype=bool),
        staff_required=np.array([r.staff_required for r in rows], dtype=np.int64),
        trained=np.array([r.trained_at_go_live for r in rows], dtype=np.int64),
        share=np.array([r.share_trained for r in rows], dtype=np.float64),
        others_ready=np.array([r.super_users_ready and r.units_ready for r in rows], dtype=bool),
        self_trained=np.array([r.self_trained_at_go_live for r in rows], dtype=np.int64),
        super_users_required=np.array([r.super_users_required for r in rows], dtype=np.int64),
        super_users_trained=np.array([r.super_users_trained for r in rows], dtype=np.int64),
        on_leave=np.array([r.on_long_term_leave for r in rows], dtype=np.int64),
        completion=np.array([_ordinal(r.completion_date) for r in rows]),
        date_95=np.array([_ordinal(r.date_95) for r in rows]),
        go_live=np.array([_ordinal(r.go_live) for r in rows]),
        sessions_run=np.array([r.sessions_run for r in rows], dtype=np.float64),
        instructor_utilisation=np.array([r.instructor_utilisation for r in rows]),
        room_utilisation=np.array([r.room_utilisation for r in rows]),
    )


def columns_from_rows(rows: Sequence[dict[str, str]]) -> SiteColumns:
    """Columns of one site and scenario from its rows of replications.csv (as text), in
    replication order."""
    def col(name: str, dtype: type) -> np.ndarray:
        return np.array([r[name] for r in rows], dtype=dtype)

    def flag(name: str) -> np.ndarray:
        return np.array([r[name] == "true" for r in rows], dtype=bool)

    def dates(name: str) -> np.ndarray:
        return np.array([float(dt.date.fromisoformat(r[name]).toordinal()) if r[name] else np.inf for r in rows])

    order = np.argsort(col("replication", np.int64), kind="stable")
    cols = SiteColumns(
        replication=col("replication", np.int64), ready=flag("ready"),
        staff_required=col("staff_required", np.int64), trained=col("trained_at_go_live", np.int64),
        share=col("share_trained", np.float64), others_ready=flag("super_users_ready") & flag("units_ready"),
        self_trained=col("self_trained_at_go_live", np.int64),
        super_users_required=col("super_users_required", np.int64),
        super_users_trained=col("super_users_trained", np.int64), on_leave=col("on_long_term_leave", np.int64),
        completion=dates("completion_date"), date_95=dates("date_95"), go_live=dates("go_live"),
        sessions_run=col("sessions_run", np.float64),
        instructor_utilisation=col("instructor_utilisation", np.float64),
        room_utilisation=col("room_utilisation", np.float64),
    )
    return SiteColumns(**{k: getattr(cols, k)[order] for k in cols.__dataclass_fields__})


def columns_by_scenario(rows: Iterable[dict[str, str]]) -> dict[str, dict[str, SiteColumns]]:
    """Columns per scenario and site from rows of replications.csv (as text), in
    replication order."""
    cells: dict[str, dict[str, list[dict[str, str]]]] = {}
    for row in rows:
        cells.setdefault(row["scenario"], {}).setdefault(row["site"], []).append(row)
    return {scenario: {site: columns_from_rows(rows) for site, rows in sites.items()}
            for scenario, sites in cells.items()}


def columns_from_csv(path: Path) -> dict[str, dict[str, SiteColumns]]:
    """Columns per scenario and site from a replications.csv, in replication order."""
    with path.open(encoding="utf-8", newline="") as fh:
        return columns_by_scenario(csv.DictReader(fh))


def _iso(day: float) -> str | None:
    """A date from its ordinal; None for 'not within the horizon' (inf)."""
    return None if not math.isfinite(day) else dt.date.fromordinal(int(day)).isoformat()


def _round(x: float, digits: int = 6) -> float | None:
    return None if not math.isfinite(x) else round(float(x), digits)


def date_quantiles(values: np.ndarray) -> DateQuantiles:
    """P10/P50/P80/P90 of date ordinals (inf = never) as ISO dates, with 95% CIs of each."""
    out: dict[str, Any] = {}
    for name, q in QUANTILES.items():
        out[name] = _iso(quantile_days(values, q))
        low, high = quantile_ci(values, q)
        out[f"{name}_ci95"] = [None if not math.isfinite(low) else _iso(low), _iso(high)]
    return cast(DateQuantiles, out)  # keys built from QUANTILES, which are DateQuantiles' own


def not_ready_at(cols: SiteColumns, share: float) -> np.ndarray:
    """Per replication, whether the site was not ready with the share criterion set to
    ``share`` and its other criteria (super-users, units) as they are."""
    return (cols.trained < required_count(share, cols.staff_required)) | ~cols.others_ready


def _risk(short: int, n: int) -> Risk:
    low, high = wilson_interval(short, n)
    return {"risk": _round(short / n) if n else None, "ci95": [_round(low), _round(high)]}


def risk_by_threshold(cols: SiteColumns, levels: Sequence[float] = THRESHOLDS) -> dict[str, Risk]:
    """For each share level, the risk of not being ready with that share (the other
    criteria as they are), with its Wilson interval."""
    n = cols.trained.size
    return {f"{level:.2f}": _risk(int(np.count_nonzero(not_ready_at(cols, level))), n) for level in levels}


def criteria(r: Readiness) -> Criteria:
    """Readiness criteria as summary.json records them, with the sentence that says them."""
    return {"share": r.share, "super_users": r.super_users, "unit_share": r.unit_share,
            "self_training": r.self_training, "text": r.describe()}


def site_summary(model: ModelSpec, site_id: str, cols: SiteColumns) -> SiteSummary:
    """Summary of one site over its replications."""
    n = cols.ready.size
    not_ready = int(np.count_nonzero(~cols.ready))
    low, high = wilson_interval(not_ready, n)
    mean_u, lo_u, hi_u = mean_ci(cols.untrained.astype(np.float64))
    site = model.site(site_id)
    crit = site.readiness
    short_self = int(np.count_nonzero(cols.self_trained < required_count(crit.share, cols.staff_required)))
    # Against the criterion's share of super-users; with the criterion off, against all of
    # them, so the shortfall is still reported.
    short_super = int(np.count_nonzero(
        cols.super_users_trained < required_count(crit.super_users or 1.0, cols.super_users_required)))

    def mean(values: np.ndarray, digits: int) -> float | None:
        return _round(float(np.mean(values)), digits) if n else None

    return {
        "name": site.name,
        "planned_go_live": site.planned_go_live.isoformat(),
        "go_live": site.go_live.isoformat(),
        "staff": model.headcount(site_id),
        "active_staff": round(float(np.mean(cols.staff_required))) if n else None,
        "expected_on_long_term_leave": mean(cols.on_leave, 2),
        "criteria": criteria(crit),
        "replications": n,
        "not_ready": not_ready,
        "risk_not_ready": _round(not_ready / n) if n else None,
        "risk_ci95": [_round(low), _round(high)],
        "expected_untrained": _round(mean_u, 3),
        "expected_untrained_ci95": [_round(lo_u, 3), _round(hi_u, 3)],
        "expected_share_trained": mean(cols.share, 6),
        "super_users": mean(cols.super_users_required, 1),
        "expected_super_users_untrained": mean(cols.super_users_required - cols.super_users_trained, 3),
        "risk_super_users_short": _risk(short_super, n),
        "expected_share_self_trained": mean(np.where(cols.staff_required > 0,
                                                     cols.self_trained / np.maximum(cols.staff_required, 1), 1.0), 6),
        "risk_self_training": _risk(short_self, n),
        "risk_by_threshold": risk_by_threshold(cols),
        "never_completed": int(np.count_nonzero(~np.isfinite(cols.completion))),
        "completion_date": date_quantiles(cols.completion),
        "date_95": date_quantiles(cols.date_95),
        "go_live_drawn": {"p50": _iso(quantile_days(cols.go_live, 0.5)), "p90": _iso(quantile_days(cols.go_live, 0.9))},
        "mean_sessions_run": mean(cols.sessions_run, 2),
        "mean_instructor_utilisation": mean(cols.instructor_utilisation, 4),
        "mean_room_utilisation": mean(cols.room_utilisation, 4),
    }


def kth_of_resamples(values: np.ndarray, index: np.ndarray, k: int) -> np.ndarray:
    """For each row of ``index`` (resamples of positions in ``values``), the ``k``-th
    smallest (from 0) of the values it picks: ``np.partition(values[index], k, axis=1)[:, k]``.

    Counted rather than partitioned: the values are dates with few distinct ones, so each
    row's count of every distinct value, summed up, finds the k-th at once (a few times
    faster than partitioning a whole resample, which ties slow down). The values returned
    are elements of ``values``, so the result is the same to the bit; a NaN sorts last in
    both.
    """
    distinct, code = np.unique(values, return_inverse=True)
    rows, m = index.shape[0], distinct.size
    # Row r's codes are shifted into bins [r*m, (r+1)*m): one bincount counts every row.
    binned = code.reshape(-1)[index]
    binned += (np.arange(rows, dtype=binned.dtype) * m)[:, None]
    counts = np.bincount(binned.reshape(-1), minlength=rows * m).reshape(rows, m)
    return distinct[np.argmax(np.cumsum(counts, axis=1) > k, axis=1)]


def quantile_difference(alt: np.ndarray, ref: np.ndarray, q: float, seed: int, paired: bool = True) -> DaysDifference:
    """Q_q(alt) - Q_q(ref) in days, with a bootstrap 95% interval (None where a quantile is
    beyond the horizon): paired resamples the same replications of both (common random
    numbers); unpaired resamples each on its own (independent runs)."""
    a, b = quantile_days(alt, q), quantile_days(ref, q)
    if not (math.isfinite(a) and math.isfinite(b)):
        return {"days": None, "ci95": [None, None]}
    rng = np.random.default_rng(seed)
    # The inverted-CDF order statistic of each, as quantile_days.
    ka, kr = int(required_count(q, alt.size)) - 1, int(required_count(q, ref.size)) - 1
    # Resamples in blocks, so memory stays small however many replications there are.
    block = max(1, min(BOOTSTRAP, 2_000_000 // max(alt.size, ref.size, 1)))
    parts = []
    for start in range(0, BOOTSTRAP, block):
        m = min(block, BOOTSTRAP - start)
        ia = rng.integers(0, alt.size, size=(m, alt.size))
        ir = ia if paired else rng.integers(0, ref.size, size=(m, ref.size))
        with np.errstate(invalid="ignore"):  # never - never is nan: an interval we do not give
            parts.append(kth_of_resamples(alt, ia, ka) - kth_of_resamples(ref, ir, kr))
    diffs = np.concatenate(parts)
    finite = diffs[np.isfinite(diffs)]
    low, high = (np.percentile(finite, [2.5, 97.5]) if finite.size == diffs.size else (np.nan, np.nan))
    return {"days": int(a - b), "ci95": [_round(low, 1), _round(high, 1)]}


def paired_difference(alt: SiteColumns, ref: SiteColumns) -> PairedDifference:
    """A scenario against the reference, paired by replication (common random numbers):
    risk difference with a t interval on per-replication differences, and P50/P80
    completion-date differences with paired bootstrap intervals."""
    common, ia, ir = np.intersect1d(alt.replication, ref.replication, return_indices=True)
    a_ready, r_ready = alt.ready[ia], ref.ready[ir]
    diff = (~a_ready).astype(np.float64) - (~r_ready).astype(np.float64)
    mean, low, high = mean_ci(diff)
    if diff.size >= 2 and np.all(diff == diff[0]):
        low = high = mean  # every pair agrees: no sampling spread to speak of
    # A difference of two risks lies in [-1, 1]; the t interval does not know that.
    low, high = max(low, -1.0), min(high, 1.0)
    return {
        "paired_replications": int(common.size),
        "risk_difference": _round(mean),
        "risk_difference_ci95": [_round(low), _round(high)],
        "p50_completion_difference": quantile_difference(alt.completion[ia], ref.completion[ir], 0.5, seed=50),
        "p80_completion_difference": quantile_difference(alt.completion[ia], ref.completion[ir], 0.8, seed=80),
    }


def summarise(experiment: dict[str, Any], scenarios: dict[str, tuple[ModelSpec, dict[str, SiteColumns]]]) -> Summary:
    """The whole summary.json: experiment facts, then per scenario and site.

    ``scenarios`` maps a scenario name to its model and per-site columns. The first
    scenario is the reference the others are compared with.
    """
    # The version first: a reader checks it before anything else.
    out = cast(Summary, {"format_version": FORMAT_VERSION, **experiment, "scenarios": {}})
    reference: dict[str, SiteColumns] | None = None
    for name, (model, by_site) in scenarios.items():
        sites: dict[str, SiteSummary] = {}
        for site in model.sites:
            cols = by_site[site.id]
            entry = site_summary(model, site.id, cols)
            if reference is not None and site.id in reference:
                entry["vs_reference"] = paired_difference(cols, reference[site.id])
            sites[site.id] = entry
        # The model's criteria; a site may have its own (its entry's "criteria").
        out["scenarios"][name] = ScenarioSummary(readiness=criteria(model.readiness), sites=sites)
        if reference is None:
            reference = by_site
    return out
