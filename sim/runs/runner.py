"""The Monte Carlo runner: replications in chunks on an executor, stored as they finish.

The engine knows nothing of this module. The runner maps the pure replication function
over replication indices (every scenario on the same indices, so common random
numbers), keeps each finished replication in the results folder's journal, folds its
S-curve into a histogram, and, with a precision target, runs in rounds that double the
replications until every site's risk is known to within the target.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sim.analysis.bottlenecks import WeeklyTotals
from sim.analysis.curves import ShareHistogram
from sim.analysis.stats import wilson_interval
from sim.model.spec import ExperimentSpec
from sim.runs.executors import Done, Task, make_executor
from sim.runs.folder import COLUMNS, JOURNAL, RunFolder, replication_rows
from sim.runs.memory import MemoryJournal

CHECKPOINT_SECONDS = 2.0
# Automatic chunks of a scenario are at most its replications left / (GUIDED * workers /
# scenarios): with every scenario advancing together, about 1/GUIDED of a worker's share
# of the work left in the round.
GUIDED = 2
COLUMN_READY = COLUMNS.index("ready")


@dataclass(frozen=True)
class RunOptions:
    """How to run: how many replications, which seed, where, and when to stop."""

    replications: int
    seed: int
    executor: str = "process"
    workers: int | None = None
    scheduler: str | None = None
    chunk_size: int | None = None
    precision: float | None = None
    max_replications: int | None = None
    # S-curve and weekly histograms: off for studies of many points, where they would
    # take megabytes per point and no figure uses them.
    curves: bool = True


@dataclass
class Progress:
    """What the runner has done so far (also what a resumed run starts from)."""

    done: dict[int, set[int]] = field(default_factory=dict)  # scenario -> replications stored
    not_ready: dict[tuple[int, str], int] = field(default_factory=dict)
    rows: int = 0
    target: int = 0
    stop_reason: str = ""

    def count(self, scenario: int) -> int:
        """Replications stored for a scenario."""
        return len(self.done.get(scenario, ()))


def chunked(reps: list[int], size: int, share: float | None = None) -> list[tuple[int, ...]]:
    """``reps`` cut into chunks of at most ``size``, in order.

    With ``share``, a chunk is also at most the replications left (this one included)
    divided by ``share``, so chunks shrink to one replication at the end of a round
    (guided self-scheduling). Equal chunks would leave a worker idle for up to a chunk's
    time while another finishes the last one; shrinking ones end the workers within about
    a replication of each other, at the cost of a few more messages.
    """
    out: list[tuple[int, ...]] = []
    k = 0
    while k < len(reps):
        n = size if share is None else max(1, min(size, math.ceil((len(reps) - k) / share)))
        out.append(tuple(reps[k:k + n]))
        k += n
    return out


def half_width(not_ready: int, n: int) -> float:
    """Half the width of the 95% Wilson interval of a risk."""
    low, high = wilson_interval(not_ready, n)
    return (high - low) / 2


class Runner:
    """Runs an experiment into a results folder (or, for the Python API, into memory)."""

    def __init__(self, spec: ExperimentSpec, folder: RunFolder | MemoryJournal, options: RunOptions,
                 on_progress: Callable[[int, int], None] | None = None) -> None:
        self.spec = spec
        self.folder = folder
        self.options = options
        self.on_progress = on_progress
        keep = options.curves
        self.curves = [ShareHistogram.for_model(*(s.variants or (s.model,))) for s in spec.scenarios] if keep else []
        self.weekly = [WeeklyTotals.for_model(*(s.variants or (s.model,))) for s in spec.scenarios] if keep else []
        self.progress = Progress(done={i: set() for i in range(len(spec.scenarios))})
        self.workers = 1
        self._last_checkpoint = time.monotonic()
        self._consistent = True
        self._resume_round = 0
        self._executor: Any = None  # the executor of the last run, closed or closing

    def restore(self) -> None:
        """Pick up an interrupted run from the folder's last checkpoint."""
        if not isinstance(self.folder, RunFolder):
            raise TypeError("only a run in a results folder can be resumed")
        names = {s.name: i for i, s in enumerate(self.spec.scenarios)}
        sites = {site.id for s in self.spec.scenarios for site in s.model.sites}
        rows, self._resume_round = self.folder.restore(self.curves, self.weekly)
        most = max(self.options.replications, self.options.max_replications or 0)
        seen: set[tuple[str, ...]] = set()
        for i, row in enumerate(rows):
            # A journal row the run could not have written (edited, or from another run)
            # would be counted and then missed when the results are put in order.
            if row[0] not in names or int(row[1]) >= most or row[2] not in sites or tuple(row[:3]) in seen:
                raise ValueError(f"{self.folder.path / JOURNAL}, row {i + 2}, is not one this run wrote; "
                                 "start a new run")
            seen.add(tuple(row[:3]))
            self._count(names[row[0]], int(row[1]), row[2], row[COLUMN_READY] == "true")
            self.progress.rows += 1

    def _count(self, scenario: int, rep: int, site: str, ready: bool) -> None:
        self.progress.done[scenario].add(rep)
        key = (scenario, site)
        self.progress.not_ready[key] = self.progress.not_ready.get(key, 0) + (not ready)

    def targets(self) -> list[int]:
        """Replications per scenario after each round."""
        o = self.options
        if o.precision is None:
            return [o.replications]
        top = max(o.max_replications or o.replications, o.replications)
        out = [o.replications]
        while out[-1] < top:
            out.append(min(out[-1] * 2, top))
        # A resumed run goes on with the round it was in: the rounds before it were checked
        # and found not precise enough, so checking them again could only stop too early.
        return [t for t in out if t >= self._resume_round] or out[-1:]

    def precise_enough(self) -> bool:
        """Whether every site's risk, in every scenario, is known to within the target."""
        p, target = self.progress, self.options.precision
        if target is None:
            return False  # no precision asked for: the replications asked for decide
        return all(half_width(p.not_ready.get((i, site.id), 0), p.count(i)) <= target
                   for i, s in enumerate(self.spec.scenarios) for site in s.model.sites)

    def run(self) -> Progress:
        """Run until the target number of replications, or the precision, is reached."""
        o = self.options
        executor = make_executor(o.executor, self.spec, o.seed, o.workers, o.scheduler)
        self.workers = executor.workers
        finished = False
        try:
            for target in self.targets():
                self.progress.target = target
                self._round(executor, target)
                if o.precision is not None and self.precise_enough():
                    self.progress.stop_reason = f"every site's risk is within +-{o.precision:g} (95% CI)"
                    break
            else:
                self.progress.stop_reason = ("reached --max-replications before the precision target"
                                             if o.precision is not None else "ran the replications asked for")
            finished = True
        finally:
            self.checkpoint()
            # Every chunk is in: the workers can end while the results are written (the
            # caller then calls wait_closed). A run stopped early waits for them here.
            executor.close(wait=not finished)
            self._executor = executor
        return self.progress

    def wait_closed(self) -> None:
        """Wait until the workers of a finished :meth:`run` have ended."""
        if self._executor is not None:
            self._executor.join()

    def _round(self, executor, target: int) -> None:
        scenarios = len(self.spec.scenarios)
        pending = [(rep, i) for rep in range(target) for i in range(scenarios) if rep not in self.progress.done[i]]
        if not pending:
            return
        size = self.options.chunk_size or max(1, min(25, math.ceil(len(pending) / (4 * self.workers))))
        # Chunks asked for are kept as they are; automatic ones shrink towards the end of the round.
        share = None if self.options.chunk_size else GUIDED * self.workers / scenarios
        tasks: list[Task] = []
        for i in range(scenarios):
            reps = [rep for rep, s in pending if s == i]
            tasks.extend(Task(i, chunk) for chunk in chunked(reps, size, share))
        # Interleave scenarios so that all of them advance together.
        tasks.sort(key=lambda t: (t.replications[0], t.scenario))
        total = target * scenarios
        for results in executor.map(tasks):
            self._store(results)
            if self.on_progress is not None:
                self.on_progress(sum(self.progress.count(i) for i in self.progress.done), total)

    def _store(self, results: list[Done]) -> None:
        # A chunk Dask ran twice after losing a worker is kept once.
        new = [d for d in results if d.replication not in self.progress.done[d.scenario]]
        rows = [row for d in new
                for row in replication_rows(self.spec.scenarios[d.scenario].name, d.replication, d.outcomes)]
        if not rows:
            return
        # Journal first, then memory: until both are done the state is not checkpointed, so
        # an interruption anywhere here leaves the last checkpoint as the truth.
        self._consistent = False
        self.folder.append(rows)
        for d in new:
            if self.curves:
                self.curves[d.scenario].add(d.share, d.epoch)
                self.weekly[d.scenario].add(d.weekly, d.epoch)
            for outcome in d.outcomes:
                self._count(d.scenario, d.replication, outcome.site, outcome.ready)
        self.progress.rows += len(rows)
        self._consistent = True
        if time.monotonic() - self._last_checkpoint >= CHECKPOINT_SECONDS:
            self.checkpoint()

    def checkpoint(self) -> None:
        """Record the journal rows and curves that belong together (for --resume)."""
        if self._consistent:
            self.folder.checkpoint(self.progress.rows, self.curves, self.weekly, self.progress.target)
            self._last_checkpoint = time.monotonic()

