"""A calibration's report.html: what was fitted, to what, what the figures constrained,
every target before and after, the waves and the figures, from the folder's files
alone (calibration.json, fit.csv, waves.csv, figures/*.png), self-contained like the
run's report (:mod:`sim.output.report`)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sim.model.parameter_sets import CALIBRATION, FILE
from sim.model.target_file import SHARE_MEASURES
from sim.output.console import measure_text, value_text
from sim.output.report import embedded_figure, write_page
from sim.output.study_report import read_rows

FILES = ((FILE, "the parameter sets kept, a column per dotted key, with their weights"),
         ("fit.csv", "every target: observed, before and after, the implausibility after"),
         ("waves.csv", "each wave's box, sets tried and kept, and the prior space left"),
         (CALIBRATION, "what was run, and per parameter its prior and posterior"))
FIGURES = (("fit.png", "Every observed figure against the model, before and after calibration (95% bands)"),
           ("parameters.png", "The parameter sets kept (blue, sized by weight) among all tried (grey), over the priors"))


def write_calibration_report(folder: Path) -> Path:
    """Write ``folder/report.html`` for a calibration's folder and return its path."""
    return write_page(folder / "report.html", "calibration.html", calibration_context(folder))


def calibration_context(folder: Path) -> dict[str, Any]:
    """The template's variables, every value already text."""
    summary = json.loads((folder / CALIBRATION).read_text(encoding="utf-8"))
    fit = read_rows(folder / "fit.csv")
    waves = read_rows(folder / "waves.csv")
    plausible = bool(summary["plausible"])
    tried = sum(int(w["points"]) for w in waves)
    lead = (f"{len(summary['parameters'])} parameters of experiment {summary['experiment']} fitted to "
            f"{sum(1 for t in fit if t['held_out'] == 'False')} observed figures "
            f"({sum(1 for t in fit if t['held_out'] == 'True')} held out): {summary['waves']} waves of "
            f"{summary['points']} parameter sets, {summary['replications']} replications each, "
            f"{summary['simulations']:,} replications in all, seed {summary['seed']}.")
    if plausible:
        lead += f" Effective sample size of the sets kept: {summary['effective_size']:.0f}."
    return {
        "title": f"Calibration: {summary['experiment']}",
        "lead": lead,
        "plausible": plausible,
        "nothing": (f"Nothing plausible: every one of the {tried:,} parameter sets tried puts some figure beyond "
                    "implausibility 3. Check the figures' values and uncertainties, widen the ranges, or look for "
                    "what the model leaves out."),
        "parameters": [_parameter(p) for p in summary["parameters"]],
        "targets": [_target(t) for t in fit],
        "waves": [{"wave": w["wave"], "points": w["points"], "kept": w["kept"],
                   "share": f"{float(w['share_of_prior']):.1%}", "lowest": f"{float(w['lowest_implausibility']):.1f}"}
                  for w in waves],
        "figures": [embedded_figure(folder / "figures" / name, caption) for name, caption in FIGURES
                    if (folder / "figures" / name).is_file()],
        "files": [(name, what) for name, what in FILES if (folder / name).is_file()],
    }


def _parameter(p: dict[str, Any]) -> dict[str, str]:
    known = p.get("constrained") is not None
    verdict = "yes" if p.get("constrained") else "no, about its prior"
    return {"name": str(p["parameter"]), "key": str(p["key"]),
            "prior": f"{value_text(p['prior_low'])}–{value_text(p['prior_high'])}",
            "posterior": f"{value_text(p['posterior_low'])}–{value_text(p['posterior_high'])}" if known else "–",
            "constrained": f"{verdict} ({p['width_ratio']:.0%} of its width)" if known else "–"}


def _target(t: dict[str, str]) -> dict[str, Any]:
    share = t["measure"] in SHARE_MEASURES

    def shown(cell: str) -> str:
        return measure_text(float(cell), share)

    total = (float(t["sd"]) ** 2 + float(t["discrepancy_sd"]) ** 2) ** 0.5
    after = (f"{shown(t['posterior_mean'])} ({shown(t['posterior_low'])}–{shown(t['posterior_high'])})"
             if t["posterior_mean"] else "–")
    return {"name": t["target"], "held_out": t["held_out"] == "True",
            "observed": f"{shown(t['observed'])} ({measure_text(total, share)})", "before": shown(t["prior_mean"]),
            "after": after, "implausibility": f"{float(t['implausibility']):.1f}" if t["implausibility"] else "–"}
