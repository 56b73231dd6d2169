"""Figures of a results folder: every kind for every scenario and site, as PNG and SVG,
non-trivial, drawn from the folder alone, with site names (æ, ø, å) kept as text."""
from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import shutil
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from matplotlib.dates import num2date
from matplotlib.figure import Figure
from matplotlib.image import imread

from sim.cli.main import cli
from sim.output.run_figures import (
    BLACK,
    PALETTE,
    RED,
    SHARES,
    STYLE,
    CompletionDates,
    FigureJob,
    Postponement,
    SiteCompletion,
    SiteCurve,
    Slugs,
    _draw_all,
    _go_live_events,
    bottleneck_figure,
    completion_figure,
    figure_jobs,
    postponements,
    readiness_curve,
    risk_figure,
    s_curve_figure,
    same_as,
    write_figures,
)
from tests.cli.conftest import invoke
from tests.cli.conftest import rows as read_rows
from tests.conftest import SMALL_EXPERIMENT

FIELDS = ("sessions_run", "sessions_cancelled", "sessions_underfilled", "instructor_slots_taught",
          "instructor_slots_on_duty", "room_slots_used", "room_slots_open")


def synthetic_bottlenecks(folder: Path) -> None:
    """A bottlenecks.npz for the folder's scenarios and sites: a busy week at 100%, a
    closed week (nothing open), cancelled and under-filled sessions."""
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    arrays: dict[str, np.ndarray] = {}
    rng = np.random.default_rng(1)
    for i, scenario in enumerate(summary["scenarios"].values()):
        sites = list(scenario["sites"])
        monday = dt.date(2023, 2, 6)
        weeks = 16
        arrays[f"weeks_{i}"] = np.array([(monday + dt.timedelta(weeks=w)).isoformat() for w in range(weeks)])
        arrays[f"sites_{i}"] = np.array(sites)
        shape = (len(sites), weeks)
        on_duty = np.full(shape, 100)
        on_duty[:, 3] = 0
        taught = rng.integers(10, 80, shape)
        taught[:, 5] = 100
        taught[:, 3] = 0
        arrays.update({f"instructor_slots_on_duty_{i}": on_duty, f"instructor_slots_taught_{i}": taught,
                       f"room_slots_open_{i}": on_duty * 2, f"room_slots_used_{i}": taught,
                       f"sessions_run_{i}": taught // 2, f"sessions_cancelled_{i}": rng.integers(0, 3, shape),
                       f"sessions_underfilled_{i}": rng.integers(0, 5, shape)})
    arrays["scenarios"] = np.array(list(summary["scenarios"]))
    arrays["replications"] = np.array([summary["replications"]] * len(summary["scenarios"]))
    np.savez(folder / "bottlenecks.npz", **arrays)


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete results folder of the small experiment (two scenarios, one site), with
    a bottlenecks.npz, and no figures yet."""
    out = tmp_path_factory.mktemp("plots") / "run"
    args = ["run", str(SMALL_EXPERIMENT), "-n", "5", "--seed", "1", "-q", "--executor", "serial", "--out", str(out)]
    if any(p.name == "no_plots" for p in cli.commands["run"].params):
        args.append("--no-plots")
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    if not (out / "bottlenecks.npz").is_file():
        synthetic_bottlenecks(out)
    shutil.rmtree(out / "figures", ignore_errors=True)
    return out


@pytest.fixture(scope="module")
def drawn(results: Path) -> list[Path]:
    """The files write_figures wrote for the small experiment, SVGs included."""
    return write_figures(results, svg=True)


def expected_stems(folder: Path, bottlenecks: bool = True) -> set[str]:
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    slug, site_slug = Slugs(), Slugs()
    stems = {"risk", "readiness"}
    for name, scenario in summary["scenarios"].items():
        stems |= {f"completion-{site_slug(site)}" for site in scenario["sites"]}  # one per site: every scenario
        stems |= {f"s-curve-{site_slug(site)}" for site in scenario["sites"]}
        if bottlenecks:
            stems.add(f"bottlenecks-{slug(name)}")
    return stems


def test_every_figure_as_png_and_svg(results: Path, drawn: list[Path]):
    stems = expected_stems(results)
    assert stems == {"risk", "readiness", "completion-a", "s-curve-a", "bottlenecks-base", "bottlenecks-two-rooms"}
    assert sorted(p.name for p in drawn) == sorted(f"{s}.{ext}" for s in stems for ext in ("png", "svg"))
    assert all(p.parent == results / "figures" and p.is_file() for p in drawn)


def test_without_svg_only_pngs_are_written(results: Path, tmp_path: Path):
    written = write_figures(_copy(results, tmp_path / "run"))
    assert sorted(p.name for p in written) == sorted(f"{s}.png" for s in expected_stems(results))
    assert sorted((tmp_path / "run" / "figures").iterdir()) == sorted(written)


def test_pngs_are_real_pictures(drawn: list[Path]):
    for png in (p for p in drawn if p.suffix == ".png"):
        assert png.stat().st_size > 10_000, png.name
        pixels = imread(png)
        # 8 x 4.5 in (taller with more panels) at 150 dpi: not cut at 1280 px in the report
        assert pixels.shape[0] >= 675 and pixels.shape[1] == 1200, png.name
        rgb = np.rint(pixels[..., :3] * 255).astype(np.uint32)
        colours = np.unique(rgb[..., 0] << 16 | rgb[..., 1] << 8 | rgb[..., 2])
        assert len(colours) > 20, png.name


def test_svgs_name_the_site(results: Path, drawn: list[Path]):
    name = json.loads((results / "summary.json").read_text(encoding="utf-8"))["scenarios"]["base"]["sites"]["a"]["name"]
    for svg in (p for p in drawn if p.suffix == ".svg" and not p.name.startswith("risk")):
        assert name in svg.read_text(encoding="utf-8"), svg.name
    assert name in (results / "figures" / "risk.svg").read_text(encoding="utf-8")


def test_readiness_curve_is_the_summary_s_risk_at_each_share(results: Path):
    # The readiness figure and summary.json count "not ready at a share level" alike,
    # from the same replications, so at every level both report they agree.
    summary = json.loads((results / "summary.json").read_text(encoding="utf-8"))
    rows = read_rows(results / "replications.csv")
    for name, scenario in summary["scenarios"].items():
        for site_id, site in scenario["sites"].items():
            cell = [r for r in rows if (r["scenario"], r["site"]) == (name, site_id)]
            risk, low, high = readiness_curve(cell)
            assert risk.shape == low.shape == high.shape == SHARES.shape and np.all((low <= risk) & (risk <= high))
            for level, entry in site["risk_by_threshold"].items():
                i = int(np.flatnonzero(np.isclose(SHARES, float(level)))[0])
                assert risk[i] == pytest.approx(entry["risk"], abs=1e-6), (name, level)
                assert [low[i], high[i]] == pytest.approx(entry["ci95"], abs=1e-6), (name, level)


def test_a_copied_folder_plots_the_same_files(results: Path, drawn: list[Path], tmp_path: Path):
    copy = tmp_path / "elsewhere" / "run"
    shutil.copytree(results, copy, ignore=shutil.ignore_patterns("figures"))
    again = write_figures(copy, svg=True)
    assert sorted(p.name for p in again) == sorted(p.name for p in drawn)
    assert all(p.parent == copy / "figures" and p.is_file() for p in again)


def test_nordic_letters_survive_into_the_svg(results: Path, tmp_path: Path):
    copy = tmp_path / "run"
    shutil.copytree(results, copy, ignore=shutil.ignore_patterns("figures", "bottlenecks.npz"))
    summary_path = copy / "summary.json"
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    for scenario in summary["scenarios"].values():
        scenario["sites"]["a"]["name"] = "Sykehuset Østfold, Ørland & Hålogaland (æ) $2"
    summary_path.write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    written = write_figures(copy, svg=True)
    # Without bottlenecks.npz (an older folder) the bottleneck figures are left out.
    assert {p.stem for p in written} == expected_stems(copy, bottlenecks=False)
    for svg in (p for p in written if p.suffix == ".svg"):
        assert "Sykehuset Østfold, Ørland &amp; Hålogaland (æ) $2" in svg.read_text(encoding="utf-8"), svg.name


def test_slugs_are_safe_and_unique():
    slug = Slugs()
    assert slug("St. Olavs hospital") == "st-olavs-hospital"
    assert slug("Nord-Trøndelag / Ålesund Æ") == "nord-trondelag-alesund-ae"
    assert slug("a b") == "a-b" and slug("a/b") == "a-b-2" and slug("a b") == "a-b"
    assert slug("../..") == "x"


def _copy(results: Path, to: Path) -> Path:
    shutil.copytree(results, to, ignore=shutil.ignore_patterns("figures"))
    return to


def test_the_files_do_not_depend_on_the_number_of_workers(results: Path, drawn: list[Path], tmp_path: Path):
    serial = write_figures(_copy(results, tmp_path / "serial"), workers=1, svg=True)
    pooled = write_figures(_copy(results, tmp_path / "pooled"), workers=3, svg=True)
    assert [p.name for p in serial] == [p.name for p in pooled] == [p.name for p in drawn]
    for one, other in zip(serial, pooled):
        assert one.read_bytes() == other.read_bytes(), one.name
    assert not multiprocessing.active_children()


def test_workers_draw_with_the_caller_s_matplotlib_settings(results: Path, tmp_path: Path):
    with matplotlib.rc_context({"axes.facecolor": "#fff8e7"}):
        serial = write_figures(_copy(results, tmp_path / "serial"), workers=1, svg=True)
        pooled = write_figures(_copy(results, tmp_path / "pooled"), workers=2, svg=True)
    for one, other in zip(serial, pooled):
        assert one.read_bytes() == other.read_bytes(), one.name
    assert all("#fff8e7" in p.read_text(encoding="utf-8") for p in pooled if p.suffix == ".svg")


def _tiny() -> Figure:
    fig = Figure(figsize=(2, 1))
    fig.add_subplot().plot([0, 1])
    return fig


def _raises_in_a_worker() -> Figure:
    if multiprocessing.parent_process() is not None:
        raise RuntimeError("drawn in a worker")
    return _tiny()


def _warns_in_a_worker() -> Figure:
    if multiprocessing.parent_process() is not None:
        warnings.warn("drawn in a worker", UserWarning, stacklevel=1)
    return _tiny()


def _dies_in_a_worker() -> Figure:
    if multiprocessing.parent_process() is not None:
        os._exit(1)
    return _tiny()


def test_an_error_in_a_worker_is_raised_and_no_worker_outlives_the_call(tmp_path: Path):
    jobs = [FigureJob(f"f{i}", _raises_in_a_worker, (), 1.0) for i in range(4)]
    with pytest.raises(RuntimeError, match="drawn in a worker"):
        _draw_all(jobs, tmp_path, 2)
    assert not multiprocessing.active_children()


def test_a_warning_the_caller_makes_an_error_is_one_in_a_worker_too(tmp_path: Path):
    jobs = [FigureJob(f"f{i}", _warns_in_a_worker, (), 1.0) for i in range(4)]
    with warnings.catch_warnings():
        warnings.filterwarnings("error", "drawn in a worker", UserWarning)
        with pytest.raises(UserWarning, match="drawn in a worker"):
            _draw_all(jobs, tmp_path, 2)
    assert not multiprocessing.active_children()


def test_the_figures_of_a_worker_that_dies_are_drawn_by_the_caller(tmp_path: Path):
    jobs = [FigureJob(f"f{i}", _dies_in_a_worker, (), 1.0, svg=True) for i in range(4)]
    _draw_all(jobs, tmp_path, 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"f{i}.{ext}" for i in range(4) for ext in ("png", "svg"))
    assert not multiprocessing.active_children()


def _cell(scenario: str, go_live: dt.date, done_days: list[int], n: int) -> SiteCompletion:
    """A site in a scenario whose replications completed ``done_days`` from go-live (the
    rest of ``n`` not at all)."""
    done = sorted(go_live + dt.timedelta(days=d) for d in done_days)
    late = n - sum(1 for d in done_days if d < 0)
    p = {f"p{q}": done[min(len(done) - 1, int(q / 100 * n))].isoformat() for q in (10, 50, 80, 90)}
    quantiles = {**p, **{f"{k}_ci95": [v, v] for k, v in p.items()}}
    site = {"name": "Site A", "go_live": go_live.isoformat(), "completion_date": quantiles}
    return SiteCompletion(scenario, site, CompletionDates(done, [go_live] * n, late), n)  # type: ignore[arg-type]


def test_a_completion_figure_puts_every_scenario_on_days_from_its_go_live():
    """Each scenario's cumulative line, in days from its own go-live (a year apart here),
    stands just before go-live at the share of replications complete in time, which is
    what the side note says."""
    cells = [_cell("planned", dt.date(2023, 2, 11), [-9, -5, -3, -1, 2, 4, 6, 8, 30, 40], 10),
             _cell("postponed", dt.date(2024, 11, 9), [-40, -30, -20, -12, -9, -6, -3, -1, 1], 10)]
    fig = completion_figure(cells)
    bottom = fig.axes[1]
    lines = [line for line in bottom.get_lines() if line.get_linewidth() == 2.2]
    assert len(lines) == len(cells)
    for line, cell, in_time in zip(lines, cells, (0.4, 0.8)):
        assert cell.dates.late == round(10 * (1 - in_time))
        x, y = (np.asarray(v, dtype=float) for v in line.get_data())
        assert y[x < 0][-1] == pytest.approx(in_time)  # a step line holds its value until the next x
        assert f"({cell.dates.late}/10)" in "".join(t.get_text() for t in fig.axes[2].texts)
    assert bottom.get_xlim()[0] < -40 and bottom.get_xlim()[1] > 40  # both scenarios on one axis of days
    # The note says it counts the share alone, so that it is not read as the risk.
    assert "the share only" in " ".join("".join(t.get_text() for t in fig.axes[2].texts).split())


def test_the_completion_figures_are_one_per_site_with_every_scenario(results: Path):
    jobs = [job for job in figure_jobs(results) if job.stem.startswith("completion-")]
    assert [job.stem for job in jobs] == ["completion-a"]
    assert [c.scenario for c in jobs[0].args[0]] == ["base", "two-rooms"]


def _curve(scenario: str, planned: dt.date, moves: list[tuple[dt.date, dt.date]], shift: float = 0.0) -> SiteCurve:
    """St. Olavs in a scenario: a curve that climbs, falls after the first decision and
    climbs again; ``moves``: its postponements (decided, new go-live)."""
    epoch = dt.date(2022, 1, 1)
    days = np.arange(400)
    median = np.clip(np.where(days < 120, days / 130, np.where(days < 180, 0.9 - (days - 120) / 70, (days - 250) / 40)),
                     0.05, 1.0) + shift
    quantiles = np.vstack([median - 0.02, median, median + 0.02]).clip(0, 1)
    go_live = moves[-1][1] if moves else planned
    site = {"name": "St. Olavs hospital", "planned_go_live": planned.isoformat(), "go_live": go_live.isoformat(),
            "criteria": {"share": 0.95}, "completion_date": {"p90": (go_live - dt.timedelta(days=20)).isoformat()}}
    return SiteCurve(scenario, site, "st-olavs", epoch, quantiles, 40, [go_live] * 40,  # type: ignore[arg-type]
                     [Postponement(d, g) for d, g in moves])


def test_an_s_curve_overlays_the_scenarios_and_marks_the_plan_and_each_postponement():
    planned, decided, live = dt.date(2022, 5, 7), dt.date(2022, 4, 22), dt.date(2022, 11, 12)
    curves = [_curve("as-planned", planned, []), _curve("postponed", planned, [(decided, live)], shift=-0.1),
              _curve("postponed again", planned, [(decided, live)], shift=-0.1)]
    with matplotlib.rc_context(STYLE):
        fig = s_curve_figure(curves)
    ax = fig.axes[0]
    assert "St. Olavs hospital" in fig.get_suptitle()
    labels = fig.legends[0].texts
    assert [t.get_text() for t in labels][:3] == ["as-planned", "postponed", "postponed again (on postponed)"]
    medians = [line for line in ax.get_lines() if line.get_linewidth() == 2]
    assert len(medians) == 3 and len(ax.collections) >= 3  # a line and a P10-P90 band per scenario
    # The marks: each a vertical line at its day with its label, the plan's in black
    # (kept by one scenario, postponed by two), the decision and the new go-live in the
    # colour of the scenarios that have them (two: black).
    marks = {t.get_text(): t for t in ax.texts if t.get_rotation() == 90}
    assert set(marks) == {"planned go-live 7 May 2022", "postponement decided 22 Apr 2022", "go-live 12 Nov 2022"}
    verticals = {num2date(line.get_xdata()[0]).date(): line for line in ax.get_lines()
                 if list(line.get_ydata()) == [0, 1]}
    assert set(verticals) == {planned, decided, live}
    assert verticals[decided].get_linestyle() == ":" and verticals[live].get_linestyle() == "-"
    assert "postponement is decided" in " ".join(t.get_text() for t in ax.texts)
    assert ax.get_xlabel() and ax.get_ylabel()


def test_a_plan_every_scenario_postponed_is_dashed_and_one_scenario_s_marks_are_in_its_colour():
    planned, decided, live = dt.date(2023, 2, 11), dt.date(2023, 1, 26), dt.date(2023, 11, 4)
    curves = [_curve("as-planned", dt.date(2023, 2, 11), []), _curve("as-happened", planned, [(decided, live)])]
    events = {(day, kind): which for day, kind, which in _go_live_events(curves)}
    assert events == {(planned, "go-live as planned"): [0, 1], (decided, "postponement decided"): [1],
                      (live, "go-live"): [1]}
    only_moved = _go_live_events([curves[1]])
    assert [(day, kind) for day, kind, _ in only_moved] == [
        (decided, "postponement decided"), (planned, "planned go-live, postponed"), (live, "go-live")]
    with matplotlib.rc_context(STYLE):
        ax = s_curve_figure(curves).axes[0]
    colours = {t.get_text(): t.get_color() for t in ax.texts if t.get_rotation() == 90}
    assert colours["postponement decided 26 Jan 2023"] == PALETTE[1] == colours["go-live 4 Nov 2023"]
    assert colours["planned go-live 11 Feb 2023"] == BLACK


def test_the_s_curves_are_one_per_site_with_every_scenario(results: Path):
    jobs = [job for job in figure_jobs(results) if job.stem.startswith("s-curve-")]
    assert [job.stem for job in jobs] == ["s-curve-a"]
    assert [c.scenario for c in jobs[0].args[0]] == ["base", "two-rooms"]


def test_the_risk_figure_shows_every_scenario_s_risk_with_its_ci_by_site_name(results: Path):
    summary = json.loads((results / "summary.json").read_text(encoding="utf-8"))
    with matplotlib.rc_context(STYLE):
        fig = risk_figure(summary)
    risk, change = fig.axes[:2]
    site = summary["scenarios"]["base"]["sites"]["a"]
    assert [t.get_text() for t in risk.get_yticklabels()] == [site["name"]]
    assert risk.get_xlabel() and risk.get_ylabel() and change.get_xlabel() and change.get_ylabel()
    assert risk.get_legend_handles_labels()[1] == list(summary["scenarios"])
    for scenario, container in zip(summary["scenarios"].values(), risk.containers):
        s = scenario["sites"]["a"]
        x = container.lines[0].get_xdata()[0]
        assert x == pytest.approx(s["risk_not_ready"])
        segment = container.lines[2][0].get_segments()[0]  # the whisker: the 95% CI
        assert [segment[0][0], segment[1][0]] == pytest.approx(s["risk_ci95"])
        assert f"{s['risk_not_ready']:.0%}" in {t.get_text() for t in risk.texts}


def test_the_bottleneck_figure_labels_both_axes_and_marks_each_week_with_a_cancellation(results: Path):
    from sim.analysis.bottlenecks import read_bottlenecks

    summary = json.loads((results / "summary.json").read_text(encoding="utf-8"))
    weekly = dict(read_bottlenecks(results / "bottlenecks.npz")["base"])
    cancelled = np.zeros_like(weekly["sessions_cancelled"])
    active = np.flatnonzero(weekly["instructor_slots_on_duty"][0] > 0)
    cancelled[0, active[[0, -1]]] = [3, 1]  # two weeks with cancellations
    weekly["sessions_cancelled"] = cancelled
    with matplotlib.rc_context(STYLE):
        fig = bottleneck_figure("base", summary["scenarios"]["base"], weekly)
    panel, twin = fig.axes[0], next(ax for ax in fig.axes if ax.get_ylabel() == "sessions a week")
    assert panel.get_ylabel() == "utilisation" and panel.get_xlabel() and twin.get_ylabel()
    marks = [line for line in twin.get_lines() if line.get_marker() == "v"]
    assert len(marks) == 1 and marks[0].get_color() == RED
    assert len(marks[0].get_xdata()) == 2
    assert "cancelled sessions" in _legend_texts(fig)
    none = {**weekly, "sessions_cancelled": np.zeros_like(weekly["sessions_cancelled"])}
    with matplotlib.rc_context(STYLE):
        quiet = bottleneck_figure("base", summary["scenarios"]["base"], none)
    assert "cancelled sessions: none in any week" in _legend_texts(quiet)


def _legend_texts(fig: Figure) -> list[str]:
    """The entries of a figure's legends, its own and its panels'."""
    legends = fig.legends + [legend for ax in fig.axes if (legend := ax.get_legend()) is not None]
    return [t.get_text() for legend in legends for t in legend.get_texts()]


def test_a_scenario_whose_completions_are_another_s_says_so_in_the_legend():
    go_live = dt.date(2023, 2, 11)
    cells = [_cell("planned", go_live, [-9, -5, -3, -1, 2], 10), _cell("as-happened", go_live, [-9, -5, -3, -1, 2], 10),
             _cell("more rooms", go_live, [-20, -15, -9, -5, -3], 10)]
    assert same_as(cells) == {"planned": None, "as-happened": "planned", "more rooms": None}
    with matplotlib.rc_context(STYLE):
        fig = completion_figure(cells)
    texts = _legend_texts(fig)
    assert "as-happened\n(same as planned)" in texts and "planned" in texts and "more rooms" in texts
    dashed = [line for line in fig.axes[1].get_lines() if line.get_linewidth() == 2.2 and line.get_linestyle() != "-"]
    assert len(dashed) == 1  # the second of the two that coincide, so the first shows through


def test_the_postponements_come_from_the_model_each_scenario_ran(results: Path, tmp_path: Path):
    """resolved/<i>-<scenario>.toml records each scenario's model; a postponement written
    there (as the run would have written one) is what the site's S-curve marks."""
    copy = _copy(results, tmp_path / "run")
    resolved = sorted((copy / "resolved").glob("1-*.toml"))
    assert len(resolved) == 1  # the second scenario's model
    text = resolved[0].read_text(encoding="utf-8")
    head, sep, tail = text.partition('id = "a"\n')
    assert sep
    resolved[0].write_text(head + sep + "postponement = [{ decided = 2023-01-26, go_live = 2023-11-04 }]\n" + tail,
                           encoding="utf-8")
    summary = json.loads((copy / "summary.json").read_text(encoding="utf-8"))
    moves = postponements(copy, summary)
    assert moves == {"base": {"a": []}, "two-rooms": {"a": [Postponement(dt.date(2023, 1, 26), dt.date(2023, 11, 4))]}}
    job = next(job for job in figure_jobs(copy) if job.stem == "s-curve-a")
    assert [c.postponements for c in job.args[0]] == [[], moves["two-rooms"]["a"]]
    shutil.rmtree(copy / "resolved")  # an older folder: no postponements known, and still the figures
    assert postponements(copy, summary) == {"base": {}, "two-rooms": {}}
