"""The engine against hand-computed schedules, extreme values and direction of effect.

The small model (tests/data/small-model.toml) has one site going live Sat 6 May 2023,
classes from 8 weeks before (Sat 11 Mar, so the first working day is Mon 13 Mar), one
room, one instructor, 100 learners, 10 per class, two half-day slots a day and no
randomness unless a test switches it on.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sim.engine.replication import run_replication
from tests.conftest import small_model

D = dt.date


def outcome(model, seed: int = 1, replication: int = 0):
    return run_replication(model, seed, replication).outcomes[0]


def test_half_day_course_two_classes_a_day():
    # 100 learners / 10 per class = 10 classes; 2 slots a day -> 5 working days, 13-17 Mar.
    o = outcome(small_model())
    assert o.first_class_date == D(2023, 3, 13)
    assert o.completion_date == D(2023, 3, 17)
    assert o.sessions_run == 10
    assert o.ready and o.trained_at_go_live == 100 and o.slack_days == (D(2023, 5, 6) - D(2023, 3, 17)).days


def test_schedule_across_easter_2023():
    # Go-live Mon 29 May 2023 puts the window open on Mon 3 Apr. Thu 6, Fri 7 and Mon 10 Apr
    # are public holidays: the 5 teaching days are 3, 4, 5, 11 and 12 Apr.
    r = run_replication(small_model(**{"site.a.go_live": D(2023, 5, 29)}), 1, 0)
    o = r.outcomes[0]
    assert o.first_class_date == D(2023, 4, 3)
    assert o.completion_date == D(2023, 4, 12)
    days = {r.epoch + dt.timedelta(days=int(s // 2)) for s in r.sessions[:, 5]}
    assert days == {D(2023, 4, d) for d in (3, 4, 5, 11, 12)}


def test_full_day_course_one_class_a_day():
    # 7 hours = 2 slots: one class a day, 10 working days from 13 Mar -> Fri 24 Mar.
    o = outcome(small_model(**{"curriculum.basic.course.course.hours": 7}))
    assert o.completion_date == D(2023, 3, 24)


def test_two_day_course_spans_working_days_and_easter():
    # 14 hours = 4 slots = 2 days a class; 10 classes = 20 working days from 13 Mar:
    # 13-31 Mar is 15, then 3, 4, 5 Apr (Easter 6-10 Apr closed), 11 and 12 Apr.
    o = outcome(small_model(**{"curriculum.basic.course.course.hours": 14}))
    assert o.completion_date == D(2023, 4, 12)


def test_self_training_adds_working_days_after_the_last_class():
    # 4 hours at 1 hour a day = 4 working days after the last class (Fri 17 Mar): 20-23 Mar.
    o = outcome(small_model(**{"curriculum.basic.self_training_hours": 4,
                               "uncertainty.self_training_pace_hours_per_day": 1}))
    assert o.completion_date == D(2023, 3, 23)


def test_unlimited_capacity_is_bounded_by_elearning():
    # E-learning opens with the window (Sat 11 Mar): 10 hours at 1 hour a working day end
    # Fri 24 Mar; with rooms and instructors for everyone, all are in class Mon 27 Mar.
    o = outcome(small_model(**{
        "curriculum.basic.elearning_hours": 10,
        "curriculum.basic.elearning_opens_weeks_before_go_live": 8,
        "uncertainty.elearning_pace_hours_per_day": 1,
        "venue.a-venue.rooms": 100, "instructor_pool.a-instructors.count": 100,
    }))
    assert o.first_class_date == D(2023, 3, 27)
    assert o.completion_date == D(2023, 3, 27)


@pytest.mark.parametrize("key", ["venue.a-venue.rooms", "instructor_pool.a-instructors.count"])
def test_no_capacity_trains_nobody(key):
    o = outcome(small_model(**{key: 0}))
    assert o.trained_at_go_live == 0 and not o.ready
    assert o.completion_date is None and o.sessions_run == 0


def test_postponement_triggers_refresher_in_the_new_window():
    # Trained 13-17 Mar for 6 May; on 20 Apr go-live moves to Sat 4 Nov 2023. Training more
    # than 8 weeks old by then is stale: everyone takes the half-day refresher in the new
    # window, which opens Sat 9 Sep, so Mon 11 - Fri 15 Sep (10 classes, 2 a day).
    model = small_model(**{
        "site.a.postponement": [{"decided": D(2023, 4, 20), "go_live": D(2023, 11, 4)}],
        "curriculum.basic.refresher": {"hours": 3.5, "max_class": 10},
    })
    o = outcome(model)
    assert o.go_live == D(2023, 11, 4)
    assert o.refresher_sessions == 10
    assert o.completion_date == D(2023, 9, 15)
    assert o.ready


def test_postponement_with_no_room_for_refreshers_is_not_ready():
    # Trained in March for 6 May, then moved to 4 Nov; the site is closed from 1 May, so
    # nobody can take the refresher and the March training is stale at go-live.
    model = small_model(**{
        "site.a.postponement": [{"decided": D(2023, 4, 20), "go_live": D(2023, 11, 4)}],
        "calendar.closure": [{"start": D(2023, 5, 1), "end": D(2024, 12, 31)}],
    })
    o = outcome(model)
    assert o.trained_at_go_live == 0 and not o.ready and o.refresher_sessions == 0


def test_same_seed_same_outcomes_and_other_seeds_differ():
    model = small_model(**{"uncertainty.no_show_probability": 0.2, "uncertainty.no_show_rebook_days": 3,
                           "uncertainty.elearning_pace_hours_per_day": {"dist": "lognormal", "mean": 0.3, "sd": 0.2}})
    a, b = run_replication(model, 5, 3), run_replication(model, 5, 3)
    assert a.outcomes == b.outcomes
    assert np.array_equal(a.sessions, b.sessions) and np.array_equal(a.daily_share, b.daily_share)
    # Another seed, and another replication index, each give other numbers.
    assert any(run_replication(model, seed, 3).outcomes != a.outcomes for seed in (6, 7, 8))
    assert any(run_replication(model, 5, k).outcomes != a.outcomes for k in (4, 5, 6))


def _mid_model(**extra):
    # A stochastic, capacity-bound version of the small model.
    base = {
        "staff_group.a-staff.headcount": 400,
        "curriculum.basic.course.course.hours": 7,
        "uncertainty.no_show_probability": 0.1, "uncertainty.no_show_rebook_days": 3,
        "uncertainty.learner_sick_probability": 0.09, "uncertainty.learner_sick_days": {"dist": "exponential", "mean": 4},
        "uncertainty.instructor_sick_probability": 0.1,
        "uncertainty.elearning_pace_hours_per_day": {"dist": "lognormal", "mean": 0.3, "sd": 0.2},
        "venue.a-venue.rooms": 2, "instructor_pool.a-instructors.count": 2,
    }
    base.update(extra)
    return small_model(**base)


@pytest.mark.slow
def test_more_instructors_never_raise_untrained_on_average():
    # Common random numbers: the same replication seeds in both arms. With 2 rooms, the
    # third instructor covers sick colleagues, so fewer classes are cancelled.
    reps = range(30)
    two = [run_replication(_mid_model(), 11, k).outcomes[0].untrained_at_go_live for k in reps]
    three = [run_replication(_mid_model(**{"instructor_pool.a-instructors.count": 3}), 11, k).outcomes[0].untrained_at_go_live
             for k in reps]
    assert np.mean(three) <= np.mean(two)
    assert np.mean(three) < np.mean(two) or np.mean(two) == 0


@pytest.mark.slow
def test_later_go_live_never_lowers_trained_share():
    # Training cannot start before the environment is ready (Mon 3 Apr 2023), so going
    # live a week later leaves more teaching days; under common random numbers the mean
    # share at go-live must not fall, and with this little time it must rise.
    reps = range(20)
    ready = {"site.a.training_environment_ready": D(2023, 4, 3)}
    early = [run_replication(_mid_model(**ready), 3, k).outcomes[0].share_trained for k in reps]
    late = [run_replication(_mid_model(**ready, **{"site.a.go_live": D(2023, 5, 13)}), 3, k).outcomes[0].share_trained
            for k in reps]
    assert np.mean(early) < 1
    assert np.mean(late) > np.mean(early)


def test_two_moves_before_the_refresher_queue_each_learner_once():
    # Moved on 20 Apr to 4 Nov, then on 1 Jun to 11 Nov: training from March is stale for
    # both, and each of the 100 learners takes one refresher (10 classes), not two.
    model = small_model(**{
        "site.a.postponement": [{"decided": D(2023, 4, 20), "go_live": D(2023, 11, 4)},
                                {"decided": D(2023, 6, 1), "go_live": D(2023, 11, 11)}],
        "curriculum.basic.refresher": {"hours": 3.5, "max_class": 10},
    })
    o = outcome(model)
    assert o.go_live == D(2023, 11, 11) and o.refresher_sessions == 10 and o.ready


def test_a_move_decided_before_the_simulation_starts_is_in_force_from_the_start():
    # Decided 1 Dec 2022, before anything happens (the clock starts 2 Jan 2023): training
    # aims at the new date from the first day, so no refresher is needed.
    model = small_model(**{"site.a.postponement": [{"decided": D(2022, 12, 1), "go_live": D(2023, 6, 3)}]})
    o = outcome(model)
    assert o.go_live == D(2023, 6, 3) and o.refresher_sessions == 0
    # The window opens 8 weeks before 3 Jun, on Sat 8 Apr; Mon 10 Apr is Easter Monday.
    assert o.first_class_date == D(2023, 4, 11)


def test_preparation_time_between_classes():
    # One prep slot after each class: after a morning class the instructor cannot teach
    # in the afternoon, so one half-day class a day, 10 working days from 13 Mar -> 24 Mar.
    o = outcome(small_model(**{"instructor_pool.a-instructors.prep_slots": 1}))
    assert o.completion_date == D(2023, 3, 24)
    # After a full-day class the preparation happens overnight: still one class a day.
    o = outcome(small_model(**{"instructor_pool.a-instructors.prep_slots": 1,
                               "curriculum.basic.course.course.hours": 7}))
    assert o.completion_date == D(2023, 3, 24)


def test_a_go_live_moved_earlier_keeps_training_that_is_still_current():
    # Trained 13-17 Mar; on 20 Mar the go-live is brought forward from 6 May to 22 Apr.
    model = small_model(**{"site.a.postponement": [{"decided": D(2023, 3, 20), "go_live": D(2023, 4, 22)}]})
    o = outcome(model)
    assert o.go_live == D(2023, 4, 22) and o.ready and o.refresher_sessions == 0
    assert o.completion_date == D(2023, 3, 17)


def test_shares_are_proportional_and_add_up():
    from sim.engine.kernel import _shares

    def shares(available: list[int], want: int) -> list[int]:
        out = np.empty(len(available), np.int64)
        _shares(np.array(available, dtype=np.int64), want, out, np.empty(len(available), np.int64))
        return out.tolist()

    assert shares([30, 10], 8) == [6, 2]
    assert shares([5, 5, 5], 4) == [2, 1, 1]  # the remainder goes to the first of equals
    assert shares([3, 0, 2], 10) == [3, 0, 2]  # fewer ready than places: everyone
    assert sum(shares([7, 11, 13], 17)) == 17


def test_sick_instructors_are_covered_by_free_colleagues_or_classes_cancelled():
    # Every instructor is off sick: with one instructor nothing is taught and the first
    # attempt counts as a cancelled class; nobody is trained.
    o = outcome(small_model(**{"uncertainty.instructor_sick_probability": 1.0}))
    assert o.sessions_run == 0 and o.sessions_cancelled >= 1 and o.trained_at_go_live == 0
    # With three instructors for one room, a sick one is usually covered by a colleague:
    # some classes are taught by a stand-in, and everyone is trained in the end.
    o = outcome(small_model(**{"uncertainty.instructor_sick_probability": 0.3,
                               "instructor_pool.a-instructors.count": 3}), seed=2)
    assert o.sessions_covered >= 1 and o.trained_at_go_live == 100
    # ... and cancellations happen only when all three are off on the same day.
    assert o.sessions_cancelled <= o.sessions_covered


def test_weekly_counts_add_up_to_the_site_totals():
    # Sessions run, cancelled and under-filled are counted per week and per site in one
    # place each; summed over the weeks they must give the site's totals.
    from sim.engine.rollout import WEEKLY_FIELDS

    model = small_model(**{"uncertainty.no_show_probability": 0.2, "uncertainty.instructor_sick_probability": 0.2,
                           "instructor_pool.a-instructors.count": 2})
    r = run_replication(model, 3, 0)
    assert r.weekly.dtype == np.int64 and r.weekly.shape[:2] == (len(r.outcomes), len(WEEKLY_FIELDS))
    for field in ("sessions_run", "sessions_cancelled", "sessions_underfilled"):
        totals = r.weekly[:, WEEKLY_FIELDS.index(field)].sum(axis=1).tolist()
        assert totals == [getattr(o, field) for o in r.outcomes]
    assert r.outcomes[0].sessions_run > 0
