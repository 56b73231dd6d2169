"""pandas DataFrames of a run: replications, risks, S-curves and weekly bottlenecks.

Every frame is built from what a results folder holds (the text rows of
replications.csv, summary.json, the curve and weekly histograms), whether the run
wrote a folder or ran in memory, so the two give equal frames. Dates are pandas
timestamps (NaT where a date is beyond the horizon), counts are integers (nullable
where a value can be missing), scenario and site are categories in the model's order.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from pandas._libs.tslibs.nattype import NaTType

from sim.analysis.bottlenecks import WeeklyTotals
from sim.analysis.curves import ShareHistogram
from sim.analysis.summary_format import Summary
from sim.engine.outcomes import SiteOutcome
from sim.runs.folder import COLUMNS

# The CSV's columns by kind, from the outcome record's own annotations, so a new
# field gets its dtype without an edit here.
_KINDS = {f.name: str(f.type).replace(" ", "") for f in dataclasses.fields(SiteOutcome)}
_KINDS.update(scenario="str", replication="int")

# Shares of the S-curve frame: the mean and these quantiles across replications.
CURVE_QUANTILES = {"p10": 0.10, "p50": 0.50, "p90": 0.90}


def _column(name: str, cells: list[str]) -> pd.Series:
    kind = _KINDS[name]
    if kind == "str":
        return pd.Series(pd.Categorical(cells, categories=list(dict.fromkeys(cells))), name=name)
    if kind == "bool":
        return pd.Series([c == "true" for c in cells], dtype=bool, name=name)
    if kind in ("int", "int|None"):
        values = pd.array([int(c) if c else None for c in cells], dtype="Int64")
        return pd.Series(values if kind == "int|None" else values.astype("int64"), name=name)
    if kind in ("float", "float|None"):
        return pd.Series([float(c) if c else np.nan for c in cells], dtype="float64", name=name)
    if kind in ("dt.date", "dt.date|None"):
        # An empty cell is a date beyond the horizon: NaT.
        return pd.Series(pd.to_datetime(pd.Series([c or None for c in cells], dtype=object), format="ISO8601"),
                         name=name)
    raise TypeError(f"no dtype for column {name!r} of kind {kind!r}")  # a new kind of field: add it above


def replications_frame(rows: Sequence[Sequence[str]]) -> pd.DataFrame:
    """replications.csv as a DataFrame: a row per scenario, replication and site."""
    cells = list(zip(*rows)) if rows else [() for _ in COLUMNS]
    return pd.DataFrame({name: _column(name, list(col)) for name, col in zip(COLUMNS, cells)})


def _date(iso: str | None) -> pd.Timestamp | NaTType:
    return pd.NaT if iso is None else pd.Timestamp(iso)


def risks_frame(summary: Summary) -> pd.DataFrame:
    """A row per scenario and site: the risk of not being ready with its 95% CI, expected
    untrained staff, and the completion-date quantiles."""
    records = []
    for scenario, entry in summary["scenarios"].items():
        for site_id, s in entry["sites"].items():
            c = s["completion_date"]
            vs = s.get("vs_reference")
            records.append({
                "scenario": scenario, "site": site_id, "name": s["name"], "go_live": _date(s["go_live"]),
                "planned_go_live": _date(s["planned_go_live"]), "active_staff": s["active_staff"],
                "criteria": s["criteria"]["text"], "replications": s["replications"],
                "risk": s["risk_not_ready"], "risk_ci95_low": s["risk_ci95"][0], "risk_ci95_high": s["risk_ci95"][1],
                "expected_untrained": s["expected_untrained"],
                "expected_untrained_ci95_low": s["expected_untrained_ci95"][0],
                "expected_untrained_ci95_high": s["expected_untrained_ci95"][1],
                "p50_completion": _date(c["p50"]), "p80_completion": _date(c["p80"]),
                "p90_completion": _date(c["p90"]),
                "risk_change": vs["risk_difference"] if vs else None,
                "risk_change_ci95_low": vs["risk_difference_ci95"][0] if vs else None,
                "risk_change_ci95_high": vs["risk_difference_ci95"][1] if vs else None,
            })
    frame = pd.DataFrame.from_records(records)
    for name in ("scenario", "site"):
        frame[name] = pd.Categorical(frame[name], categories=list(dict.fromkeys(frame[name])))
    for name in ("active_staff", "replications"):
        frame[name] = frame[name].astype("Int64")
    floats = [c for c in frame.columns if c.startswith(("risk", "expected"))]
    frame[floats] = frame[floats].astype("float64")
    return frame


def curves_frame(curves: dict[str, ShareHistogram]) -> pd.DataFrame:
    """A row per scenario, site and day: the share of required staff trained, its mean
    and quantiles across replications (on the histograms' 0.5% grid)."""
    parts = []
    for scenario, hist in curves.items():
        days = pd.date_range(hist.epoch, periods=hist.n_days, freq="D")
        mean = hist.mean()
        quantiles = hist.quantiles(list(CURVE_QUANTILES.values()))
        for i, site in enumerate(hist.sites):
            part = pd.DataFrame({"scenario": scenario, "site": site, "date": days, "mean": mean[i]})
            for k, name in enumerate(CURVE_QUANTILES):
                part[name] = quantiles[k, i]
            parts.append(part)
    return _categorised(parts, ["scenario", "site", "date", "mean", *CURVE_QUANTILES])


def bottlenecks_frame(weekly: dict[str, WeeklyTotals]) -> pd.DataFrame:
    """A row per scenario, site and week (its Monday): each weekly counter (sessions run,
    cancelled and under-filled; instructor and room slots used and open) as a mean per
    replication."""
    from sim.engine.fields import WEEKLY_FIELDS

    parts = []
    for scenario, totals in weekly.items():
        weeks = pd.to_datetime(totals.weeks())
        per = totals.totals / max(totals.replications, 1)
        for i, site in enumerate(totals.sites):
            part = pd.DataFrame({"scenario": scenario, "site": site, "week": weeks})
            for k, name in enumerate(WEEKLY_FIELDS):
                part[name] = per[i, k]
            parts.append(part)
    return _categorised(parts, ["scenario", "site", "week", *WEEKLY_FIELDS])


def _categorised(parts: Iterable[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    parts = list(parts)
    if not parts:
        return pd.DataFrame(columns=columns)
    frame = pd.concat(parts, ignore_index=True)
    for name in ("scenario", "site"):
        frame[name] = pd.Categorical(frame[name], categories=list(dict.fromkeys(frame[name])))
    return frame


def weekly_from_arrays(entry: dict[str, np.ndarray]) -> WeeklyTotals:
    """WeeklyTotals of one scenario from bottlenecks.npz's arrays (:func:`~sim.analysis.bottlenecks.read_bottlenecks`)."""
    from sim.engine.fields import WEEKLY_FIELDS

    weeks = [dt.date.fromisoformat(str(w)) for w in entry["weeks"]]
    totals = WeeklyTotals([str(s) for s in entry["sites"]], weeks[0] if weeks else dt.date.min, len(weeks))
    totals.totals = np.stack([entry[f] for f in WEEKLY_FIELDS], axis=1).astype(np.int64)
    totals.replications = int(entry["replications"])
    return totals
