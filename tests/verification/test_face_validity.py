"""Face validity: the shipped defaults against the process figures observed in Midt-Norge.

Each test compares one measure of the shipped model with a figure in docs/sources.md and
fails when a default drifts out of the band the source's precision allows. The share of
staff trained at each go-live was never published, so the figures are about the process:
sessions, courses per day, super-users per week, dates.

The measures are means over a few replications (the first of the shipped seeds): they
vary by 1-2% between replications (checked: sessions 1,973-2,008 over four), far less
than any band, so a handful is enough and the tests stay quick.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from sim.engine.replication import ReplicationResult, run_replication
from sim.engine.rollout import SESSION_FIELDS
from sim.model.experiment_file import load_experiment
from sim.model.spec import ModelSpec

ROOT = Path(__file__).resolve().parents[2]
COLUMN = {f: i for i, f in enumerate(SESSION_FIELDS)}
REPLICATIONS = 6


def _runs(experiment: str, scenario: int) -> tuple[ModelSpec, list[ReplicationResult]]:
    spec = load_experiment(ROOT / "experiments" / f"{experiment}.toml")
    model = spec.scenarios[scenario].model
    return model, [run_replication(model, spec.seed, r) for r in range(REPLICATIONS)]


@pytest.fixture(scope="module")
def planned_spring_2022():
    """Trondheim and St. Olavs both live on 7 May 2022: the plan the figures of the
    spring were written for (St. Olavs' postponement came two weeks before)."""
    return _runs("st-olavs-may-2022", 1)


@pytest.fixture(scope="module")
def baseline():
    """The shipped baseline's first scenario, the plan as it stood in 2022."""
    return _runs("baseline", 0)


def _sessions(model: ModelSpec, result: ReplicationResult, sites: tuple[str, ...], kind: str,
              first: dt.date, last: dt.date) -> np.ndarray:
    """Sessions of one curriculum kind (refreshers left out) at ``sites`` that start
    between ``first`` and ``last`` inclusive; a column ``day`` is appended."""
    s = result.sessions
    index = [i for i, site in enumerate(model.sites) if site.id in sites]
    curricula = [model.curricula[int(c)] for c in s[:, COLUMN["curriculum"]]]
    keep = np.array([c.kind == kind and int(stage) < len(c.courses)
                     for c, stage in zip(curricula, s[:, COLUMN["stage"]])], dtype=bool)
    day = s[:, COLUMN["start_slot"]] // model.slots_per_day
    lo, hi = (first - result.epoch).days, (last - result.epoch).days
    keep &= np.isin(s[:, COLUMN["site"]], index) & (day >= lo) & (day <= hi)
    return np.column_stack([s[keep], day[keep]])


# Trondheim kommune and St. Olavs, spring 2022. The model's 8-week end-user window before
# 7 May 2022 is 12 Mar - 6 May; Easter leaves 37 working days, as in the plan.
WINDOW = (dt.date(2022, 3, 12), dt.date(2022, 5, 6))


def test_end_user_sessions_in_the_eight_weeks_are_about_2100(planned_spring_2022):
    # Source: "about 2,100" end-user events over 8 weeks (Sources Sites/Trondheim kommune +
    # St. Olavs), a planned round figure. Band +-10%: the source rounds to the hundred and
    # plans for 30 Apr, a week before the model's 7 May.
    model, runs = planned_spring_2022
    counts = [len(_sessions(model, r, ("trondheim", "st-olavs"), "end_user", *WINDOW)) for r in runs]
    assert 1890 <= np.mean(counts) <= 2310, counts


def test_about_57_classes_a_working_day_with_the_rooms_full_on_most_days(planned_spring_2022):
    # Source: 57 parallel courses a day at 4 venues; 2,100 / 37 working days = 57 (derived).
    # Band for the mean: 50-60 a day (57 -12% / +5%: the model cannot run more than its 57
    # rooms of one-day classes, half-day basic courses aside). "Full on most days": at
    # least 55 classes on more than half of the working days.
    model, runs = planned_spring_2022
    means, full = [], []
    for r in runs:
        s = _sessions(model, r, ("trondheim", "st-olavs"), "end_user", *WINDOW)
        per_day = np.bincount(s[:, -1].astype(np.int64))
        per_day = per_day[per_day > 0]
        means.append(per_day.mean())
        full.append(np.mean(per_day >= 55))
    assert 50 <= np.mean(means) <= 60, means
    assert np.mean(full) > 0.5, full


def test_about_350_super_user_courses_in_the_first_two_weeks(planned_spring_2022):
    # Source: 350 super-user courses in the two weeks from the week of 1 Feb 2022 (Sources
    # Sites/Trondheim kommune + St. Olavs). Band 300-400 (+-15%): a round figure, for about
    # 2,600 super-users of whom some trained later.
    model, runs = planned_spring_2022
    counts = [len(_sessions(model, r, ("trondheim", "st-olavs"), "super_user",
                            dt.date(2022, 1, 31), dt.date(2022, 2, 13))) for r in runs]
    assert 300 <= np.mean(counts) <= 400, counts


def test_levanger_and_verdal_book_about_170_super_users_in_the_first_week(baseline):
    # Source: 170 super-users (110 + 60) in the first week from 31 Oct 2022 (Sources
    # Sites/Levanger + Verdal), read as those scheduled: the model's absentees (no-shows and
    # sick, about 14%) are rebooked a week later. Band 145-175: at most all 170 and a few
    # hires; at least 85% of them, leaving room for turnover and slow e-learners.
    model, runs = baseline
    booked = [_sessions(model, r, ("levanger", "verdal"), "super_user",
                        dt.date(2022, 10, 31), dt.date(2022, 11, 4))[:, COLUMN["booked"]].sum() for r in runs]
    assert 145 <= np.mean(booked) <= 175, booked


def test_levanger_and_verdal_are_ready_on_11_february_2023(baseline):
    # Source: both went live as planned on 11 Feb 2023; the share trained was not
    # published. So the test asks that the share criterion (95% of active staff) holds in
    # every replication and that all the default criteria hold in most of them.
    _, runs = baseline
    for site in ("levanger", "verdal"):
        outcomes = [next(o for o in r.outcomes if o.site == site) for r in runs]
        assert all(o.go_live == dt.date(2023, 2, 11) for o in outcomes)
        assert all(o.trained_at_go_live >= 0.95 * o.staff_required for o in outcomes), site
        assert sum(o.ready for o in outcomes) > len(outcomes) / 2, (site, [o.ready for o in outcomes])


def test_st_olavs_is_mostly_trained_when_it_is_postponed(baseline):
    # Source: St. Olavs was postponed on 22 Apr 2022 with most of its staff already trained
    # (Sources Sites/St. Olavs). On 21 Apr, 31 of the window's 37 working days had passed,
    # so "most" means over half, and a share above 95% would run ahead of the plan.
    model, runs = baseline
    site = [s.id for s in model.sites].index("st-olavs")
    shares = [float(r.daily_share[site, (dt.date(2022, 4, 21) - r.epoch).days]) for r in runs]
    assert all(0.5 < s <= 0.95 for s in shares), shares
