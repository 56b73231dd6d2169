"""Figures of a comparison (``rollout-sim compare A B --out``): per site, B's change
against A with its 95% CI as a dot and whisker, zero marked, one figure per measure.

Drawn like :mod:`sim.output.run_figures` (no pyplot, Okabe-Ito colours, PNG, and SVG on
request) from the comparison as compare.json holds it, so a figure shows exactly what
the table of the page says.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from sim.output.run_figures import BLUE, ORANGE, SIZE, STYLE, figure_title, save_figure

# Measure -> (file stem, axis label, [(field, legend)]), in the page's order. A field is
# read by ``_change``: the risk in percentage points, the others as compare.json has them.
MEASURES: dict[str, tuple[str, str, list[tuple[str, str]]]] = {
    "risk": ("compare-risk", "change in the risk of not being ready (percentage points)",
             [("risk", "risk of not being ready")]),
    "completion": ("compare-completion", "change in completion date (days; positive: later)",
                   [("p50_completion", "P50 completion"), ("p80_completion", "P80 completion")]),
    "untrained": ("compare-untrained", "change in expected untrained staff at go-live (people)",
                  [("expected_untrained", "expected untrained")]),
}


def _change(site: dict[str, Any], field: str) -> tuple[float, float | None, float | None] | None:
    """(change, CI low, CI high) of one measure for one site, or None when not defined."""
    if field == "risk":
        low, high = site.get("risk_difference_ci95") or [None, None]
        d = site.get("risk_difference")
        scale = 100.0
    elif field == "expected_untrained":
        low, high = site.get("expected_untrained_difference_ci95") or [None, None]
        d = site.get("expected_untrained_difference")
        scale = 1.0
    else:
        diff = site.get(f"{field}_difference") or {}
        d = diff.get("days")
        low, high = diff.get("ci95") or [None, None]
        scale = 1.0
    if d is None:
        return None
    return (scale * d, None if low is None else scale * low, None if high is None else scale * high)


def compare_figure(result: dict[str, Any], names: dict[str, str], measure: str) -> Figure | None:
    """One measure's figure, or None when no site has it (every date beyond the horizon)."""
    _, axis, fields = MEASURES[measure]
    sites = list(result["sites"])
    values = {f: [_change(result["sites"][s], f) for s in sites] for f, _ in fields}
    if not any(v is not None for vs in values.values() for v in vs):
        return None
    # As wide as every other figure (SIZE), so that a phone shows it at a readable size too.
    fig = Figure(figsize=(SIZE[0], max(2.6, 1.4 + 0.6 * len(sites))), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(sites))[::-1].astype(float)  # the first site on top
    offsets = np.linspace(0.15, -0.15, len(fields)) if len(fields) > 1 else [0.0]
    for (field, legend), offset, colour in zip(fields, offsets, (BLUE, ORANGE)):
        for k, v in enumerate(values[field]):
            if v is None:
                continue
            d, low, high = v
            if low is not None and high is not None:
                ax.plot([low, high], [y[k] + offset] * 2, color=colour, linewidth=2, solid_capstyle="butt")
            ax.plot([d], [y[k] + offset], "o", color=colour, markersize=7,
                    label=legend if k == next(i for i, x in enumerate(values[field]) if x is not None) else None)
    ax.axvline(0, color="black", linewidth=1)
    ax.set_yticks(y, [names.get(s, s) for s in sites])
    ax.set_ylim(-0.7, len(sites) - 0.3)
    ax.set_xlabel(axis)
    ax.grid(axis="x", alpha=0.3)
    _symmetric(ax)
    if len(fields) > 1:
        ax.legend(frameon=False, loc="best")
    how = "paired by replication" if result["paired"] else "independent runs"
    figure_title(fig, f"B against A: {MEASURES[measure][2][0][1] if len(fields) == 1 else 'completion dates'}",
                 f"dot: change, line: 95% CI; {how}")
    return fig


def _symmetric(ax: Any) -> None:
    """Zero in the middle, so that better and worse read at a glance."""
    low, high = ax.get_xlim()
    reach = max(abs(low), abs(high), 1e-9)
    ax.set_xlim(-reach, reach)


def compare_figures(result: dict[str, Any], names: dict[str, str], folder: Path, svg: bool = False) -> list[Path]:
    """Write a figure per measure into ``folder``; the paths written (PNG, and SVG with ``svg``)."""
    written: list[Path] = []
    folder.mkdir(exist_ok=True)
    with matplotlib.rc_context(STYLE):
        for measure, (stem, _, _) in MEASURES.items():
            fig = compare_figure(result, names, measure)
            if fig is not None:
                written += save_figure(fig, folder, stem, svg)
    return written
