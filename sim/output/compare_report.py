"""The folder ``rollout-sim compare A B --out FOLDER`` writes: compare.json (the
comparison, as ``--json`` writes it, with the sites' names), a figure per measure of B's
change against A with its 95% CI, and compare.html, a page as self-contained as the run's
report (:mod:`sim.output.report`).

The folder is written whole or not at all: into a staging folder beside it, renamed into
place at the end; an earlier comparison there is replaced only with ``--force``, and only
if it holds nothing but what this module writes.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from sim.errors import ConfigError, Problem
from sim.output.report import embedded_figure, file_links, read_json, write_page
from sim.output.study_report import change_cell
from sim.output.study_report import site_names as summary_site_names
from sim.runs.folder import json_text, write_atomic

FILE = "compare.json"
PAGE = "compare.html"
WRITTEN = frozenset({FILE, PAGE, "figures"})  # all a comparison's folder holds
FILES = ((FILE, "the comparison: per site, both risks, the changes and their 95% CIs, and what was compared"),)
CAPTIONS = {
    "compare-risk": "Change in the risk of not being ready, per site (percentage points, 95% CI)",
    "compare-completion": "Change in the P50 and P80 completion dates, per site (days, 95% CI)",
    "compare-untrained": "Change in the expected number of staff untrained at go-live, per site (95% CI)",
}


def site_names(folder: str | Path) -> dict[str, str]:
    """Site id -> name from a results folder's summary.json (empty when it cannot be read)."""
    try:
        return summary_site_names(read_json(Path(folder) / "summary.json") or {})
    except ValueError:
        return {}


def check_compare_out(out: Path, force: bool) -> None:
    """That ``out`` can take a comparison: new, or (with ``force``) a comparison's folder."""
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise ConfigError([Problem("--out", str(out), "exists and is not a folder; expected a folder to write the "
                                                      "comparison in")])
    if out.is_dir():
        strangers = sorted(p.name for p in out.iterdir() if p.name not in WRITTEN)
        if strangers:
            raise ConfigError([Problem("--out", str(out), f"holds {strangers[0]}, which compare does not write; "
                                                          "choose a new folder")])
        if not force:
            raise ConfigError([Problem("--out", str(out), "exists; add --force to replace the comparison in it")])
    if not out.parent.is_dir():
        raise ConfigError([Problem("--out", str(out), f"no folder {out.parent} to write it in; create it first")])


def write_compare(result: dict[str, Any], out: Path, force: bool = False, svg: bool = False) -> Path:
    """Write the comparison's folder (compare.json, figures/, compare.html) at ``out``, and
    return the page's path."""
    from sim.output.compare_figures import compare_figures

    check_compare_out(out, force)
    record = {**result, "site_names": result.get("site_names") or site_names(result["a"]["folder"])}
    stage = Path(tempfile.mkdtemp(prefix=".rollout-sim-compare-", dir=out.parent))
    try:
        write_atomic(stage / FILE, json_text(record))
        compare_figures(record, record["site_names"], stage / "figures", svg)
        write_compare_report(stage)
        if out.exists():
            shutil.rmtree(out)
        os.replace(stage, out)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return out / PAGE


def write_compare_report(folder: Path) -> Path:
    """Write ``folder/compare.html`` from its compare.json and figures; return its path."""
    return write_page(folder / PAGE, "compare.html", compare_context(folder))


def _ci(ci: list[Any] | None) -> tuple[Any, Any]:
    low, high = ci or (None, None)
    return low, high


def _days(diff: dict[str, Any] | None) -> dict[str, str]:
    """A completion date's paired change in days, with its CI."""
    diff = diff or {}
    return change_cell(diff.get("days"), *_ci(diff.get("ci95")), "days")


def _relative(target: Path, start: Path) -> str | None:
    """A relative link from ``start`` to ``target`` when the file exists (else None)."""
    if not target.is_file():
        return None
    try:
        return Path(os.path.relpath(target.resolve(), start.resolve())).as_posix()
    except ValueError:  # another drive
        return None


def compare_context(folder: Path) -> dict[str, Any]:
    """The compare template's variables, every value already text."""
    from sim.output.console import percent

    record = json.loads((folder / FILE).read_text(encoding="utf-8"))
    names = record.get("site_names") or {}
    sides = []
    for side, word in (("a", "A (before)"), ("b", "B (after)")):
        s = record[side]
        # the staging folder is a sibling of the final one: a relative link from it holds there too
        report = _relative(Path(s["folder"]) / "report.html", folder)
        sides.append({"side": word, "folder": s["folder"], "scenario": s["scenario"], "seed": str(s.get("seed")),
                      "model": str(s.get("model")), "report": report})
    rows = []
    for site_id, s in record["sites"].items():
        rows.append({
            "id": site_id, "name": names.get(site_id, site_id),
            "risk_a": percent(s["risk_a"]), "risk_b": percent(s["risk_b"]),
            "risk": change_cell(s.get("risk_difference"), *_ci(s.get("risk_difference_ci95")), "pp"),
            "untrained": change_cell(s.get("expected_untrained_difference"),
                                     *_ci(s.get("expected_untrained_difference_ci95"))),
            "p50": _days(s.get("p50_completion_difference")), "p80": _days(s.get("p80_completion_difference")),
        })
    figures = [embedded_figure(folder / "figures" / f"{stem}.png", caption) for stem, caption in CAPTIONS.items()
               if (folder / "figures" / f"{stem}.png").is_file()]
    paired = bool(record["paired"])
    a, b = record["a"], record["b"]
    # two runs of one scenario are told apart by their folders' names
    what_a, what_b = ((a["scenario"], b["scenario"]) if a["scenario"] != b["scenario"] else
                      (Path(a["folder"]).name, Path(b["folder"]).name))
    return {
        "title": f"Comparison: {what_b} against {what_a}",
        "lead": (f"What changes from A ({record['a']['folder']}, scenario {record['a']['scenario']}) to B "
                 f"({record['b']['folder']}, scenario {record['b']['scenario']}), per site, "
                 + ("paired replication by replication (same seed and replications)." if paired else
                    "treating the runs as independent (unpaired).")),
        "paired": paired,
        "inputs_differ": record.get("inputs_differ") or [],
        "sides": sides,
        "rows": rows,
        "figures": figures,
        "files": file_links(folder, FILES),
    }
