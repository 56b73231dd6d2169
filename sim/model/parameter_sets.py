"""Weighted parameter sets (a calibration's ``parameters.csv``) that a run draws each
replication's inputs from: ``[experiment] parameters = "..."`` or ``run --parameters``.

The file has a column per dotted key of the model, a ``weight`` column and optionally a
``wave`` column (which is ignored); a folder stands for its ``parameters.csv``. Every
value is read as ``--set`` reads one (numbers, dates, true/false), and every set must
give a valid model in every scenario: checked when the experiment loads, like the rest.
"""
from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import ConfigError, Problem
from sim.limits import MAX_CSV_BYTES, MAX_POINTS
from sim.model.input_files import InputFileError, read_text, shown_path
from sim.model.overrides import parse_value

# The files of a calibration's folder that a run reads (and keeps in its config/).
FILE = "parameters.csv"
CALIBRATION = "calibration.json"


@dataclass(frozen=True)
class ParameterSets:
    """Parameter sets with their weights (summing to 1)."""

    file: Path
    keys: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    weights: tuple[float, ...]
    text: str  # the file as read, which a results folder keeps
    calibration: str | None = None  # the calibration.json beside it, if any (kept with it)

    def describe(self) -> dict[str, Any]:
        """For summary.json: how many sets of which keys and, from the calibration that
        found them, each parameter's name, prior and posterior ranges and whether the
        observed figures constrained it (None where no calibration says)."""
        by_key: dict[str, Any] = {}
        try:
            by_key = {p["key"]: p for p in json.loads(self.calibration or "{}").get("parameters", [])}
        except (ValueError, TypeError, KeyError, AttributeError):
            by_key = {}
        fields = ("parameter", "prior_low", "prior_high", "posterior_low", "posterior_high", "constrained")
        # Not the file's name: a resumed run reads the copy in its config/, and must
        # describe the sets in the same bytes.
        return {"sets": len(self.rows),
                "parameters": [{"key": k, **{f: by_key.get(k, {}).get(f) for f in fields}} for k in self.keys]}


def parameter_file(path: Path) -> Path:
    """The CSV that ``path`` names: itself, or a calibration folder's parameters.csv."""
    return path / FILE if path.is_dir() else path


def read_parameter_sets(path: Path) -> ParameterSets:
    """The sets in the CSV at ``path`` (or in a calibration folder), or a
    :class:`ConfigError` naming the file, the column and the row."""
    file = parameter_file(path)
    where = str(file)
    try:
        text = read_text(file, MAX_CSV_BYTES, "a CSV file of parameter sets", utf8_hint=" (in Excel: CSV UTF-8)")
    except InputFileError as err:
        raise ConfigError([Problem(shown_path(file), "", f"{err.message}; expected a calibration's folder or "
                                                         "its parameters.csv")]) from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header or "weight" not in header:
        raise ConfigError([Problem(where, "", "expected a header with a column per dotted key and a weight column, "
                                              "as a calibration's parameters.csv has")])
    keys = [h for h in header if h not in ("weight", "wave")]
    problems = [Problem(where, h, "expected a dotted key of the model, like uncertainty.no_show_probability")
                for h in keys if "." not in h or h.strip() != h]
    problems += [Problem(where, h, "expected each column once") for h in dict.fromkeys(header) if header.count(h) > 1]
    if not keys:
        problems.append(Problem(where, "", "expected at least one column of a dotted key besides weight"))
    rows, weights = [], []
    for number, line in enumerate(reader, start=2):
        if not any(cell.strip() for cell in line):
            continue
        if len(line) != len(header):
            problems.append(Problem(where, f"line {number}", f"expected {len(header)} cells, got {len(line)}"))
            continue
        cells = dict(zip(header, line))
        weight = _weight(cells["weight"])
        if weight is None:
            problems.append(Problem(where, f"weight (line {number})", f"expected a number >= 0, got {cells['weight']!r}"))
            continue
        values = [parse_value(cells[k]) for k in keys]
        for k, v in zip(keys, values):
            if cells[k] == "" or isinstance(v, (str, list, dict)):
                problems.append(Problem(where, f"{k} (line {number})", f"expected a number or a date, got {cells[k]!r}"))
        rows.append(tuple(values))
        weights.append(weight)
    if not problems and not rows:
        problems.append(Problem(where, "", "expected at least one parameter set (a calibration that found nothing "
                                           "plausible has none to run with)"))
    if not problems and len(rows) > MAX_POINTS:
        problems.append(Problem(where, "", f"expected at most {MAX_POINTS:,} parameter sets, got {len(rows):,}"))
    total = sum(weights)
    if not problems and not total > 0:
        problems.append(Problem(where, "weight", "expected weights that are not all 0"))
    if problems:
        raise ConfigError(problems)
    beside = file.parent / CALIBRATION
    try:
        calibration = read_text(beside, MAX_CSV_BYTES, "a JSON file") if beside.is_file() else None
    except InputFileError:
        calibration = None  # the sets run all the same; only their description is poorer
    return ParameterSets(file, tuple(keys), tuple(rows), tuple(w / total for w in weights), text, calibration)


def _weight(cell: str) -> float | None:
    try:
        w = float(cell)
    except ValueError:
        return None
    return w if math.isfinite(w) and w >= 0 else None


def pick(sets: ParameterSets, seed: int, replication: int) -> int:
    """The set that ``replication`` of a run with ``seed`` runs with: drawn by weight from
    a stream of its own (the seed, the replication and a tag no other stream uses), so the
    same replication draws the same set on any executor, worker or resumed run."""
    rng = np.random.default_rng([seed, replication, _STREAM])
    return int(rng.choice(len(sets.weights), p=np.asarray(sets.weights)))


_STREAM = 0x9A7A  # tags the parameter-set stream apart from the engine's
