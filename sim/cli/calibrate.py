"""``rollout-sim calibrate``: fit an experiment's uncertain inputs to its observed
targets by history matching, and say what the data constrained (:mod:`sim.studies.calibrate`)."""
from __future__ import annotations

import click

from sim.cli.options import examples, svg_option
from sim.cli.study_options import study_command
from sim.cli.talk import say, spoken
from sim.errors import ConfigError, Problem
from sim.output.console import calibration_text, wave_text
from sim.studies.study import Study


@click.command(epilog=examples(
    "rollout-sim calibrate calibration-midt-norge --budget 2000",
    "rollout-sim calibrate calibration-midt-norge --budget 5m --workers 2",
    "rollout-sim calibrate calibration-midt-norge -n 5 --out results/cal",
    "rollout-sim calibrate calibration-midt-norge -n 5 --out results/cal --resume",
))
@study_command("calibrate")
@click.option("--budget", metavar="N|Nm",
              help="Replications in all (2000), or minutes here (10m); sets the parameter sets per wave (default: the [calibration] table's points).")
@click.option("--resume", is_flag=True,
              help="Continue an interrupted calibration at --out (the same command otherwise): its finished waves are kept.")
@svg_option
def calibrate(study: Study, quiet: bool, budget: str | None, resume: bool, svg: bool) -> None:
    """Fit EXPERIMENT's [calibration] parameters to its [[target]] tables, in waves of
    history matching; write the parameter sets not ruled out, with weights, and the fit
    of every target.
    """
    from sim.studies.calibrate import budget_of, plan_calibration, replications_in, run_calibration

    with spoken():
        if resume and study.out is None:
            raise ConfigError([Problem("--resume", "", "give the --out of the calibration to continue")])
        replications, minutes = budget_of(budget) if budget is not None else (None, None)
        if minutes is not None:
            plan_calibration(study)  # what is wrong with the experiment, before anything is timed
            replications = replications_in(study, minutes)
            say(f"--budget {budget}: about {replications:,} replications on this machine (rerun with "
                f"--budget {replications} for the same numbers)", err=True)
        plan = plan_calibration(study, replications)
    say(f"calibrate: {len(plan.bounds)} parameters to {len(plan.fitted)} targets "
        f"({len(plan.held_out)} held out); {plan.waves} waves of {plan.points} parameter sets x "
        f"{len(plan.scenarios)} scenario(s) x {plan.replications} replications = {plan.simulations:,} "
        f"replications, seed {plan.seed}", err=True)
    with spoken(quiet) as talk:
        def heard(wave):  # each wave's line, below its progress bar
            if talk.bar is not None:
                talk.bar.close()
            click.echo(wave_text(wave), err=True)
        result = run_calibration(study, plan, heard, talk.bar, resume)
    click.echo(calibration_text(result))
    if result.path is not None:
        from sim.output.calibration_figures import calibration_figures
        from sim.output.calibration_report import write_calibration_report

        (result.path / "figures").mkdir(exist_ok=True)
        figures = calibration_figures(result, result.path / "figures", svg)
        report = write_calibration_report(result.path)
        click.echo(f"\nfigures: {len(figures)} in {result.path / 'figures'}; report: {report}\nresults: {result.path}")
