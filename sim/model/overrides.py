"""Dotted-key overrides of raw TOML tables: ``site.hnt.go_live = 2023-03-04``.

A key walks tables by name and arrays of tables by the ``id`` of an element (or by its
position, ``loan.0``), so the keys a user writes are the same keys that error messages
name. Overrides apply to the raw tables, before validation, so an overridden value is
checked exactly like one written in the file.

A date may be set as a shift of the date the key holds when the override is applied
(``site.hnt.go_live=+4w``, ``-10d``: after the overrides before it), read as a study
value is (:func:`sim.model.values.study_value`); a shift of a key that holds no date is
an error naming the key.
"""
from __future__ import annotations

import copy
import datetime as dt
import tomllib
from collections.abc import Mapping
from typing import Any

from sim.errors import did_you_mean, excerpt
from sim.limits import MAX_NESTING
from sim.model.input_files import nesting
from sim.model.values import ValueProblem, is_shift, study_value


class OverrideError(ValueError):
    """An override key that does not lead anywhere; ``key`` is the whole dotted key."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


def parse_value(text: str) -> Any:
    """Read a command-line value as TOML (numbers, dates, true/false, lists, tables);
    anything that is not valid TOML is taken as text, and so is a value nested more than
    MAX_NESTING deep or a whole number too long for Python to read (the model's check
    then says what was expected there)."""
    try:
        value = tomllib.loads(f"value = {text}")["value"]
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):
        return text
    return text if nesting(value) > MAX_NESTING else value


def _child(node: Any, part: str, key: str, walked: str) -> Any:
    if isinstance(node, dict):
        if part not in node:
            raise OverrideError(key, f"{walked or 'the file'} has no table {part!r}{did_you_mean(part, node)}")
        return node[part]
    if isinstance(node, list):
        for item in node:
            if isinstance(item, dict) and item.get("id") == part:
                return item
        if part.isdigit() and int(part) < len(node):
            return node[int(part)]
        ids = [str(i.get("id")) for i in node if isinstance(i, dict) and "id" in i]
        known = ", ".join(ids) if ids else (f"positions 0-{len(node) - 1}" if node else "nothing (the list is empty)")
        raise OverrideError(key, f"no {walked.rsplit('.', 1)[-1]} with id {part!r}; expected one of {known}"
                                 f"{did_you_mean(part, ids)}")
    raise OverrideError(key, f"{walked} is a value, not a table")


def _parent(raw: dict[str, Any], key: str, create: bool = False) -> tuple[dict[str, Any], str]:
    """The table that holds the last part of a dotted key, and that last part. With
    ``create``, a missing table that directly holds the key is made empty
    (``site.hnt.readiness.share`` on a site without its own [site.readiness]); a
    misspelt one is then an unknown key when the model is checked, so nothing is
    silently ignored. Tables further up must exist, so their typos are named here."""
    parts = key.split(".")
    if not key or any(not p for p in parts):
        raise OverrideError(key, "expected a dotted key like site.hnt.go_live")
    node: Any = raw
    for i, part in enumerate(parts[:-1]):
        if create and i == len(parts) - 2 and isinstance(node, dict) and part not in node:
            node[part] = {}
        node = _child(node, part, key, ".".join(parts[:i]))
    if not isinstance(node, dict):
        raise OverrideError(key, f"{'.'.join(parts[:-1])} is not a table")
    return node, parts[-1]


def _shifted(node: dict[str, Any], last: str, key: str, value: Any) -> Any:
    """``value``, or the date the key holds moved by it when it is a shift."""
    if not is_shift(value):
        return value
    current = node.get(last)
    if not isinstance(current, dt.date):
        holds = "is not set" if last not in node else f"holds {excerpt(current)}, not a date"
        raise OverrideError(key, f"{excerpt(value)} is a shift of a date, but the key {holds}; expected a date "
                                 "like 2023-03-04, or a shift like +4w or -10d of a key that holds a date")
    try:
        return study_value(value, key, current)
    except ValueProblem as err:
        raise OverrideError(key, str(err)) from None


def apply_overrides(raw: dict[str, Any], overrides: list[tuple[str, Any]]) -> dict[str, Any]:
    """A deep copy of ``raw`` with every ``(dotted key, value)`` set, in order; a shift of
    a date (``+4w``) moves the date the key holds at that point."""
    out = copy.deepcopy(raw)
    for key, value in overrides:
        node, last = _parent(out, key, create=True)
        node[last] = _shifted(node, last, key, value)
    return out


def value_at(raw: dict[str, Any], key: str, missing_ok: bool = False) -> Any:
    """The value a dotted key leads to in raw tables (an OverrideError if none; None
    with ``missing_ok`` when only the last part is absent, a key left at its default)."""
    node, last = _parent(raw, key)
    if last not in node:
        if missing_ok:
            return None
        where = key.rsplit(".", 1)[0] if "." in key else "the file"
        raise OverrideError(key, f"{where} has no value {last!r}{did_you_mean(last, node)}")
    return node[last]


def value_or_none(raw: Mapping[str, Any] | None, key: str) -> Any:
    """The value ``key`` has in raw tables, or None when they do not hold it (left at its
    default, a table that is not there, or no tables at all): the "model's own value"
    a figure marks and a report prints."""
    if not raw:
        return None
    try:
        return value_at(dict(raw), key, missing_ok=True)
    except OverrideError:
        return None
