"""A run kept in memory: the runner's journal without a folder, for the Python API.

A notebook that asks ``sim.run(...)`` wants numbers, not a folder. This journal takes
the same text rows the results folder's journal takes, so the columns and the summary
are built from exactly what replications.csv would hold, and the numbers are the same.
"""
from __future__ import annotations

from sim.analysis.bottlenecks import WeeklyTotals
from sim.analysis.curves import ShareHistogram


class MemoryJournal:
    """Rows of finished replications, held in a list; checkpoints are not needed."""

    path = None  # nothing on disk

    def __init__(self) -> None:
        self.rows: list[list[str]] = []

    def append(self, rows: list[list[str]]) -> None:
        """Keep finished replications' rows (as text cells, like the CSV journal)."""
        self.rows.extend(rows)

    def checkpoint(self, rows: int, curves: list[ShareHistogram], weekly: list[WeeklyTotals], target: int) -> None:
        """Nothing to record: a run in memory cannot be resumed."""

    def ordered(self, order: dict[tuple[str, int], int]) -> list[list[str]]:
        """The rows in (scenario, replication, site) order, as replications.csv has them
        (:meth:`sim.runs.folder.RunFolder.finish`)."""
        seen: dict[tuple[str, int], int] = {}
        keyed = []
        for row in self.rows:
            key = (row[0], int(row[1]))
            seen[key] = seen.get(key, 0) + 1
            keyed.append((order[key], seen[key], row))
        keyed.sort(key=lambda k: (k[0], k[1]))
        return [row for _, _, row in keyed]
