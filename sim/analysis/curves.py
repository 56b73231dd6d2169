"""Readiness S-curves across replications, kept as streaming histograms.

For each site and calendar day, how many replications had each trained share (in steps
of 0.5%). Memory does not grow with the number of replications, histograms from
different workers or from a resumed run simply add up, and any quantile band (P10-P90,
P2.5-P97.5) can be read off afterwards to the nearest step.
"""
from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np

from sim.engine.world import epoch_of
from sim.model.spec import ModelSpec

BINS = 200  # share steps of 1/200 = 0.5%


def curve_days(*models: ModelSpec) -> tuple[dt.date, int]:
    """The day axis of S-curves of ``models`` (a scenario's model, or its model under each
    parameter set): the earliest epoch, and the days from it up to the latest go-live
    (before random delays) plus the horizon."""
    epoch = min(epoch_of(m) for m in models)
    end = max(max(s.go_live for s in m.sites) + dt.timedelta(days=math.ceil(m.horizon_weeks_after_go_live * 7))
              for m in models)
    return epoch, (end - epoch).days + 1


class ShareHistogram:
    """Counts of replications by (site, day, share step)."""

    def __init__(self, sites: list[str], epoch: dt.date, n_days: int) -> None:
        self.sites = list(sites)
        self.epoch = epoch
        self.n_days = n_days
        self.counts = np.zeros((len(sites), n_days, BINS + 1), dtype=np.int32)
        self.replications = 0

    @classmethod
    def for_model(cls, *models: ModelSpec) -> ShareHistogram:
        """An empty histogram on the day axis of ``models`` (see :func:`curve_days`)."""
        epoch, n_days = curve_days(*models)
        return cls([s.id for s in models[0].sites], epoch, n_days)

    def add(self, share: np.ndarray, epoch: dt.date) -> None:
        """Add one replication's daily share (sites x days from ``epoch``, which is on or
        after the histogram's: a model under another parameter set may start later)."""
        start = (epoch - self.epoch).days
        if start < 0 or share.shape[0] != len(self.sites):
            raise ValueError("a replication's curve does not match this histogram's sites and epoch")
        days = max(0, min(share.shape[1], self.n_days - start))
        values = np.zeros((len(self.sites), self.n_days), dtype=np.float64)  # nobody trained before its epoch
        values[:, start:start + days] = share[:, :days]
        if days:  # a replication that ended earlier (no delays drawn) keeps its last value
            values[:, start + days:] = share[:, days - 1:days]
        steps = np.rint(np.clip(values, 0.0, 1.0) * BINS).astype(np.int64)
        cells = np.arange(len(self.sites) * self.n_days, dtype=np.int64) * (BINS + 1)
        # One count per (site, day) cell, so plain fancy-index increments are exact.
        self.counts.reshape(-1)[cells + steps.reshape(-1)] += 1
        self.replications += 1

    def merge(self, other: ShareHistogram) -> None:
        """Add another histogram on the same axis (from another worker or a resumed run)."""
        if other.sites != self.sites or other.epoch != self.epoch or other.n_days != self.n_days:
            raise ValueError("histograms on different axes cannot be merged")
        self.counts += other.counts
        self.replications += other.replications

    def quantiles(self, qs: list[float]) -> np.ndarray:
        """Shares at quantiles ``qs``, shape (len(qs), sites, days); NaN with no data.

        The inverted-CDF quantile on the 0.5% grid: the smallest step whose cumulative
        count reaches q of the replications.
        """
        out = np.full((len(qs), len(self.sites), self.n_days), np.nan)
        if self.replications == 0:
            return out
        cumulative = np.cumsum(self.counts, axis=2)
        for i, q in enumerate(qs):
            need = max(math.ceil(q * self.replications - 1e-9), 1)
            out[i] = np.argmax(cumulative >= need, axis=2) / BINS
        return out

    def mean(self) -> np.ndarray:
        """Mean share per site and day (to the 0.5% grid), shape (sites, days)."""
        steps = np.arange(BINS + 1) / BINS
        with np.errstate(invalid="ignore"):
            return (self.counts * steps).sum(axis=2) / self.replications


def read_curves(path: Path) -> dict[str, ShareHistogram]:
    """The S-curve histograms of every scenario from a results folder's curves.npz."""
    out = {}
    with np.load(path) as data:
        for i, name in enumerate(str(n) for n in data["scenarios"]):
            counts = data[f"counts_{i}"]
            hist = ShareHistogram([str(s) for s in data[f"sites_{i}"]], dt.date.fromisoformat(str(data["epochs"][i])),
                                  counts.shape[1])
            hist.counts = counts.astype(np.int32)
            hist.replications = int(data["replications"][i])
            out[name] = hist
    return out
