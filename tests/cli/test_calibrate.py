"""``rollout-sim calibrate``: the shipped calibration in a small budget, its folder, and
what it says when nothing is plausible."""
from __future__ import annotations

import json

import pytest

from tests.cli.conftest import assert_clean_failure, invoke_no_traceback
from tests.conftest import with_observed


@pytest.mark.slow
def test_the_shipped_calibration_runs_in_a_small_budget(tmp_path):
    out = tmp_path / "cal"
    r = invoke_no_traceback("calibrate", "calibration-midt-norge", "--budget", 240, "--executor", "serial",
                            "--out", out, "-q")
    assert r.exit_code == 0, r.output
    said = " ".join(r.stderr.split())  # wrapped at 80 columns: read as words
    assert "3 waves of 8 parameter sets x 2 scenario(s) x 5 replications = 240 replications" in said
    assert said.count("parameter sets not ruled out") == 3
    assert all(len(line) <= 80 for line in r.stderr.splitlines())
    for name in ("no-show probability", "super-user class size", "end-user sessions", "held out (not fitted)"):
        assert name in r.stdout, name
    assert all(len(line) <= 80 for line in r.stdout.splitlines() if str(out) not in line), r.stdout
    assert sorted(p.name for p in (out / "figures").iterdir()) == ["fit.png", "parameters.png"]
    summary = json.loads((out / "calibration.json").read_text(encoding="utf-8"))
    assert summary["simulations"] == 240 and [p["parameter"] for p in summary["parameters"]] == [
        "no-show probability", "super-user class size", "super-user e-learning lead (weeks)"]
    # A second run into the same folder needs --force, and then replaces it.
    again = invoke_no_traceback("calibrate", "calibration-midt-norge", "--budget", 240, "--executor", "serial",
                                "--out", out, "-q")
    assert_clean_failure(again)
    assert "exists; choose another --out, or add --force" in again.stderr


def test_nothing_plausible_is_said_plainly(tmp_path):
    experiment = with_observed(tmp_path, 100000)
    r = invoke_no_traceback("calibrate", experiment, "--executor", "serial", "--out", tmp_path / "out", "-q")
    assert r.exit_code == 0, r.output
    text = " ".join(r.stdout.split())
    assert "Nothing plausible: every one of the 48 parameter sets tried" in text
    assert "places booked at a" in text
    assert (tmp_path / "out" / "fit.csv").is_file()
    assert [p.name for p in (tmp_path / "out" / "figures").iterdir()] == ["fit.png"]  # no sets to plot


def test_resume_needs_the_out_of_an_interrupted_calibration(tmp_path):
    experiment = with_observed(tmp_path, 680)
    r = invoke_no_traceback("calibrate", experiment, "--executor", "serial", "--resume", "-q")
    assert_clean_failure(r)
    assert "--resume: give the --out of the calibration to continue" in r.stderr
    r = invoke_no_traceback("calibrate", experiment, "--executor", "serial", "--resume", "--out", tmp_path / "x", "-q")
    assert_clean_failure(r)
    assert "no interrupted calibration to continue" in r.stderr and not (tmp_path / "x").exists()
