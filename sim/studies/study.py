"""What a study was asked, and how its design points run.

A sweep, a sensitivity analysis and a capacity search all build design points
(:mod:`sim.model.design`) on a base scenario of the user's experiment and run them as
the scenarios of one experiment on the same seeds. This module holds what they share:
the run options (the study table's replications unless told otherwise, no S-curves),
the base scenario, and running the points into a results folder, or into memory when
the Python API asks for no folder.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import ConfigError, Problem
from sim.model.design import Point, base_scenario, with_points
from sim.model.spec import ExperimentSpec, Scenario
from sim.runs.executors import executor_problems
from sim.runs.launch import Finished, ProgressCallback, default_out, run_fresh, run_in_memory
from sim.runs.runner import RunOptions


@dataclass
class Study:
    """A study of ``spec``: where and how its points run.

    ``out`` None with ``memory`` False means the default folder
    (results/<experiment>/<kind>-<date-time>); ``memory`` True writes nothing.
    """

    kind: str
    spec: ExperimentSpec
    overrides: list[tuple[str, Any]]
    replications: int | None = None
    seed: int | None = None
    scenario: str | None = None
    out: Path | None = None
    force: bool = False
    executor: str = "process"
    workers: int | None = None
    scheduler: str | None = None
    memory: bool = False
    on_progress: ProgressCallback | None = None

    def __post_init__(self) -> None:
        if problems := executor_problems(self.executor, self.scheduler):
            raise ConfigError(problems)
        if self.spec.parameter_sets is not None:  # refused, not ignored: its points would not draw them
            raise ConfigError([Problem(str(self.spec.file), "experiment.parameters",
                                       f"a {self.kind} does not draw inputs from parameter sets (yet); run it on the "
                                       "experiment without them, or use run --parameters")])

    def base(self, table_scenario: str | None = None) -> Scenario:
        """The scenario the points build on: the one asked for, the table's, else the first."""
        return base_scenario(self.spec, self.scenario or table_scenario)

    def options(self, table_replications: int | None = None) -> RunOptions:
        """Run options: every point on the same seeds, no S-curve histograms."""
        n = self.replications or table_replications or self.spec.replications
        return RunOptions(n, self.spec.seed if self.seed is None else self.seed, self.executor, self.workers,
                          self.scheduler, curves=False)

    def root(self) -> Path | None:
        """The folder the study writes (None in memory)."""
        if self.memory:
            return None
        return self.out or default_out(self.spec, self.kind)

    def run(self, points: list[Point], table_scenario: str | None, table_replications: int | None, where: str,
            out: Path | None = None) -> Finished:
        """Run ``points`` as scenarios, into ``out`` (default: :meth:`root`) or memory."""
        spec = with_points(self.spec, self.base(table_scenario), points, where)
        options = self.options(table_replications)
        path = out or self.root()
        if path is None:
            return run_in_memory(spec, options, self.on_progress)
        return run_fresh(spec, options, path, self.force, self.overrides, self.on_progress)
