"""Figures of a calibration: every target before and after, and the parameter sets kept
against their priors (a pairs plot).

Drawn like :mod:`sim.output.run_figures` (no pyplot, Okabe-Ito colours, PNG, and SVG on
request) from a calibration's result, the numbers its CSV files hold.
"""
from __future__ import annotations

import datetime as dt
import math
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from sim.model.target_file import SHARE_MEASURES
from sim.output.run_figures import BLACK, BLUE, GREY, ORANGE, PCT, SIZE, STYLE, figure_title, save_figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from sim.studies.calibrate import CalibrationResult
    from sim.studies.sensitivity import Bounds


def calibration_figures(result: CalibrationResult, folder: Path, svg: bool = False) -> list[Path]:
    """``fit`` (every target: observed with its uncertainty, the model before and after)
    and, when any set was kept, ``parameters`` (the pairs plot); returns the files."""
    with matplotlib.rc_context(STYLE):
        written = save_figure(fit_figure(result), folder, "fit", svg)
        if result.matching.plausible:
            written += save_figure(pairs_figure(result), folder, "parameters", svg)
    return written


def fit_figure(result: CalibrationResult) -> Figure:
    """A panel per target, each on its own scale: the observation with its 95% band
    (observation error and model discrepancy), the model before calibration (the first
    wave's sets) and after (the sets kept, weighted), each with the middle 95% of the
    sets' means."""
    rows = result.fit
    cols = min(3, len(rows))
    grid_rows = math.ceil(len(rows) / cols)
    fig = Figure(figsize=(SIZE[0], max(SIZE[1], 2.2 * grid_rows + 1)), layout="constrained")
    axes = np.atleast_1d(fig.subplots(grid_rows, cols, squeeze=False)).ravel()
    m = result.matching
    first = result.measures[1]
    for k, (ax, row) in enumerate(zip(axes, rows)):
        share = row["measure"] in SHARE_MEASURES
        total = math.sqrt(row["sd"] ** 2 + row["discrepancy_sd"] ** 2)
        means = first[:, k, :].mean(axis=1)
        band = (row["observed"] - 1.96 * total, row["observed"] + 1.96 * total)
        band = (max(band[0], 0.0), min(band[1], 1.0) if share else band[1])  # a share or a count cannot leave its range
        lines = [("observed", row["observed"], *band, BLACK),
                 ("before", float(means.mean()), *np.quantile(means, [0.025, 0.975]), GREY)]
        if m.plausible:
            lines.append(("after", row["posterior_mean"], row["posterior_low"], row["posterior_high"], BLUE))
        for y, (_, mid, low, high, colour) in enumerate(reversed(lines)):
            ax.plot([low, high], [y, y], color=colour, lw=5, alpha=0.35, solid_capstyle="butt")
            ax.plot([mid], [y], "o", color=colour, ms=7)
        ax.set_yticks(range(len(lines)), [label for label, *_ in reversed(lines)])
        ax.set_ylim(-0.6, len(lines) - 0.4)
        if share:
            ax.xaxis.set_major_formatter(PCT)
        ax.grid(axis="x", alpha=0.3)
        title = textwrap.fill(row["target"], 34) + (" (held out)" if row["held_out"] else "")
        ax.set_title(title, fontsize=10, color=ORANGE if row["held_out"] else BLACK)
    for ax in axes[len(rows):]:
        ax.set_visible(False)
    figure_title(fig, "Observed figures against the model, before and after calibration",
                 f"{result.plan.spec.name}; bands: 95%")
    return fig


def pairs_figure(result: CalibrationResult) -> Figure:
    """Each parameter against each other, at the values the sets ran with: every set
    tried (grey) and the sets kept, sized by weight (blue), over the prior's range; on the
    diagonal, the kept sets' weights by value against the flat prior."""
    plan, m = result.plan, result.matching
    d = len(plan.bounds)
    side = min(SIZE[1] * 1.4, 2.4 * d + 0.8)
    fig = Figure(figsize=(max(SIZE[0] * 0.7, side), side), layout="constrained")
    axes = np.atleast_2d(fig.subplots(d, d, squeeze=False))
    tried = _numbers(result, np.concatenate([w.points for w in m.waves]))
    kept = _numbers(result, m.points)
    size = 8 + 120 * m.weights / m.weights.max()
    for i, bi in enumerate(plan.bounds):
        for j, bj in enumerate(plan.bounds):
            ax = axes[i, j]
            if j > i:
                ax.axis("off")
                continue
            if i == j:
                edges = _edges(bj)
                weights, _ = np.histogram(kept[:, j], bins=edges, weights=m.weights)
                ax.stairs(weights, edges, fill=True, color=BLUE, alpha=0.7, label="posterior")
                ax.axhline(1 / (len(edges) - 1), color=GREY, ls="--", lw=1.2, label="prior")
                ax.set_yticks([])
            else:
                ax.scatter(tried[:, j], tried[:, i], s=6, color=GREY, alpha=0.5, lw=0, label="tried")
                ax.scatter(kept[:, j], kept[:, i], s=size, color=BLUE, alpha=0.5, lw=0, label="kept")
                _axis(ax, bi, "y")
            _axis(ax, bj, "x")
            if i == d - 1:
                ax.set_xlabel(textwrap.fill(bj.parameter.name, 24), fontsize=10)
            if j == 0 and i > 0:
                ax.set_ylabel(textwrap.fill(bi.parameter.name, 24), fontsize=10)
    shown = [axes[0, 0]] + ([axes[-1, 0]] if d > 1 else [])
    handles = [h for ax in shown for h in ax.get_legend_handles_labels()[0]]
    labels = [label for ax in shown for label in ax.get_legend_handles_labels()[1]]
    (axes[0, -1] if d > 1 else axes[0, 0]).legend(handles, labels, frameon=False, fontsize=10, loc="upper right")
    figure_title(fig, "Parameter sets kept (blue, sized by weight) among all tried (grey)",
                 f"{len(m.points)} kept, effective size {m.effective_size:.0f}")
    return fig


def _numbers(result: CalibrationResult, unit: np.ndarray) -> np.ndarray:
    """The values the sets at ``unit`` ran with, as numbers (dates as day ordinals)."""
    from sim.studies.calibrate import values_at

    rows = values_at(result.plan, unit)
    return np.array([[v.toordinal() if isinstance(v, dt.date) else float(v) for v in row] for row in rows],
                    dtype=float).reshape(len(rows), len(result.plan.bounds))


def _edges(b: Bounds) -> np.ndarray:
    """Histogram bins over the prior: one per value of a whole number or date (up to 20),
    else ten."""
    low, high = b.numbers()
    if b.kind != "float" and high - low < 20:
        return np.arange(low - 0.5, high + 1.0)
    return np.linspace(low, high, 11)


def _axis(ax: Axes, b: Bounds, which: str) -> None:
    """The prior's range on one axis, with dates shown as dates."""
    low, high = b.numbers()
    pad = 0.5 if b.kind != "float" else 0.0
    (ax.set_xlim if which == "x" else ax.set_ylim)(low - pad, high + pad)
    if b.kind == "date":
        axis = ax.xaxis if which == "x" else ax.yaxis
        axis.set_major_formatter(FuncFormatter(lambda v, _=None: dt.date.fromordinal(int(v)).isoformat()))
