"""One replication's timetable: sessions.csv and an .ics calendar that parsers accept."""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from icalendar import Calendar

from sim.engine.rollout import SESSION_FIELDS
from sim.model.experiment_file import load_experiment
from sim.output.trace import CSV_COLUMNS, escape_text, fold, timetable, write_trace
from tests.cli.conftest import rows as read_csv
from tests.conftest import SMALL_EXPERIMENT


def events(path: Path) -> list:
    cal = Calendar.from_ical(path.read_bytes())
    return [c for c in cal.walk() if c.name == "VEVENT"]


def local(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=None)


@pytest.fixture(scope="module")
def small_trace(tmp_path_factory) -> tuple[Path, Path]:
    spec = load_experiment(SMALL_EXPERIMENT)
    return write_trace(spec, None, 0, None, tmp_path_factory.mktemp("trace"))


def test_sessions_csv_is_the_timetable(small_trace):
    csv_path, _ = small_trace
    assert csv_path.name == "sessions.csv"
    with csv_path.open(encoding="utf-8", newline="") as fh:
        assert tuple(next(csv.reader(fh))) == CSV_COLUMNS
    rows = read_csv(csv_path)
    assert len(rows) == 10
    first, second = rows[0], rows[1]
    assert (first["date"], first["start"], first["end"]) == ("2023-03-13", "08:00", "11:30")
    assert (second["date"], second["start"], second["end"]) == ("2023-03-13", "11:30", "15:00")
    for row in rows:
        assert row["course"] == "course"
        assert row["curriculum"] == "basic"
        assert (row["site"], row["site_name"]) == ("a", "Site A")
        assert row["venue"] == "a-venue"
        assert row["instructor"] == "a-instructors #1"
        assert row["booked"] == "10"
        assert row["attended"] == "10"
        assert row["covered"] == "no"
    assert sorted({r["date"] for r in rows}) == [f"2023-03-{d}" for d in range(13, 18)]
    starts = [(r["date"], r["start"]) for r in rows]
    assert starts == sorted(starts)


def test_calendar_parses_and_matches_the_csv(small_trace):
    csv_path, ics_path = small_trace
    rows, found = read_csv(csv_path), events(ics_path)
    assert len(found) == 10
    for row, event in zip(rows, found):
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert local(start) == dt.datetime.fromisoformat(f"{row['date']}T{row['start']}")
        assert local(end) == dt.datetime.fromisoformat(f"{row['date']}T{row['end']}")
        assert str(event["SUMMARY"]) == f"{row['course']} – {row['site_name']}"
        assert str(event["LOCATION"]) == row["venue_name"]
        assert str(event["DESCRIPTION"]) == f"Instructor {row['instructor']}; booked {row['booked']}, attended {row['attended']}"
    assert len({str(e["UID"]) for e in found}) == 10


def test_calendar_is_rfc_5545_shaped(small_trace):
    _, ics_path = small_trace
    data = ics_path.read_bytes()
    lines = data.split(b"\r\n")
    assert lines[-1] == b""  # every line ends with CRLF
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in lines)
    assert lines[0] == b"BEGIN:VCALENDAR" and lines[-2] == b"END:VCALENDAR"
    assert b"VERSION:2.0" in lines and any(line.startswith(b"PRODID:") for line in lines)
    assert b"BEGIN:VTIMEZONE" in lines and b"TZID:Europe/Oslo" in lines
    # Times are in Oslo local time: 08:00 there is 07:00 UTC in March (CET).
    first = events(ics_path)[0].decoded("DTSTART")
    assert first.astimezone(dt.UTC) == dt.datetime(2023, 3, 13, 7, tzinfo=dt.UTC)


def test_same_call_same_bytes(small_trace, tmp_path):
    spec = load_experiment(SMALL_EXPERIMENT)
    csv_path, ics_path = write_trace(spec, None, 0, None, tmp_path)
    assert csv_path.read_bytes() == small_trace[0].read_bytes()
    assert ics_path.read_bytes() == small_trace[1].read_bytes()


def test_named_scenario_and_seed(tmp_path):
    spec = load_experiment(SMALL_EXPERIMENT)
    csv_path, ics_path = write_trace(spec, "two-rooms", 1, 123, tmp_path / "out" / "nested")
    rows = read_csv(csv_path)
    assert len(rows) == len(events(ics_path)) > 0
    # Two rooms and one instructor: still one class at a time, on the same dates.
    assert [(r["date"], r["start"], r["end"]) for r in rows][:2] == [("2023-03-13", "08:00", "11:30"),
                                                                     ("2023-03-13", "11:30", "15:00")]


def test_refuses_unknown_scenario_and_negative_replication(tmp_path):
    spec = load_experiment(SMALL_EXPERIMENT)
    with pytest.raises(ValueError, match=r"no scenario 'nope'.*base, two-rooms"):
        write_trace(spec, "nope", 0, None, tmp_path)
    with pytest.raises(ValueError, match=r"replication must be .*0 or more"):
        write_trace(spec, None, -1, None, tmp_path)
    assert not (tmp_path / "sessions.csv").exists()


def test_site_name_with_o_slash_and_comma_survives(tmp_path):
    name = "Sykehuset Ø, Levanger"
    spec = load_experiment(SMALL_EXPERIMENT, [("site.a.name", name),
                                              ("venue.a-venue.name", "Rom 1; 2. etg\\bak")])
    csv_path, ics_path = write_trace(spec, None, 0, None, tmp_path)
    rows = read_csv(csv_path)
    assert rows[0]["site_name"] == name
    text = ics_path.read_bytes().decode("utf-8")
    assert "Sykehuset Ø\\, Levanger" in text.replace("\r\n ", "")
    found = events(ics_path)
    assert str(found[0]["SUMMARY"]) == f"course – {name}"
    assert str(found[0]["LOCATION"]) == "Rom 1; 2. etg\\bak"


def test_escape_and_fold():
    assert escape_text("a,b;c\\d\ne\r\nf") == "a\\,b\\;c\\\\d\\ne\\nf"
    line = "DESCRIPTION:" + "Ø" * 100
    folded = fold(line).encode("utf-8")
    parts = folded.split(b"\r\n")
    assert parts[-1] == b""
    assert all(len(p) <= 75 for p in parts)
    assert all(p.startswith(b" ") for p in parts[1:-1])
    assert b"".join(p[1:] if i else p for i, p in enumerate(parts[:-1])).decode("utf-8") == line
    assert fold("SHORT:x") == "SHORT:x\r\n"


def test_multi_day_session_ends_on_its_last_day():
    spec = load_experiment(SMALL_EXPERIMENT)
    model = spec.scenarios[0].model
    epoch = dt.date(2023, 3, 13)  # a Monday
    row = dict.fromkeys(SESSION_FIELDS, 0.0)
    # Three slots from Monday's first: Monday 08:00 to Tuesday 11:30.
    three = {**row, "start_slot": 0.0, "end_slot": 3.0, "booked": 4, "attended": 3, "covered": 1}
    # Four slots starting Friday, continuing on Monday (the engine skips the weekend).
    four = {**row, "start_slot": 8.0, "end_slot": 16.0}
    # A refresher (stage == number of courses) with no refresher course of its own.
    refresher = {**row, "stage": 1.0, "start_slot": 1.0, "end_slot": 2.0}
    table = np.array([[r[f] for f in SESSION_FIELDS] for r in (four, three, refresher)])
    sessions = timetable(model, epoch, table)
    assert [(s.start, s.end) for s in sessions] == [
        (dt.datetime(2023, 3, 13, 8), dt.datetime(2023, 3, 14, 11, 30)),
        (dt.datetime(2023, 3, 13, 11, 30), dt.datetime(2023, 3, 13, 15)),
        (dt.datetime(2023, 3, 17, 8), dt.datetime(2023, 3, 20, 15)),
    ]
    assert sessions[0].row()[-3:] == [4, 3, "yes"]
    assert sessions[1].course == "course (refresher)"
