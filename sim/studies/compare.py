"""Two results folders of the same model, side by side: the change from A to B per site.

With the same seed and the same replication indices the two runs used the same random
numbers (common random numbers), so each replication of B is compared with the same
replication of A: the paired intervals are much narrower than independent ones. When
pairing is not valid the comparison is refused, with the reason, unless the user asks
for unpaired intervals, which are right for independent runs.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.analysis.stats import mean_ci, newcombe_interval, welch_interval
from sim.analysis.summary import (
    SiteColumns,
    _round,
    columns_from_csv,
    paired_difference,
    quantile_difference,
)
from sim.analysis.summary_format import SummaryFormatError, read_summary
from sim.errors import ConfigError, Problem, did_you_mean, excerpt
from sim.runs.integrity import DamagedError, check_complete


class CompareError(ValueError):
    """Two folders that cannot be compared (or not paired), and why."""


@dataclass(frozen=True)
class Side:
    """One side of a comparison: where it came from (a folder, or a name for a run kept
    in memory), the scenario compared, its seed and model, the SHA-256 of each input
    that decides its numbers, and its per-site columns."""

    label: str
    scenario: str
    seed: int | None
    model: str | None
    inputs: dict[str, str]
    columns: dict[str, SiteColumns]


def read_folder(path: Path, scenario: str | None) -> Side:
    """A complete results folder's side: the scenario to compare (default: the first)."""
    try:
        manifest = check_complete(path)  # every file as the run wrote it: safe to read below
    except DamagedError as err:
        raise CompareError(str(err)) from None
    try:
        summary = read_summary(path / "summary.json")
    except SummaryFormatError as err:
        raise CompareError(str(err)) from None
    columns = columns_from_csv(path / "replications.csv")
    names = list(summary["scenarios"])
    name = scenario or names[0]
    if name not in columns:
        raise CompareError(f"{path}: no scenario {excerpt(name)}; expected one of {', '.join(names)}"
                           f"{did_you_mean(name, names)}")
    return Side(str(path), name, manifest.get("seed"), summary.get("model"), manifest["inputs"], columns[name])


def pairing_problems(a: Side, b: Side) -> list[str]:
    """Why replications of A and B cannot be paired (empty when they can)."""
    out = []
    if a.seed != b.seed:
        out.append(f"the seeds differ ({a.seed} and {b.seed}), so replication i of one did not "
                   "draw the same numbers as replication i of the other")
    first_a, first_b = next(iter(a.columns.values())), next(iter(b.columns.values()))
    if not np.array_equal(first_a.replication, first_b.replication):
        out.append(f"the replications differ ({first_a.replication.size} and {first_b.replication.size}); "
                   "pairing needs the same replication indices")
    return out


def compare_site(a: SiteColumns, b: SiteColumns, paired: bool) -> dict[str, Any]:
    """B against A for one site: risk, expected untrained, P50/P80 completion."""
    risk_a, risk_b = float(np.mean(~a.ready)), float(np.mean(~b.ready))
    out: dict[str, Any] = {"risk_a": _round(risk_a), "risk_b": _round(risk_b), "paired": paired}
    if paired:
        d = paired_difference(b, a)
        _, ia, ib = np.intersect1d(a.replication, b.replication, return_indices=True)
        mean, low, high = mean_ci((b.untrained[ib] - a.untrained[ia]).astype(np.float64))
        out.update({"risk_difference": d["risk_difference"], "risk_difference_ci95": d["risk_difference_ci95"],
                    "p50_completion_difference": d["p50_completion_difference"],
                    "p80_completion_difference": d["p80_completion_difference"]})
    else:
        low_r, high_r = newcombe_interval(int(np.sum(~a.ready)), a.ready.size, int(np.sum(~b.ready)), b.ready.size)
        mean, low, high = welch_interval(a.untrained, b.untrained)
        out.update({"risk_difference": _round(risk_b - risk_a), "risk_difference_ci95": [_round(low_r), _round(high_r)],
                    "p50_completion_difference": quantile_difference(b.completion, a.completion, 0.5, 50, paired=False),
                    "p80_completion_difference": quantile_difference(b.completion, a.completion, 0.8, 80, paired=False)})
    out["expected_untrained_difference"] = _round(mean, 3)
    out["expected_untrained_difference_ci95"] = [_round(low, 3), _round(high, 3)]
    return out


def compare(path_a: Path, path_b: Path, scenario_a: str | None = None, scenario_b: str | None = None,
            unpaired: bool = False) -> dict[str, Any]:
    """The comparison of two folders (raises CompareError when they cannot be compared)."""
    return compare_sides(read_folder(path_a, scenario_a), read_folder(path_b, scenario_b), unpaired)


def compare_sides(a: Side, b: Side, unpaired: bool = False) -> dict[str, Any]:
    """B against A per site (raises CompareError when they cannot be compared)."""
    if set(a.columns) != set(b.columns):
        raise CompareError(f"the folders hold different sites ({', '.join(sorted(a.columns))} and "
                           f"{', '.join(sorted(b.columns))}); expected two runs of the same model")
    problems = pairing_problems(a, b)
    if problems and not unpaired:
        raise CompareError("cannot pair the replications: " + "; ".join(problems)
                           + ". Add --unpaired for intervals that treat the runs as independent (wider).")
    paired = not problems and not unpaired
    # Paired runs of two different models are still common random numbers, but the user
    # should know the change is every difference between the inputs, not one setting.
    differ = sorted(k for k in a.inputs.keys() | b.inputs.keys() if a.inputs.get(k) != b.inputs.get(k))
    return {"a": {"folder": a.label, "scenario": a.scenario, "seed": a.seed, "model": a.model},
            "b": {"folder": b.label, "scenario": b.scenario, "seed": b.seed, "model": b.model},
            "paired": paired, "inputs_differ": differ,
            "sites": {s: compare_site(a.columns[s], b.columns[s], paired) for s in a.columns}}


def check_json_out(path: Path) -> None:
    """That a comparison can be written to ``path`` (a file in an existing folder)."""
    if path.name in ("", ".", "..") or path.is_dir():
        raise ConfigError([Problem("--json", str(path), "is a folder; expected the path of a file to write, "
                                                        "like compare.json")])
    if not path.parent.is_dir():
        raise ConfigError([Problem("--json", str(path), f"no folder {path.parent} to write it in; create it first")])

