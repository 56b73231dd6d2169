"""Which kind of folder a report is asked of, and its report: a run, a sweep, a
sensitivity study, a capacity search, a comparison or a calibration (``rollout-sim report FOLDER``).

A sweep's and a sensitivity study's folders are run folders too (their points ran as the
scenarios of one experiment), so a study's own file decides before summary.json does:
a run's report of a sweep would be a page of near-identical scenario sections.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sim.model.parameter_sets import CALIBRATION
from sim.output.calibration_report import write_calibration_report
from sim.output.capacity_report import write_capacity_report
from sim.output.compare_report import write_compare_report
from sim.output.report import write_report
from sim.output.study_report import UnknownFolder, write_sensitivity_report, write_sweep_report

__all__ = ["KINDS", "UnknownFolder", "folder_kind", "write_folder_report"]

# What marks each kind of folder, in the order they are recognised: a study's folder is
# also a run's (it has a summary.json), so the study's own file decides first.
KINDS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("calibration", (CALIBRATION,), "a calibration's (calibration.json)"),
    ("capacity", ("capacity.json",), "a capacity search's (capacity.json)"),
    ("compare", ("compare.json",), "a comparison's (compare.json, from compare --out)"),
    ("sweep", ("sweep.csv",), "a sweep's (sweep.csv)"),
    ("sensitivity", ("tornado.csv", "indices.csv"), "a sensitivity study's (tornado.csv or indices.csv)"),
    # manifest.json too: a run's folder that lost its summary is still a run's, and the
    # check of its files before the report says what is missing
    ("run", ("summary.json", "manifest.json"), "a run's (summary.json, manifest.json)"),
)


def folder_kind(folder: Path) -> str:
    """``run``, ``sweep``, ``sensitivity``, ``capacity``, ``compare`` or ``calibration``, from the
    files that mark each; raises :class:`UnknownFolder` naming the folder and what a
    folder of each kind holds."""
    for kind, marks, _ in KINDS:
        if any((folder / m).is_file() for m in marks):
            return kind
    expected = ", ".join(what for _, _, what in KINDS[:-1])
    raise UnknownFolder(f"{folder}: not a folder rollout-sim wrote; expected {KINDS[-1][2]} results folder, or "
                        f"{expected} folder")


def write_folder_report(folder: Path) -> Path:
    """Write the report of a folder of any kind (report.html; a comparison's compare.html)
    and return its path."""
    writers: dict[str, Callable[[Path], Path]] = {
        "calibration": write_calibration_report, "capacity": write_capacity_report, "compare": write_compare_report,
        "sweep": write_sweep_report, "sensitivity": write_sensitivity_report, "run": write_report}
    return writers[folder_kind(folder)](folder)
