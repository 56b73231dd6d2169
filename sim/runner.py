"""Runs an experiment's replications for every scenario (a serial loop for now).

The engine knows nothing of this module: it maps :func:`run_replication` over
replication indices, and every scenario uses the same seeds (common random numbers).
"""
from __future__ import annotations

from typing import Callable

from sim.outcomes import SiteOutcome
from sim.replication import run_replication
from sim.spec import ExperimentSpec


class ReplicationFailed(RuntimeError):
    """A replication raised; says which, with the seed to rerun just it."""

    def __init__(self, scenario: str, replication: int, seed: int, error: BaseException) -> None:
        super().__init__(f"scenario {scenario!r}, replication {replication} (seed {seed}) failed: "
                         f"{type(error).__name__}: {error}")
        self.scenario = scenario
        self.replication = replication
        self.seed = seed


def run_experiment(spec: ExperimentSpec, replications: int, seed: int,
                   progress: Callable[[int, int], None] | None = None) -> dict[str, dict[str, list[SiteOutcome]]]:
    """Outcomes per scenario and site, one per replication in replication order."""
    total = replications * len(spec.scenarios)
    done = 0
    out: dict[str, dict[str, list[SiteOutcome]]] = {}
    for scenario in spec.scenarios:
        by_site: dict[str, list[SiteOutcome]] = {s.id: [] for s in scenario.model.sites}
        for rep in range(replications):
            try:
                result = run_replication(scenario.model, seed, rep)
            except Exception as err:  # reported with enough to rerun just this one
                raise ReplicationFailed(scenario.name, rep, seed, err) from err
            for outcome in result.outcomes:
                by_site[outcome.site].append(outcome)
            done += 1
            if progress is not None:
                progress(done, total)
        out[scenario.name] = by_site
    return out
