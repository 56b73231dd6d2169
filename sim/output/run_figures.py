"""Figures of a results folder, drawn only from the files in it (so a folder copied to
another machine plots the same): completion-date distributions, readiness S-curves,
risk of not being ready with the paired scenario differences, and weekly bottlenecks.

Figures are built on :class:`matplotlib.figure.Figure` (no pyplot, no global backend or
state) and saved to ``<results>/figures/`` as PNG (150 dpi) and SVG with the same name.
"""
from __future__ import annotations

import csv
import datetime as dt
import math
import re
import textwrap
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.dates import AutoDateLocator, MonthLocator, date2num, num2date
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

from sim.analysis.bottlenecks import read_bottlenecks
from sim.analysis.curves import ShareHistogram, read_curves
from sim.analysis.summary import columns_from_rows, risk_by_threshold
from sim.analysis.summary_format import Interval, ScenarioSummary, SiteSummary, Summary, read_summary
from sim.model.spec import share_text

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
BLUE, ORANGE, GREEN, PINK, SKY, RED, YELLOW, BLACK = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
PALETTE = [BLUE, ORANGE, GREEN, PINK, SKY, RED, YELLOW, BLACK]
GREY = "#777777"
SIZE = (10.0, 5.6)  # inches: a 16:9 slide
DPI = 150
BINDING = 0.9  # utilisation at which capacity binds
STYLE: dict[RcKeyType, Any] = {"font.size": 12, "axes.titlesize": 13, "figure.titlesize": 14, "legend.fontsize": 11,
         "xtick.labelsize": 11, "ytick.labelsize": 11, "axes.spines.top": False,
         "axes.spines.right": False, "font.family": "DejaVu Sans", "svg.hashsalt": "rollout-sim"}
PCT = PercentFormatter(xmax=1.0, decimals=0)

Row = dict[str, str]

# The completion-date quantiles the completion figure marks: keys of DateQuantiles.
Marked = Literal["p50", "p80", "p90"]
MARKED: tuple[Marked, ...] = ("p50", "p80", "p90")


def write_figures(results_dir: Path) -> list[Path]:
    """Draw every figure of the results folder ``results_dir`` into ``results_dir/figures``.

    Reads summary.json, replications.csv, curves.npz and (when present) bottlenecks.npz;
    returns the files written, a PNG and an SVG per figure.
    """
    results_dir = Path(results_dir)
    summary = read_summary(results_dir / "summary.json")
    with open(results_dir / "replications.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    out = results_dir / "figures"
    out.mkdir(exist_ok=True)
    by_cell: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in rows:
        by_cell[row["scenario"], row["site"]].append(row)
    slug, site_slug = Slugs(), Slugs()  # scenarios and sites each get their own unique slugs
    written: list[Path] = []
    with matplotlib.rc_context(STYLE):
        for name, scenario in summary["scenarios"].items():
            for site_id, site in scenario["sites"].items():
                fig = completion_figure(name, site, by_cell[name, site_id], summary["replications"])
                written += save_figure(fig, out, f"completion-{slug(name)}-{site_slug(site_id)}")
        if (results_dir / "curves.npz").is_file():
            for name, hist in _known(read_curves(results_dir / "curves.npz"), summary):
                fig = s_curve_figure(name, summary["scenarios"][name], hist, by_cell)
                written += save_figure(fig, out, f"s-curves-{slug(name)}")
        written += save_figure(readiness_figure(summary, by_cell), out, "readiness")
        written += save_figure(risk_figure(summary), out, "risk")
        if (results_dir / "bottlenecks.npz").is_file():  # older folders have none
            for name, weekly in _known(read_bottlenecks(results_dir / "bottlenecks.npz"), summary):
                written += save_figure(bottleneck_figure(name, summary["scenarios"][name], weekly), out,
                                 f"bottlenecks-{slug(name)}")
    return written


def _known(by_scenario: dict[str, Any], summary: Summary) -> list[tuple[str, Any]]:
    """The entries of the scenarios that summary.json has, in its order."""
    return [(name, by_scenario[name]) for name in summary["scenarios"] if name in by_scenario]


# ---------------------------------------------------------------- completion dates

def completion_figure(scenario: str, site: SiteSummary, rows: list[Row], n: int) -> Figure:
    """Histogram (top) and ECDF (bottom) of one site's completion dates in one scenario,
    with go-live, P50/P80/P90 and the share finishing on or after go-live marked."""
    done = sorted(_date(r["completion_date"]) for r in rows if r["completion_date"])
    go_lives = [_date(r["go_live"]) for r in rows]
    n = len(rows) or n
    late = sum(1 for r, g in zip(rows, go_lives) if not r["completion_date"] or _date(r["completion_date"]) >= g)
    go_live = _date(site["go_live"])
    fig = Figure(figsize=SIZE, layout="constrained")
    grid = fig.add_gridspec(2, 2, width_ratios=[3.2, 1], height_ratios=[1, 1.3])
    top = fig.add_subplot(grid[0, 0])
    bottom = fig.add_subplot(grid[1, 0], sharex=top)
    side = fig.add_subplot(grid[:, 1])
    side.axis("off")
    top.tick_params(labelbottom=False)
    figure_title(fig, f"{site['name']}: when is training complete?", f"{scenario}, {n} replications")
    marks = {q: site["completion_date"].get(q) for q in MARKED}
    span = [go_live, *done, *go_lives, *(_date(d) for d in marks.values() if d)]
    lo, hi = min(span), max(span)
    pad = dt.timedelta(days=max(3, (hi - lo).days // 12))
    if done:
        width = max(1, math.ceil(((done[-1] - done[0]).days + 1) / 30))
        edges = np.arange(date2num(done[0]), date2num(done[-1]) + width + 1, width)
        # matplotlib's stub types bins as Sequence[float]; hist hands it to np.histogram, which takes any array.
        top.hist(date2num(done), bins=edges, color=BLUE, alpha=0.85, edgecolor="white",  # type: ignore[arg-type]
                 label="completion dates")
        x = date2num(done)
        y = np.arange(1, len(done) + 1) / n
        bottom.step(np.r_[date2num(lo - pad), x, date2num(hi + pad)], np.r_[0, y, y[-1]], where="post",
                    color=BLUE, lw=2.2, label="training complete")
    else:
        top.text(0.5, 0.5, "no replication reached the threshold within the horizon", transform=top.transAxes,
                 ha="center", va="center", color=GREY)
    top.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
    top.set_ylabel("replications" + (f"\nper {width} days" if done and width > 1 else ""))
    drawn = max(go_lives, default=go_live) > min(go_lives, default=go_live)
    for ax in (top, bottom):
        ax.axvline(date2num(go_live), color=BLACK, lw=1.8, label="go-live")
    if drawn:  # go-lives moved by drawn delays: their distribution, to compare with completion's
        x = date2num(sorted(go_lives))
        bottom.step(np.r_[date2num(lo - pad), x, date2num(hi + pad)], np.r_[0, np.arange(1, n + 1) / n, 1],
                    where="post", color=BLACK, lw=1.5, ls="--", label="go-live after\ndrawn delays")
    top.set_ylim(0, top.get_ylim()[1] * 1.2)  # room for the go-live label
    right_side = (go_live - lo) > 0.6 * (hi - lo)  # label on the side with room
    top.annotate(f"go-live {_fmt(go_live)}" + (" (before drawn delays)" if drawn else ""), (date2num(go_live), 1.0),
                 xycoords=top.get_xaxis_transform(), xytext=(-5 if right_side else 5, -2), textcoords="offset points",
                 ha="right" if right_side else "left", va="top", fontsize=11)
    for (q, day), colour, marker in zip(marks.items(), (ORANGE, GREEN, PINK), "osD"):
        if day:
            x, level = date2num(_date(day)), int(q[1:]) / 100
            bottom.plot([x, x], [0, level], ":", color=colour, lw=1.5)
            bottom.plot([x], [level], marker, color=colour, ms=8, zorder=5, label=f"{q.upper()} {_fmt(_date(day))}")
    bottom.set_ylim(0, 1.05)
    bottom.yaxis.set_major_formatter(PCT)
    bottom.set_ylabel("complete by date")
    unique = {label: h for ax in (bottom, top) for h, label in zip(*ax.get_legend_handles_labels())}
    order = [label for ax in (top, bottom) for label in ax.get_legend_handles_labels()[1]]
    side.legend([unique[k] for k in dict.fromkeys(order)], list(dict.fromkeys(order)), loc="upper left",
                frameon=False, borderaxespad=0)
    share = late / n if n else math.nan
    note = (f"Not complete before\ngo-live: {share:.0%}\n({late} of {n} replications)"
            + (f"\n\n{n - len(done)} not complete\nwithin the horizon\n(not drawn)" if len(done) < n else ""))
    side.text(0.0, 0.0, note, transform=side.transAxes, ha="left", va="bottom", fontsize=12,
              bbox={"boxstyle": "round", "fc": "white", "ec": GREY})
    _date_axis(bottom, lo - pad, hi + pad)
    return fig


def _go_live_marks(ax: Axes, go_live: dt.date, drawn: list[dt.date]) -> dt.date:
    """Go-live as a black line; P10-P90 of the go-lives after drawn delays as a grey band.
    Returns the latest date marked."""
    ax.axvline(date2num(go_live), color=BLACK, lw=1.8)
    if not drawn or max(drawn) == min(drawn):
        return go_live
    p10, p90 = np.quantile(date2num(drawn), [0.1, 0.9], method="inverted_cdf")
    ax.axvspan(p10, p90 + 1, color=GREY, alpha=0.2, lw=0, label="go-live P10–P90 after drawn delays")
    return max(go_live, num2date(p90).date())


# ---------------------------------------------------------------- S-curves

def s_curve_figure(scenario: str, summary: ScenarioSummary, hist: ShareHistogram,
                   by_cell: dict[tuple[str, str], list[Row]]) -> Figure:
    """One panel per site: median trained share by day with P10-P90 and P2.5-P97.5
    bands, go-live and the readiness threshold marked."""
    q = hist.quantiles([0.025, 0.1, 0.5, 0.9, 0.975])
    days = np.array([date2num(hist.epoch + dt.timedelta(days=d)) for d in range(hist.n_days)])
    fig, axes = _grid(len(hist.sites))
    figure_title(fig, "Staff trained by date: median, P10–P90 and P2.5–P97.5", f"{scenario}, {hist.replications} replications")
    for k, (ax, site_id) in enumerate(zip(axes, hist.sites)):
        site = summary["sites"].get(site_id)  # None: a site of curves.npz that summary.json lacks
        go_live = _date(site["go_live"]) if site is not None else hist.epoch
        ax.fill_between(days, q[0, k], q[4, k], color=SKY, alpha=0.35, lw=0, label="P2.5–P97.5")
        ax.fill_between(days, q[1, k], q[3, k], color=BLUE, alpha=0.35, lw=0, label="P10–P90")
        ax.plot(days, q[2, k], color=BLUE, lw=1.6, label="median")
        threshold = site.get("criteria", {}).get("share") if site is not None else None
        if threshold is not None:
            ax.axhline(threshold, color=RED, ls="--", lw=1.5, label="readiness share")
        latest = _go_live_marks(ax, go_live, [_date(r["go_live"]) for r in by_cell.get((scenario, site_id), [])])
        ax.plot([], [], color=BLACK, lw=1.8, label="go-live")
        started = np.nonzero(q[4, k] > 0)[0]
        start = hist.epoch + dt.timedelta(days=int(started[0]) if started.size else 0) - dt.timedelta(days=14)
        p90 = site["completion_date"].get("p90") if site is not None else None
        last = hist.epoch + dt.timedelta(days=hist.n_days - 1)
        end = min(last, max(latest, _date(p90) if p90 else last) + dt.timedelta(days=21))
        _date_axis(ax, start, end, months_only=True)
        ax.set_ylim(0, 1.05)
        ax.yaxis.set_major_formatter(PCT)
        ax.set_title(_plain(site["name"] if site is not None else site_id), fontsize=12)
        if k % _columns(axes[0]) == 0:
            ax.set_ylabel("staff trained")
    _legend_in_spare(fig, axes, len(hist.sites))
    return fig


# ---------------------------------------------------------------- risk

def risk_figure(summary: Summary) -> Figure:
    """Risk of not being ready per site and scenario with 95% CIs; with two or more
    scenarios, a second panel of the paired differences against the first."""
    scenarios = list(summary["scenarios"].items())
    site_ids = list(scenarios[0][1]["sites"])
    names = [scenarios[0][1]["sites"][s]["name"] for s in site_ids]
    paired = len(scenarios) > 1
    fig = Figure(figsize=SIZE, layout="constrained")
    axes = fig.subplots(1, 2, sharey=True, width_ratios=[1.2, 1]) if paired else [fig.subplots()]
    criteria = {s["readiness"]["text"] for _, s in scenarios}
    ready = f"ready ({criteria.pop()} trained)" if len(criteria) == 1 else "ready"
    figure_title(fig, f"Risk of not being {ready}, with 95% CI",
                 f"{summary['replications']} replications; on the eve of go-live")
    y = np.arange(len(site_ids))[::-1].astype(float)
    step = 0.6 / max(len(scenarios), 1)
    for j, (name, scenario) in enumerate(scenarios):
        offset = (j - (len(scenarios) - 1) / 2) * step
        sites = [scenario["sites"].get(s) for s in site_ids]
        _dots(axes[0], y - offset, [(s["risk_not_ready"], s["risk_ci95"]) if s else None for s in sites],
              PALETTE[j % len(PALETTE)], _plain(name))
        if paired and j > 0:
            diffs = [(s["vs_reference"]["risk_difference"], s["vs_reference"]["risk_difference_ci95"])
                     if s and "vs_reference" in s else None for s in sites]
            _dots(axes[1], y - offset, diffs, PALETTE[j % len(PALETTE)], _plain(f"{name} − {scenarios[0][0]}"))
    axes[0].set_yticks(y, [_plain(n) for n in names])
    axes[0].set_xlim(-0.02, 1.02)
    axes[0].set_xlabel("risk of not being ready")
    axes[0].set_title("risk per scenario" if paired else "risk per site", fontsize=12)
    axes[0].xaxis.set_major_formatter(PCT)
    for ax in axes:
        ax.grid(axis="x", color="#dddddd")
        ax.set_ylim(y.min() - 0.6, y.max() + 0.6)
    axes[0].legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=min(len(scenarios), 3), frameon=False)
    if paired:
        axes[1].axvline(0, color=BLACK, lw=1)
        axes[1].set_xlabel("difference in risk (percentage points)")
        axes[1].set_title(_plain(f"change against {scenarios[0][0]} (paired)"), fontsize=12)
        lo, hi = axes[1].get_xlim()
        reach = max(abs(lo), abs(hi), 0.05) * 1.08
        axes[1].set_xlim(-reach, reach)
        axes[1].xaxis.set_major_formatter(
            FuncFormatter(lambda x, _: f"{x * 100:+.0f}".replace("-", "\u2212") if round(x * 100) else "0"))
        if len(scenarios) > 2:
            axes[1].legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), frameon=False)
    return fig


SHARES = np.round(np.arange(0.80, 1.0001, 0.01), 2)  # the share levels of the readiness figure


def readiness_curve(rows: list[Row], shares: np.ndarray = SHARES) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Risk of not being ready at each share level (the other criteria as they held in
    each replication), with its 95% Wilson interval: (risk, low, high), one per level;
    the summary's ``risk_by_threshold`` at these levels."""
    by_level = risk_by_threshold(columns_from_rows(rows), [float(s) for s in shares]).values()
    risk = np.array([np.nan if r["risk"] is None else r["risk"] for r in by_level])
    low, high = (np.array([r["ci95"][i] for r in by_level], dtype=float) for i in (0, 1))
    return risk, low, high


def readiness_figure(summary: Summary, by_cell: dict[tuple[str, str], list[Row]]) -> Figure:
    """One panel per site: the risk of not being ready against the share of active staff
    the criterion asks for, 80% to 100%, per scenario with its 95% CI band; the model's
    share marked. Where the line is flat, another criterion (super-users) decides."""
    scenarios = list(summary["scenarios"].items())
    site_ids = list(scenarios[0][1]["sites"])
    fig, axes = _grid(len(site_ids))
    figure_title(fig, "Risk of not being ready, by the share of active staff required trained",
                 f"{summary['replications']} replications; 95% CI bands; other criteria as in the model")
    x = SHARES * 100
    for k, (ax, site_id) in enumerate(zip(axes, site_ids)):
        for j, (name, _) in enumerate(scenarios):
            rows = by_cell.get((name, site_id), [])
            if not rows:
                continue
            colour = PALETTE[j % len(PALETTE)]
            risk, low, high = readiness_curve(rows)
            ax.fill_between(x, low, high, color=colour, alpha=0.2, lw=0)
            ax.plot(x, risk, color=colour, lw=2, label=_plain(name))
        site = scenarios[0][1]["sites"][site_id]
        share = site.get("criteria", {}).get("share")
        if share is not None and share >= SHARES[0]:
            ax.axvline(share * 100, color=BLACK, ls="--", lw=1.2)
            ax.annotate(f"model: {share_text(share)}", (share * 100, 1.02), xytext=(-4, 0), textcoords="offset points",
                        ha="right", va="bottom", fontsize=10)
        ax.set_xlim(x[0], x[-1])
        ax.set_ylim(-0.02, 1.08)
        ax.yaxis.set_major_formatter(PCT)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}%"))
        ax.set_title(_plain(site["name"]), fontsize=12)
        ax.grid(color="#eeeeee")
        ncols = _columns(axes[0])
        if k % ncols == 0:
            ax.set_ylabel("risk of not being ready")
        if k >= len(site_ids) - ncols:
            ax.set_xlabel("share of active staff required")
    _legend_in_spare(fig, axes, len(site_ids), title="scenario")
    return fig


def _dots(ax: Axes, y: np.ndarray, values: list[tuple[float | None, Interval] | None], colour: str,
          label: str) -> None:
    """Points with horizontal 95% CI bars; a missing bound is drawn to the point, an
    entry without a value (no replications) is not drawn."""
    pts = [(yy, v, ci) for yy, entry in zip(y, values) if entry for v, ci in [entry] if v is not None]
    if not pts:
        return
    ys, xs = np.array([p[0] for p in pts]), np.array([p[1] for p in pts])
    low = np.array([x - (ci[0] if ci[0] is not None else x) for _, x, ci in pts])
    high = np.array([(ci[1] if ci[1] is not None else x) - x for _, x, ci in pts])
    ax.errorbar(xs, ys, xerr=np.clip([low, high], 0, None), fmt="o", color=colour, ms=8, capsize=5, lw=2,
                label=label)


# ---------------------------------------------------------------- bottlenecks

def bottleneck_figure(scenario: str, summary: ScenarioSummary, weekly: dict[str, np.ndarray]) -> Figure:
    """Per site: weekly instructor and room utilisation (lines), weeks at or above 90%
    shaded, and cancelled / under-filled sessions per replication as bars on a twin axis."""
    weeks = np.array([date2num(_date(str(w))) for w in weekly["weeks"]])
    reps = max(int(weekly["replications"]), 1)
    fig, axes = _grid(len(weekly["sites"]))
    figure_title(fig, "Where capacity binds: instructor and room utilisation by week", f"{scenario}, {reps} replications")
    for k, (ax, site_id) in enumerate(zip(axes, (str(s) for s in weekly["sites"]))):
        inst = _ratio(weekly["instructor_slots_taught"][k], weekly["instructor_slots_on_duty"][k])
        room = _ratio(weekly["room_slots_used"][k], weekly["room_slots_open"][k])
        cancelled = weekly["sessions_cancelled"][k] / reps
        under = weekly["sessions_underfilled"][k] / reps
        active = np.nonzero((weekly["instructor_slots_on_duty"][k] > 0) | (weekly["room_slots_open"][k] > 0)
                            | (weekly["sessions_run"][k] > 0))[0]
        site = summary["sites"].get(site_id)
        ax.set_title(_plain(site.get("name", site_id) if site is not None else site_id), fontsize=12)
        if not active.size:
            ax.text(0.5, 0.5, "no classes", transform=ax.transAxes, ha="center", va="center", color=GREY)
            ax.set_yticks([])
            continue
        for w in np.nonzero(np.fmax(np.nan_to_num(inst), np.nan_to_num(room)) >= BINDING)[0]:
            ax.axvspan(weeks[w], weeks[w] + 7, color=PINK, alpha=0.45, lw=0)
        twin = ax.twinx()
        twin.bar(weeks + 3.5, cancelled, width=5, color=RED, alpha=0.8, label="cancelled sessions (right axis)")
        twin.bar(weeks + 3.5, under, width=5, bottom=cancelled, color=ORANGE, alpha=0.6,
                 label="under-filled sessions (right axis)")
        twin.set_ylim(0, max(float((cancelled + under).max()) * 2.2, 1))
        twin.yaxis.set_major_locator(MaxNLocator(nbins=3, integer=True))
        twin.spines["right"].set_visible(True)
        ax.set_zorder(twin.get_zorder() + 1)
        ax.patch.set_visible(False)
        ax.plot(weeks + 3.5, inst, "-o", color=BLUE, ms=3, lw=2, label="instructors busy")
        ax.plot(weeks + 3.5, room, "-s", color=GREEN, ms=3, lw=2, label="rooms used")
        ax.axhline(BINDING, color=GREY, ls=":", lw=1.2)
        ax.set_ylim(0, 1.05)
        ax.yaxis.set_major_formatter(PCT)
        ax.fill_between([], [], color=PINK, alpha=0.45, label=f"week with utilisation ≥ {BINDING:.0%}")
        start, end = weeks[active[0]] - 7, weeks[active[-1]] + 14
        _date_axis(ax, num2date(start).date(), num2date(end).date(), months_only=True)
        if k % _columns(axes[0]) == 0:
            ax.set_ylabel("utilisation")
    _legend_in_spare(fig, axes, len(weekly["sites"]), title="right axis: sessions per week,\nmean per replication")
    return fig


def _ratio(used: np.ndarray, available: np.ndarray) -> np.ndarray:
    """used / available, NaN where nothing was available."""
    out = np.full(used.shape, np.nan)
    np.divide(used, available, out=out, where=available > 0)
    return out


# ---------------------------------------------------------------- shared helpers

def _grid(panels: int) -> tuple[Figure, list[Axes]]:
    """A slide-sized figure with one panel per site (up to three across) and, when the
    grid has room, a spare panel for the legend."""
    cols = 1 if panels == 1 else 2 if panels in (2, 4) else 3
    rows = math.ceil((panels + (1 if panels % cols == 0 and panels > 1 else 0)) / cols)
    fig = Figure(figsize=(SIZE[0], max(SIZE[1], 2.8 * rows)), layout="constrained")
    axes = list(np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel())
    return fig, axes


def _columns(ax: Axes) -> int:
    """The number of columns of the grid of panels that ``ax`` is in."""
    grid = ax.get_gridspec()
    assert grid is not None  # every panel comes from Figure.subplots (see _grid), which places it in a grid
    return grid.ncols


def _legend_in_spare(fig: Figure, axes: list[Axes], used: int, title: str | None = None) -> None:
    """One legend for all panels (twin axes too), in the first unused panel or under the figure."""
    unique: dict[str, Any] = {}
    for ax in fig.axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            unique.setdefault(label, handle)
    for ax in axes[used + 1:]:
        ax.set_visible(False)
    if used < len(axes):
        spare = axes[used]
        spare.axis("off")
        spare.legend(unique.values(), unique.keys(), loc="center", frameon=False, title=title)
    else:
        fig.legend(unique.values(), unique.keys(), loc="outside lower center", ncols=3, frameon=False, title=title)


def figure_title(fig: Figure, text: str, detail: str) -> None:
    """A figure title with its detail in brackets, on a second line if it would not fit
    a slide's width."""
    text, detail = _plain(text), _plain(detail)
    line = f"{text} ({detail})"
    fig.suptitle(line if len(line) <= 88 else f"{textwrap.fill(text, 88)}\n({detail})")


def _date_axis(ax: Axes, start: dt.date, end: dt.date, months_only: bool = False) -> None:
    """Limits and date ticks: "Feb 2023" on month starts over long spans, "6 Feb" over
    "2023" over short ones (``months_only``: fewer ticks, for narrow panels)."""
    ax.set_xlim(date2num(start), date2num(end))
    span = (end - start).days
    most = 4 if months_only else 6
    if span > 45 and (months_only or span > 120):
        ax.xaxis.set_major_locator(MonthLocator(interval=max(1, math.ceil(span / 30.4 / (most - 1)))))
        sep = "\n" if months_only else " "
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: _fmt(num2date(x).date(), False, sep)))
    else:
        ax.xaxis.set_major_locator(AutoDateLocator(minticks=2 if months_only else 4, maxticks=most + 2))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: _fmt(num2date(x).date(), year_sep="\n")))


def _fmt(day: dt.date, with_day: bool = True, year_sep: str = " ") -> str:
    """"6 Feb 2023", or "Feb 2023" without the day (English month names, any locale)."""
    month = (["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"])[day.month - 1]
    return f"{day.day} {month}{year_sep}{day.year}" if with_day else f"{month}{year_sep}{day.year}"


def save_figure(fig: Figure, folder: Path, stem: str) -> list[Path]:
    """Save ``fig`` as PNG and SVG, then release it."""
    paths = [folder / f"{stem}.png", folder / f"{stem}.svg"]
    fig.savefig(paths[0], dpi=DPI, metadata={"Software": None})
    fig.savefig(paths[1], metadata={"Date": None})
    fig.clear()  # a Figure made without pyplot is not registered anywhere: nothing else to close
    return paths


def _plain(text: str) -> str:
    """A user's text shown as it is (a "$" would otherwise start mathtext)."""
    return text.replace("$", r"\$")


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


class Slugs:
    """File-name-safe, unique slugs: lower-case ASCII letters, digits and dashes."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        if text in self.seen:
            return self.seen[text]
        plain = text.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
        plain = unicodedata.normalize("NFKD", plain).encode("ascii", "ignore").decode()
        base = re.sub(r"[^a-z0-9]+", "-", plain).strip("-") or "x"
        slug, i = base, 2
        while slug in self.seen.values():
            slug, i = f"{base}-{i}", i + 1
        self.seen[text] = slug
        return slug
