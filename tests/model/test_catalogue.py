"""The shipped files as rollout-sim list shows them: every model and experiment by the
name a command takes, with its scenarios and the study commands its tables answer."""
from __future__ import annotations

import tomllib

from sim.model.catalogue import STUDY_COMMANDS, shipped
from sim.paths import shipped_dir


def test_every_shipped_file_is_listed_by_the_name_a_command_takes():
    files = shipped()
    for kind, folder in (("model", "models"), ("experiment", "experiments")):
        names = sorted(p.stem for p in shipped_dir(folder).glob("*.toml"))
        assert sorted(f.name for f in files if f.kind == kind) == names and names
    assert [f.name for f in files if f.default] == ["baseline"]


def test_scenarios_and_commands_are_read_from_each_experiment():
    for f in (f for f in shipped() if f.kind == "experiment"):
        raw = tomllib.loads((shipped_dir("experiments") / f"{f.name}.toml").read_text(encoding="utf-8"))
        assert f.title == raw["experiment"]["name"] and f.description == raw["experiment"]["description"]
        assert f.scenarios == tuple(s["name"] for s in raw.get("scenario", []))
        assert f.commands == tuple(c for table, c in STUDY_COMMANDS.items() if table in raw)
    by_name = {f.name: f for f in shipped()}
    assert by_name["delay-sensitivity"].commands == ("sweep", "sensitivity")
    assert by_name["calibration-midt-norge"].commands == ("calibrate", "targets")
    assert by_name["hnt-capacity"].commands == ("capacity",)
    assert by_name["midt-norge"].sites == 5 and by_name["baseline"].model == "midt-norge.toml"
