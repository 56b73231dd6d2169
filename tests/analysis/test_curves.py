"""S-curve histograms: exact counts, quantiles on the 0.5% grid, merging, round trip."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sim.analysis.bottlenecks import WeeklyTotals
from sim.analysis.curves import BINS, ShareHistogram, read_curves
from sim.engine.fields import WEEKLY_FIELDS
from tests.cli.conftest import invoke
from tests.conftest import SMALL_EXPERIMENT

EPOCH = dt.date(2023, 1, 2)


def test_quantiles_of_known_shares():
    h = ShareHistogram(["a"], EPOCH, 2)
    for share in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0):
        h.add(np.array([[0.0, share]]), EPOCH)
    q = h.quantiles([0.1, 0.5, 0.9])
    assert q[:, 0, 0].tolist() == [0.0, 0.0, 0.0]
    # Inverted CDF over 10 values: P10 is the 1st, P50 the 5th, P90 the 9th.
    assert q[:, 0, 1].tolist() == pytest.approx([0.1, 0.5, 0.9])
    assert h.mean()[0, 1] == pytest.approx(0.55)


def test_shares_round_to_half_percent_and_short_curves_keep_their_last_value():
    h = ShareHistogram(["a"], EPOCH, 4)
    h.add(np.array([[0.0024, 0.0026, 1.0]]), EPOCH)  # a replication that ended a day early
    assert h.counts[0, 0, 0] == 1 and h.counts[0, 1, 1] == 1
    assert h.counts[0, 2, BINS] == 1 and h.counts[0, 3, BINS] == 1
    assert h.counts.sum() == 4


def test_merge_adds_and_refuses_other_axes():
    a, b = ShareHistogram(["a"], EPOCH, 2), ShareHistogram(["a"], EPOCH, 2)
    a.add(np.array([[0.5, 1.0]]), EPOCH)
    b.add(np.array([[0.0, 1.0]]), EPOCH)
    a.merge(b)
    assert a.replications == 2 and a.counts.sum() == 4
    with pytest.raises(ValueError):
        a.merge(ShareHistogram(["b"], EPOCH, 2))
    with pytest.raises(ValueError):
        a.add(np.array([[0.5, 1.0]]), EPOCH - dt.timedelta(days=1))


def test_a_replication_that_starts_later_is_placed_on_the_axis():
    # A model under another parameter set may start later (its e-learning opens later):
    # nobody is trained before its first day, and its last value holds to the axis's end.
    hist = ShareHistogram(["a"], EPOCH, 5)
    hist.add(np.array([[0.5, 1.0]]), EPOCH + dt.timedelta(days=2))
    by_day = hist.counts[0].argmax(axis=1) / BINS
    assert list(by_day) == [0.0, 0.0, 0.5, 1.0, 1.0]


def test_a_run_writes_curves_that_read_back(tmp_path):
    result = invoke("run", "--no-plots", SMALL_EXPERIMENT, "-n", 3, "-q", "--executor", "serial", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    curves = read_curves(tmp_path / "out" / "curves.npz")
    assert list(curves) == ["base", "two-rooms"]
    base = curves["base"]
    assert base.replications == 3 and base.sites == ["a"] and base.epoch == EPOCH
    # Everyone is trained by Fri 17 Mar 2023 in every replication of the small model.
    day = (dt.date(2023, 3, 17) - EPOCH).days
    assert base.quantiles([0.5])[0, 0, day] == 1.0 and base.quantiles([0.5])[0, 0, day - 5] < 1.0


def test_weekly_totals_of_a_replication_that_starts_later_land_in_its_own_weeks():
    totals = WeeklyTotals(["a"], EPOCH, 4)  # EPOCH's week and the three after
    weekly = np.zeros((1, len(WEEKLY_FIELDS), 2), dtype=np.int64)
    weekly[0, 0] = [5, 7]  # sessions run in its first two weeks
    totals.add(weekly, EPOCH + dt.timedelta(weeks=1))
    totals.add(weekly)  # on the axis's own first week
    assert list(totals.totals[0, 0]) == [5, 12, 7, 0] and totals.replications == 2
    with pytest.raises(ValueError):
        totals.add(weekly, EPOCH - dt.timedelta(weeks=1))
