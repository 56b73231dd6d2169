"""``rollout-sim capacity``: the value of a key (instructors, rooms, a go-live date) at
which a site's risk meets a target, with the precision of the answer (:mod:`sim.studies.capacity`)."""
from __future__ import annotations

import click

from sim.cli.options import RISK, examples, svg_option
from sim.cli.study_options import study_command
from sim.cli.talk import fail, say, spoken
from sim.errors import Problem
from sim.output.console import capacity_text, evaluation_text
from sim.studies.bisection import Evaluation
from sim.studies.capacity import plan_capacity, run_capacity
from sim.studies.study import Study


@click.command(epilog=examples(
    "rollout-sim capacity hnt-capacity              # its [capacity] table",
    "rollout-sim capacity hnt-capacity --max-risk 0.1 -n 200",
    "rollout-sim capacity baseline --site hnt --max-risk 0.05 --earliest-go-live",
))
@study_command("capacity")
@click.option("--site", help="The site whose risk must be at most --max-risk (default: the [capacity] table's).")
@click.option("--max-risk", type=RISK, help="The highest acceptable risk of not being ready, like 0.05.")
@click.option("--vary", "key", metavar="KEY", help="The dotted key to search, like instructor_pool.hnt-instructors.count or site.hnt.go_live.")
@click.option("--low", help="Lowest value to try (number, date, or shift like -8w).")
@click.option("--high", help="Highest value to try.")
@click.option("--step", help="Step between values (a number; for dates a duration like 1w or 1d; default 1, dates 1w).")
@svg_option
@click.option("--earliest-go-live", is_flag=True,
              help="Search SITE's go-live date, the whole plan moving with it: the earliest date that meets the target (or the latest, where later dates raise the risk).")
def capacity(study: Study, quiet: bool, site: str | None, max_risk: float | None, key: str | None,
             low: str | None, high: str | None, step: str | None, svg: bool, earliest_go_live: bool) -> None:
    """The value of KEY at which SITE's risk is at most --max-risk, with its precision.

    Counts (instructors, rooms) give the smallest that meets the target; a key whose
    larger values raise the risk (a delay) gives the largest. Values after a minus sign
    need an equals sign: --low=-6w.
    """
    with spoken():
        plan = plan_capacity(study, site, max_risk, key, low, high, step, earliest_go_live)
    values = plan.values
    say(f"capacity: {plan.key} from {values[0]} to {values[-1]} ({len(values)} values) for {plan.site}, "
        f"risk at most {plan.max_risk:.1%}; {plan.options.replications:,} replications per value, "
        f"seed {plan.options.seed}", err=True)
    with spoken(quiet) as talk:
        study.on_progress = talk.bar

        def heard(e: Evaluation) -> None:
            if talk.bar is not None:
                talk.bar.close()  # the line of each value starts on its own
            click.echo(evaluation_text(plan.key, e), err=True)

        done = run_capacity(study, plan, heard)
    click.echo(capacity_text(done.result, plan.key, plan.site, plan.max_risk, plan.options.replications))
    assert done.path is not None  # the command line always writes a folder
    from sim.output.capacity_report import write_capacity_report

    report = write_capacity_report(done.path, svg)  # with its figure
    click.echo(f"\nsearch table: {done.path / 'search.csv'}\nreport: {report}")
    if done.result.answer is None:
        # No answer is a finding, but a script must be able to tell it from one: exit 1,
        # with the reason where errors go.
        fail([Problem("capacity", plan.key, f"no value from {values[0]} to {values[-1]} keeps {plan.site}'s risk "
                                            f"at most {plan.max_risk:.1%} ({done.result.reason}); widen the range")])
