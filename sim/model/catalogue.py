"""What is shipped: the model and experiment files ``rollout-sim`` finds by name.

``rollout-sim list`` shows them so that a user knows what to pass to ``run``, ``sweep``,
``capacity`` or ``calibrate``. Only the tables that name and describe a file are read
(not the whole model checked), so the list is quick; ``rollout-sim validate`` checks
the files themselves.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import ConfigError, Problem, did_you_mean
from sim.model.model_file import load_toml
from sim.paths import DEFAULT_EXPERIMENT, experiment_path, shipped_dir

#: A table of an experiment file -> the command it is the default question of.
STUDY_COMMANDS = {"sweep": "sweep", "sensitivity": "sensitivity", "capacity": "capacity",
                  "calibration": "calibrate", "target": "targets"}


@dataclass(frozen=True)
class Shipped:
    """One shipped file: ``name`` is what a command takes (the file's stem)."""

    kind: str  # "model" or "experiment"
    name: str
    title: str  # the [model] name or [experiment] name
    description: str
    scenarios: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()  # the study commands its tables answer, besides run
    model: str = ""  # an experiment's model file, as it names it
    sites: int = 0  # a model's sites
    default: bool = False  # the experiment commands run when none is named


def _text(table: Any, key: str) -> str:
    value = table.get(key, "") if isinstance(table, dict) else ""
    return value if isinstance(value, str) else ""


def _experiment(path: Path) -> Shipped:
    raw = load_toml(path)
    head = raw.get("experiment", {})
    scenarios = [_text(s, "name") for s in raw.get("scenario", []) if isinstance(s, dict)]
    commands = tuple(command for table, command in STUDY_COMMANDS.items() if table in raw)
    return Shipped("experiment", path.stem, _text(head, "name"), _text(head, "description"),
                   tuple(s for s in scenarios if s), commands, Path(_text(head, "model")).name,
                   default=path.name == DEFAULT_EXPERIMENT)


def _model(path: Path) -> Shipped:
    raw = load_toml(path)
    head = raw.get("model", {})
    sites = raw.get("site", [])
    return Shipped("model", path.stem, _text(head, "name"), _text(head, "description"),
                   sites=len(sites) if isinstance(sites, list) else 0)


def shipped() -> list[Shipped]:
    """The shipped models, then the shipped experiments, each by name."""
    return ([_model(p) for p in sorted(shipped_dir("models").glob("*.toml"))]
            + [_experiment(p) for p in sorted(shipped_dir("experiments").glob("*.toml"))])


def experiment_file(given: Path | None) -> Path:
    """The experiment file a command runs (:func:`sim.paths.experiment_path`); a
    ConfigError when ``given`` is a bare name that is neither a file here nor a shipped
    experiment, suggesting the closest shipped name (``baselin``: ``baseline``)."""
    path = experiment_path(given)
    if given is None or path.exists() or given.parent != Path("."):
        return path  # a path with a folder: load_toml says what is wrong with it
    names = sorted(p.stem for p in shipped_dir("experiments").glob("*.toml"))
    stem = given.stem if given.suffix == ".toml" else given.name
    raise ConfigError([Problem(str(given), "", "file not found, nor a shipped experiment of that name (rollout-sim "
                                               f"list shows them){did_you_mean(stem, names)}")])
