"""A results folder as one Excel workbook, ``results.xlsx``, for a spreadsheet user.

Why a workbook and not CSVs "for Excel": a CSV has no types, and a Norwegian Excel reads
one with ";" between fields and "," as the decimal sign, so the "0.45" and "2023-02-11"
of rollout-sim's CSVs (which pandas, R and every other tool read as they are) would need
the import dialogue, file by file. A workbook holds numbers as numbers, dates as dates
and shares as percentages, and each reader's Excel shows them in its own locale.

The workbook is made from the folder's own files, so it says nothing the folder does
not: a first sheet "About" says what each sheet is; "Risk" (a run's or a study's
folder) is summary.json as one row per scenario and site; then every CSV of the folder,
one sheet each, its cells typed. It is written whole or not at all.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import ConfigError, Problem
from sim.limits import MAX_SHEET_ROWS
from sim.runs.force import WORKBOOK

# What each CSV a rollout-sim folder may hold is, for the About sheet.
SHEETS = {
    "replications.csv": "one row per replication, scenario and site: the outcome of each",
    "sweep.csv": "one row per design point and site: the risk at each value tried",
    "tornado.csv": "one row per parameter and site: the risk at its low and high value",
    "indices.csv": "one row per parameter and site: Morris or Sobol' indices with their intervals",
    "search.csv": "one row per value the capacity search tried: its risk and interval",
    "parameters.csv": "one row per parameter set the calibration kept, with its weight",
    "fit.csv": "one row per observed figure: observed, the model before and after",
    "waves.csv": "one row per wave of the calibration",
}
# Columns shown as percentages: shares, risks and probabilities (0-1 in the files).
_PERCENT = re.compile(r"(^|_)(risk|share|probability|utilisation|weight)(_|$)|^ci(95)?_(low|high)$")
_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?|[+-]?(inf|nan)")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass
class Sheet:
    """One sheet: its name, a header and typed rows, and which columns are percentages."""

    name: str
    header: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    percent: set[int] = field(default_factory=set)


def cell(text: str) -> Any:
    """A CSV field as the value Excel should hold: a whole number, a number, a date,
    true/false, nothing for an empty field, else the text itself."""
    if text == "":
        return None
    if _INT.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text):
        value = float(text)
        return value if value == value and abs(value) != float("inf") else text  # Excel has no NaN/inf
    if _DATE.fullmatch(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return text
    if text in ("true", "false"):
        return text == "true"
    return text


def csv_sheet(path: Path) -> Sheet:
    """A CSV file as a sheet named after it, every field typed by :func:`cell`."""
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        sheet = Sheet(path.stem[:31], header, percent={i for i, h in enumerate(header) if _PERCENT.search(h)})
        for row in reader:
            if len(sheet.rows) + 2 > MAX_SHEET_ROWS:
                raise ConfigError([Problem(str(path), "", f"has more than {MAX_SHEET_ROWS - 1:,} rows, more than an Excel "
                                                          "sheet holds; read it with pandas or R instead")])
            sheet.rows.append([cell(f) for f in row])
    return sheet


def risk_sheet(summary: dict[str, Any]) -> Sheet:
    """summary.json as one row per scenario and site: the verdict's numbers, typed."""
    header = ["scenario", "site", "site_name", "go_live", "active_staff", "risk_not_ready", "risk_ci95_low",
              "risk_ci95_high", "risk_self_training", "expected_untrained", "completion_p50", "completion_p80",
              "completion_p90", "date_95_p50", "date_95_p90", "replications"]
    sheet = Sheet("Risk", header, percent={5, 6, 7, 8})
    for scenario, body in summary.get("scenarios", {}).items():
        for site_id, s in body.get("sites", {}).items():
            low, high = (s.get("risk_ci95") or [None, None])[:2]
            done, d95 = s.get("completion_date") or {}, s.get("date_95") or {}
            sheet.rows.append([
                scenario, site_id, s.get("name"), _date(s.get("go_live")), s.get("active_staff"),
                s.get("risk_not_ready"), low, high, (s.get("risk_self_training") or {}).get("risk"),
                s.get("expected_untrained"), _date(done.get("p50")), _date(done.get("p80")), _date(done.get("p90")),
                _date(d95.get("p50")), _date(d95.get("p90")), s.get("replications")])
    return sheet


def _date(text: Any) -> dt.date | None:
    return dt.date.fromisoformat(text) if isinstance(text, str) and _DATE.fullmatch(text) else None


def folder_sheets(folder: Path) -> list[Sheet]:
    """Every sheet of ``folder``'s workbook after "About": "Risk" when the folder has a
    summary.json, then its CSVs (replications first, then by name)."""
    sheets = []
    summary = folder / "summary.json"
    if summary.is_file():
        sheets.append(risk_sheet(json.loads(summary.read_text(encoding="utf-8"))))
    csvs = sorted(folder.glob("*.csv"), key=lambda p: (p.name != "replications.csv", p.name))
    sheets.extend(csv_sheet(p) for p in csvs if not p.name.endswith(".partial.csv"))
    return sheets


def about_sheet(folder: Path, sheets: list[Sheet]) -> Sheet:
    """What the workbook is and what each sheet holds."""
    about = Sheet("About", ["item", "what it is"])
    about.rows = [["What", f"The results in {folder.name}, written by rollout-sim from the folder's files"],
                  ["Made", dt.datetime.now().strftime("%Y-%m-%d %H:%M")],
                  ["Shares", "Risks, shares and probabilities are shown as percentages; the cell holds the fraction"],
                  ["Dates", "Dates are Excel dates; an empty cell is a date not reached (or a value not given)"]]
    for s in sheets:
        what = "one row per scenario and site: risk of not being ready, its 95% CI, dates" if s.name == "Risk" \
            else SHEETS.get(f"{s.name}.csv", f"the folder's {s.name}.csv")
        about.rows.append([f"Sheet {s.name}", what])
    return about


def write_workbook(folder: Path) -> Path:
    """Write ``folder/results.xlsx`` from the folder's files, atomically, and return it.
    A folder with nothing to put in a sheet, or a sheet too long for Excel, is a
    :class:`~sim.errors.ConfigError` before anything is written."""
    from openpyxl import Workbook  # imported here: only this command needs it

    sheets = folder_sheets(folder)
    if not sheets:
        raise ConfigError([Problem(str(folder), "", "has no summary.json and no CSV file: nothing to put in a "
                                                    "workbook; expected a results folder rollout-sim wrote")])
    book = Workbook(write_only=True)  # streams rows: a large replications sheet stays small in memory
    for sheet in [about_sheet(folder, sheets), *sheets]:
        ws = book.create_sheet(sheet.name)
        ws.freeze_panes = "A2"
        for i, head in enumerate(sheet.header):
            width = max([len(head), *(len(str(r[i])) for r in sheet.rows[:200] if i < len(r))], default=8)
            ws.column_dimensions[_column(i)].width = min(max(width + 2, 8), 90)
        ws.append(sheet.header)
        for row in sheet.rows:
            ws.append(list(_formatted(ws, row, sheet.percent)))
    path = folder / WORKBOOK
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        book.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _formatted(ws: Any, row: list[Any], percent: set[int]) -> Iterator[Any]:
    from openpyxl.cell import WriteOnlyCell

    for i, value in enumerate(row):
        if isinstance(value, dt.date):  # a date is a day count in Excel: midnight of that day
            c = WriteOnlyCell(ws, value=dt.datetime.combine(value, dt.time()))
            c.number_format = "yyyy-mm-dd"
            yield c
        elif i in percent and isinstance(value, float):
            c = WriteOnlyCell(ws, value=value)
            c.number_format = "0.0%"
            yield c
        else:
            yield value


def _column(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i + 1)
