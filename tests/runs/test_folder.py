"""The results folder: journal, checkpoint, resume, and final files in order."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sim.analysis.bottlenecks import WeeklyTotals
from sim.analysis.curves import ShareHistogram
from sim.runs.folder import (
    CHECKPOINT,
    COLUMNS,
    JOURNAL,
    ResultsExistError,
    RunFolder,
    csv_text,
    replication_rows,
)
from tests.analysis.test_summary import row
from tests.conftest import created
from tests.runs.test_force import write_manifest_like_a_run


def rows_for(scenario: str, rep: int, sites=("a", "b")) -> list[list[str]]:
    return [[scenario, str(rep), site, *["x"] * (len(COLUMNS) - 3)] for site in sites]


def test_create_refuses_an_existing_folder_unless_forced(tmp_path):
    old = created(tmp_path / "run")
    write_manifest_like_a_run(old.path)
    with pytest.raises(ResultsExistError, match="--resume"):
        RunFolder.create(tmp_path / "run")
    new = RunFolder.create(tmp_path / "run", force=True)
    # The old folder stays until the new run has started (commit), then is replaced.
    assert (tmp_path / "run" / "manifest.json").exists() and new.path != tmp_path / "run"
    new.commit()
    assert new.path == tmp_path / "run"
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == [JOURNAL]
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # nothing left beside it
    (tmp_path / "file").write_text("x")
    with pytest.raises(ResultsExistError, match="is a file"):
        RunFolder.create(tmp_path / "file", force=True)


def test_discard_leaves_the_old_folder_as_it_was(tmp_path):
    old = created(tmp_path / "run")
    write_manifest_like_a_run(old.path)
    RunFolder.create(tmp_path / "run", force=True).discard()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    assert (tmp_path / "run" / "manifest.json").exists()


def test_a_new_folder_takes_its_name_only_when_committed(tmp_path):
    folder = RunFolder.create(tmp_path / "deep" / "run")
    assert not (tmp_path / "deep" / "run").exists()  # a crash now leaves no manifest-less folder
    folder.commit()
    assert (tmp_path / "deep" / "run" / JOURNAL).is_file()


def test_finish_writes_rows_in_scenario_replication_site_order(tmp_path):
    folder = created(tmp_path / "run")
    folder.append(rows_for("alt", 1) + rows_for("base", 1))
    folder.append(rows_for("base", 0) + rows_for("alt", 0))
    order = {("base", 0): 0, ("base", 1): 1, ("alt", 0): 2, ("alt", 1): 3}
    folder.finish(order)
    assert (tmp_path / "run" / JOURNAL).exists()  # kept until everything else is written
    folder.clean_up()
    lines = (tmp_path / "run" / "replications.csv").read_text().splitlines()
    assert lines[0].split(",") == list(COLUMNS)
    assert [tuple(line.split(",")[:3]) for line in lines[1:]] == [
        ("base", "0", "a"), ("base", "0", "b"), ("base", "1", "a"), ("base", "1", "b"),
        ("alt", "0", "a"), ("alt", "0", "b"), ("alt", "1", "a"), ("alt", "1", "b")]
    assert not (tmp_path / "run" / JOURNAL).exists()


def test_restore_keeps_only_rows_covered_by_the_checkpoint(tmp_path):
    folder = created(tmp_path / "run")
    hist = ShareHistogram(["a"], dt.date(2023, 1, 2), 3)
    folder.append(rows_for("base", 0, sites=("a",)))
    hist.add(np.array([[0.0, 0.5, 1.0]]), dt.date(2023, 1, 2))
    weekly = WeeklyTotals(["a"], dt.date(2023, 1, 2), 1)
    weekly.add(np.ones((1, 7, 1), dtype=np.int64))
    folder.checkpoint(1, [hist], [weekly], 10)
    folder.append(rows_for("base", 1, sites=("a",)))  # after the checkpoint: to be redone
    fresh = ShareHistogram(["a"], dt.date(2023, 1, 2), 3)
    fresh_weekly = WeeklyTotals(["a"], dt.date(2023, 1, 2), 1)
    kept, round_target = RunFolder(tmp_path / "run").restore([fresh], [fresh_weekly])
    assert round_target == 10
    assert [r[:2] for r in kept] == [["base", "0"]]
    assert fresh.replications == 1 and np.array_equal(fresh.counts, hist.counts)
    assert fresh_weekly.replications == 1 and fresh_weekly.totals.sum() == 7
    assert len((tmp_path / "run" / JOURNAL).read_text().splitlines()) == 2  # header and the kept row
    assert (tmp_path / "run" / CHECKPOINT).exists()


def test_csv_cells_are_iso_dates_and_empty_for_none():
    r = row(99, completion=None)
    header, line = csv_text(replication_rows("base", 3, [r])).splitlines()
    assert header.split(",") == list(COLUMNS)
    cells = dict(zip(COLUMNS, line.split(",")))
    assert cells["scenario"] == "base" and cells["replication"] == "3"
    assert cells["go_live"] == dt.date(2023, 5, 6).isoformat() and cells["completion_date"] == ""
    assert cells["ready"] == "false" and cells["share_trained"] == "0.99"
    # The readiness criteria's columns follow "ready", booleans as true/false like it.
    after = list(COLUMNS[COLUMNS.index("ready") + 1:COLUMNS.index("ready") + 9])
    assert after == ["super_users_required", "super_users_trained", "super_users_ready", "lowest_unit_share",
                     "units_ready", "self_trained_at_go_live", "share_self_trained", "on_long_term_leave"]
    short = dict(zip(COLUMNS, csv_text(replication_rows("base", 3, [row(100, super_users=(10, 9), units_ready=False)]),
                                       header=False).strip().split(",")))
    assert (short["ready"], short["super_users_ready"], short["units_ready"]) == ("false", "false", "false")
    assert (cells["super_users_ready"], cells["units_ready"], cells["super_users_trained"]) == ("true", "true", "10")
