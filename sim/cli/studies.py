"""The study commands of ``rollout-sim``: sweep, sensitivity and compare, and what they
share with ``capacity`` (:mod:`sim.cli.capacity`).

Each builds design points (:mod:`sim.model.design`), runs them as the scenarios of one
experiment on the same seeds, and writes its own table and figures into the results
folder beside the usual replications.csv and summary.json.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from sim.cli.options import REPLICATIONS, SEED, WORKERS, executor_problems
from sim.model.design import base_scenario, with_points
from sim.errors import ConfigError, Problem
from sim.runs.executors import EXECUTORS
from sim.model.experiment_file import load_experiment
from sim.runs.launch import default_out, fail, parse_sets, run_fresh
from sim.model.overrides import parse_value
from sim.paths import experiment_path
from sim.runs.folder import dict_csv_text, json_text, write_atomic
from sim.runs.runner import RunOptions
from sim.studies.sensitivity import METHODS as sa_methods
from sim.model.spec import ExperimentSpec
from sim.analysis.summary import columns_from_csv
from sim.studies.sweep import SWEEP_FILE, grid, joint_rows, sweep_rows
from sim.output.console import percent


def study_options(f: Callable) -> Callable:
    """The options every study shares: what to run on, and where."""
    for option in reversed([
        click.argument("experiment", required=False, type=click.Path(path_type=Path)),
        click.option("-n", "--replications", type=REPLICATIONS, help="Replications per point (default: the study table's, else the experiment's)."),
        click.option("--seed", type=SEED, help="Seed (default: the experiment file's); every point uses the same replication seeds."),
        click.option("--scenario", help="The experiment's scenario to build on (default: the study table's, else the first)."),
        click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Override a model value by its dotted key for every point; repeatable."),
        click.option("--out", type=click.Path(path_type=Path), help="Results folder (default: results/<experiment>/<study>-<date-time>)."),
        click.option("--force", is_flag=True, help="Replace the results folder if it exists."),
        click.option("--executor", type=click.Choice(EXECUTORS), default="process", show_default=True, help="Where replications run."),
        click.option("--workers", type=WORKERS, help="Worker processes (default: this machine's cores)."),
        click.option("--scheduler", metavar="tcp://HOST:PORT", help="Dask scheduler (with --executor dask)."),
        click.option("-q", "--quiet", is_flag=True, help="Print no progress."),
    ]):
        f = option(f)
    return f


class Study:
    """What a study command was asked: the experiment, its options and how to run."""

    def __init__(self, kind: str, experiment: Path | None, replications: int | None, seed: int | None,
                 scenario: str | None, sets: tuple[str, ...], out: Path | None, force: bool, executor: str,
                 workers: int | None, scheduler: str | None, quiet: bool) -> None:
        self.kind = kind
        if problems := executor_problems(executor, scheduler):
            fail(problems)
        self.overrides = parse_sets(sets)
        try:
            self.spec = load_experiment(experiment_path(experiment), self.overrides)
        except ConfigError as err:
            fail(err.problems)
        self.replications, self.seed, self.scenario = replications, seed, scenario
        self.out, self.force, self.quiet = out, force, quiet
        self.executor, self.workers, self.scheduler = executor, workers, scheduler

    def base(self, table_scenario: str | None = None):
        """The scenario the points build on."""
        try:
            return base_scenario(self.spec, self.scenario or table_scenario)
        except ConfigError as err:
            fail(err.problems)

    def options(self, table_replications: int | None = None) -> RunOptions:
        """Run options: every point on the same seeds, no S-curve histograms."""
        n = self.replications or table_replications or self.spec.replications
        return RunOptions(n, self.spec.seed if self.seed is None else self.seed, self.executor, self.workers,
                          self.scheduler, curves=False)

    def run(self, points, table_scenario: str | None, table_replications: int | None, where: str,
            out: Path | None = None) -> tuple[ExperimentSpec, dict[str, Any], Path]:
        """Run ``points`` as scenarios into a new results folder; its spec, summary and path."""
        try:
            spec = with_points(self.spec, self.base(table_scenario), points, where)
        except ConfigError as err:
            fail(err.problems)
        path = out or self.out or default_out(self.spec, self.kind)
        summary = run_fresh(spec, self.options(table_replications), path, self.force, self.overrides,
                            no_plots=True, quiet=self.quiet, echo=False)
        return spec, summary, path


def study_command(kind: str):
    """Decorate a command body ``f(study, **rest)`` with the shared options."""
    def wrap(f: Callable) -> Callable:
        @functools.wraps(f)
        def inner(experiment, replications, seed, scenario, sets, out, force, executor, workers, scheduler, quiet,
                  **rest):
            study = Study(kind, experiment, replications, seed, scenario, sets, out, force, executor, workers,
                          scheduler, quiet)
            return f(study, **rest)
        return study_options(inner)
    return wrap


def parse_vary(items: tuple[str, ...]) -> list[tuple[str, list[Any]]]:
    """``--vary KEY=V1,V2,...`` options as (key, values written)."""
    out: list[tuple[str, list[Any]]] = []
    for item in items:
        key, sep, values = item.partition("=")
        parts = [v.strip() for v in values.split(",")]
        if not sep or not key.strip() or not all(parts):
            fail([Problem("--vary", item, "expected KEY=V1,V2,..., like uncertainty.training_environment_delay_days=0w,2w,4w")])
        if key.strip() in (k for k, _ in out):
            # Two lists for one key would make a grid of points that set it twice: fewer
            # models than points, reported as if they were all different.
            fail([Problem("--vary", key.strip(), "given twice; list all its values in one --vary KEY=V1,V2,...")])
        out.append((key.strip(), [parse_value(v) for v in parts]))
    return out


@click.command()
@study_command("sweep")
@click.option("--vary", "vary", multiple=True, metavar="KEY=V1,V2,...",
              help="A dotted key and its values (3w, 10d, +2w, 15%, numbers, dates); repeat for a grid. Default: the experiment's [sweep] table.")
def sweep(study: Study, vary: tuple[str, ...]) -> None:
    """Run EXPERIMENT over a grid of values; write sweep.csv and a risk-against-value figure per site."""
    from sim.output.study_figures import sweep_figures

    table = study.spec.studies.sweep
    if vary:
        wanted, file, at = parse_vary(vary), "--vary", None
    elif table is not None:
        wanted = [(k, list(v)) for k, v in table.vary]
        file, at = str(study.spec.file), {k: f'sweep.vary."{k}"' for k, _ in table.vary}
    else:
        fail([Problem(str(study.spec.file), "sweep", "no [sweep] table; give --vary KEY=V1,V2,... or add one")])
    used = None if vary else table  # --vary replaces the table, its scenario and replications too
    scenario = used.scenario if used else None
    replications = used.replications if used else None
    try:
        points = grid(study.spec, study.base(scenario), wanted, file, at)
    except ConfigError as err:
        fail(err.problems)
    options = study.options(replications)
    click.echo(f"sweep: {len(points)} points x {options.replications:,} replications, seed {options.seed}", err=True)
    spec, summary, path = study.run(points, scenario, replications, "sweep")
    rows = sweep_rows(points, summary)
    if len(spec.scenarios[0].model.sites) > 1:
        joint = joint_rows(points, columns_from_csv(path / "replications.csv"))
        rows += [{**{k: None for k in rows[0]}, **r} for r in joint]  # same columns, blanks where n/a
    write_atomic(path / SWEEP_FILE, dict_csv_text(rows))
    (path / "figures").mkdir(exist_ok=True)
    sweep_figures(rows, points, path / "figures", spec.name)
    _print_sweep(rows, points)
    click.echo(f"\nsweep table: {path / SWEEP_FILE}\nfigures: {path / 'figures'}")


def _print_sweep(rows: list[dict[str, Any]], points) -> None:
    keys = [k for k, _ in points[0].settings]
    sites = list(dict.fromkeys(r["site"] for r in rows))
    head = [k.rsplit(".", 1)[-1] for k in keys] + [f"{s} risk (95% CI)" for s in sites]
    table = [head]
    for p in points:
        cells = list(p.labels)
        for s in sites:
            r = next(r for r in rows if r["point"] == p.name and r["site"] == s)
            cells.append(f"{percent(r['risk'])} ({percent(r['risk_ci95_low'])}-{percent(r['risk_ci95_high'])})")
        table.append(cells)
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    click.echo("")
    for i, row in enumerate(table):
        click.echo("  ".join(c.rjust(w) for c, w in zip(row, widths)))
        if i == 0:
            click.echo("  ".join("-" * w for w in widths))


def estimate_seconds(spec: ExperimentSpec, replications: int, workers: int) -> float:
    """Wall time of ``replications`` replications of the base model on ``workers``
    workers, from two replications timed here (the first is a warm-up)."""
    import os
    import time

    from sim.engine.replication import run_replication

    model = spec.scenarios[0].model
    run_replication(model, spec.seed, 0, sessions=False)
    start = time.perf_counter()
    run_replication(model, spec.seed, 1, sessions=False)
    per = time.perf_counter() - start
    return per * replications / max(1, min(workers, os.cpu_count() or 1))


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


@click.command()
@study_command("sensitivity")
@click.option("--method", type=click.Choice(sa_methods), default="oat", show_default=True,
              help="oat: one parameter at a time (tornado); morris: elementary effects; sobol: variance shares.")
@click.option("--dry-run", is_flag=True, help="Print the design size and an estimated run time, then stop.")
def sensitivity(study: Study, method: str, dry_run: bool) -> None:
    """How much each uncertain input of EXPERIMENT's [sensitivity] table moves each site's readiness."""
    import os

    from sim.studies import sensitivity as sa
    from sim.output.study_figures import index_figures, tornado_figures

    table = study.spec.studies.sensitivity
    if table is None:
        fail([Problem(str(study.spec.file), "sensitivity", "no [sensitivity] table with [[sensitivity.parameter]] "
                                                           "entries (key, low, high); see README.md, Sensitivity")])
    base = study.base(table.scenario)
    try:
        params = sa.bounds(study.spec, base, table)
    except ConfigError as err:
        fail(err.problems)
    options = study.options(table.replications)
    if method == "oat":
        x, points = None, sa.oat_points(params)
    else:
        try:
            x = sa.design(method, params, table, options.seed)
        except ValueError as err:
            fail([Problem(str(study.spec.file), "sensitivity", str(err))])
        points = sa.design_points(x, params)
    total = len(points) * options.replications
    workers = options.workers or os.cpu_count() or 1
    seconds = estimate_seconds(study.spec, total, workers)
    click.echo(f"{method}: {len(params)} parameters, {len(points)} design points x {options.replications:,} "
               f"replications = {total:,} replications; estimated {_duration(seconds)} on {workers} worker(s)")
    if dry_run:
        return
    spec, summary, path = study.run(points, table.scenario, table.replications, "sensitivity")
    figures = path / "figures"
    figures.mkdir(exist_ok=True)
    if method == "oat":
        rows = sa.tornado_rows(params, summary)
        write_atomic(path / "tornado.csv", dict_csv_text(rows))
        tornado_figures(rows, figures, spec.name)
        _print_tornado(rows)
        click.echo(f"\ntornado table: {path / 'tornado.csv'}\nfigures: {figures}")
        return
    rows = sa.indices(method, params, x, points, summary, table, options.seed)
    write_atomic(path / "indices.csv", dict_csv_text(rows))
    index_figures(rows, method, figures, spec.name)
    _print_indices(rows, method)
    for w in sa.warnings(method, rows):
        click.echo(f"warning: design too small to rank reliably: {w}", err=True)
    click.echo(f"\nindices: {path / 'indices.csv'}\nfigures: {figures}")


def _print_tornado(rows: list[dict[str, Any]]) -> None:
    for site in dict.fromkeys(r["site"] for r in rows):
        mine = sorted((r for r in rows if r["site"] == site), key=lambda r: -abs(r["risk_change"] or 0))
        click.echo(f"\n{site}: change in risk not ready against base (95% CI), largest first")
        for r in mine:
            low, high = r["risk_change_ci95_low"], r["risk_change_ci95_high"]
            ci = f" ({low:+.1%} to {high:+.1%})" if low is not None else ""
            p80 = f"; P80 {r['p80_change_days']:+d} days" if r["p80_change_days"] is not None else ""
            click.echo(f"  {r['parameter']} = {r['value']} ({r['end']}): {r['risk_change']:+.1%}{ci}{p80}")


def _print_indices(rows: list[dict[str, Any]], method: str) -> None:
    main = "mu_star" if method == "morris" else "ST"
    for site, output in dict.fromkeys((r["site"], r["output"]) for r in rows):
        mine = sorted((r for r in rows if r["site"] == site and r["output"] == output), key=lambda r: -r[main])
        click.echo(f"\n{site}, {output.replace('_', ' ')}: "
                   + "; ".join(f"{r['parameter']} {r[main]:.3g} +-{r[main + '_conf']:.2g}" for r in mine))


@click.command()
@click.argument("folder_a", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.argument("folder_b", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--scenario-a", help="Scenario of FOLDER_A (default: its first).")
@click.option("--scenario-b", help="Scenario of FOLDER_B (default: its first).")
@click.option("--unpaired", is_flag=True, help="Treat the runs as independent (when their seeds or replications differ).")
@click.option("--json", "json_out", type=click.Path(path_type=Path, dir_okay=False), help="Also write the comparison to this JSON file.")
def compare(folder_a: Path, folder_b: Path, scenario_a: str | None, scenario_b: str | None, unpaired: bool,
            json_out: Path | None) -> None:
    """The change from FOLDER_A to FOLDER_B per site: risk, expected untrained, P50/P80 completion, with 95% CIs."""
    from sim.studies.compare import CompareError
    from sim.studies.compare import compare as compare_folders

    try:
        result = compare_folders(folder_a, folder_b, scenario_a, scenario_b, unpaired)
    except CompareError as err:
        fail([Problem(f"{folder_a} vs {folder_b}", "", str(err))])
    if json_out is not None and (json_out.name in ("", ".", "..") or json_out.is_dir()):
        fail([Problem("--json", str(json_out), "is a folder; expected the path of a file to write, like compare.json")])
    if json_out is not None and not json_out.parent.is_dir():
        fail([Problem("--json", str(json_out), f"no folder {json_out.parent} to write it in; create it first")])
    how = "paired by replication (same seeds)" if result["paired"] else "unpaired (independent runs)"
    click.echo(f"B ({result['b']['folder']}, {result['b']['scenario']}) against A ({result['a']['folder']}, "
               f"{result['a']['scenario']}), {how}:")
    if result["inputs_differ"]:
        click.echo(f"  note: the two runs' inputs differ ({', '.join(result['inputs_differ'])}), so the change "
                   "is that of every difference between them, not of the scenarios alone")
    for site, d in result["sites"].items():
        low, high = d["risk_difference_ci95"]
        ci = f" (95% CI {low:+.1%} to {high:+.1%})" if low is not None else ""
        u_low, u_high = d["expected_untrained_difference_ci95"]
        u_ci = f" ({u_low:+.1f} to {u_high:+.1f})" if u_low is not None else ""
        parts = [f"risk {percent(d['risk_a'])} -> {percent(d['risk_b'])}: {d['risk_difference']:+.1%}{ci}",
                 f"untrained {d['expected_untrained_difference']:+.1f}{u_ci}"]
        for q in ("p50", "p80"):
            qd = d[f"{q}_completion_difference"]
            if qd["days"] is not None:
                ql, qh = qd["ci95"]
                parts.append(f"{q.upper()} {qd['days']:+d} days" + (f" ({ql:+.0f} to {qh:+.0f})" if ql is not None else ""))
        click.echo(f"  {site}: " + "; ".join(parts))
    if json_out is not None:
        write_atomic(json_out, json_text(result))
        click.echo(f"comparison: {json_out}")


def register(group: click.Group) -> None:
    """Add the study commands to the ``rollout-sim`` group."""
    from sim.cli.capacity import capacity  # it builds on this module's Study

    for command in (sweep, sensitivity, compare, capacity):
        group.add_command(command)
