"""Deterministic schedules against dates computed by hand (docs/sources.md, Conventions).

The model is tests/data/hand-2022.toml: one hospital going live Sat 7 May 2022, every
random quantity fixed (no no-shows, sickness or turnover; every proficiency check passed
at the first attempt), so a replication is a timetable that can be worked out on paper
from the rules in docs/definitions.md:

- a course of ``hours`` takes ``ceil(hours / 3.5)`` of the two slots of a working day,
  so a 7-hour course is one class per room per day, a 3.5-hour course two;
- a class holds ``min(max_class, seats)`` = 10 learners, so ``n`` learners need
  ``ceil(n / 10)`` classes and those take ``classes / (rooms x classes per room-day)``
  working days;
- classes run only on working days (weekdays that are not Norwegian public holidays),
  inside the window (``window_weeks`` before the go-live in force that day) and once the
  environment is ready and instructors are certified;
- self-training takes ``ceil(hours / pace)`` further working days after the last class.

Public holidays of 2022 used here (``holidays`` package, country NO): Maundy Thursday
14 Apr, Good Friday 15 Apr, Easter Monday 18 Apr, Constitution Day Tue 17 May,
Ascension Thu 26 May. Each test explains its arithmetic; the expected dates were worked
out before running the engine. tests/engine/test_rollout.py covers the single-room 2023 cases
(Easter 2023, a postponement where everyone is stale); these add parallel rooms, two
courses in sequence, self-training and certification across holidays, the eve rule,
the scheduling policy on a shared room, and postponements where only part of the staff
is stale.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.engine.learners import NEVER, draw_learners
from sim.engine.replication import ReplicationResult, run_replication
from sim.engine.rollout import SESSION_FIELDS, Engine
from sim.engine.streams import RandomStreams
from sim.engine.world import draw_world
from sim.model.model_file import build_model, load_toml
from sim.model.overrides import apply_overrides
from sim.model.spec import ModelSpec

D = dt.date
HAND = Path(__file__).parents[1] / "data" / "hand-2022.toml"
COL = {name: i for i, name in enumerate(SESSION_FIELDS)}
SEED = 2022  # any seed: nothing is random in these models


def hand_model(overrides: dict[str, Any] | None = None) -> ModelSpec:
    """The hand-computation model with dotted-key overrides (validated like a model file)."""
    raw = apply_overrides(load_toml(HAND), list((overrides or {}).items()))
    return build_model(raw, HAND)


def run(overrides: dict[str, Any] | None = None) -> ReplicationResult:
    """One replication of the hand model, with its session table."""
    return run_replication(hand_model(overrides), SEED, 0, sessions=True)


def run_engine(overrides: dict[str, Any] | None = None) -> Engine:
    """The same replication as :func:`run`, keeping the engine to read per-learner days."""
    model = hand_model(overrides)
    streams = RandomStreams(SEED, 0)
    world = draw_world(model, streams)
    engine = Engine(model, world, draw_learners(model, world, streams), streams)
    engine.run()
    return engine


def session_rows(result: ReplicationResult, slots_per_day: int = 2) -> list[tuple[dt.date, int, int]]:
    """(date, stage, booked) of every session, in start order."""
    t = result.sessions
    order = np.argsort(t[:, COL["start_slot"]], kind="stable")
    return [(result.epoch + dt.timedelta(days=int(row[COL["start_slot"]]) // slots_per_day),
             int(row[COL["stage"]]), int(row[COL["booked"]])) for row in t[order]]


def dates_of(engine: Engine, days: np.ndarray) -> list[dt.date]:
    """Day numbers of the engine's clock as dates."""
    return [engine.world.epoch + dt.timedelta(days=int(d)) for d in days]


# -- (a) across public holidays ------------------------------------------------------------

# Working days from Mon 4 Apr 2022 with Easter closed (Thu 14, Fri 15, Mon 18 Apr).
APRIL_2022 = [D(2022, 4, d) for d in (4, 5, 6, 7, 8, 11, 12, 13, 19, 20, 21, 22, 25, 26, 27, 28, 29)]


def test_two_rooms_across_easter_2022_with_self_training():
    # 240 learners / 10 a class = 24 one-day classes; 2 rooms and 2 instructors run
    # 2 a day, so 12 working days from Mon 4 Apr: 4-8 Apr (5), 11-13 Apr (8), then
    # Easter (14, 15, 18 Apr closed), 19-22 Apr (12). The last class is Fri 22 Apr.
    # Self-training is 2 hours at 1 hour a working day: 2 working days after each class,
    # so the last learners finish Tue 26 Apr (25, 26 Apr).
    r = run()
    o = r.outcomes[0]
    assert o.first_class_date == D(2022, 4, 4)
    assert o.completion_date == D(2022, 4, 26)
    assert o.slack_days == (D(2022, 5, 7) - D(2022, 4, 26)).days == 11
    assert o.ready and o.staff_required == o.trained_at_go_live == 240
    assert o.sessions_run == 24 and o.sessions_underfilled == 0
    rows = session_rows(r)
    per_day = Counter(day for day, _, _ in rows)
    assert per_day == dict.fromkeys(APRIL_2022[:12], 2)  # no class at Easter or on a weekend
    assert all(booked == 10 for _, _, booked in rows)
    # Nothing is random: another seed and replication give the same timetable.
    other = run_replication(hand_model(), 7, 3)
    assert other.outcomes == r.outcomes and np.array_equal(other.sessions, r.sessions)


def test_self_training_skips_easter_too():
    # Each class day's 20 learners are trained 2 working days later. Across Easter that
    # is a week: the class of Tue 12 Apr finishes self-training on Wed 13 and Tue 19 Apr,
    # the class of Wed 13 Apr on Tue 19 and Wed 20 Apr.
    # Class day -> trained: 4->6, 5->7, 6->8, 7->11, 8->12, 11->13, 12->19, 13->20,
    # 19->21, 20->22, 21->25 and 22->26 Apr.
    engine = run_engine()
    trained = Counter(dates_of(engine, engine.learners.trained_day))
    assert trained == {D(2022, 4, d): 20 for d in (6, 7, 8, 11, 12, 13, 19, 20, 21, 22, 25, 26)}


def test_two_courses_in_order_across_17_may_and_ascension():
    # 40 learners, one room, one instructor, two one-day courses c1 then c2; the
    # environment is ready Mon 16 May 2022 (go-live Sat 18 Jun, window open since 23 Apr).
    # Each day the planner serves the later course first, so a class of 10 takes c2 on
    # the next working day after its c1 day (it may book c2 from the day after c1):
    #   Mon 16 May c1 (A); Tue 17 May Constitution Day, closed; Wed 18 c2 (A);
    #   Thu 19 c1 (B); Fri 20 c2 (B); Mon 23 c1 (C); Tue 24 c2 (C); Wed 25 c1 (D);
    #   Thu 26 May Ascension, closed; Fri 27 c2 (D).
    # No self-training: the last learners are trained on Fri 27 May.
    r = run({
        "site.h.go_live": D(2022, 6, 18), "site.h.training_environment_ready": D(2022, 5, 16),
        "staff_group.h-staff.headcount": 40, "venue.h-venue.rooms": 1, "instructor_pool.h-instructors.count": 1,
        "curriculum.end-user.self_training_hours": 0,
        "curriculum.end-user.course": [{"id": "c1", "hours": 7, "max_class": 10},
                                       {"id": "c2", "hours": 7, "max_class": 10}],
    })
    o = r.outcomes[0]
    assert [(day, stage) for day, stage, _ in session_rows(r)] == [
        (D(2022, 5, 16), 0), (D(2022, 5, 18), 1), (D(2022, 5, 19), 0), (D(2022, 5, 20), 1),
        (D(2022, 5, 23), 0), (D(2022, 5, 24), 1), (D(2022, 5, 25), 0), (D(2022, 5, 27), 1)]
    assert o.completion_date == D(2022, 5, 27) and o.trained_at_go_live == 40 and o.ready


def test_elearning_across_easter_bounds_a_schedule_with_unlimited_capacity():
    # Go-live Sat 11 Jun 2022; e-learning opens 9 weeks (63 days) before, on Sat 9 Apr.
    # 5 hours at 1 hour a working day: Mon 11, Tue 12, Wed 13, (Easter) Tue 19, Wed 20 Apr,
    # so everyone may be booked from Thu 21 Apr. The class window opened 8 weeks before
    # go-live (Sat 16 Apr), so with 100 rooms and 100 instructors all 24 classes run on
    # Thu 21 Apr, and without self-training everyone is trained that day.
    r = run({
        "site.h.go_live": D(2022, 6, 11), "curriculum.end-user.elearning_hours": 5,
        "curriculum.end-user.elearning_opens_weeks_before_go_live": 9,
        "uncertainty.elearning_pace_hours_per_day": 1, "curriculum.end-user.self_training_hours": 0,
        "venue.h-venue.rooms": 100, "instructor_pool.h-instructors.count": 100,
    })
    o = r.outcomes[0]
    assert o.first_class_date == o.completion_date == D(2022, 4, 21)
    assert Counter(day for day, _, _ in session_rows(r)) == {D(2022, 4, 21): 24}


@pytest.mark.parametrize(("staff", "completion", "ready", "trained", "slack"), [
    # 240 learners: 24 classes, 2 a day = 12 working days from Thu 21 Apr: 21, 22 Apr (2),
    # 25-29 Apr (7), 2-6 May (12). Done Fri 6 May, the eve of go-live: that counts.
    (240, D(2022, 5, 6), True, 240, 1),
    # 250 learners: a 25th class on the next working day, Mon 9 May, after go-live. The
    # last 10 are not trained at go-live; their requirement is met on 9 May (slack -2).
    (250, D(2022, 5, 9), False, 240, -2),
])
def test_certification_across_easter_and_the_eve_rule(staff: int, completion: dt.date, ready: bool,
                                                      trained: int, slack: int):
    # Train-the-trainer starts Mon 11 Apr for 5 working days: 11, 12, 13, (Easter) 19,
    # 20 Apr, so the instructors may teach from Thu 21 Apr. No self-training.
    r = run({"instructor_pool.h-instructors.certification_start": D(2022, 4, 11),
             "staff_group.h-staff.headcount": staff, "curriculum.end-user.self_training_hours": 0})
    o = r.outcomes[0]
    assert o.first_class_date == D(2022, 4, 21)
    assert o.completion_date == completion and o.slack_days == slack
    assert o.ready is ready and o.trained_at_go_live == trained and o.untrained_at_go_live == staff - trained


@pytest.mark.parametrize(("policy", "h_done", "late_done"), [
    # Hospital H goes live 7 May, site "late" (listed first in the file) on 14 May.
    ("earliest_go_live", D(2022, 4, 5), D(2022, 4, 7)),
    ("site_order", D(2022, 4, 7), D(2022, 4, 5)),
])
def test_scheduling_policy_on_a_shared_room(policy: str, h_done: dt.date, late_done: dt.date):
    # Two sites of 40 learners share one room and one instructor; a half-day course runs
    # 2 classes a day, so each site needs 4 classes = 2 working days. The site served
    # first is done Tue 5 Apr (4, 5 Apr), the other Thu 7 Apr (6, 7 Apr).
    sites = [{"id": "late", "kind": "hospital", "go_live": D(2022, 5, 14), "training_environment_ready": D(2022, 4, 4)},
             {"id": "h", "kind": "hospital", "go_live": D(2022, 5, 7), "training_environment_ready": D(2022, 4, 4)}]
    groups = [{"id": f"{s}-staff", "site": s, "role": "nurse", "headcount": 40, "curriculum": "end-user"}
              for s in ("late", "h")]
    r = run({"model.scheduling_policy": policy, "site": sites, "staff_group": groups,
             "venue.h-venue.rooms": 1, "venue.h-venue.sites": ["h", "late"],
             "instructor_pool.h-instructors.count": 1, "instructor_pool.h-instructors.sites": ["h", "late"],
             "curriculum.end-user.course.course.hours": 3.5, "curriculum.end-user.self_training_hours": 0})
    done = {o.site: o.completion_date for o in r.outcomes}
    assert done == {"h": h_done, "late": late_done}


# -- (b) a postponement that makes part of the training stale -----------------------------

# 200 learners, one room, one instructor, a half-day course (2 classes a day), no
# self-training, the environment ready 1 Mar 2022. The window opens 8 weeks before the
# planned 7 May (Sat 12 Mar), so classes run Mon 14 - Fri 25 Mar: 20 classes, 10 working
# days, 20 learners trained each day. Training stays current for 16 weeks (112 days).
POSTPONED = {
    "site.h.training_environment_ready": D(2022, 3, 1), "staff_group.h-staff.headcount": 200,
    "venue.h-venue.rooms": 1, "instructor_pool.h-instructors.count": 1,
    "curriculum.end-user.course.course.hours": 3.5, "curriculum.end-user.self_training_hours": 0,
    "curriculum.end-user.valid_weeks": 16,
    "curriculum.end-user.refresher": {"hours": 3.5, "max_class": 10},
}
MARCH_2022 = [D(2022, 3, d) for d in (14, 15, 16, 17, 18, 21, 22, 23, 24, 25)]
MOVED_ON_22_APR = {"site.h.postponement": [{"decided": D(2022, 4, 22), "go_live": D(2022, 7, 9)}]}
# The same move as a drawn delay: 63 days (a fixed value), decided 2 weeks before the
# planned 7 May, i.e. on Sat 23 Apr.
DRAWN_63_DAYS = {"uncertainty.go_live_delay_days": 63}


@pytest.mark.parametrize("move", [MOVED_ON_22_APR, DRAWN_63_DAYS], ids=["postponement", "drawn-delay"])
def test_postponement_refreshes_only_the_stale_part(move: dict[str, Any]):
    # The go-live moves to Sat 9 Jul 2022; its eve is Fri 8 Jul. Training completed on
    # day T is current through T + 112 days, and 8 Jul - 112 days = Fri 18 Mar. So those
    # trained 14-17 Mar (4 days x 20 = 80) are stale and queued for the refresher, while
    # those trained from 18 Mar on (120; 18 Mar is current exactly through the eve) are
    # not. The new window opens 8 weeks before 9 Jul, Sat 14 May: 80 / 10 = 8 half-day
    # refresher classes, 2 a day, on Mon 16, (17 May closed) Wed 18, Thu 19, Fri 20 May.
    # Everyone's requirement is met by Fri 20 May: the completion date, 50 days of slack.
    r = run({**POSTPONED, **move})
    o = r.outcomes[0]
    assert o.go_live == D(2022, 7, 9) and o.first_class_date == D(2022, 3, 14)
    assert o.refresher_sessions == 8 and o.sessions_run == 28
    assert o.completion_date == D(2022, 5, 20) and o.slack_days == 50
    assert o.ready and o.staff_required == o.trained_at_go_live == 200
    rows = session_rows(r)
    assert Counter(day for day, stage, _ in rows if stage == 0) == dict.fromkeys(MARCH_2022, 2)
    assert Counter(day for day, stage, _ in rows if stage == 1) == {
        D(2022, 5, 16): 2, D(2022, 5, 18): 2, D(2022, 5, 19): 2, D(2022, 5, 20): 2}


def test_postponement_refresher_goes_to_exactly_the_stale_learners():
    # Per learner: refreshed if and only if trained on or before Thu 17 Mar; the 20
    # trained on Fri 18 Mar sit exactly on the boundary (current through 8 Jul, the eve).
    engine = run_engine({**POSTPONED, **MOVED_ON_22_APR})
    L = engine.learners
    trained = np.array(dates_of(engine, L.trained_day))
    refreshed = L.refresh_day != NEVER
    assert Counter(trained.tolist()) == dict.fromkeys(MARCH_2022, 20)
    assert np.array_equal(refreshed, trained <= D(2022, 3, 17))
    assert set(dates_of(engine, L.refresh_day[refreshed])) == {D(2022, 5, d) for d in (16, 18, 19, 20)}


def test_postponement_during_training_pauses_classes_and_refreshers_go_first():
    # Decided Mon 21 Mar, after the first week: 100 trained 14-18 Mar, 100 not yet. From
    # 21 Mar the window follows 9 Jul and opens Sat 14 May, so no class runs 21 Mar - 13
    # May. The 80 trained 14-17 Mar are stale (as above) and queued for the refresher on
    # 21 Mar; the refresher is served before the first course, so:
    #   refresher, 8 classes: Mon 16, (17 May closed) Wed 18, Thu 19, Fri 20 May;
    #   course, the other 100 in 10 classes: Mon 23, Tue 24, Wed 25, (26 May Ascension)
    #   Fri 27, Mon 30 May.
    # The completion date is Mon 30 May, 40 days before 9 Jul.
    r = run({**POSTPONED, "site.h.postponement": [{"decided": D(2022, 3, 21), "go_live": D(2022, 7, 9)}]})
    o = r.outcomes[0]
    assert o.refresher_sessions == 8 and o.sessions_run == 28
    assert o.completion_date == D(2022, 5, 30) and o.slack_days == 40 and o.ready
    days = [(day, stage) for day, stage, _ in session_rows(r)]
    assert days == ([(day, 0) for day in MARCH_2022[:5] for _ in range(2)]
                    + [(D(2022, 5, d), 1) for d in (16, 18, 19, 20) for _ in range(2)]
                    + [(D(2022, 5, d), 0) for d in (23, 24, 25, 27, 30) for _ in range(2)])
