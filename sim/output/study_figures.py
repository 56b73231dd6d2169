"""Figures of studies: risk against a swept value, tornado charts, sensitivity indices.

Drawn like :mod:`sim.output.run_figures` (no pyplot, Okabe-Ito colours, PNG, and SVG on request) from the rows a
study writes to its CSV files, so a figure shows exactly what the table says.

Each figure explains itself: sites by name, inputs by their label and unit from
:mod:`sim.model.labels` (the dotted key in small grey print beside it, as the user writes
it in ``--set``), the base marked (the swept key's value in the unchanged model; the
tornado's base risk), and a panel where nothing is distinguishable from no effect says
so rather than staying blank. The model (its raw tables, as the study's base scenario
has them) is optional: without it, sites and elements are named by their ids.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.dates import date2num
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from sim.model.design import Point
from sim.model.labels import Label, label
from sim.model.overrides import value_or_none
from sim.output.run_figures import (
    BLACK,
    GREY,
    PALETTE,
    PCT,
    SIZE,
    STYLE,
    Slugs,
    _fmt,
    _plain,
    figure_title,
    save_figure,
)
from sim.studies.sweep import ANY_SITE  # sweep.csv's rows of the risk that at least one site is not ready

SMALL = 10  # points: the dotted keys in small print
NO_EFFECT = "no effect at this precision"
Model = Mapping[str, Any]


Progress = Callable[[int, int], None]  # (figures drawn, figures in all), after each figure


def _tell(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None:
        progress(done, total)


def site_names(model: Model | None) -> dict[str, str]:
    """Site id -> name, from the model's raw ``[[site]]`` tables (empty without a model)."""
    sites = (model or {}).get("site", [])
    return {str(s["id"]): str(s.get("name") or s["id"]) for s in sites if isinstance(s, Mapping) and "id" in s}


def _site(site: str, names: Mapping[str, str]) -> str:
    """How a site is named in a figure: its name, else its id; the joint rows of a sweep
    as what they are."""
    return "Any site" if site == ANY_SITE else names.get(site, site)


def key_print(ax: Axes, key: str, below: str = "x") -> None:
    """The dotted ``key`` in small grey print under the x-axis label (``below="x"``) or
    under the panel's title (``"title"``), so a reader sees the label and a user the key
    to write in ``--set``. Anchored to that text, so it follows it wherever the layout
    puts it."""
    anchor = ax.xaxis.label if below == "x" else ax.title
    ax.annotate(_plain(key), xy=(0.5, 0), xycoords=anchor, xytext=(0, -2), textcoords="offset points",
                ha="center", va="top", fontsize=SMALL, color=GREY, annotation_clip=False)


def _value_text(value: Any, unit: str) -> str:
    """A model value as a reader sees it: a date as "7 May 2022", a distribution by its
    parameters, a number with its unit."""
    if isinstance(value, dt.date):
        return _fmt(value)
    if isinstance(value, Mapping):
        parts = ", ".join(f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}" for k, v in value.items() if k != "dist")
        return f"{value.get('dist', 'distribution')} ({parts})"
    if isinstance(value, float):
        return f"{value:g} {unit}".strip()
    return f"{value} {unit}".strip()


# ---------------------------------------------------------------- sweep

def _x(values: list[Any]) -> tuple[np.ndarray, bool]:
    """Numbers to plot a swept value at (dates as dates), and whether they are dates."""
    if all(isinstance(v, dt.date) for v in values):
        return np.array([date2num(v) for v in values]), True
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return np.array(values, dtype=float), False
    return np.arange(len(values), dtype=float), False  # distributions or text: in order


def _tick_text(value: Any, written: str) -> str:
    """A tick of a swept value: the value set (in the axis's unit), with the value as
    written beneath it when that reads differently ("14" over "(2w)")."""
    if isinstance(value, (bool, str, Mapping)):  # not a number on the axis: as the user wrote it
        return written
    shown = _fmt(value) if isinstance(value, dt.date) else f"{value:g}" if isinstance(value, float) else str(value)
    return shown if written in (shown, str(value)) else f"{shown}\n({written})"


def sweep_figures(rows: list[dict[str, Any]], points: list[Point], folder: Path, experiment: str, svg: bool = False,
                  model: Model | None = None, progress: Progress | None = None) -> list[Path]:
    """One figure per site: the risk of not being ready against the first key's value,
    with its 95% CI as a band, one line per combination of the other keys' values; the
    key's value in the unchanged ``model`` (the study's base scenario) is marked."""
    written: list[Path] = []
    slug = Slugs()
    by_name = {p.name: p for p in points}
    key = points[0].settings[0][0]
    name = label(key, model)
    names = site_names(model)
    base = value_or_none(model, key)  # the unchanged model's value, marked
    with matplotlib.rc_context(STYLE):
        sites = list(dict.fromkeys(r["site"] for r in rows))
        for done, site in enumerate(sites, 1):
            mine = [r for r in rows if r["site"] == site]
            fig = sweep_figure(site, mine, by_name, name, base, names, experiment)
            written += save_figure(fig, folder, f"sweep-{slug(site)}", svg)
            _tell(progress, done, len(sites))
    return written


def sweep_figure(site: str, rows: list[dict[str, Any]], by_name: Mapping[str, Point], name: Label, base: Any,
                 names: Mapping[str, str], experiment: str) -> Figure:
    """One site's sweep figure (see :func:`sweep_figures`)."""
    fig = Figure(figsize=SIZE, layout="constrained")
    ax = fig.add_subplot()
    lines: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for r in rows:
        lines.setdefault(by_name[r["point"]].labels[1:], []).append(r)
    first = by_name[rows[0]["point"]]
    others = [k for k, _ in first.settings[1:]]
    is_date = False
    marked = False
    for colour, (rest, mine) in zip(PALETTE * 4, lines.items()):
        values = [by_name[r["point"]].settings[0][1] for r in mine]
        x, is_date = _x(values)
        risk, low, high = (np.array([np.nan if r[f] is None else r[f] for r in mine], dtype=float)
                           for f in ("risk", "risk_ci95_low", "risk_ci95_high"))
        text = ", ".join(f"{label(k).text} = {v}" for k, v in zip(others, rest)) or None
        ax.fill_between(x, low, high, color=colour, alpha=0.2, linewidth=0)
        ax.plot(x, risk, "o-", color=colour, lw=2, ms=6, label=_plain(text) if text else None)
        ax.set_xticks(x, [_tick_text(v, by_name[r["point"]].labels[0]) for v, r in zip(values, mine)])
        # The base point: where the swept value is the model's own, ringed on every line.
        at = [i for i, v in enumerate(values) if base is not None and not isinstance(base, Mapping) and v == base]
        for i in at:
            ax.plot(x[i], risk[i], "o", ms=15, mfc="none", mec=BLACK, mew=2, zorder=5)
            ax.annotate(f"base {risk[i]:.0%}", (x[i], risk[i]), xytext=(0, 12), textcoords="offset points",
                        ha="center", va="bottom", fontsize=12, fontweight="bold")
            marked = True
    if base is not None and not marked:
        _base_outside_points(ax, base, name.unit, is_date)
    ax.set_ylim(-0.02, 1.08)
    ax.yaxis.set_major_formatter(PCT)
    ax.set_xlabel(_plain(name.axis))
    key_print(ax, name.key)
    ax.set_ylabel("risk of not being ready")
    ax.grid(axis="y", alpha=0.3)
    handles, texts = ax.get_legend_handles_labels()
    if texts:
        ax.legend(handles, texts, frameon=False, fontsize=11, loc="upper left", ncols=2 if len(texts) > 3 else 1)
    n = rows[0]["replications"]
    # The input varied is the x axis's label: the title stays short enough for one line.
    title = ("Risk that at least one site is not ready" if site == ANY_SITE
             else f"{_site(site, names)}: risk of not being ready")
    ring = "; ring: the model's own value" if marked else ""
    figure_title(fig, title, f"{experiment}; {n:,} replications a point, same random numbers; band: 95% CI{ring}")
    return fig


def _base_outside_points(ax: Axes, base: Any, unit: str, is_date: bool) -> None:
    """The model's value when no swept point has it: a line at it (a band over a
    distribution's range), or a note when it is not on the axis at all."""
    text = f"in the model: {_value_text(base, unit)}"
    low, high = (base.get("low"), base.get("high")) if isinstance(base, Mapping) else (None, None)
    if isinstance(low, (int, float)) and isinstance(high, (int, float)) and not is_date:
        ax.axvspan(low, high, color=GREY, alpha=0.25, lw=0, label=_plain(text))
    elif isinstance(base, dt.date) and is_date:
        ax.axvline(date2num(base), color=BLACK, ls="--", lw=1.5, label=_plain(text))
    elif isinstance(base, (int, float)) and not isinstance(base, bool) and not is_date:
        ax.axvline(float(base), color=BLACK, ls="--", lw=1.5, label=_plain(text))
    else:
        ax.text(0.99, 0.98, _plain(text), transform=ax.transAxes, ha="right", va="top", fontsize=11, color=GREY)


# ---------------------------------------------------------------- tornado

def _changes(mine: list[dict[str, Any]], parameter: str, field: str) -> dict[str, tuple[float, float, float]]:
    """A parameter's change in ``field`` at each end: (change, CI low, CI high), NaN where
    there is none."""
    out = {}
    for r in mine:
        if r["parameter"] == parameter:
            v = r[field]
            lo, hi = r[f"{field}_ci95_low"], r[f"{field}_ci95_high"]
            x = np.nan if v is None else float(v)
            out[r["end"]] = (x, x if lo is None else float(lo), x if hi is None else float(hi))
    return out


def swing(changes: Mapping[str, tuple[float, float, float]]) -> float:
    """How far a parameter moves an output across its range: from the lowest to the
    highest of the base (0) and its two ends' changes. 0 where no end has a value."""
    values = [c[0] for c in changes.values() if not np.isnan(c[0])]
    return (max(values + [0.0]) - min(values + [0.0])) if values else 0.0


def distinguishable(changes: Mapping[str, tuple[float, float, float]]) -> bool:
    """Whether either end's change differs from none at this precision: its 95% CI
    leaves out zero."""
    return any(not np.isnan(v) and (lo > 0 or hi < 0) for v, lo, hi in changes.values())


def tornado_figures(rows: list[dict[str, Any]], folder: Path, experiment: str, svg: bool = False,
                    model: Model | None = None, summary: Mapping[str, Any] | None = None,
                    progress: Progress | None = None) -> list[Path]:
    """One figure per site: each parameter's risk of not being ready (top) and change in
    P80 completion (bottom) at its low and high value, as bars from the base, with paired
    95% CIs as whiskers; each panel sorted by swing, largest at the top.

    ``model``: the base scenario's raw tables (site and element names); ``summary``: the
    study's summary.json (the base's P80 date), both optional."""
    written: list[Path] = []
    slug = Slugs()
    names = site_names(model)
    with matplotlib.rc_context(STYLE):
        sites = list(dict.fromkeys(r["site"] for r in rows))
        for done, site in enumerate(sites, 1):
            mine = [r for r in rows if r["site"] == site]
            base_site = (summary or {}).get("scenarios", {}).get("base", {}).get("sites", {}).get(site)
            fig = tornado_figure(mine, _site(site, names), experiment, model, base_site)
            written += save_figure(fig, folder, f"tornado-{slug(site)}", svg)
            _tell(progress, done, len(sites))
    return written


ROW = 0.75  # inches a row of a tornado or index chart: its header line(s) and its bars
BAR = 0.22  # a bar's height, in rows


def tornado_figure(mine: list[dict[str, Any]], site_name: str, experiment: str, model: Model | None,
                   base_site: Mapping[str, Any] | None) -> Figure:
    """One site's tornado (see :func:`tornado_figures`)."""
    params = list(dict.fromkeys(r["parameter"] for r in mine))
    first = {p: next(r for r in mine if r["parameter"] == p) for p in params}
    ends = {(r["parameter"], r["end"]): str(r["value"]) for r in mine}
    # The base risk is the same in every row: the risk at an end less its paired change
    # (a mean of paired differences is the difference of the means).
    base_risk = next((float(r["risk"]) - float(r["risk_change"]) for r in mine
                      if r["risk"] is not None and r["risk_change"] is not None), None)
    fig = Figure(figsize=(SIZE[0], 2.0 + 2 * (1.3 + ROW * len(params))), layout="constrained")
    top, bottom = fig.subplots(2, 1)
    base_p80 = (base_site or {}).get("completion_date", {}).get("p80")
    labels = {p: label(first[p]["key"], model) for p in params}
    panels = ((top, "risk_change", base_risk or 0.0, "Risk of not being ready",
               f"base {base_risk:.0%}" if base_risk is not None else "base",
               "risk of not being ready (black line: the base)"),
              (bottom, "p80_change_days", 0.0, "P80 completion date",
               f"base P80 {_fmt(dt.date.fromisoformat(base_p80))}" if base_p80 else "base P80",
               "change in P80 completion (days; + later)"))
    for ax, field, origin, title, base_text, xlabel in panels:
        changes = {p: _changes(mine, p, field) for p in params}
        order = sorted(params, key=lambda p: (swing(changes[p]), p))  # the largest swing at the top
        headers = {p: f"{labels[p].axis}: {ends.get((p, 'low'), '?')} to {ends.get((p, 'high'), '?')}" for p in params}
        _tornado_panel(ax, order, changes, origin, ends, percent=field == "risk_change")
        _row_headers(ax, [headers[p] for p in order], [labels[p].key for p in order])
        ax.axvline(origin, color=BLACK, lw=1.5, zorder=4)
        ax.annotate(base_text, (origin, 1), xycoords=("data", "axes fraction"), xytext=(3, -2),
                    textcoords="offset points", ha="left", va="top", fontsize=12, fontweight="bold")
        ax.set_xlabel(xlabel)
        quiet = not any(distinguishable(changes[p]) for p in params)
        ax.set_title(f"{title}, each input at its low and high end" +
                     (f"\n{NO_EFFECT}: every 95% CI includes no change" if quiet else ""),
                     fontsize=13, loc="left", color=GREY if quiet else BLACK)
    handles, texts = top.get_legend_handles_labels()
    fig.legend(handles, texts, loc="outside lower center", ncols=2, frameon=False)
    n = mine[0]["replications"]
    figure_title(fig, f"{site_name}: what moves readiness most",
                 f"{experiment}; one input at a time, {n:,} paired replications; whiskers: 95% CI")
    return fig


def _tornado_panel(ax: Axes, order: list[str], changes: Mapping[str, Mapping[str, tuple[float, float, float]]],
                   origin: float, ends: Mapping[tuple[str, str], str], percent: bool) -> None:
    """Bars from ``origin`` to origin + change at each end of each parameter, one row per
    parameter from the bottom (``order``), each end's value written beyond its bar's
    whisker (where the bar has a length)."""
    y = np.arange(len(order), dtype=float)
    reach = [origin]
    for end, colour, shift in (("low", PALETTE[0], -BAR / 2), ("high", PALETTE[1], BAR / 2)):
        v, lo, hi = (np.array([changes[p].get(end, (np.nan,) * 3)[i] for p in order]) for i in range(3))
        ok = ~np.isnan(v)
        ax.barh(y[ok] + shift, v[ok], left=origin, height=BAR, color=colour, label=f"input at its {end} end")
        # A risk's interval is of a paired difference and may reach past 0% or 100%: the
        # whisker stops there, as a risk does.
        low_end, high_end = origin + lo[ok], origin + hi[ok]
        if percent:
            low_end, high_end = low_end.clip(0, 1), high_end.clip(0, 1)
        err = np.array([origin + v[ok] - low_end, high_end - origin - v[ok]]).clip(0)
        ax.errorbar(origin + v[ok], y[ok] + shift, xerr=err, fmt="none", ecolor=BLACK, elinewidth=1, capsize=2)
        reach += list(low_end) + list(high_end)
        for yy, p, x, left_end, right_end in zip(y[ok] + shift, np.array(order)[ok], origin + v[ok], low_end,
                                                  high_end):
            if x == origin:
                continue  # no bar to write at: the header gives the range
            right = x > origin
            # Written beyond the whisker, where the bar's colour is not under it.
            ax.annotate(_plain(ends.get((p, end), "")), (max(x, right_end) if right else min(x, left_end), yy),
                        xytext=(4 if right else -4, 0), textcoords="offset points", ha="left" if right else "right",
                        va="center", fontsize=11, color=colour)
    lo_x, hi_x = min(reach), max(reach)
    pad = max(hi_x - lo_x, 0.1 if percent else 7) * 0.15  # room for the values written at the bar ends
    ax.set_xlim(lo_x - pad, hi_x + pad)
    ax.grid(axis="x", alpha=0.3)
    if percent:
        ax.xaxis.set_major_formatter(PCT)
    else:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:+.0f}".replace("-", "\u2212") if x else "0"))


def _row_headers(ax: Axes, texts: list[str], keys: list[str], figure_width: float = SIZE[0]) -> None:
    """Above the bars of row ``i`` (at y = i), ``texts[i]`` and its dotted key in small
    grey print: after it on the same line where both fit the panel's width (the figure's
    ``figure_width`` inches, less margins), else on a line of its own beneath it. Sets
    the panel's y limits so every header fits."""
    width = figure_width * 72 * 0.92  # points: the panel spans the figure (no tick labels), less margins
    above = BAR * ROW * 72 + 2  # points from a row's centre to the top of its bars, and a gap
    for y, text, key in zip(range(len(texts)), texts, keys):
        fits = len(text) * 0.55 * 12 + len(key) * 0.55 * SMALL + 8 <= width
        line = ax.annotate(_plain(text), (0, y), xycoords=("axes fraction", "data"), xytext=(0, above + (0 if fits else SMALL + 3)),
                           textcoords="offset points", ha="left", va="bottom", fontsize=12)
        if fits:
            ax.annotate(_plain(key), (1, 0), xycoords=line, xytext=(8, 1), textcoords="offset points", ha="left",
                        va="bottom", fontsize=SMALL, color=GREY)
        else:
            ax.annotate(_plain(key), (0, 0), xycoords=line, xytext=(0, -2), textcoords="offset points", ha="left",
                        va="top", fontsize=SMALL, color=GREY)
    ax.set_ylim(-0.5, len(texts) - 0.1)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)


# ---------------------------------------------------------------- indices

def index_figures(rows: list[dict[str, Any]], method: str, folder: Path, experiment: str, svg: bool = False,
                  model: Model | None = None, keys: Mapping[str, str] | None = None,
                  progress: Progress | None = None) -> list[Path]:
    """One figure per site and output: each parameter's sensitivity index with its 95%
    CI (Morris mu*, or Sobol' first-order and total), sorted, the largest at the top.

    ``keys``: each parameter's dotted key by its name (its label and unit come from
    :mod:`sim.model.labels`); ``model``: the base scenario's raw tables (names)."""
    written: list[Path] = []
    slug = Slugs()
    names = site_names(model)
    with matplotlib.rc_context(STYLE):
        cells = list(dict.fromkeys((r["site"], r["output"]) for r in rows))
        for done, (site, output) in enumerate(cells, 1):
            mine = [r for r in rows if r["site"] == site and r["output"] == output]
            fig = index_figure(mine, method, output, _site(site, names), experiment, model, keys or {})
            written += save_figure(fig, folder, f"{method}-{slug(site)}-{slug(output)}", svg)
            _tell(progress, done, len(cells))
    return written


def index_figure(mine: list[dict[str, Any]], method: str, output: str, site_name: str, experiment: str,
                 model: Model | None, keys: Mapping[str, str]) -> Figure:
    """One site's and output's indices (see :func:`index_figures`)."""
    fields = [("mu_star", "mu*")] if method == "morris" else [("S1", "first order"), ("ST", "total")]

    def value(r: dict[str, Any], field: str) -> float:
        v = r[field]
        return 0.0 if v is None or (isinstance(v, float) and np.isnan(v)) else float(v)

    mine = sorted(mine, key=lambda r: (value(r, fields[-1][0]), r["parameter"]))
    fig = Figure(figsize=(SIZE[0], 1.8 + ROW * len(mine)), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(mine), dtype=float)
    width = 2 * BAR / len(fields)
    for k, ((field, name), colour) in enumerate(zip(fields, PALETTE)):
        ax.barh(y + (k - (len(fields) - 1) / 2) * width, [value(r, field) for r in mine], height=width,
                xerr=[value(r, f"{field}_conf") for r in mine], color=colour, label=name,
                error_kw={"elinewidth": 1, "capsize": 2})
    labels = [label(keys[r["parameter"]], model) if r["parameter"] in keys else None for r in mine]
    _row_headers(ax, [name.axis if name else r["parameter"] for name, r in zip(labels, mine)],
                 [name.key if name else "" for name in labels])
    ax.axvline(0, color=BLACK, linewidth=0.8)
    ax.grid(axis="x", alpha=0.3)
    what = output.replace("_", " ")
    ax.set_xlabel(f"{'Morris mu* (in units of the output)' if method == 'morris' else 'Sobol index (share of variance)'}"
                  f" of {what}")
    main = fields[-1][0]
    if not any(value(r, main) - value(r, f"{main}_conf") > 0 for r in mine):
        ax.set_title(f"{NO_EFFECT}: every 95% CI reaches 0", fontsize=13, loc="left", color=GREY)
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=len(fields), frameon=False)
    figure_title(fig, f"{site_name}: sensitivity of {what}", f"{experiment}; {method}; whiskers: 95% CI")
    return fig
