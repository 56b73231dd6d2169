"""Every executor and worker count gives the same bytes; Dask survives a dying worker."""
from __future__ import annotations

import multiprocessing
import os

import pytest

from sim.model.experiment_file import load_experiment
from sim.runs.executors import make_executor
from sim.runs.folder import RunFolder
from sim.runs.launch import run_fresh, run_in_memory
from sim.runs.runner import Runner, RunOptions
from tests.cli.conftest import RANDOM, RUN_DATA_FILES, invoke
from tests.conftest import SMALL_EXPERIMENT, created


def run(out, *args):
    result = invoke("run", "--no-plots", SMALL_EXPERIMENT, "-n", 8, "--seed", 9, "-q", "--chunk-size", 2, "--out", out,
                    *RANDOM, *args)
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.slow
def test_same_bytes_for_every_executor_and_worker_count(tmp_path):
    pytest.importorskip("dask.distributed")
    reference = run(tmp_path / "serial", "--executor", "serial")
    others = [run(tmp_path / "p1", "--executor", "process", "--workers", 1),
              run(tmp_path / "p2", "--executor", "process", "--workers", 2),
              run(tmp_path / "dask", "--executor", "dask", "--workers", 2)]
    for other in others:
        for name in RUN_DATA_FILES:
            assert (other / name).read_bytes() == (reference / name).read_bytes(), (other.name, name)


def test_unknown_executor_is_refused():
    with pytest.raises(ValueError, match="unknown executor"):
        make_executor("threads", load_experiment(SMALL_EXPERIMENT), 1)


@pytest.mark.slow
def test_a_dask_worker_killed_mid_run_loses_and_doubles_nothing(tmp_path, monkeypatch):
    pytest.importorskip("dask.distributed")
    import sim.runs.runner as runner_module

    spec = load_experiment(SMALL_EXPERIMENT, [("uncertainty.no_show_probability", 0.2)])
    Runner(spec, created(tmp_path / "serial"), RunOptions(24, 2, executor="serial")).run()

    seen = {}
    real_make = runner_module.make_executor

    def make_and_remember(*args, **kwargs):
        seen["executor"] = real_make(*args, **kwargs)
        return seen["executor"]

    def kill_a_worker_once(done: int, total: int) -> None:
        if "victim" not in seen and done >= 4:
            client = seen["executor"].client
            seen["before"] = set(client.scheduler_info()["workers"])
            seen["victim"] = sorted(seen["before"])[0]
            # The worker process exits at once; its nanny starts a new one, and Dask runs
            # the chunks it held elsewhere.
            try:
                client.run(os._exit, 1, workers=[seen["victim"]], on_error="ignore")
            except Exception:  # noqa: BLE001  the worker cannot answer once it has exited
                pass

    def workers_after() -> set:
        return set(seen["executor"].client.scheduler_info()["workers"])

    monkeypatch.setattr(runner_module, "make_executor", make_and_remember)
    folder = created(tmp_path / "dask")
    runner = Runner(spec, folder, RunOptions(24, 2, executor="dask", workers=2, chunk_size=1), kill_a_worker_once)
    progress = runner.run()
    assert "victim" in seen
    assert [progress.count(i) for i in range(2)] == [24, 24]
    n = 24
    order = {(s.name, r): i * (n + 1) + r for i, s in enumerate(spec.scenarios) for r in range(n)}
    folder.finish(order)
    RunFolder(tmp_path / "serial").finish(order)
    assert (tmp_path / "dask" / "replications.csv").read_bytes() == (tmp_path / "serial" / "replications.csv").read_bytes()


def test_a_replication_error_survives_the_trip_back_from_a_worker():
    # Raised in a worker process, it is pickled back to the runner with every field.
    import pickle

    from sim.runs.executors import ReplicationError

    err = pickle.loads(pickle.dumps(ReplicationError("base", 3, 7, "ValueError: boom")))
    assert (err.scenario, err.replication, err.seed) == ("base", 3, 7)
    assert str(err) == "scenario 'base', replication 3 (seed 7) failed: ValueError: boom"


def test_a_finished_run_s_workers_have_ended_when_it_returns(tmp_path):
    # The pool is closed in the background while the results are written, then joined.
    spec = load_experiment(SMALL_EXPERIMENT)
    run_fresh(spec, RunOptions(4, 3, executor="process", workers=2), tmp_path / "out", False, [])
    run_in_memory(spec, RunOptions(4, 3, executor="process", workers=2))
    assert not multiprocessing.active_children()
