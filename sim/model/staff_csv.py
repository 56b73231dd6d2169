"""Headcounts from a CSV exported from HR: one row per site, unit, role and count.

The file is read as :func:`sim.model.input_files.read_text` reads any input (a regular file of at
most MAX_CSV_BYTES, UTF-8). Messages never quote the file beyond a short, repr'd excerpt
of the offending cell: a path pointing at the wrong file (a system file, say) must not
print that file's contents.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from sim.errors import excerpt
from sim.limits import MAX_CSV_BYTES, MAX_NAME_LENGTH
from sim.model.input_files import InputFileError, read_text, shown_path
from sim.model.reader import Problems, text_problem

COLUMNS = ("site", "unit", "role", "count")
_DIGITS = re.compile(r"[0-9]+")
_CELL = 20  # characters of a bad cell quoted back, at most


@dataclass(frozen=True)
class HeadcountRow:
    """One row of a headcount CSV."""

    site: str
    unit: str
    role: str
    count: int
    line: int


def read_headcounts(path: Path, problems: Problems, max_count: int = 1_000_000) -> list[HeadcountRow]:
    """Read a headcount CSV, recording a problem (file, line, column) for every bad row.

    The file needs the columns site, unit, role and count (any order, extra columns are
    an error so that a wrong export is noticed); count is a whole number >= 0 (at most
    ``max_count``) written with digits only: no sign, decimals or separators; site, unit
    and role are texts of at most MAX_NAME_LENGTH characters without control characters.
    """
    name = shown_path(path)
    try:
        text = read_text(path, MAX_CSV_BYTES, "a CSV file", utf8_hint=" (in Excel: Save As, CSV UTF-8)")
    except InputFileError as err:
        problems.add(name, "", err.message)
        return []
    first = text.split("\n", 1)[0]
    # Excel in a Norwegian locale writes ';' as the separator.
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        rows = list(csv.reader(text.splitlines(), delimiter=delimiter))
    except csv.Error as err:  # a cell beyond csv's field size limit, say
        problems.add(name, "", f"not a CSV file that can be read: {err}; expected a header row {','.join(COLUMNS)} "
                               "and one row per site, unit and role")
        return []
    if not rows:
        problems.add(name, "", f"empty file; expected a header row {','.join(COLUMNS)}")
        return []
    header = [h.strip().lower() for h in rows[0]]
    if sorted(header) != sorted(COLUMNS):
        problems.add(name, "line 1", _header_problem(header))
        return []
    index = {col: header.index(col) for col in COLUMNS}
    out = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.add(name, f"line {line}", f"expected {len(header)} columns, got {len(row)}")
            continue
        values = {col: row[i].strip() for col, i in index.items()}
        missing = [col for col in ("site", "unit", "role") if not values[col]]
        if missing:
            problems.add(name, f"line {line}", f"empty {', '.join(missing)}")
            continue
        wrong = [(col, w) for col in ("site", "unit", "role") if (w := text_problem(values[col], MAX_NAME_LENGTH))]
        if wrong:
            col, w = wrong[0]
            problems.add(name, f"line {line}.{col}", w)
            continue
        # Digits only: int() would also take "1_000", "+5" or other scripts' digits.
        if not _DIGITS.fullmatch(values["count"]):
            problems.add(name, f"line {line}.count", "expected a whole number >= 0 written with digits only "
                         f"(no sign, decimals or separators), got {excerpt(values['count'], _CELL)}")
            continue
        digits = values["count"].lstrip("0") or "0"
        if len(digits) > len(str(max_count)) or int(digits) > max_count:  # (int() refuses 4,300+ digits)
            got = values["count"] if len(digits) <= 20 else f"a number of {len(digits)} digits"
            problems.add(name, f"line {line}.count", f"expected a whole number <= {max_count:,}, got {got}")
            continue
        count = int(digits)
        out.append(HeadcountRow(values["site"], values["unit"], values["role"], count, line))
    return out


def _header_problem(header: list[str]) -> str:
    """What is wrong with the first line, naming the columns expected but never quoting
    what the file has there (it may not be a headcount file at all)."""
    missing = [c for c in COLUMNS if c not in header]
    others = len([h for h in header if h not in COLUMNS])
    repeated = [c for c in COLUMNS if header.count(c) > 1]
    found = []
    if missing:
        found.append(f"{', '.join(missing)} missing")
    if repeated:
        found.append(f"{', '.join(repeated)} more than once")
    if others:
        found.append(f"{others:,} other column{'s' if others > 1 else ''}")
    return (f"expected the columns {','.join(COLUMNS)} (in any order, and no others) in the first line; "
            f"{'; '.join(found)}")
