"""The shape of summary.json, defined once: the writer (:func:`sim.analysis.summary.summarise`),
the readers (figures, report, compare, studies) and the Python API share these types.

They are TypedDicts, not classes, so summary.json stays plain JSON that any tool reads,
while mypy checks every key a module reads or writes. ``format_version`` says which shape
a file has; it changes only when a field is renamed or removed or changes meaning (added
fields do not change it), and readers refuse a version they do not know rather than
misread it.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NotRequired, TypedDict, cast

FORMAT_VERSION = 1

# [low, high] of a 95% interval; None where it is not defined (no replications, a date
# beyond the horizon).
Interval = list[float | None]
DateInterval = list[str | None]


class Criteria(TypedDict):
    """Readiness criteria, with the sentence that says them."""

    share: float
    super_users: float
    unit_share: float | None
    self_training: bool
    text: str


class Risk(TypedDict):
    """A risk (share of replications) with its 95% Wilson interval."""

    risk: float | None
    ci95: Interval


class DateQuantiles(TypedDict):
    """P10/P50/P80/P90 of a date over replications (ISO dates; None = beyond the horizon),
    each with its 95% interval under ``<name>_ci95``."""

    p10: str | None
    p10_ci95: DateInterval
    p50: str | None
    p50_ci95: DateInterval
    p80: str | None
    p80_ci95: DateInterval
    p90: str | None
    p90_ci95: DateInterval


class DrawnGoLive(TypedDict):
    """The median and P90 of the go-live date as drawn (postponements)."""

    p50: str | None
    p90: str | None


class DaysDifference(TypedDict):
    """A difference of two date quantiles in days, with its bootstrap 95% interval."""

    days: int | None
    ci95: Interval


class PairedDifference(TypedDict):
    """A scenario's site against the same site in the first scenario, paired by replication."""

    paired_replications: int
    risk_difference: float | None
    risk_difference_ci95: Interval
    p50_completion_difference: DaysDifference
    p80_completion_difference: DaysDifference


class _SiteRequired(TypedDict):
    name: str
    planned_go_live: str
    go_live: str
    staff: int
    active_staff: int | None
    expected_on_long_term_leave: float | None
    criteria: Criteria
    replications: int
    not_ready: int
    risk_not_ready: float | None
    risk_ci95: Interval
    expected_untrained: float | None
    expected_untrained_ci95: Interval
    expected_share_trained: float | None
    super_users: float | None
    expected_super_users_untrained: float | None
    risk_super_users_short: Risk
    expected_share_self_trained: float | None
    risk_self_training: Risk
    risk_by_threshold: dict[str, Risk]
    never_completed: int
    completion_date: DateQuantiles
    date_95: DateQuantiles
    go_live_drawn: DrawnGoLive
    mean_sessions_run: float | None
    mean_instructor_utilisation: float | None
    mean_room_utilisation: float | None


class SiteSummary(_SiteRequired, total=False):
    """One site of one scenario over its replications. ``vs_reference`` is there for
    every scenario after the first."""

    vs_reference: PairedDifference


class ScenarioSummary(TypedDict):
    """One scenario: the model's readiness criteria and its sites, in model order."""

    readiness: Criteria
    sites: dict[str, SiteSummary]


class Summary(TypedDict):
    """The whole of summary.json."""

    format_version: int
    experiment: str
    description: str
    model: str
    seed: int
    replications: int
    scenarios: dict[str, ScenarioSummary]
    # With run --parameters: the sets the inputs were drawn from (ParameterSets.describe).
    parameter_sets: NotRequired[dict[str, Any]]


class SummaryFormatError(ValueError):
    """A summary.json of a format this version of rollout-sim does not read."""


def parse_summary(text: str, where: str = "summary.json") -> Summary:
    """A summary from its JSON text, refusing a format this version does not know.

    A summary written before format versions (no ``format_version``) has the shape of
    version 1."""
    data = json.loads(text)
    if not isinstance(data, dict) or not isinstance(data.get("scenarios"), dict):
        raise SummaryFormatError(f"{where}: not a rollout-sim summary (no scenarios)")
    version = data.setdefault("format_version", 1)
    if version != FORMAT_VERSION:
        raise SummaryFormatError(f"{where}: summary format {version!r}, but this version of rollout-sim reads "
                                 f"format {FORMAT_VERSION}; use the rollout-sim that wrote it")
    return cast(Summary, data)  # checked above as far as readers rely on it


def read_summary(path: Path) -> Summary:
    """Read ``path`` (a summary.json) with :func:`parse_summary`."""
    return parse_summary(path.read_text(encoding="utf-8"), str(path))
