"""``run --parameters``: each replication draws its inputs from weighted parameter sets,
the same draw on any executor; the folder keeps the sets, so it can be resumed."""
from __future__ import annotations

import json
import tomllib

from sim.model.experiment_file import load_experiment
from tests.cli.conftest import RUN_DATA_FILES, SERIAL, assert_clean_failure, invoke, invoke_no_traceback
from tests.conftest import CALIBRATION_EXPERIMENT, with_observed

# Sets that move the no-show rate and, by when e-learning opens, the model's first day.
SETS = ("uncertainty.no_show_probability,curriculum.basic.elearning_opens_weeks_before_go_live,weight\n"
        "0.0,10,1\n0.3,16,3\n")


def test_a_run_draws_each_replication_s_inputs_from_the_sets(tmp_path):
    sets = tmp_path / "sets.csv"
    sets.write_text(SETS, encoding="utf-8")
    common = ("run", CALIBRATION_EXPERIMENT, "-n", 12, "--seed", 5, "-q", "--parameters", sets)
    serial = invoke_no_traceback(*common, *SERIAL, "--no-plots", "--out", tmp_path / "serial")
    assert serial.exit_code == 0, serial.output
    assert "Inputs drawn per replication from 2 weighted parameter sets" in " ".join(serial.stdout.split())
    pooled = invoke_no_traceback(*common, "--workers", 2, "--no-plots", "--out", tmp_path / "pooled")
    assert pooled.exit_code == 0, pooled.output
    for name in RUN_DATA_FILES:
        assert (tmp_path / "serial" / name).read_bytes() == (tmp_path / "pooled" / name).read_bytes(), name
    plain = invoke_no_traceback("run", CALIBRATION_EXPERIMENT, "-n", 12, "--seed", 5, "-q", *SERIAL, "--no-plots",
                                "--out", tmp_path / "plain")
    assert plain.exit_code == 0, plain.output
    assert (tmp_path / "plain" / "replications.csv").read_bytes() != (tmp_path / "serial" / "replications.csv").read_bytes()
    # The folder keeps the sets beside the experiment that names them, and loads again as run.
    config = tmp_path / "serial" / "config"
    assert (config / "parameters.csv").read_text(encoding="utf-8") == SETS
    assert tomllib.loads((config / "experiment.toml").read_text(encoding="utf-8"))["experiment"]["parameters"] == \
        "parameters.csv"
    described = json.loads((tmp_path / "serial" / "summary.json").read_text(encoding="utf-8"))["parameter_sets"]
    assert described["sets"] == 2
    assert [p["key"] for p in described["parameters"]] == SETS.split("\n")[0].split(",")[:2]
    assert all(p["constrained"] is None for p in described["parameters"])  # no calibration says
    spec = load_experiment(config / "experiment.toml")
    assert spec.parameter_sets is not None and spec.parameter_sets.weights == (0.25, 0.75)
    # Figures are drawn from curves whose replications started on different days.
    drawn = invoke("plot", tmp_path / "serial")
    assert drawn.exit_code == 0, drawn.output


def test_parameters_cannot_change_a_run_being_resumed(tmp_path):
    r = invoke("run", "--resume", tmp_path, "--parameters", tmp_path)
    assert_clean_failure(r)
    assert "--parameters" in r.stderr


def test_sets_that_cannot_be_read_stop_the_run_before_it_starts(tmp_path):
    sets = tmp_path / "sets.csv"
    sets.write_text("uncertainty.no_show_probability,weight\n2.0,1\n", encoding="utf-8")
    r = invoke("run", CALIBRATION_EXPERIMENT, "-n", 2, "-q", *SERIAL, "--no-plots", "--parameters", sets,
               "--out", tmp_path / "out")
    assert_clean_failure(r)
    assert "parameter set 1 of" in r.stderr and not (tmp_path / "out").exists()


def test_a_calibration_s_sets_are_described_in_the_summary_and_the_report(tmp_path):
    experiment = with_observed(tmp_path, 680)
    calibrated = invoke_no_traceback("calibrate", experiment, *SERIAL, "--out", tmp_path / "cal")
    assert calibrated.exit_code == 0, calibrated.output
    r = invoke_no_traceback("run", experiment, "-n", 4, *SERIAL, "--parameters", tmp_path / "cal", "--out",
                            tmp_path / "run")
    assert r.exit_code == 0, r.output
    summary = json.loads((tmp_path / "run" / "summary.json").read_text(encoding="utf-8"))
    (described,) = summary["parameter_sets"]["parameters"]
    calibration = json.loads((tmp_path / "cal" / "calibration.json").read_text(encoding="utf-8"))
    (fitted,) = calibration["parameters"]
    assert described["parameter"] == "no-shows" and described["constrained"] is fitted["constrained"]
    assert (described["posterior_low"], described["posterior_high"]) == (fitted["posterior_low"],
                                                                           fitted["posterior_high"])
    # Kept with the sets, so that a resumed run describes them alike.
    assert (tmp_path / "run" / "config" / "calibration.json").read_text(encoding="utf-8") == \
        (tmp_path / "cal" / "calibration.json").read_text(encoding="utf-8")
    report = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert "Inputs drawn per replication" in report and "Constrained by the observed figures" in report
