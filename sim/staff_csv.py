"""Headcounts from a CSV exported from HR: one row per site, unit, role and count."""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from sim.reader import Problems

COLUMNS = ("site", "unit", "role", "count")
_DIGITS = re.compile(r"[0-9]+")


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
    ``max_count``) written with digits only: no sign, decimals or separators.
    """
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as err:
        problems.add(name, "", f"cannot read the headcount file: {err.strerror}")
        return []
    except UnicodeDecodeError:
        problems.add(name, "", "expected a UTF-8 text file (save the export as CSV UTF-8)")
        return []
    # Excel in a Norwegian locale writes ';' as the separator.
    dialect = "excel-semicolon" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else "excel"
    reader = csv.reader(text.splitlines(), delimiter=";" if dialect == "excel-semicolon" else ",")
    rows = list(reader)
    if not rows:
        problems.add(name, "", f"empty file; expected a header row {','.join(COLUMNS)}")
        return []
    header = [h.strip().lower() for h in rows[0]]
    if sorted(header) != sorted(COLUMNS):
        problems.add(name, "line 1", f"expected the columns {','.join(COLUMNS)}, got {','.join(header)}")
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
        # Digits only: int() would also take "1_000", "+5" or other scripts' digits.
        if not _DIGITS.fullmatch(values["count"]):
            problems.add(name, f"line {line}.count", "expected a whole number >= 0 written with digits only "
                         f"(no sign, decimals or separators), got {values['count']!r}")
            continue
        digits = values["count"].lstrip("0") or "0"
        if len(digits) > len(str(max_count)) or int(digits) > max_count:  # (int() refuses 4,300+ digits)
            got = values["count"] if len(digits) <= 20 else f"a number of {len(digits)} digits"
            problems.add(name, f"line {line}.count", f"expected a whole number <= {max_count:,}, got {got}")
            continue
        count = int(digits)
        out.append(HeadcountRow(values["site"], values["unit"], values["role"], count, line))
    return out
