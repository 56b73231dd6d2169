"""The runner: every scenario on the same replication seeds, stored as they finish;
rounds towards a precision target; a failing replication names its index and seed."""
from __future__ import annotations

import pytest

import sim.runs.executors as executors
from sim.analysis.summary import columns_from_csv
from sim.model.experiment_file import load_experiment
from sim.runs.runner import Runner, RunOptions, chunked, half_width
from tests.conftest import SMALL_EXPERIMENT, created, fail_replication

RANDOM = [("uncertainty.no_show_probability", {"dist": "uniform", "low": 0, "high": 0.4}),
          ("uncertainty.no_show_rebook_days", 30), ("venue.a-venue.rooms", 1),
          ("curriculum.basic.course.course.hours", 7), ("staff_group.a-staff.headcount", 380)]


def run(tmp_path, options: RunOptions, overrides=()):
    spec = load_experiment(SMALL_EXPERIMENT, list(overrides))
    folder = created(tmp_path / "out")
    runner = Runner(spec, folder, options)
    progress = runner.run()
    return spec, folder, runner, progress


def test_every_scenario_runs_on_the_same_replications(tmp_path):
    spec, folder, runner, progress = run(tmp_path, RunOptions(3, 7, executor="serial"))
    assert [progress.count(i) for i in range(2)] == [3, 3]
    n = 3
    folder.finish({(s.name, r): i * (n + 1) + r for i, s in enumerate(spec.scenarios) for r in range(n)})
    cols = columns_from_csv(folder.path / "replications.csv")
    assert list(cols) == ["base", "two-rooms"]
    # The scenario's override took effect: with one instructor the second room stands
    # empty, so room utilisation halves while the schedule is the same.
    base, two = cols["base"]["a"], cols["two-rooms"]["a"]
    assert (two.completion == base.completion).all()
    assert two.room_utilisation == pytest.approx(base.room_utilisation / 2, abs=1e-5)  # CSV keeps 6 digits
    assert runner.curves[0].replications == 3


def test_precision_doubles_rounds_until_every_site_is_precise(tmp_path):
    options = RunOptions(10, 3, executor="serial", precision=0.12, max_replications=160)
    spec, folder, runner, progress = run(tmp_path, options, RANDOM)
    assert runner.targets() == [10, 20, 40, 80, 160]
    n = progress.count(0)
    assert n in runner.targets() and progress.count(1) == n
    widths = [half_width(progress.not_ready[(i, "a")], n) for i in range(2)]
    assert "within" in progress.stop_reason and max(widths) <= 0.12
    # ... and the round before was not yet precise enough, or it would have stopped there.
    assert n > 10
    folder.finish({(s.name, r): i * (n + 1) + r for i, s in enumerate(spec.scenarios) for r in range(n)})
    cols = columns_from_csv(folder.path / "replications.csv")
    half = n // 2
    before = [half_width(int((~c["a"].ready[:half]).sum()), half) for c in cols.values()]
    assert max(before) > 0.12


def test_precision_stops_at_max_replications(tmp_path):
    options = RunOptions(4, 3, executor="serial", precision=0.001, max_replications=8)
    _, _, _, progress = run(tmp_path, options, RANDOM)
    assert progress.count(0) == 8 and "max-replications" in progress.stop_reason


def test_a_failing_replication_is_reported_with_its_index_and_seed(tmp_path, monkeypatch):
    fail_replication(monkeypatch, 2, ValueError("boom"))
    with pytest.raises(executors.ReplicationError, match=r"scenario 'base', replication 2 \(seed 7\).*boom"):
        run(tmp_path, RunOptions(3, 7, executor="serial", chunk_size=1))


def test_a_resumed_precision_run_goes_on_with_the_round_it_was_in(tmp_path):
    # Rounds 10, 20, 40, 80, 160: interrupted during the round to 40, the run must not
    # check precision at 10 or 20 again (with the extra replications it could pass there,
    # and stop earlier than an uninterrupted run would).
    spec = load_experiment(SMALL_EXPERIMENT)
    runner = Runner(spec, created(tmp_path / "out"), RunOptions(10, 1, executor="serial", precision=0.05,
                                                                       max_replications=160))
    assert runner.targets() == [10, 20, 40, 80, 160]
    runner._resume_round = 40
    assert runner.targets() == [40, 80, 160]


def test_automatic_chunks_shrink_to_one_replication_at_the_end_of_a_round():
    reps = list(range(3, 503))
    chunks = chunked(reps, 25, share=2.0)
    assert [r for c in chunks for r in c] == reps  # every replication once, in order
    sizes = [len(c) for c in chunks]
    assert max(sizes) == 25 and sizes[-1] == 1 and sizes == sorted(sizes, reverse=True)
    # Each is at most half the replications left, so the workers end close together.
    left = len(reps)
    for n in sizes:
        assert n <= max(1, -(-left // 2))
        left -= n


def test_chunks_asked_for_keep_their_size():
    assert chunked(list(range(7)), 3) == [(0, 1, 2), (3, 4, 5), (6,)]
