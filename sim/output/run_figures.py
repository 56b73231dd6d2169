"""Figures of a results folder, drawn only from the files in it (so a folder copied to
another machine plots the same): completion-date distributions, readiness S-curves,
risk of not being ready with the paired scenario differences, and weekly bottlenecks.

Figures are built on :class:`matplotlib.figure.Figure` (no pyplot, no global backend or
state) and saved to ``<results>/figures/`` as PNG (150 dpi), which the report embeds,
and on request also as SVG with the same name, for slides and print (writing it takes a
third as long again as the PNG, so it is not done by default).

:func:`write_figures` reads the folder here and turns it into one job per figure: plain
data (dates, arrays, the summary's dicts) and the function that draws it. Jobs are drawn
in this process and, with more than one core, also in worker processes (spawned, as the
runner's are), each saving its own files; a file's bytes do not depend on which process
drew it or on the order the jobs finish. Drawing needs only matplotlib, numpy and this
module: the readers and statistics of :mod:`sim.analysis` (which load SciPy) are imported
where the folder is read, so a worker starts in a fraction of the time.
"""
from __future__ import annotations

import atexit
import concurrent.futures as cf
import csv
import datetime as dt
import math
import multiprocessing
import os
import re
import sys
import textwrap
import threading
import unicodedata
import warnings
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.collections import PolyCollection
from matplotlib.dates import AutoDateLocator, MonthLocator, date2num, num2date
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, MultipleLocator, PercentFormatter

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

    from sim.analysis.curves import ShareHistogram

from sim.analysis.summary_format import Interval, ScenarioSummary, SiteSummary, Summary, read_summary
from sim.runs.parent import busy, interruptible, sigint_blocked_while_starting, watch_parent

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
BLUE, ORANGE, GREEN, PINK, SKY, RED, YELLOW, BLACK = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
PALETTE = [BLUE, ORANGE, GREEN, PINK, SKY, RED, YELLOW, BLACK]
GREY = "#777777"
# Inches: 16:9, 1200 px wide at DPI, and with STYLE's fonts readable when a phone shows
# the figure 420 px wide (a 14-point label is then about 10 px high).
SIZE = (8.0, 4.5)
DPI = 150
BINDING = 0.9  # utilisation at which capacity binds
STYLE: dict[RcKeyType, Any] = {"font.size": 14, "axes.titlesize": 14, "figure.titlesize": 15, "legend.fontsize": 12,
         "xtick.labelsize": 13, "ytick.labelsize": 13, "axes.labelsize": 14, "axes.spines.top": False,
         "axes.spines.right": False, "font.family": "DejaVu Sans", "svg.hashsalt": "rollout-sim"}
PCT = PercentFormatter(xmax=1.0, decimals=0)

Row = dict[str, str]

# The completion-date quantiles the completion figure marks: keys of DateQuantiles.
Marked = Literal["p50", "p80", "p90"]
MARKED: tuple[Marked, ...] = ("p50", "p80", "p90")


def write_figures(results_dir: Path, workers: int | None = None, svg: bool = False,
                  progress: Callable[[int, int], None] | None = None) -> list[Path]:
    """Draw every figure of the results folder ``results_dir`` into ``results_dir/figures``.

    Reads summary.json, replications.csv, curves.npz and (when present) bottlenecks.npz;
    returns the files written, a PNG per figure (and with ``svg`` an SVG after it), in the
    same order whatever drew them. ``workers``: processes drawing at once, this one included (default: the
    cores this process may use; 1 draws everything here). From a script, call it under
    ``if __name__ == "__main__":`` (spawned workers import the script); workers that
    cannot start or die leave their figures to this process. ``progress(done, total)`` is
    called as each figure is saved (from this process's threads).
    """
    results_dir = Path(results_dir)
    with matplotlib.rc_context(STYLE):
        # Started before the folder is read: a worker takes about a second to start and
        # import matplotlib, time in which this process reads the folder.
        pool = _start_pool(_cores(workers) - 1)
        try:
            jobs = figure_jobs(results_dir, svg)
            out = results_dir / "figures"
            out.mkdir(exist_ok=True)
            _draw_all(jobs, out, _processes(workers, jobs), pool, _Tally(len(jobs), progress))
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
    return [path for job in jobs for path in figure_files(out, job)]


@dataclass(frozen=True)
class FigureJob:
    """One figure: ``draw(*args)`` builds it from plain data (dates, arrays, the summary's
    dicts: small to pickle, and nothing to import beyond this module), and it is saved as
    ``<stem>.png`` and, with ``svg``, ``<stem>.svg``."""

    stem: str
    draw: Callable[..., Figure]
    args: tuple[Any, ...]
    cost: float  # rough relative drawing time: the longest are handed out first; never changes a figure
    svg: bool = False


def figure_files(folder: Path, job: FigureJob) -> list[Path]:
    """The files ``job`` is saved as in ``folder``."""
    return _files(folder, job.stem, job.svg)


def _files(folder: Path, stem: str, svg: bool) -> list[Path]:
    return [folder / f"{stem}.{ext}" for ext in (("png", "svg") if svg else ("png",))]


def figure_jobs(results_dir: Path, svg: bool = False) -> list[FigureJob]:
    """The figures of the results folder ``results_dir``, in the order :func:`write_figures`
    lists their files; ``svg``: saved as SVG too."""
    from sim.analysis.bottlenecks import read_bottlenecks
    from sim.analysis.curves import read_curves

    summary = read_summary(results_dir / "summary.json")
    with open(results_dir / "replications.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    by_cell: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for row in rows:
        by_cell[row["scenario"], row["site"]].append(row)
    slug, site_slug = Slugs(), Slugs()  # scenarios and sites each get their own unique slugs
    jobs: list[FigureJob] = []
    for site_id, cells in site_completions(summary, by_cell).items():
        jobs.append(FigureJob(f"completion-{site_slug(site_id)}", completion_figure, (cells,), 1.0))
    if (results_dir / "curves.npz").is_file():
        bands = [s_curve_bands(name, hist, by_cell) for name, hist in _known(read_curves(results_dir / "curves.npz"),
                                                                             summary)]
        moves = postponements(results_dir, summary)
        for site_id, curves in site_s_curves(summary, bands, moves).items():
            jobs.append(FigureJob(f"s-curve-{site_slug(site_id)}", s_curve_figure, (curves,), 0.4 * len(curves)))
    sites = max((len(scenario["sites"]) for scenario in summary["scenarios"].values()), default=1)
    jobs.append(FigureJob("readiness", readiness_figure, (summary, *readiness_curves(summary, by_cell)), 0.5 * sites))
    jobs.append(FigureJob("risk", risk_figure, (summary,), 1.0))
    if (results_dir / "bottlenecks.npz").is_file():  # older folders have none
        for name, weekly in _known(read_bottlenecks(results_dir / "bottlenecks.npz"), summary):
            jobs.append(FigureJob(f"bottlenecks-{slug(name)}", bottleneck_figure,
                                  (name, summary["scenarios"][name], weekly), 0.8 * len(weekly["sites"])))
    return [replace(job, svg=svg) for job in jobs]


def _known(by_scenario: dict[str, Any], summary: Summary) -> list[tuple[str, Any]]:
    """The entries of the scenarios that summary.json has, in its order."""
    return [(name, by_scenario[name]) for name in summary["scenarios"] if name in by_scenario]


# ---------------------------------------------------------------- drawing the jobs

def _cores(workers: int | None) -> int:
    """How many processes may draw: ``workers``, or one per usable core; one (this
    process) inside a daemonic process, which may not start others."""
    if multiprocessing.current_process().daemon:
        return 1
    if workers is None:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, workers)


def _processes(workers: int | None, jobs: list[FigureJob]) -> int:
    """How many processes draw ``jobs``: :func:`_cores`, but no more than can finish
    sooner (the longest figure takes as long however many draw)."""
    if not jobs:
        return 1
    longest = max(job.cost for job in jobs)
    useful = math.ceil(sum(job.cost for job in jobs) / longest) if longest > 0 else len(jobs)
    return max(1, min(_cores(workers), useful))


def _start_pool(workers: int) -> cf.ProcessPoolExecutor | None:
    """``workers`` spawned processes that draw with this process's matplotlib settings,
    started now (each is handed a job that does nothing, as a pool starts a worker only
    for a job); None for none."""
    if workers < 1:
        return None
    rc = matplotlib.rcParams.copy()  # the caller's settings and STYLE, as this process draws with them
    settings: dict[RcKeyType, Any] = {key: rc[key] for key in rc if key != "backend"}  # files need no backend
    pool = cf.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker,
                                  initargs=(settings, list(warnings.filters), os.getpid()))
    try:
        with sigint_blocked_while_starting():
            for _ in range(workers):
                pool.submit(_nothing)
    except BrokenProcessPool:  # drawn here instead (see _draw_all)
        pass
    return pool


def _nothing() -> None:
    """The job that starts a worker."""


def _draw(job: FigureJob, folder: Path) -> None:
    """Draw one job's figure and save it (in whichever process)."""
    save_figure(job.draw(*job.args), folder, job.stem, job.svg)


def _draw_in_worker(job: FigureJob, folder: Path) -> None:
    """:func:`_draw`, in a worker: a Ctrl-C meanwhile ends it."""
    with busy():
        _draw(job, folder)


class _Tally:
    """Counts the figures saved and reports each to ``progress``; called by both of this
    process's threads, hence the lock."""

    def __init__(self, total: int, progress: Callable[[int, int], None] | None = None) -> None:
        self._total, self._done, self._progress = total, 0, progress
        self._lock = threading.Lock()

    def __call__(self) -> None:
        with self._lock:
            self._done += 1
            if self._progress is not None:
                self._progress(self._done, self._total)


def _draw_all(jobs: list[FigureJob], folder: Path, processes: int, pool: cf.ProcessPoolExecutor | None = None,
              saved: Callable[[], None] = lambda: None) -> None:
    """Draw every job: here alone, or here and in ``processes - 1`` spawned workers (of
    ``pool`` if given, which the caller then shuts down; otherwise of a pool of their own).

    The workers take the longest jobs first, one at a time each, and this process the
    shortest, so nobody waits long for the last figure; a worker's start-up (importing
    matplotlib) overlaps with the figures drawn here meanwhile. The first error raised by
    a drawing, here or in a worker, is raised once every figure already started is done.
    Workers that cannot start or that die leave their jobs to this process. No worker
    outlives the call.
    """
    if processes <= 1:
        for job in jobs:
            _draw(job, folder)
            saved()
        return
    queue = _Queue(jobs)
    own = pool is None
    pool = _start_pool(processes - 1) if pool is None else pool
    assert pool is not None  # processes - 1 >= 1
    feeder = threading.Thread(target=_feed, args=(pool, queue, folder, processes - 1, saved), name="figure-feeder",
                              daemon=True)
    try:
        feeder.start()
        _draw_here(queue, folder, saved)
        feeder.join()
        _draw_here(queue, folder, saved)  # any left by workers that broke
    except BaseException:
        queue.stop()
        raise
    finally:
        try:
            feeder.join()
        finally:
            if own:
                pool.shutdown(wait=True, cancel_futures=True)
    if queue.error is not None:
        raise queue.error


def _draw_here(queue: _Queue, folder: Path, saved: Callable[[], None] = lambda: None) -> None:
    """Draw the shortest jobs left, here, until none is left."""
    while (job := queue.take(last=True)) is not None:
        _draw(job, folder)
        saved()


class _Queue:
    """The jobs not yet handed out, longest first (ties in figure order): the workers take
    from the front, this process from the back. Shared by this process's two threads."""

    def __init__(self, jobs: Iterable[FigureJob]) -> None:
        self._jobs = deque(sorted(jobs, key=lambda job: -job.cost))
        self._lock = threading.Lock()
        self.error: BaseException | None = None

    def take(self, last: bool = False) -> FigureJob | None:
        """The longest job left (``last``: the shortest), or None."""
        with self._lock:
            if not self._jobs:
                return None
            return self._jobs.pop() if last else self._jobs.popleft()

    def give_back(self, jobs: Iterable[FigureJob]) -> None:
        """Jobs a broken pool did not draw, for this process to draw."""
        with self._lock:
            if self.error is None:
                self._jobs.extendleft(jobs)

    def fail(self, error: BaseException) -> None:
        """Hand nothing more out, and keep the first error to raise."""
        with self._lock:
            if self.error is None:
                self.error = error
            self._jobs.clear()

    def stop(self) -> None:
        """Hand nothing more out."""
        with self._lock:
            self._jobs.clear()


def _feed(pool: cf.ProcessPoolExecutor, queue: _Queue, folder: Path, slots: int,
          saved: Callable[[], None] = lambda: None) -> None:
    """Keep each worker drawing one job, until the queue is empty (a thread of this process)."""
    running: dict[cf.Future, FigureJob] = {}
    try:
        while True:
            while len(running) < slots and (job := queue.take()) is not None:
                try:
                    running[pool.submit(_draw_in_worker, job, folder)] = job
                except BrokenProcessPool:
                    queue.give_back([job])
                    break
            if not running:
                return
            done, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
            broken = []
            for future in done:
                job = running.pop(future)
                error = future.exception()
                if isinstance(error, BrokenProcessPool):  # a worker died or could not start: not the figure's fault
                    broken.append(job)
                elif error is not None:
                    queue.fail(error)
                else:
                    saved()
            if broken:
                cf.wait(running)
                queue.give_back(broken + [job for future, job in running.items() if future.exception() is not None])
                for future in running:
                    if future.exception() is None:
                        saved()
                return
    except BaseException as error:  # noqa: BLE001 - raised in the calling thread instead
        queue.fail(error)


def _start_worker(settings: dict[RcKeyType, Any], warning_filters: list[Any], parent: int) -> None:
    """A worker draws with the settings the calling process draws with, treats warnings
    as it does (one it makes an error is raised to it), and ends with it."""
    matplotlib.rcParams.update(settings)
    warnings.resetwarnings()
    for action, message, category, module, lineno in warning_filters:  # as warnings.filters holds them
        warnings.filterwarnings(action, getattr(message, "pattern", message) or "", category,
                                getattr(module, "pattern", module) or "", lineno, append=True)
    watch_parent(parent)
    interruptible()
    atexit.register(_exit_now)  # registered last, so run first


def _exit_now() -> None:
    """End a worker without tearing its interpreter down (half a second with matplotlib
    loaded, which the caller would wait for): each file it wrote is closed and each
    result sent by then, and nothing else in it needs to run at exit."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


# ---------------------------------------------------------------- completion dates

@dataclass(frozen=True)
class CompletionDates:
    """One site's completion dates in one scenario, read from its replications' rows."""

    done: list[dt.date]  # the replications that completed, sorted
    go_lives: list[dt.date]  # every replication's go-live, in row order
    late: int  # replications not complete before their go-live (or not at all)


def completion_dates(rows: list[Row]) -> CompletionDates:
    """The completion dates of one cell's rows of replications.csv."""
    go_lives = [_date(r["go_live"]) for r in rows]
    completed = [_date(r["completion_date"]) if r["completion_date"] else None for r in rows]
    late = sum(1 for day, g in zip(completed, go_lives) if day is None or day >= g)
    return CompletionDates(sorted(day for day in completed if day is not None), go_lives, late)


@dataclass(frozen=True)
class SiteCompletion:
    """One site in one scenario: what the summary says of its completion dates, and the
    dates themselves (of ``n`` replications)."""

    scenario: str
    site: SiteSummary
    dates: CompletionDates
    n: int


def site_completions(summary: Summary, by_cell: dict[tuple[str, str], list[Row]]) -> dict[str, list[SiteCompletion]]:
    """Every site's completions in each scenario that has it, sites in the order they
    first appear."""
    sites: dict[str, list[SiteCompletion]] = {}
    for name, scenario in summary["scenarios"].items():
        for site_id, site in scenario["sites"].items():
            cell = by_cell.get((name, site_id), [])
            sites.setdefault(site_id, []).append(
                SiteCompletion(name, site, completion_dates(cell), len(cell) or summary["replications"]))
    return sites


def completion_figure(cells: list[SiteCompletion]) -> Figure:
    """One site in every scenario, each in its colour, in days from the scenario's
    go-live (so a postponed go-live does not push its scenario off the chart): the P10-P90
    range of completion with P50/P80/P90 and their 95% CIs (top); the share of
    replications complete by each day (bottom); the share not complete before go-live
    (right)."""
    fig = Figure(figsize=SIZE, layout="constrained")
    grid = fig.add_gridspec(2, 2, width_ratios=[2.7, 1], height_ratios=[1, 1.5])
    top = fig.add_subplot(grid[0, 0])
    bottom = fig.add_subplot(grid[1, 0], sharex=top)
    side = fig.add_subplot(grid[:, 1])
    side.axis("off")
    top.tick_params(labelbottom=False)
    counts = sorted({c.n for c in cells})
    runs = f"{counts[0]} replications" if len(counts) == 1 else f"{counts[0]}-{counts[-1]} replications"
    figure_title(fig, f"{cells[0].site['name']}: when is training complete?",
                 f"{runs}{f', {len(cells)} scenarios' if len(cells) > 1 else ''}")
    days = [_days_from_go_live(c) for c in cells]
    span = [0] + [x for d in days for x in (*d["done"], *d["go_lives"], *d["marks"])]
    lo, hi = min(span), max(span)
    pad = max(3, (hi - lo) // 12)
    left, right = lo - pad, hi + pad
    rows = np.arange(len(cells))[::-1]  # the first scenario at the top
    same = same_as(cells)
    for c, d, y, colour in zip(cells, days, rows, PALETTE * len(cells)):
        _completion_range(top, c.site, y, colour)
        done = np.asarray(d["done"], dtype=float)
        if done.size:
            share = np.arange(1, done.size + 1) / c.n
            bottom.step(np.r_[left, done, right], np.r_[0, share, share[-1]], where="post", color=colour, lw=2.2,
                        ls=(0, (4, 3)) if same[c.scenario] else "-")  # dashed: the line under it shows through
        if len(set(d["go_lives"])) > 1:  # go-lives moved by drawn delays: their distribution, to compare
            x = np.sort(np.asarray(d["go_lives"], dtype=float))
            bottom.step(np.r_[left, x, right], np.r_[0, np.arange(1, x.size + 1) / x.size, 1], where="post",
                        color=colour, lw=1.3, ls="--")
    for ax in (top, bottom):
        ax.axvline(0, color=BLACK, lw=1.8)
        ax.grid(axis="x", alpha=0.3)
    top.set_yticks(rows, [f"{_short(c.scenario)}\ngo-live {_fmt(_date(c.site['go_live']))}" for c in cells],
                   fontsize=10)
    for label, colour in zip(top.get_yticklabels(), PALETTE * len(cells)):
        label.set_color(colour)
    top.set_ylim(-0.6, len(cells) - 0.4)
    bottom.set_xlim(left, right)
    _days_axis(bottom, right - left)
    bottom.set_ylim(0, 1.05)
    bottom.yaxis.set_major_formatter(PCT)
    bottom.set_ylabel("replications complete")
    _completion_legend(side, cells, same)
    return fig


def same_as(cells: list[SiteCompletion]) -> dict[str, str | None]:
    """For each scenario, the first earlier one whose results for the site are the same
    (completion dates, go-lives and the summary's quantiles), whose line it would hide;
    None for a scenario unlike every earlier one."""
    out: dict[str, str | None] = {}
    for j, c in enumerate(cells):
        out[c.scenario] = next((o.scenario for o in cells[:j] if o.dates == c.dates and o.n == c.n
                                and o.site.get("completion_date") == c.site.get("completion_date")
                                and o.site.get("go_live") == c.site.get("go_live")), None)
    return out


def _days_from_go_live(cell: SiteCompletion) -> dict[str, list[int]]:
    """The completion dates, drawn go-lives and P-dates of ``cell`` as days from its
    scenario's go-live (negative: before)."""
    go_live = _date(cell.site["go_live"])
    return {"done": [(d - go_live).days for d in cell.dates.done],
            "go_lives": [(d - go_live).days for d in cell.dates.go_lives],
            "marks": [(d - go_live).days for d in _marked(cell.site)]}


def _days_axis(ax: Axes, width: int) -> None:
    """Ticks of days from go-live: whole weeks ("-6 w", "go-live", "+2 w") over more than
    eight weeks, days otherwise."""
    unit, name, steps = (7, "weeks", (1, 2, 4, 8, 13, 26, 52)) if width > 56 else (1, "days", (1, 2, 5, 7))
    most = 6  # ticks that fit the panel at 13 pt ("go-live", "\u221235 d")
    step = unit * next((k for k in steps if width / (unit * k) <= most),
                       steps[-1] * math.ceil(width / (unit * most * steps[-1])))
    ax.xaxis.set_major_locator(MultipleLocator(step))
    short = name[0]
    ax.xaxis.set_major_formatter(FuncFormatter(
        lambda x, _=None: "go-live" if x == 0 else f"{x / unit:+.0f} {short}".replace("-", "\u2212")))
    ax.set_xlabel(f"{name} before (\u2212) and after (+) the scenario's go-live")


def _marked(site: SiteSummary) -> list[dt.date]:
    """The P10/P50/P80/P90 completion dates of ``site`` that exist (a site that seldom
    completes has fewer)."""
    q = site["completion_date"]
    return [_date(day) for day in (q["p10"], q["p50"], q["p80"], q["p90"]) if day]


def _completion_range(ax: Axes, site: SiteSummary, y: float, colour: str) -> None:
    """One scenario's row, in days from its go-live: a bar from P10 to P90 of completion,
    P50/P80/P90 with their 95% CIs as whiskers, and the P50 date written above."""
    go_live = _date(site["go_live"])

    def day(text: str) -> int:
        return (_date(text) - go_live).days

    q = site["completion_date"]
    if q["p10"] and q["p90"]:
        ax.plot([day(q["p10"]), day(q["p90"])], [y, y], color=colour, lw=9, alpha=0.3, solid_capstyle="butt")
    for when, ci, marker in ((q["p50"], q["p50_ci95"], "o"), (q["p80"], q["p80_ci95"], "s"),
                             (q["p90"], q["p90_ci95"], "D")):
        if not when:
            continue
        x = day(when)
        low, high = ci
        err = [[x - day(low)], [day(high) - x]] if low and high else None
        ax.errorbar([x], [y], xerr=err, fmt=marker, color=colour, ms=7, capsize=3, elinewidth=1.2, zorder=5)
    if q["p50"]:
        ax.annotate(f"P50 {_fmt(_date(q['p50']))}", (day(q["p50"]), y), xytext=(0, 8), textcoords="offset points",
                    ha="center", va="bottom", fontsize=9, color=colour)


def _completion_legend(side: Axes, cells: list[SiteCompletion], same: dict[str, str | None]) -> None:
    """What the marks mean (``same``: :func:`same_as`, the scenarios drawn dashed), then
    each scenario's share not complete before go-live."""
    key = [(Line2D([], [], color=colour, lw=2.2, ls=(0, (4, 3)) if same[c.scenario] else "-"),
            _short(c.scenario) + (f"\n(same as {_short(same[c.scenario] or '')})" if same[c.scenario] else ""))
           for c, colour in zip(cells, PALETTE * len(cells))]
    key.append((Line2D([], [], color=GREY, lw=9, alpha=0.3), "P10–P90"))
    key += [(Line2D([], [], ls="", marker=m, color=GREY, ms=7), f"{q.upper()} (95% CI)") for q, m in zip(MARKED, "osD")]
    key.append((Line2D([], [], color=BLACK, lw=1.8), "go-live"))
    if any(len(set(c.dates.go_lives)) > 1 for c in cells):
        key.append((Line2D([], [], color=GREY, lw=1.3, ls="--"), "go-live after\ndrawn delays"))
    side.legend(*zip(*key), loc="upper left", frameon=False, borderaxespad=0, fontsize=10)
    # "Complete" is the share criterion alone; a board comparing this with the risk of not
    # being ready (which also counts super-users) needs to be told why the two differ.
    lines = ["Share required not reached", "before go-live:"]
    for c in cells:
        share = c.dates.late / c.n if c.n else math.nan
        lines.append(f"{_short(c.scenario)}: {share:.0%} ({c.dates.late}/{c.n})"
                     if len(cells) > 1 else f"{share:.0%} ({c.dates.late} of {c.n} replications)")
        if len(c.dates.done) < c.n:
            lines.append(f"  {c.n - len(c.dates.done)} not complete in the horizon")
    lines += ["(the share only: the risk of", "not being ready also counts", "the other criteria)"]
    side.text(0.0, 0.0, "\n".join(lines), transform=side.transAxes, ha="left", va="bottom", fontsize=10,
              bbox={"boxstyle": "round", "fc": "white", "ec": GREY}, wrap=True)


def _short(name: str, most: int = 20) -> str:
    """A scenario's name cut to ``most`` characters, to fit beside a panel."""
    return _plain(name if len(name) <= most else name[:most - 1] + "…")


# ---------------------------------------------------------------- S-curves

@dataclass(frozen=True)
class SCurveBands:
    """One scenario's S-curve quantiles, read off its share histogram, with the go-lives
    each site's replications drew."""

    scenario: str
    sites: list[str]
    epoch: dt.date
    n_days: int
    replications: int
    quantiles: np.ndarray  # P10, P50, P90 x sites x days
    go_lives: dict[str, list[dt.date]]  # by site


def s_curve_bands(scenario: str, hist: ShareHistogram, by_cell: dict[tuple[str, str], list[Row]]) -> SCurveBands:
    """What the S-curve figures draw of ``scenario``, from its histogram and rows."""
    return SCurveBands(scenario, list(hist.sites), hist.epoch, hist.n_days, hist.replications,
                       hist.quantiles([0.1, 0.5, 0.9]),
                       {s: [_date(r["go_live"]) for r in by_cell.get((scenario, s), [])] for s in hist.sites})


@dataclass(frozen=True)
class Postponement:
    """A go-live moved: the day it was decided and the new go-live."""

    decided: dt.date
    go_live: dt.date


def postponements(results_dir: Path, summary: Summary) -> dict[str, dict[str, list[Postponement]]]:
    """Each scenario's ``[[site.postponement]]``s by site, from the model each scenario
    ran (``resolved/<i>-<scenario>.toml``); a scenario without that file (an older
    folder) has none."""
    import tomllib

    from sim.runs.record import RESOLVED, resolved_name

    out: dict[str, dict[str, list[Postponement]]] = {}
    for i, name in enumerate(summary["scenarios"]):
        path = results_dir / RESOLVED / resolved_name(i, name)
        sites = tomllib.loads(path.read_text(encoding="utf-8")).get("site", []) if path.is_file() else []
        out[name] = {str(site["id"]): [Postponement(p["decided"], p["go_live"]) for p in site.get("postponement", [])]
                     for site in sites if "id" in site}
    return out


@dataclass(frozen=True)
class SiteCurve:
    """One site's S-curve in one scenario: its P10/P50/P90 by day from ``epoch``, the
    go-lives its replications drew, what the summary says of it and its postponements."""

    scenario: str
    site: SiteSummary | None  # None: a site of curves.npz that summary.json lacks
    site_id: str
    epoch: dt.date
    quantiles: np.ndarray  # P10, P50, P90 x days
    replications: int
    go_lives: list[dt.date]
    postponements: list[Postponement]


def site_s_curves(summary: Summary, bands: list[SCurveBands], moves: dict[str, dict[str, list[Postponement]]]
                  ) -> dict[str, list[SiteCurve]]:
    """Every site's S-curves, one per scenario that has it, sites in the order they first
    appear (only the site's own quantiles are handed to its figure)."""
    out: dict[str, list[SiteCurve]] = {}
    for band in bands:
        sites = summary["scenarios"][band.scenario]["sites"]
        for k, site_id in enumerate(band.sites):
            out.setdefault(site_id, []).append(SiteCurve(
                band.scenario, sites.get(site_id), site_id, band.epoch, band.quantiles[:, k], band.replications,
                band.go_lives[site_id], moves.get(band.scenario, {}).get(site_id, [])))
    return out


def _go_live_events(curves: list[SiteCurve]) -> list[tuple[dt.date, str, list[int]]]:
    """The days marked on a site's S-curves, each with what it is and the scenarios
    (indices into ``curves``) it is that in: each postponement's decision, and every
    go-live planned, postponed from or gone live on. A go-live that only some scenarios
    postponed is one mark (the site's plan), said to be postponed where it was."""
    decided: dict[dt.date, list[int]] = {}
    live: dict[dt.date, list[int]] = {}  # the go-live each scenario went live on
    moved: dict[dt.date, list[int]] = {}  # go-lives a scenario postponed
    for j, c in enumerate(curves):
        if c.site is None:
            continue
        days = [_date(c.site.get("planned_go_live") or c.site["go_live"])] + [p.go_live for p in c.postponements]
        for day in days[:-1]:
            moved.setdefault(day, []).append(j)
        live.setdefault(days[-1], []).append(j)
        for p in c.postponements:
            decided.setdefault(p.decided, []).append(j)
    events = [(day, "postponement decided", which) for day, which in decided.items()]
    for day in sorted(set(live) | set(moved)):
        if day not in moved:
            events.append((day, "go-live", live[day]))
        elif day not in live:
            events.append((day, "planned go-live, postponed", moved[day]))
        else:
            events.append((day, "go-live as planned", sorted(live[day] + moved[day])))
    return sorted(events, key=lambda e: (e[0], e[1]))


EVENT_STYLE = {"go-live": ("-", 1.8), "go-live as planned": ("-", 1.8), "planned go-live, postponed": ("--", 1.5),
               "postponement decided": (":", 1.8)}


def s_curve_figure(curves: list[SiteCurve]) -> Figure:
    """One site in every scenario, each in its colour: the median share of staff trained
    by day with its P10-P90 band; the readiness share, the planned go-live and each
    postponement's decision and new go-live marked and labelled (so a fall after a
    decision reads as what it is: training done for the old date lapsing before the new
    one, renewed by refresher classes)."""
    # Taller than a slide: the labels of the marks run down the panel.
    fig = Figure(figsize=(SIZE[0], SIZE[1] + 0.9), layout="constrained")
    ax = fig.add_subplot()
    first = next((c.site for c in curves if c.site is not None), None)
    name = first["name"] if first is not None else curves[0].site_id
    counts = sorted({c.replications for c in curves})
    runs = f"{counts[0]} replications" if len(counts) == 1 else f"{counts[0]}-{counts[-1]} replications"
    figure_title(fig, f"{name}: staff trained by date",
                 f"median and P10–P90 of {runs}{f', {len(curves)} scenarios' if len(curves) > 1 else ''}")
    start, end = None, None
    colours = [PALETTE[j % len(PALETTE)] for j in range(len(curves))]
    for j, (c, colour) in enumerate(zip(curves, colours)):
        q = c.quantiles
        days = date2num(c.epoch) + np.arange(q.shape[1])  # whole days: the same numbers as date2num of each
        ax.fill_between(days, q[0], q[2], color=colour, alpha=0.25, lw=0)
        # A scenario whose curve lies on an earlier one's (within half a percentage point
        # every day) would hide it: said in the legend, and drawn dashed.
        same = next((o.scenario for o in curves[:j] if o.epoch == c.epoch and _close(o.quantiles, q)), None)
        text = "median" if len(curves) == 1 else _short(c.scenario, 28) + (f" (on {_short(same, 28)})"
                                                                              if same else "")
        ax.plot(days, q[1], color=colour, lw=2, ls="--" if same else "-", label=text)
        go_live = _date(c.site["go_live"]) if c.site is not None else c.epoch
        started = np.nonzero(q[2] > 0)[0]
        first_day = c.epoch + dt.timedelta(days=int(started[0]) if started.size else 0) - dt.timedelta(days=14)
        latest = go_live
        if len(set(c.go_lives)) > 1:  # go-lives moved by drawn delays: where they fell
            p10, p90 = np.quantile(date2num(c.go_lives), [0.1, 0.9], method="inverted_cdf")
            ax.axvspan(p10, p90 + 1, color=colour, alpha=0.12, lw=0)
            latest = max(latest, num2date(p90).date())
        p90_done = c.site["completion_date"].get("p90") if c.site is not None else None
        last = c.epoch + dt.timedelta(days=q.shape[1] - 1)
        stop = min(last, max(latest, _date(p90_done) if p90_done else last) + dt.timedelta(days=21))
        start = first_day if start is None else min(start, first_day)
        end = stop if end is None else max(end, stop)
    ax.fill_between([], [], color=GREY, alpha=0.25, lw=0, label="P10–P90")
    if any(len(set(c.go_lives)) > 1 for c in curves):
        ax.fill_between([], [], color=GREY, alpha=0.12, lw=0, label="go-live P10–P90 after drawn delays")
    shares = {c.site.get("criteria", {}).get("share") for c in curves if c.site is not None} - {None}
    for share in sorted(s for s in shares if s is not None):
        ax.axhline(share, color=RED, ls="--", lw=1.3, label=f"readiness: {share:.0%} trained")
    assert start is not None and end is not None  # at least one curve
    _date_axis(ax, start, end)
    _mark_events(ax, _go_live_events(curves), [c.scenario for c in curves], colours)
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(PCT)
    ax.set_ylabel("staff trained (share required)")
    ax.set_xlabel("date")
    if any(c.postponements for c in curves):
        ax.annotate("After a postponement is decided, training done for the old date lapses before the new\n"
                    "go-live and is renewed by refresher classes: the share falls, then climbs again.",
                    xy=(0.5, 0), xycoords=ax.xaxis.label, xytext=(0, -4), textcoords="offset points", ha="center",
                    va="top", fontsize=11, color=GREY, annotation_clip=False)
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=3, frameon=False, fontsize=11)
    return fig


def _close(one: np.ndarray, other: np.ndarray) -> bool:
    """Whether two S-curves' quantiles (by day from the same epoch) lie within half a
    percentage point of each other on every day both have."""
    days = min(one.shape[1], other.shape[1])
    return days > 0 and bool(np.abs(one[:, :days] - other[:, :days]).max() < 0.005)


def _mark_events(ax: Axes, events: list[tuple[dt.date, str, list[int]]], scenarios: list[str],
                 colours: list[str]) -> None:
    """A labelled vertical line at each event: decisions labelled on the left of their
    line and go-lives on the right, so a decision a fortnight before a go-live stays
    readable; an event of one scenario of several in that scenario's colour (a planned
    go-live dashed where every scenario postponed it)."""
    for day, kind, which in events:
        style, width = EVENT_STYLE[kind]
        colour = colours[which[0]] if len(which) == 1 and len(scenarios) > 1 else BLACK
        ax.axvline(date2num(day), color=colour, ls=style, lw=width, zorder=3)
        left = kind == "postponement decided"
        text = {"go-live as planned": "planned go-live", "planned go-live, postponed": "planned go-live"}.get(kind, kind)
        ax.annotate(_plain(f"{text} {_fmt(day)}"), (date2num(day), 0.97), xycoords=("data", "axes fraction"),
                    xytext=(-3 if left else 3, 0), textcoords="offset points", rotation=90, ha="right" if left else "left",
                    va="top", fontsize=10, color=colour,
                    bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.75})


# ---------------------------------------------------------------- risk

def risk_figure(summary: Summary) -> Figure:
    """Risk of not being ready per site (by name) and scenario: a dot with its 95% CI as
    a whisker and its value written beside it; with two or more scenarios, a panel
    beneath of the paired differences against the first. Stacked, not side by side, so
    each panel has the figure's width for the site names and the axis."""
    scenarios = list(summary["scenarios"].items())
    site_ids = list(scenarios[0][1]["sites"])
    names = [scenarios[0][1]["sites"][s]["name"] for s in site_ids]
    paired = len(scenarios) > 1
    rows = len(site_ids) * (0.25 + 0.16 * len(scenarios))  # inches of one panel's rows of sites
    fig = Figure(figsize=(SIZE[0], 1.6 + (rows + 1.1) * (2 if paired else 1)), layout="constrained")
    axes = list(fig.subplots(2, 1, sharey=True)) if paired else [fig.subplots()]
    criteria = {s["readiness"]["text"] for _, s in scenarios}
    ready = f"ready ({criteria.pop()} trained)" if len(criteria) == 1 else "ready"
    figure_title(fig, f"Risk of not being {ready}",
                 f"{summary['replications']} replications; on the eve of go-live; whiskers: 95% CI")
    y = np.arange(len(site_ids))[::-1].astype(float)
    step = 0.6 / max(len(scenarios), 1)
    written = len(scenarios) <= 3  # values beside the dots, while they do not crowd
    for j, (name, scenario) in enumerate(scenarios):
        offset = (j - (len(scenarios) - 1) / 2) * step
        sites = [scenario["sites"].get(s) for s in site_ids]
        colour = PALETTE[j % len(PALETTE)]
        risks = [(s["risk_not_ready"], s["risk_ci95"]) if s else None for s in sites]
        _dots(axes[0], y - offset, risks, colour, _plain(name), (lambda v: f"{v:.0%}") if written else None)
        if paired and j > 0:
            diffs = [(s["vs_reference"]["risk_difference"], s["vs_reference"]["risk_difference_ci95"])
                     if s and "vs_reference" in s else None for s in sites]
            _dots(axes[1], y - offset, diffs, colour, _plain(f"{name} − {scenarios[0][0]}"),
                  (lambda v: f"{v * 100:+.0f} pp".replace("-", "\u2212")) if written else None)
    axes[0].set_yticks(y, [_plain(n) for n in names])
    axes[0].set_xlim(-0.02, 1.1)
    axes[0].set_xlabel("risk of not being ready")
    axes[0].set_title("risk per scenario" if paired else "risk per site", fontsize=13, loc="left")
    axes[0].xaxis.set_major_formatter(PCT)
    for ax in axes:
        ax.grid(axis="x", color="#dddddd")
        ax.set_ylim(y.min() - 0.6, y.max() + 0.6)
        ax.set_ylabel("site")
    axes[0].legend(loc="lower right", bbox_to_anchor=(1, 1.0),
                   ncols=min(len(scenarios), 3), frameon=False, fontsize=11, borderaxespad=0.1)
    if paired:
        axes[1].axvline(0, color=BLACK, lw=1)
        axes[1].set_xlabel("difference in risk (percentage points)")
        axes[1].set_title(_plain(f"change against {_short(scenarios[0][0], 28)}, paired"), fontsize=13, loc="left")
        axes[1].tick_params(labelleft=True)
        lo, hi = axes[1].get_xlim()
        reach = max(abs(lo), abs(hi), 0.05) * 1.15
        axes[1].set_xlim(-reach, reach)
        axes[1].xaxis.set_major_formatter(
            FuncFormatter(lambda x, _: f"{x * 100:+.0f}".replace("-", "\u2212") if round(x * 100) else "0"))
        if len(scenarios) > 2:
            axes[1].legend(loc="lower right", bbox_to_anchor=(1, 1.0), frameon=False, fontsize=11)
    return fig


SHARES = np.round(np.arange(0.80, 1.0001, 0.01), 2)  # the share levels of the readiness figure


def readiness_curve(rows: list[Row], shares: np.ndarray = SHARES) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Risk of not being ready at each share level (the other criteria as they held in
    each replication), with its 95% Wilson interval: (risk, low, high), one per level;
    the summary's ``risk_by_threshold`` at these levels."""
    from sim.analysis.summary import columns_from_rows, risk_by_threshold

    by_level = risk_by_threshold(columns_from_rows(rows), [float(s) for s in shares]).values()
    risk = np.array([np.nan if r["risk"] is None else r["risk"] for r in by_level])
    low, high = (np.array([r["ci95"][i] for r in by_level], dtype=float) for i in (0, 1))
    return risk, low, high


ReadinessCurve = tuple[np.ndarray, np.ndarray, np.ndarray]  # risk, low, high: see readiness_curve


def readiness_curves(summary: Summary, by_cell: dict[tuple[str, str], list[Row]]
                     ) -> tuple[dict[tuple[str, str], ReadinessCurve], dict[str, str]]:
    """What the readiness figure draws: the :func:`readiness_curve` of each (scenario,
    site) with replications, and the label of each site's share in the model."""
    from sim.model.spec import share_text

    scenarios = list(summary["scenarios"].items())
    curves = {(name, site_id): readiness_curve(by_cell[name, site_id])
              for name, _ in scenarios for site_id in scenarios[0][1]["sites"] if by_cell.get((name, site_id))}
    labels = {}
    for site_id, site in scenarios[0][1]["sites"].items():
        share = site.get("criteria", {}).get("share")
        if share is not None and share >= SHARES[0]:
            labels[site_id] = f"model: {share_text(share)}"
    return curves, labels


def readiness_figure(summary: Summary, curves: dict[tuple[str, str], ReadinessCurve],
                     labels: dict[str, str]) -> Figure:
    """One panel per site: the risk of not being ready against the share of active staff
    the criterion asks for, 80% to 100%, per scenario with its 95% CI band; the model's
    share marked (curves and labels: :func:`readiness_curves`). Where the line is flat,
    another criterion (super-users) decides."""
    scenarios = list(summary["scenarios"].items())
    site_ids = list(scenarios[0][1]["sites"])
    fig, axes = _grid(len(site_ids))
    figure_title(fig, "Risk of not being ready, by the share of active staff required trained",
                 f"{summary['replications']} replications; 95% CI bands; other criteria as in the model")
    x = SHARES * 100
    for ax, site_id in zip(axes, site_ids):
        for j, (name, _) in enumerate(scenarios):
            curve = curves.get((name, site_id))
            if curve is None:
                continue
            colour = PALETTE[j % len(PALETTE)]
            risk, low, high = curve
            ax.fill_between(x, low, high, color=colour, alpha=0.2, lw=0)
            ax.plot(x, risk, color=colour, lw=2, label=_plain(name))
        site = scenarios[0][1]["sites"][site_id]
        share = site.get("criteria", {}).get("share")
        if share is not None and share >= SHARES[0]:
            ax.axvline(share * 100, color=BLACK, ls="--", lw=1.2)
            ax.annotate(labels[site_id], (share * 100, 1.02), xytext=(-4, 0), textcoords="offset points",
                        ha="right", va="bottom", fontsize=10)
        ax.set_xlim(x[0], x[-1])
        ax.set_ylim(-0.02, 1.08)
        ax.yaxis.set_major_formatter(PCT)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}%"))
        ax.set_title(_plain(site["name"]), fontsize=12)
        ax.grid(color="#eeeeee")
        ax.set_ylabel("risk not ready", fontsize=12)
        ax.set_xlabel("share of active staff required", fontsize=12)
    _legend_in_spare(fig, axes, len(site_ids), title="scenario")
    return fig


def _dots(ax: Axes, y: np.ndarray, values: list[tuple[float | None, Interval] | None], colour: str,
          label: str, value_text: Callable[[float], str] | None = None) -> None:
    """Points with horizontal 95% CI bars; a missing bound is drawn to the point, an
    entry without a value (no replications) is not drawn. With ``value_text``, each
    value is written, so, right of its bar."""
    pts = [(yy, v, ci) for yy, entry in zip(y, values) if entry for v, ci in [entry] if v is not None]
    if not pts:
        return
    ys, xs = np.array([p[0] for p in pts]), np.array([p[1] for p in pts])
    low = np.array([x - (ci[0] if ci[0] is not None else x) for _, x, ci in pts])
    high = np.array([(ci[1] if ci[1] is not None else x) - x for _, x, ci in pts])
    ax.errorbar(xs, ys, xerr=np.clip([low, high], 0, None), fmt="o", color=colour, ms=8, capsize=5, lw=2,
                label=label)
    if value_text is not None:
        for x, yy, right in zip(xs, ys, xs + np.clip(high, 0, None)):
            ax.annotate(value_text(float(x)), (right, yy), xytext=(6, 0),
                        textcoords="offset points", ha="left", va="center", fontsize=10, color=colour)


# ---------------------------------------------------------------- bottlenecks

def bottleneck_figure(scenario: str, summary: ScenarioSummary, weekly: dict[str, np.ndarray]) -> Figure:
    """Per site: weekly instructor and room utilisation (lines), weeks at or above 90%
    shaded, and cancelled / under-filled sessions per replication as bars on a twin axis
    (labelled), each week with a cancellation marked in red, and the legend saying so
    when there were none."""
    weeks = np.array([date2num(_date(str(w))) for w in weekly["weeks"]])
    reps = max(int(weekly["replications"]), 1)
    none = not np.any(weekly["sessions_cancelled"])
    # The legend's title says the bars are on the right axis; short labels keep the legend
    # inside its spare panel, clear of the next panel's right-axis label.
    cancelled_label = "cancelled sessions" + (": none in any week" if none else "")
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
        binding = np.fmax(np.nan_to_num(inst), np.nan_to_num(room)) >= BINDING
        # Full height whatever the y limits: x in days, y in the panel's own 0-1.
        _boxes(ax, weeks[binding], weeks[binding] + 7, 0, 1, transform=ax.get_xaxis_transform(),
               color=PINK, alpha=0.45)
        twin = ax.twinx()
        # Cancelled sessions are few beside the under-filled ones: solid red with a dark
        # outline at the foot of each bar, so a week with one stands out.
        _boxes(twin, weeks + 1, weeks + 6, 0, cancelled, facecolor=RED, edgecolor="#4d1a00", linewidths=0.8)
        # A bar is a pixel or two wide on a panel of a year or more: a marker on each week
        # with a cancellation keeps it in sight.
        hit = cancelled > 0
        twin.plot(weeks[hit] + 3.5, (cancelled + under)[hit], "v", color=RED, mec="#4d1a00", ms=7, ls="",
                  label=cancelled_label, zorder=5)
        _boxes(twin, weeks + 1, weeks + 6, cancelled, cancelled + under, color=YELLOW, alpha=0.55,
               label="under-filled sessions")
        twin.set_ylim(0, max(float((cancelled + under).max()) * 2.2, 1))
        twin.yaxis.set_major_locator(MaxNLocator(nbins=3, integer=True))
        twin.spines["right"].set_visible(True)
        twin.set_ylabel("sessions a week", fontsize=12)
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
        ax.set_ylabel("utilisation", fontsize=12)
        ax.set_xlabel("week", fontsize=12)
    _legend_in_spare(fig, axes, len(weekly["sites"]),
                     title="bars, right axis: sessions a\nweek, mean per replication")
    return fig


def _boxes(ax: Axes, left: np.ndarray, right: np.ndarray, bottom: np.ndarray | float, top: np.ndarray | float,
           **style: Any) -> None:
    """Rectangles from ``left`` to ``right`` and ``bottom`` to ``top`` as one collection
    (those of no height are left out).

    One artist instead of a patch per rectangle, as ``bar`` and ``axvspan`` would make:
    a panel has a few hundred weeks, and each patch costs its own transforms when laid
    out and drawn, which made these the slowest figures of a run by far. The collection
    is clipped to the panel and kept out of the layout, so the axes' limits stay as the
    caller sets them.
    """
    left, right = np.asarray(left, dtype=float), np.asarray(right, dtype=float)
    bottom, top = np.broadcast_to(bottom, left.shape), np.broadcast_to(top, left.shape)
    keep = top > bottom
    corners = np.stack([np.column_stack([x, y]) for x, y in ((left, bottom), (left, top), (right, top), (right, bottom))],
                       axis=1)[keep]
    style.setdefault("linewidths", 0)
    boxes = PolyCollection(list(corners), **style)
    boxes.set_in_layout(False)
    ax.add_collection(boxes, autolim=False)


def _ratio(used: np.ndarray, available: np.ndarray) -> np.ndarray:
    """used / available, NaN where nothing was available."""
    out = np.full(used.shape, np.nan)
    np.divide(used, available, out=out, where=available > 0)
    return out


# ---------------------------------------------------------------- shared helpers

def _grid(panels: int) -> tuple[Figure, list[Axes]]:
    """A figure :data:`SIZE` wide with one panel per site, two across (three would leave
    a panel too narrow for its dates when a phone shows the figure 420 px wide) and,
    when the grid has room, a spare panel for the legend."""
    cols = 1 if panels == 1 else 2
    rows = math.ceil((panels + (1 if panels % cols == 0 and panels > 1 else 0)) / cols)
    fig = Figure(figsize=(SIZE[0], max(SIZE[1], 2.9 * rows)), layout="constrained")
    axes = list(np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel())
    return fig, axes


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
    """A figure title with its detail in brackets, on a second line (and each wrapped) if
    it would not fit the figure's width."""
    text, detail = _plain(text), _plain(detail)
    line = f"{text} ({detail})"
    # Characters that fit across the figure: a DejaVu Sans character is on average
    # about 0.58 of the font size wide.
    size = FontProperties(size=matplotlib.rcParams["figure.titlesize"]).get_size_in_points()
    most = max(20, int(fig.get_figwidth() * 72 / (0.58 * size)))
    fig.suptitle(line if len(line) <= most else f"{textwrap.fill(text, most)}\n{textwrap.fill(f'({detail})', most)}")


def _date_axis(ax: Axes, start: dt.date, end: dt.date, months_only: bool = False) -> None:
    """Limits and date ticks: "Feb 2023" on month starts over long spans, "6 Feb" over
    "2023" over short ones (``months_only``: fewer ticks, for narrow panels).

    Called once the panel's x-limits are final: the date locator's ticks are reckoned
    here, once, and kept, where matplotlib would reckon them again at every layout pass
    and save (the same ticks, as they depend on the limits alone).
    """
    ax.set_xlim(date2num(start), date2num(end))
    span = (end - start).days
    most = 4 if months_only else 6
    locator: MonthLocator | AutoDateLocator
    if span > 45 and (months_only or span > 120):
        locator = MonthLocator(interval=max(1, math.ceil(span / 30.4 / (most - 1))))
        label = _date_labels(False, "\n" if months_only else " ")
    else:
        locator = AutoDateLocator(minticks=2 if months_only else 4, maxticks=most + 2)
        label = _date_labels(True, "\n")
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_locator(FixedLocator(locator()))
    ax.xaxis.set_major_formatter(FuncFormatter(label))


def _date_labels(with_day: bool, year_sep: str) -> Callable[[float, int | None], str]:
    """A tick label function for an axis of dates (see :func:`_fmt`), each label made once."""
    labels: dict[float, str] = {}

    def label(x: float, _: int | None = None) -> str:
        if x not in labels:
            labels[x] = _fmt(num2date(x).date(), with_day, year_sep)
        return labels[x]
    return label


def _fmt(day: dt.date, with_day: bool = True, year_sep: str = " ") -> str:
    """"6 Feb 2023", or "Feb 2023" without the day (English month names, any locale)."""
    month = (["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"])[day.month - 1]
    return f"{day.day} {month}{year_sep}{day.year}" if with_day else f"{month}{year_sep}{day.year}"


def save_figure(fig: Figure, folder: Path, stem: str, svg: bool = False) -> list[Path]:
    """Save ``fig`` as ``<stem>.png`` (at :data:`DPI`) and, with ``svg``, ``<stem>.svg``.

    Written by the Agg and SVG canvases themselves: ``Figure.savefig`` would first draw
    the whole figure once more with the output switched off, only to run the layout
    engine, which runs anyway at the start of the PNG's draw (the files are the same
    bytes either way). matplotlib's ``savefig.*`` settings therefore do not apply.
    A Figure made without pyplot is registered nowhere: it is freed once the caller lets
    go of it, with nothing to close.
    """
    paths = _files(folder, stem, svg)
    dpi = fig.get_dpi()
    fig.set_dpi(DPI)
    # zlib level 3, not Pillow's 6: a third less time per figure and, on these flat-coloured
    # charts, files no larger (measured on the tornado and S-curve PNGs).
    FigureCanvasAgg(fig).print_png(paths[0], metadata={"Software": None}, pil_kwargs={"compress_level": 3})
    if not svg:
        return paths
    # The SVG keeps the panels where the PNG's layout put them rather than laying the
    # figure out again (which took half of each SVG's time); at 72 dpi the layout would
    # move them by a pixel or two at most.
    fig.set_layout_engine("none")
    fig.set_dpi(dpi)  # as savefig leaves it; an SVG is drawn at 72 dpi whatever the figure's
    FigureCanvasSVG(fig).print_svg(paths[1], metadata={"Date": None})
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
