"""The study commands of ``rollout-sim``: sweep, sensitivity and compare (capacity has
its own module, :mod:`sim.cli.capacity`).

Each parses its options, calls its study in :mod:`sim.studies` and prints what it
found; the studies build the design points, run them and write the tables.
"""
from __future__ import annotations

from pathlib import Path

import click

from sim.cli.options import examples, svg_option
from sim.cli.study_options import study_command
from sim.cli.talk import drawing, say, spoken
from sim.errors import ConfigError, Problem
from sim.output.console import compare_text, duration, indices_text, sweep_text, tornado_text
from sim.runs.folder import json_text, write_atomic
from sim.studies.sensitivity import METHODS as sa_methods
from sim.studies.study import Study


@click.command(epilog=examples(
    "rollout-sim sweep delay-sensitivity            # its [sweep] table",
    "rollout-sim sweep baseline --vary readiness.share=90%,95%,100%",
    "rollout-sim sweep baseline --vary site.hnt.go_live=+0w,+4w,+8w -n 100",
))
@study_command("sweep")
@click.option("--vary", "vary", multiple=True, metavar="KEY=V1,V2,...",
              help="A dotted key and its values (3w, 10d, +2w, 15%, numbers, dates); repeat for a grid. Default: the experiment's [sweep] table.")
@svg_option
def sweep(study: Study, quiet: bool, vary: tuple[str, ...], svg: bool) -> None:
    """Run EXPERIMENT over a grid of values; write sweep.csv and a risk-against-value figure per site."""
    from sim.output.study_figures import sweep_figures
    from sim.output.study_report import write_sweep_report
    from sim.studies.sweep import SWEEP_FILE, parse_vary, plan_sweep, run_sweep

    with spoken():
        plan = plan_sweep(study, parse_vary(vary) if vary else None)
    say(f"sweep: {len(plan.points)} points x {plan.options.replications:,} replications, "
        f"seed {plan.options.seed}", err=True)
    with spoken(quiet) as talk:
        study.on_progress = talk.bar
        done = run_sweep(study, plan)
    path = done.finished.path
    assert path is not None  # the command line always writes a folder
    (path / "figures").mkdir(exist_ok=True)
    with drawing(quiet) as talk:
        sweep_figures(done.rows, done.points, path / "figures", done.finished.spec.name, svg,
                      model=study.base(plan.scenario).raw_model, progress=talk.bar)
    click.echo(sweep_text(done.rows, done.points))
    click.echo(f"\nsweep table: {path / SWEEP_FILE}\nfigures: {path / 'figures'}\nreport: {write_sweep_report(path)}")


@click.command(epilog=examples(
    "rollout-sim sensitivity delay-sensitivity      # one at a time: a tornado",
    "rollout-sim sensitivity delay-sensitivity --method morris --dry-run",
    "rollout-sim sensitivity delay-sensitivity --method sobol -n 50 --workers 2",
))
@study_command("sensitivity")
@click.option("--method", type=click.Choice(sa_methods), default="oat", show_default=True,
              help="oat: one parameter at a time (tornado); morris: elementary effects; sobol: variance shares.")
@click.option("--dry-run", is_flag=True, help="Print the design size and an estimated run time, then stop.")
@svg_option
def sensitivity(study: Study, quiet: bool, method: str, dry_run: bool, svg: bool) -> None:
    """How much each uncertain input of EXPERIMENT's [sensitivity] table moves each site's readiness."""
    from sim.output.study_figures import index_figures, tornado_figures
    from sim.output.study_report import write_sensitivity_report
    from sim.studies.sensitivity import plan_sensitivity, run_sensitivity

    with spoken():
        plan = plan_sensitivity(study, method)
    say(f"{method}: {len(plan.params)} parameters, {len(plan.points)} design points x "
        f"{plan.options.replications:,} replications = {plan.total:,} replications; estimated "
        f"{duration(plan.estimated_seconds)} on {plan.workers} worker(s)")
    if dry_run:
        return
    with spoken(quiet) as talk:
        study.on_progress = talk.bar
        done = run_sensitivity(study, plan)
    path = done.finished.path
    assert path is not None  # the command line always writes a folder
    figures = path / "figures"
    figures.mkdir(exist_ok=True)
    base = study.base(plan.table.scenario)  # the scenario the points build on: labels and names
    if method == "oat":
        with drawing(quiet) as talk:
            tornado_figures(done.rows, figures, done.finished.spec.name, svg, model=base.raw_model,
                            summary=done.finished.summary, progress=talk.bar)
        click.echo(tornado_text(done.rows))
        click.echo(f"\ntornado table: {path / done.table}\nfigures: {figures}\n"
                   f"report: {write_sensitivity_report(path)}")
        return
    with drawing(quiet) as talk:
        index_figures(done.rows, method, figures, done.finished.spec.name, svg, model=base.raw_model,
                      keys={b.parameter.name: b.parameter.key for b in plan.params}, progress=talk.bar)
    click.echo(indices_text(done.rows, method))
    for w in done.warnings:
        say(f"warning: design too small to rank reliably: {w}", err=True)
    click.echo(f"\nindices: {path / done.table}\nfigures: {figures}\nreport: {write_sensitivity_report(path)}")


@click.command(epilog=examples(
    "rollout-sim compare results/plan results/hnt-late        # B against A",
    "rollout-sim compare results/b results/b --scenario-b as-happened",
    "rollout-sim compare results/a results/b --unpaired --json diff.json",
))
@click.argument("folder_a", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.argument("folder_b", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--scenario-a", help="Scenario of FOLDER_A (default: its first).")
@click.option("--scenario-b", help="Scenario of FOLDER_B (default: its first).")
@click.option("--unpaired", is_flag=True, help="Treat the runs as independent (when their seeds or replications differ).")
@click.option("--json", "json_out", type=click.Path(path_type=Path, dir_okay=False), help="Also write the comparison to this JSON file.")
@click.option("--out", "out", type=click.Path(path_type=Path), metavar="FOLDER",
              help="Also write a folder: compare.json, figures of the changes with 95% CIs, and compare.html.")
@click.option("--force", is_flag=True, help="With --out: replace an earlier comparison in that folder.")
@svg_option
def compare(folder_a: Path, folder_b: Path, scenario_a: str | None, scenario_b: str | None, unpaired: bool,
            json_out: Path | None, out: Path | None, force: bool, svg: bool) -> None:
    """The change from FOLDER_A to FOLDER_B per site: risk, expected untrained, P50/P80 completion, with 95% CIs.

    With --out FOLDER it also writes a page, FOLDER/compare.html, with a figure per
    measure: each site's change with its 95% CI.
    """
    from sim.studies.compare import CompareError, check_json_out
    from sim.studies.compare import compare as compare_folders

    with spoken():
        if force and out is None:
            raise ConfigError([Problem("--force", "", "only used with --out (the folder it may replace)")])
        try:
            result = compare_folders(folder_a, folder_b, scenario_a, scenario_b, unpaired)
        except CompareError as err:
            raise ConfigError([Problem(f"{folder_a} vs {folder_b}", "", str(err))]) from None
        if json_out is not None:
            check_json_out(json_out)
        if out is not None:
            from sim.output.compare_report import check_compare_out

            check_compare_out(out, force)  # before anything is printed or written
    click.echo(compare_text(result))
    if json_out is not None:
        write_atomic(json_out, json_text(result))
        click.echo(f"comparison: {json_out}")
    if out is not None:
        from sim.output.compare_report import write_compare

        with spoken():
            page = write_compare(result, out, force, svg)
        click.echo(f"page: {page}")
