"""Typed, checked access to one TOML table, collecting problems instead of raising.

Every getter records a :class:`~sim.errors.Problem` naming the file, the dotted key and
what was expected, and returns ``None``; :meth:`Table.finish` reports keys nobody asked
for (typos), so unknown keys are errors rather than silently ignored.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

from sim.distributions import Distribution, DistributionError, from_value
from sim.errors import Problem

_MISSING: Any = object()


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
        return f"the text {value!r}"
    return repr(value)


def _num(value: float) -> str:
    """A number as people write it: ``1,000,000`` rather than ``1e+06``."""
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

    def str(self, name: str, default: Any = _MISSING, choices: Sequence[str] | None = None) -> Any:
        """A text value, optionally one of ``choices``."""
        value = self._get(name, default)
        if value is None or value is default:
            return value
        if not isinstance(value, str) or not value.strip():
            self.problem(name, f"expected non-empty text, got {_type_name(value)}")
            return None
        if choices is not None and value not in choices:
            self.problem(name, f"expected one of {', '.join(choices)}; got {value!r}")
            return None
        return value

    def number(
        self,
        name: str,
        default: Any = _MISSING,
        *,
        integer: bool = False,
        low: float | None = None,
        high: float | None = None,
        low_open: bool = False,
    ) -> Any:
        """A number (an integer if ``integer``) within [low, high] (``low_open``: > low)."""
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

    def date(self, name: str, default: Any = _MISSING) -> Any:
        """A calendar date: a TOML date (2023-02-11) or the same as text."""
        value = self._get(name, default)
        if value is None or value is default:
            return value
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        self.problem(name, f"expected a date like 2023-02-11, got {_type_name(value)}")
        return None

    def distribution(
        self, name: str, default: Any = _MISSING, *, low: float = 0.0, high: float | None = None
    ) -> Any:
        """A number or a distribution table whose values all lie in [low, high]."""
        value = self._get(name, default)
        if value is None:
            return None
        if isinstance(value, Distribution):
            return value
        try:
            dist = from_value(value)
        except DistributionError as err:
            self.problem(f"{name}.{err.key}" if err.key else name, err.message)
            return None
        if dist.support_min < low or (high is not None and dist.support_max > high):
            bounds = f"[{low:g}, {high:g}]" if high is not None else f">= {low:g}"
            self.problem(name, f"expected values {bounds}; {dist.describe()} can give values outside")
            return None
        return dist

    def str_list(self, name: str, default: Any = _MISSING) -> Any:
        """A list of texts."""
        value = self._get(name, default)
        if value is None or value is default:
            return value
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.problem(name, f"expected a list of texts, got {_type_name(value)}")
            return None
        return tuple(value)

    def int_list(self, name: str, default: Any = _MISSING, *, low: int | None = None,
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

    def table(self, name: str, required: bool = False) -> Table:
        """A sub-table (empty when absent and not required)."""
        value = self._get(name, _MISSING if required else {})
        return Table(value if value is not None else {}, self.path(name), self.file, self.problems)

    def tables(self, name: str, required: bool = False) -> list[Table]:
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
            by_id = isinstance(ident, str) and ident and "." not in ident
            sub = f"{name}.{ident}" if by_id else f"{name}.{i}"
            out.append(Table(item, self.path(sub), self.file, self.problems))
        return out

    def finish(self) -> None:
        """Report every key of this table that no getter asked for."""
        for name in self.data:
            if name not in self._used:
                self.problem(name, "unknown key (check the spelling; see README.md, File formats)")


def unique_ids(tables: list[Table], what: str, key: str = "id") -> list[Any]:
    """Read the ``key`` (by default ``id``) of each table, reporting duplicates; returns
    the values (None where bad)."""
    seen: set[str] = set()
    ids = []
    for t in tables:
        ident = t.str(key)
        if ident is not None and ident in seen:
            t.problem(key, f"duplicate {what} {key} {ident!r}; {key}s must be unique")
        if ident is not None:
            seen.add(ident)
        ids.append(ident)
    return ids
