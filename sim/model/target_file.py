"""The ``[[target]]`` tables of an experiment file: figures that were observed, each
compared with one simulated measure (what ``rollout-sim targets`` reports, and what a
calibration fits to).

A target names its measure and the keys that measure takes (:data:`MEASURES`), the
observed value, its uncertainty and its source. Everything that can be checked before a
run is checked when the experiment loads (so ``validate`` reports it): the keys of the
measure, sites, curriculum kinds and scenarios that exist, date ranges that run
forwards, an observed value the measure can take, an uncertainty that is not zero.
"""
from __future__ import annotations

import math
from typing import Any

from sim.errors import Problem, did_you_mean
from sim.limits import MAX_OBSERVED, MAX_TARGETS
from sim.model.reader import Table, unique_ids
from sim.model.spec import CURRICULUM_KINDS, ExperimentSpec, TargetSpec

# measure -> (the keys it takes besides the common ones, the values it can take, what it is)
MEASURES: dict[str, tuple[tuple[str, ...], tuple[float, float], str]] = {
    "sessions": (("kind", "sites", "from", "to"), (0, MAX_OBSERVED),
                 "class sessions run of the curriculum kind's courses (refreshers left out) at the sites, "
                 "starting from one date to another"),
    "sessions_per_working_day": (("kind", "sites", "from", "to"), (0, MAX_OBSERVED),
                                 "the same sessions divided by the working days of the range (the model's "
                                 "calendar without site closures)"),
    "learners_booked": (("kind", "sites", "from", "to"), (0, MAX_OBSERVED),
                        "places booked in those sessions: learners called to a class, whether or not they came"),
    "share_trained_by": (("site", "date"), (0, 1),
                         "the share of the site's staff required on that day whose training is complete"),
    "share_trained_at_go_live": (("site",), (0, 1),
                                 "the share of the site's active staff trained on the eve of its go-live"),
    "ready": (("site",), (0, 1), "1 if the site meets its readiness criteria on the eve of go-live, else 0"),
}
SHARE_MEASURES = ("share_trained_by", "share_trained_at_go_live", "ready")  # the others count sessions or people
# Every key some measure takes: a target may not give one its measure does not take.
MEASURE_KEYS = tuple(dict.fromkeys(k for keys, _, _ in MEASURES.values() for k in keys))
# An interval is read as about 95% sure: the observation within 1.96 sd either side.
INTERVAL_SDS = 2 * 1.959963984540054


def read_targets(root: Table) -> tuple[TargetSpec, ...]:
    """The ``[[target]]`` tables of an experiment (unchecked against its model yet)."""
    tables = root.tables("target")
    if len(tables) > MAX_TARGETS:
        root.problem("target", f"expected at most {MAX_TARGETS:,} targets, got {len(tables):,}")
        return ()
    names = unique_ids(tables, "target", key="name") if tables else []
    targets = []
    for t, name in zip(tables, names):
        target = _target(t, name)
        t.finish()
        if target is not None:
            targets.append(target)
    return tuple(targets)


def _target(t: Table, name: str | None) -> TargetSpec | None:
    measure = t.str("measure", choices=tuple(MEASURES))
    source = t.str("source")
    scenario = t.ident("scenario", None, what="a scenario name")
    held_out = t.value("held_out", False)
    if not isinstance(held_out, bool):
        t.problem("held_out", f"expected true or false, got {held_out!r}")
    if measure is None:
        return None
    keys, (low, high), _ = MEASURES[measure]
    observed = t.number("observed", low=low, high=high)
    sd, discrepancy = _uncertainty(t, observed)
    fields: dict[str, Any] = {}
    if "kind" in keys:
        fields["kind"] = t.str("kind", choices=CURRICULUM_KINDS)
    if "sites" in keys:
        fields["sites"] = t.str_list("sites", ())
    if "site" in keys:
        site = t.ident("site", what="a site id")
        fields["sites"] = (site,) if site else None
    if "from" in keys:
        fields["first"], fields["last"] = t.date("from"), t.date("to")
        if fields["first"] and fields["last"] and fields["last"] < fields["first"]:
            t.problem("to", f"expected a date on or after from ({fields['first']}), got {fields['last']}")
            return None
    if "date" in keys:
        fields["day"] = t.date("date")
    for key in (k for k in MEASURE_KEYS if k not in keys):
        if t.has(key):
            t.problem(key, f"not a key of measure {measure!r}, which takes {', '.join(keys)}")
    if (name is None or observed is None or sd is None or discrepancy is None or source is None
            or None in fields.values() or not isinstance(held_out, bool)):
        return None
    return TargetSpec(name, measure, float(observed), sd, discrepancy, source, scenario, held_out=held_out,
                      **fields)


def _uncertainty(t: Table, observed: float | None) -> tuple[float | None, float | None]:
    """The observation's sd (given, or from a 95% interval) and the model discrepancy's."""
    discrepancy = t.number("discrepancy_sd", 0.0, low=0, high=MAX_OBSERVED)
    if t.has("interval") and t.has("sd"):
        t.problem("interval", "give sd or interval, not both")
        return None, discrepancy
    if t.has("interval"):
        interval = t.value("interval")
        if (not isinstance(interval, list) or len(interval) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                           and abs(v) <= MAX_OBSERVED for v in interval)
                or not interval[0] < interval[1]):
            t.problem("interval", f"expected [low, high], two numbers with low < high, got {interval!r}")
            return None, discrepancy
        if observed is not None and not interval[0] <= observed <= interval[1]:
            t.problem("interval", f"expected an interval around observed ({observed:g}), got {interval!r}")
            return None, discrepancy
        sd = (interval[1] - interval[0]) / INTERVAL_SDS
    else:
        sd = t.number("sd", low=0, high=MAX_OBSERVED)
    if sd is not None and discrepancy is not None and sd == 0 and discrepancy == 0:
        t.problem("sd", "expected an uncertainty above 0 (sd, interval or discrepancy_sd): no observation is exact, "
                        "and a model matched to one exactly matches nothing")
        return None, discrepancy
    return (float(sd) if sd is not None else None), (float(discrepancy) if discrepancy is not None else None)


def check_targets(spec: ExperimentSpec) -> list[Problem]:
    """What a target names that the experiment lacks: a scenario, a site of it, or a
    curriculum kind its model has no curriculum of."""
    problems: list[Problem] = []
    file = str(spec.file)
    scenarios = {s.name: s for s in spec.scenarios}
    for i, target in enumerate(spec.targets):
        key = f"target.{i}"  # as the reader names them: [[target]] tables have no id
        if target.scenario is not None and target.scenario not in scenarios:
            problems.append(Problem(file, f"{key}.scenario",
                                    f"no scenario {target.scenario!r}; the experiment has {', '.join(scenarios)}"
                                    f"{did_you_mean(target.scenario, scenarios)}"))
            continue
        model = (scenarios[target.scenario] if target.scenario else spec.scenarios[0]).model
        ids = [site.id for site in model.sites]
        for site in target.sites:
            if site not in ids:
                field = "site" if "site" in MEASURES[target.measure][0] else "sites"
                problems.append(Problem(file, f"{key}.{field}", f"no site {site!r} in the model; it has {', '.join(ids)}"
                                                                f"{did_you_mean(site, ids)}"))
        if target.kind is not None and target.kind not in {c.kind for c in model.curricula}:
            problems.append(Problem(file, f"{key}.kind", f"the model has no {target.kind} curriculum"))
    return problems
