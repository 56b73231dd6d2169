"""``rollout-sim capacity``: the value of a key (instructors, rooms, a go-live date) at
which a site's risk meets a target, with the precision of the answer (:mod:`sim.studies.bisection`)."""
from __future__ import annotations

import datetime as dt
import shutil
from typing import Any

import click

from sim.cli.options import RISK
from sim.cli.studies import Study, study_command
from sim.model.design import point, resolve
from sim.errors import ConfigError, Problem
from sim.runs.force import NotOursError, check_replaceable
from sim.runs.launch import default_out, fail
from sim.model.overrides import OverrideError, apply_overrides, parse_value, value_at
from sim.runs.record import safe_name
from sim.runs.folder import dict_csv_text, json_text, write_atomic
from sim.studies.bisection import Evaluation, SearchResult, candidates, search
from sim.output.console import percent
from sim.model.values import ValueProblem, check_range, search_step


@click.command()
@study_command("capacity")
@click.option("--site", help="The site whose risk must be at most --max-risk (default: the [capacity] table's).")
@click.option("--max-risk", type=RISK, help="The highest acceptable risk of not being ready, like 0.05.")
@click.option("--vary", "key", metavar="KEY", help="The dotted key to search, like instructor_pool.hnt-instructors.count or site.hnt.go_live.")
@click.option("--low", help="Lowest value to try (number, date, or shift like -8w).")
@click.option("--high", help="Highest value to try.")
@click.option("--step", help="Step between values (a number; for dates a duration like 1w or 1d; default 1, dates 1w).")
@click.option("--earliest-go-live", is_flag=True,
              help="Search SITE's go-live date, the whole plan moving with it: the earliest date that meets the target (or the latest, where later dates raise the risk).")
def capacity(study: Study, site: str | None, max_risk: float | None, key: str | None, low: str | None,
             high: str | None, step: str | None, earliest_go_live: bool) -> None:
    """The value of KEY at which SITE's risk is at most --max-risk, with its precision.

    Counts (instructors, rooms) give the smallest that meets the target; a key whose
    larger values raise the risk (a delay) gives the largest. Values after a minus sign
    need an equals sign: --low=-6w.
    """
    table = study.spec.studies.capacity
    site = site or (table.site if table else None)
    max_risk = max_risk or (table.max_risk if table else None)
    if earliest_go_live:
        if key is not None:
            fail([Problem("--earliest-go-live", "", "searches the site's go-live; it cannot be given with --vary")])
        if site is not None:
            key = f"site.{site}.go_live"
        table = None  # the [capacity] table's range is for its own key
    key = key or (table.vary if table else None)
    missing = [o for o, v in (("--site", site), ("--max-risk", max_risk), ("--vary", key)) if v is None]
    if missing:
        fail([Problem(str(study.spec.file), "capacity", f"missing {', '.join(missing)}; give them as options "
                                                        "or in a [capacity] table")])
    if site not in {s.id for s in study.spec.scenarios[0].model.sites}:
        fail([Problem("--site", site, "no such site; expected one of "
                      + ", ".join(s.id for s in study.spec.scenarios[0].model.sites))])
    scenario = study.scenario or (table.scenario if table else None)
    base = study.base(scenario)
    written = {"low": parse_value(low) if low else (table.low if table else None),
               "high": parse_value(high) if high else (table.high if table else None),
               "step": parse_value(step) if step else (table.step if table else None)}
    try:
        current = value_at(apply_overrides(study.spec.raw_model, list(base.overrides)), key)
    except OverrideError as err:
        fail([Problem("--vary", key, err.message)])
    if isinstance(current, bool) or not isinstance(current, (int, float, dt.date)):
        fail([Problem("--vary", key, f"expected a key with a number or a date, got {current!r}")])
    if isinstance(current, dt.date):
        defaults = {"low": "-8w", "high": "+26w", "step": "1w"}
    elif isinstance(current, int):
        defaults = {"low": 1, "high": max(2 * current, current + 10), "step": 1}
    else:
        defaults = {}
    for name in ("low", "high", "step"):
        if written[name] is None:
            if name not in defaults:
                fail([Problem(f"--{name}", key, "required for a key whose value is not a whole number or a date")])
            written[name] = defaults[name]
    try:
        lo, hi = resolve(study.spec, base, key, [written["low"], written["high"]], "--low/--high", key)
    except ConfigError as err:
        fail(err.problems)
    try:
        step_value = search_step(written["step"], current)
    except ValueProblem as err:
        fail([Problem("--step", "", str(err))])
    try:
        check_range(lo, hi, step_value)  # before comparing them: a date and a number do not compare
    except ValueProblem as err:
        fail([Problem("--low/--high/--step", key, str(err))])
    if not lo < hi:
        fail([Problem("--low/--high", key, f"expected low < high, got {lo} and {hi}")])
    values = candidates(lo, hi, step_value)
    options = study.options(table.replications if table else None)
    root = study.out or default_out(study.spec, "capacity")
    click.echo(f"capacity: {key} from {values[0]} to {values[-1]} ({len(values)} values) for {site}, risk at most "
               f"{max_risk:.1%}; {options.replications:,} replications per value, seed {options.seed}", err=True)

    def evaluate(value: Any) -> Evaluation:
        _, summary, _ = study.run([point(f"{key}={value}", [(key, value)])], scenario,
                                  table.replications if table else None, "capacity",
                                  out=root / "values" / safe_name(str(value)))
        s = next(iter(summary["scenarios"].values()))["sites"][site]
        e = Evaluation(value, s["risk_not_ready"], *s["risk_ci95"], s["replications"])
        click.echo(f"  {key} = {value}: risk {percent(e.risk)} (95% CI {percent(e.low)}-{percent(e.high)})", err=True)
        return e

    question = {"site": site, "max_risk": max_risk, "vary": key, "low": str(values[0]), "high": str(values[-1]),
                "step": str(step_value), "replications": options.replications, "seed": options.seed}
    if root.exists() or root.is_symlink():
        # --force replaces an earlier capacity search, recognised by its structure, nothing else.
        if not study.force:
            fail([Problem("--out", "", f"{root} exists; choose another --out, or add --force to replace it")])
        try:
            check_replaceable(root, kind="capacity")
        except NotOursError as err:
            fail([Problem("--out", "", str(err))])
        shutil.rmtree(root)
    root.mkdir(parents=True)
    write_atomic(root / "capacity.json", json_text(question))
    result = search(values, max_risk, evaluate)
    rows = [{"value": e.value, "site": site, "risk": e.risk, "risk_ci95_low": e.low, "risk_ci95_high": e.high,
             "replications": e.n} for e in result.evaluations]
    write_atomic(root / "search.csv", dict_csv_text(rows))
    _print_capacity(result, key, site, max_risk, options.replications)
    click.echo(f"\nsearch table: {root / 'search.csv'}")
    if result.answer is None:
        # No answer is a finding, but a script must be able to tell it from one: exit 1,
        # with the reason where errors go.
        fail([Problem("capacity", key, f"no value from {values[0]} to {values[-1]} keeps {site}'s risk at most "
                                       f"{max_risk:.1%} ({result.reason}); widen the range")])


def _print_capacity(result: SearchResult, key: str, site: str, target: float, n: int) -> None:
    click.echo("")
    if result.answer is None:
        click.echo(f"{site}: {result.reason}.")
        return
    a, nb = result.answer, result.neighbour
    dates = isinstance(a.value, dt.date)
    word = ("earliest" if dates else "smallest") if result.direction == "up" else ("latest" if dates else "largest")
    click.echo(f"{site}: the {word} {key} with risk at most {target:.1%} is {a.value}: risk {percent(a.risk)} "
               f"(95% CI {percent(a.low)}-{percent(a.high)}, {n:,} replications).")
    if nb is not None:
        click.echo(f"  at {nb.value}: risk {percent(nb.risk)} (95% CI {percent(nb.low)}-{percent(nb.high)}).")
    else:
        click.echo(f"  ({result.reason}.)")
    maybe, sure = result.plausible
    if maybe is not None and sure is not None and maybe != sure:
        lo, hi = sorted([maybe, sure])
        click.echo(f"  precision: values from {lo} to {hi} cannot be told apart from {target:.1%} at this number of "
                   f"replications; run more (-n) to narrow it.")
    elif sure is None:
        click.echo(f"  precision: no value in the range is below {target:.1%} at the top of its 95% CI; "
                   f"widen the range or run more (-n).")
    else:
        click.echo(f"  precision: {a.value} is clear of the target at 95% confidence on both sides.")
