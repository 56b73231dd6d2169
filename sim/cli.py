"""The ``rollout-sim`` command line: validate and run experiment files."""
from __future__ import annotations

import datetime as dt
import shutil
import signal
import sys
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from sim import manifest, record
from sim.errors import ConfigError, Problem
from sim.experiment_file import is_experiment, load_experiment
from sim.model_file import build_model, load_toml
from sim.overrides import parse_value
from sim.paths import default_experiment
from sim.executors import EXECUTORS, ReplicationError
from sim.results import ResultsExistError, RunFolder, json_text
from sim.runner import Runner, RunOptions
from sim.spec import ExperimentSpec
from sim.summary import columns_from_csv, summarise
from sim.tables import table, verdict


def _fail(problems: list[Problem]) -> None:
    for p in problems:
        click.echo(f"error: {p}", err=True)
    sys.exit(1)


def _parse_sets(values: tuple[str, ...]) -> list[tuple[str, Any]]:
    out = []
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            _fail([Problem("--set", item, "expected KEY=VALUE, like site.hnt.go_live=2023-03-04")])
        out.append((key.strip(), parse_value(value.strip())))
    return out


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="rollout-sim")
def cli() -> None:
    """Will staff be trained before go-live? Simulate an EHR training rollout.

    Model files describe the world (sites, staff, instructors, rooms, calendars);
    experiment files say what to run. See README.md for both formats.
    """


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(files: tuple[Path, ...]) -> None:
    """Check model and experiment FILES; print every problem on its own line."""
    problems: list[Problem] = []
    for path in files:
        try:
            raw = load_toml(path)
            if is_experiment(raw):
                spec = load_experiment(path)
                click.echo(f"ok: {path} (experiment {spec.name!r}: {len(spec.scenarios)} scenario(s), "
                           f"model {spec.model_file.name})")
            elif "model" in raw:
                model = build_model(raw, path)
                click.echo(f"ok: {path} (model {model.name!r}: {len(model.sites)} sites, "
                           f"{sum(g.headcount for g in model.groups):,} staff)")
            else:
                problems.append(Problem(str(path), "", "neither a model file ([model] table) nor an experiment file ([experiment] table)"))
        except ConfigError as err:
            problems.extend(err.problems)
    if problems:
        _fail(problems)


@cli.command()
@click.argument("experiment", required=False, type=click.Path(path_type=Path))
@click.option("-n", "--replications", type=click.IntRange(min=1), help="Replications per scenario (default: the experiment file's; with --precision, the first round).")
@click.option("--seed", type=click.IntRange(min=0), help="Seed of the whole experiment (default: the experiment file's).")
@click.option("--out", "out", type=click.Path(path_type=Path), help="Results folder (default: results/<experiment>/<date-time>).")
@click.option("--force", is_flag=True, help="Replace the results folder if it exists.")
@click.option("--resume", "resume", type=click.Path(path_type=Path, file_okay=False), help="Continue an interrupted run in this results folder.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Override a model or experiment value by its dotted key; repeatable.")
@click.option("--executor", type=click.Choice(EXECUTORS), default="process", show_default=True, help="Where replications run.")
@click.option("--workers", type=click.IntRange(min=1), help="Worker processes (default: this machine's cores).")
@click.option("--scheduler", metavar="tcp://HOST:PORT", help="Dask scheduler to use (with --executor dask; default: a local cluster).")
@click.option("--chunk-size", type=click.IntRange(min=1), help="Replications per task sent to a worker (default: automatic).")
@click.option("--precision", type=click.FloatRange(min=0, min_open=True, max=0.5), help="Run in doubling rounds until every site's risk 95% CI half-width is at most this.")
@click.option("--max-replications", type=click.IntRange(min=1), default=20_000, show_default=True, help="With --precision: stop here at the latest.")
@click.option("--no-plots", is_flag=True, help="Write no figures and no report (rollout-sim plot/report can add them later).")
@click.option("-q", "--quiet", is_flag=True, help="Print no progress.")
def run(experiment: Path | None, replications: int | None, seed: int | None, out: Path | None, force: bool,
        resume: Path | None, sets: tuple[str, ...], executor: str, workers: int | None, scheduler: str | None,
        chunk_size: int | None, precision: float | None, max_replications: int, no_plots: bool, quiet: bool) -> None:
    """Run EXPERIMENT (default: the shipped baseline) and write a results folder."""
    if resume is not None:
        if precision is not None or force or click.get_current_context().get_parameter_source(
                "max_replications") != click.core.ParameterSource.DEFAULT:
            _fail([Problem("--resume", "", "continues a run as it was started; --precision, --max-replications "
                                           "and --force cannot change it")])
        folder, spec, options, overrides, started = _resumed(resume, experiment, sets, replications, seed, out)
        options = replace(options, executor=executor, workers=workers, scheduler=scheduler, chunk_size=chunk_size)
    else:
        overrides = _parse_sets(sets)
        path = experiment or default_experiment()
        try:
            raw = load_toml(path)
            if "model" in raw and not is_experiment(raw):
                _fail([Problem(str(path), "", "this is a model file; run takes an experiment file "
                                              "(an [experiment] table naming this model)")])
            spec = load_experiment(path, overrides)
        except ConfigError as err:
            _fail(err.problems)
        options = RunOptions(replications or spec.replications, spec.seed if seed is None else seed, executor,
                             workers, scheduler, chunk_size, precision, max_replications if precision else None)
        out = out or Path("results") / record.safe_name(spec.name) / dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        try:
            folder = RunFolder.create(out, force=force)
        except ResultsExistError as err:
            _fail([Problem("--out", "", str(err))])
        started = manifest.now()
    try:
        folder.lock()  # before anything is read or rewritten: another run may still hold it
    except ResultsExistError as err:
        _fail([Problem("--resume", "", str(err))])
    # A scheduler or a shell that stops the run with SIGTERM gets the same clean stop as Ctrl-C.
    previous = signal.signal(signal.SIGTERM, _interrupt) if threading.current_thread() is threading.main_thread() else None
    try:
        config_hash = record.save_inputs(folder, spec) if resume is None else _hash_of(folder)
        bar = None if quiet else _bar()
        runner = Runner(spec, folder, options, bar)
        if resume is not None:
            try:
                runner.restore()
            except (OSError, ValueError) as err:
                _fail([Problem(str(folder.path), "", f"cannot resume: {err}")])
        _run(runner, folder, spec, options, overrides, config_hash, started, no_plots, bar, fresh=resume is None)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        folder.unlock()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _run(runner: Runner, folder: RunFolder, spec: ExperimentSpec, options: RunOptions,
         overrides: list[tuple[str, Any]], config_hash: str, started: str, no_plots: bool, bar, fresh: bool) -> None:
    """Run, write the results and say what was found (or why it stopped)."""

    def note(status: str, error: str | None = None) -> None:
        record.write_manifest(folder, spec, options, overrides, config_hash, runner.progress, status, started,
                              runner.workers, error)

    note("running")
    try:
        progress = runner.run()
    except ReplicationError as err:
        note("failed", str(err))
        click.echo(f"\nerror: {err}\n(finished replications are kept in {folder.path})", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        if bar is not None:
            bar.close()
        note("interrupted")
        click.echo(f"\ninterrupted; continue with: rollout-sim run --resume {folder.path}", err=True)
        sys.exit(130)
    except RuntimeError as err:  # an executor that cannot start (e.g. Dask not installed)
        note("failed", str(err))
        click.echo(f"\nerror: {err}", err=True)
        if fresh and runner.progress.rows == 0:
            folder.unlock()
            shutil.rmtree(folder.path)  # nothing ran: leave no folder behind
        sys.exit(1)
    if bar is not None:
        bar.close()
    try:
        summary = _finish(folder, spec, options, runner)
    except KeyboardInterrupt:
        note("interrupted")
        click.echo(f"\ninterrupted; continue with: rollout-sim run --resume {folder.path}", err=True)
        sys.exit(130)
    note("complete")
    folder.clean_up()
    _print(summary)
    if not no_plots:
        _draw(folder.path)
    click.echo(f"\n{progress.stop_reason}: {summary['replications']} replications per scenario.")
    click.echo(f"results: {folder.path}")


def _resumed(path: Path, experiment: Path | None, sets: tuple[str, ...], replications: int | None,
             seed: int | None, out: Path | None):
    """The folder, experiment and options of a run to continue."""
    if experiment is not None or sets or seed is not None or out is not None:
        _fail([Problem("--resume", "", "continues a run as it was started; EXPERIMENT, --set, --seed and --out cannot change it")])
    folder = RunFolder(path)
    try:
        m = record.read_manifest(folder)
    except (OSError, ValueError):
        _fail([Problem(str(path), "manifest.json", "not a results folder of rollout-sim (no readable manifest.json)")])
    if m.get("status") == "complete":
        _fail([Problem(str(path), "", "this run is complete; nothing to resume")])
    try:
        spec = load_experiment(path / record.CONFIG / "experiment.toml")
    except ConfigError as err:
        _fail(err.problems)
    options = RunOptions(max(replications or 0, m["replications_asked"]), m["seed"], precision=m["precision"],
                         max_replications=m["max_replications"])
    return folder, spec, options, [tuple(kv) for kv in m["overrides"]], m["started"]


def _hash_of(folder: RunFolder) -> str:
    return record.read_manifest(folder)["config_hash"]


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
    folder.save_curves([s.name for s in spec.scenarios], runner.curves)
    folder.save_bottlenecks([s.name for s in spec.scenarios], runner.weekly)
    return summary


def _print(summary: dict[str, Any]) -> None:
    for name, scenario in summary["scenarios"].items():
        click.echo(f"\nscenario {name}: {summary['replications']} replications, seed {summary['seed']}")
        click.echo(table(scenario))
        click.echo("")
        for site in scenario["sites"].values():
            click.echo(verdict(site, scenario["readiness_threshold"]))
            if "vs_reference" in site:
                d = site["vs_reference"]
                low, high = d["risk_difference_ci95"]
                click.echo(f"  against the first scenario: risk {d['risk_difference']:+.1%} (95% CI {low:+.1%} to {high:+.1%})"
                           if low is not None else f"  against the first scenario: risk {d['risk_difference']:+.1%}")


def _results_dir(path: Path) -> Path:
    if not (path / "summary.json").is_file():
        _fail([Problem(str(path), "", "not a complete results folder (no summary.json); run rollout-sim run first")])
    return path


def _draw(path: Path) -> None:
    """Write the figures, then the report that embeds them."""
    from sim.plots import write_figures
    from sim.report import write_report

    figures = write_figures(path)
    report = write_report(path)
    click.echo(f"figures: {len([f for f in figures if f.suffix == '.png'])} in {path / 'figures'}; report: {report}")


@cli.command()
@click.argument("results", type=click.Path(path_type=Path, file_okay=False, exists=True))
def plot(results: Path) -> None:
    """Draw the figures of a RESULTS folder into RESULTS/figures (PNG and SVG)."""
    from sim.plots import write_figures

    figures = write_figures(_results_dir(results))
    click.echo(f"figures: {len([f for f in figures if f.suffix == '.png'])} in {results / 'figures'}")


@cli.command()
@click.argument("results", type=click.Path(path_type=Path, file_okay=False, exists=True))
def report(results: Path) -> None:
    """Write RESULTS/report.html: one self-contained file with the verdicts, tables and figures."""
    from sim.plots import write_figures
    from sim.report import write_report

    path = _results_dir(results)
    if not (path / "figures").is_dir():
        write_figures(path)
    click.echo(f"report: {write_report(path)}")


@cli.command()
@click.argument("experiment", required=False, type=click.Path(path_type=Path))
@click.option("--replication", type=click.IntRange(min=0), default=0, show_default=True, help="Which replication to trace.")
@click.option("--scenario", help="Which scenario (default: the first).")
@click.option("--seed", type=click.IntRange(min=0), help="Seed (default: the experiment file's).")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Override a value by its dotted key; repeatable.")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("trace"), show_default=True,
              help="Folder for sessions.csv and sessions.ics.")
def trace(experiment: Path | None, replication: int, scenario: str | None, seed: int | None,
          sets: tuple[str, ...], out: Path) -> None:
    """Write one replication's class timetable as sessions.csv and a calendar (.ics)."""
    from sim.trace import write_trace

    try:
        spec = load_experiment(experiment or default_experiment(), _parse_sets(sets))
    except ConfigError as err:
        _fail(err.problems)
    try:
        csv_path, ics_path = write_trace(spec, scenario, replication, seed, out)
    except ValueError as err:
        _fail([Problem("--scenario" if scenario else "--replication", "", str(err))])
    click.echo(f"timetable: {csv_path} and {ics_path}")


def main() -> None:
    """Entry point of the console script."""
    cli(prog_name="rollout-sim")
