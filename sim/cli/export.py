"""``rollout-sim export``: a results folder as one Excel workbook (:mod:`sim.output.spreadsheet`)."""
from __future__ import annotations

from pathlib import Path

import click

from sim.cli.options import examples
from sim.cli.talk import spoken
from sim.errors import ConfigError, Problem
from sim.runs import force, integrity


@click.command(epilog=examples(
    "rollout-sim export results/may                  # results/may/results.xlsx",
    "rollout-sim export results/delay-sensitivity/sweep-20261204-101500",
))
@click.argument("results", type=click.Path(path_type=Path, file_okay=False, exists=True))
def export(results: Path) -> None:
    """Write RESULTS/results.xlsx: the folder's risks and every CSV it holds as sheets of
    one workbook, numbers as numbers, dates as dates and shares as percentages, so that
    Excel in any language opens it without the import dialogue.

    RESULTS is a run's, a study's, a capacity search's or a calibration's folder.
    """
    from sim.output.spreadsheet import write_workbook

    with spoken():
        _check_folder(results)
        path = write_workbook(results)
    click.echo(f"workbook: {path}")


def _check_folder(path: Path) -> None:
    """Only a folder rollout-sim wrote, and a run's only when it is complete: a
    workbook of a half-run would show numbers no run produced."""
    reasons = [why(path) for why in (force.why_not_run_folder, force.why_not_capacity_folder,
                                      force.why_not_calibration_folder)]
    if all(reasons):
        raise ConfigError([Problem(str(path), "", f"is not a results folder of rollout-sim ({reasons[0]})")])
    if reasons[0] is None:
        integrity.drawable(path)
