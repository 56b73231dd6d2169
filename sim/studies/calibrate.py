"""Calibration of an experiment's uncertain inputs to its observed targets.

:func:`plan_calibration` reads what to fit (the ``[calibration]`` table's parameters, each
uniform over its range, and the ``[[target]]`` tables that are not held out) and how
much to simulate. :func:`run_calibration` runs history matching in waves
(:mod:`sim.studies.history_matching`): each wave's parameter sets are set on every
scenario a target names, each set is run for the same replications (common random
numbers, through the run's executors, Dask included) and the targets' measures are
taken from every replication. It ends with the parameter sets that were not ruled out,
weighted as a sample of the posterior, and writes them, the waves and the fit of every
target (held-out ones too: what the fitted model predicts for them) into a folder.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import ConfigError, Problem
from sim.model.design import base_scenario, point, with_points
from sim.model.parameter_sets import CALIBRATION, FILE
from sim.model.spec import CalibrationSpec, ExperimentSpec, Scenario, TargetSpec
from sim.runs.folder import dict_csv_text, json_text, save_npz
from sim.runs.force import STAGING, check_out, check_replaceable
from sim.runs.launch import RunStopped
from sim.runs.manifest import text_hash
from sim.studies.history_matching import (
    CUT_OFF,
    Matching,
    Observations,
    Wave,
    history_match,
    weighted_quantiles,
)
from sim.studies.sensitivity import Bounds, bounds_of
from sim.studies.study import Study
from sim.studies.targets import measure_scenarios

# A parameter whose 90% posterior interval is narrower than this share of its prior's is
# reported as constrained by the targets; a wider one is still about its prior.
CONSTRAINED = 0.5
PRIOR_90 = 0.9  # the width of a uniform prior's central 90% interval, as a share of its range
WAVES = "waves"  # in the staging folder: each finished wave, for --resume
MAX_BUDGET = 10_000_000  # --budget in replications
MAX_BUDGET_MINUTES = 7 * 24 * 60  # --budget in minutes: a week


@dataclass(frozen=True)
class CalibrationPlan:
    """A checked calibration: what to fit, to what, and how much to simulate."""

    spec: ExperimentSpec
    table: CalibrationSpec
    bounds: list[Bounds]
    fitted: list[TargetSpec]
    held_out: list[TargetSpec]
    scenarios: list[str]  # the scenarios the targets name, in file order
    replications: int
    points: int  # per wave
    waves: int
    seed: int

    @property
    def simulations(self) -> int:
        """Replications in all: waves x points x scenarios x replications."""
        return self.waves * self.points * len(self.scenarios) * self.replications


def budget_of(text: str) -> tuple[int | None, float | None]:
    """``--budget`` as replications (``2000``) or minutes (``10m``, ``10min``): one of the
    two, the other None; a :class:`ConfigError` for anything else."""
    value = text.strip().lower()
    try:
        if value.endswith(("min", "m")):
            minutes = float(value.removesuffix("min").removesuffix("m"))
            if math.isfinite(minutes) and 0 < minutes <= MAX_BUDGET_MINUTES:
                return None, minutes
        elif value.isdigit() and 2 <= int(value) <= MAX_BUDGET:
            return int(value), None
    except ValueError:
        pass
    raise ConfigError([Problem("--budget", "", f"expected replications in all (2 to {MAX_BUDGET:,}) or minutes "
                                               f"like 10m (at most {MAX_BUDGET_MINUTES:,}), got {text!r}")])


def replications_in(study: Study, minutes: float) -> int:
    """About how many replications of the targets' scenarios fit in ``minutes`` of wall
    time here: one replication of each timed after a warm-up, shared over the workers."""
    import time

    from sim.engine.replication import run_replication

    spec = study.spec
    models = [base_scenario(spec, name).model for name in dict.fromkeys(_scenario(spec, t) for t in spec.targets)]
    seconds = 0.0
    for model in models:
        run_replication(model, spec.seed, 0)
        start = time.perf_counter()
        run_replication(model, spec.seed, 1)
        seconds += time.perf_counter() - start
    workers = 1 if study.executor == "serial" else max(1, min(study.workers or os.cpu_count() or 1,
                                                              os.cpu_count() or 1))
    return int(minutes * 60 * workers / max(seconds / len(models), 1e-6))


def plan_calibration(study: Study, budget: int | None = None) -> CalibrationPlan:
    """The calibration of ``study``'s experiment; ``budget``: replications in all, which
    sets the parameter sets per wave (else the table's ``points``)."""
    spec, file = study.spec, str(study.spec.file)
    table = spec.studies.calibration
    if table is None:
        raise ConfigError([Problem(file, "calibration", "no [calibration] table: expected the parameters to fit "
                                                        "(see docs/calibration.md)")])
    if study.scenario is not None:
        raise ConfigError([Problem("--scenario", "", "calibrate runs the scenarios its targets name")])
    fitted = [t for t in spec.targets if not t.held_out]
    held_out = [t for t in spec.targets if t.held_out]
    scenarios = list(dict.fromkeys(_scenario(spec, t) for t in spec.targets))
    replications = study.replications or table.replications
    points = table.points
    if budget is not None:
        per_point = table.waves * len(scenarios) * replications
        if budget < 2 * per_point:
            raise ConfigError([Problem("--budget", "", f"expected at least {2 * per_point:,} replications (2 "
                                                       f"parameter sets in each of {table.waves} waves, "
                                                       f"{len(scenarios)} scenario(s), {replications} replications "
                                                       f"each), got {budget:,}")])
        points = budget // per_point
    params = bounds_of(spec, base_scenario(spec, scenarios[0]), table.parameters, "calibration")
    for b in params:
        low, high = b.numbers()
        if not low < high:
            raise ConfigError([Problem(file, "calibration.parameter", f"{b.parameter.name}: expected low < high, "
                                                                      f"got {b.parameter.low} and {b.parameter.high}")])
    seed = spec.seed if study.seed is None else study.seed
    return CalibrationPlan(spec, table, params, fitted, held_out, scenarios, replications, points, table.waves, seed)


def _scenario(spec: ExperimentSpec, target: TargetSpec) -> str:
    return target.scenario or spec.scenarios[0].name


@dataclass
class CalibrationResult:
    """What a calibration found; ``path`` is its folder (None in memory)."""

    plan: CalibrationPlan
    matching: Matching
    measures: dict[int, np.ndarray]  # wave -> points x targets (all, in file order) x replications
    parameters: list[dict[str, Any]]  # parameters.csv
    waves: list[dict[str, Any]]  # waves.csv
    fit: list[dict[str, Any]]  # fit.csv
    constrained: list[dict[str, Any]]  # per parameter: prior, posterior, constrained or not
    path: Path | None


def run_calibration(study: Study, plan: CalibrationPlan, on_wave: Callable[[Wave], None] | None = None,
                    on_progress: Callable[[int, int], None] | None = None, resume: bool = False) -> CalibrationResult:
    """Run the waves and write the folder (unless the study is in memory).

    Each finished wave is kept in a staging folder beside the results folder, so an
    interrupted calibration continues with ``resume``: the waves kept are read back (the
    next wave's sets follow from them and the seed alone, so nothing else is needed) and
    the rest run. A KeyboardInterrupt ends in :class:`RunStopped` saying so."""
    root = study.root()
    staging = None
    if root is not None:
        check_out(root, study.force, "calibration")  # before any simulation
        staging = _staging(root, plan, resume)
    elif resume:
        raise ConfigError([Problem("--resume", "", "a calibration in memory has nothing to continue")])
    targets = list(plan.spec.targets)
    fitted = [targets.index(t) for t in plan.fitted]
    measures: dict[int, np.ndarray] = {}
    done = [0]  # replications finished, over every wave (for the progress bar)

    def simulate(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        wave = len(measures) + 1
        kept = None if staging is None else staging / WAVES / f"wave-{wave}.npz"
        if kept is not None and kept.is_file():
            with np.load(kept) as data:
                if not np.array_equal(data["points"], x):  # cannot happen for the same plan; never mixed
                    raise ConfigError([Problem(str(kept), "", "was made by another calibration; start afresh "
                                                              "without --resume")])
                values = data["values"]
            done[0] += values.shape[0] * len(plan.scenarios) * plan.replications
        else:
            values = _simulate(study, plan, x, wave, done, on_progress)
            if kept is not None:
                save_npz(kept, {"points": x, "values": values})
        measures[wave] = values
        chosen = values[:, fitted, :]
        return chosen.mean(axis=2), chosen.var(axis=2, ddof=1), plan.replications

    obs = Observations(np.array([t.observed for t in plan.fitted]),
                       np.array([t.sd ** 2 + t.discrepancy_sd ** 2 for t in plan.fitted]))
    try:
        matching = history_match(simulate, obs, len(plan.bounds), plan.points, plan.waves, plan.seed, on_wave)
    except KeyboardInterrupt:
        if staging is None:
            raise
        raise RunStopped(f"\ninterrupted after {len(measures)} of {plan.waves} waves; they are kept: run the "
                         "same command with --resume to continue", 130, "interrupted") from None
    result = CalibrationResult(plan, matching, measures, _parameter_rows(plan, matching), _wave_rows(plan, matching),
                               _fit_rows(plan, matching, measures), _constrained(plan, matching), root)
    if root is not None and staging is not None:
        _write(root, staging, result)
    return result


def _fingerprint(plan: CalibrationPlan) -> str:
    """What decides a calibration's numbers: the inputs after --set, the seed and the sizes."""
    spec = plan.spec
    return text_hash([json.dumps(spec.raw, sort_keys=True, default=str),
                      json.dumps(spec.raw_model, sort_keys=True, default=str),
                      json.dumps([plan.seed, plan.points, plan.waves, plan.replications])])


def _staging(root: Path, plan: CalibrationPlan, resume: bool) -> Path:
    """The folder the calibration is written into beside ``root``, its finished waves in
    ``waves/``: kept from an interrupted run of the same calibration with ``resume``,
    otherwise new."""
    staging = root.parent / f"{STAGING}{root.name}"
    mark = staging / WAVES / "calibration.txt"
    if resume:
        if not mark.is_file():
            raise ConfigError([Problem("--resume", "", f"no interrupted calibration to continue at {root} (give "
                                                       "the --out it was writing to)")])
        if mark.read_text(encoding="utf-8") != _fingerprint(plan):
            raise ConfigError([Problem("--resume", "", "the calibration at that --out was started with other "
                                                       "inputs, seed or sizes; run it as it was started, or start "
                                                       "afresh without --resume")])
        return staging
    if staging.exists():
        shutil.rmtree(staging)
    (staging / WAVES).mkdir(parents=True)
    mark.write_text(_fingerprint(plan), encoding="utf-8")
    return staging


def values_at(plan: CalibrationPlan, x: np.ndarray) -> list[list[Any]]:
    """The values to set for points ``x`` in unit coordinates (a row per point)."""
    return [[value_at(b, share) for b, share in zip(plan.bounds, u)] for u in x]


def value_at(b: Bounds, share: float) -> Any:
    """The value of one parameter at ``share`` of its prior range. Whole numbers and dates
    take each value with the same chance: the range is spread over half a step beyond
    each end before rounding."""
    low, high = b.numbers()
    start, end = (low, high) if b.kind == "float" else (low - 0.5, high + 0.5)
    return b.value(min(max(start + float(share) * (end - start), low), high))


def _simulate(study: Study, plan: CalibrationPlan, x: np.ndarray, wave: int, done: list[int],
              on_progress: Callable[[int, int], None] | None) -> np.ndarray:
    """The targets' measures at each point: points x targets x replications."""
    spec = plan.spec
    targets = list(spec.targets)
    points = [point(f"w{wave}-{i}", [(b.parameter.key, v) for b, v in zip(plan.bounds, row)])
              for i, row in enumerate(values_at(plan, x))]
    scenarios: list[Scenario] = []
    slots: list[tuple[int, list[int]]] = []  # per scenario run: its point, and the targets it measures
    for name in plan.scenarios:
        mine = [k for k, t in enumerate(targets) if _scenario(spec, t) == name]
        derived = with_points(spec, base_scenario(spec, name), points, "calibration").scenarios
        for i, s in enumerate(derived):
            scenarios.append(replace(s, name=f"{name}:{s.name}", targets=tuple(targets[k] for k in mine)))
            slots.append((i, mine))

    def finished(n: int) -> None:
        done[0] += n
        if on_progress is not None:
            on_progress(done[0], plan.simulations)

    measured = measure_scenarios(spec, scenarios, plan.replications, plan.seed, study.executor, study.workers,
                                 study.scheduler, finished)
    values = np.full((len(points), len(targets), plan.replications), np.nan)
    for (i, mine), m in zip(slots, measured):
        values[i, mine, :] = m
    return values


def _parameter_rows(plan: CalibrationPlan, matching: Matching) -> list[dict[str, Any]]:
    """parameters.csv: each parameter set not ruled out, with its weight. The columns are
    the parameters' dotted keys, so that ``run --parameters`` can set them."""
    rows = []
    values = values_at(plan, matching.points) if matching.plausible else []
    for row, weight, wave in zip(values, matching.weights, matching.wave_of):
        rows.append({"wave": int(wave), **{b.parameter.key: v for b, v in zip(plan.bounds, row)},
                     "weight": float(weight)})
    return rows


def _wave_rows(plan: CalibrationPlan, matching: Matching) -> list[dict[str, Any]]:
    """waves.csv: each wave's box, points, points kept and share of the prior not ruled out."""
    rows = []
    for w in matching.waves:
        low, high = values_at(plan, w.low[None, :])[0], values_at(plan, w.high[None, :])[0]
        rows.append({"wave": w.number, "points": len(w.points), "kept": int(w.kept.sum()),
                     "share_of_prior": w.share_of_prior,
                     "lowest_implausibility": float(w.implausibility.max(axis=1).min()),
                     **{f"{b.parameter.name}_low": lo for b, lo in zip(plan.bounds, low)},
                     **{f"{b.parameter.name}_high": hi for b, hi in zip(plan.bounds, high)}})
    return rows


def _fit_rows(plan: CalibrationPlan, matching: Matching, measures: dict[int, np.ndarray]) -> list[dict[str, Any]]:
    """fit.csv: every target against the model before calibration (the first wave, drawn
    from the prior) and after (the weighted sets kept), with the implausibility after."""
    rows = []
    first = measures[1]
    kept = np.concatenate([measures[w.number][w.kept] for w in matching.waves]) if matching.plausible else None
    for k, t in enumerate(plan.spec.targets):
        row: dict[str, Any] = {"target": t.name, "measure": t.measure, "held_out": t.held_out,
                               "observed": t.observed, "sd": t.sd, "discrepancy_sd": t.discrepancy_sd,
                               "prior_mean": float(first[:, k, :].mean())}
        if kept is not None:
            means, spread = kept[:, k, :].mean(axis=1), kept[:, k, :].var(axis=1, ddof=1)
            w = matching.weights
            mean = float(w @ means)
            # The variance of one replication under the posterior: within sets, and between them.
            var = float(w @ spread + w @ (means - mean) ** 2)
            low, high = weighted_quantiles(means, w, [0.025, 0.975])
            total = t.sd ** 2 + t.discrepancy_sd ** 2 + var
            row |= {"posterior_mean": mean, "posterior_low": float(low), "posterior_high": float(high),
                    "implausibility": abs(t.observed - mean) / math.sqrt(total)}
        else:
            row |= {"posterior_mean": None, "posterior_low": None, "posterior_high": None, "implausibility": None}
        rows.append(row)
    return rows


def _constrained(plan: CalibrationPlan, matching: Matching) -> list[dict[str, Any]]:
    """Per parameter: its prior range, and the posterior's mean and 90% interval; whether
    the targets constrained it (posterior 90% narrower than half the prior's)."""
    out = []
    for j, b in enumerate(plan.bounds):
        entry: dict[str, Any] = {"parameter": b.parameter.name, "key": b.parameter.key,
                                 "prior_low": _plain(b.low), "prior_high": _plain(b.high)}
        if matching.plausible:
            u = matching.points[:, j]
            low, high = weighted_quantiles(u, matching.weights, [0.05, 0.95])
            ratio = float(high - low) / PRIOR_90
            entry |= {"posterior_mean": _plain(value_at(b, float(matching.weights @ u))),
                      "posterior_low": _plain(value_at(b, low)), "posterior_high": _plain(value_at(b, high)),
                      "width_ratio": ratio, "constrained": ratio < CONSTRAINED}
        out.append(entry)
    return out


def _plain(value: Any) -> Any:
    """A value as JSON holds it: a date as its ISO text."""
    return value.isoformat() if isinstance(value, dt.date) else value


def _write(root: Path, staging: Path, result: CalibrationResult) -> None:
    """Every file into the staging folder, which then takes ``root``'s name: a folder
    that exists is complete."""
    plan = result.plan
    summary = {
        "experiment": plan.spec.name, "file": str(plan.spec.file), "seed": plan.seed,
        "replications": plan.replications, "points": plan.points, "waves": plan.waves,
        "simulations": plan.simulations, "cut_off": CUT_OFF, "plausible": result.matching.plausible,
        "effective_size": result.matching.effective_size,
        "parameters": result.constrained,
        "targets": [{"name": t.name, "held_out": t.held_out} for t in plan.spec.targets],
    }
    header = ",".join(["wave", *(b.parameter.key for b in plan.bounds), "weight"]) + "\n"  # when none was kept
    files = {CALIBRATION: json_text(summary),
             FILE: dict_csv_text(result.parameters) if result.parameters else header,
             "waves.csv": dict_csv_text(result.waves), "fit.csv": dict_csv_text(result.fit)}
    for name, text in files.items():
        (staging / name).write_text(text, encoding="utf-8")
    shutil.rmtree(staging / WAVES)  # what an interruption needed; the results hold it all
    if root.exists():
        check_replaceable(root, kind="calibration")  # checked before the run; still ours
        shutil.rmtree(root)
    os.replace(staging, root)
