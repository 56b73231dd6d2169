"""The capacity study: the value of a key (instructors, rooms, a go-live date) at which a
site's risk meets a target, with the precision of the answer.

:func:`plan_capacity` turns what was asked (options, else the [capacity] table, else
defaults that suit the key) into a checked question; :func:`run_capacity` runs one
value at a time as the bisection (:mod:`sim.studies.bisection`) asks, each in its own
results folder under ``values/`` (or in memory), and writes the search table.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import ConfigError, Problem, did_you_mean
from sim.model.design import point, resolve
from sim.model.overrides import OverrideError, apply_overrides, parse_value, value_at
from sim.model.values import ValueProblem, check_range, search_step
from sim.runs.folder import dict_csv_text, json_text, write_atomic
from sim.runs.force import replace_folder
from sim.runs.record import safe_name
from sim.runs.runner import RunOptions
from sim.studies.bisection import Evaluation, SearchResult, candidates, search
from sim.studies.study import Study

# Where the key's current value is a date or a whole number, a range that suits it.
DATE_DEFAULTS = {"low": "-8w", "high": "+26w", "step": "1w"}


@dataclass(frozen=True)
class CapacityPlan:
    """A checked capacity question: which key, over which values, for which site and target."""

    site: str
    max_risk: float
    key: str
    values: list[Any]
    step: Any
    scenario: str | None
    replications: int | None  # the [capacity] table's, if it set them
    options: RunOptions

    def question(self) -> dict[str, Any]:
        """capacity.json: what was asked, as the folder records it."""
        return {"site": self.site, "max_risk": self.max_risk, "vary": self.key, "low": str(self.values[0]),
                "high": str(self.values[-1]), "step": str(self.step), "replications": self.options.replications,
                "seed": self.options.seed}


def plan_capacity(study: Study, site: str | None, max_risk: float | None, key: str | None, low: Any = None,
                  high: Any = None, step: Any = None, earliest_go_live: bool = False) -> CapacityPlan:
    """The question, from the arguments, else the experiment's [capacity] table, else
    defaults for the key (dates: 8 weeks before to 26 weeks after, weekly; counts: 1 to
    twice the current value). ``low``, ``high`` and ``step`` may be text as written
    (``-6w``) or values."""
    table = study.spec.studies.capacity
    site = site or (table.site if table else None)
    max_risk = max_risk or (table.max_risk if table else None)
    if earliest_go_live:
        if key is not None:
            raise ConfigError([Problem("--earliest-go-live", "", "searches the site's go-live; it cannot be given "
                                                                 "with --vary")])
        if site is not None:
            key = f"site.{site}.go_live"
        table = None  # the [capacity] table's range is for its own key
    key = key or (table.vary if table else None)
    if site is None or max_risk is None or key is None:
        missing = [o for o, v in (("--site", site), ("--max-risk", max_risk), ("--vary", key)) if v is None]
        raise ConfigError([Problem(str(study.spec.file), "capacity", f"missing {', '.join(missing)}; give them "
                                                                     "as options or in a [capacity] table")])
    sites = [s.id for s in study.spec.scenarios[0].model.sites]
    if site not in sites:
        raise ConfigError([Problem("--site", site, f"no such site; expected one of {', '.join(sites)}"
                                                   f"{did_you_mean(site, sites)}")])
    scenario = study.scenario or (table.scenario if table else None)
    base = study.base(scenario)

    def given(value: Any, name: str) -> Any:
        if value not in (None, ""):
            return parse_value(value) if isinstance(value, str) else value
        return getattr(table, name) if table else None

    written = {"low": given(low, "low"), "high": given(high, "high"), "step": given(step, "step")}
    try:
        current = value_at(apply_overrides(study.spec.raw_model, list(base.overrides)), key)
    except OverrideError as err:
        raise ConfigError([Problem("--vary", key, err.message)]) from None
    if isinstance(current, bool) or not isinstance(current, (int, float, dt.date)):
        raise ConfigError([Problem("--vary", key, f"expected a key with a number or a date, got {current!r}")])
    defaults: dict[str, Any] = {}
    if isinstance(current, dt.date):
        defaults = dict(DATE_DEFAULTS)
    elif isinstance(current, int):
        defaults = {"low": 1, "high": max(2 * current, current + 10), "step": 1}
    for name in ("low", "high", "step"):
        if written[name] is None:
            if name not in defaults:
                raise ConfigError([Problem(f"--{name}", key, "required for a key whose value is not a whole number "
                                                             "or a date")])
            written[name] = defaults[name]
    lo, hi = resolve(study.spec, base, key, [written["low"], written["high"]], "--low/--high", key)
    try:
        step_value = search_step(written["step"], current)
    except ValueProblem as err:
        raise ConfigError([Problem("--step", "", str(err))]) from None
    try:
        check_range(lo, hi, step_value)  # before comparing them: a date and a number do not compare
    except ValueProblem as err:
        raise ConfigError([Problem("--low/--high/--step", key, str(err))]) from None
    if not lo < hi:
        raise ConfigError([Problem("--low/--high", key, f"expected low < high, got {lo} and {hi}")])
    replications = table.replications if table else None
    return CapacityPlan(site, max_risk, key, candidates(lo, hi, step_value), step_value, scenario, replications,
                        study.options(replications))


@dataclass
class CapacityResult:
    """A finished search: the answer with its precision, every value tried, and the
    folder (None in memory)."""

    plan: CapacityPlan
    result: SearchResult
    rows: list[dict[str, Any]]
    path: Path | None


def run_capacity(study: Study, plan: CapacityPlan,
                 on_value: Callable[[Evaluation], None] | None = None) -> CapacityResult:
    """Search, running each value the bisection asks for; ``on_value`` hears each risk
    found. Writes capacity.json (the question) first; at the end search.csv, and
    capacity.json again with the search path, the answer and its precision."""
    root = study.root()
    tried: list[Evaluation] = []  # in the order the bisection asked for them

    def evaluate(value: Any) -> Evaluation:
        out = None if root is None else root / "values" / safe_name(str(value))
        finished = study.run([point(f"{plan.key}={value}", [(plan.key, value)])], plan.scenario, plan.replications,
                             "capacity", out=out)
        s = next(iter(finished.summary["scenarios"].values()))["sites"][plan.site]
        risk, (low, high) = s["risk_not_ready"], s["risk_ci95"]
        assert risk is not None and low is not None and high is not None  # defined for one replication or more
        e = Evaluation(value, risk, low, high, s["replications"])
        tried.append(e)
        if on_value is not None:
            on_value(e)
        return e

    if root is not None:
        # --force replaces an earlier capacity search, recognised by its structure, nothing else.
        replace_folder(root, study.force, "capacity")
        write_atomic(root / "capacity.json", json_text(plan.question()))
    result = search(plan.values, plan.max_risk, evaluate)
    rows = [{"value": e.value, "site": plan.site, "risk": e.risk, "risk_ci95_low": e.low, "risk_ci95_high": e.high,
             "replications": e.n} for e in result.evaluations]
    if root is not None:
        write_atomic(root / "search.csv", dict_csv_text(rows))
        write_atomic(root / "capacity.json", json_text(capacity_record(plan, result, tried)))
    return CapacityResult(plan, result, rows, root)


def capacity_record(plan: CapacityPlan, result: SearchResult, tried: list[Evaluation]) -> dict[str, Any]:
    """capacity.json of a finished search: the question (as :meth:`CapacityPlan.question`),
    then ``search``, every value tried in the order the bisection tried it, with the site's
    risk and its 95% CI; ``direction`` ("up": larger values lower the risk, "down": smaller
    values do, "none"); ``answer`` and ``neighbour`` (the adjacent value that misses the
    target), each a value tried or null; ``precision``, the values between the one that
    meets the target only at the bottom of its CI and the one that meets it even at the
    top (``low``/``high`` in the order of the values; a bound is null when no value
    tried reaches it); and ``reason``, the search's own words."""
    def shown(e: Evaluation | None) -> dict[str, Any] | None:
        if e is None:
            return None
        return {"value": str(e.value), "risk": round(e.risk, 6), "risk_ci95": [round(e.low, 6), round(e.high, 6)],
                "replications": e.n}

    precision = None
    if result.plausible is not None:
        maybe, sure = result.plausible
        ends = [v for v in (maybe, sure) if v is not None]
        ordered = sorted(ends) if len(ends) == 2 else ends
        precision = {"maybe": None if maybe is None else str(maybe), "sure": None if sure is None else str(sure),
                     "low": str(ordered[0]) if len(ends) == 2 else None,
                     "high": str(ordered[1]) if len(ends) == 2 else None}
    return {**plan.question(), "direction": result.direction, "reason": result.reason,
            "answer": shown(result.answer), "neighbour": shown(result.neighbour), "precision": precision,
            "search": [{"step": i + 1, **(shown(e) or {})} for i, e in enumerate(tried)]}
