"""How well an experiment's model fits its ``[[target]]`` tables: every scenario a target
names is run for the same replications, and each target's measure is compared with
what was observed (:mod:`sim.analysis.targets`).

The replications run here, one after another, with their session tables (which the
runner's workers leave out): the measures are counted from them.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.analysis.targets import TargetFit, fit, measure
from sim.engine.replication import run_replication
from sim.errors import ConfigError, Problem
from sim.model.experiment_file import model_for
from sim.model.spec import ExperimentSpec, TargetSpec


def fit_targets(spec: ExperimentSpec, replications: int, seed: int,
                on_progress: Callable[[int, int], None] | None = None) -> list[TargetFit]:
    """The fit of every target of ``spec``, in file order, from ``replications`` of each
    scenario they name (replication r of every scenario on the same random numbers)."""
    if not spec.targets:
        raise ConfigError([Problem(str(spec.file), "target", "no [[target]] tables: nothing to compare with "
                                                              "(see docs/experiment-file.md#targets)")])
    scenarios = {s.name: s for s in spec.scenarios}
    by_scenario: dict[str, list[TargetSpec]] = {}
    for target in spec.targets:
        by_scenario.setdefault(target.scenario or spec.scenarios[0].name, []).append(target)
    values = {target.name: np.empty(replications) for target in spec.targets}
    total, done = replications * len(by_scenario), 0
    for name, targets in by_scenario.items():
        for r in range(replications):
            model = model_for(spec, scenarios[name], seed, r)
            result = run_replication(model, seed, r)
            for target in targets:
                values[target.name][r] = measure(target, model, result)
            done += 1
            if on_progress is not None:
                on_progress(done, total)
    return [fit(target, values[target.name]) for target in spec.targets]
