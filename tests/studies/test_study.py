"""What the studies share (sim.studies.study), and the plans of the capacity study and
the sweep, called directly as the API calls them."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from sim.errors import ConfigError
from sim.model.design import point
from sim.model.experiment_file import load_experiment
from sim.studies.capacity import plan_capacity
from sim.studies.study import Study
from sim.studies.sweep import parse_vary, plan_sweep
from tests.conftest import STUDY_EXPERIMENT


def _study(**kwargs: Any) -> Study:
    return Study("test", load_experiment(STUDY_EXPERIMENT), [], executor="serial", **kwargs)


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


def test_capacity_plan_from_the_table_and_defaults_for_a_date() -> None:
    plan = plan_capacity(_study(), None, None, None)
    assert (plan.site, plan.max_risk, plan.key) == ("a", 0.2, "staff_group.a-staff.headcount")
    assert plan.values[0] == 400 and plan.values[-1] == 700 and plan.step == 10
    dated = plan_capacity(_study(), "a", 0.1, None, earliest_go_live=True)
    assert dated.key == "site.a.go_live" and isinstance(dated.values[0], dt.date)
    assert (dated.values[1] - dated.values[0]).days == 7  # weekly, 8 weeks before to 26 after
    assert len(dated.values) == 35


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"site": "nowhere"}, "no such site"),
    ({"low": 800}, "expected low < high"),
    ({"key": "model.name"}, "expected a key with a number or a date"),
])
def test_capacity_plan_problems(kwargs: dict, message: str) -> None:
    args = {"site": None, "max_risk": None, "key": None, **kwargs}
    with pytest.raises(ConfigError, match=message):
        plan_capacity(_study(), **args)


def test_sweep_plan_from_vary_or_the_table() -> None:
    assert len(plan_sweep(_study(), None).points) == 4  # the [sweep] table's four values
    vary = parse_vary(["uncertainty.training_environment_delay_days=0w,2w"])
    assert len(plan_sweep(_study(), vary).points) == 2
    with pytest.raises(ConfigError, match="given twice"):
        parse_vary(["a.b=1", "a.b=2"])
