"""rollout-sim: will staff be trained before an EHR go-live, and what if something slips?

A discrete-event simulation (SimPy) of a regional EHR training rollout, with Monte
Carlo replications that estimate, per site, the risk that staff are not trained by
go-live. From Python::

    import sim
    results = sim.run("baseline", n=200, seed=1)
    results.risks                      # a DataFrame: risk per scenario and site, with CIs
    results.replications               # one row per scenario, replication and site

The command line is ``rollout-sim`` (:mod:`sim.cli`); docs/api.md documents the API
and docs/architecture.md the layers.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "CalibrationResults",
    "CapacityResults",
    "ConfigError",
    "ExperimentSpec",
    "Problem",
    "Results",
    "SensitivityResults",
    "SweepResults",
    "__version__",
    "calibrate",
    "capacity",
    "compare",
    "load_experiment",
    "open_results",
    "run",
    "sensitivity",
    "sweep",
    "targets",
]

# The API is loaded on first use (PEP 562), so `rollout-sim --help` and worker processes
# do not pay for pandas; `from sim import run` and `sim.run` both work.
_API = {
    "load_experiment": "sim.api.running", "run": "sim.api.running",
    "Results": "sim.api.results", "open_results": "sim.api.results",
    "sweep": "sim.api.studies", "sensitivity": "sim.api.studies", "capacity": "sim.api.studies",
    "compare": "sim.api.studies", "SweepResults": "sim.api.studies", "SensitivityResults": "sim.api.studies",
    "CapacityResults": "sim.api.studies",
    "targets": "sim.api.calibration", "calibrate": "sim.api.calibration", "CalibrationResults": "sim.api.calibration",
    "ConfigError": "sim.errors", "Problem": "sim.errors", "ExperimentSpec": "sim.model.spec",
}

if TYPE_CHECKING:
    from sim.api.calibration import CalibrationResults, calibrate, targets
    from sim.api.results import Results, open_results
    from sim.api.running import load_experiment, run
    from sim.api.studies import (
        CapacityResults,
        SensitivityResults,
        SweepResults,
        capacity,
        compare,
        sensitivity,
        sweep,
    )
    from sim.errors import ConfigError, Problem
    from sim.model.spec import ExperimentSpec


def __getattr__(name: str) -> Any:
    if name in _API:
        import importlib

        value = getattr(importlib.import_module(_API[name]), name)
        globals()[name] = value  # once loaded, a plain attribute
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
