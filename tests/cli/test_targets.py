"""``rollout-sim targets``: the shipped model against the figures observed in Midt-Norge,
in a table that fits a terminal, and clean failures."""
from __future__ import annotations

from pathlib import Path

import pytest

from sim.model.experiment_file import load_experiment
from sim.paths import experiment_path
from tests.cli.conftest import assert_clean_failure, invoke_no_traceback
from tests.conftest import SMALL_EXPERIMENT


@pytest.mark.slow
def test_the_shipped_model_could_have_made_every_observed_figure():
    # Face validity as data: every target of the shipped calibration file within the
    # cut-off of 3. Six replications: the session counts vary by 1-2% between
    # replications, a tenth of the targets' sds, so more would not move any I across 3.
    r = invoke_no_traceback("targets", "calibration-midt-norge", "-n", 6, "-q")
    assert r.exit_code == 0, r.output
    spec = load_experiment(experiment_path(Path("calibration-midt-norge")))
    assert len(spec.targets) >= 6 and any(t.held_out for t in spec.targets)
    assert f"{len(spec.targets)} of {len(spec.targets)} targets within implausibility 3" in " ".join(r.stdout.split())
    assert all(len(line) <= 80 for line in r.stdout.splitlines()), r.stdout
    for target in spec.targets:
        assert target.name.split()[0] in r.stdout


def test_a_target_the_model_cannot_reach_is_marked(tmp_path):
    text = SMALL_EXPERIMENT.read_text(encoding="utf-8").replace(
        'model = "', f'model = "{SMALL_EXPERIMENT.parent.as_posix()}/', 1)
    path = tmp_path / "e.toml"
    path.write_text(text + """
[[target]]
name = "far too many classes"
measure = "sessions"
kind = "end_user"
from = 2000-01-01
to = 2099-12-31
observed = 100000
sd = 10
source = "a test"
""", encoding="utf-8")
    r = invoke_no_traceback("targets", path, "-n", 3, "-q")
    assert r.exit_code == 0, r.output
    line = next(line for line in r.stdout.splitlines() if line.startswith("far too many"))
    assert line.split()[-1] == "x"
    assert "0 of 1 targets within implausibility 3" in " ".join(r.stdout.split())


def test_an_experiment_without_targets_says_so():
    r = invoke_no_traceback("targets", SMALL_EXPERIMENT, "-n", 2, "-q")
    assert_clean_failure(r)
    assert "target: no [[target]] tables: nothing to compare with" in r.stderr
