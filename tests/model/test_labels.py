"""The one table of labels: every value of the shipped model and every input the
shipped experiments vary (scenarios, sweeps, sensitivity, capacity, calibration) has a
label with a unit, and a label names the element it belongs to."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sim.model.experiment_file import load_experiment
from sim.model.labels import LABELS, label
from sim.model.model_file import load_toml
from sim.paths import shipped_dir

# Keys that are names, ids, references or switches: never varied as a number or date,
# so never an axis; every other leaf of the shipped model must have a label.
NOT_INPUTS = {"id", "name", "description", "kind", "dist", "sites", "role", "curriculum", "site",
              "delays", "independent", "home_site", "to_site", "country", "christmas",
              "scheduling_policy", "venue_sharing", "self_training"}


def _leaves(node: Any, prefix: str = "") -> list[str]:
    if isinstance(node, dict):
        return [k for key, v in node.items() for k in _leaves(v, f"{prefix}.{key}" if prefix else key)]
    if isinstance(node, list) and node and isinstance(node[0], dict):
        return [k for item in node for k in _leaves(item, f"{prefix}.{item.get('id', 0)}")]
    return [prefix]


SHIPPED_MODELS = sorted(shipped_dir("models").glob("*.toml"))
SHIPPED_EXPERIMENTS = sorted(shipped_dir("experiments").glob("*.toml"))


@pytest.mark.parametrize("path", SHIPPED_MODELS, ids=lambda p: p.stem)
def test_every_value_of_a_shipped_model_has_a_label(path: Path) -> None:
    raw = load_toml(path)
    missing = [k for k in _leaves(raw) if k.rsplit(".", 1)[-1] not in NOT_INPUTS and not label(k, raw).known]
    assert not missing, f"no label in sim.model.labels.LABELS for {missing}"


def _varied(path: Path) -> list[str]:
    spec = load_experiment(path)
    keys = [k for s in spec.scenarios for k, _ in s.overrides]
    studies = spec.studies
    if studies.sweep:
        keys += [k for k, _ in studies.sweep.vary]
    for table in (studies.sensitivity, studies.calibration):
        if table:
            keys += [p.key for p in table.parameters]
    if studies.capacity and studies.capacity.vary:
        keys.append(studies.capacity.vary)
    return keys


@pytest.mark.parametrize("path", SHIPPED_EXPERIMENTS, ids=lambda p: p.stem)
def test_every_input_a_shipped_experiment_varies_has_a_label_with_a_unit(path: Path) -> None:
    keys = _varied(path)
    unlabelled = [k for k in keys if not label(k).known or not label(k).unit]
    assert not unlabelled, f"{path.name}: no label with a unit for {unlabelled}"


def test_the_shipped_studies_vary_something() -> None:
    # The test above would pass on an empty list: make sure it reads the studies.
    varied = {k for p in SHIPPED_EXPERIMENTS for k in _varied(p)}
    assert {"uncertainty.training_environment_delay_days", "venue.hnt-levanger.rooms",
            "uncertainty.no_show_probability", "site.hnt.postponement"} <= varied


def test_a_label_names_the_element_from_the_model() -> None:
    raw = load_toml(shipped_dir("models") / "midt-norge.toml")
    rooms = label("venue.hnt-levanger.rooms", raw)
    assert rooms.text.startswith("Classrooms at ") and "hnt-levanger" not in rooms.text
    assert rooms.axis == f"{rooms.text} (rooms)"
    assert label("venue.hnt-levanger.rooms").text == "Classrooms at hnt-levanger"  # no model: the id
    assert label("site.hnt.go_live", raw).text == "Helse Nord-Trøndelag HF: go-live"


def test_a_distribution_part_is_labelled_as_its_parent() -> None:
    sd = label("uncertainty.elearning_pace_hours_per_day.sd")
    assert (sd.text, sd.unit) == ("E-learning pace, sd", "hours a working day")


def test_an_unknown_key_keeps_itself_and_says_so() -> None:
    odd = label("uncertainty.nothing_like_this")
    assert (odd.text, odd.known, odd.axis) == ("uncertainty.nothing_like_this", False, "uncertainty.nothing_like_this")


def test_every_label_has_a_unit() -> None:
    assert all(unit for _, unit in LABELS.values())
