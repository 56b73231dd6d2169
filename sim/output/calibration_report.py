"""A calibration's report.html: what was fitted, to what, what the figures constrained,
every target before and after, the waves and the figures, from the folder's files
alone (calibration.json, fit.csv, waves.csv, figures/*.png), self-contained like the
run's report (:mod:`sim.output.report`)."""
from __future__ import annotations

import base64
import csv
import json
from pathlib import Path
from typing import Any

from sim.model.target_file import SHARE_MEASURES
from sim.runs.folder import write_atomic

FILES = (("parameters.csv", "the parameter sets kept, a column per dotted key, with their weights"),
         ("fit.csv", "every target: observed, before and after, the implausibility after"),
         ("waves.csv", "each wave's box, sets tried and kept, and the prior space left"),
         ("calibration.json", "what was run, and per parameter its prior and posterior"))
FIGURES = (("fit.png", "Every observed figure against the model, before and after calibration (95% bands)"),
           ("parameters.png", "The parameter sets kept (blue, sized by weight) among all tried (grey), over the priors"))


def write_calibration_report(folder: Path) -> Path:
    """Write ``folder/report.html`` for a calibration's folder and return its path."""
    from sim.output.report import template_environment

    html = template_environment().get_template("calibration.html").render(**calibration_context(folder))
    path = folder / "report.html"
    write_atomic(path, html)
    return path


def calibration_context(folder: Path) -> dict[str, Any]:
    """The template's variables, every value already text."""
    summary = json.loads((folder / "calibration.json").read_text(encoding="utf-8"))
    fit = _rows(folder / "fit.csv")
    waves = _rows(folder / "waves.csv")
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
        "figures": [_figure(folder / "figures" / name, caption) for name, caption in FIGURES
                    if (folder / "figures" / name).is_file()],
        "files": [(name, what) for name, what in FILES if (folder / name).is_file()],
    }


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _parameter(p: dict[str, Any]) -> dict[str, str]:
    known = p.get("constrained") is not None
    return {"name": str(p["parameter"]), "key": str(p["key"]), "prior": f"{_v(p['prior_low'])}–{_v(p['prior_high'])}",
            "posterior": f"{_v(p['posterior_low'])}–{_v(p['posterior_high'])}" if known else "–",
            "constrained": ("yes" if p["constrained"] else "no, about its prior") + f" ({p['width_ratio']:.0%} of its "
                           "width)" if known else "–"}


def _target(t: dict[str, str]) -> dict[str, Any]:
    share = t["measure"] in SHARE_MEASURES
    total = (float(t["sd"]) ** 2 + float(t["discrepancy_sd"]) ** 2) ** 0.5
    after = (f"{_n(t['posterior_mean'], share)} ({_n(t['posterior_low'], share)}–{_n(t['posterior_high'], share)})"
             if t["posterior_mean"] else "–")
    return {"name": t["target"], "held_out": t["held_out"] == "True",
            "observed": f"{_n(t['observed'], share)} ({_n(str(total), share)})", "before": _n(t["prior_mean"], share),
            "after": after, "implausibility": f"{float(t['implausibility']):.1f}" if t["implausibility"] else "–"}


def _n(text: str, share: bool) -> str:
    x = float(text)
    return f"{x:.0%}" if share else f"{x:,.0f}" if abs(x) >= 10 else f"{x:.1f}"


def _v(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _figure(path: Path, caption: str) -> dict[str, str]:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return {"caption": caption, "file": f"figures/{path.name}", "src": f"data:image/png;base64,{data}"}
