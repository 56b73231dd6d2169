"""Design points of a study: named sets of dotted-key values run as scenarios.

A sweep, a sensitivity analysis and a capacity search all come down to the same thing:
a list of points, each a set of values for dotted keys, every one run on the same
replication seeds (common random numbers). Each point becomes a scenario of one
experiment, built on a base scenario of the user's experiment, so the runner, the
results folder, --resume and the summary work for studies exactly as for ``run``.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from typing import Any

from sim.errors import ConfigError, Problem, did_you_mean, excerpt
from sim.model.model_file import build_model
from sim.model.overrides import OverrideError, apply_overrides, value_at
from sim.model.spec import ExperimentSpec, Scenario
from sim.model.values import ValueProblem, label, study_value


@dataclass(frozen=True)
class Point:
    """One design point: values for dotted keys, and how each reads (as written)."""

    name: str
    settings: tuple[tuple[str, Any], ...]
    labels: tuple[str, ...]


def base_scenario(spec: ExperimentSpec, name: str | None) -> Scenario:
    """The scenario a study builds on: the one named, or the experiment's first."""
    if name is None:
        return spec.scenarios[0]
    for s in spec.scenarios:
        if s.name == name:
            return s
    known = ", ".join(s.name for s in spec.scenarios)
    suggestion = did_you_mean(name, [s.name for s in spec.scenarios])
    raise ConfigError([Problem("--scenario", excerpt(name), f"no scenario {excerpt(name)} in {spec.file}; "
                                                            f"expected one of {known}{suggestion}")])


def resolve(spec: ExperimentSpec, base: Scenario, key: str, values: list[Any], file: str, at: str) -> list[Any]:
    """Each value written for ``key`` as the value to set (units and shifts applied);
    problems name ``file`` (a file or an option) and ``at`` (the key there)."""
    raw = apply_overrides(spec.raw_model, list(base.overrides))
    try:
        # A key left at its default is not in the file; the model check still catches typos.
        current = value_at(raw, key, missing_ok=True)
    except OverrideError as err:
        raise ConfigError([Problem(file, at, err.message)]) from None
    out, problems = [], []
    for v in values:
        try:
            out.append(study_value(v, key, current))
        except ValueProblem as err:
            message = str(err)
            if current is None:  # not in the file: a key left at its default, or a typo to name
                try:
                    value_at(raw, key)
                except OverrideError as missing:
                    message += f" ({missing.message})"
            problems.append(Problem(file, at, message))
    if problems:
        raise ConfigError(problems)
    return out


def point(name: str, settings: list[tuple[str, Any]], written: list[Any] | None = None) -> Point:
    """A point from resolved settings (``written``: the values as the user wrote them)."""
    shown = written if written is not None else [v for _, v in settings]
    return Point(name, tuple(settings), tuple(label(v) for v in shown))


def with_points(spec: ExperimentSpec, base: Scenario, points: list[Point], where: str) -> ExperimentSpec:
    """The experiment with one scenario per point, each the base scenario plus the
    point's settings, checked exactly like a model file."""
    scenarios, problems = [], []
    for p in points:
        overrides = list(base.overrides) + list(p.settings)
        try:
            resolved = apply_overrides(spec.raw_model, overrides)
            model = build_model(resolved, spec.model_file, f"{spec.model_file} with {where} point {p.name!r}")
        except OverrideError as err:
            problems.append(Problem(where, err.key, err.message))
            continue
        except ConfigError as err:
            problems.extend(err.problems)
            continue
        description = ", ".join(f"{k} = {v}" for (k, _), v in zip(p.settings, p.labels))
        scenarios.append(Scenario(p.name, description, tuple(overrides), model, resolved))
    if problems:
        raise ConfigError(_unique(problems))
    raw = copy.deepcopy(spec.raw)
    # The experiment as run: its scenarios are the points, so the folder can be resumed.
    raw["scenario"] = [{"name": s.name, "description": s.description, "set": dict(s.overrides)}
                       for s in scenarios]
    return replace(spec, scenarios=tuple(scenarios), raw=raw)


def _unique(problems: list[Problem]) -> list[Problem]:
    # The same bad value at many points is one problem to the user.
    seen, out = set(), []
    for p in problems:
        key = (p.key, p.message)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out
