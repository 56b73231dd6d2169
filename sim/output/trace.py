"""One replication's class timetable, for a training lead to look at.

:func:`write_trace` runs a single replication of one scenario and writes every class
session it ran as ``sessions.csv`` and as ``sessions.ics``, an RFC 5545 calendar that
Outlook, Google Calendar and Apple Calendar import.

The simulation counts time in teaching slots, not clock hours; the timetable puts slot
``k`` of a day at ``DAY_START + k * slot_hours`` (08:00, 11:30 for 3.5-hour slots). A
session longer than a day continues on the following working days and ends on its last
day at ``DAY_START`` plus the slots it takes that day.

Both files depend only on the model, scenario, seed and replication (no clock time, no
random UIDs), so the same call gives the same bytes. The calendar is written by hand to
keep the runtime dependencies as they are; its times are local times in Europe/Oslo,
with a VTIMEZONE (CET/CEST) so that a calendar in another time zone shows them right.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.engine.fields import SESSION_FIELDS
from sim.engine.replication import run_replication
from sim.errors import ConfigError, Problem, did_you_mean, excerpt
from sim.model.experiment_file import model_for
from sim.model.spec import ExperimentSpec, ModelSpec
from sim.runs.folder import spreadsheet_safe

DAY_START = 8  # hour of the day at which the first teaching slot starts (local time)
TZID = "Europe/Oslo"
CSV_NAME, ICS_NAME = "sessions.csv", "sessions.ics"
CSV_COLUMNS = ("date", "start", "end", "site", "site_name", "venue", "venue_name", "course", "curriculum",
               "instructor", "booked", "attended", "covered")
PRODID = "-//rollout-sim//EHR training rollout timetable//EN"
# A fixed DTSTAMP: the file records what a replication produced, not when it was written.
DTSTAMP = "19700101T000000Z"

_F = {name: i for i, name in enumerate(SESSION_FIELDS)}
# Central European time as Norway keeps it (EU rules since 1996): enough for every date
# a rollout can have, and all that Outlook needs to place the floating times.
_VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    f"TZID:{TZID}",
    "BEGIN:STANDARD",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "END:STANDARD",
    "BEGIN:DAYLIGHT",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "END:DAYLIGHT",
    "END:VTIMEZONE",
)


@dataclass(frozen=True)
class Session:
    """One class session in calendar terms."""

    start: dt.datetime  # local time
    end: dt.datetime
    site: str
    site_name: str
    venue: str
    venue_name: str
    course: str
    curriculum: str
    instructor: str
    booked: int
    attended: int
    covered: bool

    def row(self) -> list[object]:
        """The session as a sessions.csv row."""
        return [self.start.date().isoformat(), f"{self.start:%H:%M}", f"{self.end:%H:%M}", self.site,
                self.site_name, self.venue, self.venue_name, self.course, self.curriculum, self.instructor,
                self.booked, self.attended, "yes" if self.covered else "no"]


def check_out(out_dir: Path, force: bool) -> None:
    """That the timetable may be written into ``out_dir``: files of an earlier trace are
    replaced only with ``force`` (a :class:`~sim.errors.ConfigError` naming ``--out`` else)."""
    there = [name for name in (CSV_NAME, ICS_NAME) if (out_dir / name).exists() or (out_dir / name).is_symlink()]
    if there and not force:
        raise ConfigError([Problem("--out", "", f"{out_dir} already has {' and '.join(there)}; choose another "
                                                "--out, or add --force to replace them")])


def write_trace(spec: ExperimentSpec, scenario: str | None, replication: int, seed: int | None,
                out_dir: Path) -> tuple[Path, Path]:
    """Run replication ``replication`` of ``scenario`` (default: the experiment's first)
    with ``seed`` (default: the experiment's) and write ``out_dir/sessions.csv`` and
    ``out_dir/sessions.ics``; return their paths.

    Raises ValueError for an unknown scenario name or a negative replication.
    """
    names = [s.name for s in spec.scenarios]
    if scenario is None:
        chosen = spec.scenarios[0]
    else:
        found = [s for s in spec.scenarios if s.name == scenario]
        if not found:
            raise ValueError(f"no scenario {excerpt(scenario)} in experiment {spec.name!r}; "
                             f"valid scenarios: {', '.join(names)}{did_you_mean(scenario, names)}")
        chosen = found[0]
    if isinstance(replication, bool) or not isinstance(replication, (int, np.integer)) or replication < 0:
        raise ValueError(f"replication must be a whole number 0 or more (0 to {spec.replications - 1} "
                         f"are the experiment's), not {replication!r}")
    seed = spec.seed if seed is None else seed
    model = model_for(spec, chosen, seed, int(replication))  # with parameter sets, the one it draws
    result = run_replication(model, seed, int(replication))
    sessions = timetable(model, result.epoch, result.sessions)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, ics_path = out_dir / CSV_NAME, out_dir / ICS_NAME
    csv_path.write_text(csv_text(sessions), encoding="utf-8", newline="")
    key = (spec.name, chosen.name, seed, int(replication))
    calname = f"{spec.name} – {chosen.name}, replication {int(replication)}"
    ics_path.write_bytes(ics_text(sessions, key, calname).encode("utf-8"))
    return csv_path, ics_path


def instructor_labels(model: ModelSpec) -> list[str]:
    """A label for each instructor number: numbered pool by pool in model order, as
    :class:`sim.engine.resources.InstructorRoster` numbers them ("<pool id> #<n>", n from 1)."""
    return [f"{p.id} #{n}" for p in model.pools for n in range(1, p.count + 1)]


def course_labels(model: ModelSpec) -> list[list[tuple[str, str]]]:
    """For each curriculum, (course label, curriculum id) by stage; the last stage is the
    refresher (its own course, or the last course again, labelled as a refresher)."""
    out = []
    for c in model.curricula:
        stages = [(course.id, c.id) for course in c.courses]
        refresher = c.refresher.id if c.refresher is not None else f"{c.courses[-1].id} (refresher)"
        out.append(stages + [(refresher, c.id)])
    return out


def _clock(epoch: dt.date, day: int, slots_into_day: float, slot_hours: float) -> dt.datetime:
    minutes = round(slots_into_day * slot_hours * 60)
    return dt.datetime.combine(epoch + dt.timedelta(days=day), dt.time(DAY_START)) + dt.timedelta(minutes=minutes)


def timetable(model: ModelSpec, epoch: dt.date, table: np.ndarray) -> list[Session]:
    """The rows of a session table (:data:`SESSION_FIELDS`) as sessions in calendar
    terms, sorted by start time, then site, then venue (then as the engine ran them)."""
    S, hours = model.slots_per_day, model.slot_hours
    instructors, courses = instructor_labels(model), course_labels(model)
    rows = np.asarray(table, dtype=np.float64).reshape(-1, len(SESSION_FIELDS))
    order = sorted(range(len(rows)), key=lambda i: (rows[i, _F["start_slot"]], rows[i, _F["site"]],
                                                    rows[i, _F["venue"]], i))
    out = []
    for i in order:
        r = rows[i]
        start_slot, end_slot = float(r[_F["start_slot"]]), float(r[_F["end_slot"]])
        first = int(start_slot // S)
        last = int((end_slot - 1e-9) // S)  # a session ending at the day's last slot ends that day
        site, venue = model.sites[int(r[_F["site"]])], model.venues[int(r[_F["venue"]])]
        course, curriculum = courses[int(r[_F["curriculum"]])][int(r[_F["stage"]])]
        out.append(Session(_clock(epoch, first, start_slot - first * S, hours),
                           _clock(epoch, last, end_slot - last * S, hours),
                           site.id, site.name, venue.id, venue.name, course, curriculum,
                           instructors[int(r[_F["instructor"]])], int(r[_F["booked"]]),
                           int(r[_F["attended"]]), bool(r[_F["covered"]])))
    return out


def csv_text(sessions: list[Session]) -> str:
    """sessions.csv: a header and one row per session; names from the model file are
    made spreadsheet-safe (a site named "=HYPERLINK(...)" stays text)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows([spreadsheet_safe(cell) for cell in s.row()] for s in sessions)
    return buf.getvalue()


def escape_text(value: str) -> str:
    """A TEXT property value escaped per RFC 5545 3.3.11 (backslash, semicolon, comma,
    newline)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """A content line folded per RFC 5545 3.1: at most 75 octets a line (not splitting a
    UTF-8 character), continuation lines starting with a space, CRLF after each."""
    parts: list[str] = []
    current: list[str] = []
    size, limit = 0, 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, 74  # the leading space counts
        current.append(ch)
        size += n
    parts.append("".join(current))
    return "\r\n ".join(parts) + "\r\n"


def _uid(key: tuple[object, ...], index: int) -> str:
    text = "\x1f".join(str(k) for k in (*key, index))
    return f"{hashlib.sha256(text.encode('utf-8')).hexdigest()[:32]}@rollout-sim"


def ics_text(sessions: list[Session], key: tuple[object, ...], calname: str = "") -> str:
    """sessions.ics: a VCALENDAR with one VEVENT per session.

    ``key`` (experiment, scenario, seed, replication) and the session's position make its
    UID, so the same trace always gives the same UIDs and different traces never share one
    (importing a second trace adds events rather than overwriting the first's).
    """
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
    if calname:
        lines.append(f"X-WR-CALNAME:{escape_text(calname)}")
    lines.append(f"X-WR-TIMEZONE:{TZID}")
    lines.extend(_VTIMEZONE)
    for index, s in enumerate(sessions):
        description = f"Instructor {s.instructor}; booked {s.booked}, attended {s.attended}"
        lines += [
            "BEGIN:VEVENT",
            f"UID:{_uid(key, index)}",
            f"DTSTAMP:{DTSTAMP}",
            f"DTSTART;TZID={TZID}:{s.start:%Y%m%dT%H%M%S}",
            f"DTEND;TZID={TZID}:{s.end:%Y%m%dT%H%M%S}",
            f"SUMMARY:{escape_text(f'{s.course} – {s.site_name}')}",
            f"LOCATION:{escape_text(s.venue_name)}",
            f"DESCRIPTION:{escape_text(description)}",
            "TRANSP:OPAQUE",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) for line in lines)
