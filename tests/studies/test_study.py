"""What the studies share (sim.studies.study): run options, the base scenario, and
running points into a folder or into memory with the same numbers."""
from __future__ import annotations

from pathlib import Path

import pytest

from sim.errors import ConfigError
from sim.model.design import point
from sim.model.experiment_file import load_experiment
from sim.studies.study import Study
from tests.conftest import STUDY_EXPERIMENT
from tests.studies.conftest import make_study as _study


def test_options_take_the_table_replications_unless_told() -> None:
    assert _study().options(7).replications == 7
    assert _study(replications=3).options(7).replications == 3
    assert _study().options(None).replications == 20  # the experiment file's
    assert not _study().options().curves  # a study keeps no S-curves


def test_points_run_in_memory_or_into_a_folder_with_the_same_numbers(tmp_path: Path) -> None:
    points = [point("p0", [("uncertainty.no_show_probability", 0.1)])]
    memory = _study(memory=True, replications=3).run(points, None, None, "test")
    folder = _study(out=tmp_path / "s", replications=3).run(points, None, None, "test")
    assert memory.path is None and folder.path == tmp_path / "s"
    assert memory.summary == folder.summary


def test_a_scheduler_without_dask_is_refused() -> None:
    with pytest.raises(ConfigError, match="--scheduler"):
        Study("test", load_experiment(STUDY_EXPERIMENT), [], executor="serial", scheduler="tcp://h:1")
