"""Sweeps: a grid of values for one or more dotted keys, every point on the same seeds.

The points run as the scenarios of one experiment (see :mod:`sim.model.design`), so each
point's risk is compared with the first point's, paired by replication.
"""
from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from sim.model.design import Point, point, resolve
from sim.model.spec import ExperimentSpec, Scenario
from sim.analysis.stats import wilson_interval
from sim.analysis.summary import SiteColumns

SWEEP_FILE = "sweep.csv"


def grid(spec: ExperimentSpec, base: Scenario, vary: list[tuple[str, list[Any]]], file: str,
         at: dict[str, str] | None = None) -> list[Point]:
    """Every combination of the values of each key (the first key varies slowest).

    ``at`` maps a key to where it was written (for messages; default: the key itself).
    """
    resolved = [resolve(spec, base, key, values, file, (at or {}).get(key, key)) for key, values in vary]
    points = []
    for i, combo in enumerate(itertools.product(*[range(len(v)) for _, v in vary])):
        settings = [(key, resolved[k][j]) for k, ((key, _), j) in enumerate(zip(vary, combo))]
        written = [vary[k][1][j] for k, j in enumerate(combo)]
        points.append(point(f"p{i:0{len(str(max(1, _size(vary) - 1)))}d}", settings, written))
    return points


def _size(vary: list[tuple[str, list[Any]]]) -> int:
    n = 1
    for _, values in vary:
        n *= len(values)
    return n


def sweep_rows(points: list[Point], summary: dict[str, Any]) -> list[dict[str, Any]]:
    """sweep.csv as rows: per point and site, the risk with its CI, the risk that fewer
    than 95% are trained, expected untrained, P50/P80 completion, and the paired change
    in risk against the first point."""
    rows = []
    for p in points:
        scenario = summary["scenarios"][p.name]
        for site_id, s in scenario["sites"].items():
            row: dict[str, Any] = {"point": p.name}
            row.update({key: shown for (key, _), shown in zip(p.settings, p.labels)})
            low, high = s["risk_ci95"]
            vs = s.get("vs_reference")
            row.update({
                "site": site_id, "replications": s["replications"], "readiness_share": s["criteria"]["share"],
                "risk": s["risk_not_ready"], "risk_ci95_low": low, "risk_ci95_high": high,
                "risk_below_95": s["risk_by_threshold"]["0.95"]["risk"],
                "expected_untrained": s["expected_untrained"],
                "expected_untrained_ci95_low": s["expected_untrained_ci95"][0],
                "expected_untrained_ci95_high": s["expected_untrained_ci95"][1],
                "p50_completion": s["completion_date"]["p50"], "p80_completion": s["completion_date"]["p80"],
                "risk_change": vs["risk_difference"] if vs else 0.0,
                "risk_change_ci95_low": vs["risk_difference_ci95"][0] if vs else None,
                "risk_change_ci95_high": vs["risk_difference_ci95"][1] if vs else None,
            })
            rows.append(row)
    return rows


ANY_SITE = "(any site)"


def joint_rows(points: list[Point], columns: dict[str, dict[str, SiteColumns]]) -> list[dict[str, Any]]:
    """Per point, the risk that at least one site is not ready in the same replication:
    what a delay with a common cause changes even when each site's own risk stays put."""
    rows = []
    for p in points:
        sites = columns[p.name]
        late = np.zeros(next(iter(sites.values())).ready.size, dtype=bool)
        for cols in sites.values():  # every site's columns are in replication order
            late |= ~cols.ready
        n, k = late.size, int(np.count_nonzero(late))
        low, high = wilson_interval(k, n)
        row: dict[str, Any] = {"point": p.name}
        row.update({key: shown for (key, _), shown in zip(p.settings, p.labels)})
        row.update({"site": ANY_SITE, "replications": n, "risk": round(k / n, 6) if n else None,
                    "risk_ci95_low": round(low, 6), "risk_ci95_high": round(high, 6)})
        rows.append(row)
    return rows
