"""Studies from Python: sweeps, sensitivity, the capacity search and comparisons.

Each takes an experiment (a loaded spec, a path or a shipped name) and the options its
command takes, runs on the same seeds as the command does (so the numbers agree), and
returns its table as a DataFrame beside the run's :class:`~sim.api.results.Results`.
With ``out`` a study writes the folder its command writes (without figures); without
it, nothing is written.
"""
from __future__ import annotations

import dataclasses
import json
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.summary_format import read_summary
from sim.api.results import Results, from_finished
from sim.api.running import Experiment, experiment_of
from sim.errors import ConfigError, Problem
from sim.model.overrides import parse_value
from sim.output.console import capacity_text, indices_text, sweep_text, tornado_text
from sim.runs import record
from sim.runs.manifest import text_hash
from sim.studies.bisection import Evaluation, SearchResult
from sim.studies.capacity import CapacityPlan, plan_capacity, run_capacity
from sim.studies.compare import CompareError, Side, compare_sides, read_folder
from sim.studies.sensitivity import plan_sensitivity, run_sensitivity
from sim.studies.study import Study
from sim.studies.sweep import plan_sweep, run_sweep

Progress = Callable[[int, int], None]


def _study(kind: str, experiment: Experiment, set: Mapping[str, Any] | None, n: int | None, seed: int | None,
           scenario: str | None, out: str | Path | None, force: bool, executor: str, workers: int | None,
           scheduler: str | None, progress: Progress | None) -> Study:
    spec, overrides = experiment_of(experiment, set)
    return Study(kind, spec, overrides, n, seed, scenario, None if out is None else Path(out), force, executor,
                 workers, scheduler, memory=out is None, on_progress=progress)


@dataclass
class SweepResults:
    """A sweep: ``table`` (sweep.csv: per point and site, the risk with its CI and the
    paired change against the first point; then the joint risk that any site is not
    ready) and the points' run as :class:`Results` (a scenario per point)."""

    table: pd.DataFrame
    results: Results
    path: Path | None
    text: str  # the table as the command prints it

    def __str__(self) -> str:
        return self.text


def sweep(experiment: Experiment, vary: Mapping[str, Sequence[Any]] | None = None, *, n: int | None = None,
          seed: int | None = None, scenario: str | None = None, set: Mapping[str, Any] | None = None,
          out: str | Path | None = None, force: bool = False, executor: str = "process", workers: int | None = None,
          scheduler: str | None = None, progress: Progress | None = None) -> SweepResults:
    """Run ``experiment`` over a grid: ``vary`` maps dotted keys to their values (``"3w"``,
    ``"+2w"``, ``"15%"``, numbers, dates), every combination a point; without it, the
    experiment's [sweep] table."""
    study = _study("sweep", experiment, set, n, seed, scenario, out, force, executor, workers, scheduler, progress)
    wanted = None
    if vary:
        wanted = [(key, [parse_value(v) if isinstance(v, str) else v for v in values]) for key, values in vary.items()]
        if any(not values for _, values in wanted):
            raise ConfigError([Problem("vary", "", "expected at least one value for every key")])
    done = run_sweep(study, plan_sweep(study, wanted))
    return SweepResults(pd.DataFrame.from_records(done.rows), from_finished(done.finished), done.finished.path,
                        sweep_text(done.rows, done.points).strip())


@dataclass
class SensitivityResults:
    """A sensitivity study: ``table`` (the tornado for ``oat``: per site and parameter
    end, the paired change in risk; for ``morris``/``sobol`` the indices with their 95%
    CI half-widths), ``warnings`` where the design was too small to rank the
    parameters, and the design points' run as :class:`Results`."""

    method: str
    table: pd.DataFrame
    warnings: list[str]
    results: Results
    path: Path | None

    def __str__(self) -> str:
        rows = [{str(k): v for k, v in r.items()} for r in self.table.to_dict("records")]
        text = tornado_text(rows) if self.method == "oat" else indices_text(rows, self.method)
        return "\n".join([text.strip(), *(f"warning: {w}" for w in self.warnings)])


def sensitivity(experiment: Experiment, method: str = "oat", *, n: int | None = None, seed: int | None = None,
                scenario: str | None = None, set: Mapping[str, Any] | None = None, out: str | Path | None = None,
                force: bool = False, executor: str = "process", workers: int | None = None,
                scheduler: str | None = None, progress: Progress | None = None) -> SensitivityResults:
    """How much each input of the experiment's [sensitivity] table moves each site's
    readiness: ``"oat"`` (one at a time, a tornado), ``"morris"`` or ``"sobol"``."""
    study = _study("sensitivity", experiment, set, n, seed, scenario, out, force, executor, workers, scheduler,
                   progress)
    done = run_sensitivity(study, plan_sensitivity(study, method))
    return SensitivityResults(method, pd.DataFrame.from_records(done.rows), done.warnings,
                              from_finished(done.finished), done.finished.path)


@dataclass
class CapacityResults:
    """A capacity search: ``value`` is the answer (None when no value in the range meets
    the target), ``answer`` and ``neighbour`` its risk and that of the value on the other
    side of the target, ``plausible`` the values the replications cannot tell apart from
    the target (the answer's precision), ``table`` every value tried."""

    plan: CapacityPlan
    search: SearchResult
    table: pd.DataFrame
    path: Path | None

    @property
    def value(self) -> Any:
        """The value that answers the question, or None."""
        return None if self.search.answer is None else self.search.answer.value

    @property
    def answer(self) -> Evaluation | None:
        """The answer's risk with its 95% CI."""
        return self.search.answer

    @property
    def neighbour(self) -> Evaluation | None:
        """The adjacent value that misses the target."""
        return self.search.neighbour

    @property
    def plausible(self) -> tuple[Any, Any] | None:
        """(the value that meets the target only at its CI's low end, the one that meets it even at its top)."""
        return self.search.plausible

    def __str__(self) -> str:
        p = self.plan
        return capacity_text(self.search, p.key, p.site, p.max_risk, p.options.replications).strip()


def capacity(experiment: Experiment, *, site: str | None = None, max_risk: float | None = None,
             vary: str | None = None, low: Any = None, high: Any = None, step: Any = None,
             earliest_go_live: bool = False, n: int | None = None, seed: int | None = None,
             scenario: str | None = None, set: Mapping[str, Any] | None = None, out: str | Path | None = None,
             force: bool = False, executor: str = "process", workers: int | None = None,
             scheduler: str | None = None, progress: Progress | None = None) -> CapacityResults:
    """The value of ``vary`` (a dotted key: instructors, rooms, a go-live date) at which
    ``site``'s risk is at most ``max_risk``, with its precision; what is not given comes
    from the experiment's [capacity] table. ``low``, ``high``, ``step`` as the command
    takes them (``"-8w"``, ``"1w"``, numbers, dates)."""
    if max_risk is not None and not 0 < max_risk <= 1:
        raise ConfigError([Problem("max_risk", repr(max_risk), "expected a risk above 0 and at most 1, like 0.05")])
    study = _study("capacity", experiment, set, n, seed, scenario, out, force, executor, workers, scheduler,
                   progress)
    plan = plan_capacity(study, site, max_risk, vary, low, high, step, earliest_go_live)
    done = run_capacity(study, plan)
    return CapacityResults(plan, done.result, pd.DataFrame.from_records(done.rows), done.path)


def _resolved_digest(model: Mapping[str, Any]) -> str:
    """A hash of a scenario's model as resolved (after its overrides): what decides its
    numbers, with the seed."""
    return text_hash([json.dumps(model, sort_keys=True, default=str)])


def _side(run: Results | str | Path, scenario: str | None, label: str) -> Side:
    if not isinstance(run, Results):
        return read_folder(Path(run), scenario)
    if run.path is not None:
        return read_folder(run.path, scenario)
    name = scenario or run.scenarios[0]
    if name not in run.columns:
        raise CompareError(f"{label}: no scenario {name!r}; expected one of {', '.join(run.scenarios)}")
    assert run.spec is not None  # a run in memory keeps its experiment
    model = next(s.raw_model for s in run.spec.scenarios if s.name == name)
    return Side(label, name, run.summary["seed"], run.summary["model"], {RESOLVED: _resolved_digest(model)},
                run.columns[name])


RESOLVED = "resolved model"


def _comparable(side: Side) -> Side:
    """A folder's side with its inputs as a run in memory has them (the scenario's
    resolved model), so a run in memory and a folder compare like with like."""
    if RESOLVED in side.inputs:
        return side
    folder = Path(side.label)
    index = list(read_summary(folder / "summary.json")["scenarios"]).index(side.scenario)
    path = folder / record.RESOLVED / record.resolved_name(index, side.scenario)
    model = tomllib.loads(path.read_text(encoding="utf-8"))
    return dataclasses.replace(side, inputs={RESOLVED: _resolved_digest(model)})


def compare(a: Results | str | Path, b: Results | str | Path, *, scenario_a: str | None = None,
            scenario_b: str | None = None, unpaired: bool = False) -> pd.DataFrame:
    """B against A per site: the change in risk, expected untrained staff and P50/P80
    completion, with 95% CIs, paired by replication where the two runs share their seed
    and replications. ``a`` and ``b`` are results (from :func:`sim.run` or
    :func:`sim.open_results`) or folders. The frame's ``attrs`` say whether it is paired
    and which inputs differ."""
    try:
        side_a, side_b = _side(a, scenario_a, "a"), _side(b, scenario_b, "b")
        if (RESOLVED in side_a.inputs) != (RESOLVED in side_b.inputs):
            side_a, side_b = _comparable(side_a), _comparable(side_b)
        result = compare_sides(side_a, side_b, unpaired)
    except CompareError as err:
        raise ConfigError([Problem("compare", "", str(err))]) from None
    records = []
    for site, d in result["sites"].items():
        records.append({
            "site": site, "risk_a": d["risk_a"], "risk_b": d["risk_b"], "risk_difference": d["risk_difference"],
            "risk_difference_ci95_low": d["risk_difference_ci95"][0],
            "risk_difference_ci95_high": d["risk_difference_ci95"][1],
            "expected_untrained_difference": d["expected_untrained_difference"],
            "expected_untrained_difference_ci95_low": d["expected_untrained_difference_ci95"][0],
            "expected_untrained_difference_ci95_high": d["expected_untrained_difference_ci95"][1],
            **{f"{q}_completion_difference_days": d[f"{q}_completion_difference"]["days"] for q in ("p50", "p80")},
        })
    frame = pd.DataFrame.from_records(records)
    frame.attrs.update(paired=result["paired"], inputs_differ=result["inputs_differ"], a=result["a"], b=result["b"])
    return frame
