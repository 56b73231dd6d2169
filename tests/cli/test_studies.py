"""The study commands end to end on a small two-site model (tests/data/study-*.toml)."""
from __future__ import annotations

import pytest

from tests.cli.conftest import SERIAL, invoke, rows
from tests.conftest import STUDY_EXPERIMENT


def test_sweep_from_the_experiments_table_writes_its_table_and_figures(tmp_path):
    r = invoke("sweep", STUDY_EXPERIMENT, "--out", tmp_path / "s", "-n", 20, "--svg", *SERIAL)
    assert r.exit_code == 0, r.output
    table = rows(tmp_path / "s" / "sweep.csv")
    key = "uncertainty.training_environment_delay_days"
    assert [t[key] for t in table if t["site"] == "a"] == ["0w", "6w", "10w", "14w"]
    assert {t["site"] for t in table} == {"a", "b", "(any site)"}
    for site in ("a", "b"):
        risks = [float(t["risk"]) for t in table if t["site"] == site]
        # Common random numbers: a later training environment never lowers the risk
        # (every replication draws the same numbers at every point).
        assert risks == sorted(risks) and risks[-1] > risks[0]
    assert (tmp_path / "s" / "figures" / "sweep-a.png").is_file()
    assert (tmp_path / "s" / "figures" / "sweep-a.svg").is_file()  # asked for with --svg
    assert "risk (95% CI)" in r.output


def test_sweep_with_vary_options_makes_a_grid(tmp_path):
    r = invoke("sweep", STUDY_EXPERIMENT, "--vary", "venue.a-venue.seats=8,10", "--vary", "uncertainty.no_show_probability=0%,10%",
               "--out", tmp_path / "g", "-n", 5, *SERIAL)
    assert r.exit_code == 0, r.output
    table = [t for t in rows(tmp_path / "g" / "sweep.csv") if t["site"] == "a"]
    assert [(t["venue.a-venue.seats"], t["uncertainty.no_show_probability"]) for t in table] == [
        ("8", "0%"), ("8", "10%"), ("10", "0%"), ("10", "10%")]


def test_sweep_bad_vary_is_one_clear_line_and_no_folder(tmp_path):
    r = invoke("sweep", STUDY_EXPERIMENT, "--vary", "venue.a-venue.seats=8,many", "--out", tmp_path / "bad", *SERIAL)
    assert r.exit_code == 1 and "error: --vary: venue.a-venue.seats" in r.output and "Traceback" not in r.output
    assert not (tmp_path / "bad").exists()


def test_common_cause_raises_the_risk_that_both_sites_are_late_together(tmp_path):
    # Ready at 95% trained, an unstruck site is nearly always ready, and a 90-day outage makes
    # a struck site late for sure. Striking each site with probability
    # 1/2 on its own leaves at least one late in about 3/4 of replications; one cause for both,
    # in about 1/2. With 160 replications the standard error of each share is at most 0.04, so a
    # true gap of 0.25 is more than 4 standard errors of the difference: the test has the power.
    r = invoke("sweep", STUDY_EXPERIMENT, "--set", "common_delay.outage.probability=0.5",
               "--set", "readiness.share=0.95",
               "--vary", "common_delay.outage.independent=false,true", "--out", tmp_path / "c", "-n", 160, *SERIAL)
    assert r.exit_code == 0, r.output
    table = rows(tmp_path / "c" / "sweep.csv")
    joint = {t["common_delay.outage.independent"]: float(t["risk"]) for t in table if t["site"] == "(any site)"}
    assert joint["True"] - joint["False"] > 0.1
    for site in ("a", "b"):  # each site on its own: the same chance of the delay either way
        own = [float(t["risk"]) for t in table if t["site"] == site]
        assert abs(own[0] - own[1]) < 0.2


def test_oat_sensitivity_writes_a_tornado(tmp_path):
    r = invoke("sensitivity", STUDY_EXPERIMENT, "--out", tmp_path / "t", "-n", 20, *SERIAL)
    assert r.exit_code == 0, r.output
    table = rows(tmp_path / "t" / "tornado.csv")
    assert {(t["parameter"], t["end"]) for t in table} == {
        ("no-shows", "low"), ("no-shows", "high"), ("certification late", "low"), ("certification late", "high")}
    high = next(t for t in table if t["parameter"] == "no-shows" and t["end"] == "high" and t["site"] == "a")
    low = next(t for t in table if t["parameter"] == "no-shows" and t["end"] == "low" and t["site"] == "a")
    assert float(high["risk_change"]) > 0 > float(low["risk_change"])
    assert (tmp_path / "t" / "figures" / "tornado-a.png").is_file()
    assert not (tmp_path / "t" / "figures" / "tornado-a.svg").exists()  # not asked for


def test_dry_run_prints_the_design_and_runs_nothing(tmp_path):
    r = invoke("sensitivity", STUDY_EXPERIMENT, "--method", "sobol", "--dry-run", "--out", tmp_path / "d", *SERIAL)
    assert r.exit_code == 0, r.output
    # Sobol' without second order: N (k + 2) points, N = 8, k = 2 parameters.
    # The line is wrapped at 80 columns: read as words.
    assert "32 design points x 20 replications = 640 replications; estimated" in " ".join(r.output.split())
    assert all(len(line) <= 80 for line in r.output.splitlines())
    assert not (tmp_path / "d").exists()


@pytest.mark.parametrize("method", ["morris", "sobol"])
def test_global_sensitivity_indices_with_intervals(tmp_path, method):
    r = invoke("sensitivity", STUDY_EXPERIMENT, "--method", method, "--out", tmp_path / method, "-n", 10, *SERIAL)
    assert r.exit_code == 0, r.output
    table = rows(tmp_path / method / "indices.csv")
    assert {t["parameter"] for t in table} == {"no-shows", "certification late"}
    field = "mu_star" if method == "morris" else "ST"
    by = {(t["site"], t["output"], t["parameter"]): float(t[field]) for t in table}
    # Certification ends weeks before classes open here: a few days' delay moves nothing.
    assert by["a", "expected_untrained", "certification late"] == 0
    assert by["a", "expected_untrained", "no-shows"] > 0
    assert all(float(t[f"{field}_conf"]) >= 0 for t in table)
    assert "design too small" in r.output  # 10 replications of a tiny design: the intervals say so
    assert (tmp_path / method / "figures").is_dir()


@pytest.mark.slow
def test_the_shipped_sweep_never_lowers_the_risk_as_the_environment_is_later(tmp_path):
    # On experiments/delay-sensitivity.toml, with common random numbers, the risk that the
    # share criterion fails never decreases as the training environment delay grows. 20
    # replications a point keep this under a minute. The super-user criterion is switched
    # off here because it is not monotone in this delay, and rightly so: super-users trained
    # later leave (and are replaced by untrained hires) less often before go-live.
    from tests.conftest import DATA

    shipped = DATA.parent.parent / "experiments" / "delay-sensitivity.toml"
    r = invoke("sweep", shipped, "-n", 20, "--out", tmp_path / "s", "-q", "--set", "readiness.super_users=0")
    assert r.exit_code == 0, r.output
    table = rows(tmp_path / "s" / "sweep.csv")
    for site in {t["site"] for t in table}:
        risks = [float(t["risk"]) for t in table if t["site"] == site]
        assert risks == sorted(risks), (site, risks)
