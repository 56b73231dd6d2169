"""results.xlsx (issue 15): a results folder as a workbook that Excel in any language
opens as it is. Each test reads the file back with openpyxl and checks that the cells
hold the folder's numbers with their types: numbers, dates and percentages."""
from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest

from sim.errors import ConfigError
from sim.output import spreadsheet
from sim.output.spreadsheet import cell, write_workbook
from tests.cli.conftest import SERIAL, invoke
from tests.conftest import SMALL_EXPERIMENT, STUDY_EXPERIMENT


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("xlsx") / "run"
    r = invoke("run", SMALL_EXPERIMENT, "-n", 6, "--seed", 2, "--no-plots", "--out", out, *SERIAL)
    assert r.exit_code == 0, r.output
    return out


def _rows(ws) -> list[tuple]:
    return list(ws.iter_rows(values_only=True))


def test_a_run_becomes_about_risk_and_replications_with_the_folders_numbers(run: Path) -> None:
    book = openpyxl.load_workbook(write_workbook(run))
    assert book.sheetnames == ["About", "Risk", "replications"]
    summary = json.loads((run / "summary.json").read_text())
    header, *rows = _rows(book["Risk"])
    by_key = {(r[0], r[1]): dict(zip(header, r)) for r in rows}
    cells = [(name, site_id, s) for name, body in summary["scenarios"].items() for site_id, s in body["sites"].items()]
    assert len(by_key) == len(cells) > 0
    for name, site_id, s in cells:
        row = by_key[(name, site_id)]
        assert row["risk_not_ready"] == pytest.approx(s["risk_not_ready"])
        assert [row["risk_ci95_low"], row["risk_ci95_high"]] == pytest.approx(s["risk_ci95"])
        # A date cell holds a date, not the text of one (what Excel needs to sort and plot it).
        assert isinstance(row["go_live"], dt.datetime) and row["go_live"].date().isoformat() == s["go_live"]
    risk_cell = book["Risk"].cell(row=2, column=header.index("risk_not_ready") + 1)
    assert risk_cell.number_format == "0.0%"


def test_the_replications_sheet_is_the_csv_cell_for_cell_with_types(run: Path) -> None:
    book = openpyxl.load_workbook(write_workbook(run))
    with (run / "replications.csv").open(newline="") as fh:
        text = list(csv.reader(fh))
    sheet = _rows(book["replications"])
    assert len(sheet) == len(text) and list(sheet[0]) == text[0]
    for got, want in zip(sheet[1:], text[1:]):
        for g, w in zip(got, want):
            if w == "":
                assert g is None
            elif isinstance(g, dt.datetime):
                assert g.date().isoformat() == w
            elif isinstance(g, bool):
                assert g == (w == "true")
            elif isinstance(g, (int, float)):
                assert g == pytest.approx(float(w))
            else:
                assert g == w
    kinds = {type(v) for row in sheet[1:] for v in row}
    assert {int, float, bool, dt.datetime, str} <= kinds  # every type made it through, not all text


def test_a_sweep_folder_gets_its_table_as_a_sheet(tmp_path: Path) -> None:
    r = invoke("sweep", STUDY_EXPERIMENT, "--out", tmp_path / "s", "-n", 4, *SERIAL)
    assert r.exit_code == 0, r.output
    r = invoke("export", tmp_path / "s")
    assert r.exit_code == 0, r.output
    book = openpyxl.load_workbook(tmp_path / "s" / "results.xlsx")
    assert "sweep" in book.sheetnames
    about = dict(_rows(book["About"]))
    assert "design point" in about["Sheet sweep"]


def test_cells_are_typed_and_what_excel_cannot_hold_stays_text() -> None:
    assert cell("12") == 12 and cell("-0.25") == -0.25 and cell("1e-3") == 0.001
    assert cell("2023-02-11") == dt.date(2023, 2, 11)
    assert cell("2023-02-30") == "2023-02-30"  # not a date: kept as written
    assert cell("true") is True and cell("") is None
    assert cell("nan") == "nan" and cell("inf") == "inf"
    assert cell("hnt") == "hnt" and cell("0w") == "0w"


def test_a_folder_not_ours_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    (tmp_path / "notes.csv").write_text("a\n1\n")
    r = invoke("export", tmp_path)
    assert r.exit_code == 1
    assert f"error: {tmp_path}: is not a results folder of rollout-sim" in r.output
    assert not (tmp_path / "results.xlsx").exists()


def test_a_sheet_longer_than_excel_holds_is_refused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(spreadsheet, "MAX_SHEET_ROWS", 3)
    (tmp_path / "replications.csv").write_text("a\n1\n2\n3\n")
    with pytest.raises(ConfigError, match="more than 2 rows, more than an Excel sheet holds"):
        write_workbook(tmp_path)
    assert not list(tmp_path.glob("*.xlsx")) and not list(tmp_path.glob(".*.tmp"))


def test_a_folder_with_its_workbook_can_still_be_replaced_with_force(tmp_path: Path) -> None:
    # --force knows the workbook as a file rollout-sim writes into a results folder.
    out = tmp_path / "run"
    assert invoke("run", SMALL_EXPERIMENT, "-n", 2, "--no-plots", "--out", out, *SERIAL).exit_code == 0
    assert invoke("export", out).exit_code == 0
    r = invoke("run", SMALL_EXPERIMENT, "-n", 2, "--no-plots", "--out", out, "--force", *SERIAL)
    assert r.exit_code == 0, r.output
    assert not (out / "results.xlsx").exists()
