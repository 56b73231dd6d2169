"""What a run or a study found, in words and console tables (dates as people write them).

Every function returns text; the command line prints it.
"""
from __future__ import annotations

import datetime as dt
import math
import textwrap
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.analysis.summary_format import ScenarioSummary, SiteSummary, Summary
from sim.model.catalogue import Shipped
from sim.model.labels import label
from sim.model.parameter_sets import ParameterSets
from sim.model.spec import Readiness, share_text
from sim.model.target_file import SHARE_MEASURES
from sim.output.text_width import WIDTH, fit_table, paragraph
from sim.studies.bisection import Evaluation, SearchResult
from sim.studies.sweep import ANY_SITE

if TYPE_CHECKING:
    from sim.analysis.targets import TargetFit
    from sim.studies.calibrate import CalibrationResult
    from sim.studies.history_matching import Wave


def long_date(iso: str | None) -> str:
    """'2023-02-11' -> '11 Feb 2023'; None -> 'not within the horizon'."""
    if iso is None:
        return "not within the horizon"
    d = dt.date.fromisoformat(iso)
    return f"{d.day} {d:%b %Y}"


def short_date(iso: str | None, year_of: str | None = None) -> str:
    """'2023-02-02' -> '2 Feb' when in the same year as ``year_of``, else '2 Feb 2023';
    None -> 'beyond the horizon'."""
    if iso is None:
        return "beyond the horizon"
    d = dt.date.fromisoformat(iso)
    same = year_of is not None and dt.date.fromisoformat(year_of).year == d.year
    return f"{d.day} {d:%b}" if same else f"{d.day} {d:%b %Y}"


def percent(x: float | None) -> str:
    """0.2312 -> '23%'; below 1% one decimal."""
    if x is None:
        return "-"
    value = 100 * x
    return f"{value:.1f}%" if 0 < value < 1 else f"{value:.0f}%"


def readiness_of(site: SiteSummary) -> Readiness:
    """A site's readiness criteria as its summary records them."""
    c = site["criteria"]
    return Readiness(c["share"], c["super_users"], c["unit_share"], c["self_training"])


def verdict(site: SiteSummary) -> str:
    """One sentence a board can read, e.g. 'Helse Nord-Trøndelag HF: 23% risk (95% CI
    20-26%) of not having at least 95% of 3,140 active staff and every super-user trained
    by 10 Feb 2023, the eve of go-live; 95% trained by 2 Feb (median), 19 Feb (P90).'"""
    low, high = site["risk_ci95"]
    crit = readiness_of(site)
    eve = (dt.date.fromisoformat(site["go_live"]) - dt.timedelta(days=1)).isoformat()
    c = site["completion_date"]
    median = short_date(c["p50"], site["go_live"])
    p90 = short_date(c["p90"], site["go_live"])
    return (f"{site['name']}: {percent(site['risk_not_ready'])} risk (95% CI {percent(low)[:-1]}-{percent(high)}) "
            f"of not having {crit.describe(site['active_staff'])} trained by {long_date(eve)}, the eve of go-live; "
            f"{share_text(crit.share)} trained by {median} (median), {p90} (P90).")  # as describe() writes it


def table_date(iso: str | None) -> str:
    """'2024-10-09' -> '9 Oct 24', short enough for a table's column; None -> '> horizon'."""
    if iso is None:
        return "> horizon"
    d = dt.date.fromisoformat(iso)
    return f"{d.day} {d:%b %y}"


def risk_ci(risk: float | None, low: float | None, high: float | None) -> str:
    """A risk with its 95% CI as a table cell: '23% (20-26%)'."""
    return f"{percent(risk)} ({percent(low)[:-1]}-{percent(high)})"


TABLE_KEY = ("not ready: the risk of not being ready on the eve of go-live (95% CI); self-trn: the risk that too "
             "few had also finished self-training; untrained: expected active staff untrained on the eve; P50, "
             "P80, P90: the date the share required was trained by, in 50%, 80% and 90% of replications.")


def table(scenario: ScenarioSummary) -> str:
    """A table of one scenario's sites within 80 columns: the risks, then (in a table of
    their own when both do not fit side by side) the completion dates, each with the
    site and its go-live. :data:`TABLE_KEY` says what the columns are."""
    head = ("site", "go-live", "active", "not ready (95% CI)", "self-trn", "untrained", "P50", "P80", "P90")
    rows = []
    for site_id, s in scenario["sites"].items():
        low, high = s["risk_ci95"]
        c = s["completion_date"]
        rows.append((site_id, table_date(s["go_live"]), f"{s['active_staff']:,}",
                     risk_ci(s["risk_not_ready"], low, high), percent(s["risk_self_training"]["risk"]),
                     f"{s['expected_untrained']:.1f}", table_date(c["p50"]), table_date(c["p80"]),
                     table_date(c["p90"])))
    return "\n".join(fit_table(head, rows, keys=2, groups=(4, 3)))


def run_text(summary: Summary) -> str:
    """Per scenario: its table, then a paragraph per site (its verdict and, after the
    first scenario, the change in risk against it), within 80 columns."""
    lines: list[str] = []
    for i, (name, scenario) in enumerate(summary["scenarios"].items()):
        lines += [f"\nscenario {name}: {summary['replications']} replications, seed {summary['seed']}",
                  table(scenario), ""]
        if i == 0:  # the key once: the tables of later scenarios have the same columns
            lines += [paragraph(TABLE_KEY), ""]
        for site in scenario["sites"].values():
            text = verdict(site)
            if "vs_reference" in site:
                d = site["vs_reference"]
                low, high = d["risk_difference_ci95"]
                text += f" Against the first scenario: risk {d['risk_difference']:+.1%}"
                text += f" (95% CI {low:+.1%} to {high:+.1%})." if low is not None and high is not None else "."
            lines.append(paragraph(text))
    return "\n".join(lines)


def sweep_text(rows: list[dict[str, Any]], points: list[Any]) -> str:
    """The sweep table within 80 columns: a row per point, a column per site's risk with
    its 95% CI (the sites split over several tables when they do not fit side by side),
    and a key naming the varied keys in full, with their units."""
    keys = [k for k, _ in points[0].settings]
    sites = list(dict.fromkeys(r["site"] for r in rows))
    labels = [label(k) for k in keys]  # the one table of labels: as figures and reports name them
    head = [lab.text for lab in labels] + sites
    cells_by_row = []
    for p in points:
        cells = list(p.labels)
        for s in sites:
            r = next(r for r in rows if r["point"] == p.name and r["site"] == s)
            cells.append(risk_ci(r["risk"], r["risk_ci95_low"], r["risk_ci95_high"]))
        cells_by_row.append(cells)
    named = "; ".join(f"{lab.text}: {lab.key}{f' ({lab.unit})' if lab.unit else ''}" for lab in labels if lab.known)
    anywhere = f"; {ANY_SITE}: the risk that at least one site is not ready" if ANY_SITE in sites else ""
    key = (f"Each site's risk (95% CI) of not being ready on the eve of go-live, at each point{anywhere}"
           f"{'; ' + named if named else ''}.")
    return "\n".join(["", *fit_table(head, cells_by_row, keys=len(keys)), "", paragraph(key)])


def tornado_text(rows: list[dict[str, Any]]) -> str:
    """Per site, each parameter's change in risk against the base, largest first, within
    80 columns."""
    lines: list[str] = []
    for site in dict.fromkeys(r["site"] for r in rows):
        mine = sorted((r for r in rows if r["site"] == site), key=lambda r: -abs(r["risk_change"] or 0))
        lines.append("\n" + paragraph(f"{site}: change in risk not ready against base (95% CI), largest first"))
        for r in mine:
            low, high = r["risk_change_ci95_low"], r["risk_change_ci95_high"]
            ci = f" ({low:+.1%} to {high:+.1%})" if low is not None else ""
            p80 = f"; P80 {r['p80_change_days']:+d} days" if r["p80_change_days"] is not None else ""
            lines.append(paragraph(f"{r['parameter']} = {r['value']} ({r['end']}): {r['risk_change']:+.1%}{ci}{p80}",
                                   first="  ", indent="      "))
    return "\n".join(lines)


def indices_text(rows: list[dict[str, Any]], method: str) -> str:
    """Per site and output, the parameters' Morris mu* or Sobol' total indices with their
    95% CI half-widths, largest first, a line each."""
    main = "mu_star" if method == "morris" else "ST"
    name = "mu*" if method == "morris" else "total index ST"
    lines: list[str] = []
    for site, output in dict.fromkeys((r["site"], r["output"]) for r in rows):
        mine = sorted((r for r in rows if r["site"] == site and r["output"] == output), key=lambda r: -r[main])
        lines.append("\n" + paragraph(f"{site}, {output.replace('_', ' ')}: {name} (+- its 95% CI), largest first"))
        lines += [paragraph(f"{r['parameter']} {r[main]:.3g} +-{r[main + '_conf']:.2g}", first="  ", indent="      ")
                  for r in mine]
    return "\n".join(lines)


def duration(seconds: float) -> str:
    """A run time as people say it: '40 s', '12 min', '1.5 h'."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def capacity_text(result: SearchResult, key: str, site: str, target: float, n: int) -> str:
    """The capacity search's answer, its neighbour on the other side of the target, and
    how precisely the replications place it."""
    lines = [""]
    if result.answer is None:
        lines.append(paragraph(f"{site}: {result.reason}."))
        return "\n".join(lines)
    a, nb = result.answer, result.neighbour
    dates = isinstance(a.value, dt.date)
    word = ("earliest" if dates else "smallest") if result.direction == "up" else ("latest" if dates else "largest")
    lines.append(f"{site}: the {word} {key} with risk at most {target:.1%} is {a.value}: risk {percent(a.risk)} "
                 f"(95% CI {percent(a.low)}-{percent(a.high)}, {n:,} replications).")
    if nb is not None:
        lines.append(f"  at {nb.value}: risk {percent(nb.risk)} (95% CI {percent(nb.low)}-{percent(nb.high)}).")
    else:
        lines.append(f"  ({result.reason}.)")
    maybe, sure = result.plausible or (None, None)
    if maybe is not None and sure is not None and maybe != sure:
        lo, hi = sorted([maybe, sure])
        lines.append(f"  precision: values from {lo} to {hi} cannot be told apart from {target:.1%} at this number "
                     f"of replications; run more (-n) to narrow it.")
    elif sure is None:
        lines.append(f"  precision: no value in the range is below {target:.1%} at the top of its 95% CI; "
                     f"widen the range or run more (-n).")
    else:
        lines.append(f"  precision: {a.value} is clear of the target at 95% confidence on both sides.")
    # Each line a paragraph of its own within 80 columns, indented as it starts.
    return "\n".join(paragraph(line.lstrip(), first=line[:len(line) - len(line.lstrip())], indent="    ")
                     if line else line for line in lines)


def evaluation_text(key: str, e: Evaluation) -> str:
    """One value the capacity search tried, and the risk it found."""
    return paragraph(f"{key} = {e.value}: risk {percent(e.risk)} (95% CI {percent(e.low)}-{percent(e.high)})",
                     first="  ", indent="      ")


COMPARE_KEY = ("risk A, risk B: the risk of not being ready in each run; change: B's risk less A's; untrained: "
               "the change in expected untrained active staff; P50, P80 days: the change in the completion dates, "
               "in days (+: later). 95% CIs in brackets.")


def compare_text(result: dict[str, Any]) -> str:
    """The change from A to B per site within 80 columns: a table of the risks and their
    change, expected untrained and P50/P80 completion (split when it does not fit), and
    a key."""
    how = "paired by replication (same seeds)" if result["paired"] else "unpaired (independent runs)"
    lines = [paragraph(f"B ({result['b']['folder']}, {result['b']['scenario']}) against A ({result['a']['folder']}, "
                       f"{result['a']['scenario']}), {how}:")]
    if result["inputs_differ"]:
        lines.append(paragraph(f"note: the two runs' inputs differ ({', '.join(result['inputs_differ'])}), so the "
                               "change is that of every difference between them, not of the scenarios alone",
                               first="  ", indent="    "))

    def change(value: float | None, ci: list[float | None], form: str, unit: str = "") -> str:
        if value is None:
            return "-"
        low, high = ci
        return f"{value:{form}}{unit}" + (f" ({low:{form}} to {high:{form}}{unit})" if low is not None else "")

    head = ("site", "risk A", "risk B", "change (95% CI)", "untrained (95% CI)", "P50 days", "P80 days")
    rows = []
    for site, d in result["sites"].items():
        p50, p80 = d["p50_completion_difference"], d["p80_completion_difference"]
        rows.append((site, percent(d["risk_a"]), percent(d["risk_b"]),
                     change(100 * d["risk_difference"], [None if x is None else 100 * x
                                                          for x in d["risk_difference_ci95"]], "+.1f", "%"),
                     change(d["expected_untrained_difference"], d["expected_untrained_difference_ci95"], "+.1f"),
                     change(p50["days"], p50["ci95"], "+.0f"), change(p80["days"], p80["ci95"], "+.0f")))
    lines += ["", *fit_table(head, rows, groups=(3, 1, 2)), "", paragraph(COMPARE_KEY)]
    return "\n".join(lines)


def targets_text(fits: list[TargetFit]) -> str:
    """Each target against the model, within 80 columns: observed with its total sd
    (observation and model discrepancy), the model's mean with the middle 95% of its
    replications, and the implausibility I (over 3, marked x: the model cannot have made
    the observation)."""
    lines = [f"{'target':<24} {'observed (sd)':>15} {'model (95% of reps)':>21} {'I':>5}", "-" * WIDTH]
    for f in fits:
        t = f.target
        share = t.measure in SHARE_MEASURES
        name, *more = textwrap.wrap(t.name, 24) or [""]  # the rest of a long name on lines of its own
        total = (t.sd ** 2 + t.discrepancy_sd ** 2) ** 0.5
        observed = f"{measure_text(t.observed, share)} ({measure_text(total, share)})"
        model = f"{measure_text(f.mean, share)} ({measure_text(f.low, share)}-{measure_text(f.high, share)})"
        note = ("  " if f.plausible else " x") + (" held out" if t.held_out else "")
        lines.append(f"{name:<24} {observed:>15} {model:>21} {f.implausibility:>5.1f}{note}".rstrip())
        lines += [f"  {line}" for line in more]
    worst = max(fits, key=lambda f: f.implausibility)
    summary = (f"{sum(f.plausible for f in fits)} of {len(fits)} targets within implausibility 3 (x: beyond), from "
               f"{fits[0].n:,} replications of each scenario; furthest: {worst.target.name} "
               f"(I {worst.implausibility:.1f}).")
    return "\n".join(lines + [""] + textwrap.wrap(summary, WIDTH))


def measure_text(x: float, share: bool) -> str:
    """A measure's value: a share as a percentage, a count with thousands separators."""
    if share:
        return f"{x:.0%}"
    return f"{x:,.0f}" if abs(x) >= 10 else f"{x:.1f}"


def wave_text(wave: Wave) -> str:
    """One wave of a calibration, in a line: how many parameter sets it kept, and the share
    of the prior space that is left."""
    best = float(wave.implausibility.max(axis=1).min()) if len(wave.points) else math.nan
    return paragraph(f"wave {wave.number}: {int(wave.kept.sum())} of {len(wave.points)} parameter sets not ruled "
                     f"out; {wave.share_of_prior:.1%} of the prior space left (lowest largest I {best:.1f})")


def calibration_text(result: CalibrationResult) -> str:
    """What a calibration found, within 80 columns: the parameters the targets constrained
    and those still about their prior, then every target before and after."""
    m = result.matching
    if not m.plausible:
        best = min(float(w.implausibility.max(axis=1).min()) for w in m.waves)
        worst = _furthest(result)
        return "\n".join(textwrap.wrap(
            f"Nothing plausible: every one of the {sum(len(w.points) for w in m.waves):,} parameter sets tried puts "
            f"some target beyond implausibility 3 (the closest set: I {best:.1f}; the target furthest off: "
            f"{worst}). The model cannot make these observations within the parameters' ranges: check the "
            "targets' values and uncertainties, widen the ranges, or look for what the model leaves out.", WIDTH))
    lines = [f"{len(result.parameters):,} parameter sets kept (effective sample size {m.effective_size:.0f}).", "",
             f"{'parameter':<24} {'prior':>17} {'posterior 90%':>19}  constrained", "-" * WIDTH]
    for p in result.constrained:
        prior = f"{value_text(p['prior_low'])}-{value_text(p['prior_high'])}"
        post = f"{value_text(p['posterior_low'])}-{value_text(p['posterior_high'])}"
        name, *more = textwrap.wrap(p["parameter"], 24) or [""]
        lines.append(f"{name:<24} {prior:>17} {post:>19}  {'yes' if p['constrained'] else 'no'} "
                     f"({p['width_ratio']:.0%})")
        lines += [f"  {line}" for line in more]
    lines += ["", f"{'target':<24} {'observed':>10} {'before':>10} {'after (95%)':>23} {'I':>5}", "-" * WIDTH]
    rows = [r for r in result.fit if not r["held_out"]]
    held = [r for r in result.fit if r["held_out"]]
    for row in rows + ([None] if held else []) + held:
        if row is None:
            lines.append("held out (not fitted): what the calibrated model predicts")
            continue
        share = row["measure"] in SHARE_MEASURES
        name, *more = textwrap.wrap(row["target"], 24) or [""]
        after = (f"{measure_text(row['posterior_mean'], share)} ({measure_text(row['posterior_low'], share)}-"
                 f"{measure_text(row['posterior_high'], share)})")
        note = " x" if row["implausibility"] > 3 else ""
        lines.append(f"{name:<24} {measure_text(row['observed'], share):>10} {measure_text(row['prior_mean'], share):>10} "
                     f"{after:>23} {row['implausibility']:>5.1f}{note}".rstrip())
        lines += [f"  {line}" for line in more]
    lines += [""] + textwrap.wrap("constrained: the posterior's 90% interval is narrower than half the prior's (its "
                                  "width, as a share of the prior's, in brackets); no: the targets leave it about "
                                  "where its prior range put it.", WIDTH)
    lines += [""] + textwrap.wrap("before: the mean over the first wave's sets (the prior); after: weighted over the "
                                  "sets kept, with the middle 95% of the sets' means; I: after, with x beyond 3.", WIDTH)
    return "\n".join(lines)


def _furthest(result: CalibrationResult) -> str:
    """The fitted target with the largest implausibility at the set closest to all targets."""
    m, names = result.matching, [t.name for t in result.plan.fitted]
    best_wave = min(m.waves, key=lambda w: float(w.implausibility.max(axis=1).min()))
    row = best_wave.implausibility[int(np.argmin(best_wave.implausibility.max(axis=1)))]
    return f"{names[int(np.argmax(row))]}, I {float(row.max()):.1f}"


def value_text(v: Any) -> str:
    """A parameter's value, short: a date as written, a number to 3 significant figures."""
    return v if isinstance(v, str) else f"{v:.3g}" if isinstance(v, float) else str(v)


def parameter_sets_text(sets: ParameterSets) -> str:
    """What a run's inputs were drawn from, and (when the sets are a calibration's) which
    of them the observed figures constrained and which are still about their prior."""
    return "\n" + "\n".join(textwrap.wrap(drawn_from(sets.describe(), str(sets.file)), WIDTH, break_on_hyphens=False))


def drawn_from(described: dict[str, Any], file: str) -> str:
    """A sentence on parameter sets as summary.json describes them."""
    parameters = described["parameters"]
    names = [p["parameter"] or p["key"] for p in parameters]
    text = (f"Inputs drawn per replication from {described['sets']:,} weighted parameter sets ({file}) of "
            f"{', '.join(names)}: the risks carry their uncertainty.")
    narrowed = [_ranged(p, "posterior") for p in parameters if p["constrained"] is True]
    prior = [_ranged(p, "prior") for p in parameters if p["constrained"] is False]
    if narrowed or prior:
        text += (f" Constrained by the observed figures: {', '.join(narrowed) or 'none'}; still about their prior "
                 f"range: {', '.join(prior) or 'none'}.")
    return text


def _ranged(p: dict[str, Any], which: str) -> str:
    """A parameter's name with its prior or posterior range."""
    return f"{p['parameter']} ({value_text(p[f'{which}_low'])}-{value_text(p[f'{which}_high'])})"


def shipped_text(files: list[Shipped]) -> str:
    """The shipped models and experiments within 80 columns: per file its name (what a
    command takes) and description, and for an experiment the commands it answers (run,
    and the studies its tables set up) and its scenarios (what --scenario takes)."""
    width = max(len(f.name) for f in files) + 4
    models = [f for f in files if f.kind == "model"]
    lines: list[str] = []
    for kind, heading in (("model", "Models (an experiment file names its model):"),
                          ("experiment", "Experiments (rollout-sim COMMAND NAME):")):
        mine = [f for f in files if f.kind == kind]
        if not mine:
            continue
        lines += ["", heading] if lines else [heading]
        for f in mine:
            about = f"{f.title}, {f.sites} sites: {f.description}" if kind == "model" else f.description
            lines.append(paragraph(about, first=f"  {f.name}".ljust(width), indent=" " * width))
            if kind == "model":
                continue
            run = "run (the default)" if f.default else "run"  # what run runs when no experiment is named
            facts = [f"commands: {', '.join((run, *f.commands))}", f"scenarios: {', '.join(f.scenarios)}"]
            if len(models) > 1:  # with one model, naming it on every line says nothing
                facts.append(f"model: {f.model}")
            lines.append(paragraph("; ".join(facts), first=" " * width, indent=" " * (width + 2)))
    return "\n".join(lines)
