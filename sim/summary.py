"""Across replications: per scenario and site, the risk of not being ready and the
distribution of completion dates, with confidence intervals (DESIGN.md "Outcomes")."""
from __future__ import annotations

import datetime as dt
import math
from typing import Any, Sequence

import numpy as np

from sim.outcomes import SiteOutcome
from sim.spec import ModelSpec
from sim.stats import mean_ci, quantile_ci, quantile_days, wilson_interval

QUANTILES = {"p10": 0.10, "p50": 0.50, "p80": 0.80, "p90": 0.90}
# Readiness levels reported besides the model's own threshold: a 100% criterion is a knife
# edge (one straggler in 9,000 fails it), so the risk at lower levels shows how far off it is.
THRESHOLDS = (0.90, 0.95, 0.98, 0.99, 1.0)


def _iso(day: float) -> str | None:
    """A date from its ordinal; None for 'not within the horizon' (inf)."""
    return None if not math.isfinite(day) else dt.date.fromordinal(int(day)).isoformat()


def _ordinals(dates: Sequence[dt.date | None]) -> np.ndarray:
    return np.array([np.inf if d is None else float(d.toordinal()) for d in dates], dtype=np.float64)


def _round(x: float, digits: int = 6) -> float | None:
    return None if not math.isfinite(x) else round(float(x), digits)


def date_quantiles(dates: Sequence[dt.date | None]) -> dict[str, Any]:
    """P10/P50/P80/P90 of dates (None = never) as ISO dates, with 95% CIs of each."""
    values = _ordinals(dates)
    out: dict[str, Any] = {}
    for name, q in QUANTILES.items():
        out[name] = _iso(quantile_days(values, q))
        low, high = quantile_ci(values, q)
        out[f"{name}_ci95"] = [None if not math.isfinite(low) else _iso(low), _iso(high)]
    return out


def site_summary(model: ModelSpec, site_id: str, rows: Sequence[SiteOutcome]) -> dict[str, Any]:
    """Summary of one site over its replications (rows in replication order)."""
    n = len(rows)
    not_ready = int(sum(not r.ready for r in rows))
    low, high = wilson_interval(not_ready, n)
    untrained = np.array([r.untrained_at_go_live for r in rows], dtype=np.float64)
    mean_u, lo_u, hi_u = mean_ci(untrained)
    site = model.site(site_id)
    return {
        "name": site.name,
        "planned_go_live": site.planned_go_live.isoformat(),
        "go_live": site.go_live.isoformat(),
        "staff": model.headcount(site_id),
        "replications": n,
        "not_ready": not_ready,
        "risk_not_ready": _round(not_ready / n) if n else None,
        "risk_ci95": [_round(low), _round(high)],
        "expected_untrained": _round(mean_u, 3),
        "expected_untrained_ci95": [_round(lo_u, 3), _round(hi_u, 3)],
        "expected_share_trained": _round(float(np.mean([r.share_trained for r in rows]))) if n else None,
        "risk_by_threshold": risk_by_threshold(rows),
        "never_completed": int(sum(r.completion_date is None for r in rows)),
        "completion_date": date_quantiles([r.completion_date for r in rows]),
        "date_95": date_quantiles([r.date_95 for r in rows]),
        "mean_sessions_run": _round(float(np.mean([r.sessions_run for r in rows])), 2) if n else None,
        "mean_instructor_utilisation": _round(float(np.mean([r.instructor_utilisation for r in rows])), 4) if n else None,
        "mean_room_utilisation": _round(float(np.mean([r.room_utilisation for r in rows])), 4) if n else None,
    }


def risk_by_threshold(rows: Sequence[SiteOutcome]) -> dict[str, dict[str, Any]]:
    """For each level in THRESHOLDS, the risk that fewer than that share were trained at
    go-live, with its Wilson interval."""
    out = {}
    for level in THRESHOLDS:
        short = sum(r.trained_at_go_live < math.ceil(level * r.staff_required - 1e-9) for r in rows)
        low, high = wilson_interval(short, len(rows))
        out[f"{level:.2f}"] = {"risk": _round(short / len(rows)) if rows else None, "ci95": [_round(low), _round(high)]}
    return out


def paired_risk_difference(rows: Sequence[SiteOutcome], reference: Sequence[SiteOutcome]) -> dict[str, Any]:
    """Risk in a scenario minus risk in the reference, paired by replication (common
    random numbers), with a 95% t interval on the per-replication differences."""
    diff = np.array([float(not a.ready) - float(not b.ready) for a, b in zip(rows, reference)])
    mean, low, high = mean_ci(diff)
    if diff.size >= 2 and np.all(diff == diff[0]):
        low = high = mean  # every pair agrees: no sampling spread to speak of
    return {"risk_difference": _round(mean), "risk_difference_ci95": [_round(low), _round(high)]}


def summarise(experiment: dict[str, Any], scenarios: dict[str, tuple[ModelSpec, dict[str, list[SiteOutcome]]]]) -> dict[str, Any]:
    """The whole summary.json: experiment facts, then per scenario and site.

    ``scenarios`` maps a scenario name to its model and, per site id, the outcome of
    each replication in replication order. The first scenario is the reference.
    """
    out: dict[str, Any] = {**experiment, "scenarios": {}}
    reference: dict[str, list[SiteOutcome]] | None = None
    for name, (model, by_site) in scenarios.items():
        sites = {}
        for site_id, rows in by_site.items():
            entry = site_summary(model, site_id, rows)
            if reference is not None and len(reference.get(site_id, [])) == len(rows):
                entry["vs_reference"] = paired_risk_difference(rows, reference[site_id])
            sites[site_id] = entry
        out["scenarios"][name] = {"readiness_threshold": model.readiness_threshold, "sites": sites}
        if reference is None:
            reference = by_site
    return out
