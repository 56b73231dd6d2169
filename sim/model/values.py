"""Values of a study as the user writes them: ``3w``, ``10 days``, ``+2w``, ``15%``.

A sweep, a sensitivity range or a capacity search names a dotted key and values for it.
Delays are written in the unit that is natural to the user and converted to the unit
in the key's name (``..._days`` or ``..._weeks``); a date may be given as a date or as a
shift of the model's own date (``+3w`` = three weeks after it).

A shift or a duration is held to MAX_DAYS (MAX_WEEKS) here; the value it gives is then
checked by the model's builder like any other (sim.limits, docs/limits.md). How many
points a study has is held to MAX_POINTS: see :func:`check_points` and
:func:`check_range`.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any

from sim.errors import excerpt
from sim.limits import EARLIEST_DATE, LATEST_DATE, MAX_DAYS, MAX_POINTS, MAX_WEEKS

DAYS_PER_UNIT = {"d": 1, "day": 1, "days": 1, "w": 7, "wk": 7, "week": 7, "weeks": 7}
_AMOUNT = re.compile(r"^\s*([+-]?)\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$", re.IGNORECASE)
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")
# A sign, a number and a unit: what only a shift is (a date or a number has no unit, and
# TOML reads "+4" as a number); the unit is checked by study_value.
_SHIFT = re.compile(r"^\s*[+-]\s*\d+(?:\.\d+)?\s*[a-z]+\s*$", re.IGNORECASE)


class ValueProblem(ValueError):
    """A study value that cannot be used for its key."""


def is_shift(value: Any) -> bool:
    """Whether ``value`` is written as a shift of a date, like ``+4w`` or ``-10d``."""
    return isinstance(value, str) and _SHIFT.match(value) is not None


def _days(sign: str, amount: str, unit: str, key: str, text: str) -> float:
    factor = DAYS_PER_UNIT.get(unit.lower())
    if factor is None:
        raise ValueProblem(f"{excerpt(text)} for {key}: unknown unit {excerpt(unit)}; expected d, days, w or weeks")
    days = (-1 if sign == "-" else 1) * float(amount) * factor
    # Ten years is beyond any delay or shift of a rollout, and far more would overflow a date.
    if not abs(days) <= MAX_DAYS:
        raise ValueProblem(f"{excerpt(text)} for {key}: expected a duration of at most {MAX_DAYS:,} days "
                           f"({MAX_WEEKS} weeks)")
    return days


def _whole(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


def _number(text: str, key: str) -> float:
    x = float(text)
    if not math.isfinite(x):  # a number with hundreds of digits reads as infinity
        raise ValueProblem(f"{excerpt(text)} for {key}: expected a finite number")
    return x


def study_value(value: Any, key: str, base: Any) -> Any:
    """The value to set at ``key`` for what the user wrote (``base`` is the key's value
    in the model, which decides what a shift or a unit means)."""
    if isinstance(base, dt.date) and not isinstance(value, dt.date):
        if not isinstance(value, str):
            raise ValueProblem(f"{excerpt(value)} for {key}: expected a date like 2023-03-04 or a shift like +3w")
        m = _AMOUNT.match(value)
        if not m or not m.group(3):
            raise ValueProblem(f"{excerpt(value)} for {key}: expected a date like 2023-03-04 or a shift like +3w or -10d")
        sign, amount, unit = m.groups()
        return _shift(base, _days(sign, amount, unit, key, value), key, value)
    if not isinstance(value, str):
        return value
    p = _PERCENT.match(value)
    if p:
        return _number(p.group(1), key) / 100
    m = _AMOUNT.match(value)
    if not m:
        raise ValueProblem(f"{excerpt(value)} for {key}: expected a number, a date, a duration like 3w or 10d, "
                           "or a percentage")
    sign, amount, unit = m.groups()
    if not unit:
        return _whole(_number(sign + amount, key))
    days = _days(sign, amount, unit, key, value)
    if key.endswith("_days"):
        return _whole(days)
    if key.endswith("_weeks"):
        return _whole(days / 7)
    raise ValueProblem(f"{excerpt(value)} for {key}: a duration only fits a key in days or weeks (ending _days or _weeks)")


def _shift(base: dt.date, days: float, key: str, written: str) -> dt.date:
    """``base`` moved by ``days``, within EARLIEST_DATE and LATEST_DATE."""
    try:
        moved = base + dt.timedelta(days=round(days))
    except OverflowError:  # a base date near the end of Python's calendar (year 9999)
        moved = None
    if moved is None or not EARLIEST_DATE <= moved <= LATEST_DATE:
        raise ValueProblem(f"{excerpt(written)} for {key}: {base} shifted so is {moved or 'beyond year 9999'}; "
                           f"expected a date from {EARLIEST_DATE} to {LATEST_DATE}")
    return moved


def check_points(count: int) -> None:
    """Raise a ValueProblem if a study of ``count`` points (a sweep's grid of values, a
    sensitivity design) exceeds MAX_POINTS; its message starts with the count."""
    if count > MAX_POINTS:
        raise ValueProblem(f"{count:,} points; expected at most {MAX_POINTS:,} (each point runs every "
                           f"replication; use fewer values, or split the study)")


def search_step(step: Any, low: Any) -> int | float:
    """The step between the values a capacity search tries from ``low``: for dates whole
    days, from a duration like 1w (a bare number is days); for numbers a positive number.
    A ValueProblem otherwise."""
    if isinstance(low, dt.date):
        shifted = study_value(step if isinstance(step, str) else f"{step}d", "step", low)
        days = (shifted - low).days
        if days <= 0:
            raise ValueProblem(f"expected a positive duration like 1w or 1d, got {excerpt(step)}")
        return days
    if isinstance(step, bool) or not isinstance(step, (int, float)) or not step > 0:
        raise ValueProblem(f"expected a positive number, got {excerpt(step)}")
    return step


def range_size(low: Any, high: Any, step: Any) -> float:
    """How many values a search from ``low`` to ``high`` by ``step`` tries, as
    sim.studies.bisection.candidates makes them (dates: ``step`` in whole days, default 7), without
    making them; ``inf`` when they could not be counted (a step of 1e-300)."""
    if isinstance(low, dt.date):
        days = step if isinstance(step, int) and not isinstance(step, bool) and step > 0 else 7
        return max((high - low).days // days, -1) + 1
    try:
        n = (high - low) / step + 1e-9
    except (ArithmeticError, TypeError):
        return math.inf
    return round(n) + 1 if math.isfinite(n) else math.inf


def check_range(low: Any, high: Any, step: Any) -> None:
    """Raise a ValueProblem if a capacity search from ``low`` to ``high`` by ``step``
    (values as set, after :func:`study_value`; for dates ``step`` in days) would try more
    than MAX_POINTS values, or has an end outside EARLIEST_DATE to LATEST_DATE.

    Call it before :func:`sim.studies.bisection.candidates`, which lists every value."""
    def kind(value: Any) -> str:
        if isinstance(value, dt.date):
            return "date"
        return "number" if isinstance(value, (int, float)) and not isinstance(value, bool) else "other"

    if kind(low) != kind(high) or kind(low) == "other":
        raise ValueProblem(f"expected low and high of one kind, both numbers or both dates; got {label(low)} "
                           f"and {label(high)}")
    n = range_size(low, high, step)
    if n > MAX_POINTS:
        count = f"{n:,.0f}" if n < 1e15 else "too many"
        unit = " days" if isinstance(low, dt.date) else ""
        raise ValueProblem(f"from {low} to {high} in steps of {step}{unit} is {count} values; expected at most "
                           f"{MAX_POINTS:,} (a larger step or a narrower range)")
    for end in (low, high):
        if isinstance(end, dt.date) and not EARLIEST_DATE <= end <= LATEST_DATE:
            raise ValueProblem(f"{end} is outside the dates a model takes; expected dates from "
                               f"{EARLIEST_DATE} to {LATEST_DATE}")


def label(value: Any) -> str:
    """A value as it reads in a table or a plot."""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict):
        return value.get("dist", "table")
    return str(value)


def toml_text(value: Any) -> str:
    """A value as a user writes it after ``--set KEY=`` or ``key =`` in a file: a date
    ``2023-01-26``, a table ``{ decided = 2023-01-26, go_live = 2023-11-04 }``, a list
    ``[28, 29]``; text stays as it is (as the user typed it), but inside a table or list
    it is quoted, as TOML needs. What a results folder records, and reads back as TOML."""
    if isinstance(value, str):
        return value
    return _inline(value)


def _inline(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_inline(v)}" for k, v in value.items()) + " }" if value else "{}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON's escapes are TOML's too
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else repr(value)


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _inline(key)
