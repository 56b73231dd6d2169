"""Study values as users write them: units, shifts and percentages."""
from __future__ import annotations

import datetime as dt
import tomllib

import pytest

from sim.model.values import ValueProblem, label, study_value, toml_text


@pytest.mark.parametrize(("written", "key", "expected"), [
    ("3w", "uncertainty.training_environment_delay_days", 21),
    ("10 days", "uncertainty.training_environment_delay_days", 10),
    ("1.5w", "uncertainty.certification_delay_days", 10.5),
    ("14d", "curriculum.basic.window_weeks", 2),
    ("10d", "curriculum.basic.window_weeks", 10 / 7),
    ("15%", "uncertainty.no_show_probability", 0.15),
    ("40", "instructor_pool.x.count", 40),
    (40, "instructor_pool.x.count", 40),
    (0.2, "uncertainty.no_show_probability", 0.2),
])
def test_values_convert_to_the_unit_of_the_key(written, key, expected):
    assert study_value(written, key, 0) == pytest.approx(expected)


def test_dates_take_shifts_of_the_models_date_or_dates():
    base = dt.date(2023, 2, 11)
    assert study_value("+3w", "site.hnt.go_live", base) == dt.date(2023, 3, 4)
    assert study_value("-10d", "site.hnt.go_live", base) == dt.date(2023, 2, 1)
    assert study_value(dt.date(2023, 3, 1), "site.hnt.go_live", base) == dt.date(2023, 3, 1)


@pytest.mark.parametrize(("written", "key", "base", "words"), [
    ("2x", "uncertainty.training_environment_delay_days", 0, "unknown unit"),
    ("3w", "instructor_pool.x.count", 35, "only fits a key in days or weeks"),
    ("soon", "uncertainty.no_show_probability", 0.1, "expected a number"),
    ("40", "site.hnt.go_live", dt.date(2023, 2, 11), "shift like +3w"),
    (5, "site.hnt.go_live", dt.date(2023, 2, 11), "expected a date"),
])
def test_values_that_do_not_fit_their_key_are_named(written, key, base, words):
    with pytest.raises(ValueProblem) as err:
        study_value(written, key, base)
    assert words in str(err.value) and key in str(err.value)


def test_labels_read_as_written():
    assert label(0.25) == "0.25" and label("3w") == "3w" and label({"dist": "uniform"}) == "uniform"


def test_a_value_is_recorded_as_toml_a_user_could_write_and_read_back() -> None:
    moves = [{"decided": dt.date(2023, 1, 26), "go_live": dt.date(2023, 11, 4)}]
    assert toml_text(moves) == "[{ decided = 2023-01-26, go_live = 2023-11-04 }]"
    assert toml_text("+4w") == "+4w" and toml_text(dt.date(2023, 2, 11)) == "2023-02-11"
    odd = {"dist": "uniform", "low": 0.1, "high": 2, "on": True, "name with space": 'a "b"\n'}
    assert tomllib.loads(f"v = {toml_text(odd)}")["v"] == odd  # read back as TOML: the same value
    assert tomllib.loads(f"v = {toml_text(moves)}")["v"] == moves
