"""Building blocks of the fuzz suite (tests/cli/test_fuzz.py).

Nothing here knows how rollout-sim works inside: the suite drives the command line
(``sim.cli.main:cli`` through click's CliRunner, in this process) and checks only what a
user can see: the exit code, the messages, and the files left on disk. It has five
parts:

* the inputs: the shipped model and experiment files as raw TOML tables, and a
  "tiny" copy of them (the 11 Feb 2023 wave: HNT, Levanger and Verdal, a tenth of
  their staff, Verdal's staff read from a headcount CSV) that runs a replication in a
  few hundredths of a second;
* strategies that damage them: :func:`mutations` (values of the wrong type or out of
  bounds, keys deleted or unknown, dates moved, hostile text), :data:`FILE_DAMAGES`
  (encodings and broken bytes) and :data:`CSV_DAMAGES`;
* results folders and the ways to damage one (:data:`FOLDER_DAMAGES`);
* command lines: :func:`command_lines` draws one of any subcommand from pools of good
  and bad option values, and :func:`command_line` works out what it may write;
* the harness: :func:`invoke` runs one command line under a time and memory guard in a
  given working folder, and :func:`check` lists every way its outcome breaks the
  suite's promises (see test_fuzz.py's docstring).
"""
from __future__ import annotations

import contextlib
import copy
import csv
import datetime as dt
import functools
import gc
import hashlib
import io
import json
import math
import os
import resource
import shutil
import signal
import time
import tomllib
import traceback
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w
from click.testing import CliRunner
from hypothesis import strategies as st

from sim.cli.main import cli

REPO = Path(__file__).resolve().parents[2]
SHIPPED_MODEL = REPO / "models" / "midt-norge.toml"
SHIPPED_EXPERIMENTS = {p.stem: p for p in sorted((REPO / "experiments").glob("*.toml"))}

# One command may take this long before it counts as hung. Every command of the suite
# finishes in a few seconds (the slowest, plot, in about 5); a run that does not has
# been let through with a value (a date in the year 9999, 10^9 replications) that the
# bounds should have stopped.
TIMEOUT_SECONDS = 20.0
# Address space a command may add to this process: far more than any command of the
# suite needs, and far less than the machine has, so that a value that makes the tool
# allocate without bound fails here with a MemoryError instead of bringing the machine
# (and everyone else's work on it) down.
MEMORY_HEADROOM = 2 * 1024**3
# An exit-1 message is "short": this many lines at most, none longer than this.
MAX_ERROR_LINES = 25
MAX_ERROR_LINE_CHARS = 500
MAX_OTHER_LINES = 5  # lines of an exit-1 message that are not 'error: ...' problems

# --------------------------------------------------------------------------------------
# Inputs

TINY_SITES = ("hnt", "levanger", "verdal")  # the 11 Feb 2023 wave: the shipped studies name them
TINY_CSV_SITE = "verdal"  # its staff come from a headcount CSV next to the model
TINY_CSV = "verdal-headcount.csv"
# Units with letters that latin-1 and UTF-8 write differently, so a re-encoded CSV differs.
TINY_UNITS = {"super-user": "Ørin bo- og behandlingssenter", "health-social-educated": "Verdal helse og omsorg",
              "care-unskilled": "Hjemmetjenesten Vuku og Vinne", "admin-service": "Rådhuset"}


@functools.cache
def _shipped_model_text() -> str:
    """The shipped model file's text, read once."""
    return SHIPPED_MODEL.read_text(encoding="utf-8")


def shipped_model() -> dict[str, Any]:
    """The shipped model as raw TOML tables (a fresh copy)."""
    return tomllib.loads(_shipped_model_text())


def shipped_experiments() -> dict[str, dict[str, Any]]:
    """The shipped experiments by file stem, as raw tables (fresh copies)."""
    return {name: tomllib.loads(path.read_text(encoding="utf-8")) for name, path in SHIPPED_EXPERIMENTS.items()}


def _restrict(raw: dict[str, Any], keep: set[str]) -> dict[str, Any]:
    """The model with only the sites in ``keep`` and everything that refers to them."""
    raw["site"] = [s for s in raw["site"] if s["id"] in keep]
    raw["staff_group"] = [g for g in raw["staff_group"] if g["site"] in keep]
    pools = []
    for pool in raw.get("instructor_pool", []):
        if pool["home_site"] not in keep:
            continue
        if "sites" in pool:
            pool["sites"] = [s for s in pool["sites"] if s in keep]
        if "loan" in pool:
            pool["loan"] = [loan for loan in pool["loan"] if loan["to_site"] in keep]
        pools.append(pool)
    raw["instructor_pool"] = pools
    raw["venue"] = [v for v in raw.get("venue", []) if [s for s in v["sites"] if s in keep]]
    for venue in raw["venue"]:
        venue["sites"] = [s for s in venue["sites"] if s in keep]
    delays = []
    for delay in raw.get("common_delay", []):
        delay["sites"] = [s for s in delay["sites"] if s in keep]
        if delay["sites"]:
            delays.append(delay)
    raw["common_delay"] = delays
    return raw


def tiny_model() -> tuple[dict[str, Any], str]:
    """The tiny model (raw tables) and the text of its headcount CSV.

    Built from the shipped model, so that it has every table and key the shipped one
    has (the mutations reach all of them), but small enough that a replication takes
    a few hundredths of a second.
    """
    raw = _restrict(shipped_model(), set(TINY_SITES))
    for group in raw["staff_group"]:
        group["headcount"] = max(1, group["headcount"] // 10)
    from_csv = [g for g in raw["staff_group"] if g["site"] == TINY_CSV_SITE]
    raw["staff_group"] = [g for g in raw["staff_group"] if g["site"] != TINY_CSV_SITE]
    raw["staff_csv"] = [{"file": TINY_CSV, "curricula": {g["role"]: g["curriculum"] for g in from_csv}}]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["site", "unit", "role", "count"])
    for g in from_csv:
        writer.writerow([g["site"], TINY_UNITS.get(g["role"], g["role"]), g["role"], g["headcount"]])
    return raw, buf.getvalue()


def tiny_experiments() -> dict[str, dict[str, Any]]:
    """The shipped experiments that name only the tiny model's sites, made cheap: two
    replications, studies of a few points. Each names ``model.toml`` beside it."""
    out = {}
    for name, raw in shipped_experiments().items():
        text = json.dumps(raw, default=str)
        if any(f'"site.{s}' in text or f"site.{s}." in text for s in ("st-olavs", "trondheim")):
            continue  # st-olavs-may-2022: its scenario names a site the tiny model has not
        raw["experiment"]["model"] = "model.toml"
        raw["experiment"]["replications"] = 2
        if "sweep" in raw:
            raw["sweep"]["vary"] = {k: v[:2] for k, v in raw["sweep"]["vary"].items()}
        if "sensitivity" in raw:
            raw["sensitivity"]["parameter"] = raw["sensitivity"]["parameter"][:2]
            raw["sensitivity"]["morris_trajectories"] = 2
            raw["sensitivity"]["sobol_samples"] = 2
        if "capacity" in raw:
            raw["capacity"].update(low=5, high=9, step=2)
        out[name] = raw
    return out


def toml_text(raw: dict[str, Any]) -> str:
    """Raw tables as TOML text (tomli_w writes nan, inf, huge integers and control
    characters as TOML can read them back)."""
    return tomli_w.dumps(raw)


@dataclass(frozen=True)
class Inputs:
    """A model, its headcount CSV and experiments, ready to be written to a folder."""

    model: dict[str, Any]
    csv: str | None
    experiments: dict[str, dict[str, Any]]
    model_name: str = "model.toml"

    def write(self, folder: Path, *, model_bytes: bytes | None = None, csv_bytes: bytes | None = None,
              experiment_bytes: dict[str, bytes] | None = None) -> None:
        """Write every file into ``folder``; ``*_bytes`` replace a file's bytes as written."""
        folder.mkdir(parents=True, exist_ok=True)
        (folder / self.model_name).write_bytes(model_bytes if model_bytes is not None
                                               else toml_text(self.model).encode("utf-8"))
        if self.csv is not None:
            (folder / TINY_CSV).write_bytes(csv_bytes if csv_bytes is not None else self.csv.encode("utf-8"))
        for name, raw in self.experiments.items():
            given = (experiment_bytes or {}).get(name)
            (folder / f"{name}.toml").write_bytes(given if given is not None else toml_text(raw).encode("utf-8"))


def full_inputs() -> Inputs:
    """The shipped model and all shipped experiments, each naming the model beside it."""
    experiments = shipped_experiments()
    for raw in experiments.values():
        raw["experiment"]["model"] = "model.toml"
    return Inputs(shipped_model(), None, experiments)


def tiny_inputs() -> Inputs:
    """The tiny model, its CSV and the tiny experiments."""
    model, text = tiny_model()
    return Inputs(model, text, tiny_experiments())


# --------------------------------------------------------------------------------------
# Mutations of TOML tables

NAN, INF = math.nan, math.inf
BAD_NUMBERS: tuple[Any, ...] = (
    -1, 0, -0.0, 0.5, 1.5, 7, 1e-300, 1e19, 1e308, -1e308, NAN, INF, -INF,
    2**63, 2**64 + 1, 10**30, -(2**63) - 1,
)
LONG_TEXT = "x" * 10_000
BAD_TEXTS: tuple[str, ...] = (
    '=HYPERLINK("http://x","y")', "<script>alert(1)</script>", "+1", "@SUM(A1:A9)", "-1+2", "=1+1",
    LONG_TEXT, "a\x00b", "\x1b[31mred\x1b[0m", "tab\tand\r\nnew line", "\u202eevil\u202c", "Trøndelag æøå ÆØÅ",
    "😀🚑", "", " ", "../../../etc/passwd", ".", "..", "a/b", "a.b", "CON", "%s%n{0}", "\ufeffbom", "e\u0301",
    "hnt", "levanger",
)
BAD_DATES: tuple[Any, ...] = (
    dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(1999, 12, 31), dt.date(2100, 1, 1), dt.date(2000, 1, 1),
    dt.date(2022, 1, 1), dt.date(2030, 6, 1), dt.datetime(2022, 5, 7, 12, 30), dt.time(12, 0),
    "2022-02-30", "2023-13-01", "31.12.2022", "9999-12-31", "0001-01-01",
)
BAD_SHAPES: tuple[Any, ...] = (
    [], [1, 2], ["a", 1], {}, {"a": 1}, True, False, [[[]]], [{}], [{"id": "x"}],
    {"dist": "lognormal", "mean": -1, "sd": 1e308}, {"dist": "uniform", "low": 5, "high": 1},
    {"dist": "nope"}, {"dist": "normal", "mean": NAN, "sd": 1}, {"dist": "poisson", "mean": 1e19},
    {"dist": "gamma", "shape": 0, "scale": 1}, {"dist": "triangular", "low": 0, "mode": 5, "high": 1},
    {"dist": "fixed", "value": INF}, {"dist": "uniform", "low": 0, "high": 1e308},
    {"dist": "lognormal", "mean": 1e300, "sd": 1e300}, {"dist": "exponential", "mean": 1e-300},
)
UNKNOWN_KEYS: tuple[str, ...] = ("colour", "go-live", "Name", "id ", "", "<b>", "=1+1", "a.b", "\x00", "x" * 300)


@dataclass(frozen=True)
class Mutation:
    """One change to raw TOML tables: ``op`` at the key path ``path``.

    ``set`` replaces the value; ``delete`` removes the key (or list element); ``add``
    adds the unknown key ``extra`` with ``value`` to the table at ``path``; ``duplicate``
    appends a copy of the list's first element (a duplicate id); ``empty`` empties a list;
    ``swap`` exchanges the value at ``path`` with the one at ``extra`` (two dates);
    ``setting`` adds ``extra = value`` to the ``[scenario.set]`` of the scenario at ``path``.
    """

    op: str
    path: tuple[str | int, ...]
    value: Any = None
    extra: Any = None

    def __str__(self) -> str:
        where = _dotted(self.path)
        if self.op == "set":
            return f"{where} = {short(self.value)}"
        if self.op == "add":
            return f"{where}.{short(self.extra)} = {short(self.value)} (unknown key)"
        if self.op == "swap":
            return f"swap {where} and {_dotted(self.extra)}"
        if self.op == "setting":
            return f"{where}.set.{json.dumps(self.extra)} = {short(self.value)}"
        return f"{self.op} {where}"


def short(value: Any, limit: int = 60) -> str:
    """A value's repr, cut to ``limit`` characters (a 10,000-character text is "'xxx...' (10002 chars)")."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} chars)"


def _dotted(path: tuple[str | int, ...] | Any) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(the file)"


def walk(node: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """Every (path, value) in raw tables, tables and lists included, depth first."""
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, (*path, i))


def _resolve(doc: Any, path: tuple[str | int, ...]) -> tuple[Any, str | int] | None:
    """The container holding ``path``'s last part, and that part (None if gone)."""
    node = doc
    for part in path[:-1]:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    last = path[-1]
    if isinstance(node, dict) and isinstance(last, str) and last in node:
        return node, last
    if isinstance(node, list) and isinstance(last, int) and last < len(node):
        return node, last
    return None


def apply(doc: dict[str, Any], changes: list[Mutation]) -> dict[str, Any]:
    """A copy of ``doc`` with ``changes`` made in order (one whose key an earlier change
    removed is left out)."""
    out = copy.deepcopy(doc)
    for m in changes:
        if m.op == "setting":  # a [scenario.set] entry: the key is a dotted model key
            scenario = _resolve(out, m.path)
            if scenario is not None and isinstance(scenario[0][scenario[1]], dict):
                table = scenario[0][scenario[1]].setdefault("set", {})
                if isinstance(table, dict):
                    table[m.extra] = copy.deepcopy(m.value)
            continue
        if m.op == "add":
            found = _resolve(out, m.path) if m.path else (None, None)
            table = out if not m.path else (found[0][found[1]] if found else None)
            if isinstance(table, dict):
                table[m.extra] = copy.deepcopy(m.value)
            continue
        found = _resolve(out, m.path) if m.path else None
        if found is None:
            continue
        node, last = found
        if m.op == "set":
            node[last] = copy.deepcopy(m.value)
        elif m.op == "delete":
            del node[last]
        elif m.op == "duplicate" and isinstance(node[last], list) and node[last]:
            node[last].append(copy.deepcopy(node[last][0]))
        elif m.op == "empty" and isinstance(node[last], list):
            node[last] = []
        elif m.op == "swap":
            other = _resolve(out, m.extra)
            if other is not None:
                node[last], other[0][other[1]] = other[0][other[1]], node[last]
    return out


def _pool_for(value: Any) -> st.SearchStrategy[Any]:
    """Bad values for a key that holds ``value``: mostly of its own kind pushed out of
    bounds, sometimes of another kind altogether."""
    anything = st.sampled_from(BAD_NUMBERS + BAD_TEXTS + BAD_DATES + BAD_SHAPES)
    if isinstance(value, bool):
        own: st.SearchStrategy[Any] = st.sampled_from((0, 1, "true", "yes", [True]))
    elif isinstance(value, (int, float)):
        own = st.sampled_from(BAD_NUMBERS)
    elif isinstance(value, dt.date):
        own = st.sampled_from(BAD_DATES)
    elif isinstance(value, str):
        own = st.sampled_from(BAD_TEXTS)
    else:
        own = st.sampled_from(BAD_SHAPES)
    return st.one_of(own, own, anything)


def mutation(doc: dict[str, Any], model: dict[str, Any] | None = None) -> st.SearchStrategy[Mutation]:
    """One change to ``doc`` (any key, any table, any list of it); for an experiment,
    given its ``model``, also a scenario's setting of a model key to a bad value."""
    nodes = [(p, v) for p, v in walk(doc) if p]
    keys = [p for p, _ in nodes]
    tables = [()] + [p for p, v in nodes if isinstance(v, dict)]
    lists = [p for p, v in nodes if isinstance(v, list)]
    table_lists = [p for p, v in nodes if isinstance(v, list) and v and isinstance(v[0], dict)] or lists
    dates = [p for p, v in nodes if isinstance(v, dt.date)]
    by_path = dict(nodes)

    def set_at(path: tuple[str | int, ...]) -> st.SearchStrategy[Mutation]:
        """A bad value for the key at ``path``."""
        return _pool_for(by_path[path]).map(lambda v: Mutation("set", path, v))

    options = [
        st.sampled_from(keys).flatmap(set_at),
        st.sampled_from(keys).flatmap(set_at),  # twice: the commonest damage
        st.sampled_from(keys).map(lambda p: Mutation("delete", p)),
        st.builds(lambda p, k, v: Mutation("add", p, v, k), st.sampled_from(tables), st.sampled_from(UNKNOWN_KEYS),
                  st.sampled_from(BAD_NUMBERS[:8] + BAD_TEXTS[:8])),
    ]
    if lists:
        options.append(st.sampled_from(lists).map(lambda p: Mutation("empty", p)))
        options.append(st.sampled_from(table_lists).map(lambda p: Mutation("duplicate", p)))
    if len(dates) > 1:
        options.append(st.builds(lambda a, b: Mutation("swap", a, extra=b), st.sampled_from(dates),
                                 st.sampled_from(dates)))
    scenarios = doc.get("scenario")
    if model is not None and isinstance(scenarios, list) and scenarios:
        options.append(st.builds(lambda i, kv: Mutation("setting", ("scenario", i), kv[1], kv[0]),
                                 st.integers(0, len(scenarios) - 1), scenario_setting(model)))
    return st.one_of(*options)


def mutations(doc: dict[str, Any], max_changes: int = 3,
              model: dict[str, Any] | None = None) -> st.SearchStrategy[list[Mutation]]:
    """One to ``max_changes`` changes to ``doc`` (see :func:`mutation` for ``model``)."""
    return st.lists(mutation(doc, model), min_size=1, max_size=max_changes)


def dotted_keys(doc: dict[str, Any]) -> list[tuple[str, Any]]:
    """Every value of model tables under the dotted key ``--set`` and ``[scenario.set]``
    take for it (an element of a list of tables by its id, else its position), with the
    value there. A list of plain values (``sites``, ``summer_weeks``) is one value."""
    out = []
    for path, value in walk(doc):
        if not path or isinstance(value, dict) or (isinstance(value, list) and value and isinstance(value[0], dict)):
            continue
        parts, node = [], doc
        for part in path:
            if isinstance(node, list) and not isinstance(node[part], dict):
                break  # an element of a list of plain values: the list is the value
            item = node[part]
            if isinstance(part, int):
                ident = item.get("id")
                parts.append(ident if isinstance(ident, str) and ident and "." not in ident else str(part))
            else:
                parts.append(part)
            node = item
        else:
            out.append((".".join(parts), value))
    return out


def toml_value(value: Any) -> str:
    """A value as TOML text, as one would type it after ``--set KEY=`` (tables inline)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return tomli_w.dumps({"v": value}).split("=", 1)[1].strip()


def set_option(doc: dict[str, Any]) -> st.SearchStrategy[str]:
    """``KEY=VALUE`` for ``--set``: a key of ``doc`` and a bad value for it."""
    keys = dotted_keys(doc)
    return st.sampled_from(keys).flatmap(
        lambda kv: _pool_for(kv[1]).map(lambda v: f"{kv[0]}={toml_value(v)}"))


def scenario_setting(doc: dict[str, Any]) -> st.SearchStrategy[tuple[str, Any]]:
    """A (dotted key, bad value) for an experiment's ``[scenario.set]``."""
    return st.sampled_from(dotted_keys(doc)).flatmap(lambda kv: _pool_for(kv[1]).map(lambda v: (kv[0], v)))


# --------------------------------------------------------------------------------------
# Damage to a file's bytes

def _encode(text: str, encoding: str) -> bytes:
    """``text`` in ``encoding``, characters it cannot hold as '?'."""
    return text.encode(encoding, errors="replace")


def _insert(data: bytes, at: float, junk: bytes) -> bytes:
    """``data`` with ``junk`` inserted at the fraction ``at`` of its length."""
    i = int(len(data) * at)
    return data[:i] + junk + data[i:]


def _csv_row(*cells: str) -> str:
    """One CSV line, quoted as a spreadsheet writes it."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(cells)
    return buf.getvalue()


# name -> (text of the file, a fraction of its length) -> the bytes written
FILE_DAMAGES: dict[str, Callable[[str, float], bytes]] = {
    "utf-8": lambda t, at: t.encode("utf-8"),
    "utf-8 with BOM": lambda t, at: _encode(t, "utf-8-sig"),
    "latin-1": lambda t, at: _encode(t, "latin-1"),
    "utf-16": lambda t, at: _encode(t, "utf-16"),
    "utf-16-le without BOM": lambda t, at: _encode(t, "utf-16-le"),
    "cp1252 smart quotes": lambda t, at: _encode(t.replace('"', "\u201c", 2), "cp1252"),
    "invalid UTF-8 bytes": lambda t, at: _insert(t.encode("utf-8"), at, b"\xff\xfe\xc3\x28\x80"),
    "NUL bytes": lambda t, at: _insert(t.encode("utf-8"), at, b"\x00" * 8),
    "truncated": lambda t, at: t.encode("utf-8")[: int(len(t.encode("utf-8")) * at)],
    "empty": lambda t, at: b"",
    "CRLF line ends": lambda t, at: t.replace("\n", "\r\n").encode("utf-8"),
    "old Mac CR line ends": lambda t, at: t.replace("\n", "\r").encode("utf-8"),
    "arrays nested 100,000 deep": lambda t, at: t.encode("utf-8") + b"\nzz_deep = " + b"[" * 100_000 + b"]" * 100_000 + b"\n",
    "inline tables nested 100,000 deep": lambda t, at: (t.encode("utf-8") + b"\nzz_deep = " + b"{a=" * 100_000
                                                        + b"1" + b"}" * 100_000 + b"\n"),
    "6 MB of comments": lambda t, at: t.encode("utf-8") + b"# padding padding padding padding padding\n" * 150_000,
    "a 3 MB string": lambda t, at: t.encode("utf-8") + b'\nzz_big = "' + b"y" * 3_000_000 + b'"\n',
}

CSV_DAMAGES: dict[str, Callable[[str, float], bytes]] = {
    **{k: FILE_DAMAGES[k] for k in ("utf-8", "utf-8 with BOM", "latin-1", "utf-16", "invalid UTF-8 bytes",
                                    "NUL bytes", "truncated", "empty", "CRLF line ends", "old Mac CR line ends")},
    "garbage line": lambda t, at: (t + "garbage,,,\x00,\n").encode("utf-8"),
    "formula cells": lambda t, at: (t + _csv_row("verdal", '=HYPERLINK("http://x","y")', "admin-service", "3")
                                    + _csv_row("verdal", "@SUM(A1:A9)", "super-user", "2")).encode("utf-8"),
    "markup cells": lambda t, at: (t + "verdal,<script>alert(1)</script>,super-user,3\n").encode("utf-8"),
    "huge count": lambda t, at: (t + "verdal,Rådhuset,admin-service," + "9" * 5_000 + "\n").encode("utf-8"),
    "count past the bound": lambda t, at: (t + "verdal,Rådhuset,admin-service,1000001\n").encode("utf-8"),
    "negative count": lambda t, at: (t + "verdal,Rådhuset,admin-service,-5\n").encode("utf-8"),
    "count in other digits": lambda t, at: (t + "verdal,Rådhuset,admin-service,١٢\n").encode("utf-8"),
    "count 1e3": lambda t, at: (t + "verdal,Rådhuset,admin-service,1e3\n").encode("utf-8"),
    "unknown site": lambda t, at: (t + "nowhere,Rådhuset,admin-service,3\n").encode("utf-8"),
    "unknown role": lambda t, at: (t + "verdal,Rådhuset,astronaut,3\n").encode("utf-8"),
    "header only": lambda t, at: t.split("\n", 1)[0].encode("utf-8") + b"\n",
    "no header": lambda t, at: t.split("\n", 1)[1].encode("utf-8"),
    "extra column": lambda t, at: "\n".join(line + ",x" if line else line for line in t.split("\n")).encode("utf-8"),
    "semicolons": lambda t, at: t.replace(",", ";").encode("utf-8"),
    "a 100,000-character cell": lambda t, at: (t + "verdal," + "u" * 100_000 + ",admin-service,3\n").encode("utf-8"),
    "unbalanced quote": lambda t, at: (t + 'verdal,"Rådhuset,admin-service,3\n').encode("utf-8"),
}

# Where an experiment's ``model = "..."`` may point (relative to the experiment file).
MODEL_REFERENCES: tuple[str, ...] = (
    "", "missing.toml", ".", "..", "/dev/null", TINY_CSV, "baseline.toml", "model.toml/", "./model.toml",
    "../inputs/model.toml", "sub/../model.toml", "x" * 5_000, "a\x00b.toml", "<script>.toml",
    '=HYPERLINK("http://x","y")', "model.toml\n",
)


# --------------------------------------------------------------------------------------
# The harness

class CaseTimeout(BaseException):
    """A command ran past :data:`TIMEOUT_SECONDS` (a BaseException so that no ``except
    Exception`` inside the tool turns it into a tidy error)."""


@contextlib.contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    """Raise :class:`CaseTimeout` in this (the main) thread after ``seconds``."""
    def ring(signum: int, frame: object) -> None:
        raise CaseTimeout(f"still running after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _address_space() -> int:
    """This process's virtual memory size, in bytes."""
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[0]) * resource.getpagesize()


@contextlib.contextmanager
def _memory_limit(headroom: int = MEMORY_HEADROOM) -> Iterator[None]:
    """Let this process's address space grow by at most ``headroom`` bytes (RLIMIT_AS;
    where the system cannot tell the size, as off Linux, no limit)."""
    try:
        limit = _address_space() + headroom
    except OSError:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@contextlib.contextmanager
def working_folder(path: Path) -> Iterator[None]:
    """Run with ``path`` as the working folder, then return to the one before."""
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


@dataclass
class Outcome:
    """What one command line did."""

    args: list[str]
    exit_code: int | None
    stdout: str = ""
    stderr: str = ""
    exception: BaseException | None = None
    last_line: str = ""  # the last line of the traceback of an uncaught exception
    traceback: str = ""  # that traceback
    place: str = ""  # where it was raised (file:line in function)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    timed_out: bool = False

    @property
    def command(self) -> str:
        """The command line as a user would type it (long values cut short)."""
        parts = ["rollout-sim"]
        for a in self.args:
            text = a if len(a) <= 80 else f"{a[:60]}...({len(a)} chars)"
            parts.append(text if text and all(c.isalnum() or c in "-_./=:,+%" for c in text) else repr(text))
        return " ".join(parts)


def invoke(args: list[str], cwd: Path, timeout: float = TIMEOUT_SECONDS) -> Outcome:
    """Run ``rollout-sim ARGS`` in this process with ``cwd`` as the working folder,
    under the time and memory guards, recording Python warnings instead of raising them
    (pytest turns warnings into errors, which would hide what the user sees)."""
    start = time.perf_counter()
    # Everything alive now is not this command's: freeze it, so that the full collection
    # after the command (which charges files it left open to it) scans only what the
    # command made, in milliseconds rather than the 50-100 ms of this whole process.
    # test_fuzz.py unfreezes at the end of its module.
    gc.freeze()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with working_folder(cwd), _memory_limit(), _alarm(timeout):
                result = CliRunner().invoke(cli, args, prog_name="rollout-sim", catch_exceptions=True)
                outcome = Outcome(args, result.exit_code, result.stdout, result.stderr, result.exception)
                if result.exception is not None and not isinstance(result.exception, SystemExit):
                    outcome.traceback = "".join(traceback.format_exception(*result.exc_info))
                    outcome.last_line = outcome.traceback.strip().splitlines()[-1]
                    outcome.place = _where(result.exc_info[2])
                # Let go of the frames an exception keeps alive, then collect: a file
                # the tool left open is reported (ResourceWarning) now, charged to this
                # command rather than to whichever case happens to collect it later.
                _clear_frames(result.exception)
                del result
                gc.collect()
        except CaseTimeout as err:
            _clear_frames(err)
            gc.collect()
            outcome = Outcome(args, None, exception=err, last_line=f"CaseTimeout: {err}", timed_out=True)
    outcome.warnings = [f"{w.category.__name__}: {w.message}" for w in caught]
    outcome.seconds = time.perf_counter() - start
    return outcome


def _clear_frames(error: BaseException | None) -> None:
    """Drop the local variables of every frame of ``error`` and the exceptions chained to it."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if error.__traceback__ is not None:
            traceback.clear_frames(error.__traceback__)
        error = error.__cause__ or error.__context__


def _where(tb: Any) -> str:
    """Where an exception was raised: the innermost frame in sim/ (else the innermost)."""
    frames = traceback.extract_tb(tb)
    ours = [f for f in frames if f"{os.sep}sim{os.sep}" in f.filename] or frames
    if not ours:
        return ""
    f = ours[-1]
    return f"{Path(f.filename).name}:{f.lineno} in {f.name}"


# --------------------------------------------------------------------------------------
# Snapshots of a folder tree: what a command wrote

Snapshot = dict[str, tuple[Any, ...]]


def snapshot(root: Path) -> Snapshot:
    """Every entry under ``root`` (path relative to it) with its kind, size and hash."""
    out: Snapshot = {}
    for dirpath, dirnames, filenames in os.walk(root):
        base = Path(dirpath)
        for name in dirnames:
            p = base / name
            out[p.relative_to(root).as_posix()] = ("link",) if p.is_symlink() else ("dir",)
        for name in filenames:
            p = base / name
            rel = p.relative_to(root).as_posix()
            if p.is_symlink() or not p.is_file():
                out[rel] = ("other",)
                continue
            data = p.read_bytes()
            out[rel] = ("file", len(data), hashlib.sha1(data).hexdigest())
    return out


def changes(before: Snapshot, after: Snapshot) -> set[str]:
    """Paths created, changed or deleted."""
    return {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}


def _under(path: str, root: str) -> bool:
    """Whether ``path`` is ``root`` or inside it ('' is the workspace root)."""
    return root in ("", ".") or path == root or path.startswith(root + "/")


# --------------------------------------------------------------------------------------
# Checks

@dataclass
class Expect:
    """What a command may touch, relative to the workspace root.

    ``writes``: the paths it may create or change (its --out, RESULTS, --json...);
    ``owned``: those of them that hold a results folder of rollout-sim, which it may
    rewrite or (with --force) replace; every other file that existed before under a
    ``writes`` path (a user's folder given as --out) must be left as it was.
    ``run_folders``: results folders whose state is checked after a run (absent,
    complete or resumable); ``default_out``: a folder whose results folders, made
    when no --out was given, are checked the same way.
    """

    writes: list[str] = field(default_factory=list)
    owned: list[str] = field(default_factory=list)
    run_folders: list[str] = field(default_factory=list)
    default_out: str | None = None


def run_folder_state(path: Path) -> str | None:
    """None when ``path`` is absent, a complete run or a resumable one; else what it is."""
    try:
        if not path.exists():
            return None
    except OSError:  # a name too long to exist, or a path through a file
        return None
    if not path.is_dir():
        return "is not a folder"
    manifest = path / "manifest.json"
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        return f"is half-written: manifest.json unreadable ({type(err).__name__}); holds {sorted(os.listdir(path))[:8]}"
    status = data.get("status") if isinstance(data, dict) else None
    if status == "complete":
        missing = [n for n in ("summary.json", "replications.csv") if not (path / n).is_file()]
        return f"is half-written: status complete but no {', '.join(missing)}" if missing else None
    if status in ("interrupted", "failed"):
        if not (path / "replications.partial.csv").is_file():
            return f"is half-written: status {status} but no replications.partial.csv"
        return None
    return f"is half-written: manifest.json status {status!r}"


def check(outcome: Outcome, root: Path, before: Snapshot, after: Snapshot, expect: Expect,
          is_run: bool = False) -> list[str]:
    """Every way ``outcome`` breaks the suite's promises (empty when it keeps them all)."""
    problems: list[str] = []
    if outcome.timed_out:
        problems.append(f"did not finish within {TIMEOUT_SECONDS:g} s (a hang, or a bound missing)")
    elif outcome.exception is not None and not isinstance(outcome.exception, SystemExit):
        problems.append(f"uncaught exception at {outcome.place}: {outcome.last_line}")
    if outcome.exit_code not in (0, 1, 2):
        problems.append(f"exit code {outcome.exit_code}, expected 0, 1 or 2")
    for stream, text in (("stdout", outcome.stdout), ("stderr", outcome.stderr)):
        if "Traceback" in text:
            problems.append(f"a traceback on {stream}")
    if outcome.exit_code == 1 and (outcome.exception is None or isinstance(outcome.exception, SystemExit)):
        problems.extend(_message_problems(outcome.stderr))
    if outcome.warnings:
        problems.append(f"Python warnings: {'; '.join(sorted(set(outcome.warnings)))[:600]}")
    problems.extend(_write_problems(root, before, after, expect))
    if is_run:
        problems.extend(_run_problems(outcome, root, expect))
    return problems


def _message_problems(stderr: str) -> list[str]:
    """What is wrong with the message of an exit code 1."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    out = []
    if not any(line.startswith("error:") for line in lines):
        first = lines[0] if lines else "(nothing)"
        out.append(f"exit code 1 without a message starting 'error:' on stderr (it says {short(first, 120)})")
    # A list of problems, one per line (validate's promise), may be long; other text not.
    other = [line for line in lines if not line.startswith("error:")]
    if len(lines) > MAX_ERROR_LINES and len(other) > MAX_OTHER_LINES:
        out.append(f"exit-1 message of {len(lines)} lines, {len(other)} of them not 'error: ...' problems")
    long = [line for line in lines if len(line) > MAX_ERROR_LINE_CHARS]
    if long:
        out.append(f"exit-1 message with a line of {max(map(len, long)):,} characters "
                   f"(more than {MAX_ERROR_LINE_CHARS}): {short(long[0], 120)}")
    return out


def _write_problems(root: Path, before: Snapshot, after: Snapshot, expect: Expect) -> list[str]:
    """Writes outside what the command may touch, and files it changed without owning them."""
    out = []
    changed = changes(before, after)
    allowed = expect.writes + ([expect.default_out] if expect.default_out else [])
    # Making the parent folders of an output is fine; anything else outside it is not.
    parents = {p for a in allowed for p in _ancestors(a)}
    outside = sorted(p for p in changed if not any(_under(p, a) for a in allowed)
                     and not (p in parents and after.get(p) == ("dir",)))
    if outside:
        out.append(f"wrote outside its output: {', '.join(outside[:6])}" + (" ..." if len(outside) > 6 else ""))
    touched = sorted(p for p in changed if p in before and before[p][0] == "file"
                     and any(_under(p, a) for a in allowed) and not any(_under(p, o) for o in expect.owned))
    if touched:
        out.append(f"changed or deleted files it does not own: {', '.join(touched[:6])}"
                   + (" ..." if len(touched) > 6 else ""))
    return out


def _ancestors(rel: str) -> list[str]:
    """The folders that hold ``rel``, outermost first (not ``rel`` itself)."""
    parts = Path(rel).parts
    return [Path(*parts[:i]).as_posix() for i in range(1, len(parts))]


def _is_file(path: Path) -> bool:
    """``path.is_file()``, False for a path the system cannot even look up."""
    try:
        return path.is_file()
    except OSError:  # pathlib raises for a name too long (ENAMETOOLONG)
        return False


def _run_problems(outcome: Outcome, root: Path, expect: Expect) -> list[str]:
    """Results folders a run left half-written (or incomplete after exit code 0)."""
    out = []
    folders = [root / f for f in expect.run_folders]
    if expect.default_out and (root / expect.default_out).is_dir():
        # results/<experiment>/<date-time>: every folder two levels down
        folders += [p for d in (root / expect.default_out).iterdir() if d.is_dir() for p in d.iterdir()]
    for folder in folders:
        state = run_folder_state(folder)
        if state:
            out.append(f"results folder {folder.relative_to(root).as_posix()} {state}")
        elif outcome.exit_code == 0 and not _is_file(folder / "summary.json"):
            out.append(f"exit code 0 but results folder {folder.relative_to(root).as_posix()} is not complete")
    return out


def report(outcome: Outcome, problems: list[str], context: str = "") -> str:
    """A failure message: the command, what was wrong, and what it printed."""
    lines = [f"command: {outcome.command}"]
    if context:
        lines.append(f"inputs: {context}")
    lines += [f"  - {p}" for p in problems]
    lines.append(f"exit code {outcome.exit_code} after {outcome.seconds:.1f} s")
    if outcome.stderr.strip():
        lines.append("stderr: " + short(outcome.stderr.strip(), 800))
    if outcome.traceback:
        lines.append("traceback:\n" + outcome.traceback[-3000:])
    return "\n".join(lines)


# --------------------------------------------------------------------------------------
# Results folders and their damage

def copy_folder(source: Path, target: Path) -> Path:
    """A copy of a results folder (without its lock, if any)."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".running"))
    return target


def _json_edit(name: str, edit: Callable[[Any], Any]) -> Callable[[Path, Path], None]:
    def damage(folder: Path, other: Path) -> None:
        path = folder / name
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return  # gone, or broken by an earlier damage: leave it so
        path.write_text(json.dumps(edit(data)), encoding="utf-8")
    return damage


def _without(*keys: str) -> Callable[[Any], Any]:
    """An edit that drops ``keys`` from a JSON object."""
    return lambda d: {k: v for k, v in d.items() if k not in keys} if isinstance(d, dict) else d


def _summary_strings(d: Any) -> Any:
    """A summary with text where its counts and risks belong."""
    d["replications"] = "many"
    for scenario in d.get("scenarios", {}).values():
        for site in scenario.get("sites", {}).values():
            for key in list(site)[:8]:
                if isinstance(site[key], (int, float)) and not isinstance(site[key], bool):
                    site[key] = "high"
    return d


def _extremes(data: Any) -> Any:
    """``data`` with every fraction NaN and every whole number 1e308 (JSON as Python
    writes it: NaN is not standard JSON, but json.loads reads it)."""
    if isinstance(data, dict):
        return {k: _extremes(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_extremes(v) for v in data]
    if isinstance(data, bool) or not isinstance(data, (int, float)):
        return data
    return math.nan if isinstance(data, float) else 1e308


def _write(name: str, data: bytes) -> Callable[[Path, Path], None]:
    """A damage that replaces file ``name`` with ``data``."""
    def damage(folder: Path, other: Path) -> None:
        if not (folder / name).is_dir():  # made a folder by an earlier damage
            (folder / name).write_bytes(data)
    return damage


def _truncate(name: str) -> Callable[[Path, Path], None]:
    """A damage that cuts file ``name`` short, mid-line or mid-entry."""
    def damage(folder: Path, other: Path) -> None:
        path = folder / name
        if path.is_file():
            data = path.read_bytes()
            path.write_bytes(data[: len(data) // 2 + 3])  # mid-line, mid-zip-entry
    return damage


def _delete(name: str) -> Callable[[Path, Path], None]:
    """A damage that deletes file or folder ``name``."""
    def damage(folder: Path, other: Path) -> None:
        path = folder / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    return damage


def _append(name: str, line: bytes) -> Callable[[Path, Path], None]:
    """A damage that appends ``line`` to file ``name`` (making it if absent)."""
    def damage(folder: Path, other: Path) -> None:
        if not (folder / name).is_dir():
            with (folder / name).open("ab") as fh:
                fh.write(line)
    return damage


def _figures_file(folder: Path, other: Path) -> None:
    """figures/ replaced by a file of the same name."""
    shutil.rmtree(folder / "figures", ignore_errors=True)
    (folder / "figures").write_text("not a folder\n", encoding="utf-8")


def _swap_config(folder: Path, other: Path) -> None:
    """config/ replaced by another run's (another model, another seed)."""
    shutil.rmtree(folder / "config", ignore_errors=True)
    shutil.copytree(other / "config", folder / "config")


def _manifest_dir(folder: Path, other: Path) -> None:
    """manifest.json replaced by a folder of the same name."""
    if not (folder / "manifest.json").is_dir():
        (folder / "manifest.json").unlink(missing_ok=True)
        (folder / "manifest.json").mkdir()


def _stale_lock(folder: Path, other: Path) -> None:
    """A lock file that names no process (left by a crash, then garbled)."""
    (folder / ".running").write_text("not a process id \x00\xff", encoding="utf-8", errors="replace")


def _live_lock(folder: Path, other: Path) -> None:
    """A lock file naming a live process (this one), as if a run were still going."""
    (folder / ".running").write_text(str(os.getpid()), encoding="utf-8")  # this process is alive


def _replications_other_scenario(folder: Path, other: Path) -> None:
    """replications.csv with its scenario renamed (to markup)."""
    path = folder / "replications.csv"
    if path.is_file():
        data = path.read_bytes()
        path.write_bytes(data.replace(b"as-planned-2022", b"<script>x</script>"))


def _npz(name: str, arrays: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[Path, Path], None]:
    """Rewrite an .npz as a valid zip of numpy arrays, with ``arrays`` changed."""
    def damage(folder: Path, other: Path) -> None:
        import numpy as np

        path = folder / name
        try:
            # np.load(path) leaves the file open when it is not a zip: open it here.
            with path.open("rb") as fh, np.load(fh) as data:
                old = {k: data[k] for k in data.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile):
            old = {}
        np.savez(path, **arrays(old))  # path ends in .npz, so numpy adds nothing
    return damage


def _journal_rows(edit: Callable[[list[list[str]]], list[list[str]]]) -> Callable[[Path, Path], None]:
    """Rewrite replications.partial.csv with its rows (header first) changed."""
    def damage(folder: Path, other: Path) -> None:
        path = folder / "replications.partial.csv"
        if not path.is_file():
            return
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8", errors="replace"))))
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(edit(rows))
        path.write_text(buf.getvalue(), encoding="utf-8")
    return damage


def _cell(row: int, column: int, value: str) -> Callable[[list[list[str]]], list[list[str]]]:
    """An edit of CSV rows that sets one cell (row 0 is the header)."""
    def edit(rows: list[list[str]]) -> list[list[str]]:
        if len(rows) > row and len(rows[row]) > column:
            rows[row][column] = value
        return rows
    return edit


GARBAGE = b"\x00\xff garbage,\"unclosed,1,2\n"
# name -> damage(folder, another run's folder); each leaves the folder as a user might
# find it after a crash, a bad copy or an edit by hand.
FOLDER_DAMAGES: dict[str, Callable[[Path, Path], None]] = {
    "summary.json corrupt": _write("summary.json", b'{"scenarios": {"as-planned'),
    "summary.json empty": _write("summary.json", b""),
    "summary.json a list": _write("summary.json", b"[1, 2, 3]\n"),
    "summary.json missing keys": _json_edit("summary.json", _without("scenarios", "replications", "seed")),
    "summary.json text where a number belongs": _json_edit("summary.json", _summary_strings),
    "summary.json not UTF-8": _write("summary.json", b'{"experiment": "\xff\xfe"}'),
    "summary.json deleted": _delete("summary.json"),
    "manifest.json corrupt": _write("manifest.json", b'{"status": "compl'),
    "manifest.json a list": _write("manifest.json", b'["status", "complete"]\n'),
    "manifest.json missing keys": _json_edit("manifest.json", _without("status", "seed", "replications_asked",
                                                                        "overrides", "started")),
    "manifest.json wrong types": _json_edit("manifest.json", lambda d: {**d, "seed": "one", "replications_asked": -3,
                                                                         "overrides": "none", "curves": "yes"}),
    "manifest.json unknown status": _json_edit("manifest.json", lambda d: {**d, "status": "<b>done</b>"}),
    "manifest.json says interrupted": _json_edit("manifest.json", lambda d: {**d, "status": "interrupted"}),
    "manifest.json a folder": _manifest_dir,
    "manifest.json deleted": _delete("manifest.json"),
    "manifest.json asks 10^12 replications": _json_edit("manifest.json", lambda d: {**d, "replications_asked": 10**12}),
    "manifest.json seed 10^30": _json_edit("manifest.json", lambda d: {**d, "seed": 10**30}),
    "manifest.json precision 1e-300 up to 10^12": _json_edit("manifest.json", lambda d: {
        **d, "precision": 1e-300, "max_replications": 10**12}),
    "manifest.json NaN precision": _json_edit("manifest.json", lambda d: {**d, "precision": math.nan}),
    "summary.json NaN and 1e308": _json_edit("summary.json", lambda d: _extremes(d)),
    "checkpoint.npz corrupt": _write("checkpoint.npz", b"PK\x03\x04 not a zip at all"),
    "checkpoint.npz rows -1": _npz("checkpoint.npz", lambda a: {**a, "rows": -1}),
    "checkpoint.npz rows 10^12": _npz("checkpoint.npz", lambda a: {**a, "rows": 10**12}),
    "checkpoint.npz arrays of the wrong shape": _npz("checkpoint.npz", lambda a: {
        **{k: [1, 2, 3] for k in a}, "rows": a.get("rows", 2), "target": 10**12}),
    "checkpoint.npz without its arrays": _npz("checkpoint.npz", lambda a: {"other": [0]}),
    "journal row with an unknown scenario": _journal_rows(_cell(1, 0, "<script>nowhere</script>")),
    "journal row with replication 'x'": _journal_rows(_cell(1, 1, "x")),
    "journal row with replication 10^30": _journal_rows(_cell(1, 1, str(10**30))),
    "journal row with an unknown site": _journal_rows(_cell(2, 2, "nowhere")),
    "journal row cut short": _journal_rows(lambda rows: [*rows[:1], rows[1][:2], *rows[2:]] if len(rows) > 1 else rows),
    "journal header changed": _journal_rows(_cell(0, 0, "Scenario")),
    "journal rows deleted": _journal_rows(lambda rows: rows[:1]),
    "checkpoint.npz truncated": _truncate("checkpoint.npz"),
    "curves.npz corrupt": _write("curves.npz", b"PK\x03\x04 not a zip at all"),
    "curves.npz truncated": _truncate("curves.npz"),
    "bottlenecks.npz corrupt": _write("bottlenecks.npz", b"\x93NUMPY garbage"),
    "garbage line in replications.partial.csv": _append("replications.partial.csv", GARBAGE),
    "replications.partial.csv deleted": _delete("replications.partial.csv"),
    "replications.csv truncated": _truncate("replications.csv"),
    "replications.csv deleted": _delete("replications.csv"),
    "replications.csv garbage line": _append("replications.csv", GARBAGE),
    "replications.csv renamed scenario": _replications_other_scenario,
    "figures replaced by a file": _figures_file,
    "config replaced by another run's": _swap_config,
    "config deleted": _delete("config"),
    "lock file with garbage": _stale_lock,
    "lock file of a live process": _live_lock,
}


# --------------------------------------------------------------------------------------
# What outputs may not carry

# A cell that starts with one of these is a formula to Excel and LibreOffice (OWASP,
# "CSV injection"); a number such as -3 is not, so cells that read as numbers pass.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text: str) -> bool:
    """Whether a CSV cell reads as a number (which no spreadsheet runs as a formula)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def formula_cells(folder: Path) -> list[str]:
    """Cells of the CSV files written under ``folder`` that a spreadsheet would run as formulas."""
    out = []
    written = [p for p in folder.rglob("*.csv") if "config" not in p.relative_to(folder).parts] if folder.is_dir() else []
    # config/ holds the user's own files as they were run (byte for byte, to rerun them):
    # only the files the tool writes count.
    for path in sorted(written):
        try:
            rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        except (OSError, UnicodeDecodeError, csv.Error) as err:
            out.append(f"{path.name} unreadable as UTF-8 CSV ({type(err).__name__})")
            continue
        cells = {cell for row in rows for cell in row if cell[:1] in FORMULA_START and not _is_number(cell)}
        out += [f"{path.relative_to(folder).as_posix()}: {short(cell, 50)}" for cell in sorted(cells)]
    return out


# --------------------------------------------------------------------------------------
# Command lines
#
# Every command line runs with the working folder WORK inside a workspace laid out as
#   inputs/  the tiny model, its CSV and experiments (never to be changed)
#   spots/   places an --out, RESULTS or --resume may point at: a file, a user's folder
#            with a manifest.json of its own, a user's folder of other files, two
#            complete results folders (done, other) and an interrupted one (stopped)
#   work/    the working folder, empty
# Paths in the pools are as a user in work/ would type them. Each pool is a pair: values
# that should work, and plausible values that should not. A command line takes at most
# two bad values, so that each one is tried mostly on its own (its message is then the
# one to check) and the good values get runs that go all the way.

WORK = "work"
RESULTS_SPOTS = ("spots/done", "spots/other", "spots/stopped")  # results folders rollout-sim wrote
Pool = tuple[tuple[str, ...], tuple[str, ...]]  # (good values, bad values)

BAD_EXPERIMENTS = (
    "../inputs/model.toml", f"../inputs/{TINY_CSV}", "../spots/a-file.txt", "../spots/decoy-files", "missing.toml",
    "", "../spots/done/manifest.json", "no-such-shipped-experiment", "../spots/done", "-", "../inputs/baseline.toml/",
    "../spots/done/config/model.toml",
)
EXPERIMENTS: dict[str, Pool] = {
    # run and trace: any experiment (the shipped ones only with -n: they run the full model)
    "run": (("../inputs/baseline.toml", "../inputs/delay-sensitivity.toml", "../inputs/hnt-capacity.toml",
             "../spots/done/config/experiment.toml"), BAD_EXPERIMENTS),
    "sweep": (("../inputs/delay-sensitivity.toml",), BAD_EXPERIMENTS + ("../inputs/baseline.toml",)),
    "sensitivity": (("../inputs/delay-sensitivity.toml",), BAD_EXPERIMENTS + ("../inputs/hnt-capacity.toml",)),
    "capacity": (("../inputs/hnt-capacity.toml",), BAD_EXPERIMENTS + ("../inputs/delay-sensitivity.toml",)),
}
SHIPPED_NAMES = ("baseline", "st-olavs-may-2022.toml")  # found by name from any folder
OUTS: Pool = (
    ("out", "new/deeper/out", "results", "out with spaces", "Ørland"),
    (".", "", "..", "../spots/a-file.txt", "../spots/a-file.txt/under", "../spots/decoy-manifest",
     "../spots/decoy-files", "../spots/done", "../spots/stopped", "../inputs", "out\nwith a newline", "-",
     "--force", "../spots/done/sub", "../spots/done/config", "n" * 300, "deep/" * 60 + "out"),
)
FOLDERS: Pool = (
    ("../spots/done", "../spots/other", "../spots/done/"),
    ("../spots/stopped", "../spots/decoy-manifest", "../spots/decoy-files", "../spots/a-file.txt", "missing", ".",
     "", "../spots/done/config", "../inputs"),
)
REPLICATIONS: Pool = (("1", "2", "3"), ("0", "-1", "abc", "1e9", "1000000000", str(10**30), "", "2.5", " 1", "100001"))
SEEDS: Pool = (("0", "1", str(2**63 - 1)), (str(2**63), str(10**30), "-1", "abc", "1.5", ""))
WORKERS: Pool = (("1", "2"), ("0", "-1", str(10**6), "1025", "abc"))
CHUNKS: Pool = (("1", "2"), ("0", str(10**9), "-5", "abc", "100001"))
PRECISIONS: Pool = (("0.5", "0.3"), ("nan", "0", "2", "-0.1", "inf", "-inf", "abc", "", "0.5000001"))
MAX_REPLICATIONS: Pool = (("1", "4"), ("0", "-1", str(10**30), "abc", "100001"))
SCHEDULERS: Pool = (("tcp://127.0.0.1:1",), ("", "not a url", "tcp://" + "x" * 300))
SETS: Pool = (
    ("venue.hnt-levanger.rooms=5", "staff_group.hnt-super-users.headcount=0", "model.name=<script>alert(1)</script>",
     'model.name="=HYPERLINK(\\"http://x\\",\\"y\\")"', "calendar.summer_weeks=[]", "readiness.share=1",
     "uncertainty.go_live_delay_days=30", "experiment.name=<b>x</b>", "experiment.name=../../escape",
     "site.hnt.name=@SUM(A1:A9)", "experiment.description=+1", "uncertainty.no_show_probability=0.5"),
    ("site.hnt.go_live=9999-12-31", "site.hnt.go_live=0001-01-01", "site.hnt.go_live=2019-01-01",
     "nonexistent.key=1", "=1", "noequals", "site..x=1", ".=1", "experiment.replications=1e19",
     "experiment.replications=1000000000", "experiment.seed=-1", "experiment.seed=100000000000000000000000",
     "staff_group.hnt-super-users.headcount=1e308", "uncertainty.no_show_probability=nan",
     "uncertainty.no_show_probability=inf", "venue.hnt-levanger.rooms=[1,2]", "venue.hnt-levanger.rooms=-1",
     "site.hnt={}", "model=1", "site=[]", "site.0.id=x", "calendar.country=XX", "calendar.country=<b>",
     "readiness.share=0", "instructor_pool.hnt-instructors.count=-1", "experiment.model=/dev/null",
     "experiment.model=../spots/a-file.txt", "uncertainty.go_live_delay_days=1e308",
     'uncertainty.training_environment_delay_days={dist="uniform", low=0, high=1e308}',
     "model.name=" + "x" * 10_000, "site.hnt.postponement=[{decided=2023-01-26, go_live=9999-12-31}]",
     "staff_csv.0.file=../../../etc/passwd", "staff_csv.0.file=/dev/zero", "experiment.name=" + "n" * 300,
     'staff_csv.0.file="a\\u0000b"', "experiment.name=.."),
)
VARY_KEY = "venue.hnt-levanger.rooms"
VARIES: Pool = (
    (f"{VARY_KEY}=5,7", "uncertainty.no_show_probability=5%,10%", "site.hnt.go_live=+1w,-2w",
     "uncertainty.go_live_delay_days=0w,2w", "instructor_pool.hnt-instructors.count=10,20"),
    (f"{VARY_KEY}=7,5,7", "uncertainty.go_live_delay_days=0w,9999w", f"{VARY_KEY}=", "=1,2", f"{VARY_KEY}=1,,2",
     f"{VARY_KEY}=a,b", f"{VARY_KEY}=nan,inf", "nowhere.key=1,2", "site.hnt.go_live=9999-12-31,0001-01-01",
     f"{VARY_KEY}=-1,1e19", "uncertainty.no_show_probability=5%,500%", "site.hnt.go_live=+1w,-1000w", VARY_KEY,
     f"{VARY_KEY}=1e308,2", f"{VARY_KEY}=" + ",".join(str(i) for i in range(10_001)), "model.name=<script>,=1+1"),
)
SCENARIOS: Pool = (("as-planned-2022",), ("as-happened-typo", "", "<script>", "base", "x" * 1000))
REPLICATION_INDEX: Pool = (("0", "1", "99999"), ("-1", "abc", "1e3", str(10**30), "100000"))
METHODS: Pool = (("oat", "morris", "sobol"), ("bogus", ""))
SITES: Pool = (("hnt", "levanger"), ("nowhere", "", "<script>"))
MAX_RISKS: Pool = (("0.05", "0.5", "1"), ("0", "-1", "2", "nan", "inf", "abc", ""))
CAPACITY_KEYS: Pool = ((VARY_KEY, "instructor_pool.hnt-instructors.count"),
                       ("nowhere.key", "", "model.name", "site.hnt.go_live", "readiness.share"))
CAPACITY_VALUES: Pool = (("1", "3", "5", "9", "2"),
                         ("-6w", "+8w", "0", "-1", "1e19", "abc", "2023-01-01", "9999-12-31", "nan", "0.001", "",
                          "-1000w", "inf"))
JSONS: Pool = (("cmp.json", "new/deeper/cmp.json", "../spots/a-file.txt"),
               ("../spots/decoy-files", "", "../spots/done/summary.json", "-", "../spots/done", "j" * 300 + ".json",
                "../spots/a-file.txt/under.json"))


@dataclass
class CommandLine:
    """A command line and what it may touch (paths relative to the workspace)."""

    args: list[str]
    expect: Expect
    is_run: bool = False

    def __str__(self) -> str:
        return Outcome(self.args, None).command


def workspace_path(arg: str) -> str:
    """Where a path typed in work/ leads, relative to the workspace root ('' for the root)."""
    full = os.path.normpath(os.path.join(WORK, arg or "."))
    return "" if full == "." else full.replace(os.sep, "/")


# Options that take a value (the rest are flags), to read a command line as click does.
VALUE_OPTIONS = frozenset({
    "-n", "--replications", "--seed", "--out", "--resume", "--set", "--executor", "--workers", "--scheduler",
    "--chunk-size", "--precision", "--max-replications", "--replication", "--scenario", "--vary", "--method",
    "--site", "--max-risk", "--low", "--high", "--step", "--scenario-a", "--scenario-b", "--json",
})


def parse(args: list[str]) -> tuple[dict[str, str], list[str]]:
    """The options of a command line (the last value of each, as click keeps it for a
    single-value option) and its positional arguments."""
    options: dict[str, str] = {}
    positional: list[str] = []
    i = 1
    while i < len(args):
        token = args[i]
        name, eq, value = token.partition("=")
        if token.startswith("--") and eq and name in VALUE_OPTIONS:
            options[name] = value
        elif token in VALUE_OPTIONS and i + 1 < len(args):
            options[token] = args[i + 1]
            i += 1
        elif token.startswith("-") and token != "-" and token != "":
            options[token] = ""
        else:
            positional.append(token)
        i += 1
    return options, positional


def command_line(args: list[str]) -> CommandLine:
    """``args`` with what the command may touch, read from its options: its --out (or the
    default results/ or trace/ in work/), its RESULTS, --resume or --json."""
    command = args[0]
    options, positional = parse(args)
    expect = Expect()

    def results_target(arg: str) -> str:
        rel = workspace_path(arg)
        expect.writes.append(rel)
        if rel in RESULTS_SPOTS:
            expect.owned.append(rel)  # a results folder rollout-sim wrote: it may rewrite it
        return rel

    if command == "run":
        if "--resume" in options:
            rel = results_target(options["--resume"])
            expect.run_folders += [rel] if rel in RESULTS_SPOTS else []
        if "--out" in options:
            rel = results_target(options["--out"])
            # Its state is checked when it is new, or a results folder; a user's folder, a
            # file or the working folder is checked by "changed files it does not own".
            fresh = not rel.startswith(("spots", "inputs")) and rel not in ("", WORK)
            if "--resume" not in options and (fresh or rel in RESULTS_SPOTS):
                expect.run_folders.append(rel)
        elif "--resume" not in options:
            expect.default_out = f"{WORK}/results"
        return CommandLine(args, expect, is_run=True)
    if command in ("sweep", "sensitivity", "capacity"):
        # A study's folder holds more than a run's (sweep.csv, values/...): where it
        # wrote is checked, not its state.
        if "--out" in options:
            results_target(options["--out"])
        else:
            expect.default_out = f"{WORK}/results"
    elif command == "trace":
        expect.writes.append(workspace_path(options.get("--out", "trace")))
    elif command in ("plot", "report") and positional:
        results_target(positional[0])
    elif command == "compare" and "--json" in options:
        rel = workspace_path(options["--json"])
        expect.writes.append(rel)
        expect.owned.append(rel)  # the user named that file: it may be overwritten
    return CommandLine(args, expect)


TINY_SET_OPTION = set_option(tiny_model()[0])
COMMANDS = ("validate", "run", "run-resume", "plot", "report", "trace", "sweep", "sensitivity", "compare", "capacity")


@st.composite
def command_lines(draw: st.DrawFn, commands: tuple[str, ...] = COMMANDS) -> CommandLine:
    """A command line of one of ``commands``, with values from the pools above."""
    command = draw(st.sampled_from(commands))
    bad_left = draw(st.sampled_from((0, 1, 1, 2)))  # how many bad values this line may take
    args: list[str] = []

    def pick(pool: Pool) -> str:
        nonlocal bad_left
        good, bad = pool
        if bad_left and draw(st.integers(0, 2)) == 0:
            bad_left -= 1
            return draw(st.sampled_from(bad))
        return draw(st.sampled_from(good))

    def maybe() -> bool:
        return draw(st.booleans())

    def options(table: dict[str, Pool], at_most: int = 3) -> None:
        for name in draw(st.lists(st.sampled_from(sorted(table)), max_size=at_most, unique=True)):
            args.extend([name, pick(table[name])])

    def sets_and_seed() -> None:
        nonlocal bad_left
        for _ in range(draw(st.integers(0, 2))):
            if bad_left and draw(st.integers(0, 2)) == 0:
                bad_left -= 1
                args.extend(["--set", draw(TINY_SET_OPTION)])  # any key of the model, a bad value
            else:
                args.extend(["--set", pick(SETS)])
        if maybe():
            args.extend(["--seed", pick(SEEDS)])

    def out_option() -> None:
        if draw(st.integers(0, 3)):
            args.extend(["--out", pick(OUTS)])
        if maybe():
            args.append("--force")

    def executor() -> None:
        # Always in this process: "serial" (a bad name now and then, never a pool or Dask).
        args.extend(["--executor", pick((("serial",), ("bogus", "")))])
        if maybe():
            args.extend(["--workers", pick(WORKERS)])
        args.append("-q")

    if command == "validate":
        files = draw(st.lists(st.sampled_from(EXPERIMENTS["run"][0] + ("../inputs/model.toml",)), min_size=1,
                              max_size=3))
        if bad_left:
            files.append(draw(st.sampled_from(BAD_EXPERIMENTS)))
        return command_line(["validate", *files])
    if command in ("run", "trace"):
        args = [command]
        experiment = draw(st.sampled_from((None,) + SHIPPED_NAMES)) if draw(st.integers(0, 4)) == 0 \
            else pick(EXPERIMENTS["run"])
        if experiment is not None:
            args.append(experiment)
        if command == "trace":
            options({"--replication": REPLICATION_INDEX, "--scenario": SCENARIOS}, at_most=2)
            sets_and_seed()
            if maybe():
                args.extend(["--out", pick(OUTS)])
            return command_line(args)
        # The shipped experiments run the full model 200 times: always with -n then.
        if experiment is None or "/" not in experiment or maybe():
            args.extend(["-n", pick(REPLICATIONS)])
        sets_and_seed()
        out_option()
        options({"--chunk-size": CHUNKS, "--precision": PRECISIONS, "--max-replications": MAX_REPLICATIONS,
                 "--scheduler": SCHEDULERS}, at_most=2)
        executor()
        return command_line([*args, "--no-plots"])
    if command == "run-resume":
        # the interrupted run, or any other folder
        args = ["run", "--resume", pick(((FOLDERS[1][0],), FOLDERS[0] + FOLDERS[1][1:]))]
        # -n may raise the target; the rest a resumed run refuses.
        if maybe():
            args.extend(["-n", pick(REPLICATIONS)])
        if bad_left:
            args.extend(draw(st.sampled_from((["--seed", "1"], ["--out", "out"], ["--set", SETS[0][0]],
                                              ["--precision", "0.5"], ["--max-replications", "4"], ["--force"]))))
            if maybe():
                args.insert(1, EXPERIMENTS["run"][0][0])  # an EXPERIMENT too
        executor()
        if maybe():
            args.extend(["--chunk-size", pick(CHUNKS)])
        return command_line([*args, "--no-plots"])
    if command in ("plot", "report"):
        return command_line([command, pick(FOLDERS)])
    if command == "compare":
        args = ["compare", pick(FOLDERS), pick(FOLDERS)]
        options({"--scenario-a": SCENARIOS, "--scenario-b": SCENARIOS, "--json": JSONS}, at_most=2)
        if maybe():
            args.append("--unpaired")
        return command_line(args)
    # the studies
    args = [command, pick(EXPERIMENTS[command])]
    if draw(st.integers(0, 3)):
        args.extend(["-n", pick(((REPLICATIONS[0][0],), REPLICATIONS[1]))])  # one replication a point: quick
    sets_and_seed()
    if draw(st.integers(0, 3)) == 0:
        args.extend(["--scenario", pick(SCENARIOS)])
    out_option()
    executor()
    if command == "sweep":
        for _ in range(draw(st.integers(0, 2))):
            args.extend(["--vary", pick(VARIES)])
    elif command == "sensitivity":
        if maybe():
            args.extend(["--method", pick(METHODS)])
        if maybe():
            args.append("--dry-run")
    else:
        options({"--site": SITES, "--max-risk": MAX_RISKS, "--vary": CAPACITY_KEYS, "--low": CAPACITY_VALUES,
                 "--high": CAPACITY_VALUES, "--step": CAPACITY_VALUES}, at_most=4)
        if draw(st.integers(0, 4)) == 0:
            args.append("--earliest-go-live")
    return command_line(args)
