"""Running an experiment: into a results folder, or into memory.

``rollout-sim run``, the studies built on it (sweep, sensitivity, capacity) and the
Python API all start a run the same way: a new folder (or none), the inputs recorded,
the runner reporting progress through a callback, a clean stop on Ctrl-C or SIGTERM,
then replications.csv, summary.json and the curves. Nothing here prints or exits: a
problem with the inputs raises :class:`~sim.errors.ConfigError`, a run that stopped
raises :class:`RunStopped` saying why and how to go on, and the caller talks.
"""
from __future__ import annotations

import datetime as dt
import importlib
import shutil
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.analysis.bottlenecks import WeeklyTotals
from sim.analysis.curves import ShareHistogram
from sim.analysis.summary import SiteColumns, columns_by_scenario, columns_from_csv, summarise
from sim.analysis.summary_format import Summary
from sim.errors import ConfigError, Problem
from sim.model.experiment_file import load_experiment
from sim.model.overrides import parse_value
from sim.model.spec import ExperimentSpec
from sim.runs import integrity, manifest, record
from sim.runs.executors import ReplicationError
from sim.runs.folder import COLUMNS, ResultsExistError, RunFolder, json_text
from sim.runs.memory import MemoryJournal
from sim.runs.runner import Runner, RunOptions

ProgressCallback = Callable[[int, int], None]  # (replications done, replications in this round)


class RunStopped(Exception):
    """A run that stopped before it finished: ``message`` says why and, where the folder
    can be resumed, the command that continues it; ``exit_code`` is what the command
    line exits with (1 for a failure, 130 for an interruption)."""

    def __init__(self, message: str, exit_code: int, status: str) -> None:
        super().__init__(message.strip())
        self.message = message
        self.exit_code = exit_code
        self.status = status


@dataclass
class Finished:
    """A finished run: its summary and per-site columns, the S-curves and weekly totals
    (empty for a study's runs), why it stopped, and its folder (None when it ran in memory)."""

    spec: ExperimentSpec
    summary: Summary
    columns: dict[str, dict[str, SiteColumns]]
    curves: list[ShareHistogram]
    weekly: list[WeeklyTotals]
    stop_reason: str
    path: Path | None
    rows: list[list[str]] | None = None  # replications.csv's rows, in its order, for a run in memory


def parse_sets(values: tuple[str, ...] | list[str]) -> list[tuple[str, Any]]:
    """``--set KEY=VALUE`` options as (dotted key, value) pairs."""
    out = []
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError([Problem("--set", item, "expected KEY=VALUE, like site.hnt.go_live=2023-03-04")])
        out.append((key.strip(), parse_value(value.strip())))
    return out


def default_out(spec: ExperimentSpec, kind: str = "") -> Path:
    """results/<experiment>/<kind-><date-time>: where a run writes unless told."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("results") / record.safe_name(spec.name) / (f"{kind}-{stamp}" if kind else stamp)


def create_folder(out: Path, force: bool) -> RunFolder:
    """A new results folder, or a :class:`ConfigError` saying why it cannot be made."""
    try:
        return RunFolder.create(out, force=force)
    except ResultsExistError as err:
        raise ConfigError([Problem("--out", "", str(err))]) from None


@dataclass(frozen=True)
class Resumption:
    """An interrupted run to continue: its folder, experiment as run, options, overrides
    and start time, all from the folder itself."""

    folder: RunFolder
    spec: ExperimentSpec
    options: RunOptions
    overrides: list[tuple[str, Any]]
    started: str


def resumable(path: Path, replications: int | None = None) -> Resumption:
    """The run in ``path`` to continue (with at least ``replications`` per scenario, if
    more than it asked for), or a :class:`ConfigError` saying why it cannot be."""
    try:
        m = integrity.read_manifest(path)
    except integrity.DamagedError as err:
        raise ConfigError([Problem("--resume", "", f"cannot resume: {err}")]) from None
    if m["status"] == "complete":
        raise ConfigError([Problem(str(path), "", "this run is complete; nothing to resume")])
    spec = load_experiment(path / record.CONFIG / "experiment.toml")
    options = RunOptions(max(replications or 0, m["replications_asked"]), m["seed"], precision=m["precision"],
                         max_replications=m["max_replications"], curves=m.get("curves", True))
    return Resumption(RunFolder(path), spec, options, [tuple(kv) for kv in m["overrides"]], m["started"])


def run_fresh(spec: ExperimentSpec, options: RunOptions, out: Path, force: bool, overrides: list[tuple[str, Any]],
              on_progress: ProgressCallback | None = None) -> Finished:
    """Run ``spec`` into a new folder ``out``."""
    folder = create_folder(out, force)
    return execute(folder, spec, options, overrides, manifest.now(), resumed=False, on_progress=on_progress)


def run_in_memory(spec: ExperimentSpec, options: RunOptions, on_progress: ProgressCallback | None = None) -> Finished:
    """Run ``spec`` with no folder: the same runner and the same rows as a folder's run,
    so the same seed gives the same numbers, but nothing is written and nothing can be
    resumed. The S-curves and weekly totals are kept in memory."""
    journal = MemoryJournal()
    runner = Runner(spec, journal, options, on_progress)
    try:
        progress = runner.run()
        n = _complete(spec, runner)
        rows = journal.ordered(_order(spec, n))
        columns = columns_by_scenario(dict(zip(COLUMNS, row)) for row in rows)
        summary = _summarise(spec, options, n, columns)
    finally:
        runner.wait_closed()  # the workers ended while the summary was made
    return Finished(spec, summary, columns, runner.curves, runner.weekly, progress.stop_reason, None, rows)


def execute(folder: RunFolder, spec: ExperimentSpec, options: RunOptions, overrides: list[tuple[str, Any]],
            started: str, resumed: bool, on_progress: ProgressCallback | None = None) -> Finished:
    """Run (or resume) into ``folder`` under its lock."""
    where = "--resume" if resumed else "--out"
    try:
        folder.lock()  # before anything is read or rewritten: another run may still hold it
    except ResultsExistError as err:
        folder.discard()
        raise ConfigError([Problem(where, "", str(err))]) from None
    # A scheduler or a shell that stops the run with SIGTERM gets the same clean stop as Ctrl-C.
    previous = signal.signal(signal.SIGTERM, _interrupt) if threading.current_thread() is threading.main_thread() else None
    try:
        if resumed:
            try:
                recorded = integrity.read_manifest(folder.path)
                integrity.check_inputs(folder.path, recorded)
            except integrity.DamagedError as err:
                raise ConfigError([Problem("--resume", "", f"cannot resume: {err}")]) from None
            inputs = (recorded["config_hash"], recorded["inputs"])
        else:
            inputs = record.save_inputs(folder, spec)
        runner = Runner(spec, folder, options, on_progress)
        if resumed:
            try:
                runner.restore()
            except (OSError, ValueError) as err:
                raise ConfigError([Problem(str(folder.path), "", f"cannot resume: {err}")]) from None
        return _run(runner, folder, spec, options, overrides, inputs, started, fresh=not resumed)
    except BaseException:
        folder.discard()  # a new folder that never started leaves nothing behind
        raise
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        folder.unlock()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _run(runner: Runner, folder: RunFolder, spec: ExperimentSpec, options: RunOptions,
         overrides: list[tuple[str, Any]], inputs: tuple[str, dict[str, str]], started: str,
         fresh: bool) -> Finished:
    """Run and write the results, or raise :class:`RunStopped` saying why it stopped."""

    def note(status: str, error: str | None = None, files: dict[str, str] | None = None) -> None:
        record.write_manifest(folder, spec, options, overrides, inputs, runner.progress, status, started,
                              runner.workers, error, files)

    def stopped(status: str, message: str, code: int, error: str | None = None) -> RunStopped:
        # The folder stays resumable whether or not this is recorded (a full disk): the
        # manifest never says complete before it is.
        try:
            note(status, error)
        except OSError:
            pass
        return RunStopped(message, code, status)

    note("running")
    folder.commit()  # the new folder takes its name (replacing the old one under --force) only now
    _import_meanwhile("scipy.stats")  # the summary's quantile intervals need it once the replications are in
    resume = f"rollout-sim run --resume {folder.path}"
    try:
        try:
            progress = runner.run()
            finished = _finish(folder, spec, options, runner, progress.stop_reason)
        finally:
            runner.wait_closed()  # the workers ended while the results were written
    except ReplicationError as err:
        raise stopped("failed", f"\nerror: {err}\n(finished replications are kept in {folder.path})", 1,
                      str(err)) from err
    except KeyboardInterrupt:
        raise stopped("interrupted", f"\ninterrupted; continue with: {resume}", 130) from None
    except RuntimeError as err:  # an executor that cannot start (e.g. Dask not installed)
        if fresh and runner.progress.rows == 0:
            folder.unlock()
            shutil.rmtree(folder.path)  # nothing ran: leave no folder behind
            raise RunStopped(f"\nerror: {err}", 1, "failed") from err
        raise stopped("failed", f"\nerror: {err}", 1, str(err)) from err
    except MemoryError:
        raise stopped("failed", "\nerror: out of memory; the finished replications are kept: continue with fewer "
                                f"workers: {resume} --workers 1", 1, "out of memory") from None
    except OSError as err:  # a full disk, a folder removed under the run
        reason = f"cannot write {err.filename or folder.path}: {err.strerror or err}"
        raise stopped("failed", f"\nerror: {reason}; the finished replications are kept: fix that, then "
                                f"continue with: {resume}", 1, reason) from err
    note("complete", files=integrity.result_checksums(folder.path))
    folder.clean_up()
    return finished


def _import_meanwhile(module: str) -> None:
    """Import ``module`` in a background thread, while the replications run.

    The process that hands chunks to workers mostly waits, so a library needed only
    afterwards (scipy.stats takes most of a second) loads in that wait rather than after
    the last replication. Importing it later in this thread simply waits for this one
    (Python locks each module while it loads); an import that fails here fails again,
    with its message, where the module is used.
    """
    def load() -> None:
        try:
            importlib.import_module(module)
        except Exception:  # noqa: BLE001 - raised again where it is used
            pass

    threading.Thread(target=load, name=f"import {module}", daemon=True).start()


def _complete(spec: ExperimentSpec, runner: Runner) -> int:
    """Replications every scenario has: the ones results are made of (a run stopped by
    precision may have more of some scenarios)."""
    return min(runner.progress.count(i) for i in range(len(spec.scenarios)))


def _order(spec: ExperimentSpec, n: int) -> dict[tuple[str, int], int]:
    """Rank of each (scenario, replication) in replications.csv: scenario by scenario,
    the first ``n`` replications of each."""
    return {(s.name, rep): i * (n + 1) + rep for i, s in enumerate(spec.scenarios) for rep in range(n)}


def _summarise(spec: ExperimentSpec, options: RunOptions, n: int,
               columns: dict[str, dict[str, SiteColumns]]) -> Summary:
    experiment: dict[str, Any] = {"experiment": spec.name, "description": spec.description,
                                  "model": spec.scenarios[0].model.name, "seed": options.seed, "replications": n}
    if spec.parameter_sets is not None:
        experiment["parameter_sets"] = spec.parameter_sets.describe()
    return summarise(experiment, {s.name: (s.model, columns[s.name]) for s in spec.scenarios})


def _finish(folder: RunFolder, spec: ExperimentSpec, options: RunOptions, runner: Runner,
            stop_reason: str) -> Finished:
    """Write replications.csv (in order), summary.json and curves.npz."""
    n = _complete(spec, runner)
    folder.finish(_order(spec, n))
    columns = columns_from_csv(folder.path / "replications.csv")
    summary = _summarise(spec, options, n, columns)
    folder.write("", "summary.json", json_text(summary))
    if options.curves:
        folder.save_curves([s.name for s in spec.scenarios], runner.curves)
        folder.save_bottlenecks([s.name for s in spec.scenarios], runner.weekly)
    return Finished(spec, summary, columns, runner.curves, runner.weekly, stop_reason, folder.path)
