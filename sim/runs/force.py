"""What ``--force`` may delete: only a folder this tool wrote, recognised by its structure.

A folder is a results folder of rollout-sim when its manifest.json is one this tool
writes (a JSON object with the keys every manifest has) and every entry in it is a
file or folder a command of rollout-sim writes there. A capacity search's folder is
recognised the same way by its capacity.json, and each run under its ``values/``.

Whatever the structure, ``--force`` never deletes a symbolic link, the working folder,
nor a folder that holds the working folder: a user who types ``--out .`` means "here",
not "delete everything here".
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from sim.errors import ConfigError, Problem
from sim.model.parameter_sets import CALIBRATION, FILE

WORKBOOK = "results.xlsx"  # written by rollout-sim export into any of these folders
MANIFEST_KEYS = frozenset({"status", "experiment", "seed", "config_hash", "replications_done"})
CAPACITY_KEYS = frozenset({"site", "max_risk", "vary", "low", "high", "step", "replications", "seed"})

# Every name a command of rollout-sim writes into a run's results folder.
RUN_FILES = frozenset({
    "manifest.json", "summary.json", "replications.csv", "curves.npz", "bottlenecks.npz", "report.html",
    WORKBOOK,
    "replications.partial.csv", "checkpoint.npz", ".running",  # while running, or after a stop
    "sweep.csv", "tornado.csv", "indices.csv",  # studies
})
RUN_FOLDERS = frozenset({"config", "resolved", "figures"})
CAPACITY_FILES = frozenset({"capacity.json", "search.csv", "report.html", WORKBOOK})
CALIBRATION_KEYS = frozenset({"experiment", "seed", "simulations", "parameters", "targets"})
CALIBRATION_FILES = frozenset({CALIBRATION, FILE, "waves.csv", "fit.csv", "report.html", WORKBOOK})
STAGING = ".rollout-sim-"  # prefix of a new folder's name until its run starts


class NotOursError(Exception):
    """The folder is not one ``--force`` may replace; the message says why."""


def _json_object(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _entries(path: Path) -> list[os.DirEntry]:
    """The entries of a folder, in name order (so a message names the same one each time)."""
    with os.scandir(path) as it:
        return sorted(it, key=lambda e: e.name)


def _is_temporary(name: str) -> bool:
    # Files being written atomically (".summary.json.tmp") are left behind by a crash.
    return name.startswith(".") and name.endswith(".tmp")


def why_not_run_folder(path: Path) -> str | None:
    """None when ``path`` is a run's results folder; otherwise the reason it is not."""
    manifest = _json_object(path / "manifest.json")
    if manifest is None:
        return "it has no manifest.json that rollout-sim wrote"
    if not MANIFEST_KEYS <= manifest.keys():
        return "its manifest.json is not one rollout-sim writes"
    for entry in _entries(path):
        if entry.is_symlink():
            return f"it holds a symbolic link, {entry.name}"
        known = entry.name in RUN_FOLDERS if entry.is_dir() else (entry.name in RUN_FILES or _is_temporary(entry.name))
        if not known:
            return f"it holds {entry.name}, which rollout-sim does not write"
    return None


def why_not_capacity_folder(path: Path) -> str | None:
    """None when ``path`` is a capacity search's folder; otherwise the reason it is not."""
    question = _json_object(path / "capacity.json")
    if question is None or not CAPACITY_KEYS <= question.keys():
        return "it has no capacity.json that rollout-sim wrote"
    for entry in _entries(path):
        if entry.is_symlink():
            return f"it holds a symbolic link, {entry.name}"
        if entry.name == "figures" and entry.is_dir():
            continue  # drawn by capacity into the folder it wrote
        if entry.name == "values" and entry.is_dir():
            for run in _entries(Path(entry.path)):
                if run.name.startswith(STAGING) and run.is_dir(follow_symlinks=False):
                    continue  # a value's run that stopped before it started
                reason = None if run.is_dir(follow_symlinks=False) else "it is not a folder"
                reason = reason or why_not_run_folder(Path(run.path))
                if reason:
                    return f"values/{run.name} is not a results folder ({reason})"
        elif not (entry.is_file() and (entry.name in CAPACITY_FILES or _is_temporary(entry.name))):
            return f"it holds {entry.name}, which rollout-sim does not write"
    return None


def why_not_calibration_folder(path: Path) -> str | None:
    """None when ``path`` is a calibration's folder; otherwise the reason it is not."""
    summary = _json_object(path / CALIBRATION)
    if summary is None or not CALIBRATION_KEYS <= summary.keys():
        return f"it has no {CALIBRATION} that rollout-sim wrote"
    for entry in _entries(path):
        if entry.is_symlink():
            return f"it holds a symbolic link, {entry.name}"
        if entry.name == "figures" and entry.is_dir():
            continue  # drawn by calibrate into the folder it wrote
        if not (entry.is_file() and (entry.name in CALIBRATION_FILES or _is_temporary(entry.name))):
            return f"it holds {entry.name}, which rollout-sim does not write"
    return None


def check_replaceable(path: Path, kind: str = "run") -> None:
    """Raise :class:`NotOursError` unless ``--force`` may delete ``path``.

    ``kind`` is ``"run"`` for a run's or a study's results folder, ``"capacity"`` for a
    capacity search's folder, ``"calibration"`` for a calibration's.
    """
    if path.is_symlink():
        raise NotOursError(f"{path} is a symbolic link; --force does not replace links (remove it yourself)")
    try:
        full = path.resolve(strict=True)
        here = Path.cwd().resolve()
    except (OSError, RuntimeError) as err:
        raise NotOursError(f"{path}: cannot be resolved ({err})") from None
    if here == full or full in here.parents:
        raise NotOursError(f"{path} is the working folder or holds it; --force never deletes that "
                           "(choose a new --out, or run from another folder)")
    why, what = {"capacity": (why_not_capacity_folder, "capacity search"),
                 "calibration": (why_not_calibration_folder, "calibration")}.get(kind, (why_not_run_folder,
                                                                                     "results folder"))
    reason = why(full)
    if reason:
        raise NotOursError(f"{path} is not a {what} of rollout-sim: {reason}. --force only replaces a folder "
                           "rollout-sim wrote; choose another --out, or remove it yourself")


def check_out(path: Path, force: bool, kind: str) -> bool:
    """Whether ``path`` exists and may be replaced (with ``force``, and only if this tool
    wrote it as a folder of ``kind``); False when it does not exist. Raises
    :class:`~sim.errors.ConfigError` naming ``--out`` otherwise."""
    if not (path.exists() or path.is_symlink()):
        return False
    if not force:
        raise ConfigError([Problem("--out", "", f"{path} exists; choose another --out, or add --force to "
                                                "replace it")])
    try:
        check_replaceable(path, kind=kind)
    except NotOursError as err:
        raise ConfigError([Problem("--out", "", str(err))]) from None
    return True


def replace_folder(path: Path, force: bool, kind: str) -> None:
    """Make an empty folder ``path`` for a study that writes its own (a capacity search):
    an existing one is replaced only as :func:`check_out` allows."""
    if check_out(path, force, kind):
        shutil.rmtree(path)
    path.mkdir(parents=True)
