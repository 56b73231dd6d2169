"""The study tables of an experiment file: ``[sweep]``, ``[sensitivity]``, ``[capacity]``
and ``[calibration]``.

They say what ``rollout-sim sweep``, ``sensitivity``, ``capacity`` and ``calibrate`` do
when run on the file without options. Their keys and values are checked when the experiment is loaded
(so ``validate`` reports them): every dotted key must exist in the model, and every
value must give a valid model when set.
"""
from __future__ import annotations

import datetime as dt
import math
from typing import Any

from sim.errors import ConfigError, Problem
from sim.limits import MAX_POINTS, MAX_REPLICATIONS
from sim.model.design import base_scenario, point, resolve, with_points
from sim.model.reader import Table
from sim.model.spec import (
    CalibrationSpec,
    CapacitySpec,
    ExperimentSpec,
    Parameter,
    SensitivitySpec,
    Studies,
    SweepSpec,
)
from sim.model.values import ValueProblem, check_points, check_range, search_step

# MAX_REPLICATIONS (imported above from sim.limits) keeps its old name in this module.


def _is_value(v: Any) -> bool:
    return not isinstance(v, (list, dict))


def read_studies(root: Table) -> Studies:
    """The study tables of an experiment (unchecked against the model yet)."""
    return Studies(
        sweep=_sweep(root.table("sweep")) if "sweep" in root.data else None,
        sensitivity=_sensitivity(root.table("sensitivity")) if "sensitivity" in root.data else None,
        capacity=_capacity(root.table("capacity")) if "capacity" in root.data else None,
        calibration=_calibration(root.table("calibration")) if "calibration" in root.data else None,
    )


def _common(t: Table) -> tuple[str | None, int | None]:
    return t.str("scenario", None), t.number("replications", None, integer=True, low=1, high=MAX_REPLICATIONS)


def _sweep(t: Table) -> SweepSpec | None:
    scenario, replications = _common(t)
    vary = t.table("vary", required=True)
    grid = []
    for key, values in vary.data.items():
        vary.has(key)
        if not isinstance(values, list) or not values or not all(_is_value(v) for v in values):
            vary.problem(f'"{key}"' if "." in key else key,
                         "expected a list of values, like [\"0w\", \"2w\", \"4w\"] or [40, 50, 60]")
            continue
        grid.append((key, tuple(values)))
    if vary.ok and not vary.data and "vary" in t.data:
        vary.problem("", "expected at least one dotted key with a list of values")
    try:
        check_points(math.prod(len(values) for _, values in grid))
    except ValueProblem as err:
        vary.problem("", f"its grid of values has {err}")
        grid = []
    t.finish()
    return SweepSpec(tuple(grid), scenario, replications) if grid else None


def _sensitivity(t: Table) -> SensitivitySpec | None:
    scenario, replications = _common(t)
    trajectories = t.number("morris_trajectories", 10, integer=True, low=2, high=1000)
    levels = t.number("morris_levels", 4, integer=True, low=2, high=20)
    samples = t.number("sobol_samples", 64, integer=True, low=2, high=2**16)
    if samples and samples & (samples - 1):
        t.problem("sobol_samples", f"expected a power of two (Sobol' sequences need one), like "
                                   f"{2 ** round(math.log2(samples))}; got {samples}")
    params = _parameters(t)
    t.finish()
    if not params:
        return None
    # The designs' sizes: one at a time 2k + 1 points, Morris r(k + 1), Sobol' (first and
    # total order) N(k + 2).
    k = len(params)
    if 2 * k + 1 > MAX_POINTS:
        t.problem("parameter", f"{k:,} parameters make {2 * k + 1:,} points one at a time; expected at most "
                               f"{MAX_POINTS:,} points ({(MAX_POINTS - 1) // 2:,} parameters)")
        return None
    for name, n, size in (("morris_trajectories", trajectories, k + 1), ("sobol_samples", samples, k + 2)):
        if n and n * size > MAX_POINTS:
            t.problem(name, f"{n:,} with {k} parameter{'s' if k > 1 else ''} makes a design of {n * size:,} points; "
                            f"expected at most {MAX_POINTS:,} (at most {MAX_POINTS // size:,} here)")
            return None
    return SensitivitySpec(tuple(params), scenario, replications, trajectories, levels, samples)


def _parameters(t: Table) -> list[Parameter]:
    """The ``[[<table>.parameter]]`` tables: a dotted key, its low and high value, a name."""
    params = []
    tables = t.tables("parameter", required=True)
    seen: set[str] = set()
    for p in tables:
        key = p.str("key")
        low, high = p.value("low", None), p.value("high", None)
        name = p.str("name", key.rsplit(".", 1)[-1] if isinstance(key, str) else "")
        for field, v in (("low", low), ("high", high)):
            if v is None:
                p.problem(field, "missing; this key is required")
            elif not _is_value(v):
                p.problem(field, "expected a number, a date, a duration like 4w, or a percentage like 15%")
        if key in seen:
            p.problem("key", f"{key!r} is listed twice; expected each key once")
        seen.add(key)
        p.finish()
        if key and low is not None and high is not None:
            params.append(Parameter(key, name, low, high))
    return params


def _calibration(t: Table) -> CalibrationSpec | None:
    replications = t.number("replications", 10, integer=True, low=2, high=MAX_REPLICATIONS)
    points = t.number("points", 64, integer=True, low=2, high=MAX_POINTS)
    waves = t.number("waves", 4, integer=True, low=1, high=100)
    params = _parameters(t)
    t.finish()
    if not params or None in (replications, points, waves):
        return None
    return CalibrationSpec(tuple(params), replications, points, waves)


def _capacity(t: Table) -> CapacitySpec:
    scenario, replications = _common(t)
    spec = CapacitySpec(
        site=t.str("site", None), max_risk=t.number("max_risk", None, low=0, high=1, low_open=True),
        vary=t.str("vary", None), low=t.value("low", None), high=t.value("high", None), step=t.value("step", None),
        scenario=scenario, replications=replications)
    for field in ("low", "high", "step"):
        v = getattr(spec, field)
        if v is not None and not _is_value(v):
            t.problem(field, "expected a number, a date, or a duration like 1w")
    t.finish()
    return spec


def _capacity_range(spec: ExperimentSpec, c: CapacitySpec) -> list[Problem]:
    """A [capacity] range of more than MAX_POINTS values (or with dates outside the
    calendar) as a problem; nothing when it is fine or cannot be read yet (what is wrong
    with its values is reported where they are checked, or by the capacity command)."""
    if c.vary is None or c.low is None or c.high is None:
        return []
    try:
        lo, hi = resolve(spec, base_scenario(spec, c.scenario), c.vary, [c.low, c.high], str(spec.file), "capacity")
        # The capacity command's defaults: a week for dates, 1 for numbers.
        step = search_step(c.step if c.step is not None else ("1w" if isinstance(lo, dt.date) else 1), lo)
    except (ConfigError, ValueProblem):
        return []
    try:
        check_range(lo, hi, step)
    except ValueProblem as err:
        return [Problem(str(spec.file), "capacity", str(err))]
    return []


def check_studies(spec: ExperimentSpec) -> list[Problem]:
    """Every study key and value of ``spec`` checked against its model: the key exists,
    each value reads, and each gives a valid model when set."""
    s, file, problems = spec.studies, str(spec.file), []

    def attempt(table: str, scenario: str | None, checks) -> None:
        try:
            base = base_scenario(spec, scenario)
        except ConfigError:
            problems.append(Problem(file, f"{table}.scenario", f"no scenario {scenario!r}; expected one of "
                                    f"{', '.join(x.name for x in spec.scenarios)}"))
            return
        for key, values, at in checks:
            try:
                resolved = resolve(spec, base, key, list(values), file, at)
                with_points(spec, base, [point(f"{at}={v}", [(key, v)]) for v in resolved], table)
            except ConfigError as err:
                problems.extend(err.problems)

    if s.sweep is not None:
        attempt("sweep", s.sweep.scenario, [(k, v, f'sweep.vary."{k}"') for k, v in s.sweep.vary])
    if s.sensitivity is not None:
        attempt("sensitivity", s.sensitivity.scenario,
                [(p.key, (p.low, p.high), f"sensitivity.parameter.{i}") for i, p in enumerate(s.sensitivity.parameters)])
    if s.calibration is not None:
        # Every scenario a fitted target names gets the parameters' values (unknown scenarios
        # are the targets' problem, reported with them).
        fitted = [t for t in spec.targets if not t.held_out]
        names = {x.name for x in spec.scenarios}
        for name in dict.fromkeys(t.scenario for t in fitted if t.scenario is None or t.scenario in names):
            attempt("calibration", name, [(p.key, (p.low, p.high), f"calibration.parameter.{i}")
                                          for i, p in enumerate(s.calibration.parameters)])
        if not fitted:
            problems.append(Problem(file, "calibration", "nothing to fit: expected [[target]] tables that are "
                                                         "not held out"))
    c = s.capacity
    if c is not None:
        if c.site is not None and c.site not in {x.id for x in spec.scenarios[0].model.sites}:
            problems.append(Problem(file, "capacity.site", f"no site {c.site!r} in the model; expected one of "
                                    f"{', '.join(x.id for x in spec.scenarios[0].model.sites)}"))
        if c.vary is not None:
            bounds = [v for v in (c.low, c.high) if v is not None]
            attempt("capacity", c.scenario, [(c.vary, bounds, "capacity")] if bounds else [])
            problems.extend(_capacity_range(spec, c))
            if not bounds:
                try:
                    resolve(spec, base_scenario(spec, c.scenario), c.vary, [], file, "capacity.vary")
                except ConfigError as err:
                    problems.extend(err.problems)
    return problems
