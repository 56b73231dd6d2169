"""The results folder: replications.csv, summary.json, manifest.json and the inputs.

A run writes into a hidden sibling folder and renames it into place at the end, so a
results folder is either complete or absent: never half-written. Files hold no
timestamps except manifest.json, so the same seed gives the same bytes.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterable

from sim.outcomes import SiteOutcome

COLUMNS = ("scenario", "replication", *SiteOutcome.columns())


class ResultsExistError(FileExistsError):
    """The results folder exists and --force was not given."""


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


def csv_text(rows: Iterable[list[str]]) -> str:
    """replications.csv: a header, then the rows, with Excel-friendly quoting."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return buf.getvalue()


def json_text(data: Any) -> str:
    """Stable JSON: sorted keys are not used so that the order reads naturally."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


class ResultsFolder:
    """Writes a run's files into a staging folder and publishes it whole."""

    def __init__(self, final: Path, force: bool = False) -> None:
        self.final = final
        if final.exists() and not final.is_dir():
            raise ResultsExistError(f"{final} is a file, not a results folder; choose another --out")
        if final.exists() and not force:
            raise ResultsExistError(f"{final} exists; choose another --out or add --force to replace it")
        self.force = force
        final.parent.mkdir(parents=True, exist_ok=True)
        self.staging = Path(tempfile.mkdtemp(prefix=f".{final.name}.partial-", dir=final.parent))
        # mkdtemp makes a private folder; results are for sharing, so use the usual mode.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self.staging, 0o777 & ~umask)

    def write(self, name: str, text: str) -> None:
        """Write one file (text, UTF-8) into the staging folder."""
        path = self.staging / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def copy(self, source: Path, name: str) -> None:
        """Copy an input file into the staging folder."""
        target = self.staging / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)

    def publish(self) -> Path:
        """Move the finished folder into place (replacing an old one only with force)."""
        if self.final.exists():
            if not self.force:
                raise ResultsExistError(f"{self.final} appeared while running; results left in {self.staging}")
            shutil.rmtree(self.final)
        os.replace(self.staging, self.final)
        return self.final

    def discard(self) -> None:
        """Remove the staging folder (after an error)."""
        shutil.rmtree(self.staging, ignore_errors=True)
