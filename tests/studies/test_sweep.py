"""The sweep's plan (sim.studies.sweep): points from --vary or the [sweep] table."""
from __future__ import annotations

import pytest

from sim.errors import ConfigError
from sim.studies.sweep import parse_vary, plan_sweep
from tests.studies.conftest import make_study as _study


def test_sweep_plan_from_vary_or_the_table() -> None:
    assert len(plan_sweep(_study(), None).points) == 4  # the [sweep] table's four values
    vary = parse_vary(["uncertainty.training_environment_delay_days=0w,2w"])
    assert len(plan_sweep(_study(), vary).points) == 2
    with pytest.raises(ConfigError, match="given twice"):
        parse_vary(["a.b=1", "a.b=2"])
