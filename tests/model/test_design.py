"""Design points become scenarios of one experiment, checked like model files."""
from __future__ import annotations

import tomllib

import pytest
import tomli_w

from sim.errors import ConfigError
from sim.model.design import base_scenario, point, resolve, with_points
from sim.model.experiment_file import load_experiment
from tests.conftest import SMALL_EXPERIMENT, STUDY_EXPERIMENT


def test_points_build_on_the_base_scenario():
    spec = load_experiment(SMALL_EXPERIMENT)
    base = base_scenario(spec, "two-rooms")
    out = with_points(spec, base, [point("p0", [("venue.a-venue.seats", 8)]), point("p1", [("venue.a-venue.seats", 12)])],
                      "test")
    assert [s.name for s in out.scenarios] == ["p0", "p1"]
    assert [s.model.venues[0].seats for s in out.scenarios] == [8, 12]
    assert all(s.model.venues[0].rooms == 2 for s in out.scenarios)  # the base scenario's own override
    # The experiment as run lists the points as scenarios, so the folder can be resumed.
    raw = tomllib.loads(tomli_w.dumps(out.raw))
    assert [s["name"] for s in raw["scenario"]] == ["p0", "p1"]
    assert raw["scenario"][1]["set"]["venue.a-venue.seats"] == 12


def test_a_bad_value_at_a_point_is_an_error_naming_the_key():
    spec = load_experiment(SMALL_EXPERIMENT)
    with pytest.raises(ConfigError) as err:
        with_points(spec, spec.scenarios[0], [point("p0", [("venue.a-venue.rooms", -1)])], "--vary")
    assert "venue.a-venue.rooms" in str(err.value) and ">= 0" in str(err.value)


def test_unknown_keys_and_scenarios_are_named():
    spec = load_experiment(SMALL_EXPERIMENT)
    with pytest.raises(ConfigError) as err:
        resolve(spec, spec.scenarios[0], "venue.nope.rooms", [1], "--vary", "venue.nope.rooms")
    assert "no venue with id 'nope'" in str(err.value)
    with pytest.raises(ConfigError) as err:
        base_scenario(spec, "missing")
    assert "expected one of base, two-rooms" in str(err.value)


def test_a_mistyped_key_or_scenario_gets_the_closest_known_one():
    spec = load_experiment(SMALL_EXPERIMENT)
    with pytest.raises(ConfigError) as err:  # a shift refused for a key not in the file: which key was meant
        resolve(spec, spec.scenarios[0], "site.a.golive", ["+1w"], "--vary", "site.a.golive")
    assert str(err.value).endswith("(site.a has no value 'golive'; did you mean 'go_live'?)")
    with pytest.raises(ConfigError) as err:
        base_scenario(spec, "two-room")
    assert str(err.value).endswith("expected one of base, two-rooms; did you mean 'two-rooms'?")
    # A key that is there takes its value as before.
    assert resolve(spec, spec.scenarios[0], "operations.booking_horizon_days", ["2w"], "--vary", "x") == [14]


def test_the_shipped_study_experiment_loads_its_study_tables():
    spec = load_experiment(STUDY_EXPERIMENT)
    assert spec.studies.sweep.vary[0][0] == "uncertainty.training_environment_delay_days"
    assert [p.name for p in spec.studies.sensitivity.parameters] == ["no-shows", "certification late"]
    assert spec.studies.capacity.site == "a" and spec.studies.capacity.max_risk == 0.2
