"""Where the shipped model and experiment files are, installed or in a source checkout."""
from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
DEFAULT_EXPERIMENT = "baseline.toml"


def shipped_dir(kind: str) -> Path:
    """Return the folder of shipped ``models`` or ``experiments``.

    An installed wheel has them inside the package (``sim/shipped/<kind>``); a source
    checkout or editable install has them at the repository's top level.
    """
    if kind not in ("models", "experiments"):
        raise ValueError(f"unknown kind of shipped file: {kind!r}")
    inside = _PACKAGE / "shipped" / kind
    if inside.is_dir():
        return inside
    return _PACKAGE.parent / kind


def default_experiment() -> Path:
    """The experiment ``rollout-sim run`` uses when none is named."""
    return shipped_dir("experiments") / DEFAULT_EXPERIMENT
