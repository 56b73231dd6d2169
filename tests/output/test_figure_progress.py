"""Progress of the figures: write_figures reports each figure saved, once, in this
process or a worker, so the command line can show a bar while they are drawn."""
from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from sim.output.run_figures import FigureJob, _draw_all, _Tally, write_figures
from tests.output.test_run_figures import results  # noqa: F401 - the fixture: a small results folder


def _tiny() -> Figure:
    figure = Figure(figsize=(1, 1))
    figure.add_subplot().plot([0, 1])
    return figure


def _dies_in_a_worker() -> Figure:
    if multiprocessing.parent_process() is not None:
        os._exit(1)
    return _tiny()


def reports(total: int) -> tuple[list[tuple[int, int]], _Tally]:
    seen: list[tuple[int, int]] = []
    return seen, _Tally(total, lambda done, n: seen.append((done, n)))


@pytest.mark.parametrize("processes", [1, 2])
def test_each_figure_is_reported_once_as_it_is_saved(tmp_path: Path, processes: int):
    jobs = [FigureJob(f"f{i}", _tiny, (), float(i)) for i in range(5)]
    seen, tally = reports(len(jobs))
    _draw_all(jobs, tmp_path, processes, saved=tally)
    assert seen == [(i, 5) for i in range(1, 6)]
    assert len(list(tmp_path.iterdir())) == 5


def test_figures_a_dead_worker_left_are_reported_when_drawn_here(tmp_path: Path):
    jobs = [FigureJob(f"f{i}", _dies_in_a_worker, (), 1.0) for i in range(4)]
    seen, tally = reports(len(jobs))
    _draw_all(jobs, tmp_path, 2, saved=tally)
    assert seen == [(i, 4) for i in range(1, 5)]


def test_write_figures_reports_every_figure_it_returns(results: Path, tmp_path: Path):  # noqa: F811
    seen: list[tuple[int, int]] = []
    written = write_figures(results, workers=1, progress=lambda done, total: seen.append((done, total)))
    total = len(written)
    assert total > 2 and seen == [(i, total) for i in range(1, total + 1)]
