"""Typed, checked access to one TOML table, collecting problems instead of raising.

Every getter records a :class:`~sim.errors.Problem` naming the file, the dotted key and
what was expected, and returns ``None``; :meth:`Table.finish` reports keys nobody asked
for (typos), so unknown keys are errors rather than silently ignored. Every number,
date and text is held to its bound (:mod:`sim.limits`, docs/limits.md) here, so a value
from a file, from ``--set`` or from a study is checked alike.
"""
from __future__ import annotations

import builtins
import datetime as dt
import math
import unicodedata
from collections.abc import Sequence
from typing import Any

from sim.errors import Problem, did_you_mean, excerpt
from sim.limits import (
    EARLIEST_DATE,
    FAR_TAIL_FACTOR,
    FAR_TAIL_PROBABILITY,
    FORMULA_START,
    LATEST_DATE,
    MAX_ID_LENGTH,
    MAX_NAME_LENGTH,
    TAIL_PROBABILITY,
)
from sim.model.distributions import Distribution, DistributionError, from_value

_MISSING: Any = object()
# The first character of a formula in Excel, LibreOffice and Google Sheets: an id that
# starts with one would run as a formula where a results CSV is opened.


class Problems:
    """The list of problems found in one or more files."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, file: str, key: str, message: str) -> None:
        """Record one problem."""
        self.items.append(Problem(file, key, message))

    def __bool__(self) -> bool:
        return bool(self.items)


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text {excerpt(value)}"
    if isinstance(value, float):
        return repr(value)  # 2.0, not 2: "expected a whole number, got 2.0"
    if isinstance(value, int):
        return repr(value) if value.bit_length() < 64 else _num(value)
    return excerpt(value)


def is_control(char: str) -> bool:
    """Whether a character is a control character (tab, line break, NUL, escape...) or a
    line or paragraph separator: none belongs in an id or a name."""
    return unicodedata.category(char) in ("Cc", "Zl", "Zp")


def text_problem(value: str, max_length: int, multiline: bool = False) -> str | None:
    """What is wrong with a text of a name or a description (None: nothing).

    At most ``max_length`` characters, and no control characters, which would break the
    lines of a CSV file or a terminal; ``multiline`` text may have line breaks and tabs.
    """
    if len(value) > max_length:
        return f"expected text of at most {max_length:,} characters, got {len(value):,}"
    allowed = ("\n", "\t", "\r") if multiline else ()
    for i, char in enumerate(value):
        if is_control(char) and char not in allowed:
            return (f"expected text without control characters (such as a tab, a line break or NUL), "
                    f"got {char!r} at character {i + 1}")
    return None


def id_problem(value: str, what: str = "an id") -> str | None:
    """What is wrong with an id or a scenario name (None: nothing); ``what`` names it in
    the message."""
    if len(value) > MAX_ID_LENGTH:
        return f"expected {what} of at most {MAX_ID_LENGTH} characters, got {len(value):,}"
    wrong = text_problem(value, MAX_ID_LENGTH)
    if wrong:
        return wrong.replace("expected text", f"expected {what}")
    if value.lstrip().startswith(FORMULA_START):
        starts = ", ".join(FORMULA_START[:-1]) + " or " + FORMULA_START[-1]
        return (f"expected {what} that does not start with {starts}: it is written to results CSV files, "
                f"where a spreadsheet would run such a cell as a formula; got {excerpt(value)}")
    return None


def _num(value: float) -> str:
    """A number as people write it: ``1,000,000`` rather than ``1e+06``."""
    if isinstance(value, int) and abs(value) >= 10**30:
        if value.bit_length() < 1000:
            return f"{float(value):g}"
        # Python will not even print a whole number of more than 4,300 digits.
        return f"a number of about {math.ceil(value.bit_length() * math.log10(2)):,} digits"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) < 1e16):
        return f"{int(value):,}"
    return f"{value:g}"


class Table:
    """One TOML table at a dotted key in a file."""

    def __init__(self, data: object, key: str, file: str, problems: Problems) -> None:
        self.file = file
        self.key = key
        self.problems = problems
        self.ok = isinstance(data, dict)
        if not self.ok:
            self.problem("", f"expected a table, got {_type_name(data)}")
            data = {}
        self.data: dict[str, Any] = data  # type: ignore[assignment]
        self._used: set[str] = set()

    def path(self, name: str) -> str:
        """The dotted key of a field of this table."""
        return f"{self.key}.{name}" if self.key and name else (self.key or name)

    def problem(self, name: str, message: str) -> None:
        """Record a problem with field ``name`` of this table."""
        self.problems.add(self.file, self.path(name), message)

    def has(self, name: str) -> bool:
        """Whether the field is present (marks it as known)."""
        self._used.add(name)
        return name in self.data

    def _get(self, name: str, default: Any) -> Any:
        self._used.add(name)
        if name in self.data:
            return self.data[name]
        if default is _MISSING:
            self.problem(name, "missing; this key is required")
            return None
        return default

    def value(self, name: str, default: Any = _MISSING) -> Any:
        """A value of any type, as written (the caller checks it)."""
        return self._get(name, default)

    def _text(self, name: str, default: Any) -> Any:
        """The value if it is non-empty text (or the default); else None, with a problem."""
        value = self._get(name, default)
        if value is None or value is default:
            return value
        if not isinstance(value, str) or not value.strip():
            self.problem(name, f"expected non-empty text, got {_type_name(value)}")
            return None
        return value

    # From here on, annotations in this class say builtins.str: the name str is this method.
    def str(self, name: str, default: Any = _MISSING, choices: Sequence[str] | None = None, *,
            max_length: int = MAX_NAME_LENGTH, multiline: bool = False) -> Any:
        """A text value, optionally one of ``choices``: at most ``max_length`` characters
        and without control characters (``multiline``: line breaks and tabs allowed)."""
        value = self._text(name, default)
        if value is None or value is default:
            return value
        if choices is not None and value not in choices:
            self.problem(name, f"expected one of {', '.join(choices)}; got {excerpt(value)}")
            return None
        wrong = text_problem(value, max_length, multiline)
        if wrong:
            self.problem(name, wrong)
            return None
        return value

    def ident(self, name: builtins.str, default: Any = _MISSING, what: builtins.str = "an id") -> Any:
        """An id (or a scenario name): text of at most MAX_ID_LENGTH characters, without
        control characters, that a spreadsheet cannot take for a formula."""
        value = self._text(name, default)
        if value is None or value is default:
            return value
        wrong = id_problem(value, what)
        if wrong:
            self.problem(name, wrong)
            return None
        return value

    def number(
        self,
        name: builtins.str,
        default: Any = _MISSING,
        *,
        integer: bool = False,
        low: float | None = None,
        high: float,
        low_open: bool = False,
    ) -> Any:
        """A number (an integer if ``integer``) within [low, high] (``low_open``: > low).

        ``high`` is required: every number has an upper bound (docs/limits.md)."""
        value = self._get(name, default)
        if value is None or value is default:
            return value
        kind = "a whole number" if integer else "a number"
        ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok_type or (isinstance(value, float) and math.isnan(value)):
            self.problem(name, f"expected {kind}, got {_type_name(value)}")
            return None
        if low is not None and (value <= low if low_open else value < low):
            self.problem(name, f"expected {kind} {'>' if low_open else '>='} {_num(low)}, got {_num(value)}")
            return None
        if high is not None and value > high:
            self.problem(name, f"expected {kind} <= {_num(high)}, got {_num(value)}")
            return None
        return value

    def date(self, name: builtins.str, default: Any = _MISSING) -> Any:
        """A calendar date from EARLIEST_DATE to LATEST_DATE: a TOML date (2023-02-11) or
        the same as text."""
        value = self._get(name, default)
        if value is None or value is default:
            return value
        day = None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            day = value
        elif isinstance(value, str):
            try:
                day = dt.date.fromisoformat(value)
            except ValueError:
                pass
        if day is None:
            self.problem(name, f"expected a date like 2023-02-11, got {_type_name(value)}")
            return None
        if not EARLIEST_DATE <= day <= LATEST_DATE:
            # The working calendar is built day by day over the span of the model.
            self.problem(name, f"expected a date from {EARLIEST_DATE} to {LATEST_DATE}, got {day}")
            return None
        return day

    def distribution(self, name: builtins.str, default: Any = _MISSING, *, low: float = 0.0, high: float) -> Any:
        """A number or a distribution table whose values lie in [low, high].

        A distribution bounded above (uniform, triangular, beta, empirical, normal with
        ``high``) must have all its values there. One unbounded above (lognormal,
        exponential, gamma, Poisson, normal without ``high``) may exceed ``high`` in at
        most 1 draw in 1/TAIL_PROBABILITY, and FAR_TAIL_FACTOR x ``high`` in at most 1 in
        1/FAR_TAIL_PROBABILITY, so no draw of a long run overflows a date or a count.
        """
        value = self._get(name, default)
        if value is None:
            return None
        bounds = f"[{_num(low)}, {_num(high)}]"
        if isinstance(value, (int, float)) and not isinstance(value, bool) and not low <= value <= high:
            self.problem(name, f"expected values in {bounds}, got {_num(value)}")  # NaN too
            return None
        if isinstance(value, Distribution):
            dist = value
        else:
            try:
                dist = from_value(value)
            except DistributionError as err:
                self.problem(f"{name}.{err.key}" if err.key else name, err.message)
                return None
        wrong = _outside(dist, low, high)
        if wrong:
            self.problem(name, f"expected values in {bounds}; {dist.describe()} {wrong}")
            return None
        return dist

    def str_list(self, name: builtins.str, default: Any = _MISSING) -> Any:
        """A list of texts, each held to the rules of :meth:`str`."""
        value = self._get(name, default)
        if value is None or value is default:
            return value
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.problem(name, f"expected a list of texts, got {_type_name(value)}")
            return None
        for i, item in enumerate(value):
            wrong = text_problem(item, MAX_NAME_LENGTH)
            if wrong:
                self.problem(name, f"item {i}: {wrong}")
                return None
        return tuple(value)

    def int_list(self, name: builtins.str, default: Any = _MISSING, *, low: int | None = None,
                 high: int | None = None) -> Any:
        """A list of whole numbers, each within [low, high]."""
        value = self._get(name, default)
        if value is None or value is default:
            return value
        bounds = (f" from {_num(low)} to {_num(high)}" if low is not None and high is not None
                  else f" >= {_num(low)}" if low is not None else f" <= {_num(high)}" if high is not None else "")
        if not isinstance(value, list):
            self.problem(name, f"expected a list of whole numbers{bounds}, got {_type_name(value)}")
            return None
        for item in value:
            whole = isinstance(item, int) and not isinstance(item, bool)
            if not whole or (low is not None and item < low) or (high is not None and item > high):
                self.problem(name, f"expected a list of whole numbers{bounds}, got {_type_name(item)} in the list")
                return None
        return tuple(value)

    def table(self, name: builtins.str, required: bool = False) -> Table:
        """A sub-table (empty when absent and not required)."""
        value = self._get(name, _MISSING if required else {})
        return Table(value if value is not None else {}, self.path(name), self.file, self.problems)

    def tables(self, name: builtins.str, required: bool = False) -> list[Table]:
        """An array of tables; each is keyed by its ``id`` when it has one."""
        value = self._get(name, _MISSING if required else [])
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(name, f"expected an array of tables ([[{name}]]), got {_type_name(value)}")
            return []
        out = []
        for i, item in enumerate(value):
            ident = item.get("id") if isinstance(item, dict) else None
            # The same dotted key --set takes: by id, or by position for tables without one
            # (or with an id that has a dot, which a dotted key cannot spell).
            # An id that breaks the rules of ids is reported once, by position, not carried
            # into the key of every other problem of its table.
            by_id = isinstance(ident, str) and ident and "." not in ident and id_problem(ident) is None
            sub = f"{name}.{ident}" if by_id else f"{name}.{i}"
            out.append(Table(item, self.path(sub), self.file, self.problems))
        return out

    def finish(self) -> None:
        """Report every key of this table that no getter asked for."""
        for name in self.data:
            if name not in self._used:
                if text_problem(name, MAX_NAME_LENGTH):  # a key no one could mean: not quoted whole
                    self.problem("", f"unknown key {excerpt(name)} (check the spelling; see docs/model-file.md and docs/experiment-file.md)")
                else:
                    # The keys this table was asked for are the ones it may have.
                    self.problem(name, "unknown key (check the spelling; see docs/model-file.md and "
                                       f"docs/experiment-file.md){did_you_mean(name, sorted(self._used))}")


def unique_ids(tables: list[Table], what: str, key: str = "id") -> list[Any]:
    """Read the ``key`` (by default ``id``) of each table, reporting duplicates; returns
    the values (None where bad)."""
    seen: set[str] = set()
    ids = []
    for t in tables:
        ident = t.ident(key, what="an id" if key == "id" else f"a {what} {key}")
        if ident is not None and ident in seen:
            t.problem(key, f"duplicate {what} {key} {ident!r}; {key}s must be unique")
        if ident is not None:
            seen.add(ident)
        ids.append(ident)
    return ids


def _outside(dist: Distribution, low: float, high: float) -> str | None:
    """How ``dist`` strays outside [low, high], in words (None: it does not)."""
    if not dist.support_min >= low:
        return f"can give values below {_num(low)}"
    if math.isfinite(dist.support_max):
        return None if dist.support_max <= high else f"can give values above {_num(high)}"
    tail = 1 - TAIL_PROBABILITY
    if not dist.quantile(tail) <= high:
        return f"gives values above {_num(high)} in more than 1 in {_num(round(1 / TAIL_PROBABILITY))} draws"
    far = FAR_TAIL_FACTOR * high
    if not dist.quantile(1 - FAR_TAIL_PROBABILITY) <= far:
        return (f"has a tail so long that values above {_num(far)} ({FAR_TAIL_FACTOR} times the bound) come in "
                f"more than 1 in {1 / FAR_TAIL_PROBABILITY:.0e} draws; expected a smaller sd")
    return None
