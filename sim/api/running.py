"""Loading an experiment and running it, from Python.

The same files, the same checks and the same runner as ``rollout-sim run``: a seed
gives the same numbers here as on the command line, on any executor. Problems with the
inputs raise :class:`~sim.errors.ConfigError` (its ``problems`` name the file, the key
and what was expected); nothing prints and nothing exits.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sim.api.results import Results, from_finished
from sim.errors import ConfigError, Problem
from sim.model.catalogue import experiment_file
from sim.model.experiment_file import load_experiment as _load
from sim.model.overrides import parse_value
from sim.model.spec import ExperimentSpec
from sim.runs.executors import EXECUTORS, executor_problems
from sim.runs.launch import run_fresh, run_in_memory
from sim.runs.runner import RunOptions

Experiment = ExperimentSpec | str | Path


def overrides_of(values: Mapping[str, Any] | None) -> list[tuple[str, Any]]:
    """``{dotted key: value}`` as override pairs; a text value is read as ``--set`` reads
    it (``"2023-03-04"`` is a date, ``"12"`` a number, ``"{dist=...}"`` a table)."""
    out = []
    for key, value in (values or {}).items():
        if not isinstance(key, str) or not key.strip():
            raise ConfigError([Problem("set", repr(key), "expected a dotted key, like site.hnt.go_live")])
        out.append((key.strip(), parse_value(value.strip()) if isinstance(value, str) else value))
    return out


def load_experiment(path_or_name: str | Path, set: Mapping[str, Any] | None = None) -> ExperimentSpec:
    """An experiment file, checked: a path, or the name of a shipped experiment
    (``"baseline"``, ``"delay-sensitivity"``). ``set`` overrides model or experiment
    values by dotted key, as ``--set`` does: ``{"site.hnt.go_live": "2023-03-04"}``."""
    return _load(experiment_file(Path(path_or_name)), overrides_of(set))


def experiment_of(experiment: Experiment,
                  set: Mapping[str, Any] | None = None) -> tuple[ExperimentSpec, list[tuple[str, Any]]]:
    """An experiment given as a loaded spec, a path or a shipped name, and the overrides
    applied to it here (recorded in a results folder's manifest)."""
    if isinstance(experiment, ExperimentSpec):
        if set:
            raise ConfigError([Problem("set", "", "give set= to load_experiment, or pass the experiment's name "
                                                  "or path here instead of a loaded experiment")])
        return experiment, []
    overrides = overrides_of(set)
    return _load(experiment_file(Path(experiment)), overrides), overrides


def run(experiment: Experiment = "baseline", n: int | None = None, seed: int | None = None,
        executor: str = "process", workers: int | None = None, scheduler: str | None = None,
        out: str | Path | None = None, force: bool = False, precision: float | None = None,
        max_replications: int = 20_000, set: Mapping[str, Any] | None = None,
        progress: Callable[[int, int], None] | None = None) -> Results:
    """Run an experiment and return its :class:`~sim.api.results.Results`.

    ``n`` replications per scenario (default: the experiment's) from ``seed`` (default:
    the experiment's); ``executor`` is ``"process"``, ``"serial"`` or ``"dask"``. With
    ``out`` the run writes a results folder there, as ``rollout-sim run --out`` does
    (figures and report are then one ``rollout-sim report`` away); without it nothing is
    written. ``precision`` runs in doubling rounds until every risk's 95% CI half-width is
    at most that. ``progress(done, total)`` is called as replications finish.
    """
    if executor not in EXECUTORS:
        raise ConfigError([Problem("executor", repr(executor), f"expected one of {', '.join(EXECUTORS)}")])
    if problems := executor_problems(executor, scheduler):
        raise ConfigError(problems)
    spec, overrides = experiment_of(experiment, set)
    options = RunOptions(spec.replications if n is None else n, spec.seed if seed is None else seed, executor, workers, scheduler,
                         None, precision, max_replications if precision else None)
    _check_options(options)
    if out is None:
        return from_finished(run_in_memory(spec, options, progress))
    return from_finished(run_fresh(spec, options, Path(out), force, overrides, progress))


def _check_options(options: RunOptions) -> None:
    """The bounds the command line's option types hold (:mod:`sim.limits`)."""
    from sim import limits

    checks = [("n", options.replications, 1, limits.MAX_REPLICATIONS),
              ("seed", options.seed, 0, limits.MAX_SEED),
              ("workers", options.workers, 1, limits.MAX_WORKERS),
              ("max_replications", options.max_replications, 1, limits.MAX_REPLICATIONS)]
    problems = [Problem(name, repr(value), f"expected a whole number from {low:,} to {high:,}")
                for name, value, low, high in checks
                if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                          or not low <= value <= high)]
    if options.precision is not None and not 0 < options.precision <= 0.5:
        problems.append(Problem("precision", repr(options.precision), "expected a CI half-width above 0 and at most 0.5"))
    if problems:
        raise ConfigError(problems)
