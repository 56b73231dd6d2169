"""The ``rollout-sim`` command line: validate and run experiment files."""
from __future__ import annotations

import errno
from dataclasses import replace
from pathlib import Path

import click

from sim import __version__, limits
from sim.cli.calibrate import calibrate
from sim.cli.capacity import capacity
from sim.cli.export import export
from sim.cli.listing import list_shipped
from sim.cli.options import CHUNK_SIZE, PRECISION, REPLICATIONS, SEED, WORKERS, examples, svg_option
from sim.cli.studies import compare, sensitivity, sweep
from sim.cli.talk import drawing, fail, spoken
from sim.cli.targets import targets
from sim.errors import ConfigError, Problem
from sim.model.catalogue import experiment_file
from sim.model.experiment_file import is_experiment, load_experiment
from sim.model.model_file import build_model, load_toml
from sim.output.console import parameter_sets_text, run_text
from sim.runs import integrity, manifest
from sim.runs.executors import EXECUTORS, executor_problems
from sim.runs.launch import create_folder, default_out, execute, parse_sets, resumable
from sim.runs.runner import RunOptions


class Guarded(click.Group):
    """A group whose commands end in one line, not a traceback, when the machine fails
    them: a full disk, a folder that cannot be written, a file that vanished. A bug in
    rollout-sim itself is not caught here: its traceback is what a report of it needs."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except OSError as err:
            if err.errno == errno.EPIPE:
                raise  # output piped into `head`: click ends quietly
            where = f"{err.filename}: " if err.filename else ""
            fail([Problem("", "", f"{where}{err.strerror or err}")])
        except MemoryError:
            fail([Problem("", "", "out of memory; try fewer replications (-n) or workers (--workers)")])


@click.group(cls=Guarded, context_settings={"help_option_names": ["-h", "--help"]}, epilog=examples(
    "rollout-sim list                               # what is shipped",
    "rollout-sim run                                # the baseline",
    "rollout-sim sweep delay-sensitivity",
    "rollout-sim run --help                         # a command's options",
))
@click.version_option(version=__version__, prog_name="rollout-sim")  # works uninstalled too
def cli() -> None:
    """Will staff be trained before go-live? Simulate an EHR training rollout.

    Model files describe the world (sites, staff, instructors, rooms, calendars);
    experiment files say what to run. See docs/model-file.md and
    docs/experiment-file.md for both formats.
    """


@cli.command(epilog=examples(
    "rollout-sim validate models/midt-norge.toml experiments/baseline.toml",
    "rollout-sim validate my-model.toml my-experiment.toml   # your own files",
))
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


@cli.command(epilog=examples(
    "rollout-sim run                                # the baseline, shipped",
    "rollout-sim run st-olavs-may-2022 -n 500 --seed 1 --out results/may",
    "rollout-sim run --set site.hnt.go_live=+4w --no-plots   # 4 weeks later",
    "rollout-sim run --precision 0.01 --workers 2   # until +-1 point",
    "rollout-sim run --resume results/may           # after Ctrl-C",
))
@click.argument("experiment", required=False, type=click.Path(path_type=Path))
@click.option("-n", "--replications", type=REPLICATIONS, help="Replications per scenario (default: the experiment file's; with --precision, the first round).")
@click.option("--seed", type=SEED, help="Seed of the whole experiment (default: the experiment file's).")
@click.option("--out", "out", type=click.Path(path_type=Path), help="Results folder (default: results/<experiment>/<date-time>).")
@click.option("--force", is_flag=True, help="Replace the results folder if it exists.")
@click.option("--resume", "resume", type=click.Path(path_type=Path, file_okay=False), help="Continue an interrupted run in this results folder.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Override a model or experiment value by its dotted key (a date may be a shift like +4w or -10d); repeatable.")
@click.option("--parameters", type=click.Path(path_type=Path), metavar="FOLDER_OR_CSV",
              help="Draw each replication's inputs from a calibration's weighted parameter sets (its folder or parameters.csv).")
@click.option("--executor", type=click.Choice(EXECUTORS), default="process", show_default=True, help="Where replications run.")
@click.option("--workers", type=WORKERS, help="Worker processes (default: this machine's cores).")
@click.option("--scheduler", metavar="tcp://HOST:PORT", help="Dask scheduler to use (with --executor dask; default: a local cluster).")
@click.option("--chunk-size", type=CHUNK_SIZE, help="Replications per task sent to a worker (default: automatic).")
@click.option("--precision", type=PRECISION, help="Run in doubling rounds until every site's risk 95% CI half-width is at most this.")
@click.option("--max-replications", type=REPLICATIONS, default=20_000, show_default=True, help="With --precision: stop here at the latest.")
@click.option("--no-plots", is_flag=True, help="Write no figures and no report (rollout-sim plot/report can add them later).")
@svg_option
@click.option("-q", "--quiet", is_flag=True, help="Print no progress.")
def run(experiment: Path | None, replications: int | None, seed: int | None, out: Path | None, force: bool,
        resume: Path | None, sets: tuple[str, ...], parameters: Path | None, executor: str, workers: int | None,
        scheduler: str | None,
        chunk_size: int | None, precision: float | None, max_replications: int, no_plots: bool, svg: bool,
        quiet: bool) -> None:
    """Run EXPERIMENT (default: the shipped baseline) and write a results folder."""
    problems = executor_problems(executor, scheduler)
    given = click.get_current_context().get_parameter_source("max_replications") != click.core.ParameterSource.DEFAULT
    if given and precision is None and resume is None:
        problems.append(Problem("--max-replications", "", "only used with --precision (a run without it does "
                                                           "exactly -n replications)"))
    if problems:
        fail(problems)
    if resume is not None:
        if precision is not None or force or given:
            fail([Problem("--resume", "", "continues a run as it was started; --precision, --max-replications "
                                           "and --force cannot change it")])
        if experiment is not None or sets or seed is not None or out is not None or parameters is not None:
            fail([Problem("--resume", "", "continues a run as it was started; EXPERIMENT, --set, --parameters, "
                                           "--seed and --out cannot change it")])
        with spoken():
            resumption = resumable(resume, replications)
        folder, spec, overrides, started = (resumption.folder, resumption.spec, resumption.overrides,
                                            resumption.started)
        options = replace(resumption.options, executor=executor, workers=workers, scheduler=scheduler,
                          chunk_size=chunk_size)
    else:
        with spoken():
            path = experiment_file(experiment)
            overrides = parse_sets(sets)
            if parameters is not None:  # as the experiment's own key, so that the folder records it
                overrides.append(("experiment.parameters", str(parameters.resolve())))
            raw = load_toml(path)
            if "model" in raw and not is_experiment(raw):
                fail([Problem(str(path), "", "this is a model file; run takes an experiment file "
                                              "(an [experiment] table naming this model)")])
            spec = load_experiment(path, overrides)
            options = RunOptions(replications or spec.replications, spec.seed if seed is None else seed, executor,
                                 workers, scheduler, chunk_size, precision, max_replications if precision else None)
            folder = create_folder(out or default_out(spec), force)
        started = manifest.now()
    with spoken(quiet) as talk:
        finished = execute(folder, spec, options, overrides, started, resumed=resume is not None,
                           on_progress=talk.bar)
    click.echo(run_text(finished.summary))
    if spec.parameter_sets is not None:
        click.echo(parameter_sets_text(spec.parameter_sets))
    if not no_plots:
        _draw(folder.path, svg, quiet)
    gap = "\n" if no_plots else ""  # a blank line after the sentences: before the figures' line, else here
    click.echo(f"{gap}{finished.stop_reason}: {finished.summary['replications']} replications per scenario.")
    click.echo(f"results: {folder.path}")


def _draw(path: Path, svg: bool, quiet: bool = False) -> None:
    """Write the figures (with ``svg``, as SVG too), then the report that embeds them;
    unless ``quiet``, with a progress bar of the figures."""
    from sim.output.report import write_report
    from sim.output.run_figures import write_figures

    with drawing(quiet) as talk:
        figures = write_figures(path, svg=svg, progress=talk.bar)
    report = write_report(path)
    click.echo(f"\nfigures: {len([f for f in figures if f.suffix == '.png'])} in {path / 'figures'}; report: {report}")


def _results_dir(path: Path) -> Path:
    """A complete, undamaged results folder that figures can be drawn into, or exit."""
    with spoken():
        checked = integrity.drawable(path)
    return checked


@cli.command(epilog=examples(
    "rollout-sim plot results/may",
    "rollout-sim plot results/may --svg             # SVG too, for slides",
))
@click.argument("results", type=click.Path(path_type=Path, file_okay=False, exists=True))
@svg_option
def plot(results: Path, svg: bool) -> None:
    """Draw the figures of a RESULTS folder into RESULTS/figures (PNG; with --svg, SVG too)."""
    from sim.output.run_figures import write_figures

    path = _results_dir(results)
    with drawing() as talk:
        figures = write_figures(path, svg=svg, progress=talk.bar)
    click.echo(f"figures: {len([f for f in figures if f.suffix == '.png'])} in {results / 'figures'}")


@cli.command(epilog=examples(
    "rollout-sim report results/may                 # a run's folder",
    "rollout-sim report results/hnt-capacity/sweep  # a study's or calibration's",
))
@click.argument("results", type=click.Path(path_type=Path, file_okay=False, exists=True))
def report(results: Path) -> None:
    """Write RESULTS/report.html: one self-contained file with the verdicts, tables and figures.

    RESULTS may be a run's folder, or a sweep's, a sensitivity study's, a capacity
    search's or a calibration's: the report is the one of its kind. A comparison's
    folder (compare --out) gets its compare.html again.
    """
    from sim.output.folder_report import UnknownFolder, folder_kind, write_folder_report
    from sim.output.run_figures import write_figures

    try:
        kind = folder_kind(results)
    except UnknownFolder as err:
        fail([Problem(str(results), "", str(err).removeprefix(f"{results}: "))])
    if kind in ("run", "sweep", "sensitivity"):
        path = _results_dir(results)  # a run's folder underneath: whole before it is read
        if kind == "run" and not (path / "figures").is_dir():
            with drawing() as talk:
                write_figures(path, progress=talk.bar)
    click.echo(f"report ({kind}): {write_folder_report(results)}")


@cli.command(epilog=examples(
    "rollout-sim trace --replication 3 --out trace",
    "rollout-sim trace baseline --scenario as-happened --out trace-hnt --force",
))
@click.argument("experiment", required=False, type=click.Path(path_type=Path))
@click.option("--replication", type=click.IntRange(0, limits.MAX_REPLICATIONS - 1), default=0, show_default=True, help="Which replication to trace.")
@click.option("--scenario", help="Which scenario (default: the first).")
@click.option("--seed", type=SEED, help="Seed (default: the experiment file's).")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Override a value by its dotted key; repeatable.")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("trace"), show_default=True,
              help="Folder for sessions.csv and sessions.ics.")
@click.option("--force", is_flag=True, help="Replace sessions.csv and sessions.ics if the folder has them.")
def trace(experiment: Path | None, replication: int, scenario: str | None, seed: int | None,
          sets: tuple[str, ...], out: Path, force: bool) -> None:
    """Write one replication's class timetable as sessions.csv and a calendar (.ics)."""
    from sim.output.trace import check_out, write_trace

    with spoken():
        check_out(out, force)
        spec = load_experiment(experiment_file(experiment), parse_sets(sets))
    try:
        csv_path, ics_path = write_trace(spec, scenario, replication, seed, out)
    except ValueError as err:
        fail([Problem("--scenario" if scenario else "--replication", "", str(err))])
    click.echo(f"timetable: {csv_path} and {ics_path}")


for command in (sweep, sensitivity, compare, capacity, targets, calibrate, export, list_shipped):
    cli.add_command(command)


def main() -> None:
    """Entry point of the console script."""
    cli(prog_name="rollout-sim")
