"""[[target]] tables: read into TargetSpecs, and every mistake reported with its key."""
from __future__ import annotations

import datetime as dt
import math

import pytest

from sim.errors import ConfigError
from sim.model.experiment_file import load_experiment
from sim.model.target_file import INTERVAL_SDS, MEASURES
from tests.conftest import DATA


def _experiment(tmp_path, tables: str):
    path = tmp_path / "e.toml"
    path.write_text(f'[experiment]\nmodel = "{(DATA / "study-model.toml").as_posix()}"\nreplications = 2\nseed = 1\n'
                    '[[scenario]]\nname = "base"\n[[scenario]]\nname = "late"\n'
                    '[scenario.set]\n"site.a.go_live" = 2023-06-03\n' + tables, encoding="utf-8")
    return path


def _problems(tmp_path, tables: str) -> str:
    with pytest.raises(ConfigError) as err:
        load_experiment(_experiment(tmp_path, tables))
    return str(err.value)


SESSIONS = """
[[target]]
name = "classes at a in April"
measure = "sessions"
kind = "end_user"
sites = ["a"]
from = 2023-04-01
to = 2023-04-30
observed = 40
interval = [30, 50]
discrepancy_sd = 3
source = "the project's plan"
"""


def test_a_target_is_read_with_its_uncertainty(tmp_path):
    (target,) = load_experiment(_experiment(tmp_path, SESSIONS + 'scenario = "late"\n')).targets
    assert (target.name, target.measure, target.kind, target.sites, target.scenario) == (
        "classes at a in April", "sessions", "end_user", ("a",), "late")
    assert (target.first, target.last, target.observed) == (dt.date(2023, 4, 1), dt.date(2023, 4, 30), 40.0)
    # A 95% interval of +-10 is an sd of 10 / 1.96.
    assert target.sd == pytest.approx(20 / INTERVAL_SDS) and target.sd == pytest.approx(10 / 1.96, rel=1e-3)
    assert target.discrepancy_sd == 3 and not target.held_out


def test_a_share_target_and_its_defaults(tmp_path):
    (target,) = load_experiment(_experiment(tmp_path, """
[[target]]
name = "a trained a week before"
measure = "share_trained_by"
site = "a"
date = 2023-04-29
observed = 0.9
sd = 0.05
source = "a report"
held_out = true
""")).targets
    assert target.sites == ("a",) and target.day == dt.date(2023, 4, 29) and target.held_out
    assert target.scenario is None and target.discrepancy_sd == 0 and target.kind is None


def test_every_mistake_in_a_target_names_its_key(tmp_path):
    text = _problems(tmp_path, """
[[target]]
name = "one"
measure = "sessions_per_day"
observed = 1
sd = 1
source = "x"
[[target]]
name = "two"
measure = "share_trained_at_go_live"
site = "a"
observed = 1.5
sd = 0.1
source = "x"
date = 2023-01-01
[[target]]
name = "three"
measure = "sessions"
kind = "end_user"
from = 2023-05-01
to = 2023-04-01
observed = 10
sd = 1
source = "x"
[[target]]
name = "four"
measure = "ready"
site = "a"
observed = 1
sd = 0
source = "x"
[[target]]
name = "five"
measure = "ready"
site = "a"
observed = 0.5
sd = 0.1
interval = [0, 1]
[[target]]
name = "six"
measure = "learners_booked"
kind = "end_user"
from = 2023-04-01
to = 2023-04-30
observed = 100
interval = [10, 50]
source = "x"
colour = "red"
[[target]]
name = "one"
measure = "ready"
site = "a"
observed = 1
sd = 0.1
source = "x"
held_out = "yes"
""")
    assert "target.0.measure: expected one of sessions, sessions_per_working_day" in text
    assert "target.1.observed: expected a number <= 1, got 1.5" in text
    assert "target.1.date: not a key of measure 'share_trained_at_go_live', which takes site" in text
    assert "target.2.to: expected a date on or after from (2023-05-01), got 2023-04-01" in text
    assert "target.3.sd: expected an uncertainty above 0" in text
    assert "target.4.interval: give sd or interval, not both" in text
    assert "target.4.source: missing; this key is required" in text
    assert "target.5.interval: expected an interval around observed (100)" in text
    assert "target.5.colour: unknown key" in text
    assert "target.6.name: duplicate target name 'one'" in text
    assert "target.6.held_out: expected true or false" in text


def test_what_a_target_names_must_exist_in_its_scenario_s_model(tmp_path):
    classes = """
measure = "sessions"
kind = "super_user"
sites = ["a", "z"]
from = 2023-04-01
to = 2023-04-30
observed = 10
sd = 1
source = "x"
"""
    text = _problems(tmp_path, """
[[target]]
name = "one"
measure = "ready"
site = "c"
observed = 1
sd = 0.1
source = "x"
[[target]]
name = "two"
scenario = "early"
""" + classes + """
[[target]]
name = "three"
""" + classes)
    assert "target.0.site: no site 'c' in the model; it has a, b" in text
    assert "target.1.scenario: no scenario 'early'; the experiment has base, late" in text
    assert "target.2.sites: no site 'z' in the model; it has a, b" in text
    assert "target.2.kind: the model has no super_user curriculum" in text


def test_every_measure_is_documented_with_its_keys():
    docs = (DATA.parents[1] / "docs" / "experiment-file.md").read_text(encoding="utf-8")
    for measure, (keys, (low, high), _) in MEASURES.items():
        assert f"`{measure}`" in docs, measure
        assert all(f"`{key}`" in docs for key in keys), measure
        assert 0 <= low < high and math.isfinite(high)
