"""The capacity search's figure: the site's risk at every value tried, with its 95% CI,
the highest acceptable risk as a line, the answer marked.

Drawn like :mod:`sim.output.run_figures` (no pyplot, Okabe-Ito colours, PNG, and SVG on
request) from capacity.json alone, so it can be drawn again from the folder.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.dates import date2num
from matplotlib.figure import Figure

from sim.output.run_figures import BLUE, GREY, ORANGE, PCT, RED, SIZE, STYLE, figure_title, save_figure

FIGURE = "capacity"  # figures/capacity.png


def _x(value: str) -> tuple[float, bool]:
    """Where a value as capacity.json writes it goes on the x axis, and whether it is a date."""
    try:
        return float(date2num(dt.date.fromisoformat(value))), True
    except ValueError:
        return float(value), False


def capacity_figure(record: dict[str, Any], site_name: str, axis: str) -> Figure:
    """Risk against the value for ``record`` (capacity.json), ``axis`` naming the value
    with its unit (the label of the key), ``site_name`` the site's name."""
    search = sorted(record["search"], key=lambda e: _x(e["value"])[0])
    xs = [_x(e["value"])[0] for e in search]
    dates = bool(search) and _x(search[0]["value"])[1]
    risk = [e["risk"] for e in search]
    below = [e["risk"] - e["risk_ci95"][0] for e in search]
    above = [e["risk_ci95"][1] - e["risk"] for e in search]
    fig = Figure(figsize=SIZE, layout="constrained")
    ax = fig.add_subplot()
    ax.errorbar(xs, risk, yerr=[below, above], fmt="o", color=BLUE, ecolor=BLUE, elinewidth=1.2, capsize=4,
                label="risk at a value tried (95% CI)")
    ax.axhline(record["max_risk"], color=RED, linestyle="--", linewidth=1.2,
               label=f"highest acceptable risk, {record['max_risk']:.0%}")
    answer = record.get("answer")
    if answer is not None:
        ax.plot([_x(answer["value"])[0]], [answer["risk"]], marker="*", markersize=18, color=ORANGE,
                markeredgecolor="black", linestyle="none", label=f"answer: {answer['value']}", zorder=5)
    precision = record.get("precision") or {}
    if precision.get("low") is not None and precision.get("high") is not None:
        lo, hi = _x(precision["low"])[0], _x(precision["high"])[0]
        ax.axvspan(min(lo, hi), max(lo, hi), color=GREY, alpha=0.15, lw=0,
                   label="values the replications cannot tell from the target")
    if dates:
        ax.xaxis_date()
        fig.autofmt_xdate()
    ax.set_xlabel(axis)
    ax.set_ylabel(f"risk of not being ready\n({site_name})")
    ax.yaxis.set_major_formatter(PCT)
    ax.set_ylim(-0.02, 1.04)  # a risk of 0 or 1 stays in view
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, loc="best")
    figure_title(fig, f"{site_name}: risk against {axis}",
                 f"{record['replications']:,} replications per value, common random numbers")
    return fig


def capacity_figures(record: dict[str, Any], folder: Path, site_name: str, axis: str, svg: bool = False
                     ) -> list[Path]:
    """Write figures/capacity.png (and .svg with ``svg``) into ``folder``; the paths written."""
    if not record.get("search"):
        return []
    folder.mkdir(exist_ok=True)
    with matplotlib.rc_context(STYLE):
        return save_figure(capacity_figure(record, site_name, axis), folder, FIGURE, svg)
