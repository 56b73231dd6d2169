"""report.html: one self-contained file a training lead can mail to a project board.

Built only from a results folder (summary.json, manifest.json, figures/*.png, config/),
so it can be written again on a copy of the folder on another machine. Images are
embedded as base64 data URIs and the CSS is inline: the file needs no network and no
JavaScript. The page is a Jinja2 template with autoescaping, so every text that comes
from a user's files (site and scenario names, descriptions, override values, the model
file's comments) is HTML-escaped and cannot put markup or script into the report.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import jinja2

from sim.analysis.summary_format import DaysDifference, ScenarioSummary, SiteSummary, Summary, read_summary
from sim.output.console import drawn_from, long_date, percent, verdict
from sim.runs.folder import write_atomic

TEMPLATES = Path(__file__).parent / "templates"

# The completion-date quantiles the site table shows, each with the DateQuantiles key of its 95% interval.
QUANTILES: tuple[tuple[Literal["p50", "p80", "p90"], Literal["p50_ci95", "p80_ci95", "p90_ci95"]], ...] = (
    ("p50", "p50_ci95"), ("p80", "p80_ci95"), ("p90", "p90_ci95"))

# Figure files by name prefix, in the order the report shows them.
FIGURE_GROUPS = (
    ("readiness", "Risk of not being ready, by the share of staff required",
     "Per site: the risk of not being ready if the criterion asked for 80% to 100% of active staff trained, the other "
     "criteria as they are; the model's share is the dashed line. A flat line means another criterion (every "
     "super-user trained) decides; a steep one means the share itself is close to the edge."),
    ("risk", "Risk of not being ready",
     "Per site and scenario, with 95% confidence intervals; later scenarios also as the paired change against the first."),
    ("s-curve", "Staff trained by date",
     "Per site, every scenario on one chart: the median share of staff trained over time, with its P10-P90 band across "
     "replications; the readiness threshold, the planned go-live and each postponement's decision and new go-live are "
     "marked."),
    ("completion", "When training is complete",
     "Per site, every scenario on one chart, in days from that scenario's go-live: the range from P10 to P90 of the "
     "completion date with P50, P80 and P90 and their 95% confidence intervals, and the share of replications "
     "complete by each day. Where the line crosses go-live is the share complete in time."),
    ("bottlenecks", "Where capacity binds",
     "Instructor and classroom utilisation by calendar week, with cancelled and under-filled sessions."),
)


# The files of a results folder a report links to, with what each holds, in the order
# listed; a report links only to those its folder has.
RUN_FILES = (
    ("summary.json", "per scenario and site: the risk, dates and comparisons above, with their intervals"),
    ("replications.csv", "one row per replication, scenario and site: every outcome the summary is made of"),
    ("manifest.json", "what was run: seed, replications, versions, and the SHA-256 of every input and result"),
    ("config/experiment.toml", "the experiment file as run"),
    ("config/model.toml", "the model file as run"),
    ("curves.npz", "the S-curve histograms (NumPy)"),
    ("bottlenecks.npz", "weekly capacity use (NumPy)"),
)


@dataclass(frozen=True)
class Assumption:
    """One value the model file marks as an assumption in its comment."""

    key: str    # the setting, as a dotted key where the tables allow it: site.trondheim.training_environment_ready
    value: str  # the value as written in the file
    text: str   # the comment after "assumption:"
    line: int   # line number in the model file, from 1
    before: str = ""  # the comment before "assumption:", often its source: "Sources Absence: nurse turnover 11-18% a year"


def write_report(results_dir: Path) -> Path:
    """Write ``results_dir/report.html`` from the files of the results folder and
    return its path. Needs summary.json; manifest.json, figures/ and config/ are used
    when present."""
    results_dir = Path(results_dir)
    return write_page(results_dir / "report.html", "report.html", report_context(results_dir))


def write_page(path: Path, template: str, context: dict[str, Any]) -> Path:
    """Render ``template`` with ``context`` into ``path`` (atomically: a reader sees the
    old page or the new, never half of one); return ``path``. Every page of rollout-sim
    is written this way."""
    write_atomic(path, template_environment().get_template(template).render(**context))
    return path


def template_environment() -> jinja2.Environment:
    """The reports' Jinja set-up: templates of this package, escaped, strict about names."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


# ---------------------------------------------------------------------------------------
# What the template shows: every value already formatted as text.

def report_context(results_dir: Path) -> dict[str, Any]:
    """The template's variables: plain texts and lists of them (the template escapes them)."""
    if not (results_dir / "summary.json").is_file():
        raise FileNotFoundError(f"{results_dir / 'summary.json'}: not found; is this a complete results folder?")
    summary = read_summary(results_dir / "summary.json")
    manifest = read_json(results_dir / "manifest.json") or {}
    descriptions = _scenario_descriptions(results_dir / "config" / "experiment.toml")
    scenarios = list(summary["scenarios"].items())
    reference = scenarios[0][0] if scenarios else ""
    model_file, assumptions = find_assumptions(results_dir)
    groups = _figure_groups(results_dir / "figures", summary)
    # The report leads with the risk against the share required: it shows at once how
    # close to the edge each site is, and which criterion decides.
    lead = groups[0] if groups and groups[0]["title"] == FIGURE_GROUPS[0][1] else None
    return {
        "title": f"Training readiness: {summary['experiment']}",
        "criteria": next(iter(scenarios))[1]["readiness"]["text"] if scenarios else "",
        "experiment": summary["experiment"],
        "description": summary.get("description") or "",
        "run": _run_facts(summary, manifest),
        "warning": _status_warning(summary, manifest),
        "reference": reference,
        "scenarios": [_scenario(name, scenario, i == 0, reference, descriptions.get(name, ""),
                                manifest.get("scenarios", {}).get(name))
                      for i, (name, scenario) in enumerate(scenarios)],
        "figure_groups": groups[1:] if lead else groups,
        "lead": lead,
        "assumptions": assumptions,
        "assumptions_source": _relative(model_file, results_dir),
        "assumptions_recorded": model_file is not None and model_file.parent.name == "original",
        "replications": summary["replications"],
        "files": file_links(results_dir, RUN_FILES),
    }


def file_links(folder: Path, files: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """(relative path, what it holds) of those ``files`` that ``folder`` has: a report
    links only to files a reader can open beside it."""
    return [(name, what) for name, what in files if (folder / name).is_file()]


def read_json(path: Path) -> Any:
    """A JSON file of a folder, or None when it is not there."""
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _scenario_descriptions(path: Path) -> dict[str, str]:
    """Scenario name -> description, from the experiment file as run (config/experiment.toml)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}
    return {str(s.get("name")): str(s.get("description", "")) for s in data.get("scenario", [])
            if isinstance(s, dict)}


def _run_facts(summary: Summary, manifest: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) rows of the "what was run" list (scenarios are listed separately)."""
    missing = "not recorded"
    versions = manifest.get("versions") or {}
    replications = f"{summary['replications']:,} per scenario"
    if manifest.get("stop_reason"):
        replications += f" ({manifest['stop_reason']})"
    model = str(summary.get("model", missing))
    if manifest.get("model_file"):
        model += f" (file {Path(str(manifest['model_file'])).name})"
    workers = manifest.get("workers")
    executor = str(manifest.get("executor", missing))
    if workers is not None:
        executor += f", {workers:,} worker{'s' if workers != 1 else ''}"
    commit = manifest.get("git_commit")
    return [
        ("Experiment", str(summary["experiment"])),
        ("Model", model),
        ("Replications", replications),
        ("Seed", str(summary.get("seed", manifest.get("seed", missing)))),
        ("Changes for the whole run (--set)", _overrides_text(manifest.get("overrides")) if "overrides" in manifest
         else missing),
        *([("Inputs drawn per replication", drawn_from(summary["parameter_sets"], "kept in config/parameters.csv"))]
          if "parameter_sets" in summary else []),
        ("rollout-sim version", str(versions.get("rollout-sim", missing))),
        ("Run finished", _when(manifest.get("finished"))),
        ("Executor", executor),
        ("Inputs hash", str(manifest["config_hash"])[:12] if manifest.get("config_hash") else missing),
        ("Git commit", str(commit)[:12] if commit else missing),
    ]


def _overrides_text(pairs: Any) -> str:
    return "; ".join(f"{k} = {v}" for k, v in pairs) if pairs else "none"


def _when(stamp: Any) -> str:
    """'2026-11-26T08:44:49+00:00' -> '26 Nov 2026, 08:44 UTC'."""
    if not stamp:
        return "not recorded"
    try:
        t = dt.datetime.fromisoformat(str(stamp))
    except ValueError:
        return str(stamp)
    zone = t.strftime("%z")
    zone = "" if not zone else " UTC" if zone == "+0000" else f" UTC{zone[:3]}:{zone[3:]}"
    return f"{long_date(t.date().isoformat())}, {t:%H:%M}{zone}"


def _status_warning(summary: Summary, manifest: dict[str, Any]) -> str:
    status = manifest.get("status")
    if status and status != "complete":
        return (f"The run's manifest says its status is \"{status}\": the numbers below are from the last complete "
                f"summary ({summary['replications']:,} replications per scenario).")
    return ""


def _scenario(name: str, scenario: ScenarioSummary, first: bool, reference: str, description: str,
              overrides: Any) -> dict[str, Any]:
    sites = scenario["sites"]
    return {
        "name": name,
        "reference": first,
        "description": description,
        "overrides": [f"{k} = {v}" for k, v in overrides] if overrides else [],
        "overrides_recorded": overrides is not None,
        "criteria": scenario["readiness"]["text"],
        "verdicts": [verdict(site) for site in sites.values()],
        "rows": [_row(site_id, site) for site_id, site in sites.items()],
        "comparison": [] if first else [_difference(site_id, site) for site_id, site in sites.items()
                                        if site.get("vs_reference")],
    }


def risk_text(risk: float | None, ci: list[float | None]) -> str:
    """'23% (20%–26%)': a risk with its 95% CI, as in the console table (with an en dash)."""
    low, high = ci
    return f"{percent(risk)} ({percent(low)}\u2013{percent(high)})"


def _row(site_id: str, site: SiteSummary) -> dict[str, Any]:
    c = site["completion_date"]
    drawn = site.get("go_live_drawn") or {}
    untrained = site.get("expected_untrained")
    low, high = site.get("expected_untrained_ci95") or [None, None]
    self_risk = site.get("risk_self_training") or {}
    return {
        "id": site_id,
        "name": site["name"],
        "go_live": site["go_live"],
        "go_live_drawn": (f"P50 {drawn.get('p50') or 'after the horizon'}, P90 {drawn.get('p90') or 'after the horizon'}"
                          if drawn and (drawn.get("p50"), drawn.get("p90")) != (site["go_live"],) * 2 else ""),
        "staff": f"{site.get('active_staff') or site['staff']:,}",
        "risk": risk_text(site["risk_not_ready"], site["risk_ci95"]),
        "risk_self": percent(self_risk.get("risk")),
        "untrained": "-" if untrained is None else f"{untrained:,.1f}",
        "untrained_ci": "" if low is None or high is None else f"({low:,.1f}\u2013{high:,.1f})",
        "quantiles": [{"q": q, "date": _iso(c.get(q)), "ci": _date_ci(c.get(ci))} for q, ci in QUANTILES],
    }


def _iso(day: str | None) -> str:
    return day if day is not None else "not within the horizon"


def _date_ci(ci: list[str | None] | None) -> str:
    """'95% CI 2022-06-29 to 2022-07-07'; a missing bound is open (too few replications,
    or, for the upper one, not within the horizon)."""
    if not ci:
        return ""
    low, high = ci
    if low is None and high is None:
        return "95% CI: too few replications"
    return f"95% CI {low or 'open'} to {high or 'open'}"


def _difference(site_id: str, site: SiteSummary) -> dict[str, str]:
    d = site["vs_reference"]
    low, high = d.get("risk_difference_ci95") or [None, None]
    risk = d.get("risk_difference")
    return {
        "id": site_id,
        "name": site["name"],
        "risk": "-" if risk is None else signed(100 * risk, 1) + (
            " (95% CI open)" if low is None or high is None else f" ({signed(100 * low, 1)} to {signed(100 * high, 1)})"),
        "p50": _days(d.get("p50_completion_difference")),
        "p80": _days(d.get("p80_completion_difference")),
    }


def _days(diff: DaysDifference | None) -> str:
    days = diff.get("days") if diff else None
    if not diff or days is None:
        return "not within the horizon"
    low, high = diff.get("ci95") or [None, None]
    ci = " (95% CI open)" if low is None or high is None else f" ({signed(low, 0)} to {signed(high, 0)})"
    return f"{signed(days, 0)}{ci}"


def signed(x: float, digits: int) -> str:
    """+5.2, -3, and 0 without a sign (nor a '-0.0'): how every page writes a change."""
    text = f"{x:+.{digits}f}"
    return text[1:] if float(text) == 0 else text


def _relative(path: Path | None, root: Path) -> str:
    if path is None:
        return ""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name


# ---------------------------------------------------------------------------------------
# Figures: every PNG in figures/, grouped by name prefix, embedded as data URIs.

def slug(text: str) -> str:
    """As the figure file names spell names: lower-case ASCII letters, digits and dashes."""
    plain = text.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    plain = plain.encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-") or "x"


def _figure_groups(folder: Path, summary: Summary) -> list[dict[str, Any]]:
    pngs = sorted(p for p in folder.glob("*.png") if p.is_file()) if folder.is_dir() else []
    scenarios = list(summary["scenarios"].items())
    # file-name tail -> (sort key, caption) for the names this summary can produce: the
    # completion figures are one per site, the others with a tail one per scenario
    by_scenario: dict[str, tuple[tuple[int, int], str]] = {}
    by_site: dict[str, tuple[tuple[int, int], str]] = {}
    for i, (name, scenario) in enumerate(scenarios):
        by_scenario[slug(name)] = ((i, -1), f"scenario {name}")
        for site_id, site in scenario["sites"].items():
            by_site.setdefault(slug(site_id), ((0, len(by_site)), site["name"]))
    groups: list[dict[str, Any]] = []
    left = list(pngs)
    for prefix, title, blurb in FIGURE_GROUPS:
        mine = [p for p in left if p.stem == prefix or p.stem.startswith(prefix + "-")]
        left = [p for p in left if p not in mine]
        figures = []
        for p in mine:
            tail = p.stem[len(prefix) + 1:]
            known = by_site if prefix in ("completion", "s-curve") else by_scenario
            order, caption = known.get(tail, ((len(scenarios), 0), tail)) if tail else ((-1, 0), title)
            figures.append((order, p.name, embedded_figure(p, f"{title}: {caption}" if tail else title)))
        if figures:
            groups.append({"title": title, "blurb": blurb,
                           "figures": [f for _, _, f in sorted(figures, key=lambda t: (t[0], t[1]))]})
    if left:
        groups.append({"title": "Other figures", "blurb": "",
                       "figures": [embedded_figure(p, p.stem) for p in left]})
    return groups


def embedded_figure(path: Path, caption: str) -> dict[str, str]:
    """A PNG as the reports show it: its caption, its file name and its bytes as a data URI."""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return {"caption": caption, "file": path.name, "src": f"data:image/png;base64,{data}"}


# ---------------------------------------------------------------------------------------
# Assumptions: the lines of the original model file whose comment says "assumption:".

def find_assumptions(results_dir: Path) -> tuple[Path | None, list[Assumption]]:
    """The model file the assumptions are read from, and its assumptions.

    The original model file is the ``*.toml`` in ``config/original/`` with a ``[model]``
    table; without that folder, ``config/model.toml`` (written without comments, so no
    assumptions); (None, []) when neither is there."""
    original = results_dir / "config" / "original"
    if original.is_dir():
        for path in sorted(original.glob("*.toml")):
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                continue
            if isinstance(data.get("model"), dict):
                return path, assumptions(path.read_text(encoding="utf-8"))
    fallback = results_dir / "config" / "model.toml"
    if fallback.is_file():
        return fallback, assumptions(fallback.read_text(encoding="utf-8"))
    return None, []


_ASSUMPTION = re.compile(r"assumption:", re.IGNORECASE)
_HEADER_PART = re.compile(r'"((?:[^"\\]|\\.)*)"|\'([^\']*)\'|([^.\s]+)')


def assumptions(text: str) -> list[Assumption]:
    """Every ``key = value  # ... assumption: why`` line of a TOML model file, in file
    order, with the key as a dotted path (``site.hnt.go_live``; elements of arrays of
    tables by their ``id``, else their position). A comment on a line of a value that
    spans lines counts for that value's key. Comment-only lines are not values and are
    left out (the file's preamble, for one, explains the word "assumption:")."""
    try:
        data: Any = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        data = {}
    scanner = _Scanner()
    table = _Tables(data)
    out: list[Assumption] = []
    pending: tuple[str, str] | None = None  # (key, value) of a value spanning lines
    for number, line in enumerate(text.splitlines(), start=1):
        in_value = pending is not None or scanner.in_string
        code, comment, eq = scanner.line(line)
        stripped = code.strip()
        if in_value:
            key, value = pending if pending is not None else ("", "")
            line_value = stripped
        elif stripped.startswith("["):
            table.header(stripped)
            continue
        elif eq is not None:
            key, value = table.key(code[:eq].strip()), code[eq + 1:].strip()
            line_value = value
        else:
            continue
        pending = (key, value) if scanner.depth > 0 or scanner.in_string else None
        note = comment or ""
        match = _ASSUMPTION.search(note)
        if match and key:
            before = note[:match.start()].strip().rstrip(";,(").strip()
            out.append(Assumption(key, line_value, note[match.end():].strip(), number, before))
    return out


class _Scanner:
    """Splits TOML lines into code and comment, knowing strings (also those that span
    lines) and how deep in brackets a value that spans lines is."""

    def __init__(self) -> None:
        self.string: str | None = None  # the delimiter of a multi-line string we are in
        self.depth = 0

    @property
    def in_string(self) -> bool:
        return self.string is not None

    def line(self, line: str) -> tuple[str, str | None, int | None]:
        """(code, comment or None, index of the first '=' outside strings and brackets)."""
        i, n, eq = 0, len(line), None
        while i < n:
            if self.string is not None:
                end = self._string_end(line, i, self.string)
                if end is None:
                    return line, None, eq
                i, self.string = end, None
                continue
            ch = line[i]
            if ch == "#":
                return line[:i], line[i + 1:], eq
            if ch in "\"'":
                delim = ch * 3 if line.startswith(ch * 3, i) else ch
                end = self._string_end(line, i + len(delim), delim)
                if end is None:
                    if len(delim) == 3:
                        self.string = delim
                    return line, None, eq
                i = end
                continue
            if ch in "[{":
                self.depth += 1
            elif ch in "]}":
                self.depth = max(0, self.depth - 1)
            elif ch == "=" and eq is None and self.depth == 0:
                eq = i
            i += 1
        return line, None, eq

    @staticmethod
    def _string_end(line: str, start: int, delim: str) -> int | None:
        """Index just after the closing ``delim`` from ``start``; None if not on this line."""
        i = start
        while i < len(line):
            if delim[0] == '"' and line[i] == "\\":
                i += 2
                continue
            if line.startswith(delim, i):
                end = i + len(delim)
                while len(delim) == 3 and line.startswith(delim[0], end):  # """a"""" ends after the last quote
                    end += 1
                return end
            i += 1
        return None


class _Tables:
    """The table a line is in, as a dotted key: [[site]] elements by their id."""

    def __init__(self, data: Any) -> None:
        self.data = data
        self.count: dict[tuple[Any, ...], int] = {}  # array of tables -> index of its latest element
        self.path: list[Any] = []

    def header(self, stripped: str) -> None:
        array = stripped.startswith("[[")
        inner = stripped[2:stripped.rfind("]]")] if array else stripped[1:stripped.rfind("]")]
        parts = [next(g for g in m.groups() if g is not None) for m in _HEADER_PART.finditer(inner)]
        path: list[Any] = []
        node = self.data
        for k, part in enumerate(parts):
            path.append(part)
            node = node.get(part) if isinstance(node, dict) else None
            if isinstance(node, list):
                at = tuple(path)
                if array and k == len(parts) - 1:
                    self.count[at] = self.count.get(at, -1) + 1
                index = self.count.get(at, len(node) - 1)
                path.append(index)
                node = node[index] if 0 <= index < len(node) else None
        self.path = path

    def key(self, key: str) -> str:
        names: list[str] = []
        node = self.data
        for part in self.path:
            if isinstance(part, int):
                element = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
                ident = element.get("id") if isinstance(element, dict) else None
                names.append(ident if isinstance(ident, str) else str(part))
                node = element
            else:
                names.append(part)
                node = node.get(part) if isinstance(node, dict) else None
        return ".".join([*names, key])
