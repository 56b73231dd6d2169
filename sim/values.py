"""Values of a study as the user writes them: ``3w``, ``10 days``, ``+2w``, ``15%``.

A sweep, a sensitivity range or a capacity search names a dotted key and values for it.
Delays are written in the unit that is natural to the user and converted to the unit
in the key's name (``..._days`` or ``..._weeks``); a date may be given as a date or as a
shift of the model's own date (``+3w`` = three weeks after it).
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

DAYS_PER_UNIT = {"d": 1, "day": 1, "days": 1, "w": 7, "wk": 7, "week": 7, "weeks": 7}
_AMOUNT = re.compile(r"^\s*([+-]?)\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$", re.IGNORECASE)
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


class ValueProblem(ValueError):
    """A study value that cannot be used for its key."""


def _days(sign: str, amount: str, unit: str, key: str, text: str) -> float:
    factor = DAYS_PER_UNIT.get(unit.lower())
    if factor is None:
        raise ValueProblem(f"{text!r} for {key}: unknown unit {unit!r}; expected d, days, w or weeks")
    return (-1 if sign == "-" else 1) * float(amount) * factor


def _whole(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


def study_value(value: Any, key: str, base: Any) -> Any:
    """The value to set at ``key`` for what the user wrote (``base`` is the key's value
    in the model, which decides what a shift or a unit means)."""
    if isinstance(base, dt.date) and not isinstance(value, dt.date):
        if not isinstance(value, str):
            raise ValueProblem(f"{value!r} for {key}: expected a date like 2023-03-04 or a shift like +3w")
        m = _AMOUNT.match(value)
        if not m or not m.group(3):
            raise ValueProblem(f"{value!r} for {key}: expected a date like 2023-03-04 or a shift like +3w or -10d")
        return base + dt.timedelta(days=round(_days(*m.groups(), key, value)))
    if not isinstance(value, str):
        return value
    p = _PERCENT.match(value)
    if p:
        return float(p.group(1)) / 100
    m = _AMOUNT.match(value)
    if not m:
        raise ValueProblem(f"{value!r} for {key}: expected a number, a date, a duration like 3w or 10d, or a percentage")
    sign, amount, unit = m.groups()
    if not unit:
        return _whole(float(sign + amount))
    days = _days(sign, amount, unit, key, value)
    if key.endswith("_days"):
        return _whole(days)
    if key.endswith("_weeks"):
        return _whole(days / 7)
    raise ValueProblem(f"{value!r} for {key}: a duration only fits a key in days or weeks (ending _days or _weeks)")


def label(value: Any) -> str:
    """A value as it reads in a table or a plot."""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict):
        return value.get("dist", "table")
    return str(value)
