"""Shared fixtures: a small model as raw tables, built into a spec with overrides."""
from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sim.model.model_file import build_model, load_toml
from sim.model.overrides import apply_overrides
from sim.model.spec import ModelSpec
from sim.runs.folder import RunFolder

DATA = Path(__file__).parent / "data"
SMALL_MODEL = DATA / "small-model.toml"
SMALL_EXPERIMENT = DATA / "small-experiment.toml"


@pytest.fixture
def small_raw() -> dict[str, Any]:
    """The small test model as raw TOML tables (a fresh copy for each test)."""
    return copy.deepcopy(load_toml(SMALL_MODEL))


def small_model(**overrides: Any) -> ModelSpec:
    """The small test model with dotted-key overrides given as keyword arguments
    (use ``__`` for ``.`` and ``_`` stays: ``venue__a-venue__rooms=2`` is awkward, so
    pass a dict via ``small_model(**{"venue.a-venue.rooms": 2})``)."""
    raw = apply_overrides(load_toml(SMALL_MODEL), list(overrides.items()))
    return build_model(raw, SMALL_MODEL)

STUDY_EXPERIMENT = DATA / "study-experiment.toml"  # two busy sites, with [sweep], [sensitivity], [capacity]
CALIBRATION_EXPERIMENT = DATA / "calibration-experiment.toml"  # the same, with [calibration] and [[target]]


def with_observed(tmp_path: Path, observed: float) -> Path:
    """The calibration experiment, copied into ``tmp_path`` with the figure to fit set to
    ``observed``."""
    text = CALIBRATION_EXPERIMENT.read_text(encoding="utf-8").replace("observed = 680", f"observed = {observed}")
    text = text.replace('model = "study-model.toml"', f'model = "{(DATA / "study-model.toml").as_posix()}"')
    path = tmp_path / "cal.toml"
    path.write_text(text, encoding="utf-8")
    return path


def fail_replication(monkeypatch: pytest.MonkeyPatch, replication: int, error: Exception) -> None:
    """Make one replication raise ``error`` when the serial executor runs it."""
    import sim.engine.replication as engine  # where each chunk reads it

    real = engine.run_replication

    def flaky(model, seed, rep, **kwargs):
        if rep == replication:
            raise error
        return real(model, seed, rep, **kwargs)

    monkeypatch.setattr(engine, "run_replication", flaky)


def loaded_after(statement: str, modules: tuple[str, ...]) -> list[str]:
    """Which of ``modules`` a fresh Python has loaded after running ``statement``, sorted."""
    code = f"import sys; {statement}; print(' '.join(sorted(m for m in {modules!r} if m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    return out.stdout.split()


def created(path: Path) -> RunFolder:
    """A new results folder at ``path`` (created beside it, then given its name, as a run does)."""
    folder = RunFolder.create(path)
    folder.commit()
    return folder
