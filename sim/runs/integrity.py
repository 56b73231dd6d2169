"""Checking a results folder before anything in it is read.

A results folder is read again by ``plot``, ``report``, ``compare`` and ``run --resume``,
often days later, after it was copied, synced or edited by hand. Each of those first
checks it here, so that damage gives one message naming the folder, the file and what
to do, rather than a traceback or, worse, figures of numbers that no run produced:

* manifest.json must be a manifest this tool writes (every field, of the right type);
* the inputs under ``config/`` must be the ones the run started with: the manifest
  records a SHA-256 of each, so a resumed run cannot mix two models;
* a complete run's result files (replications.csv, summary.json, curves.npz,
  bottlenecks.npz) must be the bytes the run wrote: the manifest records their SHA-256
  when the run completes.

The checksums guard against accidents (a truncated copy, an edit, a file from another
run), not against someone who rewrites the manifest to match.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from sim import limits
from sim.errors import ConfigError, Problem

MANIFEST = "manifest.json"
CONFIG = "config"
RESULT_FILES = ("replications.csv", "summary.json", "curves.npz", "bottlenecks.npz")
STATUSES = ("running", "interrupted", "failed", "complete")

_TEXT, _INT, _BOOL, _LIST, _DICT = (str,), (int,), (bool,), (list,), (dict,)
# Each field a manifest must have, and the types its value may take (None: may be null).
FIELDS: dict[str, tuple[type, ...]] = {
    "status": _TEXT, "experiment": _TEXT, "seed": _INT, "replications_asked": _INT, "replications_done": _INT,
    "precision": (float, int, type(None)), "max_replications": (int, type(None)), "curves": _BOOL,
    "scenarios": _DICT, "overrides": _LIST, "config_hash": _TEXT, "inputs": _DICT, "started": _TEXT,
}


class DamagedError(Exception):
    """A results folder that cannot be used as it is; the message says why and what to do."""

    def __init__(self, folder: Path, file: str, problem: str, advice: str) -> None:
        super().__init__(f"{folder}: {file}: {problem}; {advice}")
        self.folder, self.file = folder, file


def sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in blocks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def input_files(folder: Path) -> list[Path]:
    """The files that decide a run's numbers: ``config/`` without the originals kept
    for reading (experiment.toml, model.toml and any headcount CSVs)."""
    config = folder / CONFIG
    if not config.is_dir():
        return []
    return sorted(p for p in config.iterdir() if p.is_file() and not p.name.startswith("."))


def checksums(folder: Path, files: list[Path]) -> dict[str, str]:
    """SHA-256 of each file, keyed by its path inside ``folder`` (with '/')."""
    return {p.relative_to(folder).as_posix(): sha256(p) for p in files}


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of a results folder, checked field by field."""
    redo = ("this is not a results folder of rollout-sim, or it is damaged; "
            "start a new run (its inputs, if any, are in config/)")
    path = folder / MANIFEST
    if not path.is_file():
        raise DamagedError(folder, MANIFEST, "missing, so this is not a complete results folder of rollout-sim",
                           "make one with: rollout-sim run")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise DamagedError(folder, MANIFEST, f"unreadable ({type(err).__name__})", redo) from None
    if not isinstance(data, dict):
        raise DamagedError(folder, MANIFEST, "expected a JSON object", redo)
    for key, types in FIELDS.items():
        if key not in data:
            older = key == "inputs" and "config_hash" in data
            raise DamagedError(folder, MANIFEST, f"has no {key!r}",
                               "the folder was written by an older rollout-sim and cannot be checked; "
                               "run it again" if older else redo)
        value = data[key]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            raise DamagedError(folder, MANIFEST, f"{key!r} has the wrong type ({type(value).__name__})", redo)
    if data["status"] not in STATUSES:
        raise DamagedError(folder, MANIFEST, f"unknown status {data['status']!r}", redo)
    precision, most = data["precision"], data["max_replications"]
    if not (0 <= data["seed"] <= limits.MAX_SEED and 1 <= data["replications_asked"] <= limits.MAX_REPLICATIONS
            and 0 <= data["replications_done"] <= limits.MAX_REPLICATIONS
            and (most is None or 1 <= most <= limits.MAX_REPLICATIONS)
            and (precision is None or 0 < precision <= 0.5)):  # NaN fails this too
        raise DamagedError(folder, MANIFEST, "seed, replications or precision out of range (docs/limits.md)", redo)
    if not all(isinstance(kv, list) and len(kv) == 2 and all(isinstance(x, str) for x in kv)
               for kv in data["overrides"]):
        raise DamagedError(folder, MANIFEST, "'overrides' is not a list of [key, value] pairs", redo)
    return data


def check_inputs(folder: Path, manifest: dict[str, Any]) -> None:
    """Refuse inputs under ``config/`` that differ from those the run started with."""
    recorded = manifest["inputs"]
    now = checksums(folder, input_files(folder))
    advice = ("the run's inputs have changed since it started, so its replications would mix two models; "
              "put the file back, or start a new run with the changed inputs")
    for name in sorted(recorded.keys() | now.keys()):
        if name not in now:
            raise DamagedError(folder, name, "missing", advice)
        if name not in recorded:
            raise DamagedError(folder, name, "was not there when the run started", advice)
        if now[name] != recorded[name]:
            raise DamagedError(folder, name, "changed since the run started (its SHA-256 differs from manifest.json's)",
                               advice)


def check_complete(folder: Path) -> dict[str, Any]:
    """A complete run's folder, checked: its manifest, inputs and result files. Returns the
    manifest."""
    manifest = read_manifest(folder)
    if manifest["status"] != "complete":
        raise DamagedError(folder, MANIFEST, f"the run is {manifest['status']}, not complete",
                           f"continue it with: rollout-sim run --resume {folder}")
    files = manifest.get("files")
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        raise DamagedError(folder, MANIFEST, "has no checksums of the result files",
                           "the folder was written by an older rollout-sim or is damaged; run it again")
    check_inputs(folder, manifest)
    rerun = f"the folder is damaged; run it again (its inputs are in {folder / CONFIG})"
    for name, digest in files.items():
        path = folder / name
        if name not in RESULT_FILES or not path.is_file():
            raise DamagedError(folder, name, "missing", rerun)
        if sha256(path) != digest:
            raise DamagedError(folder, name, "is not the file the run wrote (its SHA-256 differs from manifest.json's)",
                               rerun)
    return manifest


def result_checksums(folder: Path) -> dict[str, str]:
    """SHA-256 of the result files a complete run wrote, for its manifest."""
    return checksums(folder, [folder / n for n in RESULT_FILES if (folder / n).is_file()])


def drawable(path: Path) -> Path:
    """``path`` if it is a complete, undamaged results folder whose figures can be drawn
    into ``path/figures``; else a :class:`~sim.errors.ConfigError` naming the problem."""
    try:
        check_complete(path)
    except DamagedError as err:
        raise ConfigError([Problem("", "", str(err))]) from None  # it names the folder and the file
    figures = path / "figures"
    if figures.is_symlink() or (figures.exists() and not figures.is_dir()):
        raise ConfigError([Problem(str(path), "figures", "is not a folder; rollout-sim draws the figures into a "
                                                         "folder of that name: move it away and try again")])
    return path

