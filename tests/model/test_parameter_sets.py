"""Weighted parameter sets that a run draws each replication's inputs from: read and
checked with messages that name the file, the column and the line; drawn by weight,
the same draw for the same seed and replication."""
from __future__ import annotations

import numpy as np
import pytest

from sim.errors import ConfigError
from sim.model.experiment_file import load_experiment
from sim.model.parameter_sets import ParameterSets, pick, read_parameter_sets
from tests.conftest import CALIBRATION_EXPERIMENT

KEY = "uncertainty.no_show_probability"
LEAD = "curriculum.basic.elearning_opens_weeks_before_go_live"


def _csv(tmp_path, text: str):
    path = tmp_path / "parameters.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_calibration_s_file_is_read_from_it_or_its_folder(tmp_path):
    _csv(tmp_path, f"wave,{KEY},{LEAD},weight\n1,0.1,10,2\n2,0.2,14,6\n")
    for given in (tmp_path, tmp_path / "parameters.csv"):
        sets = read_parameter_sets(given)
        assert sets.keys == (KEY, LEAD) and sets.rows == ((0.1, 10), (0.2, 14)) and sets.weights == (0.25, 0.75)


@pytest.mark.parametrize(("text", "message"), [
    (f"{KEY}\n0.1\n", "expected a header with a column per dotted key and a weight column"),
    ("colour,weight\nred,1\n", "colour: expected a dotted key of the model"),
    (f"{KEY},{KEY},weight\n0.1,0.1,1\n", f"{KEY}: expected each column once"),
    (f"{KEY},weight\n0.1,-1\n", "weight (line 2): expected a number >= 0, got '-1'"),
    (f"{KEY},weight\n0.1,nan\n", "weight (line 2): expected a number >= 0, got 'nan'"),
    (f"{KEY},weight\nlots,1\n", f"{KEY} (line 2): expected a number or a date, got 'lots'"),
    (f"{KEY},weight\n0.1,1,3\n", "line 2: expected 2 cells, got 3"),
    (f"{KEY},weight\n", "expected at least one parameter set"),
    (f"{KEY},weight\n0.1,0\n0.2,0\n", "weight: expected weights that are not all 0"),
])
def test_every_mistake_names_the_file_and_where(tmp_path, text, message):
    path = _csv(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        read_parameter_sets(path)
    assert str(path) in str(err.value) and message in str(err.value), str(err.value)


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError) as err:
        read_parameter_sets(tmp_path / "nothing-here")
    assert "nothing-here: file not found; expected a calibration's folder or its parameters.csv" in str(err.value)


def _experiment(tmp_path, parameters_csv: str):
    csv_path = _csv(tmp_path, parameters_csv)
    text = CALIBRATION_EXPERIMENT.read_text(encoding="utf-8")
    text = text.replace('model = "study-model.toml"', f'model = "{(CALIBRATION_EXPERIMENT.parent / "study-model.toml").as_posix()}"\nparameters = "{csv_path.name}"')
    path = tmp_path / "cal.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_experiment_runs_each_set_as_a_model_of_its_own(tmp_path):
    spec = load_experiment(_experiment(tmp_path, f"{KEY},{LEAD},weight\n0.1,10,1\n0.3,14,1\n0.1,10,1\n"))
    assert spec.parameter_sets is not None and len(spec.parameter_sets.rows) == 3
    (scenario,) = spec.scenarios
    assert len(scenario.variants) == 3 and scenario.variants[0] is scenario.variants[2]  # built once per set
    assert scenario.variants[0].uncertainty.no_show_probability.value == pytest.approx(0.1)
    assert scenario.variants[1].uncertainty.no_show_probability.value == pytest.approx(0.3)
    assert scenario.variants[1].curricula[0].elearning_opens_weeks_before_go_live == 14


def test_a_set_that_gives_no_valid_model_is_refused_naming_the_file(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_experiment(_experiment(tmp_path, f"{KEY},weight\n0.1,1\n1.5,1\n"))
    assert "parameter set 2 of" in str(err.value) and "no_show_probability" in str(err.value)
    with pytest.raises(ConfigError) as err:
        load_experiment(_experiment(tmp_path, "uncertainty.no_such_thing,weight\n0.1,1\n"))
    assert "parameters.csv" in str(err.value)


def test_sets_are_drawn_by_weight_the_same_for_the_same_replication():
    sets = ParameterSets(None, ("a.b",), ((1,), (2,), (3,)), (0.1, 0.3, 0.6), "")  # type: ignore[arg-type]
    draws = np.array([pick(sets, 7, r) for r in range(6000)])
    assert [pick(sets, 7, r) for r in range(50)] == list(draws[:50])  # a replication's draw depends on it alone
    assert [pick(sets, 8, r) for r in range(50)] != list(draws[:50])
    # Frequencies within 4 binomial sds of the weights (6,000 draws: sd <= 0.0065).
    freq = np.bincount(draws, minlength=3) / len(draws)
    sd = np.sqrt(np.array(sets.weights) * (1 - np.array(sets.weights)) / len(draws))
    assert np.all(np.abs(freq - sets.weights) <= 4 * sd), freq
