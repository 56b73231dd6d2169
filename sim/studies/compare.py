"""Two results folders of the same model, side by side: the change from A to B per site.

With the same seed and the same replication indices the two runs used the same random
numbers (common random numbers), so each replication of B is compared with the same
replication of A: the paired intervals are much narrower than independent ones. When
pairing is not valid the comparison is refused, with the reason, unless the user asks
for unpaired intervals, which are right for independent runs.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import excerpt
from sim.runs.integrity import DamagedError, check_complete
from sim.analysis.stats import mean_ci, newcombe_interval, welch_interval
from sim.analysis.summary import (
    SiteColumns,
    _round,
    columns_from_csv,
    paired_difference,
    quantile_difference,
)


class CompareError(ValueError):
    """Two folders that cannot be compared (or not paired), and why."""


def read_folder(path: Path, scenario: str | None) -> tuple[dict[str, Any], str, dict[str, SiteColumns]]:
    """A complete results folder's manifest, the scenario to compare and its columns."""
    try:
        manifest = check_complete(path)  # every file as the run wrote it: safe to read below
    except DamagedError as err:
        raise CompareError(str(err)) from None
    summary = json.loads((path / "summary.json").read_text(encoding="utf-8"))
    columns = columns_from_csv(path / "replications.csv")
    names = list(summary["scenarios"])
    name = scenario or names[0]
    if name not in columns:
        raise CompareError(f"{path}: no scenario {excerpt(name)}; expected one of {', '.join(names)}")
    return {**manifest, "model": summary.get("model")}, name, columns[name]


def pairing_problems(a: dict[str, Any], b: dict[str, Any], cols_a: dict[str, SiteColumns],
                     cols_b: dict[str, SiteColumns]) -> list[str]:
    """Why replications of A and B cannot be paired (empty when they can)."""
    out = []
    if a.get("seed") != b.get("seed"):
        out.append(f"the seeds differ ({a.get('seed')} and {b.get('seed')}), so replication i of one did not "
                   "draw the same numbers as replication i of the other")
    first_a, first_b = next(iter(cols_a.values())), next(iter(cols_b.values()))
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
    a, name_a, cols_a = read_folder(path_a, scenario_a)
    b, name_b, cols_b = read_folder(path_b, scenario_b)
    if set(cols_a) != set(cols_b):
        raise CompareError(f"the folders hold different sites ({', '.join(sorted(cols_a))} and "
                           f"{', '.join(sorted(cols_b))}); expected two runs of the same model")
    problems = pairing_problems(a, b, cols_a, cols_b)
    if problems and not unpaired:
        raise CompareError("cannot pair the replications: " + "; ".join(problems)
                           + ". Add --unpaired for intervals that treat the runs as independent (wider).")
    paired = not problems and not unpaired
    # Paired runs of two different models are still common random numbers, but the user
    # should know the change is every difference between the inputs, not one setting.
    differ = sorted(k for k in a["inputs"].keys() | b["inputs"].keys() if a["inputs"].get(k) != b["inputs"].get(k))
    return {"a": {"folder": str(path_a), "scenario": name_a, "seed": a.get("seed"), "model": a.get("model")},
            "b": {"folder": str(path_b), "scenario": name_b, "seed": b.get("seed"), "model": b.get("model")},
            "paired": paired, "inputs_differ": differ,
            "sites": {s: compare_site(cols_a[s], cols_b[s], paired) for s in cols_a}}
