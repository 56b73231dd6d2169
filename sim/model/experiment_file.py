"""Read an experiment TOML file: a model, replications, seed, named scenarios, study tables
and observed targets."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from sim.errors import ConfigError, Problem
from sim.limits import (
    MAX_DESCRIPTION_LENGTH,
    MAX_PATH_LENGTH,
    MAX_REPLICATIONS,
    MAX_SEED,
    MAX_TOML_BYTES,
)
from sim.model.input_files import file_problem, resolved, shown_path
from sim.model.model_file import build_model, load_toml
from sim.model.overrides import OverrideError, apply_overrides
from sim.model.parameter_sets import ParameterSets, pick, read_parameter_sets
from sim.model.reader import Problems, Table, unique_ids
from sim.model.spec import ExperimentSpec, ModelSpec, Scenario
from sim.model.study_file import check_studies, read_studies
from sim.model.target_file import check_targets, read_targets

DEFAULT_SCENARIO = "base"


def is_experiment(raw: dict[str, Any]) -> bool:
    """Whether parsed TOML is an experiment file (it has an [experiment] table)."""
    return "experiment" in raw


def load_experiment(path: Path, overrides: Sequence[tuple[str, Any]] = ()) -> ExperimentSpec:
    """Read and validate an experiment file, its model and every scenario.

    ``overrides`` (dotted keys from ``--set``) apply to the experiment file when they
    start with ``experiment.``, otherwise to the model, before each scenario's own.
    """
    raw = load_toml(path)
    exp_over = [(k, v) for k, v in overrides if k.split(".", 1)[0] == "experiment"]
    model_over = [(k, v) for k, v in overrides if k.split(".", 1)[0] != "experiment"]
    problems = Problems()
    file = str(path)
    try:
        raw = apply_overrides(raw, exp_over)
    except OverrideError as err:
        raise ConfigError([Problem("--set", err.key, err.message)]) from None
    root = Table(raw, "", file, problems)
    exp = root.table("experiment", required=True)
    name = exp.str("name", path.stem)
    description = exp.str("description", "", max_length=MAX_DESCRIPTION_LENGTH, multiline=True)
    model_ref = exp.str("model", max_length=MAX_PATH_LENGTH)
    replications = exp.number("replications", integer=True, low=1, high=MAX_REPLICATIONS)
    seed = exp.number("seed", integer=True, low=0, high=MAX_SEED)
    parameters_ref = exp.str("parameters", None, max_length=MAX_PATH_LENGTH)
    exp.finish()
    scenario_tables = root.tables("scenario")
    names = unique_ids(scenario_tables, "scenario", key="name")
    scenario_raw = []
    for t, sname in zip(scenario_tables, names):
        set_table = t.table("set")
        about = t.str("description", "", max_length=MAX_DESCRIPTION_LENGTH, multiline=True)
        scenario_raw.append((sname, about, flatten(set_table.data) if set_table.ok else []))
        t.finish()
    studies = read_studies(root)
    targets = read_targets(root)
    root.finish()
    model_path = _model_path(path, model_ref, problems, file) if model_ref else None
    if problems:
        raise ConfigError(problems.items)
    assert model_path is not None
    model_raw = load_toml(model_path)
    try:
        model_raw = apply_overrides(model_raw, model_over)
    except OverrideError as err:
        raise ConfigError([Problem("--set", err.key, err.message)]) from None
    base = build_model(model_raw, model_path, str(model_path) + (" with --set" if model_over else ""))
    if not scenario_raw:
        scenario_raw = [(DEFAULT_SCENARIO, "the model as given", [])]
    scenarios, all_problems = [], []
    for sname, sdesc, settings in scenario_raw:
        if not settings:
            scenarios.append(Scenario(sname, sdesc, (), base, model_raw))
            continue
        try:
            resolved = apply_overrides(model_raw, settings)
            scenario_model = build_model(resolved, model_path, f"{model_path} with scenario {sname!r} of {path}")
            scenarios.append(Scenario(sname, sdesc, tuple(settings), scenario_model, resolved))
        except OverrideError as err:
            all_problems.append(Problem(file, f"scenario.{sname}.set.{err.key}", err.message))
        except ConfigError as err:
            all_problems.extend(err.problems)
    if all_problems:
        raise ConfigError(all_problems)
    sets = None
    if parameters_ref is not None:
        sets = read_parameter_sets(path.parent / parameters_ref)
        scenarios = [with_variants(s, sets, model_path) for s in scenarios]
    spec = ExperimentSpec(name, description, path, model_path, replications, seed, tuple(scenarios), studies,
                          targets, sets, raw, model_raw)
    problems_of_studies = check_studies(spec) + check_targets(spec)
    if problems_of_studies:
        raise ConfigError(problems_of_studies)
    return spec


def _model_path(path: Path, model_ref: str, problems: Problems, file: str) -> Path | None:
    """The model file an experiment names, if it is a regular file of bounded size (a
    problem at experiment.model otherwise, before anything opens it)."""
    model_path = resolved(path.parent / model_ref)
    if model_path is None:
        problems.add(file, "experiment.model", "cannot resolve the path (a symbolic link that loops, or a name "
                                               "too long); expected the path of a model file relative to this file")
        return None
    wrong = file_problem(model_path, MAX_TOML_BYTES, "a model file")
    if wrong == "file not found":
        problems.add(file, "experiment.model", f"no model file at {shown_path(model_path)}; "
                                               "expected a path relative to this file")
    elif wrong:
        problems.add(file, "experiment.model", f"{shown_path(model_path)}: {wrong}")
    return model_path


def flatten(table: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Dotted keys of a [scenario.set] table, whether written quoted ("site.hnt.go_live")
    or as TOML dotted keys (which TOML turns into nested tables).

    A nested table with a ``dist`` key is a distribution value, not more keys.
    """
    out: list[tuple[str, Any]] = []
    for key, value in table.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and "dist" not in value:
            out.extend(flatten(value, full))
        else:
            out.append((full, value))
    return out


def with_variants(scenario: Scenario, sets: ParameterSets, model_path: Path) -> Scenario:
    """``scenario`` with its model under each parameter set (built once per distinct set);
    every set must give a valid model."""
    built: dict[tuple[Any, ...], ModelSpec] = {}
    problems: list[Problem] = []
    for i, row in enumerate(sets.rows):
        if row in built:
            continue
        try:
            resolved = apply_overrides(scenario.raw_model, list(zip(sets.keys, row)))
            built[row] = build_model(resolved, model_path, f"{model_path} with parameter set {i + 1} of {sets.file} "
                                                           f"in scenario {scenario.name!r}")
        except OverrideError as err:
            problems.append(Problem(str(sets.file), err.key, err.message))
            break
        except ConfigError as err:
            problems.extend(err.problems)
            break
    if problems:
        raise ConfigError(problems)
    return replace(scenario, variants=tuple(built[row] for row in sets.rows))


def model_for(spec: ExperimentSpec, scenario: Scenario, seed: int, replication: int) -> ModelSpec:
    """The model that ``replication`` of ``scenario`` runs: the scenario's, or with
    parameter sets the one this replication draws (:func:`sim.model.parameter_sets.pick`)."""
    if not scenario.variants:
        return scenario.model
    assert spec.parameter_sets is not None  # variants come from the experiment's sets
    return scenario.variants[pick(spec.parameter_sets, seed, replication)]
