"""The report.html of a sweep's and of a sensitivity study's folder, and the helpers the
study reports share (reading a folder's CSV, model and labels).

A sweep's and a sensitivity study's folders are run folders too (their points ran as
the scenarios of one experiment), so a run's report of them would be a page of
near-identical scenario sections; their own reports lead with the study's table instead.
Like the run's report (:mod:`sim.output.report`), each is drawn from the folder's files
alone (the study's CSV, summary.json, manifest.json, config/ and figures/), embeds its
figures and needs no network and no JavaScript.
"""
from __future__ import annotations

import csv
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.model.labels import label
from sim.model.overrides import value_or_none
from sim.output.console import percent
from sim.output.report import embedded_figure, file_links, read_json, signed, slug, write_page
from sim.studies.sweep import ANY_SITE  # the joint rows of sweep.csv

COMMON_FILES = (
    ("summary.json", "per point and site: risk, dates and paired changes, with their intervals"),
    ("replications.csv", "one row per replication, point and site: every outcome the tables are made of"),
    ("manifest.json", "what was run: seed, replications, versions, and the SHA-256 of every input and result"),
    ("config/experiment.toml", "the points as the scenarios of one experiment, as run"),
    ("config/model.toml", "the model file as run"),
)
SWEEP_FILES = (("sweep.csv", "per point and site: risk with its CI, expected untrained, P50/P80 completion, "
                             "the paired change against the first point"),) + COMMON_FILES
SENSITIVITY_FILES = (
    ("tornado.csv", "per parameter, end and site: the paired change in risk and P80 completion against the base"),
    ("indices.csv", "per site, output and parameter: the sensitivity indices with their 95% CI half-widths"),
) + COMMON_FILES


class UnknownFolder(ValueError):
    """A folder that is not what a report expected; the message says what was expected."""


# ---------------------------------------------------------------------------------------
# Reading a study's folder

def read_rows(path: Path) -> list[dict[str, str]]:
    """A CSV file of the folder as rows of text."""
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file of a folder's config/, or no tables when it is missing or unreadable:
    a report then names keys without their elements' names, rather than failing."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}


def raw_model(folder: Path) -> dict[str, Any]:
    """The model's tables as run (config/model.toml), for labels and the model's values;
    empty when the folder does not keep it."""
    return read_toml(folder / "config" / "model.toml")


def original_experiment(folder: Path) -> dict[str, Any]:
    """The experiment file as the user wrote it (config/original/, the one with an
    [experiment] table): its study tables say what the study was asked."""
    original = folder / "config" / "original"
    for path in sorted(original.glob("*.toml")) if original.is_dir() else []:
        data = read_toml(path)
        if "experiment" in data:
            return data
    return {}


def value_shown(value: Any) -> str:
    """A model value as a reader reads it: a distribution as its name and parameters."""
    if value is None:
        return "not set (its default)"
    if isinstance(value, dict):
        parts = ", ".join(f"{k} {v}" for k, v in value.items() if k != "dist")
        return f"{value.get('dist', 'distribution')} ({parts})" if parts else str(value.get("dist", value))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _model_value(model: dict[str, Any], key: str) -> str:
    """The model's own value of ``key`` as a reader reads it, a plain number with its
    unit ("0 days"); "-" for a parameter without a key."""
    if not key:
        return "-"
    value = value_or_none(model, key)
    text, unit = value_shown(value), label(key, model).unit
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    return f"{text} {unit}" if numeric and unit and unit not in ("share", "probability") else text


def label_of(key: str, model: dict[str, Any]) -> dict[str, str]:
    """A key as the reports name it: its label, unit and the key itself (small print)."""
    found = label(key, model)
    return {"text": found.text, "unit": found.unit, "key": key}


def site_names(summary: dict[str, Any]) -> dict[str, str]:
    """Site id -> name, in the summary's order (every scenario has the same sites)."""
    names: dict[str, str] = {}
    for scenario in summary.get("scenarios", {}).values():
        for site_id, site in scenario.get("sites", {}).items():
            names.setdefault(site_id, str(site.get("name", site_id)))
    return names


def _number(cell: Any) -> float | None:
    return None if cell is None or cell == "" else float(cell)


def risk_cell(risk: Any, low: Any, high: Any) -> dict[str, str]:
    """A risk and its 95% CI as two texts: '23%' and '95% CI 20%–26%'."""
    r, lo, hi = _number(risk), _number(low), _number(high)
    return {"value": percent(r), "ci": "" if lo is None or hi is None else f"95% CI {percent(lo)}\u2013{percent(hi)}"}


def change_cell(change: Any, low: Any, high: Any, unit: str = "") -> dict[str, str]:
    """A paired change and its 95% CI ('+5.0' and '95% CI +1.0 to +9.0'), from numbers
    or a CSV's texts: risk changes (``unit`` "pp") in percentage points, day changes as
    whole days, others to one decimal; a missing bound is open."""
    c, lo, hi = _number(change), _number(low), _number(high)

    def shown(x: float | None) -> str:
        if x is None:
            return "open"
        return signed(100 * x, 1) if unit == "pp" else signed(x, 0 if unit == "days" else 1)

    if c is None:
        return {"value": "not within the horizon" if unit == "days" else "-", "ci": ""}
    ci = "" if lo is None and hi is None else f"95% CI {shown(lo)} to {shown(hi)}"
    return {"value": shown(c), "ci": ci}


def study_figures(folder: Path, prefixes: tuple[str, ...], names: dict[str, str], what: str
                  ) -> list[dict[str, str]]:
    """The PNGs of ``folder/figures`` whose names start with one of ``prefixes``, in the
    order of the sites, each captioned with its site's name."""
    figures = folder / "figures"
    if not figures.is_dir():
        return []
    slugs = {slug(site_id): (i, name) for i, (site_id, name) in enumerate(names.items())}
    slugs.setdefault("any-site", (len(slugs), "any site"))
    found = []
    for path in sorted(figures.glob("*.png")):
        prefix = next((p for p in prefixes if path.stem.startswith(p + "-") or path.stem == p), None)
        if prefix is None:
            continue
        tail = path.stem[len(prefix) + 1:]
        # the longest site slug that starts the tail: "hnt-risk" is HNT's risk figure
        site = max((s for s in slugs if tail == s or tail.startswith(s + "-")), key=len, default=None)
        order, name = slugs[site] if site is not None else (len(slugs) + 1, tail)
        rest = tail[len(site) + 1:].replace("-", " ") if site is not None and tail != site else ""
        caption = f"{what}: {name}" + (f", {rest}" if rest else "")
        found.append((order, path.name, embedded_figure(path, caption)))
    return [f for _, _, f in sorted(found, key=lambda t: (t[0], t[1]))]


def _lead_facts(summary: dict[str, Any], manifest: dict[str, Any], points: int) -> str:
    seed = summary.get("seed", manifest.get("seed", "not recorded"))
    model = summary.get("model", "the model")
    return (f"{points} point{'s' if points != 1 else ''} x {summary['replications']:,} replications on the same "
            f"random numbers, seed {seed}; model {model}.")


def _status_warning(manifest: dict[str, Any]) -> str:
    status = manifest.get("status")
    if status and status != "complete":
        return f"The folder's manifest says its status is \"{status}\": the study did not finish."
    return ""


# ---------------------------------------------------------------------------------------
# Sweep

def write_sweep_report(folder: Path) -> Path:
    """Write ``folder/report.html`` for a sweep's folder and return its path."""
    return write_page(folder / "report.html", "sweep.html", sweep_context(folder))


def sweep_context(folder: Path) -> dict[str, Any]:
    """The sweep template's variables, every value already text."""
    rows = read_rows(folder / "sweep.csv")
    if not rows:
        raise UnknownFolder(f"{folder / 'sweep.csv'}: empty; expected a row per point and site")
    summary = read_json(folder / "summary.json") or {}
    manifest = read_json(folder / "manifest.json") or {}
    model = raw_model(folder)
    columns = list(rows[0])
    keys = columns[columns.index("point") + 1:columns.index("site")]
    names = site_names(summary)
    for r in rows:  # sites the summary does not name (none, unless it is missing) keep their ids
        if r["site"] != ANY_SITE:
            names.setdefault(r["site"], r["site"])
    any_site = any(r["site"] == ANY_SITE for r in rows)
    shown_sites = list(names.items()) + ([(ANY_SITE, "any site")] if any_site else [])
    points = list(dict.fromkeys(r["point"] for r in rows))
    by = {(r["point"], r["site"]): r for r in rows}
    values = {p: [by[next(k for k in by if k[0] == p)][key] for key in keys] for p in points}
    # The model's value: the point whose values are the model's own (as the manifest
    # records each point's settings) is marked; none is when the sweep skipped it.
    own = {key: value_or_none(model, key) for key in keys}
    settings = manifest.get("scenarios") or {}

    def is_base(p: str) -> bool:
        set_here = dict(settings.get(p) or [])
        return bool(set_here) and all(own[k] is not None and str(set_here.get(k)) == str(own[k]) for k in keys)

    def grid(cell: Callable[[dict[str, str]], dict[str, str]], sites: list[tuple[str, str]]
             ) -> list[dict[str, Any]]:
        return [{"point": p, "values": values[p], "base": is_base(p),
                 "cells": [cell(by[(p, s)]) if (p, s) in by else {"value": "-", "ci": ""} for s, _ in sites]}
                for p in points]

    def p80(r: dict[str, str]) -> dict[str, str]:
        return {"value": r.get("p80_completion") or "not within the horizon", "ci": ""}

    varied: list[dict[str, Any]] = [{"label": label_of(k, model), "tried": ", ".join(dict.fromkeys(values[p][i] for p in points)),
               "model": _model_value(model, k)} for i, k in enumerate(keys)]
    first = next(iter(summary.get("scenarios", {}).values()), None)
    wording = " and ".join(f"{v['label']['text']}" for v in varied)
    return {
        "title": f"Sweep: {summary.get('experiment', folder.name)}",
        "lead": f"The risk of not being ready as {wording} change{'s' if len(varied) == 1 else ''}: "
                + _lead_facts(summary, manifest, len(points)),
        "warning": _status_warning(manifest),
        "varied": varied,
        "sites": shown_sites,
        "sites_only": list(names.items()),
        "any_site": any_site,
        "replications": f"{int(summary.get('replications') or rows[0]['replications']):,}",
        "criteria": first["readiness"]["text"] + " trained" if first else "its readiness criteria",
        "risk_rows": grid(lambda r: risk_cell(r["risk"], r["risk_ci95_low"], r["risk_ci95_high"]), shown_sites),
        "p80_rows": grid(p80, list(names.items())),
        "figures": study_figures(folder, ("sweep",), names, "Risk against the value"),
        "files": file_links(folder, SWEEP_FILES),
    }


# ---------------------------------------------------------------------------------------
# Sensitivity

METHOD_TEXT = {
    "oat": ("one at a time", "Each parameter was set to its low and then its high value, every other input at the "
            "model's value (the base), and each site's risk and P80 completion compared with the base's, "
            "replication by replication. The tornado puts the largest change on top."),
    "morris": ("Morris elementary effects", "Trajectories through the parameters' ranges moved one parameter at a "
               "time; mu* is the mean size of the change in the output one parameter's step made (large: it "
               "matters), sigma how much that change depends on the others (large: interactions or a bend)."),
    "sobol": ("Sobol' variance shares", "Points spread over all the ranges at once; S1 is the share of the "
              "output's variance a parameter explains alone, ST the share it has a hand in, interactions "
              "included. ST well above S1 means the parameter matters together with others."),
}


def write_sensitivity_report(folder: Path) -> Path:
    """Write ``folder/report.html`` for a sensitivity study's folder and return its path."""
    return write_page(folder / "report.html", "sensitivity.html", sensitivity_context(folder))


def sensitivity_method(folder: Path) -> tuple[str, list[dict[str, str]]]:
    """The method (oat, morris, sobol) and its table's rows: tornado.csv is one at a
    time; indices.csv is Morris when it has mu*, else Sobol'."""
    if (folder / "tornado.csv").is_file():
        return "oat", read_rows(folder / "tornado.csv")
    rows = read_rows(folder / "indices.csv")
    return ("morris" if rows and "mu_star" in rows[0] else "sobol"), rows


def sensitivity_context(folder: Path) -> dict[str, Any]:
    """The sensitivity template's variables, every value already text."""
    from sim.studies.sensitivity import warnings

    method, rows = sensitivity_method(folder)
    summary = read_json(folder / "summary.json") or {}
    manifest = read_json(folder / "manifest.json") or {}
    model = raw_model(folder)
    table = original_experiment(folder).get("sensitivity") or {}
    declared = {str(p.get("name") or str(p.get("key", "")).rsplit(".", 1)[-1]): p
                for p in table.get("parameter", []) if isinstance(p, dict)}
    names = site_names(summary)
    # The parameters in the table's order: from tornado.csv's own keys and values, else
    # from the experiment's [sensitivity] table (indices.csv names them only).
    parameters: dict[str, dict[str, Any]] = {}
    for r in rows:
        name = r["parameter"]
        if name in parameters:
            continue
        given = declared.get(name, {})
        key = r.get("key") or str(given.get("key", ""))
        low = next((x["value"] for x in rows if x["parameter"] == name and x.get("end") == "low"), given.get("low"))
        high = next((x["value"] for x in rows if x["parameter"] == name and x.get("end") == "high"),
                    given.get("high"))
        parameters[name] = {"name": name, "label": label_of(key, model) if key else
                            {"text": name, "unit": "", "key": ""},
                            "low": "-" if low is None else str(low), "high": "-" if high is None else str(high),
                            "model": _model_value(model, key)}
    notes: list[str] = []
    if method != "oat":
        numeric = [{k: (float(v) if k not in ("site", "output", "parameter") else v) for k, v in r.items()}
                   for r in rows]
        # The study's own warnings, each led by its site's name rather than its id:
        # "<site>, <output>, <parameter>: <what>" as sim.studies.sensitivity.warnings words it.
        for note in warnings(method, numeric):
            site, _, rest = note.partition(", ")
            output, _, rest = rest.partition(", ")
            notes.append(f"{names.get(site, site)}, {output.replace('_', ' ')}, {rest}")
    sites = [{"id": s, "name": names.get(s, s), **(_tornado(rows, s, parameters) if method == "oat" else
                                                   _indices(rows, s, method, parameters))}
             for s in dict.fromkeys(r["site"] for r in rows)]
    points = len(summary.get("scenarios", {})) or len(rows)
    title, how = METHOD_TEXT[method]
    prefixes = ("tornado",) if method == "oat" else (method,)
    return {
        "title": f"Sensitivity ({title}): {summary.get('experiment', folder.name)}",
        "lead": f"How much each of {len(parameters)} uncertain inputs moves each site's readiness: "
                + _lead_facts(summary, manifest, points),
        "warning": _status_warning(manifest),
        "contents": [("how-to-read", "How to read this"), ("parameters", "Parameters and their ranges"),
                     *([("precision", "Precision")] if notes else []),
                     *[(f"site-{i}", s["name"]) for i, s in enumerate(sites, 1)],
                     ("figures", "Figures"), ("files", "Files")],
        "method": method,
        "method_name": title,
        "method_text": how,
        "parameters": list(parameters.values()),
        "precision": notes,
        "sites": sites,
        "replications": f"{summary.get('replications', 0):,}",
        "figures": study_figures(folder, prefixes, names, "Sensitivity" if method != "oat" else "Tornado"),
        "files": file_links(folder, SENSITIVITY_FILES),
    }


def _tornado(rows: list[dict[str, str]], site: str, parameters: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One site's tornado as a table: per parameter, the change at each end, the largest first."""
    mine = [r for r in rows if r["site"] == site]
    out = []
    for name, p in parameters.items():
        ends = {r["end"]: r for r in mine if r["parameter"] == name}
        size = max((abs(_number(r["risk_change"]) or 0.0) for r in ends.values()), default=0.0)
        cells = {}
        for end in ("low", "high"):
            r = ends.get(end)
            cells[end] = change_cell(r["risk_change"], r["risk_change_ci95_low"], r["risk_change_ci95_high"], "pp") \
                if r else {"value": "-", "ci": ""}
            cells[f"{end}_p80"] = change_cell(r["p80_change_days"], r["p80_change_days_ci95_low"],
                                              r["p80_change_days_ci95_high"], "days") if r else {"value": "-", "ci": ""}
        out.append((-size, {"parameter": p, **cells}))
    out.sort(key=lambda t: t[0])  # stable: ties keep the table's order
    return {"tornado": [row for _, row in out], "no_effect": all(size == 0 for size, _ in out)}


def _indices(rows: list[dict[str, str]], site: str, method: str, parameters: dict[str, dict[str, Any]]
             ) -> dict[str, Any]:
    """One site's indices, per output, the largest first."""
    fields = ("mu_star", "sigma") if method == "morris" else ("S1", "ST")
    outputs = []
    for output in dict.fromkeys(r["output"] for r in rows if r["site"] == site):
        mine = [r for r in rows if r["site"] == site and r["output"] == output]
        mine.sort(key=lambda r: -float(r[fields[0] if method == "morris" else "ST"]))
        table = []
        for r in mine:
            cells = []
            for f in fields:
                conf = r.get(f"{f}_conf")
                cells.append({"value": f"{float(r[f]):.3g}", "ci": f"\u00b1 {float(conf):.2g}" if conf else ""})
            table.append({"parameter": parameters.get(r["parameter"], {"label": {"text": r["parameter"], "unit": "",
                                                                                  "key": ""}}),
                          "cells": cells})
        outputs.append({"output": output.replace("_", " "), "rows": table,
                        "no_effect": all(float(r[fields[0] if method == "morris" else "ST"]) == 0 for r in mine)})
    return {"outputs": outputs,
            "columns": ["mu*", "sigma"] if method == "morris" else ["S1 (alone)", "ST (with interactions)"]}
