"""The shipped files are found in a source checkout (and, after pip install, in the package)."""
from __future__ import annotations

import pytest

from sim.paths import default_experiment, shipped_dir


def test_shipped_folders_hold_the_default_model_and_experiments():
    assert (shipped_dir("models") / "midt-norge.toml").is_file()
    assert default_experiment().name == "baseline.toml" and default_experiment().is_file()
    with pytest.raises(ValueError):
        shipped_dir("results")
