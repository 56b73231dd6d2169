"""Running an experiment into a results folder, for the commands that run one.

``rollout-sim run`` and the studies built on it (sweep, sensitivity, capacity) all
start a run the same way: a new folder, the inputs recorded, the runner with a
progress bar, a clean stop on Ctrl-C or SIGTERM, then replications.csv, summary.json
and the curves. User errors end the command here with a message and a non-zero exit.
"""
from __future__ import annotations

import datetime as dt
import shutil
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import click

from sim.runs import integrity, manifest, record
from sim.errors import Problem
from sim.runs.executors import ReplicationError
from sim.model.overrides import parse_value
from sim.runs.folder import ResultsExistError, RunFolder, json_text
from sim.runs.runner import Runner, RunOptions
from sim.model.spec import ExperimentSpec
from sim.analysis.summary import columns_from_csv, summarise
from sim.output.console import table, verdict


def fail(problems: list[Problem]) -> None:
    """Print every problem on its own line and exit with status 1."""
    for p in problems:
        click.echo(f"error: {p}", err=True)
    sys.exit(1)


def parse_sets(values: tuple[str, ...]) -> list[tuple[str, Any]]:
    """``--set KEY=VALUE`` options as (dotted key, value) pairs."""
    out = []
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            fail([Problem("--set", item, "expected KEY=VALUE, like site.hnt.go_live=2023-03-04")])
        out.append((key.strip(), parse_value(value.strip())))
    return out


def default_out(spec: ExperimentSpec, kind: str = "") -> Path:
    """results/<experiment>/<kind-><date-time>: where a run writes unless told."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path("results") / record.safe_name(spec.name) / (f"{kind}-{stamp}" if kind else stamp)


def create_folder(out: Path, force: bool) -> RunFolder:
    """A new results folder, or exit with the reason it cannot be made."""
    try:
        return RunFolder.create(out, force=force)
    except ResultsExistError as err:
        fail([Problem("--out", "", str(err))])
        raise  # unreachable: fail exits


def run_fresh(spec: ExperimentSpec, options: RunOptions, out: Path, force: bool, overrides: list[tuple[str, Any]],
              no_plots: bool = False, quiet: bool = False, echo: bool = True) -> dict[str, Any]:
    """Run ``spec`` into a new folder ``out``; return its summary. ``echo=False`` prints
    no per-scenario tables (a study prints its own)."""
    folder = create_folder(out, force)
    return execute(folder, spec, options, overrides, manifest.now(), no_plots, quiet, echo, resumed=False)


def execute(folder: RunFolder, spec: ExperimentSpec, options: RunOptions, overrides: list[tuple[str, Any]],
            started: str, no_plots: bool, quiet: bool, echo: bool, resumed: bool) -> dict[str, Any]:
    """Run (or resume) into ``folder`` under its lock; return the summary."""
    try:
        folder.lock()  # before anything is read or rewritten: another run may still hold it
    except ResultsExistError as err:
        folder.discard()
        fail([Problem("--resume" if resumed else "--out", "", str(err))])
    # A scheduler or a shell that stops the run with SIGTERM gets the same clean stop as Ctrl-C.
    previous = signal.signal(signal.SIGTERM, _interrupt) if threading.current_thread() is threading.main_thread() else None
    try:
        if resumed:
            try:
                recorded = integrity.read_manifest(folder.path)
                integrity.check_inputs(folder.path, recorded)
            except integrity.DamagedError as err:
                fail([Problem("--resume", "", f"cannot resume: {err}")])
            inputs = (recorded["config_hash"], recorded["inputs"])
        else:
            inputs = record.save_inputs(folder, spec)
        bar = None if quiet else _bar()
        runner = Runner(spec, folder, options, bar)
        if resumed:
            try:
                runner.restore()
            except (OSError, ValueError) as err:
                fail([Problem(str(folder.path), "", f"cannot resume: {err}")])
        return _run(runner, folder, spec, options, overrides, inputs, started, no_plots, bar, fresh=not resumed,
                    echo=echo)
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
         overrides: list[tuple[str, Any]], inputs: tuple[str, dict[str, str]], started: str, no_plots: bool, bar,
         fresh: bool, echo: bool) -> dict[str, Any]:
    """Run, write the results and say what was found (or why it stopped)."""

    def note(status: str, error: str | None = None, files: dict[str, str] | None = None) -> None:
        record.write_manifest(folder, spec, options, overrides, inputs, runner.progress, status, started,
                              runner.workers, error, files)

    def stopped(status: str, message: str, code: int, error: str | None = None) -> None:
        # Say why first: recording it may itself fail (a full disk), and the folder stays
        # resumable either way (the manifest never says complete before it is).
        click.echo(message, err=True)
        try:
            note(status, error)
        except OSError:
            pass
        sys.exit(code)

    note("running")
    folder.commit()  # the new folder takes its name (replacing the old one under --force) only now
    resume = f"rollout-sim run --resume {folder.path}"
    try:
        progress = runner.run()
        if bar is not None:
            bar.close()
        summary = _finish(folder, spec, options, runner)
    except ReplicationError as err:
        stopped("failed", f"\nerror: {err}\n(finished replications are kept in {folder.path})", 1, str(err))
    except KeyboardInterrupt:
        if bar is not None:
            bar.close()
        stopped("interrupted", f"\ninterrupted; continue with: {resume}", 130)
    except RuntimeError as err:  # an executor that cannot start (e.g. Dask not installed)
        if fresh and runner.progress.rows == 0:
            click.echo(f"\nerror: {err}", err=True)
            folder.unlock()
            shutil.rmtree(folder.path)  # nothing ran: leave no folder behind
            sys.exit(1)
        stopped("failed", f"\nerror: {err}", 1, str(err))
    except MemoryError:
        stopped("failed", "\nerror: out of memory; the finished replications are kept: continue with fewer "
                          f"workers: {resume} --workers 1", 1, "out of memory")
    except OSError as err:  # a full disk, a folder removed under the run
        reason = f"cannot write {err.filename or folder.path}: {err.strerror or err}"
        stopped("failed", f"\nerror: {reason}; the finished replications are kept: fix that, then continue "
                          f"with: {resume}", 1, reason)
    note("complete", files=integrity.result_checksums(folder.path))
    folder.clean_up()
    if echo:
        print_summary(summary)
    if not no_plots:
        _draw(folder.path)
    if echo:
        click.echo(f"\n{progress.stop_reason}: {summary['replications']} replications per scenario.")
        click.echo(f"results: {folder.path}")
    return summary


def _bar():
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    state: dict[str, tqdm] = {}

    def update(done: int, total: int) -> None:
        bar = state.get("bar")
        if bar is None:
            # delay: no bar at all for a run that is over in a moment.
            bar = state["bar"] = tqdm(total=total, unit="rep", file=sys.stderr, dynamic_ncols=True, delay=1.0)
        bar.total = total
        bar.n = done
        bar.refresh()

    update.close = lambda: state["bar"].close() if "bar" in state else None  # type: ignore[attr-defined]
    return update


def _finish(folder: RunFolder, spec: ExperimentSpec, options: RunOptions, runner: Runner) -> dict[str, Any]:
    """Write replications.csv (in order), summary.json and curves.npz."""
    n = min(runner.progress.count(i) for i in range(len(spec.scenarios)))
    order = {(s.name, rep): i * (n + 1) + rep for i, s in enumerate(spec.scenarios) for rep in range(n)}
    folder.finish(order)
    columns = columns_from_csv(folder.path / "replications.csv")
    experiment = {"experiment": spec.name, "description": spec.description, "model": spec.scenarios[0].model.name,
                  "seed": options.seed, "replications": n}
    summary = summarise(experiment, {s.name: (s.model, columns[s.name]) for s in spec.scenarios})
    folder.write("", "summary.json", json_text(summary))
    if options.curves:
        folder.save_curves([s.name for s in spec.scenarios], runner.curves)
        folder.save_bottlenecks([s.name for s in spec.scenarios], runner.weekly)
    return summary


def print_summary(summary: dict[str, Any]) -> None:
    for name, scenario in summary["scenarios"].items():
        click.echo(f"\nscenario {name}: {summary['replications']} replications, seed {summary['seed']}")
        click.echo(table(scenario))
        click.echo("")
        for site in scenario["sites"].values():
            click.echo(verdict(site))
            if "vs_reference" in site:
                d = site["vs_reference"]
                low, high = d["risk_difference_ci95"]
                click.echo(f"  against the first scenario: risk {d['risk_difference']:+.1%} (95% CI {low:+.1%} to {high:+.1%})"
                           if low is not None else f"  against the first scenario: risk {d['risk_difference']:+.1%}")


def _draw(path: Path) -> None:
    """Write the figures, then the report that embeds them."""
    from sim.output.run_figures import write_figures
    from sim.output.report import write_report

    figures = write_figures(path)
    report = write_report(path)
    click.echo(f"figures: {len([f for f in figures if f.suffix == '.png'])} in {path / 'figures'}; report: {report}")


