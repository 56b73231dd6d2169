"""The results folder is published whole or not at all."""
from __future__ import annotations

import datetime as dt
import stat

import pytest

from sim.results import COLUMNS, ResultsExistError, ResultsFolder, csv_text, replication_rows
from tests.test_summary import row


def test_publish_moves_the_staged_folder_into_place(tmp_path):
    folder = ResultsFolder(tmp_path / "run")
    folder.write("a.txt", "x")
    assert not (tmp_path / "run").exists()
    final = folder.publish()
    assert (final / "a.txt").read_text() == "x"
    assert stat.S_IMODE(final.stat().st_mode) & 0o055  # readable by others, unlike mkdtemp's 0700
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_discard_leaves_nothing(tmp_path):
    folder = ResultsFolder(tmp_path / "run")
    folder.write("a.txt", "x")
    folder.discard()
    assert list(tmp_path.iterdir()) == []


def test_existing_folder_needs_force(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "old.txt").write_text("old")
    with pytest.raises(ResultsExistError):
        ResultsFolder(tmp_path / "run")
    folder = ResultsFolder(tmp_path / "run", force=True)
    folder.write("new.txt", "new")
    folder.publish()
    assert [p.name for p in (tmp_path / "run").iterdir()] == ["new.txt"]


def test_csv_cells_are_iso_dates_and_empty_for_none():
    r = row(99, completion=None)
    text = csv_text(replication_rows("base", 3, [r]))
    header, line = text.splitlines()
    assert header.split(",") == list(COLUMNS)
    cells = dict(zip(COLUMNS, line.split(",")))
    assert cells["scenario"] == "base" and cells["replication"] == "3"
    assert cells["go_live"] == dt.date(2023, 5, 6).isoformat() and cells["completion_date"] == ""
    assert cells["ready"] == "false" and cells["share_trained"] == "0.99"
