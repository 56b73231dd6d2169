"""Sweeps: a grid of values for one or more dotted keys, every point on the same seeds.

The points run as the scenarios of one experiment (see :mod:`sim.model.design`), so each
point's risk is compared with the first point's, paired by replication.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.analysis.stats import wilson_interval
from sim.analysis.summary import SiteColumns
from sim.analysis.summary_format import Summary
from sim.errors import ConfigError, Problem
from sim.model.design import Point, point, resolve
from sim.model.overrides import parse_value
from sim.model.spec import ExperimentSpec, Scenario
from sim.runs.folder import dict_csv_text, write_atomic
from sim.runs.launch import Finished
from sim.runs.runner import RunOptions
from sim.studies.study import Study

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


def sweep_rows(points: list[Point], summary: Summary) -> list[dict[str, Any]]:
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


def parse_vary(items: tuple[str, ...] | list[str]) -> list[tuple[str, list[Any]]]:
    """``--vary KEY=V1,V2,...`` options as (key, values written)."""
    out: list[tuple[str, list[Any]]] = []
    for item in items:
        key, sep, values = item.partition("=")
        parts = [v.strip() for v in values.split(",")]
        if not sep or not key.strip() or not all(parts):
            raise ConfigError([Problem("--vary", item, "expected KEY=V1,V2,..., like "
                                                       "uncertainty.training_environment_delay_days=0w,2w,4w")])
        if key.strip() in (k for k, _ in out):
            # Two lists for one key would make a grid of points that set it twice: fewer
            # models than points, reported as if they were all different.
            raise ConfigError([Problem("--vary", key.strip(), "given twice; list all its values in one "
                                                              "--vary KEY=V1,V2,...")])
        out.append((key.strip(), [parse_value(v) for v in parts]))
    return out


@dataclass(frozen=True)
class SweepPlan:
    """A sweep's points, the scenario they build on and how they run."""

    points: list[Point]
    scenario: str | None
    replications: int | None  # the [sweep] table's, if it set them
    options: RunOptions


def plan_sweep(study: Study, vary: list[tuple[str, list[Any]]] | None) -> SweepPlan:
    """The points of a sweep: of ``vary`` (from --vary, which replaces the [sweep] table,
    its scenario and replications too) or else of the experiment's [sweep] table."""
    table = study.spec.studies.sweep
    if vary:
        wanted, file, at, used = vary, "--vary", None, None
    elif table is not None:
        wanted = [(k, list(v)) for k, v in table.vary]
        file, at, used = str(study.spec.file), {k: f'sweep.vary."{k}"' for k, _ in table.vary}, table
    else:
        raise ConfigError([Problem(str(study.spec.file), "sweep", "no [sweep] table; give --vary KEY=V1,V2,... "
                                                                  "or add one")])
    scenario = used.scenario if used else None
    replications = used.replications if used else None
    points = grid(study.spec, study.base(scenario), wanted, file, at)
    return SweepPlan(points, scenario, replications, study.options(replications))


@dataclass
class SweepResult:
    """A finished sweep: sweep.csv's rows (per point and site, then the joint risk per
    point when there is more than one site) and the run behind them."""

    rows: list[dict[str, Any]]
    points: list[Point]
    finished: Finished


def run_sweep(study: Study, plan: SweepPlan) -> SweepResult:
    """Run a sweep's points; write sweep.csv into its folder (if it has one)."""
    finished = study.run(plan.points, plan.scenario, plan.replications, "sweep")
    rows = sweep_rows(plan.points, finished.summary)
    if len(finished.spec.scenarios[0].model.sites) > 1:
        joint = joint_rows(plan.points, finished.columns)
        rows += [{**dict.fromkeys(rows[0]), **r} for r in joint]  # same columns, blanks where n/a
    if finished.path is not None:
        write_atomic(finished.path / SWEEP_FILE, dict_csv_text(rows))
    return SweepResult(rows, plan.points, finished)

