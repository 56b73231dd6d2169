"""Tests for sim.model.calendar (expected values computed by hand, see comments)."""

from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.calendar import Closure, WorkingCalendar

# Mon 3 Apr .. Wed 12 Apr 2023 in Norway: Thu 6, Fri 7 and Mon 10 Apr are Easter holidays,
# 8-9 Apr is a weekend, so working days are 3, 4, 5, 11, 12 Apr = day 0, 1, 2, 8, 9.
EASTER = WorkingCalendar(date(2023, 4, 3), date(2023, 4, 12))

# A realistic multi-year calendar for the property tests.
BIG = WorkingCalendar(date(2022, 1, 1), date(2024, 12, 31), summer_weeks=(28, 29, 30),
                      christmas=("12-22", "01-02"),
                      closures=(Closure(date(2023, 3, 6), date(2023, 3, 10), "go-live"),))


def reference_add(cal: WorkingCalendar, start: int, n: int) -> int:
    """Step day by day: the day the n-th working day from `start` finishes."""
    if n <= 0:
        return start
    day, seen = start, 0
    while day < cal.n_days:
        seen += cal.is_working_day(day)
        if seen == n:
            return day
        day += 1
    return cal.n_days


def test_basic_attributes() -> None:
    assert EASTER.n_days == 10  # 3..12 Apr inclusive
    # 3,4,5 working; 6,7 holidays; 8,9 weekend; 10 Easter Monday; 11,12 working
    expected = [True, True, True, False, False, False, False, False, True, True]
    assert EASTER.is_working.tolist() == expected
    assert EASTER.is_working.dtype == bool
    # Working days strictly before each day (exclusive cumulative sum of the above).
    assert EASTER.working_ordinal.tolist() == [0, 1, 2, 3, 3, 3, 3, 3, 3, 4]
    assert EASTER.working_ordinal.dtype == np.int64


def test_arrays_are_read_only() -> None:
    with pytest.raises(ValueError):
        EASTER.is_working[0] = False
    with pytest.raises(ValueError):
        EASTER.working_ordinal[0] = 7


def test_end_before_epoch_raises() -> None:
    with pytest.raises(ValueError):
        WorkingCalendar(date(2023, 1, 2), date(2023, 1, 1))


def test_single_day_calendar() -> None:
    cal = WorkingCalendar(date(2023, 1, 2), date(2023, 1, 2))  # a Monday, no holiday
    assert cal.n_days == 1 and cal.is_working_day(0)
    assert cal.working_ordinal.tolist() == [0]


def test_norwegian_holidays_2023() -> None:
    cal = WorkingCalendar(date(2023, 1, 1), date(2023, 12, 31))
    for d in [date(2023, 4, 6), date(2023, 4, 7), date(2023, 4, 10),  # Maundy Thu, Good Fri, Easter Mon
              date(2023, 5, 1), date(2023, 5, 17), date(2023, 5, 18),  # Labour Day, 17 May, Ascension
              date(2023, 5, 29), date(2023, 12, 25), date(2023, 12, 26)]:  # Whit Monday, Christmas
        assert not cal.is_working_day(cal.day(d)), d
    # Ordinary weekdays around them stay open: Wed 5 Apr, Tue 2 May, Tue 16 May, Wed 27 Dec.
    for d in [date(2023, 4, 5), date(2023, 5, 2), date(2023, 5, 16), date(2023, 12, 27)]:
        assert cal.is_working_day(cal.day(d)), d


def test_holidays_in_range() -> None:
    found = EASTER.holidays_in_range()
    # Maundy Thursday, Good Friday, Easter Sunday, Easter Monday
    assert [d for d, _ in found] == [date(2023, 4, 6), date(2023, 4, 7), date(2023, 4, 9), date(2023, 4, 10)]
    assert all(isinstance(name, str) and name for _, name in found)


def test_add_working_days_over_easter() -> None:
    start = EASTER.day(date(2023, 4, 3))
    # 5 working days from Mon 3 Apr: 3, 4, 5, 11, 12 Apr -> finishes Wed 12 Apr
    assert EASTER.date(int(EASTER.add_working_days(np.array([start]), np.array([5]))[0])) == date(2023, 4, 12)
    # 1 working day from Thu 6 Apr (holiday) -> first working day is Tue 11 Apr
    thu = EASTER.day(date(2023, 4, 6))
    assert EASTER.date(int(EASTER.add_working_days(np.array([thu]), np.array([1]))[0])) == date(2023, 4, 11)
    # A working start day counts itself: n=1 from Mon 3 Apr is Mon 3 Apr (day 0).
    assert EASTER.add_working_days(np.array([0]), np.array([1])).tolist() == [0]


def test_add_working_days_edge_cases() -> None:
    days = np.array([0, 3, 5, 9, 9])
    n = np.array([0, -2, 6, 2, 1])
    # n<=0 -> unchanged (even on holiday day 3); 6 from day 0 needs a 6th working day -> sentinel 10;
    # 2 from day 9 also runs out -> 10; 1 from day 9 (Wed 12 Apr, working) -> 9
    out = EASTER.add_working_days(days, n)
    assert out.tolist() == [0, 3, 10, 10, 9]
    assert out.dtype == np.int64
    # Floats are rounded up: 1.2 -> 2 working days from day 0 -> day 1 (Tue 4 Apr); 2.0 stays 2.
    assert EASTER.add_working_days(np.array([0, 0]), np.array([1.2, 2.0])).tolist() == [1, 1]
    # A scalar n broadcasts over the days array: 2 from day 2 -> 2, 8; from day 8 -> 8, 9.
    assert EASTER.add_working_days(np.array([2, 8]), np.array(2)).tolist() == [8, 9]


def test_weekends_skipped() -> None:
    cal = WorkingCalendar(date(2023, 1, 2), date(2023, 1, 31))  # Mon 2 Jan 2023, no holidays in range
    assert cal.is_working.sum() == 22  # 30 days = 4 full weeks (20) + Mon 30, Tue 31
    assert not cal.is_working_day(cal.day(date(2023, 1, 7)))  # Saturday
    assert not cal.is_working_day(cal.day(date(2023, 1, 8)))  # Sunday
    # 6 working days from Mon 2 Jan: 2,3,4,5,6,9 -> Mon 9 Jan
    assert cal.date(int(cal.add_working_days(np.array([0]), np.array([6]))[0])) == date(2023, 1, 9)
    # Working days in [Mon 2 Jan, Mon 16 Jan): two weeks = 10
    assert cal.working_days_between(0, cal.day(date(2023, 1, 16))) == 10


def test_christmas_closure_across_new_year() -> None:
    cal = WorkingCalendar(date(2023, 12, 1), date(2024, 1, 31), country=None, christmas=("12-22", "01-02"))
    assert cal.is_working_day(cal.day(date(2023, 12, 21)))  # Thu before the closure
    assert not cal.is_working_day(cal.day(date(2023, 12, 22)))  # Fri, first closed day
    assert not cal.is_working_day(cal.day(date(2023, 12, 27)))  # Wed, inside closure
    assert not cal.is_working_day(cal.day(date(2024, 1, 2)))  # Tue, last closed day
    assert cal.is_working_day(cal.day(date(2024, 1, 3)))  # Wed, open again
    # From Thu 21 Dec, 2 working days: 21 Dec, then 3 Jan
    assert cal.date(int(cal.add_working_days(np.array([cal.day(date(2023, 12, 21))]), np.array([2]))[0])) \
        == date(2024, 1, 3)


def test_christmas_that_started_before_epoch() -> None:
    # Epoch Mon 1 Jan 2024 with no public holidays: the 2023/24 closure still covers 1-2 Jan.
    cal = WorkingCalendar(date(2024, 1, 1), date(2024, 1, 10), country=None, christmas=("12-22", "01-02"))
    assert cal.is_working.tolist()[:3] == [False, False, True]
    assert cal.next_working_day(0) == 2  # Wed 3 Jan


def test_christmas_within_one_year() -> None:
    # Second date later in the year: closed 20-31 Dec only, open Tue 2 Jan 2024.
    cal = WorkingCalendar(date(2023, 12, 18), date(2024, 1, 5), country=None, christmas=("12-20", "12-31"))
    assert cal.is_working_day(cal.day(date(2023, 12, 19)))
    assert not cal.is_working_day(cal.day(date(2023, 12, 20)))
    assert cal.is_working_day(cal.day(date(2024, 1, 1)))  # Mon, no public holidays


@pytest.mark.parametrize("bad", [("12-32", "01-02"), ("1222", "01-02"), ("02-29", "03-01")])
def test_christmas_bad_format_raises(bad: tuple[str, str]) -> None:
    with pytest.raises(ValueError, match="MM-DD"):
        WorkingCalendar(date(2023, 1, 1), date(2023, 12, 31), christmas=bad)


def test_summer_weeks_every_year() -> None:
    cal = WorkingCalendar(date(2022, 1, 1), date(2023, 12, 31), summer_weeks=[28])
    # ISO week 28 of 2022 is Mon 11 - Sun 17 Jul 2022.
    assert cal.is_working_day(cal.day(date(2022, 7, 8)))  # Fri before
    for offset in range(7):
        assert not cal.is_working_day(cal.day(date(2022, 7, 11) + timedelta(days=offset)))
    assert cal.is_working_day(cal.day(date(2022, 7, 18)))  # Mon after
    # ISO week 28 of 2023 is Mon 10 - Sun 16 Jul 2023.
    assert cal.is_working_day(cal.day(date(2023, 7, 7)))
    assert not cal.is_working_day(cal.day(date(2023, 7, 10)))
    assert not cal.is_working_day(cal.day(date(2023, 7, 14)))
    assert cal.is_working_day(cal.day(date(2023, 7, 17)))


@pytest.mark.parametrize("week", [0, 54, -1, 2.5])
def test_summer_week_out_of_range_raises(week: object) -> None:
    with pytest.raises(ValueError, match="week"):
        WorkingCalendar(date(2022, 1, 1), date(2022, 12, 31), summer_weeks=[week])  # type: ignore[list-item]


def test_closure() -> None:
    cal = WorkingCalendar(date(2023, 6, 1), date(2023, 6, 30),
                          closures=[Closure(date(2023, 6, 5), date(2023, 6, 7), "kick-off")])
    assert cal.is_working_day(cal.day(date(2023, 6, 2)))  # Fri before
    assert not cal.is_working_day(cal.day(date(2023, 6, 5)))  # Mon, first day (inclusive)
    assert not cal.is_working_day(cal.day(date(2023, 6, 7)))  # Wed, last day (inclusive)
    assert cal.is_working_day(cal.day(date(2023, 6, 8)))  # Thu after


def test_closure_partly_outside_range_is_clipped() -> None:
    cal = WorkingCalendar(date(2023, 6, 1), date(2023, 6, 30), country=None,
                          closures=[Closure(date(2023, 5, 1), date(2023, 6, 1)),
                                    Closure(date(2023, 6, 30), date(2023, 8, 1))])
    # Thu 1 Jun and Fri 30 Jun closed; Fri 2 Jun open. June 2023 has 22 weekdays -> 20.
    assert not cal.is_working_day(0) and not cal.is_working_day(29)
    assert cal.is_working_day(1)
    assert int(cal.is_working.sum()) == 20


def test_closure_end_before_start_raises() -> None:
    with pytest.raises(ValueError):
        Closure(date(2023, 6, 7), date(2023, 6, 5))


def test_country_none_keeps_holidays_open() -> None:
    cal = WorkingCalendar(date(2023, 4, 3), date(2023, 4, 12), country=None)
    # Only the weekend 8-9 Apr is closed: 8 working days.
    assert cal.is_working_day(cal.day(date(2023, 4, 6)))
    assert cal.is_working_day(cal.day(date(2023, 4, 10)))
    assert int(cal.is_working.sum()) == 8
    assert cal.holidays_in_range() == []


def test_unknown_country_raises() -> None:
    with pytest.raises(ValueError, match="XX"):
        WorkingCalendar(date(2023, 1, 1), date(2023, 12, 31), country="XX")


def test_next_working_day() -> None:
    assert EASTER.next_working_day(0) == 0  # Mon 3 Apr is working
    assert EASTER.next_working_day(3) == 8  # Thu 6 Apr -> Tue 11 Apr
    assert EASTER.next_working_day(-4) == 0  # before the epoch -> first working day
    # Calendar Mon 3 .. Sun 9 Apr: nothing working from Thu 6 Apr -> sentinel n_days = 7
    short = WorkingCalendar(date(2023, 4, 3), date(2023, 4, 9))
    assert short.next_working_day(3) == short.n_days == 7
    assert short.next_working_day(100) == 7


def test_day_and_date() -> None:
    with pytest.raises(ValueError, match="2023-04-02"):
        EASTER.day(date(2023, 4, 2))
    with pytest.raises(ValueError, match="2023-04-13"):
        EASTER.day(date(2023, 4, 13))
    assert EASTER.day(date(2023, 4, 12)) == 9
    assert EASTER.date(-3) == date(2023, 3, 31)  # plain arithmetic outside the range
    assert EASTER.date(20) == date(2023, 4, 23)
    for offset in range(BIG.n_days):
        d = BIG.epoch + timedelta(days=offset)
        assert BIG.date(BIG.day(d)) == d


def test_is_working_day_outside_range() -> None:
    assert not EASTER.is_working_day(-1)
    assert not EASTER.is_working_day(EASTER.n_days)


def test_working_days_between() -> None:
    assert EASTER.working_days_between(0, 10) == 5  # 3, 4, 5, 11, 12 Apr
    assert EASTER.working_days_between(3, 8) == 0  # Easter + weekend
    assert EASTER.working_days_between(2, 9) == 2  # 5 and 11 Apr; [a, b) excludes day 9
    assert EASTER.working_days_between(5, 2) == 0
    assert EASTER.working_days_between(-10, 50) == 5


@settings(max_examples=300, deadline=None)
@given(start=st.integers(0, BIG.n_days - 1), n=st.integers(1, 30))
def test_add_working_days_property(start: int, n: int) -> None:
    result = int(BIG.add_working_days(np.array([start]), np.array([n]))[0])
    assert result == reference_add(BIG, start, n)
    if result == BIG.n_days:
        assert BIG.working_days_between(start, BIG.n_days) < n
    else:
        assert BIG.is_working_day(result)
        assert result >= start
        assert BIG.working_days_between(start, result + 1) == n


def test_add_working_days_property_hits_sentinel() -> None:
    # Last working day of BIG: Fri 20 Dec 2024 (closure from Sun 22 Dec, Sat 21 Dec weekend).
    last = BIG.day(date(2024, 12, 20))
    assert BIG.add_working_days(np.array([last]), np.array([1])).tolist() == [last]
    assert BIG.add_working_days(np.array([last]), np.array([2])).tolist() == [BIG.n_days]


def test_vectorised_equals_per_element() -> None:
    rng = np.random.default_rng(1)
    days = rng.integers(0, BIG.n_days, size=20_000)
    n = rng.integers(-2, 40, size=20_000)
    out = BIG.add_working_days(days, n)
    assert out.shape == days.shape
    idx = rng.choice(days.size, size=500, replace=False)
    for i in idx:
        single = BIG.add_working_days(np.array([days[i]]), np.array([n[i]]))[0]
        assert out[i] == single == reference_add(BIG, int(days[i]), int(n[i]))


def test_after_working_day_counts_the_following_working_days():
    # Wed 5 Apr 2023 is a working day; Easter closes 6, 7 and 10 Apr.
    cal = WorkingCalendar(date(2023, 4, 3), date(2023, 4, 30), country="NO")
    wed = cal.day(date(2023, 4, 5))
    got = cal.after_working_day(wed, np.array([0, 1, 2, 100]))
    assert [cal.date(int(d)) for d in got[:3]] == [date(2023, 4, 5), date(2023, 4, 11),
                                                   date(2023, 4, 12)]
    assert got[3] == cal.n_days  # past the end of the calendar
