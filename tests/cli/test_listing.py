"""``rollout-sim list``: the shipped models and experiments within 80 columns, each under
the name that run and the study commands take."""
from __future__ import annotations

from pathlib import Path

from sim.model.catalogue import Shipped, shipped
from sim.output.console import shipped_text
from sim.paths import experiment_path, shipped_dir
from tests.cli.conftest import invoke_no_traceback


def test_list_names_every_shipped_file_within_80_columns():
    r = invoke_no_traceback("list")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines), r.stdout
    starts = [line.split()[0] for line in lines if line.startswith("  ") and not line.startswith("   ")]
    assert starts == [f.name for f in shipped()]
    flat = " ".join(r.stdout.split())
    assert "commands: run, sweep, sensitivity; scenarios: as-planned-2022" in flat
    assert "commands: run, calibrate, targets" in flat and "baseline Midt-Norge" in flat
    assert "commands: run (the default); scenarios: as-planned-2022, as-happened" in flat


def test_every_listed_experiment_is_one_run_finds_by_that_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # from any folder
    for f in shipped():
        if f.kind == "experiment":
            assert experiment_path(Path(f.name)) == shipped_dir("experiments") / f"{f.name}.toml"


def test_long_names_and_descriptions_still_fit():
    files = [Shipped("model", "m" * 30, "A model", "word " * 40, sites=12),
             Shipped("model", "other", "Another", "short", sites=1),
             Shipped("experiment", "e" * 30, "e", "word " * 40, ("scenario-" * 3,) * 6, ("sweep", "capacity"),
                     "m.toml")]
    text = shipped_text(files)
    assert all(len(line) <= 80 for line in text.splitlines()), text
    assert "model: m.toml" in text  # with more than one model, each experiment names its own
