"""Where replications run: in this process, in a local process pool, or on Dask.

Every executor maps :func:`run_task` over chunks of replication indices and yields the
chunks' results as they finish, in whatever order. Results never depend on the
executor: each replication's random numbers come from its index alone, and the runner
sorts what comes back.
"""
from __future__ import annotations

import concurrent.futures as cf
import itertools
import multiprocessing
import os
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.errors import Problem
from sim.model.experiment_file import model_for
from sim.model.spec import ExperimentSpec
from sim.runs.allocator import keep_freed_memory
from sim.runs.parent import busy, interruptible, sigint_blocked_while_starting, watch_parent

EXECUTORS = ("process", "serial", "dask")
IN_FLIGHT = 3  # chunks queued per worker: enough to keep workers busy, few enough to bound memory


@dataclass(frozen=True)
class Task:
    """Some replications of one scenario."""

    scenario: int
    replications: tuple[int, ...]


@dataclass(frozen=True)
class Done:
    """One finished replication: what the runner stores."""

    scenario: int
    replication: int
    outcomes: tuple
    share: np.ndarray  # float32, sites x days from epoch
    epoch: Any
    weekly: np.ndarray  # sites x WEEKLY_FIELDS x weeks
    measures: tuple[float, ...] = ()  # the scenario's targets' measures (Scenario.targets)


class ReplicationError(RuntimeError):
    """A replication raised; carries what is needed to rerun just it."""

    def __init__(self, scenario: str, replication: int, seed: int, detail: str) -> None:
        super().__init__(f"scenario {scenario!r}, replication {replication} (seed {seed}) failed: {detail}")
        self.scenario = scenario
        self.replication = replication
        self.seed = seed
        self.detail = detail

    def __reduce__(self):
        # Raised in a worker process and pickled back to the runner: keep every field.
        return (type(self), (self.scenario, self.replication, self.seed, self.detail))


def run_task(spec: ExperimentSpec, seed: int, task: Task) -> list[Done]:
    """Run one chunk of replications (in whichever process the executor chose)."""
    # Imported where replications run: the engine loads numba, which a process that only
    # hands chunks to workers (and every other command) need not wait for.
    from sim.engine.replication import run_replication

    keep_freed_memory()  # once per process: see allocator.py
    scenario = spec.scenarios[task.scenario]
    if scenario.targets:
        from sim.analysis.targets import measure
    out = []
    for rep in task.replications:
        try:
            model = model_for(spec, scenario, seed, rep)  # with parameter sets, the one this replication draws
            # Targets count sessions, so their scenarios keep the session table.
            result = run_replication(model, seed, rep, sessions=bool(scenario.targets))
            measures = tuple(measure(t, model, result) for t in scenario.targets)
        except Exception as err:  # reported with the index and seed to rerun just this one
            raise ReplicationError(scenario.name, rep, seed, f"{type(err).__name__}: {err}") from err
        out.append(Done(task.scenario, rep, result.outcomes, result.daily_share.astype(np.float32), result.epoch,
                        result.weekly, measures))
    return out


class SerialExecutor:
    """Runs every chunk here, one after another."""

    workers = 1
    name = "serial"

    def __init__(self, spec: ExperimentSpec, seed: int) -> None:
        self.spec, self.seed = spec, seed

    def map(self, tasks: Iterable[Task]) -> Iterator[list[Done]]:
        """Results of each chunk, in order."""
        for task in tasks:
            yield run_task(self.spec, self.seed, task)

    def close(self, wait: bool = True) -> None:
        """Nothing to release."""

    def join(self) -> None:
        """Nothing to wait for."""


_WORKER: dict[str, Any] = {}


def _init_worker(spec: ExperimentSpec, seed: int, parent: int) -> None:
    # The spec travels once per worker, not once per chunk.
    _WORKER["spec"], _WORKER["seed"] = spec, seed
    watch_parent(parent)
    interruptible()


def _run_in_worker(task: Task) -> list[Done]:
    with busy():
        return run_task(_WORKER["spec"], _WORKER["seed"], task)


class ProcessExecutor:
    """A local pool of worker processes (one replication at a time each)."""

    name = "process"

    def __init__(self, spec: ExperimentSpec, seed: int, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        # spawn: the same behaviour on Linux, macOS and Windows, and no fork-with-threads hazards.
        self.pool = cf.ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                           initializer=_init_worker, initargs=(spec, seed, os.getpid()))
        self._closing: threading.Thread | None = None

    def map(self, tasks: Iterable[Task]) -> Iterator[list[Done]]:
        """Results of each chunk as it finishes.

        At most a few chunks per worker are in flight, and a finished chunk is let go as
        soon as it is yielded, so memory does not grow with the number of replications.
        """
        queue = iter(tasks)
        running: set[cf.Future] = set()
        try:
            with sigint_blocked_while_starting():  # the pool starts a worker for each of the first tasks
                for task in itertools.islice(queue, IN_FLIGHT * self.workers):
                    running.add(self.pool.submit(_run_in_worker, task))
            while running:
                finished, running = cf.wait(running, return_when=cf.FIRST_COMPLETED)
                for future in finished:
                    nxt = next(queue, None)
                    if nxt is not None:
                        running.add(self.pool.submit(_run_in_worker, nxt))
                    yield future.result()
        finally:
            for f in running:
                f.cancel()

    def close(self, wait: bool = True) -> None:
        """Stop the workers (without waiting for chunks not yet started).

        ``wait=False`` stops them in the background and returns at once, for the caller
        to go on and :meth:`join` later: a worker takes a few tenths of a second to tear
        its interpreter down, time in which the results can be written.
        """
        if wait:
            self.pool.shutdown(wait=True, cancel_futures=True)
            return
        self._closing = threading.Thread(target=self.pool.shutdown, kwargs={"wait": True, "cancel_futures": True},
                                         name="close-pool")
        self._closing.start()

    def join(self) -> None:
        """Wait until a pool closed with ``wait=False`` has no worker left."""
        if self._closing is not None:
            self._closing.join()


class DaskExecutor:
    """Dask distributed: an existing cluster (``scheduler``) or a local one on loopback.

    A worker that dies has its chunks run again elsewhere by Dask; the runner keeps each
    replication once whatever happens.
    """

    name = "dask"

    def __init__(self, spec: ExperimentSpec, seed: int, workers: int | None = None, scheduler: str | None = None) -> None:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise RuntimeError("the dask executor needs Dask distributed: pip install 'rollout-sim[dask]'") from None
        self.cluster = None
        try:
            if scheduler:
                self.client = Client(scheduler, timeout="30s")
            else:
                self.cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                                            processes=True, host="127.0.0.1", dashboard_address=":0")
                self.client = Client(self.cluster)
        except (OSError, TimeoutError) as err:
            raise RuntimeError(f"cannot reach the Dask scheduler {scheduler or '(local cluster)'}: {err}") from None
        self.workers = len(self.client.scheduler_info().get("workers", {})) or (workers or 1)
        self.spec_future = self.client.scatter(spec, broadcast=True)
        self.seed = seed

    def map(self, tasks: Iterable[Task]) -> Iterator[list[Done]]:
        """Results of each chunk as it finishes."""
        from dask.distributed import as_completed

        queue = iter(tasks)
        inflight = {self.client.submit(run_task, self.spec_future, self.seed, t, pure=False)
                    for t in itertools.islice(queue, IN_FLIGHT * self.workers)}
        pending = as_completed(list(inflight))
        try:
            for future in pending:
                nxt = next(queue, None)
                if nxt is not None:
                    new = self.client.submit(run_task, self.spec_future, self.seed, nxt, pure=False)
                    inflight.add(new)
                    pending.add(new)
                result = future.result()
                inflight.discard(future)
                future.release()
                yield result
        finally:
            for f in inflight:
                f.cancel()

    def join(self) -> None:
        """Nothing to wait for: :meth:`close` always waits."""

    def close(self, wait: bool = True) -> None:
        """Disconnect, and stop the local cluster if we started one (always waited for)."""
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def make_executor(name: str, spec: ExperimentSpec, seed: int, workers: int | None = None,
                  scheduler: str | None = None):
    """The executor called ``name`` (see :data:`EXECUTORS`)."""
    if name == "serial":
        return SerialExecutor(spec, seed)
    if name == "process":
        return ProcessExecutor(spec, seed, workers)
    if name == "dask":
        return DaskExecutor(spec, seed, workers, scheduler)
    raise ValueError(f"unknown executor {name!r}; expected one of {', '.join(EXECUTORS)}")


# tcp://10.0.0.5:8786, tls://host:8786, or host:port as Dask also takes it.
_SCHEDULER = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?[A-Za-z0-9._\[\]:-]+(?::\d{1,5})?$")


def executor_problems(executor: str, scheduler: str | None) -> list[Problem]:
    """Options that the chosen executor would ignore or cannot use (named as the
    command line names them)."""
    if scheduler is None:
        return []
    if executor != "dask":
        return [Problem("--scheduler", "", f"only used with --executor dask (got --executor {executor})")]
    if not _SCHEDULER.match(scheduler) or len(scheduler) > 255:
        return [Problem("--scheduler", "", f"expected an address like tcp://10.0.0.5:8786, got {scheduler!r}")]
    return []
