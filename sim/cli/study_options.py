"""The options every study command shares (what to run on, and where), and the
decorator that turns them into a :class:`~sim.studies.study.Study` for the command body."""
from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from sim.cli.options import REPLICATIONS, SEED, WORKERS
from sim.cli.talk import spoken
from sim.errors import ConfigError
from sim.model.catalogue import experiment_file
from sim.model.experiment_file import load_experiment
from sim.runs.executors import EXECUTORS, executor_problems
from sim.runs.launch import parse_sets
from sim.studies.study import Study


def study_options(f: Callable[..., None]) -> Callable[..., None]:
    """The options every study shares: what to run on, and where."""
    for option in reversed([
        click.argument("experiment", required=False, type=click.Path(path_type=Path)),
        click.option("-n", "--replications", type=REPLICATIONS, help="Replications per point (default: the study table's, else the experiment's)."),
        click.option("--seed", type=SEED, help="Seed (default: the experiment file's); every point uses the same replication seeds."),
        click.option("--scenario", help="The experiment's scenario to build on (default: the study table's, else the first)."),
        click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Override a model value by its dotted key for every point (a date may be a shift like +4w); repeatable."),
        click.option("--out", type=click.Path(path_type=Path), help="Results folder (default: results/<experiment>/<study>-<date-time>)."),
        click.option("--force", is_flag=True, help="Replace the results folder if it exists."),
        click.option("--executor", type=click.Choice(EXECUTORS), default="process", show_default=True, help="Where replications run."),
        click.option("--workers", type=WORKERS, help="Worker processes (default: this machine's cores)."),
        click.option("--scheduler", metavar="tcp://HOST:PORT", help="Dask scheduler (with --executor dask)."),
        click.option("-q", "--quiet", is_flag=True, help="Print no progress."),
    ]):
        f = option(f)
    return f


def study_command(kind: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Decorate a command body ``f(study, quiet, **rest)`` with the shared options."""
    def wrap(f: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(f)
        def inner(experiment: Path | None, replications: int | None, seed: int | None, scenario: str | None,
                  sets: tuple[str, ...], out: Path | None, force: bool, executor: str, workers: int | None,
                  scheduler: str | None, quiet: bool, **rest: Any) -> None:
            with spoken():
                if problems := executor_problems(executor, scheduler):
                    raise ConfigError(problems)  # before the experiment is read, as `run` does
                overrides = parse_sets(sets)
                spec = load_experiment(experiment_file(experiment), overrides)
                study = Study(kind, spec, overrides, replications, seed, scenario, out, force, executor, workers,
                              scheduler)
            return f(study, quiet=quiet, **rest)
        return study_options(inner)
    return wrap
