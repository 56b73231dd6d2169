"""The results folder of a run, written so that no reader ever sees half a file.

While replications run, each finished one is appended to ``replications.partial.csv``
(the journal) and, every few seconds, a checkpoint records how many journal rows are
safely stored together with the S-curve histograms. An interrupted run can therefore be
resumed: rows past the last checkpoint are dropped and rerun (they come out the same).
At the end the journal is rewritten in order as ``replications.csv`` and the summary,
curves and manifest are written, each through a temporary file and a rename.

Files hold no timestamps except manifest.json, so the same seed gives the same bytes.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from sim.analysis.bottlenecks import WeeklyTotals
from sim.analysis.curves import ShareHistogram
from sim.engine.outcomes import SiteOutcome
from sim.limits import FORMULA_START
from sim.runs import locks
from sim.runs.force import STAGING, NotOursError, check_replaceable

COLUMNS = ("scenario", "replication", *SiteOutcome.columns())
JOURNAL = "replications.partial.csv"
CHECKPOINT = "checkpoint.npz"
LOCK = ".running"


class ResultsExistError(FileExistsError):
    """The results folder exists and neither --force nor --resume was given."""


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def replication_rows(scenario: str, replication: int, outcomes: Iterable[SiteOutcome]) -> list[list[str]]:
    """CSV rows (as text cells) for one replication of one scenario."""
    return [[scenario, str(replication), *(_cell(getattr(o, c)) for c in SiteOutcome.columns())] for o in outcomes]


def csv_text(rows: Iterable[list[str]], header: bool = True) -> str:
    """CSV text with Excel-friendly quoting, with or without the header row."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    if header:
        writer.writerow(COLUMNS)
    writer.writerows(rows)
    return buf.getvalue()


def spreadsheet_safe(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula (=, +, -, @, or a tab or
    carriage return first) gets a leading apostrophe, which shows it as the text it is.
    Numbers are left alone: -0.05 is a number, not a formula."""
    if isinstance(value, str) and value[:1] in (*FORMULA_START, "\t", "\r"):
        return "'" + value
    return value


def dict_csv_text(rows: list[dict[str, Any]]) -> str:
    """CSV text of rows that share their keys (the header); None is an empty cell. Text
    from input files (a parameter's name, a point's label) is made spreadsheet-safe."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    if rows:
        writer.writerow(list(rows[0]))
        writer.writerows([["" if v is None else spreadsheet_safe(v) for v in r.values()] for r in rows])
    return buf.getvalue()


def json_text(data: Any) -> str:
    """Indented JSON with keys in the order they were built (which reads naturally)."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def save_npz(path: Path, arrays: dict[str, np.ndarray], level: int | None = None) -> None:
    """Write arrays as a compressed .npz, atomically, with the same bytes for the same
    arrays (numpy's savez stamps the time into the zip; this does not). ``level``: zlib's
    compression level (None: its default, 6)."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
            for name, array in arrays.items():
                # Opened by name, each member takes the file's compression and level, and
                # ZipInfo's default date, 1 Jan 1980 (the earliest a zip holds), not the time.
                with zf.open(f"{name}.npy", "w", force_zip64=True) as fh:
                    np.lib.format.write_array(fh, np.asanyarray(array), allow_pickle=False)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: Path, text: str) -> None:
    """Write a text file so that a reader sees the old file or the new, never a part."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk must not leave a part-file behind
        raise


class RunFolder:
    """A run's results folder: its journal, checkpoints and final files."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.target: Path | None = None  # the name a new folder takes in commit()

    @classmethod
    def create(cls, path: Path, force: bool = False) -> RunFolder:
        """A new, empty folder for ``path``, built beside it under a hidden name.

        It takes the name ``path`` only in :meth:`commit`, once the run has started
        safely (inputs and manifest written), so a folder at ``path`` always has its
        manifest, and with ``force`` the old folder is deleted only then, and only when
        it is one rollout-sim wrote (:mod:`sim.runs.force`). Until then :meth:`discard`
        removes the new folder and leaves ``path`` as it was.
        """
        if path.is_symlink() or (path.exists() and not path.is_dir()):
            what = "a symbolic link" if path.is_symlink() else "a file"
            raise ResultsExistError(f"{path} is {what}, not a results folder; choose another --out")
        if path.exists():
            if not force:
                raise ResultsExistError(f"{path} exists; choose another --out, add --force to replace it, "
                                        f"or --resume {path} to continue it")
            try:
                check_replaceable(path)
            except NotOursError as err:
                raise ResultsExistError(str(err)) from None
            holder = cls(path).holder()
            if holder:
                raise ResultsExistError(f"{path} is in use by a run still going ({holder})")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=STAGING, dir=path.parent))
        except OSError as err:
            raise ResultsExistError(f"cannot create {path}: {err.strerror or err}") from None
        folder = cls(staging)
        folder.target = path
        folder.write("", JOURNAL, csv_text([]))
        return folder

    def commit(self) -> None:
        """Give a new folder its name (replacing the old folder under ``--force``)."""
        target = self.target
        if target is None:
            return
        old = None
        if target.exists():
            check_replaceable(target)  # again: it may have changed while this run started
            old = Path(tempfile.mkdtemp(prefix=STAGING, dir=target.parent))
            os.replace(target, old / "old")
        try:
            os.replace(self.path, target)
        except OSError:
            if old is not None:
                os.replace(old / "old", target)  # put the old folder back
            raise
        self.path, self.target = target, None
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def discard(self) -> None:
        """Remove a new folder that never took its name (the run did not start)."""
        if self.target is not None:
            shutil.rmtree(self.path, ignore_errors=True)

    def write(self, subfolder: str, name: str, text: str) -> None:
        """Write a file atomically (into ``subfolder`` when given)."""
        target = self.path / subfolder if subfolder else self.path
        target.mkdir(parents=True, exist_ok=True)
        write_atomic(target / name, text)

    def copy(self, source: Path, name: str) -> None:
        """Copy an input file into the folder."""
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)

    # -- while running ----------------------------------------------------------------------
    def lock(self) -> None:
        """Claim the folder for this process; refuse if another live process has it."""
        path = self.path / LOCK
        for _ in range(2):
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                holder = self.holder()
                if not holder:
                    path.unlink(missing_ok=True)  # left by a process that is gone
                    continue
                raise ResultsExistError(f"{self.path} is in use by a run still going ({holder})") from None
            with os.fdopen(fd, "w") as fh:
                fh.write(json.dumps(locks.this_process()))
            return
        raise ResultsExistError(f"{self.path}: could not claim the folder")

    def holder(self) -> str:
        """Who holds the folder's lock: a description of a live process, or "" if nobody."""
        try:
            text = (self.path / LOCK).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return locks.live_holder(text)

    def unlock(self) -> None:
        """Release the folder."""
        (self.path / LOCK).unlink(missing_ok=True)

    def append(self, rows: list[list[str]]) -> None:
        """Append finished replications' rows to the journal.

        Not flushed to disk here: only rows a checkpoint counts must survive a crash of
        the machine (a resumed run drops and reruns the others), and :meth:`checkpoint`
        flushes the journal before it records them. One fsync per checkpoint, not one per
        chunk, which with small chunks would hold the runner up for tens of milliseconds
        each."""
        with (self.path / JOURNAL).open("a", encoding="utf-8", newline="") as fh:
            fh.write(csv_text(rows, header=False))

    def checkpoint(self, rows: int, curves: list[ShareHistogram], weekly: list[WeeklyTotals], target: int) -> None:
        """Record that the first ``rows`` journal rows, these curves and these weekly
        totals belong together, and which round (replications per scenario) was under way.
        The journal is flushed to disk first, so the rows a checkpoint counts are there."""
        with (self.path / JOURNAL).open("ab") as fh:  # writable: Windows flushes no read-only handle
            os.fsync(fh.fileno())
        arrays: dict[str, np.ndarray] = {f"counts_{i}": h.counts for i, h in enumerate(curves)}
        arrays["target"] = np.array(target)
        arrays.update({f"weekly_{i}": w.totals for i, w in enumerate(weekly)})
        arrays["replications"] = np.array([h.replications for h in curves])
        arrays["rows"] = np.array(rows)
        # Written every few seconds and deleted at the end: the fastest compression, which
        # takes the mostly empty histograms in under half the time of the default.
        save_npz(self.path / CHECKPOINT, arrays, level=1)

    def restore(self, curves: list[ShareHistogram], weekly: list[WeeklyTotals]) -> tuple[list[list[str]], int]:
        """For --resume: load the curves and weekly totals of the last checkpoint, cut the
        journal back to the rows it covers, and return those rows and the round that was
        under way (0 when nothing was checkpointed). Raises ValueError, naming the file,
        for a checkpoint or journal that is damaged; whether its rows belong to the run is
        the runner's to check (:meth:`sim.runs.runner.Runner.restore`)."""
        keep = target = 0
        if (self.path / CHECKPOINT).exists():
            keep, target = self._load_checkpoint(curves, weekly)
        rows = self._journal_rows(keep)
        self.write("", JOURNAL, csv_text(rows))
        return rows, target

    def _load_checkpoint(self, curves: list[ShareHistogram], weekly: list[WeeklyTotals]) -> tuple[int, int]:
        path = self.path / CHECKPOINT
        try:
            # Opened here, not by np.load, which leaves the file open when it is no zip.
            with path.open("rb") as fh, np.load(fh) as data:
                keep = int(data["rows"])
                target = int(data["target"]) if "target" in data.files else 0
                done = data["replications"]
                for i, h in enumerate(curves):
                    counts = data[f"counts_{i}"]
                    if counts.shape != h.counts.shape:
                        raise ValueError(f"counts_{i} has shape {counts.shape}, expected {h.counts.shape}")
                    h.counts = counts.astype(np.int32)
                    h.replications = int(done[i])
                for i, w in enumerate(weekly):
                    totals = data[f"weekly_{i}"]
                    if totals.shape != w.totals.shape:
                        raise ValueError(f"weekly_{i} has shape {totals.shape}, expected {w.totals.shape}")
                    w.totals = totals.astype(np.int64)
                    w.replications = int(done[i])
        except (OSError, ValueError, KeyError, IndexError, TypeError, zipfile.BadZipFile, EOFError) as err:
            raise ValueError(f"{path} is damaged ({type(err).__name__}: {err}); delete it to resume from the "
                             "start of the journal, or start a new run") from None
        if keep < 0 or target < 0:
            raise ValueError(f"{path} is damaged (negative counts); delete it, or start a new run")
        return keep, target

    def _journal_rows(self, keep: int) -> list[list[str]]:
        """The first ``keep`` rows of the journal, each checked to be a row (its cells, a
        whole replication number): a damaged row within them cannot be rerun (the
        checkpoint counts it), so it is an error."""
        path = self.path / JOURNAL
        rows: list[list[str]] = []
        try:
            with path.open(encoding="utf-8", newline="") as fh:
                reader = csv.reader(fh)
                if next(reader, None) != list(COLUMNS):
                    raise ValueError(f"{path} is not a journal of this version of rollout-sim")
                for row in reader:
                    if len(rows) == keep:
                        break
                    if len(row) != len(COLUMNS) or not row[1].isdigit():
                        raise ValueError(f"{path}, row {len(rows) + 2}, is damaged; start a new run")
                    rows.append(row)
        except (UnicodeDecodeError, csv.Error) as err:
            raise ValueError(f"{path} is damaged ({err}); start a new run") from None
        if len(rows) < keep:
            raise ValueError(f"{path} has fewer rows than its checkpoint records")
        return rows

    # -- at the end -------------------------------------------------------------------------
    def finish(self, order: dict[tuple[str, int], int]) -> None:
        """Write replications.csv from the journal in (scenario, replication, site) order,
        reading it twice rather than holding it. The journal stays until :meth:`clean_up`,
        so an interruption here can still be resumed."""
        offsets: list[tuple[int, int, int]] = []  # (rank of scenario and replication, site row, offset)
        with (self.path / JOURNAL).open("rb") as fh:
            fh.readline()
            seen: dict[tuple[str, int], int] = {}
            while True:
                at = fh.tell()
                line = fh.readline()
                if not line:
                    break
                scenario, rep = next(csv.reader([line.decode("utf-8")]))[:2]
                key = (scenario, int(rep))
                seen[key] = seen.get(key, 0) + 1
                offsets.append((order[key], seen[key], at))
        offsets.sort()
        tmp = self.path / ".replications.csv.tmp"
        with (self.path / JOURNAL).open("rb") as src, tmp.open("wb") as out:
            out.write(csv_text([]).encode("utf-8"))
            for _, _, at in offsets:
                src.seek(at)
                out.write(src.readline())
        os.replace(tmp, self.path / "replications.csv")

    def clean_up(self) -> None:
        """Remove the journal and checkpoint once everything else is written."""
        (self.path / JOURNAL).unlink(missing_ok=True)
        (self.path / CHECKPOINT).unlink(missing_ok=True)

    def save_bottlenecks(self, names: list[str], weekly: list[WeeklyTotals]) -> None:
        """Write the weekly totals of every scenario to bottlenecks.npz."""
        arrays: dict[str, np.ndarray] = {}
        for i, w in enumerate(weekly):
            arrays.update(w.arrays(i))
        arrays.update(scenarios=np.array(names), replications=np.array([w.replications for w in weekly]))
        save_npz(self.path / "bottlenecks.npz", arrays)

    def save_curves(self, names: list[str], curves: list[ShareHistogram]) -> None:
        """Write the S-curve histograms of every scenario to curves.npz."""
        arrays: dict[str, np.ndarray] = {}
        for i, h in enumerate(curves):
            arrays[f"counts_{i}"] = h.counts
            arrays[f"sites_{i}"] = np.array(h.sites)
        arrays.update(scenarios=np.array(names), epochs=np.array([h.epoch.isoformat() for h in curves]),
                      replications=np.array([h.replications for h in curves]))
        save_npz(self.path / "curves.npz", arrays)
