"""Figures of studies: risk against a swept value, tornado charts, sensitivity indices.

Drawn like :mod:`sim.output.run_figures` (no pyplot, Okabe-Ito colours, PNG, and SVG on request) from the rows a
study writes to its CSV files, so a figure shows exactly what the table says.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib.dates import date2num
from matplotlib.figure import Figure

from sim.model.design import Point
from sim.output.run_figures import PALETTE, PCT, SIZE, STYLE, Slugs, figure_title, save_figure


def _x(values: list[Any]) -> tuple[np.ndarray, bool]:
    """Numbers to plot a swept value at (dates as dates), and whether they are dates."""
    if all(isinstance(v, dt.date) for v in values):
        return np.array([date2num(v) for v in values]), True
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return np.array(values, dtype=float), False
    return np.arange(len(values), dtype=float), False  # distributions or text: in order


def sweep_figures(rows: list[dict[str, Any]], points: list[Point], folder: Path, experiment: str, svg: bool = False) -> list[Path]:
    """One figure per site: the risk of not being ready against the first key's value,
    with its 95% CI as a band, one line per combination of the other keys' values."""
    written: list[Path] = []
    slug = Slugs()
    by_name = {p.name: p for p in points}
    key = points[0].settings[0][0]
    with matplotlib.rc_context(STYLE):
        for site in dict.fromkeys(r["site"] for r in rows):
            fig = Figure(figsize=SIZE, layout="constrained")
            ax = fig.add_subplot()
            lines: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            for r in rows:
                if r["site"] == site:
                    lines.setdefault(by_name[r["point"]].labels[1:], []).append(r)
            for colour, (rest, mine) in zip(PALETTE * 4, lines.items()):
                x, is_date = _x([by_name[r["point"]].settings[0][1] for r in mine])
                risk, low, high = (np.array([r[f] for r in mine], dtype=float)
                                   for f in ("risk", "risk_ci95_low", "risk_ci95_high"))
                others = [k for k, _ in points[0].settings[1:]]
                name = ", ".join(f"{k.rsplit('.', 1)[-1]} = {v}" for k, v in zip(others, rest)) or None
                ax.fill_between(x, low, high, color=colour, alpha=0.2, linewidth=0)
                ax.plot(x, risk, "o-", color=colour, label=name)
                ax.set_xticks(x, [by_name[r["point"]].labels[0] for r in mine])
                if is_date:
                    fig.autofmt_xdate()
            ax.set_ylim(-0.02, 1.02)
            ax.yaxis.set_major_formatter(PCT)
            ax.set_xlabel(key)
            ax.set_ylabel("risk not ready at go-live")
            ax.grid(axis="y", alpha=0.3)
            if len(lines) > 1:
                ax.legend(frameon=False)
            n = next(r["replications"] for r in rows if r["site"] == site)
            figure_title(fig, f"{site}: risk against {key.rsplit('.', 1)[-1]}",
                         f"{experiment}; {n:,} replications per point, common random numbers; band = 95% CI")
            written += save_figure(fig, folder, f"sweep-{slug(site)}", svg)
    return written


def tornado_figures(rows: list[dict[str, Any]], folder: Path, experiment: str, svg: bool = False) -> list[Path]:
    """One figure per site: each parameter's change in risk (left) and in P80 completion
    (right) at its low and high value against the base, sorted by the larger effect,
    with paired 95% CIs as whiskers."""
    written: list[Path] = []
    slug = Slugs()
    with matplotlib.rc_context(STYLE):
        for site in dict.fromkeys(r["site"] for r in rows):
            mine = [r for r in rows if r["site"] == site]
            params = list(dict.fromkeys(r["parameter"] for r in mine))

            effect = {p: max(abs(r["risk_change"] or 0) for r in mine if r["parameter"] == p) for p in params}
            params.sort(key=lambda p: (effect[p], p))  # largest at the top
            fig = Figure(figsize=SIZE, layout="constrained")
            left, right = fig.subplots(1, 2, sharey=True)
            y = np.arange(len(params))
            for ax, field, unit in ((left, "risk_change", "risk"), (right, "p80_change_days", "days")):
                for end, colour, shift in (("low", PALETTE[0], -0.18), ("high", PALETTE[1], 0.18)):
                    vals, lo, hi = [], [], []
                    for p in params:
                        r = next(r for r in mine if r["parameter"] == p and r["end"] == end)
                        v = r[field]
                        vals.append(np.nan if v is None else v)
                        lo.append(r[f"{field}_ci95_low"])
                        hi.append(r[f"{field}_ci95_high"])
                    v = np.array(vals, dtype=float)
                    err = np.array([[x - (a if a is not None else x) for x, a in zip(v, lo)],
                                    [(b if b is not None else x) - x for x, b in zip(v, hi)]], dtype=float)
                    ax.barh(y + shift, v, height=0.34, color=colour, label=f"{end} value",
                            xerr=np.nan_to_num(np.abs(err)), error_kw={"elinewidth": 1, "capsize": 2})
                ax.axvline(0, color="black", linewidth=0.8)
                ax.grid(axis="x", alpha=0.3)
                if unit == "risk":
                    ax.xaxis.set_major_formatter(PCT)
                    ax.set_xlabel("change in risk not ready (percentage points)")
                else:
                    ax.set_xlabel("change in P80 completion (days)")
            ends = {(r["parameter"], r["end"]): r["value"] for r in mine}
            left.set_yticks(y, [f"{p}\n({ends[p, 'low']} to {ends[p, 'high']})" for p in params])
            left.legend(frameon=False, loc="lower right")
            n = mine[0]["replications"]
            figure_title(fig, f"{site}: what moves readiness most",
                         f"{experiment}; one parameter at a time, {n:,} paired replications; whiskers = 95% CI")
            written += save_figure(fig, folder, f"tornado-{slug(site)}", svg)
    return written


def index_figures(rows: list[dict[str, Any]], method: str, folder: Path, experiment: str, svg: bool = False) -> list[Path]:
    """One figure per site and output: each parameter's sensitivity index with its 95%
    CI (Morris mu*, or Sobol' first-order and total)."""
    written: list[Path] = []
    slug = Slugs()
    fields = [("mu_star", "mu*")] if method == "morris" else [("S1", "first order"), ("ST", "total")]
    with matplotlib.rc_context(STYLE):
        for site, output in dict.fromkeys((r["site"], r["output"]) for r in rows):
            mine = [r for r in rows if r["site"] == site and r["output"] == output]
            mine.sort(key=lambda r: r[fields[-1][0]])
            fig = Figure(figsize=SIZE, layout="constrained")
            ax = fig.add_subplot()
            y = np.arange(len(mine))
            width = 0.8 / len(fields)
            for k, ((field, name), colour) in enumerate(zip(fields, PALETTE)):
                ax.barh(y + (k - (len(fields) - 1) / 2) * width, [r[field] for r in mine], height=width,
                        xerr=[r[f"{field}_conf"] for r in mine], color=colour, label=name,
                        error_kw={"elinewidth": 1, "capsize": 2})
            ax.set_yticks(y, [r["parameter"] for r in mine])
            ax.axvline(0, color="black", linewidth=0.8)
            ax.grid(axis="x", alpha=0.3)
            ax.set_xlabel(f"{'Morris mu*' if method == 'morris' else 'Sobol index'} of {output.replace('_', ' ')}")
            ax.legend(frameon=False, loc="lower right")
            figure_title(fig, f"{site}: sensitivity of {output.replace('_', ' ')}",
                         f"{experiment}; {method}; whiskers = 95% CI")
            written += save_figure(fig, folder, f"{method}-{slug(site)}-{slug(output)}", svg)
    return written
