"""``rollout-sim targets``: how well an experiment's model fits the figures that were
observed (its ``[[target]]`` tables), target by target (:mod:`sim.studies.targets`)."""
from __future__ import annotations

from pathlib import Path

import click

from sim.cli.options import REPLICATIONS, SEED, examples
from sim.cli.talk import spoken
from sim.model.catalogue import experiment_file
from sim.model.experiment_file import load_experiment
from sim.output.console import targets_text
from sim.runs.launch import parse_sets


@click.command(epilog=examples(
    "rollout-sim targets calibration-midt-norge",
    "rollout-sim targets calibration-midt-norge --set venue.rinnleiret.rooms=4",
))
@click.argument("experiment", required=False, type=click.Path(path_type=Path))
@click.option("-n", "--replications", type=REPLICATIONS, default=20, show_default=True,
              help="Replications of each scenario a target names.")
@click.option("--seed", type=SEED, help="Seed (default: the experiment file's).")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Override a value by its dotted key; repeatable.")
@click.option("-q", "--quiet", is_flag=True, help="Print no progress.")
def targets(experiment: Path | None, replications: int, seed: int | None, sets: tuple[str, ...], quiet: bool) -> None:
    """Compare EXPERIMENT's model with its [[target]] tables: each observed figure, the
    model's mean and spread, and the implausibility (over 3: the model cannot have made
    that observation).
    """
    from sim.studies.targets import fit_targets

    with spoken():
        spec = load_experiment(experiment_file(experiment), parse_sets(sets))
    with spoken(quiet) as talk:
        fits = fit_targets(spec, replications, spec.seed if seed is None else seed, talk.bar)
    click.echo(targets_text(fits))
