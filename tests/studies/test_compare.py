"""Comparing two results folders: paired when the seeds and replications match."""
from __future__ import annotations

import pytest

from sim.analysis.stats import newcombe_interval
from sim.studies.compare import CompareError, compare
from tests.cli.conftest import invoke
from tests.conftest import STUDY_EXPERIMENT


def _run(tmp_path, name, *args):
    out = tmp_path / name
    r = invoke("run", STUDY_EXPERIMENT, "--no-plots", "-q", "--executor", "serial", "--out", out, *args)
    assert r.exit_code == 0, r.output
    return out


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("compare")
    return {"a": _run(tmp, "a", "-n", 30), "b": _run(tmp, "b", "-n", 30, "--set", "venue.a-venue.seats=8"),
            "other-seed": _run(tmp, "c", "-n", 30, "--seed", 99, "--set", "venue.a-venue.seats=8")}


def test_paired_comparison_of_runs_on_the_same_seeds(folders):
    result = compare(folders["a"], folders["b"])
    assert result["paired"]
    a = result["sites"]["a"]
    assert a["risk_b"] > a["risk_a"]  # fewer seats: a higher risk
    low, high = a["risk_difference_ci95"]
    assert low <= a["risk_difference"] <= high and low > 0
    assert a["expected_untrained_difference"] > 0
    # Site b is the same in both runs: with common random numbers it does not change at all.
    b = result["sites"]["b"]
    assert b["risk_difference"] == 0 and b["risk_difference_ci95"] == [0, 0]
    assert b["p80_completion_difference"]["days"] == 0


def test_different_seeds_are_refused_with_the_reason_then_compared_unpaired_on_request(folders):
    with pytest.raises(CompareError, match="the seeds differ"):
        compare(folders["a"], folders["other-seed"])
    result = compare(folders["a"], folders["other-seed"], unpaired=True)
    assert not result["paired"]
    a = result["sites"]["a"]
    n = 30
    k_a, k_b = round(a["risk_a"] * n), round(a["risk_b"] * n)
    assert a["risk_difference_ci95"] == pytest.approx(list(newcombe_interval(k_a, n, k_b, n)), abs=1e-6)


def test_a_run_against_itself_differs_by_nothing_paired_but_not_unpaired(folders):
    # Paired, every replication matches itself; treated as independent, the same data still
    # carry sampling noise: which is why pairing, when valid, is the right comparison.
    paired = compare(folders["a"], folders["a"])["sites"]["a"]
    unpaired = compare(folders["a"], folders["a"], unpaired=True)["sites"]["a"]
    assert paired["risk_difference_ci95"] == [0, 0]
    low, high = unpaired["risk_difference_ci95"]
    assert low < 0 < high


def test_compare_command_prints_each_site_and_refuses_cleanly(folders, tmp_path):
    r = invoke("compare", folders["a"], folders["b"], "--json", tmp_path / "c.json")
    assert r.exit_code == 0, r.output
    assert "paired by replication" in r.output and (tmp_path / "c.json").is_file()
    assert sum(line.startswith("a ") for line in r.output.splitlines()) == 2  # site a in both parts of the table
    r = invoke("compare", folders["a"], folders["other-seed"])
    assert r.exit_code == 1 and "the seeds differ" in r.output and "--unpaired" in r.output
    assert "Traceback" not in r.output
    r = invoke("compare", folders["a"], folders["b"], "--scenario-b", "bse")
    assert r.exit_code == 1 and "no scenario 'bse'; expected one of base; did you mean 'base'?" in r.output
