"""Sensitivity of readiness to its uncertain inputs: one at a time, Morris and Sobol'.

Parameters come from the experiment's ``[sensitivity]`` table (a dotted key with a low
and a high value). One-at-a-time (OAT) sets each to its low and high value with the
rest at base and reads the paired change against the base; Morris and Sobol' take their
sampling design from SALib, run every design point through the Monte Carlo runner on
the same seeds, and hand the per-point outputs to SALib's analysis, which bootstraps
confidence intervals for the indices.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.errors import ConfigError, Problem
from sim.model.design import Point, point, resolve
from sim.model.spec import ExperimentSpec, Parameter, Scenario, SensitivitySpec
from sim.runs.folder import dict_csv_text, write_atomic
from sim.runs.launch import Finished
from sim.runs.runner import RunOptions
from sim.studies.study import Study

METHODS = ("oat", "morris", "sobol")
# An index whose 95% CI is wider than this (Sobol', absolute) or than half the index
# itself (Morris mu*, for the parameters that matter) says the design was too small to
# rank the parameters; the user is told to enlarge it.
SOBOL_CONF_LIMIT = 0.1
MORRIS_RELATIVE_LIMIT = 0.5


@dataclass(frozen=True)
class Bounds:
    """A parameter's low and high as values to set, and how a sampled number maps back."""

    parameter: Parameter
    low: Any
    high: Any

    @property
    def kind(self) -> str:
        """``date``, ``int`` or ``float``: how sampled numbers are turned into values."""
        if isinstance(self.low, dt.date):
            return "date"
        if isinstance(self.low, int) and isinstance(self.high, int):
            return "int"
        return "float"

    def numbers(self) -> tuple[float, float]:
        """The bounds as numbers for the sampler (dates as day ordinals)."""
        if self.kind == "date":
            return float(self.low.toordinal()), float(self.high.toordinal())
        return float(self.low), float(self.high)

    def value(self, x: float) -> Any:
        """The value to set for a sampled number."""
        if self.kind == "date":
            return dt.date.fromordinal(round(float(x)))
        return round(float(x)) if self.kind == "int" else float(x)


def bounds(spec: ExperimentSpec, base: Scenario, table: SensitivitySpec) -> list[Bounds]:
    """Each parameter's low and high as values (units and shifts applied)."""
    return bounds_of(spec, base, table.parameters, "sensitivity")


def bounds_of(spec: ExperimentSpec, base: Scenario, parameters: Iterable[Parameter], table: str) -> list[Bounds]:
    """Each parameter's low and high as values to set on ``base``; problems name
    ``<table>.parameter.<i>``."""
    out = []
    for i, p in enumerate(parameters):
        low, high = resolve(spec, base, p.key, [p.low, p.high], str(spec.file), f"{table}.parameter.{i}")
        out.append(Bounds(p, low, high))
    return out


def oat_points(params: list[Bounds]) -> list[Point]:
    """The base, then each parameter at its low and at its high value."""
    points = [point("base", [])]
    for b in params:
        for end, value, written in (("low", b.low, b.parameter.low), ("high", b.high, b.parameter.high)):
            points.append(point(f"{b.parameter.name}-{end}", [(b.parameter.key, value)], [written]))
    return points


def tornado_rows(params: list[Bounds], summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    """tornado.csv: per parameter, end (low/high) and site, the paired change in risk and
    in P80 completion against the base, with 95% CIs."""
    rows = []
    for b in params:
        for end, written in (("low", b.parameter.low), ("high", b.parameter.high)):
            scenario = summary["scenarios"][f"{b.parameter.name}-{end}"]
            for site_id, s in scenario["sites"].items():
                vs = s["vs_reference"]
                p80 = vs["p80_completion_difference"]
                rows.append({
                    "parameter": b.parameter.name, "key": b.parameter.key, "end": end, "value": written,
                    "site": site_id, "replications": s["replications"], "risk": s["risk_not_ready"],
                    "risk_change": vs["risk_difference"],
                    "risk_change_ci95_low": vs["risk_difference_ci95"][0],
                    "risk_change_ci95_high": vs["risk_difference_ci95"][1],
                    "p80_change_days": p80["days"], "p80_change_days_ci95_low": p80["ci95"][0],
                    "p80_change_days_ci95_high": p80["ci95"][1],
                })
    return rows


def problem(params: list[Bounds]) -> dict[str, Any]:
    """The SALib problem: names and numeric bounds."""
    return {"num_vars": len(params), "names": [b.parameter.name for b in params],
            "bounds": [list(b.numbers()) for b in params]}


def design(method: str, params: list[Bounds], table: SensitivitySpec, seed: int) -> np.ndarray:
    """SALib's sampling design (rows = points, columns = parameters)."""
    for b in params:
        low, high = b.numbers()
        if not low < high:
            raise ValueError(f"sensitivity parameter {b.parameter.name!r}: expected low < high for {method}, "
                             f"got {b.parameter.low} and {b.parameter.high}")
    if method == "morris":
        from SALib.sample import morris
        return morris.sample(problem(params), N=table.morris_trajectories, num_levels=table.morris_levels, seed=seed)
    from SALib.sample import sobol
    return sobol.sample(problem(params), N=table.sobol_samples, calc_second_order=False, seed=seed)


def design_points(x: np.ndarray, params: list[Bounds]) -> list[Point]:
    """A point per design row, each value mapped back to what the key takes."""
    width = len(str(max(len(x) - 1, 1)))
    return [point(f"d{i:0{width}d}", [(b.parameter.key, b.value(v)) for b, v in zip(params, row)])
            for i, row in enumerate(x)]


def outputs(points: list[Point], summary: Mapping[str, Any], site: str) -> dict[str, np.ndarray]:
    """Per output, its value at every design point for one site."""
    per = [summary["scenarios"][p.name]["sites"][site] for p in points]
    return {"risk": np.array([s["risk_not_ready"] for s in per], dtype=float),
            "expected_untrained": np.array([s["expected_untrained"] for s in per], dtype=float)}


def indices(method: str, params: list[Bounds], x: np.ndarray, points: list[Point], summary: Mapping[str, Any],
            table: SensitivitySpec, seed: int) -> list[dict[str, Any]]:
    """indices.csv: per site, output and parameter, the indices and their 95% CI half-widths."""
    rows = []
    prob = problem(params)
    for site in summary["scenarios"][points[0].name]["sites"]:
        for output, y in outputs(points, summary, site).items():
            flat = bool(np.all(y == y[0]))  # nothing to apportion: every index is 0
            if method == "morris":
                from SALib.analyze import morris
                res = None if flat else morris.analyze(prob, x, y, conf_level=0.95, num_resamples=1000,
                                                       num_levels=table.morris_levels, seed=seed)
                for i, b in enumerate(params):
                    rows.append({"site": site, "output": output, "parameter": b.parameter.name,
                                 "mu_star": _num(res, "mu_star", i), "mu_star_conf": _num(res, "mu_star_conf", i),
                                 "mu": _num(res, "mu", i), "sigma": _num(res, "sigma", i)})
            else:
                from SALib.analyze import sobol
                res = None if flat else sobol.analyze(prob, y, calc_second_order=False, conf_level=0.95,
                                                      num_resamples=1000, seed=seed)
                for i, b in enumerate(params):
                    rows.append({"site": site, "output": output, "parameter": b.parameter.name,
                                 "S1": _num(res, "S1", i), "S1_conf": _num(res, "S1_conf", i),
                                 "ST": _num(res, "ST", i), "ST_conf": _num(res, "ST_conf", i)})
    return rows


def _num(res: Any, name: str, i: int) -> float:
    if res is None:
        return 0.0
    v = float(np.asarray(res[name])[i])
    return round(v, 6) if math.isfinite(v) else 0.0


def warnings(method: str, rows: list[dict[str, Any]]) -> list[str]:
    """Where the intervals say the design was too small to trust the ranking."""
    out = []
    for r in rows:
        if method == "sobol":
            if max(r["S1_conf"], r["ST_conf"]) > SOBOL_CONF_LIMIT:
                out.append(f"{r['site']}, {r['output']}, {r['parameter']}: Sobol' 95% CI +-{max(r['S1_conf'], r['ST_conf']):.2f} "
                           f"(> {SOBOL_CONF_LIMIT}); raise sobol_samples or replications")
        else:
            top = max((x["mu_star"] for x in rows if x["site"] == r["site"] and x["output"] == r["output"]), default=0)
            # Only parameters that matter (at least a tenth of the largest effect) need a tight interval.
            if r["mu_star"] >= 0.1 * top > 0 and r["mu_star_conf"] > MORRIS_RELATIVE_LIMIT * r["mu_star"]:
                out.append(f"{r['site']}, {r['output']}, {r['parameter']}: Morris mu* {r['mu_star']:.3g} +-{r['mu_star_conf']:.2g} "
                           f"(more than half of it); raise morris_trajectories or replications")
    return out


def estimate_seconds(spec: ExperimentSpec, replications: int, workers: int) -> float:
    """Wall time of ``replications`` replications of the base model on ``workers``
    workers, from two replications timed here (the first is a warm-up)."""
    import os
    import time

    from sim.engine.replication import run_replication

    model = spec.scenarios[0].model
    run_replication(model, spec.seed, 0, sessions=False)
    start = time.perf_counter()
    run_replication(model, spec.seed, 1, sessions=False)
    per = time.perf_counter() - start
    return per * replications / max(1, min(workers, os.cpu_count() or 1))


@dataclass(frozen=True)
class SensitivityPlan:
    """A sensitivity study's design: parameters, points, and its size and expected run time."""

    method: str
    table: SensitivitySpec
    params: list[Bounds]
    x: np.ndarray | None  # SALib's design (None for one at a time)
    points: list[Point]
    options: RunOptions
    workers: int
    estimated_seconds: float

    @property
    def total(self) -> int:
        """Replications in all: points times replications per point."""
        return len(self.points) * self.options.replications


def plan_sensitivity(study: Study, method: str) -> SensitivityPlan:
    """The design of the experiment's [sensitivity] table by ``method`` (oat, morris,
    sobol), with an estimate of its run time from two replications timed here."""
    import os

    if method not in METHODS:
        raise ConfigError([Problem("--method", method, f"expected one of {', '.join(METHODS)}")])
    table = study.spec.studies.sensitivity
    if table is None:
        raise ConfigError([Problem(str(study.spec.file), "sensitivity", "no [sensitivity] table with "
                                   "[[sensitivity.parameter]] entries (key, low, high); see docs/studies.md")])
    base = study.base(table.scenario)
    params = bounds(study.spec, base, table)
    options = study.options(table.replications)
    x: np.ndarray | None = None
    if method == "oat":
        points = oat_points(params)
    else:
        try:
            x = design(method, params, table, options.seed)
        except ValueError as err:
            raise ConfigError([Problem(str(study.spec.file), "sensitivity", str(err))]) from None
        points = design_points(x, params)
    workers = options.workers or os.cpu_count() or 1
    seconds = estimate_seconds(study.spec, len(points) * options.replications, workers)
    return SensitivityPlan(method, table, params, x, points, options, workers, seconds)


@dataclass
class SensitivityResult:
    """A finished sensitivity study: the tornado rows (oat) or the indices (morris,
    sobol), the warnings about their precision, and the run behind them."""

    rows: list[dict[str, Any]]
    table: str  # the file they are written to: tornado.csv or indices.csv
    warnings: list[str]
    finished: Finished


def run_sensitivity(study: Study, plan: SensitivityPlan) -> SensitivityResult:
    """Run the design's points and compute the tornado or the indices; write their table
    into the study's folder (if it has one)."""
    finished = study.run(plan.points, plan.table.scenario, plan.table.replications, "sensitivity")
    if plan.method == "oat":
        rows, name, notes = tornado_rows(plan.params, finished.summary), "tornado.csv", []
    else:
        assert plan.x is not None  # designed for every method but oat
        rows = indices(plan.method, plan.params, plan.x, plan.points, finished.summary, plan.table,
                       plan.options.seed)
        name, notes = "indices.csv", warnings(plan.method, rows)
    if finished.path is not None:
        write_atomic(finished.path / name, dict_csv_text(rows))
    return SensitivityResult(rows, name, notes, finished)

