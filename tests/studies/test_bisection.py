"""The capacity search on known risk curves: boundary, neighbour, precision, direction."""
from __future__ import annotations

import datetime as dt

from sim.studies.bisection import Evaluation, candidates, search


def curve(risks: dict[int, float], half: float = 0.02):
    calls = []

    def evaluate(value):
        calls.append(value)
        r = risks[value]
        return Evaluation(value, r, max(0.0, r - half), min(1.0, r + half), 1000)
    return evaluate, calls


def test_finds_the_smallest_value_that_meets_the_target_in_few_evaluations():
    risks = {v: max(0.0, 0.5 - 0.01 * v) for v in range(61)}  # 5% reached at 45
    evaluate, calls = curve(risks)
    result = search(list(range(61)), 0.05, evaluate)
    assert result.direction == "up" and result.answer.value == 45 and result.neighbour.value == 44
    # Bisection: three searches (the answer and both ends of its precision) of about
    # log2(61) = 6 steps each, sharing the ends and many midpoints: far fewer than 61.
    assert len(set(calls)) <= 18
    # +-2 points around the risk: 43 (3% + 2% > 5%... at 47 the top of the CI is 5%) are indistinguishable.
    assert result.plausible == (43, 47)


def test_finds_the_largest_value_when_larger_values_raise_the_risk():
    risks = {v: 0.01 * v for v in range(31)}  # a delay: risk grows; at most 10% up to 10
    evaluate, _ = curve(risks, half=0.0)
    result = search(list(range(31)), 0.10, evaluate)
    assert result.direction == "down" and result.answer.value == 10 and result.neighbour.value == 11
    assert result.plausible == (10, 10)


def test_says_when_no_value_meets_the_target():
    evaluate, _ = curve(dict.fromkeys(range(5), 0.5))
    result = search(list(range(5)), 0.05, evaluate)
    assert result.answer is None and "does not move this site's risk" in result.reason


def test_candidates_over_numbers_and_dates():
    assert candidates(10, 20, 5) == [10, 15, 20]
    assert candidates(0.1, 0.3, 0.1) == [0.1, 0.2, 0.30000000000000004]
    days = candidates(dt.date(2023, 1, 2), dt.date(2023, 1, 20), 7)
    assert days == [dt.date(2023, 1, 2), dt.date(2023, 1, 9), dt.date(2023, 1, 16)]
