"""The results of a run, for a notebook: DataFrames and the typed summary.

:func:`sim.run` returns one (from memory, or from the folder it wrote);
:func:`open_results` gives the same object from a results folder on disk, checked
first exactly as the command line checks it.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from sim.analysis.bottlenecks import WeeklyTotals, read_bottlenecks
from sim.analysis.curves import ShareHistogram, read_curves
from sim.analysis.summary import SiteColumns, columns_by_scenario
from sim.analysis.summary_format import Summary, SummaryFormatError, read_summary
from sim.api import frames
from sim.errors import ConfigError, Problem
from sim.model.spec import ExperimentSpec
from sim.output.console import run_text, verdict
from sim.runs import integrity
from sim.runs.folder import COLUMNS
from sim.runs.launch import Finished


@dataclass
class Results:
    """What a run found.

    ``summary`` is summary.json as a typed dict (:class:`~sim.analysis.summary_format.Summary`);
    the DataFrames are built when first asked for. ``path`` is the results folder, or
    None for a run kept in memory.
    """

    summary: Summary
    rows: list[list[str]] = field(repr=False)
    curves_by_scenario: dict[str, ShareHistogram] = field(default_factory=dict, repr=False)
    weekly_by_scenario: dict[str, WeeklyTotals] = field(default_factory=dict, repr=False)
    path: Path | None = None
    spec: ExperimentSpec | None = field(default=None, repr=False)  # kept for a run in memory

    @cached_property
    def replications(self) -> pd.DataFrame:
        """A row per scenario, replication and site: replications.csv with proper dtypes."""
        return frames.replications_frame(self.rows)

    @cached_property
    def risks(self) -> pd.DataFrame:
        """A row per scenario and site: risk with its 95% CI, expected untrained, P50/P80/P90 completion."""
        return frames.risks_frame(self.summary)

    @cached_property
    def curves(self) -> pd.DataFrame:
        """The S-curves: per scenario, site and day, the mean share trained and its P10/P50/P90
        (empty for a study's runs, which keep no curves)."""
        return frames.curves_frame(self.curves_by_scenario)

    @cached_property
    def bottlenecks(self) -> pd.DataFrame:
        """Per scenario, site and week: sessions and instructor and room slots, as means per replication."""
        return frames.bottlenecks_frame(self.weekly_by_scenario)

    @cached_property
    def columns(self) -> dict[str, dict[str, SiteColumns]]:
        """Per scenario and site, the outcome columns the summary is computed from."""
        return columns_by_scenario(dict(zip(COLUMNS, row)) for row in self.rows)

    @property
    def scenarios(self) -> list[str]:
        """The scenario names, in the experiment's order."""
        return list(self.summary["scenarios"])

    def verdicts(self, scenario: str | None = None) -> list[str]:
        """One sentence per site a board can read, for ``scenario`` (default: the first)."""
        name = scenario or self.scenarios[0]
        if name not in self.summary["scenarios"]:
            raise KeyError(f"no scenario {name!r}; expected one of {', '.join(self.scenarios)}")
        return [verdict(site) for site in self.summary["scenarios"][name]["sites"].values()]

    def __str__(self) -> str:
        return run_text(self.summary).strip()

    def __repr__(self) -> str:
        where = f"folder {self.path}" if self.path is not None else "in memory"
        return (f"<Results of {self.summary['experiment']!r}: {len(self.scenarios)} scenario(s), "
                f"{self.summary['replications']} replications each, seed {self.summary['seed']}, {where}>")


def from_finished(finished: Finished) -> Results:
    """The results of a run that just finished (in memory or in a folder)."""
    if finished.path is not None:
        return open_results(finished.path)
    assert finished.rows is not None  # a run in memory keeps its rows
    names = [s.name for s in finished.spec.scenarios]
    return Results(finished.summary, finished.rows, dict(zip(names, finished.curves)),
                   dict(zip(names, finished.weekly)), None, finished.spec)


def open_results(folder: str | Path) -> Results:
    """The results in a complete results folder, after checking that its files are the
    ones its run wrote (raises :class:`~sim.errors.ConfigError` naming the problem)."""
    path = Path(folder)
    try:
        integrity.check_complete(path)
        summary = read_summary(path / "summary.json")
    except (integrity.DamagedError, SummaryFormatError) as err:
        raise ConfigError([Problem(str(path), "", str(err))]) from None
    with (path / "replications.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        rows = list(reader)
    curves = read_curves(path / "curves.npz") if (path / "curves.npz").is_file() else {}
    weekly = ({name: frames.weekly_from_arrays(entry) for name, entry in read_bottlenecks(
        path / "bottlenecks.npz").items()} if (path / "bottlenecks.npz").is_file() else {})
    return Results(summary, rows, curves, weekly, path)
