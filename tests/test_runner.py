"""The runner: every scenario on the same replication seeds; failures name the replication."""
from __future__ import annotations

import pytest

import sim.runner as runner
from sim.experiment_file import load_experiment
from tests.conftest import SMALL_EXPERIMENT


def test_outcomes_per_scenario_site_and_replication():
    spec = load_experiment(SMALL_EXPERIMENT)
    out = runner.run_experiment(spec, 3, 7)
    assert list(out) == ["base", "two-rooms"]
    assert [len(v["a"]) for v in out.values()] == [3, 3]
    # The scenario's override took effect: with one instructor the second room stands
    # empty, so room utilisation halves while the schedule is the same.
    base, two = out["base"]["a"][0], out["two-rooms"]["a"][0]
    assert two.completion_date == base.completion_date
    assert two.room_utilisation == pytest.approx(base.room_utilisation / 2)


def test_a_failing_replication_is_reported_with_its_index_and_seed(monkeypatch):
    spec = load_experiment(SMALL_EXPERIMENT)
    real = runner.run_replication

    def flaky(model, seed, replication):
        if replication == 2:
            raise ValueError("boom")
        return real(model, seed, replication)

    monkeypatch.setattr(runner, "run_replication", flaky)
    with pytest.raises(runner.ReplicationFailed, match=r"scenario 'base', replication 2 \(seed 7\).*boom"):
        runner.run_experiment(spec, 3, 7)
