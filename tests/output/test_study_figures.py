"""Study figures explain themselves: site names, labels with units and the key in small
print, the base marked, tornado panels sorted by swing and "no effect" said where there
is none. Checked on the matplotlib Figures, from rows made here."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from sim.model.design import Point
from sim.model.labels import label
from sim.output.run_figures import STYLE
from sim.output.study_figures import (
    NO_EFFECT,
    SMALL,
    index_figure,
    index_figures,
    site_names,
    sweep_figure,
    sweep_figures,
    swing,
    tornado_figure,
    tornado_figures,
)

MODEL: dict[str, Any] = {
    "site": [{"id": "st-olavs", "name": "St. Olavs hospital"}],
    "uncertainty": {"training_environment_delay_days": 14, "no_show_probability": 0.05},
    "venue": [{"id": "hall", "name": "Øya hall", "rooms": 3}],
}
KEY = "uncertainty.training_environment_delay_days"


@pytest.fixture(autouse=True)
def style() -> Iterator[None]:
    """Draw as the figures are saved: with the run figures' style."""
    with matplotlib.rc_context(STYLE):
        yield


def _texts(fig: Figure) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_text()]


def _sweep_rows(values: list[int]) -> tuple[list[Point], list[dict[str, Any]]]:
    points = [Point(f"p{i}", ((KEY, v),), (f"{v // 7}w",)) for i, v in enumerate(values)]
    risks = [0.1, 0.3, 0.5, 0.9][:len(values)]
    rows = [{"point": p.name, "site": "st-olavs", "replications": 40, "risk": r, "risk_ci95_low": r - 0.1,
             "risk_ci95_high": r + 0.1} for p, r in zip(points, risks)]
    return points, rows


def test_a_sweep_names_the_site_labels_the_key_and_rings_the_base_point():
    points, rows = _sweep_rows([0, 14, 28, 42])
    fig = sweep_figure("st-olavs", rows, {p.name: p for p in points}, label(KEY, MODEL), 14,
                       site_names(MODEL), "delay")
    ax = fig.axes[0]
    assert "St. Olavs hospital" in fig.get_suptitle() and "st-olavs" not in fig.get_suptitle()
    assert ax.get_xlabel() == "Training environment late (days)"
    small = [t for t in _texts(fig) if t.get_text() == KEY]
    assert len(small) == 1 and small[0].get_fontsize() == SMALL < ax.xaxis.label.get_fontsize()
    assert ax.get_ylabel()
    # The base point: a large open ring at the model's value (14 days) on the risk line.
    rings = [line for line in ax.get_lines() if line.get_markersize() > 10]
    assert len(rings) == 1
    x, y = (np.asarray(v, dtype=float) for v in rings[0].get_data())
    assert (x[0], y[0]) == (14, pytest.approx(0.3))
    assert any(t.get_text() == "base 30%" for t in _texts(fig))
    assert "ring: the model's own value" in fig.get_suptitle()
    assert len(ax.collections) == 1  # the 95% CI band
    band = ax.collections[0].get_paths()[0].vertices
    assert band[:, 1].min() == pytest.approx(0.0) and band[:, 1].max() == pytest.approx(1.0)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0\n(0w)", "14\n(2w)", "28\n(4w)", "42\n(6w)"]


def test_a_base_between_the_swept_values_is_a_line_at_it():
    points, rows = _sweep_rows([0, 28, 42])
    fig = sweep_figure("st-olavs", rows, {p.name: p for p in points}, label(KEY, MODEL), 14, {}, "delay")
    ax = fig.axes[0]
    assert not [line for line in ax.get_lines() if line.get_markersize() > 10]
    marks = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(marks) == 1 and list(marks[0].get_xdata()) == [14, 14]
    assert "in the model: 14 days" in ax.get_legend_handles_labels()[1]
    assert "st-olavs" in fig.get_suptitle()  # without the model's names, the id


def test_sweep_figures_are_written_per_site_with_names_from_the_model(tmp_path: Path):
    points, rows = _sweep_rows([0, 14])
    rows += [{**r, "site": "(any site)"} for r in rows]
    told: list[tuple[int, int]] = []
    written = sweep_figures(rows, points, tmp_path, "delay", model=MODEL, progress=lambda *a: told.append(a))
    assert [p.name for p in written] == ["sweep-st-olavs.png", "sweep-any-site.png"]
    assert told == [(1, 2), (2, 2)]  # the command's progress bar counts each figure as it is saved


def _tornado_rows(changes: dict[str, tuple[tuple[float, float, float], tuple[float, float, float]]],
                  p80: dict[str, tuple[float, float]], base: float = 0.4) -> list[dict[str, Any]]:
    keys = {"late": KEY, "shows": "uncertainty.no_show_probability", "rooms": "venue.hall.rooms"}
    values = {"late": ("0w", "8w"), "shows": ("0%", "20%"), "rooms": ("2", "4")}
    rows = []
    for p, ends in changes.items():
        for k, (end, (d, lo, hi)) in enumerate(zip(("low", "high"), ends)):
            rows.append({"parameter": p, "key": keys[p], "end": end, "value": values[p][k], "site": "st-olavs",
                         "replications": 50, "risk": round(base + d, 6), "risk_change": d,
                         "risk_change_ci95_low": lo, "risk_change_ci95_high": hi,
                         "p80_change_days": p80[p][k], "p80_change_days_ci95_low": p80[p][k] - 1,
                         "p80_change_days_ci95_high": p80[p][k] + 1})
    return rows


def _headers(ax: Any) -> list[str]:
    """The row headers of a tornado panel, top row first."""
    heads = [t for t in ax.texts if t.get_fontsize() == 12 and ":" in t.get_text() and " to " in t.get_text()]
    return [t.get_text().split(" (")[0] for t in sorted(heads, key=lambda t: -t.xy[1])]


def test_each_tornado_panel_is_sorted_by_its_own_swing_and_marks_the_base():
    rows = _tornado_rows({"late": ((0.0, 0.0, 0.0), (0.3, 0.1, 0.5)),
                          "shows": ((-0.05, -0.2, 0.1), (0.1, -0.05, 0.25)),
                          "rooms": ((0.02, -0.1, 0.14), (-0.01, -0.1, 0.08))},
                         {"late": (0, 2), "shows": (-3, 20), "rooms": (5, -6)})
    fig = tornado_figure(rows, "St. Olavs hospital", "delay", MODEL, {"completion_date": {"p80": "2022-10-05"}})
    risk, p80 = fig.axes[:2]
    assert _headers(risk) == ["Training environment late", "No-shows", "Classrooms at Øya hall"]
    assert _headers(p80) == ["No-shows", "Classrooms at Øya hall", "Training environment late"]
    # Base risk as a line at it, with its value; the end values at the bar ends.
    verticals = [line for line in risk.get_lines() if list(line.get_ydata()) == [0, 1]]  # as axvline draws
    assert [line.get_xdata()[0] for line in verticals] == [pytest.approx(0.4)]
    assert {"base 40%", "8w", "20%", "0%"} <= {t.get_text() for t in risk.texts}
    assert "base P80 5 Oct 2022" in {t.get_text() for t in p80.texts}
    assert risk.get_xlabel() and p80.get_xlabel()
    assert KEY in {t.get_text() for t in risk.texts}
    assert NO_EFFECT not in risk.get_title(loc="left")  # "late" at its high end: CI 10% to 50%


def test_a_tornado_panel_without_a_distinguishable_effect_says_so():
    rows = _tornado_rows({"late": ((0.0, 0.0, 0.0), (0.0, 0.0, 0.0)), "shows": ((0.05, -0.1, 0.2), (0.0, 0, 0))},
                         {"late": (0, 0), "shows": (0, 0)})
    fig = tornado_figure(rows, "St. Olavs hospital", "delay", MODEL, None)
    assert NO_EFFECT in fig.axes[0].get_title(loc="left")
    assert NO_EFFECT in fig.axes[1].get_title(loc="left")  # all zero (CIs of -1 to +1 days)


def test_swing_spans_the_base_and_both_ends():
    assert swing({"low": (-0.1, 0, 0), "high": (0.2, 0, 0)}) == pytest.approx(0.3)
    assert swing({"low": (0.1, 0, 0), "high": (0.2, 0, 0)}) == pytest.approx(0.2)
    assert swing({"low": (np.nan, 0, 0)}) == 0.0


def test_tornado_figures_are_written_per_site(tmp_path: Path):
    rows = _tornado_rows({"late": ((0.0, 0.0, 0.0), (0.3, 0.1, 0.5))}, {"late": (0, 2)})
    told: list[tuple[int, int]] = []
    written = tornado_figures(rows, tmp_path, "delay", model=MODEL, progress=lambda *a: told.append(a))
    assert [p.name for p in written] == ["tornado-st-olavs.png"] and told == [(1, 1)]


def test_index_figures_label_their_parameters_and_say_when_nothing_stands_out(tmp_path: Path):
    rows = [{"site": "st-olavs", "output": "risk", "parameter": p, "mu_star": m, "mu_star_conf": c, "mu": m,
             "sigma": 0.1} for p, m, c in (("late", 0.4, 0.1), ("shows", 0.1, 0.2))]
    keys = {"late": KEY, "shows": "uncertainty.no_show_probability"}
    fig = index_figure(rows, "morris", "risk", "St. Olavs hospital", "delay", MODEL, keys)
    heads = sorted((t for t in fig.axes[0].texts if t.get_fontsize() == 12), key=lambda t: -t.xy[1])
    assert [t.get_text() for t in heads] == ["Training environment late (days)", "No-shows (share of booked seats)"]
    assert NO_EFFECT not in fig.axes[0].get_title(loc="left")
    flat = [{**r, "mu_star": 0.0, "mu_star_conf": 0.0} for r in rows]
    assert NO_EFFECT in index_figure(flat, "morris", "risk", "x", "delay", MODEL, keys).axes[0].get_title(loc="left")
    told: list[tuple[int, int]] = []
    written = index_figures(rows, "morris", tmp_path, "delay", model=MODEL, keys=keys, progress=lambda *a: told.append(a))
    assert [p.name for p in written] == ["morris-st-olavs-risk.png"] and told == [(1, 1)]


def test_a_tornado_s_risk_whiskers_stop_at_100_percent():
    # A paired difference's t interval may reach past 100% at a base of 90%; a risk cannot.
    rows = _tornado_rows({"late": ((0.0, 0.0, 0.0), (0.08, -0.05, 0.3))}, {"late": (0, 2)}, base=0.9)
    fig = tornado_figure(rows, "St. Olavs hospital", "delay", MODEL, None)
    risk = fig.axes[0]
    ends = [seg[:, 0] for c in risk.collections for seg in getattr(c, "get_segments", list)() if len(seg) == 2]
    assert ends and max(e.max() for e in ends) == pytest.approx(1.0)
    assert risk.get_xlim()[1] < 1.1
    assert [t.xy[0] for t in risk.texts if t.get_text() == "8w"] == [pytest.approx(1.0)]  # beyond the whisker


def test_a_sweep_of_a_switch_shows_its_values_as_written_and_rings_the_model_s():
    key = "common_delay.outage.independent"
    points = [Point("p0", ((key, False),), ("false",)), Point("p1", ((key, True),), ("true",))]
    rows = [{"point": p.name, "site": "st-olavs", "replications": 40, "risk": r, "risk_ci95_low": r - 0.1,
             "risk_ci95_high": r + 0.1} for p, r in zip(points, (0.2, 0.4))]
    fig = sweep_figure("st-olavs", rows, {p.name: p for p in points}, label(key, MODEL), False, {}, "delay")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["false", "true"]
    rings = [line for line in ax.get_lines() if line.get_markersize() > 10]
    assert len(rings) == 1 and rings[0].get_xdata()[0] == 0  # at "false", the model's value
