"""What a results folder records about its run: inputs as run, and the manifest."""
from __future__ import annotations

import copy
from typing import Any

import tomli_w

from sim.model import parameter_sets
from sim.model.spec import ExperimentSpec
from sim.model.values import toml_text
from sim.runs import manifest
from sim.runs.folder import RunFolder, json_text
from sim.runs.integrity import CONFIG, MANIFEST, checksums, input_files
from sim.runs.runner import Progress, RunOptions


def _toml(raw: dict[str, Any]) -> str:
    return tomli_w.dumps(raw)


def save_inputs(folder: RunFolder, spec: ExperimentSpec) -> tuple[str, dict[str, str]]:
    """Write the inputs as run: ``config/`` (experiment and model after --set, loadable
    again for --resume, with any headcount CSVs) and ``resolved/<scenario>.toml`` (each
    scenario's model after its overrides). Returns a hash of what decides the numbers,
    and the SHA-256 of each of those files (checked before the folder is read again)."""
    experiment = copy.deepcopy(spec.raw)
    experiment["experiment"]["model"] = "model.toml"
    model = copy.deepcopy(spec.raw_model)
    data = sorted({f for s in spec.scenarios for f in s.model.data_files})
    renamed = {}  # full path -> name of its copy (two files may share a name)
    for i, path in enumerate(data):
        renamed[path] = f"{i}-{path.name}"
        folder.copy(path, f"{CONFIG}/{renamed[path]}")
    for table in model.get("staff_csv", []):
        if isinstance(table, dict) and "file" in table:
            full = (spec.model_file.parent / table["file"]).resolve()
            table["file"] = renamed.get(full, table["file"])
    # The files as the user wrote them, comments (sources, assumptions) included.
    for path in (spec.file, spec.model_file):
        folder.copy(path, f"{CONFIG}/original/{path.name}")
    extra = []
    if spec.parameter_sets is not None:  # the sets as read, beside the experiment that names them
        folder.write(CONFIG, parameter_sets.FILE, spec.parameter_sets.text)
        experiment["experiment"]["parameters"] = parameter_sets.FILE
        extra.append(spec.parameter_sets.text)
        if spec.parameter_sets.calibration is not None:  # so that a resumed run describes them alike
            folder.write(CONFIG, parameter_sets.CALIBRATION, spec.parameter_sets.calibration)
            extra.append(spec.parameter_sets.calibration)
    texts = [_toml(experiment), _toml(model)]
    folder.write(CONFIG, "experiment.toml", texts[0])
    folder.write(CONFIG, "model.toml", texts[1])
    for i, scenario in enumerate(spec.scenarios):
        folder.write(RESOLVED, resolved_name(i, scenario.name), _toml(scenario.raw_model))
    inputs = checksums(folder.path, input_files(folder.path))
    return manifest.text_hash(texts + [p.read_text(encoding="utf-8") for p in data] + extra), inputs


RESOLVED = "resolved"  # the folder of each scenario's model after its overrides


def resolved_name(index: int, scenario: str) -> str:
    """The file in ``resolved/`` of the ``index``-th scenario's model, as run."""
    return f"{index}-{safe_name(scenario)}.toml"


def safe_name(name: str) -> str:
    """A name fit to be one part of a file path: letters, digits, '-', '_' and '.', with no
    leading or trailing dots (so it cannot climb out of its folder)."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name).strip(".") or "unnamed"


def write_manifest(folder: RunFolder, spec: ExperimentSpec, options: RunOptions, overrides: list[tuple[str, Any]],
                   inputs: tuple[str, dict[str, str]], progress: Progress, status: str, started: str, workers: int,
                   error: str | None = None, files: dict[str, str] | None = None) -> None:
    """manifest.json: enough to reproduce the run, whether it finished, and the SHA-256 of
    its inputs (``inputs``: the hash of what decides the numbers and each file's) and,
    once complete, of its result files (``files``), so a later reader can check them."""
    config_hash, input_sums = inputs
    folder.write("", MANIFEST, json_text({
        "status": status,
        "error": error,
        "experiment": spec.name,
        "experiment_file": str(spec.file),
        "model_file": str(spec.model_file),
        "seed": options.seed,
        "replications_asked": options.replications,
        "replications_done": min((progress.count(i) for i in range(len(spec.scenarios))), default=0),
        "precision": options.precision,
        "max_replications": options.max_replications,
        "curves": options.curves,
        "stop_reason": progress.stop_reason,
        "scenarios": {s.name: [[k, toml_text(v)] for k, v in s.overrides] for s in spec.scenarios},
        "overrides": [[k, toml_text(v)] for k, v in overrides],
        "executor": options.executor,
        "workers": workers,
        "config_hash": config_hash,
        "inputs": input_sums,
        **({"files": files} if files is not None else {}),
        "git_commit": manifest.git_commit(),
        "versions": manifest.versions(),
        "started": started,
        "finished": manifest.now() if status != "running" else None,
    }))

