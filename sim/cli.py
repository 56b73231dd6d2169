"""The ``rollout-sim`` command line: validate and run experiment files."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from sim import __version__, manifest, record
from sim.cli_studies import register as register_studies
from sim.errors import ConfigError, Problem
from sim.executors import EXECUTORS
from sim.experiment_file import is_experiment, load_experiment
from sim.launch import create_folder, default_out, execute, fail, parse_sets
from sim.model_file import build_model, load_toml
from sim.paths import experiment_path
from sim.results import RunFolder
from sim.runner import RunOptions


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=__version__, prog_name="rollout-sim")  # works uninstalled too
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
        fail(problems)


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
            fail([Problem("--resume", "", "continues a run as it was started; --precision, --max-replications "
                                           "and --force cannot change it")])
        folder, spec, options, overrides, started = _resumed(resume, experiment, sets, replications, seed, out)
        options = replace(options, executor=executor, workers=workers, scheduler=scheduler, chunk_size=chunk_size)
    else:
        overrides = parse_sets(sets)
        path = experiment_path(experiment)
        try:
            raw = load_toml(path)
            if "model" in raw and not is_experiment(raw):
                fail([Problem(str(path), "", "this is a model file; run takes an experiment file "
                                              "(an [experiment] table naming this model)")])
            spec = load_experiment(path, overrides)
        except ConfigError as err:
            fail(err.problems)
        options = RunOptions(replications or spec.replications, spec.seed if seed is None else seed, executor,
                             workers, scheduler, chunk_size, precision, max_replications if precision else None)
        out = out or default_out(spec)
        folder = create_folder(out, force)
        started = manifest.now()
    execute(folder, spec, options, overrides, started, no_plots, quiet, echo=True, resumed=resume is not None)


def _resumed(path: Path, experiment: Path | None, sets: tuple[str, ...], replications: int | None,
             seed: int | None, out: Path | None):
    """The folder, experiment and options of a run to continue."""
    if experiment is not None or sets or seed is not None or out is not None:
        fail([Problem("--resume", "", "continues a run as it was started; EXPERIMENT, --set, --seed and --out cannot change it")])
    folder = RunFolder(path)
    try:
        m = record.read_manifest(folder)
    except (OSError, ValueError):
        fail([Problem(str(path), "manifest.json", "not a results folder of rollout-sim (no readable manifest.json)")])
    if m.get("status") == "complete":
        fail([Problem(str(path), "", "this run is complete; nothing to resume")])
    try:
        spec = load_experiment(path / record.CONFIG / "experiment.toml")
    except ConfigError as err:
        fail(err.problems)
    options = RunOptions(max(replications or 0, m["replications_asked"]), m["seed"], precision=m["precision"],
                         max_replications=m["max_replications"], curves=m.get("curves", True))
    return folder, spec, options, [tuple(kv) for kv in m["overrides"]], m["started"]


def _results_dir(path: Path) -> Path:
    if not (path / "summary.json").is_file():
        fail([Problem(str(path), "", "not a complete results folder (no summary.json); run rollout-sim run first")])
    return path


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
        spec = load_experiment(experiment_path(experiment), parse_sets(sets))
    except ConfigError as err:
        fail(err.problems)
    try:
        csv_path, ics_path = write_trace(spec, scenario, replication, seed, out)
    except ValueError as err:
        fail([Problem("--scenario" if scenario else "--replication", "", str(err))])
    click.echo(f"timetable: {csv_path} and {ics_path}")


register_studies(cli)


def main() -> None:
    """Entry point of the console script."""
    cli(prog_name="rollout-sim")
