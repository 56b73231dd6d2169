"""The shipped files are found in a source checkout (and, after pip install, in the package)."""
from __future__ import annotations

from pathlib import Path

import pytest

from sim.paths import default_experiment, shipped_dir


def test_shipped_folders_hold_the_default_model_and_experiments():
    assert (shipped_dir("models") / "midt-norge.toml").is_file()
    assert default_experiment().name == "baseline.toml" and default_experiment().is_file()
    with pytest.raises(ValueError):
        shipped_dir("results")


def test_shipped_experiments_run_by_name_from_any_folder(tmp_path, monkeypatch):
    from sim.paths import experiment_path, shipped_dir

    monkeypatch.chdir(tmp_path)
    shipped = shipped_dir("experiments")
    assert experiment_path(Path("delay-sensitivity")) == shipped / "delay-sensitivity.toml"
    assert experiment_path(Path("hnt-capacity.toml")) == shipped / "hnt-capacity.toml"
    assert experiment_path(None) == shipped / "baseline.toml"
    # A file of the user's wins over a shipped one of the same name; unknown names stay as given.
    (tmp_path / "baseline.toml").write_text("[experiment]\n")
    assert experiment_path(Path("baseline.toml")) == Path("baseline.toml")
    assert experiment_path(Path("nope")) == Path("nope")
