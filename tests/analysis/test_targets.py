"""Targets' measures in a replication, and their fit: the implausibility of history matching."""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from sim.analysis.targets import CUT_OFF, fit, implausibility, measure, working_days
from sim.engine.fields import SESSION_FIELDS
from sim.engine.replication import run_replication
from sim.model.experiment_file import load_experiment
from sim.model.spec import TargetSpec
from tests.conftest import DATA

COLUMN = {f: i for i, f in enumerate(SESSION_FIELDS)}


def _target(measure: str = "sessions", **fields) -> TargetSpec:
    base = {"name": "t", "measure": measure, "observed": 10.0, "sd": 1.0, "discrepancy_sd": 0.0, "source": "x"}
    return TargetSpec(**{**base, **fields})


def test_implausibility_is_the_distance_in_sds_of_everything_that_parts_them():
    target = _target(observed=10.0, sd=3.0, discrepancy_sd=4.0)
    # No spread between replications: |10 - 0| / sqrt(9 + 16) = 2.
    assert implausibility(target, 0.0, 0.0, 10) == pytest.approx(2.0)
    # A spread of var 11 from 11 replications adds 11 * (1 + 1/11) = 12: |10 - 3| / sqrt(25 + 12).
    assert implausibility(target, 3.0, 11.0, 11) == pytest.approx(7 / math.sqrt(37))


def test_a_fit_gives_the_mean_the_spread_and_whether_it_is_plausible():
    values = np.array([8.0, 9.0, 10.0, 11.0, 12.0])
    f = fit(_target(observed=10.0, sd=1.0), values)
    assert (f.n, f.mean, f.low, f.high) == (5, 10.0, 8.0, 12.0)
    assert f.sd == pytest.approx(np.std(values, ddof=1)) and f.implausibility == 0 and f.plausible
    far = fit(_target(observed=30.0, sd=1.0), values)
    assert far.implausibility == pytest.approx(20 / math.sqrt(1 + 2.5 * 1.2)) and far.implausibility > CUT_OFF
    assert not far.plausible
    # A 0/1 measure's range is of values that occurred, not interpolated between them.
    ready = fit(_target("ready", observed=1.0, sd=0.1), np.array([1.0] * 30 + [0.0] * 2))
    assert (ready.low, ready.high) == (0.0, 1.0)
    with pytest.raises(ValueError):
        fit(_target(), np.array([]))


def test_working_days_follow_the_model_s_calendar():
    model = load_experiment(DATA / "study-experiment.toml").scenarios[0].model
    assert working_days(model, dt.date(2023, 4, 24), dt.date(2023, 4, 30)) == 5  # Mon-Sun, no holiday
    # 1 and 17 May are Norwegian public holidays, 18 May 2023 Ascension Day.
    assert working_days(model, dt.date(2023, 5, 1), dt.date(2023, 5, 21)) == 15 - 3


@pytest.fixture(scope="module")
def replication():
    spec = load_experiment(DATA / "study-experiment.toml")
    model = spec.scenarios[0].model
    return model, run_replication(model, spec.seed, 0)


def test_session_measures_count_the_rows_of_the_session_table(replication):
    model, result = replication
    s = result.sessions
    day = s[:, COLUMN["start_slot"]] // model.slots_per_day
    first, last = result.epoch + dt.timedelta(days=int(day.min())), result.epoch + dt.timedelta(days=int(day.max()))
    middle = first + (last - first) / 2
    for sites, lo, hi in ((("a",), first, middle), ((), first, last), (("a", "b"), middle, last)):
        # Counted here row by row, as a reader of the trace would.
        rows = [row for row, d in zip(s, day)
                if (not sites or model.sites[int(row[COLUMN["site"]])].id in sites)
                and lo <= result.epoch + dt.timedelta(days=int(d)) <= hi
                and int(row[COLUMN["stage"]]) < len(model.curricula[int(row[COLUMN["curriculum"]])].courses)]
        target = _target(kind="end_user", sites=sites, first=lo, last=hi)
        assert measure(target, model, result) == len(rows) > 0
        booked = measure(_target("learners_booked", kind="end_user", sites=sites, first=lo, last=hi), model, result)
        assert booked == sum(int(row[COLUMN["booked"]]) for row in rows)
        per_day = measure(_target("sessions_per_working_day", kind="end_user", sites=sites, first=lo, last=hi),
                          model, result)
        assert per_day == pytest.approx(len(rows) / working_days(model, lo, hi))
    # No curriculum of the kind: nothing to count.
    assert measure(_target(kind="super_user", first=first, last=last), model, result) == 0


def test_site_measures_read_the_outcomes_and_the_daily_share(replication):
    model, result = replication
    outcome = result.outcomes[1]
    assert outcome.site == "b"
    assert measure(_target("ready", sites=("b",)), model, result) == float(outcome.ready)
    assert measure(_target("share_trained_at_go_live", sites=("b",)), model, result) == outcome.share_trained
    day = 30
    on = result.epoch + dt.timedelta(days=day)
    assert measure(_target("share_trained_by", sites=("b",), day=on), model, result) == result.daily_share[1, day]
    before = result.epoch - dt.timedelta(days=1)
    assert measure(_target("share_trained_by", sites=("b",), day=before), model, result) == 0.0
    after = result.epoch + dt.timedelta(days=result.daily_share.shape[1] + 100)
    assert measure(_target("share_trained_by", sites=("b",), day=after), model, result) == result.daily_share[1, -1]
