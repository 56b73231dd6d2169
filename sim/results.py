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
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from sim.bottlenecks import WeeklyTotals
from sim.curves import ShareHistogram
from sim.outcomes import SiteOutcome

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


def dict_csv_text(rows: list[dict[str, Any]]) -> str:
    """CSV text of rows that share their keys (the header); None is an empty cell."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    if rows:
        writer.writerow(list(rows[0]))
        writer.writerows([["" if v is None else v for v in r.values()] for r in rows])
    return buf.getvalue()


def json_text(data: Any) -> str:
    """Indented JSON with keys in the order they were built (which reads naturally)."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write arrays as a compressed .npz, atomically, with the same bytes for the same
    arrays (numpy's savez stamps the time into the zip; this does not)."""
    tmp = path.with_name(f".{path.name}.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w", force_zip64=True) as fh:
                np.lib.format.write_array(fh, np.asanyarray(array), allow_pickle=False)
    os.replace(tmp, path)


def write_atomic(path: Path, text: str) -> None:
    """Write a text file so that a reader sees the old file or the new, never a part."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class RunFolder:
    """A run's results folder: its journal, checkpoints and final files."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def create(cls, path: Path, force: bool = False) -> RunFolder:
        """A new, empty folder; an existing one is replaced only with ``force``."""
        if path.exists() and not path.is_dir():
            raise ResultsExistError(f"{path} is a file, not a results folder; choose another --out")
        if path.exists():
            if not force:
                raise ResultsExistError(f"{path} exists; choose another --out, add --force to replace it, "
                                        f"or --resume {path} to continue it")
            # --force replaces a results folder, never any other folder, nor one in use.
            if any(path.iterdir()) and not (path / "manifest.json").exists():
                raise ResultsExistError(f"{path} is not a results folder of rollout-sim (no manifest.json); "
                                        "--force only replaces results folders")
            cls(path).lock()
            shutil.rmtree(path)
        path.mkdir(parents=True)
        folder = cls(path)
        folder.write("", JOURNAL, csv_text([]))
        return folder

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
                try:
                    pid = int(path.read_text().strip() or 0)
                    os.kill(pid, 0)
                except (ValueError, ProcessLookupError, PermissionError, OSError):
                    path.unlink(missing_ok=True)  # left by a process that is gone
                    continue
                raise ResultsExistError(f"{self.path} is in use by a run still going (process {pid})") from None
            with os.fdopen(fd, "w") as fh:
                fh.write(str(os.getpid()))
            return
        raise ResultsExistError(f"{self.path}: could not claim the folder")

    def unlock(self) -> None:
        """Release the folder."""
        (self.path / LOCK).unlink(missing_ok=True)

    def append(self, rows: list[list[str]]) -> None:
        """Append finished replications' rows to the journal and flush them to disk."""
        with (self.path / JOURNAL).open("a", encoding="utf-8", newline="") as fh:
            fh.write(csv_text(rows, header=False))
            fh.flush()
            os.fsync(fh.fileno())

    def checkpoint(self, rows: int, curves: list[ShareHistogram], weekly: list[WeeklyTotals], target: int) -> None:
        """Record that the first ``rows`` journal rows, these curves and these weekly
        totals belong together, and which round (replications per scenario) was under way."""
        arrays = {f"counts_{i}": h.counts for i, h in enumerate(curves)}
        arrays["target"] = np.array(target)
        arrays.update({f"weekly_{i}": w.totals for i, w in enumerate(weekly)})
        arrays["replications"] = np.array([h.replications for h in curves])
        arrays["rows"] = np.array(rows)
        save_npz(self.path / CHECKPOINT, arrays)

    def restore(self, curves: list[ShareHistogram], weekly: list[WeeklyTotals]) -> tuple[list[list[str]], int]:
        """For --resume: load the curves and weekly totals of the last checkpoint, cut the
        journal back to the rows it covers, and return those rows and the round that was
        under way (0 when nothing was checkpointed)."""
        rows: list[list[str]] = []
        keep = target = 0
        if (self.path / CHECKPOINT).exists():
            with np.load(self.path / CHECKPOINT) as data:
                keep = int(data["rows"])
                target = int(data["target"]) if "target" in data.files else 0
                for i, h in enumerate(curves):
                    h.counts = data[f"counts_{i}"].astype(np.int32)
                    h.replications = int(data["replications"][i])
                for i, w in enumerate(weekly):
                    w.totals = data[f"weekly_{i}"].astype(np.int64)
                    w.replications = int(data["replications"][i])
        with (self.path / JOURNAL).open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header != list(COLUMNS):
                raise ValueError(f"{self.path / JOURNAL} is not a journal of this version of rollout-sim")
            for row in reader:
                if len(rows) == keep:
                    break
                rows.append(row)
        if len(rows) < keep:
            raise ValueError(f"{self.path / JOURNAL} has fewer rows than its checkpoint records")
        self.write("", JOURNAL, csv_text(rows))
        return rows, target

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
