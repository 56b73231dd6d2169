"""A capacity search's report.html: the answer in one sentence with its precision, the
search path as a table and the risk-against-value figure, from the folder's files alone
(capacity.json, search.csv, values/*/summary.json for the site's name, figures/), as
self-contained as the run's report (:mod:`sim.output.report`)."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from sim.model.labels import label
from sim.model.overrides import value_or_none
from sim.output.console import percent
from sim.output.report import embedded_figure, file_links, read_json, write_page
from sim.output.study_report import label_of, read_rows, read_toml, risk_cell, site_names, value_shown

FILES = (("capacity.json", "the question, every value tried in the order tried, the answer and its precision"),
         ("search.csv", "every value tried, with the site's risk and its 95% CI"))


def write_capacity_report(folder: Path, svg: bool = False) -> Path:
    """Draw figures/capacity.png unless the folder has it, then write
    ``folder/report.html`` for a capacity search's folder and return its path."""
    if not (folder / "figures" / "capacity.png").is_file():
        draw_capacity_figure(folder, svg)
    return write_page(folder / "report.html", "capacity.html", capacity_context(folder))


def draw_capacity_figure(folder: Path, svg: bool = False) -> list[Path]:
    """figures/capacity.png from capacity.json (nothing when it has no search path yet)."""
    from sim.output.capacity_figures import capacity_figures

    record = json.loads((folder / "capacity.json").read_text(encoding="utf-8"))
    if not record.get("search"):
        return []
    return capacity_figures(record, folder / "figures", site_name(folder, record["site"]),
                            label(record["vary"], model_of(folder)).axis, svg)


def value_runs(folder: Path) -> list[Path]:
    """The results folders of the values tried (values/<value>/), in name order."""
    values = folder / "values"
    return sorted(p for p in values.iterdir() if p.is_dir() and (p / "summary.json").is_file()) \
        if values.is_dir() else []


def model_of(folder: Path) -> dict[str, Any]:
    """The model as the user wrote it (a value's config/original/ file with a [model]
    table), else a value's model as run: for labels and the key's own value."""
    runs = value_runs(folder)
    for run in runs:
        for path in sorted((run / "config" / "original").glob("*.toml")):
            data = read_toml(path)
            if "model" in data and "experiment" not in data:
                return data
    return read_toml(runs[0] / "config" / "model.toml") if runs else {}


def site_name(folder: Path, site: str) -> str:
    """The site's name from a value's summary.json (its id when none says)."""
    for run in value_runs(folder):
        name = site_names(read_json(run / "summary.json") or {}).get(site)
        if name is not None:
            return name
    return site


def _ci(e: dict[str, Any]) -> str:
    return risk_cell(e["risk"], *e["risk_ci95"])["ci"]


def _is_date(text: str) -> bool:
    """Whether a value as capacity.json writes it is a date (2023-03-11)."""
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def answer_sentence(record: dict[str, Any], what: str, site: str) -> str:
    """The answer in one sentence (or why there is none)."""
    target = f"{record['max_risk']:.1%}".replace(".0%", "%")
    a = record.get("answer")
    if a is None:
        reason = str(record.get("reason") or "")
        told = "" if not reason or reason.startswith("no value in the range") else f": {reason}"
        return (f"No {what} from {record['low']} to {record['high']} keeps {site}'s risk of not being ready at "
                f"{target} or less{told}.")
    dates = _is_date(a["value"])
    word = ("earliest" if dates else "smallest") if record["direction"] == "up" else ("latest" if dates else "largest")
    return (f"The {word} {what} that keeps {site}'s risk of not being ready at {target} or less is {a['value']}: "
            f"risk {percent(a['risk'])} ({_ci(a)}, {a['replications']:,} replications).")


def precision_sentence(record: dict[str, Any]) -> str:
    """How precisely the replications place the answer."""
    if record.get("answer") is None:
        return ""
    p = record.get("precision") or {}
    target = f"{record['max_risk']:.1%}".replace(".0%", "%")
    if p.get("low") is not None and p.get("high") is not None and p["low"] != p["high"]:
        return (f"Precision: the values from {p['low']} to {p['high']} cannot be told apart from {target} with this "
                "many replications; run more (-n) to narrow the range.")
    if p.get("sure") is None:
        return (f"Precision: no value tried is below {target} even at the top of its 95% CI; widen the range or run "
                "more replications (-n).")
    return f"Precision: {record['answer']['value']} is clear of the target at 95% confidence on both sides."


def capacity_context(folder: Path) -> dict[str, Any]:
    """The capacity template's variables, every value already text."""
    record = json.loads((folder / "capacity.json").read_text(encoding="utf-8"))
    model = model_of(folder)
    name = site_name(folder, record["site"])
    key = label_of(record["vary"], model)
    what = f"value of {key['text']}" + (f" ({key['unit']})" if key["unit"] else "")
    search = record.get("search")
    finished = search is not None  # else only the question: an older rollout-sim, or a search cut short
    if search is None:  # search.csv has the values tried, if the search got that far
        search = [{"step": "", "value": r["value"], "risk": float(r["risk"]),
                   "risk_ci95": [float(r["risk_ci95_low"]), float(r["risk_ci95_high"])],
                   "replications": int(r["replications"])} for r in read_rows(folder / "search.csv")]
    answer = (record.get("answer") or {}).get("value")
    neighbour = (record.get("neighbour") or {}).get("value")
    rows = [{"step": str(e.get("step", "")), "value": e["value"], "risk": percent(e["risk"]), "ci": _ci(e),
             "meets": "yes" if e["risk"] <= record["max_risk"] else "no",
             "note": "the answer" if e["value"] == answer else "next to it, misses" if e["value"] == neighbour
             else "", "answer": e["value"] == answer} for e in search]
    figure = folder / "figures" / "capacity.png"
    return {
        # "Site A: go-live" already names the site
        "title": f"Capacity: {key['text']}" if name in key["text"] else f"Capacity: {name}, {key['text']}",
        "answer": answer_sentence(record, what, name) if finished else (
            f"This folder's capacity.json holds only the question ({what} for {name}), not the search's answer: "
            "it was written by an older rollout-sim or by a search that did not finish. The values tried are "
            "below; run the search again for its answer and precision."),
        "found": answer is not None or not finished,
        "precision": precision_sentence(record),
        "question": [("Site", name), ("Highest acceptable risk", f"{record['max_risk']:.1%}"),
                     ("Range searched", f"{record['low']} to {record['high']}, in steps of {record['step']}"
                                        + (" days" if _is_date(str(record["low"])) else "")),
                     ("Replications per value", f"{record['replications']:,}"), ("Seed", str(record["seed"])),
                     ("The model's own value", value_shown(value_or_none(model, record["vary"])))],
        "key": key,
        "rows": rows,
        "figure": embedded_figure(figure, f"{name}: risk of not being ready at each value tried, with its 95% CI")
        if figure.is_file() else None,
        "files": file_links(folder, FILES),
        "values": [(f"values/{run.name}/summary.json", run.name) for run in value_runs(folder)],
    }
