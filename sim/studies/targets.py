"""How well an experiment's model fits its ``[[target]]`` tables: every scenario a target
names is run for the same replications, and each target's measure is compared with
what was observed (:mod:`sim.analysis.targets`).

The replications run through the run's executors: a scenario given targets keeps each
replication's session table and hands back the targets' measures (``Done.measures``),
which a calibration (:mod:`sim.studies.calibrate`) uses in the same way.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from sim.analysis.targets import TargetFit, fit
from sim.errors import ConfigError, Problem
from sim.model.spec import ExperimentSpec, Scenario
from sim.runs.executors import Task, make_executor


def fit_targets(spec: ExperimentSpec, replications: int, seed: int,
                on_progress: Callable[[int, int], None] | None = None) -> list[TargetFit]:
    """The fit of every target of ``spec``, in file order, from ``replications`` of each
    scenario they name (replication r of every scenario on the same random numbers)."""
    if not spec.targets:
        raise ConfigError([Problem(str(spec.file), "target", "no [[target]] tables: nothing to compare with "
                                                              "(see docs/experiment-file.md#targets)")])
    first = spec.scenarios[0].name
    scenarios = [replace(s, targets=tuple(t for t in spec.targets if (t.scenario or first) == s.name))
                 for s in spec.scenarios]
    scenarios = [s for s in scenarios if s.targets]
    total, done = replications * len(scenarios), [0]

    def finished(n: int) -> None:
        done[0] += n
        if on_progress is not None:
            on_progress(done[0], total)

    measured = measure_scenarios(spec, scenarios, replications, seed, on_done=finished)
    values = {t.name: row for s, m in zip(scenarios, measured) for t, row in zip(s.targets, m)}
    return [fit(target, values[target.name]) for target in spec.targets]


def measure_scenarios(spec: ExperimentSpec, scenarios: list[Scenario], replications: int, seed: int,
                      executor: str = "serial", workers: int | None = None, scheduler: str | None = None,
                      on_done: Callable[[int], None] | None = None) -> list[np.ndarray]:
    """For each of ``scenarios`` (each given the targets it measures), the targets'
    measures in replications 0 to ``replications - 1``: an array of targets x
    replications per scenario. ``on_done(k)`` after each chunk of k replications."""
    values = [np.full((len(s.targets), replications), np.nan) for s in scenarios]
    runner = make_executor(executor, replace(spec, scenarios=tuple(scenarios)), seed, workers, scheduler)
    try:
        for chunk in runner.map([Task(k, tuple(range(replications))) for k in range(len(scenarios))]):
            for d in chunk:
                values[d.scenario][:, d.replication] = d.measures
            if on_done is not None:
                on_done(len(chunk))
    finally:
        runner.close()
    return values
