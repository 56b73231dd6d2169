"""Experiment files: the test and shipped experiments load, scenario and ``--set``
overrides are applied and validated like file values, and every problem names its
scenario, file and key."""
from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from sim.errors import ConfigError, Problem
from sim.model.experiment_file import load_experiment
from tests.conftest import SMALL_EXPERIMENT, SMALL_MODEL

D = dt.date
EXPERIMENTS = Path(__file__).resolve().parents[2] / "experiments"
HEADER = '[experiment]\nname = "x"\nmodel = "small-model.toml"\nreplications = 2\nseed = 1\n'


@pytest.fixture
def write_experiment(tmp_path):
    """Write an experiment file next to a copy of the small model; returns its path."""
    shutil.copyfile(SMALL_MODEL, tmp_path / "small-model.toml")

    def write(text: str) -> Path:
        path = tmp_path / "experiment.toml"
        path.write_text(text, encoding="utf-8")
        return path
    return write


def problems_of(path: Path, overrides=()) -> list[Problem]:
    with pytest.raises(ConfigError) as info:
        load_experiment(path, list(overrides))
    return info.value.problems


def test_small_experiment_has_two_scenarios():
    spec = load_experiment(SMALL_EXPERIMENT)
    assert (spec.name, spec.replications, spec.seed) == ("small", 5, 7)
    assert spec.model_file == SMALL_MODEL.resolve()
    assert [s.name for s in spec.scenarios] == ["base", "two-rooms"]
    assert [s.model.venues[0].rooms for s in spec.scenarios] == [1, 2]
    assert spec.scenarios[1].overrides == (("venue.a-venue.rooms", 2),)


def test_shipped_baseline_loads():
    spec = load_experiment(EXPERIMENTS / "baseline.toml")
    assert spec.model_file.name == "midt-norge.toml"
    assert [s.name for s in spec.scenarios] == ["as-planned-2022", "as-happened"]
    planned, happened = spec.scenarios
    for scenario in spec.scenarios:
        assert scenario.model.site("st-olavs").go_live == D(2022, 11, 12)
        assert scenario.model.site("levanger").go_live == scenario.model.site("verdal").go_live == D(2023, 2, 11)
    # The 2022 plan as the model has it; as it happened, HNT moved twice, to 9 Nov 2024.
    assert planned.overrides == ()
    assert planned.model.site("hnt").go_live == D(2023, 2, 11)
    assert [m.go_live for m in happened.model.site("hnt").postponements] == [D(2023, 11, 4), D(2024, 11, 9)]
    assert happened.model.site("hnt").go_live == D(2024, 11, 9)


def test_the_experiments_description_is_its_own_not_a_scenarios():
    spec = load_experiment(EXPERIMENTS / "baseline.toml")
    assert spec.description == "Midt-Norge as planned in 2022, and HNT as it happened (live 9 Nov 2024)"
    assert spec.scenarios[1].description.startswith("HNT postponed on 26 Jan 2023")


def test_shipped_st_olavs_may_2022_removes_the_postponement():
    spec = load_experiment(EXPERIMENTS / "st-olavs-may-2022.toml")
    happened, may = spec.scenarios
    assert (happened.name, may.name) == ("as-happened", "st-olavs-may-2022")
    assert happened.model.site("st-olavs").go_live == D(2022, 11, 12)
    assert may.model.site("st-olavs").go_live == D(2022, 5, 7)
    assert may.model.site("st-olavs").postponements == ()


def test_experiment_without_scenarios_runs_the_model_as_given(write_experiment):
    spec = load_experiment(write_experiment(HEADER))
    assert [(s.name, s.overrides) for s in spec.scenarios] == [("base", ())]


def test_scenario_override_to_unknown_id_names_the_scenario(write_experiment):
    path = write_experiment(HEADER + '[[scenario]]\nname = "s1"\n[scenario.set]\n"venue.nope.rooms" = 2\n')
    (problem,) = problems_of(path)
    assert problem.file == str(path)
    assert problem.key == "scenario.s1.set.venue.nope.rooms"
    assert "no venue with id 'nope'" in problem.message and "a-venue" in problem.message


def test_scenario_override_to_invalid_value_names_the_scenario(write_experiment):
    path = write_experiment(HEADER + '[[scenario]]\nname = "s1"\n[scenario.set]\n"venue.a-venue.rooms" = -1\n')
    (problem,) = problems_of(path)
    assert problem.key == "venue.a-venue.rooms"
    assert "'s1'" in problem.file and str(path) in problem.file
    assert ">= 0, got -1" in problem.message


def test_problems_of_every_scenario_are_reported(write_experiment):
    path = write_experiment(HEADER
                            + '[[scenario]]\nname = "s1"\n[scenario.set]\n"venue.a-venue.rooms" = -1\n'
                            + '[[scenario]]\nname = "s2"\n[scenario.set]\n"venue.nope.rooms" = 1\n')
    keys = [p.key for p in problems_of(path)]
    assert keys == ["venue.a-venue.rooms", "scenario.s2.set.venue.nope.rooms"]


def test_set_overrides_take_effect():
    spec = load_experiment(SMALL_EXPERIMENT, [("experiment.replications", 3), ("site.a.go_live", D(2023, 6, 3))])
    assert spec.replications == 3
    assert [s.model.site("a").go_live for s in spec.scenarios] == [D(2023, 6, 3), D(2023, 6, 3)]
    assert spec.scenarios[1].model.venues[0].rooms == 2  # scenario overrides still apply on top


def test_a_scenario_may_shift_a_date_from_the_value_after_set(write_experiment):
    path = write_experiment(HEADER + '[[scenario]]\nname = "later"\n[scenario.set]\n"site.a.go_live" = "+2w"\n'
                            + '[[scenario]]\nname = "earlier"\n[scenario.set]\nsite.a.go_live = "-10d"\n')
    spec = load_experiment(path)
    assert [s.model.site("a").go_live for s in spec.scenarios] == [D(2023, 5, 20), D(2023, 4, 26)]
    spec = load_experiment(path, [("site.a.go_live", "+1w")])  # --set first, the scenario's shift on top
    assert [s.model.site("a").go_live for s in spec.scenarios] == [D(2023, 5, 27), D(2023, 5, 3)]


def test_a_scenario_shift_of_a_number_names_the_scenario_and_key(write_experiment):
    path = write_experiment(HEADER + '[[scenario]]\nname = "s1"\n[scenario.set]\n"venue.a-venue.rooms" = "+2w"\n')
    (problem,) = problems_of(path)
    assert problem.file == str(path) and problem.key == "scenario.s1.set.venue.a-venue.rooms"
    assert "'+2w' is a shift of a date, but the key holds" in problem.message


def test_scenario_override_wins_over_set():
    spec = load_experiment(SMALL_EXPERIMENT, [("venue.a-venue.rooms", 0)])
    assert [s.model.venues[0].rooms for s in spec.scenarios] == [0, 2]


@pytest.mark.parametrize("overrides, file, key, fragment", [
    ([("site.b.go_live", D(2023, 6, 3))], "--set", "site.b.go_live", "no site with id 'b'"),
    ([("experiment.replicatons", 3)], str(SMALL_EXPERIMENT), "experiment.replicatons", "unknown key"),
    ([("experiment.replications", 0)], str(SMALL_EXPERIMENT), "experiment.replications", ">= 1"),
    ([("venue.a-venue.rooms", -1)], f"{SMALL_MODEL.resolve()} with --set", "venue.a-venue.rooms", ">= 0"),
], ids=["unknown-model-id", "unknown-experiment-key", "bad-experiment-value", "bad-model-value"])
def test_bad_set_override_is_an_error(overrides, file, key, fragment):
    problems = problems_of(SMALL_EXPERIMENT, overrides)
    assert any(p.file == file and p.key == key and fragment in p.message for p in problems), problems


@pytest.mark.parametrize("extra, key", [
    ("replicatons = 3\n", "experiment.replicatons"),
    ("[[scenarios]]\nname = \"s\"\n", "scenarios"),
    ("[[scenario]]\nname = \"s\"\nsett = 1\n", "scenario.0.sett"),
], ids=["in-experiment", "top-level", "in-scenario"])
def test_unknown_experiment_key_is_an_error(write_experiment, extra, key):
    path = write_experiment(HEADER + extra)
    problems = problems_of(path)
    # An array element without id may be named scenario[0] (see test_problem_keys_can_be_used_with_set).
    assert any(p.file == str(path) and re.sub(r"\[(\d+)\]", r".\1", p.key) == key and "unknown key" in p.message
               for p in problems), problems


def test_missing_model_file_is_a_problem_on_experiment_model(write_experiment):
    path = write_experiment(HEADER.replace("small-model.toml", "no-such-model.toml"))
    (problem,) = problems_of(path)
    assert (problem.file, problem.key) == (str(path), "experiment.model")
    assert "no-such-model.toml" in problem.message


def test_missing_model_key_is_a_problem_on_experiment_model(write_experiment):
    path = write_experiment(HEADER.replace('model = "small-model.toml"\n', ""))
    assert any(p.key == "experiment.model" and "missing" in p.message for p in problems_of(path))


def test_duplicate_scenario_names_are_an_error(write_experiment):
    path = write_experiment(HEADER + '[[scenario]]\nname = "s"\n[[scenario]]\nname = "s"\n')
    assert any("duplicate scenario name 's'" in p.message for p in problems_of(path))


def test_dotted_keys_in_scenario_set_equal_quoted_keys(write_experiment):
    quoted = load_experiment(write_experiment(
        HEADER + '[[scenario]]\nname = "s"\n[scenario.set]\n"venue.a-venue.rooms" = 2\n"site.a.go_live" = 2023-06-03\n'
        '"uncertainty.no_show_probability" = { dist = "uniform", low = 0, high = 0.2 }\n'))
    dotted = load_experiment(write_experiment(
        HEADER + '[[scenario]]\nname = "s"\n[scenario.set]\nvenue.a-venue.rooms = 2\nsite.a.go_live = 2023-06-03\n'
        'uncertainty.no_show_probability = { dist = "uniform", low = 0, high = 0.2 }\n'))
    assert dotted.scenarios[0].overrides == quoted.scenarios[0].overrides
    assert dotted.scenarios[0].model == quoted.scenarios[0].model
    model = dotted.scenarios[0].model
    assert (model.venues[0].rooms, model.site("a").go_live) == (2, D(2023, 6, 3))
    assert model.uncertainty.no_show_probability.support_max == 0.2
