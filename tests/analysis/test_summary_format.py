"""summary.json's one definition: the writer's output has the shape the TypedDicts
declare, carries its format version first, and readers refuse a version they do not know."""
from __future__ import annotations

import json
import typing

import pytest

from sim.analysis.summary_format import (
    FORMAT_VERSION,
    ScenarioSummary,
    SiteSummary,
    Summary,
    SummaryFormatError,
    parse_summary,
)
from sim.model.experiment_file import load_experiment
from sim.runs.launch import run_in_memory
from sim.runs.runner import RunOptions
from tests.conftest import SMALL_EXPERIMENT


@pytest.fixture(scope="module")
def summary() -> Summary:
    spec = load_experiment(SMALL_EXPERIMENT)
    return run_in_memory(spec, RunOptions(3, 1, "serial")).summary


def test_the_written_summary_has_exactly_the_declared_keys(summary: Summary) -> None:
    # The TypedDicts are the contract for every reader: a key written but not declared
    # (or declared but not written) would let a reader and the writer drift apart.
    assert next(iter(summary)) == "format_version" and summary["format_version"] == FORMAT_VERSION
    assert set(summary) | {"parameter_sets"} == set(typing.get_type_hints(Summary))  # written with --parameters
    for scenario in summary["scenarios"].values():
        assert set(scenario) == set(typing.get_type_hints(ScenarioSummary))
        for site in scenario["sites"].values():
            declared = set(typing.get_type_hints(SiteSummary))
            assert set(site) | {"vs_reference"} == declared


def test_a_summary_round_trips_through_json(summary: Summary) -> None:
    assert parse_summary(json.dumps(summary)) == summary


def test_an_unknown_version_is_refused_naming_the_file(summary: Summary) -> None:
    newer = {**summary, "format_version": FORMAT_VERSION + 1}
    with pytest.raises(SummaryFormatError, match=r"results/x/summary\.json: summary format 2"):
        parse_summary(json.dumps(newer), "results/x/summary.json")


def test_a_summary_from_before_versions_reads_as_version_1(summary: Summary) -> None:
    old = {k: v for k, v in summary.items() if k != "format_version"}
    assert parse_summary(json.dumps(old))["format_version"] == 1


@pytest.mark.parametrize("text", ["[]", "{}", '{"scenarios": 3}'])
def test_what_is_no_summary_is_said_so(text: str) -> None:
    with pytest.raises(SummaryFormatError, match="not a rollout-sim summary"):
        parse_summary(text)
