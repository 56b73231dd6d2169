"""Helpers for the tests of sim/studies: a study of the small two-site study experiment."""
from __future__ import annotations

from typing import Any

from sim.model.experiment_file import load_experiment
from sim.studies.study import Study
from tests.conftest import STUDY_EXPERIMENT


def make_study(**kwargs: Any) -> Study:
    """A Study of tests/data/study-experiment.toml on the serial executor."""
    return Study("test", load_experiment(STUDY_EXPERIMENT), [], executor="serial", **kwargs)
