"""[sweep], [sensitivity] and [capacity] tables: read, and checked against the model."""
from __future__ import annotations

import pytest

from sim.errors import ConfigError
from sim.model.experiment_file import load_experiment
from tests.conftest import DATA


def _experiment(tmp_path, tables: str):
    path = tmp_path / "e.toml"
    path.write_text(f'[experiment]\nmodel = "{(DATA / "study-model.toml").as_posix()}"\nreplications = 2\nseed = 1\n'
                    + tables, encoding="utf-8")
    return path


def _problems(tmp_path, tables: str) -> str:
    with pytest.raises(ConfigError) as err:
        load_experiment(_experiment(tmp_path, tables))
    return str(err.value)


def test_table_problems_are_reported_with_their_keys(tmp_path):
    text = _problems(tmp_path, """
[sensitivity]
sobol_samples = 10
[[sensitivity.parameter]]
key = "uncertainty.no_show_probability"
low = [0]
high = 0.2
[capacity]
colour = "red"
""")
    assert "sensitivity.sobol_samples: expected a power of two (Sobol' sequences need one), like 8" in text
    assert "sensitivity.parameter.0.low: expected a number, a date" in text
    assert "capacity.colour: unknown key" in text


def test_values_are_checked_against_the_model_all_at_once(tmp_path):
    # Once the tables themselves are well formed, every key and value is tried on the model.
    text = _problems(tmp_path, """
[sweep]
[sweep.vary]
"uncertainty.training_environment_delay_days" = ["0w", "2x"]
"venue.a-venue.rooms" = [1, -1]
[sensitivity]
[[sensitivity.parameter]]
key = "site.nope.go_live"
low = "-1w"
high = "+1w"
[capacity]
site = "x"
vary = "venue.a-venue.rooms"
""")
    assert 'sweep.vary."uncertainty.training_environment_delay_days"' in text and "unknown unit 'x'" in text
    assert "venue.a-venue.rooms: expected a whole number >= 0, got -1" in text
    assert "sensitivity.parameter.0: no site with id 'nope'" in text
    assert "capacity.site: no site 'x'" in text


def test_a_parameter_needs_a_low_and_a_high(tmp_path):
    text = _problems(tmp_path, '[sensitivity]\n[[sensitivity.parameter]]\nkey = "uncertainty.no_show_probability"\nlow = 0\n')
    assert "sensitivity.parameter.0.high: missing" in text


def test_good_tables_load(tmp_path):
    spec = load_experiment(_experiment(tmp_path, """
[sweep]
replications = 7
[sweep.vary]
"site.a.go_live" = ["+0w", "+2w"]
"""))
    assert spec.studies.sweep.replications == 7 and spec.studies.sweep.vary == (("site.a.go_live", ("+0w", "+2w")),)
    assert spec.studies.sensitivity is None and spec.studies.capacity is None
