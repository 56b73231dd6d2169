"""The capacity question (sim.studies.capacity.plan_capacity), called as the API calls it:
what comes from the [capacity] table, the defaults for a date, and the problems."""
from __future__ import annotations

import datetime as dt

import pytest

from sim.errors import ConfigError
from sim.studies.capacity import plan_capacity
from tests.studies.conftest import make_study as _study


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
