"""Targets and calibration from Python: the model against observed figures, and the
fit of its uncertain inputs to them, as DataFrames (the same numbers as
``rollout-sim targets`` and ``rollout-sim calibrate`` for the same seed)."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.api.running import Experiment, experiment_of
from sim.output.console import calibration_text, targets_text
from sim.studies.calibrate import plan_calibration, run_calibration
from sim.studies.history_matching import Matching
from sim.studies.study import Study
from sim.studies.targets import fit_targets

Progress = Callable[[int, int], None]


def targets(experiment: Experiment, *, n: int = 20, seed: int | None = None, set: Mapping[str, Any] | None = None,
            progress: Progress | None = None) -> pd.DataFrame:
    """Each ``[[target]]`` of ``experiment`` against ``n`` replications of its scenario:
    observed, its sd and discrepancy sd, the model's mean, sd and middle 95%, and the
    implausibility (over 3: the model cannot have made the observation)."""
    spec, _ = experiment_of(experiment, set)
    fits = fit_targets(spec, n, spec.seed if seed is None else seed, progress)
    frame = pd.DataFrame.from_records([{
        "target": f.target.name, "measure": f.target.measure, "scenario": f.target.scenario or spec.scenarios[0].name,
        "held_out": f.target.held_out, "observed": f.target.observed, "sd": f.target.sd,
        "discrepancy_sd": f.target.discrepancy_sd, "mean": f.mean, "model_sd": f.sd, "low": f.low, "high": f.high,
        "implausibility": f.implausibility, "plausible": f.plausible} for f in fits])
    frame.attrs["text"] = targets_text(fits)
    return frame


@dataclass
class CalibrationResults:
    """A calibration: ``parameters`` (the sets not ruled out, with weights), ``fit`` (every
    target before and after), ``waves`` and ``constrained`` (per parameter, prior and
    posterior), as the folder's files hold them; ``path`` is the folder (None in memory)."""

    parameters: pd.DataFrame
    fit: pd.DataFrame
    waves: pd.DataFrame
    constrained: pd.DataFrame
    matching: Matching
    path: Path | None
    text: str  # what the command prints

    @property
    def plausible(self) -> bool:
        """Whether any parameter set was kept."""
        return self.matching.plausible

    def __str__(self) -> str:
        return self.text


def calibrate(experiment: Experiment, *, budget: int | None = None, n: int | None = None, seed: int | None = None,
              set: Mapping[str, Any] | None = None, out: str | Path | None = None, force: bool = False,
              executor: str = "process", workers: int | None = None, scheduler: str | None = None,
              progress: Progress | None = None) -> CalibrationResults:
    """Fit ``experiment``'s ``[calibration]`` parameters to its targets by history
    matching (docs/calibration.md); with ``out``, write the folder the command writes."""
    spec, overrides = experiment_of(experiment, set)
    study = Study("calibrate", spec, overrides, n, seed, None, None if out is None else Path(out), force, executor,
                  workers, scheduler, memory=out is None)
    result = run_calibration(study, plan_calibration(study, budget), on_progress=progress)
    return CalibrationResults(pd.DataFrame.from_records(result.parameters), pd.DataFrame.from_records(result.fit),
                              pd.DataFrame.from_records(result.waves), pd.DataFrame.from_records(result.constrained),
                              result.matching, result.path, calibration_text(result))
