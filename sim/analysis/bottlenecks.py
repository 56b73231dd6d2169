"""Where capacity binds: per site and calendar week, sessions run, cancelled and
under-filled, and instructor and room slots used against those open, summed over
replications (so memory does not grow with their number, and sums from workers or a
resumed run simply add up)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from sim.analysis.curves import curve_days
from sim.engine.fields import WEEKLY_FIELDS
from sim.model.spec import ModelSpec


class WeeklyTotals:
    """Sums of the engine's weekly counters over replications, on a fixed week axis."""

    def __init__(self, sites: list[str], epoch: dt.date, n_weeks: int) -> None:
        self.sites = list(sites)
        self.monday = epoch - dt.timedelta(days=epoch.weekday())
        self.totals = np.zeros((len(sites), len(WEEKLY_FIELDS), n_weeks), dtype=np.int64)
        self.replications = 0

    @classmethod
    def for_model(cls, *models: ModelSpec) -> WeeklyTotals:
        """Empty totals covering the S-curve days of ``models`` (see :func:`curve_days`)."""
        epoch, n_days = curve_days(*models)
        return cls([s.id for s in models[0].sites], epoch, (n_days - 1 + epoch.weekday()) // 7 + 1)

    def add(self, weekly: np.ndarray, epoch: dt.date | None = None) -> None:
        """Add one replication's counts (sites x fields x weeks from the Monday of
        ``epoch``, by default the axis's own); weeks past the axis (a replication whose
        go-live slipped) are left out."""
        first = 0 if epoch is None else ((epoch - dt.timedelta(days=epoch.weekday())) - self.monday).days // 7
        if first < 0:
            raise ValueError("a replication's weeks start before this axis")
        weeks = max(0, min(weekly.shape[2], self.totals.shape[2] - first))
        self.totals[:, :, first:first + weeks] += weekly[:, :, :weeks]
        self.replications += 1

    def weeks(self) -> list[str]:
        """The Monday of each week, as ISO dates."""
        return [(self.monday + dt.timedelta(weeks=w)).isoformat() for w in range(self.totals.shape[2])]

    def arrays(self, i: int) -> dict[str, np.ndarray]:
        """The arrays of scenario number ``i`` for bottlenecks.npz."""
        out = {f"weeks_{i}": np.array(self.weeks()), f"sites_{i}": np.array(self.sites)}
        for k, name in enumerate(WEEKLY_FIELDS):
            out[f"{name}_{i}"] = self.totals[:, k, :]
        return out


def read_bottlenecks(path: Path) -> dict[str, dict[str, np.ndarray]]:
    """Per scenario name: ``weeks``, ``sites``, ``replications`` and each weekly field."""
    out: dict[str, dict[str, np.ndarray]] = {}
    with np.load(path) as data:
        for i, name in enumerate(str(n) for n in data["scenarios"]):
            entry = {"weeks": data[f"weeks_{i}"], "sites": data[f"sites_{i}"],
                     "replications": data["replications"][i]}
            entry.update({f: data[f"{f}_{i}"] for f in WEEKLY_FIELDS})
            out[name] = entry
    return out
