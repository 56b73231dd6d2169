"""Summaries across replications: risk with Wilson intervals, date quantiles, pairing."""
from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from sim.analysis.stats import wilson_interval
from sim.analysis.summary import (
    THRESHOLDS,
    columns_of,
    date_quantiles,
    kth_of_resamples,
    not_ready_at,
    paired_difference,
    risk_by_threshold,
    site_summary,
    summarise,
)
from sim.engine.outcomes import SiteOutcome, required_count
from tests.conftest import small_model

D = dt.date


def row(trained: int, required: int = 100, completion: dt.date | None = D(2023, 3, 1), *, share: float = 1.0,
        super_users: tuple[int, int] = (10, 10), units_ready: bool = True, self_trained: int | None = None,
        on_leave: int = 0) -> SiteOutcome:
    """One site's outcome; ready as the criteria (``share`` of the active staff, every
    super-user of ``super_users`` = (required, trained), every unit) make it."""
    su_required, su_trained = super_users
    self_trained = trained if self_trained is None else self_trained
    return SiteOutcome(
        site="a", go_live=D(2023, 5, 6), planned_go_live=D(2023, 5, 6), staff_required=required,
        trained_at_go_live=trained, untrained_at_go_live=required - trained, share_trained=trained / required,
        ready=trained >= required_count(share, required) and su_trained >= su_required and units_ready,
        super_users_required=su_required, super_users_trained=su_trained, super_users_ready=su_trained >= su_required,
        lowest_unit_share=1.0 if units_ready else 0.5, units_ready=units_ready,
        self_trained_at_go_live=self_trained, share_self_trained=self_trained / required, on_long_term_leave=on_leave,
        completion_date=completion, slack_days=None, date_95=completion,
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
    assert list(r) == ["0.80", "0.85", "0.90", "0.95", "0.98", "0.99", "1.00"] == [f"{t:.2f}" for t in THRESHOLDS]
    assert r["1.00"]["risk"] == 0.75 and r["0.99"]["risk"] == 0.75 and r["0.98"]["risk"] == 0.75
    assert r["0.95"]["risk"] == 0.5 and r["0.90"]["risk"] == 0.25
    assert r["0.85"]["risk"] == 0.0 and r["0.80"]["risk"] == 0.0
    # Wilson 95% for 3 of 4: (0.300642, 0.954413).
    assert r["1.00"]["ci95"] == pytest.approx([0.300642, 0.954413], abs=1e-6)


def test_risk_by_threshold_fails_every_level_when_another_criterion_failed():
    # Fully trained, but a super-user short (or a unit below its share): not ready at any
    # share level, 80% included; the other replications count as before.
    for other in (row(100, super_users=(10, 9)), row(100, units_ready=False)):
        cols = columns_of([row(100), row(97), row(94), row(89), other])
        assert not_ready_at(cols, 0.80).tolist() == [False, False, False, False, True]
        r = risk_by_threshold(cols)
        assert r["1.00"]["risk"] == 0.8 and r["0.99"]["risk"] == 0.8 and r["0.98"]["risk"] == 0.8
        assert r["0.95"]["risk"] == 0.6 and r["0.90"]["risk"] == 0.4
        assert r["0.85"]["risk"] == 0.2 and r["0.80"]["risk"] == 0.2


def test_risk_at_the_model_s_own_share_is_the_risk_not_ready():
    m = small_model(**{"readiness.share": 0.95})
    rows = [row(100, share=0.95), row(97, share=0.95), row(94, share=0.95), row(99, share=0.95, super_users=(10, 9))]
    s = site_summary(m, "a", columns_of(rows))
    assert s["not_ready"] == 2 and s["risk_by_threshold"]["0.95"]["risk"] == s["risk_not_ready"] == 0.5
    assert s["risk_by_threshold"]["0.95"]["ci95"] == s["risk_ci95"]


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


@pytest.mark.parametrize("distinct", [1, 7, 400])
def test_kth_of_resamples_is_what_partitioning_each_resample_gives(distinct):
    rng = np.random.default_rng(distinct)
    values = rng.integers(738_000, 738_000 + distinct, size=400).astype(np.float64)
    values[rng.random(400) < 0.1] = np.inf  # never completed
    values[rng.random(400) < 0.02] = np.nan
    index = rng.integers(0, values.size, size=(300, values.size))
    for k in (0, 199, 360, 399):
        expected = np.partition(values[index], k, axis=1)[:, k]
        np.testing.assert_array_equal(kth_of_resamples(values, index, k), expected)


def test_summarise_compares_later_scenarios_with_the_first():
    m = small_model()
    out = summarise({"experiment": "x"}, {"base": (m, {"a": columns_of([row(100), row(99)])}),
                                          "alt": (m, {"a": columns_of([row(99), row(99)])})})
    assert "vs_reference" not in out["scenarios"]["base"]["sites"]["a"]
    assert out["scenarios"]["alt"]["sites"]["a"]["vs_reference"]["risk_difference"] == 0.5
    assert out["scenarios"]["base"]["readiness"]["share"] == 1.0


def test_each_site_has_its_criteria_and_the_self_training_risk():
    # 95% of active staff, self-training not part of "trained": the summary says so per
    # site, with how many were active and on leave, the super-users, and the risk that
    # fewer than 95% had finished self-training too by the eve of go-live.
    m = small_model(**{"readiness.share": 0.95, "readiness.self_training": False})
    rows = [row(100, share=0.95, self_trained=100, on_leave=4),
            row(100, share=0.95, self_trained=94, on_leave=5),  # self-training short
            row(94, share=0.95, self_trained=90, on_leave=6),  # not ready; self-training short
            row(92, required=96, share=0.95, self_trained=92, on_leave=5, super_users=(10, 9))]  # a super-user short
    s = site_summary(m, "a", columns_of(rows))
    assert s["criteria"] == {"share": 0.95, "super_users": 1.0, "unit_share": None, "self_training": False,
                             "text": "at least 95% of active staff and every super-user"}
    assert s["active_staff"] == 99 and s["staff"] == 100 and s["expected_on_long_term_leave"] == 5.0
    assert s["not_ready"] == 2 and s["risk_not_ready"] == 0.5
    low, high = wilson_interval(2, 4)
    assert s["risk_self_training"] == {"risk": 0.5, "ci95": [round(low, 6), round(high, 6)]}
    assert s["expected_share_self_trained"] == pytest.approx((1.0 + 0.94 + 0.90 + 92 / 96) / 4, abs=1e-6)
    assert s["super_users"] == 10.0 and s["expected_super_users_untrained"] == 0.25
    assert s["risk_super_users_short"]["risk"] == 0.25
    # In summary.json: the model's criteria per scenario, and each site's own, which a
    # [site.readiness] table may change.
    site_own = small_model(**{"readiness.share": 0.95, "readiness.self_training": False,
                              "site.a.readiness": {"share": 0.9, "self_training": True}})
    out = summarise({"experiment": "x"}, {"base": (m, {"a": columns_of(rows)}),
                                          "site-own": (site_own, {"a": columns_of(rows)})})
    assert out["scenarios"]["base"]["readiness"] == s["criteria"]
    assert out["scenarios"]["base"]["sites"]["a"]["criteria"] == s["criteria"]
    assert out["scenarios"]["site-own"]["readiness"] == s["criteria"]
    assert out["scenarios"]["site-own"]["sites"]["a"]["criteria"] == {
        "share": 0.9, "super_users": 1.0, "unit_share": None, "self_training": True,
        "text": "at least 90% of active staff and every super-user (self-training included)"}
    # Against the site's own 90%, even 90 of 100 self-trained is enough: no risk (0.5 at 95%).
    assert out["scenarios"]["site-own"]["sites"]["a"]["risk_self_training"]["risk"] == 0.0
    for scenario in out["scenarios"].values():
        assert {"criteria", "risk_self_training", "active_staff"} <= set(scenario["sites"]["a"])


def test_outcome_rows_are_plain_records():
    assert dataclasses.is_dataclass(row(1)) and SiteOutcome.columns()[0] == "site"
