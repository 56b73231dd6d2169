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


def experiment_path(given: Path | None) -> Path:
    """The experiment a command runs: the file given; else, when no such file exists and
    the name is a shipped experiment's (``delay-sensitivity`` or ``delay-sensitivity.toml``),
    that one, so shipped experiments run from any folder; with none, the baseline."""
    if given is None:
        return default_experiment()
    if given.exists() or given.parent != Path("."):
        return given
    name = given.name if given.suffix == ".toml" else f"{given.name}.toml"
    shipped = shipped_dir("experiments") / name
    return shipped if shipped.is_file() else given
