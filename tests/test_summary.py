"""Summaries across replications: risk with Wilson intervals, date quantiles, pairing."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from sim.outcomes import SiteOutcome
import numpy as np

from sim.summary import columns_of, date_quantiles, paired_difference, risk_by_threshold, site_summary, summarise
from tests.conftest import small_model

D = dt.date


def row(trained: int, required: int = 100, completion: dt.date | None = D(2023, 3, 1)) -> SiteOutcome:
    return SiteOutcome(
        site="a", go_live=D(2023, 5, 6), planned_go_live=D(2023, 5, 6), staff_required=required,
        trained_at_go_live=trained, untrained_at_go_live=required - trained, share_trained=trained / required,
        ready=trained >= required, completion_date=completion, slack_days=None, date_95=completion,
        first_class_date=D(2023, 3, 13), sessions_run=1, sessions_cancelled=0, sessions_covered=0,
        sessions_underfilled=0, refresher_sessions=0, no_shows=0, sick_absences=0, proficiency_failures=0,
        new_hires=0, instructor_utilisation=0.5, room_utilisation=0.25)


def test_risk_is_the_share_not_ready_with_its_wilson_interval():
    rows = [row(100)] * 7 + [row(99)] * 3
    s = site_summary(small_model(), "a", columns_of(rows))
    assert s["not_ready"] == 3 and s["risk_not_ready"] == 0.3
    # Wilson 95% for 3 of 10 from the formula (z = 1.959964): (0.107791, 0.603222).
    assert s["risk_ci95"] == pytest.approx([0.107791, 0.603222], abs=1e-6)
    assert s["expected_untrained"] == 0.3
    assert s["staff"] == 100 and s["go_live"] == "2023-05-06"


def test_risk_by_threshold_counts_shares_below_each_level():
    rows = [row(100), row(97), row(94), row(89)]
    r = risk_by_threshold(columns_of(rows))
    assert r["1.00"]["risk"] == 0.75 and r["0.98"]["risk"] == 0.75
    assert r["0.95"]["risk"] == 0.5 and r["0.90"]["risk"] == 0.25


def test_date_quantiles_treat_missing_completion_as_later_than_any_date():
    dates = [D(2023, 3, d) for d in range(1, 9)] + [None, None]
    q = date_quantiles(np.array([np.inf if d is None else float(d.toordinal()) for d in dates]))
    assert q["p10"] == "2023-03-01" and q["p50"] == "2023-03-05" and q["p80"] == "2023-03-08"
    assert q["p90"] is None  # the 9th of 10 never completed within the horizon
    # With 10 values the median's interval runs from the 2nd to the 9th: a date, and never.
    assert q["p50_ci95"] == ["2023-03-02", None]


def test_paired_difference_uses_the_same_replications():
    ref = columns_of([row(100), row(99), row(100), row(99)])
    alt = columns_of([row(99), row(99), row(100), row(99)])
    d = paired_difference(alt, ref)
    assert d["risk_difference"] == 0.25 and d["paired_replications"] == 4
    same = paired_difference(ref, ref)
    assert same["risk_difference"] == 0.0 and same["risk_difference_ci95"] == [0.0, 0.0]
    # Same completion dates in both: the P50 difference is 0 days, bootstrap interval too.
    assert same["p50_completion_difference"] == {"days": 0, "ci95": [0.0, 0.0]}


def test_paired_risk_difference_interval_stays_within_minus_one_and_one():
    # 99 of 100 replications go from not ready to ready: the t interval around -0.99
    # would reach below -1, which no difference of two risks can.
    ref = columns_of([row(99)] * 100)
    alt = columns_of([row(100)] * 99 + [row(99)])
    low, high = paired_difference(alt, ref)["risk_difference_ci95"]
    assert low == -1.0 and -0.99 < high < -0.95


def test_paired_completion_difference_in_days_with_an_interval():
    ref = columns_of([row(100, completion=D(2023, 3, d)) for d in range(1, 21)])
    alt = columns_of([row(100, completion=D(2023, 3, d) + dt.timedelta(days=7)) for d in range(1, 21)])
    d = paired_difference(alt, ref)["p80_completion_difference"]
    # Every replication is a week later, so every resample's P80 is a week later too.
    assert d == {"days": 7, "ci95": [7.0, 7.0]}


def test_summarise_compares_later_scenarios_with_the_first():
    m = small_model()
    out = summarise({"experiment": "x"}, {"base": (m, {"a": columns_of([row(100), row(99)])}),
                                          "alt": (m, {"a": columns_of([row(99), row(99)])})})
    assert "vs_reference" not in out["scenarios"]["base"]["sites"]["a"]
    assert out["scenarios"]["alt"]["sites"]["a"]["vs_reference"]["risk_difference"] == 0.5
    assert out["scenarios"]["base"]["readiness_threshold"] == 1.0


def test_outcome_rows_are_plain_records():
    assert dataclasses.is_dataclass(row(1)) and SiteOutcome.columns()[0] == "site"
