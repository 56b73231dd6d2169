"""``rollout-sim list``: the shipped models and experiments, and what each can be run with."""
from __future__ import annotations

import click

from sim.cli.options import examples
from sim.cli.talk import spoken
from sim.model.catalogue import shipped
from sim.output.console import shipped_text


@click.command("list", epilog=examples(
    "rollout-sim list",
    "rollout-sim list | grep sweep                  # the experiments with one",
))
def list_shipped() -> None:
    """List the shipped models and experiments: each one's name (what run, sweep,
    sensitivity, capacity, targets and calibrate take), what it is, its scenarios and
    the study commands its tables answer."""
    with spoken():
        files = shipped()
    click.echo(shipped_text(files))
