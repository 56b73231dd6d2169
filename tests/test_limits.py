"""Every number, date, text and file has a bound (sim/limits.py, docs/limits.md), held
alike by model and experiment files, ``--set``, study values and the run: a value
outside it is a clean error naming the file, the key and what was expected, never a
traceback, a hang or a silently wrong answer.

Each test below is a reproduction from the robustness audit (issue 11) or a boundary of
one of the bounds.
"""
from __future__ import annotations

import ast
import copy
import datetime as dt
import os
import re
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from sim import limits
from sim.errors import ConfigError, Problem
from sim.model.distributions import Exponential, Lognormal, from_value
from sim.model.experiment_file import load_experiment
from sim.model.model_file import build_model, load_model, load_toml
from sim.model.overrides import apply_overrides, parse_value
from sim.model.reader import Problems
from sim.model.staff_csv import read_headcounts
from sim.model.values import ValueProblem, check_points, check_range, range_size, study_value
from tests.cli.conftest import assert_clean_failure, invoke
from tests.conftest import SMALL_EXPERIMENT, SMALL_MODEL
from tests.model.test_study_file import _experiment as study_experiment
from tests.model.test_study_file import _problems as study_problems

ROOT = Path(__file__).resolve().parents[1]
D = dt.date


# -- helpers --------------------------------------------------------------------------------

def run_with(tmp_path: Path, *sets: str) -> Result:
    """``rollout-sim run`` of the small experiment with ``--set`` options, one replication."""
    args: list[object] = ["run", SMALL_EXPERIMENT, "-n", 1, "--no-plots", "-q", "--executor", "serial",
                          "--out", tmp_path / "out"]
    for s in sets:
        args += ["--set", s]
    return invoke(*args)


def assert_clean_error(result: Result, key: str, fragment: str) -> str:
    """Exit 1, no traceback, and an ``error: FILE: KEY: ...`` line with ``fragment``."""
    assert_clean_failure(result)
    lines = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert any(f": {key}: " in line and fragment in line for line in lines), "\n".join(lines)
    return "\n".join(lines)


def problems_of(raw: dict[str, Any]) -> list[Problem]:
    with pytest.raises(ConfigError) as info:
        build_model(raw, SMALL_MODEL)
    return info.value.problems


def assert_problem(problems: list[Problem], key: str, fragment: str) -> Problem:
    for p in problems:
        if p.key == key and fragment in p.message:
            return p
    raise AssertionError(f"no problem {key!r} with {fragment!r} in:\n" + "\n".join(map(str, problems)))


def with_sets(raw: dict[str, Any], **sets: Any) -> dict[str, Any]:
    """``raw`` with dotted keys set (``__`` in a keyword stands for ``.``)."""
    return apply_overrides(raw, [(k.replace("__", "."), v) for k, v in sets.items()])


def in_a_thread(f, timeout: float = 10.0) -> Any:
    """``f()``, failing the test (rather than hanging it) if it takes longer than ``timeout``:
    for reads that block forever when they go wrong (a named pipe)."""
    out: dict[str, Any] = {}

    def target() -> None:
        try:
            out["value"] = f()
        except BaseException as err:  # noqa: BLE001 - handed to the test thread
            out["error"] = err

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"still running after {timeout} s: it blocks"
    if "error" in out:
        raise out["error"]
    return out.get("value")


# -- the document lists every bound --------------------------------------------------------

def _bounds() -> dict[str, object]:
    return {name: value for name, value in vars(limits).items()
            if name.isupper() and isinstance(value, (int, float, dt.date))}


def _as_written(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return f"{int(value):,}"
    return repr(value)  # 0.001, 1e-12


def test_the_document_lists_every_bound_with_its_value():
    doc = (ROOT / "docs" / "limits.md").read_text(encoding="utf-8")
    section = doc.split("\n## The bounds\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    assert len(_bounds()) >= 20
    for name, value in _bounds().items():
        mine = [row for row in rows if f"`{name}` |" in row]
        assert len(mine) == 1, f"docs/limits.md has no table row (or several) for {name}"
        assert _as_written(value) in mine[0], f"docs/limits.md gives {name} without its value {_as_written(value)}"


def test_the_document_refers_to_no_internal_notes():
    doc = (ROOT / "docs" / "limits.md").read_text(encoding="utf-8")
    assert not re.search(r"DESIGN\.md|FACTS\.md|\.\./shared", doc)


@pytest.mark.parametrize("module", ["model_file", "experiment_file", "study_file"])
def test_every_number_and_distribution_a_file_reads_has_an_upper_bound(module):
    # The audit: no t.number(...) or t.distribution(...) without high=.
    tree = ast.parse((ROOT / "sim" / "model" / f"{module}.py").read_text(encoding="utf-8"))
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
             and n.func.attr in ("number", "distribution")]
    assert calls
    unbounded = [f"line {c.lineno}" for c in calls if "high" not in {k.arg for k in c.keywords}]
    assert not unbounded, f"sim/{module}.py reads numbers without an upper bound at {', '.join(unbounded)}"


def test_the_shipped_files_are_within_every_bound():
    files = sorted((ROOT / "experiments").glob("*.toml")) + sorted((ROOT / "models").glob("*.toml"))
    result = invoke("validate", *files)
    assert result.exit_code == 0, result.output
    assert result.output.count("ok: ") == len(files)


def test_the_old_names_of_the_count_bounds_still_import():
    from sim.model.model_file import (
        MAX_CLASS,
        MAX_HEADCOUNT,
        MAX_INSTRUCTORS,
        MAX_ROOMS,
        MAX_SEATS,
    )
    from sim.model.study_file import MAX_REPLICATIONS

    assert (MAX_HEADCOUNT, MAX_INSTRUCTORS, MAX_ROOMS, MAX_SEATS, MAX_CLASS, MAX_REPLICATIONS) == (
        limits.MAX_HEADCOUNT, limits.MAX_INSTRUCTORS, limits.MAX_ROOMS, limits.MAX_SEATS, limits.MAX_CLASS,
        limits.MAX_REPLICATIONS)


# -- 1. uncertain values: no overflow, no silently wrong answer ------------------------------

def test_a_huge_rebook_delay_is_an_error_not_a_risk_of_0(tmp_path):
    # The audit's reproduction: the run reported a risk of 0%.
    result = run_with(tmp_path, "uncertainty.no_show_rebook_days=1e19")
    assert_clean_error(result, "uncertainty.no_show_rebook_days", "expected values in [0, 3,650], got 1e+19")
    assert not (tmp_path / "out" / "summary.json").exists()


def test_values_at_their_bounds_run(tmp_path):
    # The bounds stop nonsense, not big plans: ten-year delays and the heaviest turnover run.
    result = run_with(tmp_path, f"uncertainty.go_live_delay_days={limits.MAX_DAYS}",
                      f"uncertainty.training_environment_delay_days={limits.MAX_DAYS}",
                      f"uncertainty.certification_delay_days={limits.MAX_DAYS}",
                      'uncertainty.hire_lag_days={dist="exponential", mean=500}',
                      f"uncertainty.turnover_per_year={limits.MAX_TURNOVER_PER_YEAR}")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "summary.json").is_file()


DISTRIBUTION_KEYS = [
    ("uncertainty.elearning_pace_hours_per_day", limits.MAX_HOURS_PER_DAY),
    ("uncertainty.self_training_pace_hours_per_day", limits.MAX_HOURS_PER_DAY),
    ("uncertainty.no_show_probability", 1),
    ("uncertainty.no_show_rebook_days", limits.MAX_DAYS),
    ("uncertainty.learner_sick_probability", 1),
    ("uncertainty.learner_sick_days", limits.MAX_DAYS),
    ("uncertainty.instructor_sick_probability", 1),
    ("uncertainty.turnover_per_year", limits.MAX_TURNOVER_PER_YEAR),
    ("uncertainty.hire_lag_days", limits.MAX_DAYS),
    ("uncertainty.training_environment_delay_days", limits.MAX_DAYS),
    ("uncertainty.certification_delay_days", limits.MAX_DAYS),
    ("uncertainty.go_live_delay_days", limits.MAX_DAYS),
    ("uncertainty.long_term_leave_share", 1),
    ("uncertainty.long_term_leave_return_weeks", limits.MAX_WEEKS),
]


def _with_proficiency_and_common_delay(raw: dict[str, Any]) -> dict[str, Any]:
    raw = copy.deepcopy(raw)
    raw["curriculum"][0]["proficiency"] = {"pass_probability": 0.9, "max_attempts": 3}
    raw["common_delay"] = [{"id": "outage", "delays": "certification", "sites": ["a"], "probability": 0.5,
                            "days": 10}]
    return raw


ALL_DISTRIBUTION_KEYS = DISTRIBUTION_KEYS + [
    ("curriculum.basic.proficiency.pass_probability", 1),
    ("common_delay.outage.days", limits.MAX_DAYS),
]


@pytest.mark.parametrize("key, bound", ALL_DISTRIBUTION_KEYS, ids=[k for k, _ in ALL_DISTRIBUTION_KEYS])
def test_every_distribution_key_has_an_upper_bound(small_raw, key, bound):
    raw = _with_proficiency_and_common_delay(small_raw)
    build_model(apply_overrides(raw, [(key, bound)]), SMALL_MODEL)  # the bound itself is fine
    above = bound * 1.01
    assert_problem(problems_of(apply_overrides(raw, [(key, above)])), key, f"expected values in [0, {bound:,}]")
    # A distribution bounded above may not reach past it either.
    uniform = {"dist": "uniform", "low": 0, "high": above}
    assert_problem(problems_of(apply_overrides(raw, [(key, uniform)])), key, f"can give values above {bound:,}")


def test_an_unbounded_distribution_is_held_to_its_999th_percentile(small_raw):
    key = "uncertainty.hire_lag_days"
    # exponential: the 99.9th percentile is mean x ln(1000) = 6.9 x mean
    fits, over = limits.MAX_DAYS / 6.95, limits.MAX_DAYS / 6.85
    assert Exponential(fits).quantile(0.999) < limits.MAX_DAYS < Exponential(over).quantile(0.999)
    build_model(with_sets(small_raw, uncertainty__hire_lag_days={"dist": "exponential", "mean": fits}), SMALL_MODEL)
    problem = assert_problem(
        problems_of(with_sets(small_raw, uncertainty__hire_lag_days={"dist": "lognormal", "mean": 1e4, "sd": 3})),
        key, "expected values in [0, 3,650]")
    assert problem.message == ("expected values in [0, 3,650]; lognormal(mean=10000, sd=3) gives values above 3,650 "
                               "in more than 1 in 1,000 draws")
    assert_problem(problems_of(with_sets(small_raw, uncertainty__hire_lag_days={"dist": "exponential", "mean": over})),
                   key, "in more than 1 in 1,000 draws")


@pytest.mark.parametrize("table", [
    {"dist": "gamma", "mean": 5000, "sd": 10},
    {"dist": "poisson", "mean": 4000},
    {"dist": "normal", "mean": 3000, "sd": 300, "low": 0},
], ids=["gamma", "poisson", "normal-low"])
def test_every_unbounded_kind_is_checked_by_its_quantile(small_raw, table):
    assert_problem(problems_of(with_sets(small_raw, uncertainty__go_live_delay_days=table)),
                   "uncertainty.go_live_delay_days", "in more than 1 in 1,000 draws")


def test_a_normal_without_low_is_refused_for_its_lower_tail(small_raw):
    table = {"dist": "normal", "mean": 30, "sd": 3}
    assert_problem(problems_of(with_sets(small_raw, uncertainty__go_live_delay_days=table)),
                   "uncertainty.go_live_delay_days", "can give values below 0")


def test_a_distribution_with_an_absurd_spread_is_refused_by_its_far_tail(small_raw):
    # Its 99.9th percentile is below 1 day, but 1 draw in 10^12 is beyond 10^10 days.
    dist = {"dist": "lognormal", "mean": 1, "sd": 1e9}
    assert Lognormal(1, 1e9).quantile(0.999) < 1
    problem = assert_problem(problems_of(with_sets(small_raw, uncertainty__hire_lag_days=dist)),
                             "uncertainty.hire_lag_days", "values above 365,000 (100 times the bound)")
    assert "expected a smaller sd" in problem.message


@pytest.mark.parametrize("table, key", [
    ({"dist": "uniform", "low": 0, "high": 1e308}, "high"),
    ({"dist": "poisson", "mean": 1e300}, "mean"),
    ({"dist": "lognormal", "mean": 1e19, "sd": 3}, "mean"),
    ({"dist": "empirical", "values": [1, 2], "weights": [1e308, 1e308]}, "weights"),
    ({"dist": "fixed", "value": 1e300}, "value"),
], ids=["uniform-1e308", "poisson-1e300", "lognormal-1e19", "empirical-weights", "fixed"])
def test_distribution_parameters_that_would_overflow_the_sampler_are_named(small_raw, table, key):
    problems = problems_of(with_sets(small_raw, uncertainty__hire_lag_days=table))
    assert_problem(problems, f"uncertainty.hire_lag_days.{key}", "expected a number from -1,000,000,000 to 1,000,000,000")


@pytest.mark.parametrize("table", [
    {"dist": "lognormal", "mean": 5e-324, "sd": 1},
    {"dist": "gamma", "mean": 1, "sd": 5e-324},
    {"dist": "gamma", "mean": 5e-324, "sd": 1},
], ids=["lognormal-tiny-mean", "gamma-tiny-sd", "gamma-tiny-mean"])
def test_parameters_whose_ratio_overflows_the_sampler_are_named(table):
    from sim.model.distributions import DistributionError

    with pytest.raises(DistributionError) as err:
        from_value(table)
    assert err.value.key == "sd"


def test_a_plain_number_out_of_range_says_so_however_large(small_raw):
    huge = 10**5000  # tomllib reads it, Python cannot even print it
    problem = assert_problem(problems_of(with_sets(small_raw, uncertainty__hire_lag_days=huge)),
                             "uncertainty.hire_lag_days", "expected values in [0, 3,650]")
    assert len(problem.message) < 120


# -- 2. plain numbers ------------------------------------------------------------------------

NUMBERS = [
    ("uncertainty.go_live_delay_decided_weeks_before", 52, 53),
    ("model.horizon_weeks_after_go_live", limits.MAX_WEEKS, limits.MAX_WEEKS + 1),
    ("curriculum.basic.course.course.min_class", 10, limits.MAX_CLASS + 1),
    ("curriculum.basic.course.course.hours", limits.MAX_COURSE_HOURS, limits.MAX_COURSE_HOURS + 1),
    ("curriculum.basic.elearning_hours", limits.MAX_COURSE_HOURS, 1e300),
    ("curriculum.basic.valid_weeks", limits.MAX_WEEKS, limits.MAX_WEEKS + 1),
    ("staff_group.a-staff.headcount", limits.MAX_HEADCOUNT, limits.MAX_HEADCOUNT + 1),
    ("instructor_pool.a-instructors.count", limits.MAX_INSTRUCTORS, 10**30),
    ("venue.a-venue.rooms", limits.MAX_ROOMS, limits.MAX_ROOMS + 1),
    ("readiness.share", 1, 1.5),
    ("operations.booking_horizon_days", 365, 10**9),
]


@pytest.mark.parametrize("key, fine, over", NUMBERS, ids=[k for k, _, _ in NUMBERS])
def test_plain_numbers_have_an_upper_bound(small_raw, key, fine, over):
    build_model(apply_overrides(small_raw, [(key, fine)]), SMALL_MODEL)
    assert_problem(problems_of(apply_overrides(small_raw, [(key, over)])), key, "<= ")


def test_a_loan_count_has_an_upper_bound_even_where_the_pool_count_is_bad(small_raw):
    raw = with_sets(small_raw, **{
        "instructor_pool__a-instructors__count": "many",
        "instructor_pool__a-instructors__loan": [{"to_site": "a", "count": 10**12, "start": D(2023, 2, 1),
                                                  "end": D(2023, 3, 1)}]})
    assert_problem(problems_of(raw), "instructor_pool.a-instructors.loan.0.count", f"<= {limits.MAX_INSTRUCTORS:,}")


@pytest.mark.parametrize("sets, key", [
    ("uncertainty.go_live_delay_days=1e9", "uncertainty.go_live_delay_days"),
    ("uncertainty.hire_lag_days = 1e300", "uncertainty.hire_lag_days"),
    ("curriculum.basic.course.course.min_class=100000", "curriculum.basic.course.course.min_class"),
    ("experiment.replications=1000000000", "experiment.replications"),
    ("experiment.seed=9223372036854775808", "experiment.seed"),
], ids=["go-live-delay", "hire-lag", "min-class", "replications", "seed"])
def test_set_is_held_to_the_same_bounds(tmp_path, sets, key):
    result = run_with(tmp_path, sets)
    assert_clean_error(result, key, "expected ")


def test_experiment_replications_and_seed_bounds(tmp_path):
    path = tmp_path / "e.toml"
    path.write_text(f'[experiment]\nmodel = "{SMALL_MODEL.as_posix()}"\nreplications = {limits.MAX_REPLICATIONS}\n'
                    f"seed = {limits.MAX_SEED}\n", encoding="utf-8")
    spec = load_experiment(path)
    assert (spec.replications, spec.seed) == (limits.MAX_REPLICATIONS, limits.MAX_SEED)


# -- 3. dates and study values -------------------------------------------------------------

@pytest.mark.parametrize("value", ["9999-12-31", "0001-03-03", "1999-12-31", "2100-01-01"])
def test_set_a_date_outside_the_calendar_is_a_clean_error(tmp_path, value):
    result = run_with(tmp_path, f"site.a.go_live={value}")
    assert_clean_error(result, "site.a.go_live", f"expected a date from 2000-01-01 to 2099-12-31, got {value}")


@pytest.mark.parametrize("key", ["site.a.training_environment_ready", "instructor_pool.a-instructors.certification_start",
                                 "site.a.end_user_classes_from"])
def test_every_date_key_is_held_to_the_calendar(small_raw, key):
    for value in (D(9999, 12, 31), "1900-01-01"):
        assert_problem(problems_of(apply_overrides(small_raw, [(key, value)])), key, "expected a date from 2000-01-01")


def test_dates_at_the_ends_of_the_calendar_are_valid(small_raw):
    raw = with_sets(small_raw, site__a__training_environment_ready=limits.EARLIEST_DATE,
                    **{"instructor_pool__a-instructors__certification_start": limits.EARLIEST_DATE},
                    site__a__go_live=limits.LATEST_DATE)
    assert build_model(raw, SMALL_MODEL).site("a").go_live == limits.LATEST_DATE


@pytest.mark.parametrize("written, key, base", [
    ("+99999999w", "site.hnt.go_live", D(2023, 2, 11)),
    ("-600w", "site.hnt.go_live", D(2023, 2, 11)),
    ("99999999w", "uncertainty.go_live_delay_days", 0),
    ("3651d", "uncertainty.go_live_delay_days", 0),
    ("522w", "curriculum.basic.window_weeks", 8),
], ids=["shift-overflow", "shift-back", "duration-days", "duration-just-over", "duration-weeks"])
def test_study_durations_and_shifts_are_held_to_max_days(written, key, base):
    with pytest.raises(ValueProblem) as err:
        study_value(written, key, base)
    assert key in str(err.value) and "at most 3,650 days (520 weeks)" in str(err.value)


def test_a_shift_may_not_leave_the_calendar_nor_overflow():
    assert study_value("+520w", "site.a.go_live", D(2023, 2, 11)) == D(2033, 1, 29)
    with pytest.raises(ValueProblem, match="expected a date from 2000-01-01 to 2099-12-31"):
        study_value("+2w", "site.a.go_live", D(2099, 12, 25))
    with pytest.raises(ValueProblem, match="beyond year 9999"):
        study_value("+2w", "site.a.go_live", D(9999, 12, 25))  # a raw model value not yet checked


@pytest.mark.parametrize("written", ["9" * 400, "9" * 400 + "%"])
def test_a_number_too_large_for_a_float_is_a_value_problem(written):
    with pytest.raises(ValueProblem, match="expected a finite number"):
        study_value(written, "uncertainty.no_show_probability", 0.1)


def test_vary_a_date_by_a_huge_shift_is_a_clean_error(tmp_path):
    # The audit's reproduction raised OverflowError.
    result = invoke("sweep", SMALL_EXPERIMENT, "--vary", "site.a.go_live=+99999999w", "-n", 1, "--executor", "serial",
                    "-q", "--out", tmp_path / "s")
    assert_clean_error(result, "site.a.go_live", "expected a duration of at most 3,650 days (520 weeks)")


def test_vary_a_duration_beyond_the_keys_bound_is_caught_by_the_model(tmp_path):
    result = invoke("sweep", SMALL_EXPERIMENT, "--vary", "curriculum.basic.window_weeks=200w",
                    "-n", 1, "--executor", "serial", "-q", "--out", tmp_path / "s")
    assert_clean_error(result, "curriculum.basic.window_weeks", "<= 104, got 200")


@pytest.mark.parametrize("key, low, high, expected", [
    # A shift beyond MAX_DAYS is refused where it is read, naming the parameter.
    ("site.a.go_live", "-1w", "+99999w",
     "sensitivity.parameter.0: '+99999w' for site.a.go_live: expected a duration of at most 3,650 days"),
    # A value within MAX_DAYS but beyond the key's own bound is caught by the model.
    ("uncertainty.no_show_probability", "0%", "150%",
     "uncertainty.no_show_probability: expected values in [0, 1], got 1.5"),
], ids=["beyond-max-days", "beyond-the-keys-bound"])
def test_a_sensitivity_range_is_held_to_the_bounds(tmp_path, key, low, high, expected):
    text = study_problems(tmp_path, f"""
[sensitivity]
[[sensitivity.parameter]]
key = "{key}"
low = "{low}"
high = "{high}"
""")
    assert expected in text


def test_a_capacity_table_with_too_many_values_is_an_error(tmp_path):
    # The audit's reproduction (as --high 1e12) ran for minutes listing the values.
    text = study_problems(tmp_path, """
[capacity]
site = "a"
max_risk = 0.1
vary = "venue.a-venue.rooms"
low = 1
high = 100000
""")
    assert "capacity: from 1 to 100000 in steps of 1 is 100,000 values; expected at most 10,000" in text


def test_a_capacity_table_of_dates_counts_its_steps_in_days(tmp_path):
    text = study_problems(tmp_path, """
[capacity]
site = "a"
max_risk = 0.1
vary = "site.a.go_live"
low = 2000-01-03
high = 2099-12-31
step = "1d"
""")
    assert "capacity: from 2000-01-03 to 2099-12-31 in steps of 1 days is 36,523 values; expected at most 10,000" in text
    path = study_experiment(tmp_path, '[capacity]\nsite = "a"\nmax_risk = 0.1\nvary = "site.a.go_live"\n'
                                      'low = "-1w"\nhigh = "+26w"\nstep = "1d"\n')
    load_experiment(path)


def test_a_sweep_grid_of_too_many_points_is_an_error(tmp_path):
    values = ", ".join(str(i) for i in range(101))
    text = study_problems(tmp_path, f"""
[sweep]
[sweep.vary]
"venue.a-venue.rooms" = [{values}]
"instructor_pool.a-instructors.count" = [{values}]
""")
    assert "sweep.vary: its grid of values has 10,201 points; expected at most 10,000" in text


def test_a_sobol_design_of_too_many_points_is_an_error(tmp_path):
    text = study_problems(tmp_path, """
[sensitivity]
sobol_samples = 8192
[[sensitivity.parameter]]
key = "uncertainty.no_show_probability"
low = "0%"
high = "20%"
""")
    assert "sensitivity.sobol_samples: 8,192 with 1 parameter makes a design of 24,576 points; expected at most 10,000" \
        in text


def test_morris_design_size_grows_with_the_parameters(tmp_path):
    params = "".join(f'[[sensitivity.parameter]]\nkey = "{k}"\nlow = 0\nhigh = 0.1\n' for k in (
        "uncertainty.no_show_probability", "uncertainty.learner_sick_probability",
        "uncertainty.instructor_sick_probability", "uncertainty.turnover_per_year", "uncertainty.long_term_leave_share",
        "common_delay.outage.probability", "readiness.super_users", "operations.max_share_in_class_per_day",
        "uncertainty.learner_sick_days", "uncertainty.no_show_rebook_days"))
    text = study_problems(tmp_path, f"[sensitivity]\nmorris_trajectories = 1000\n{params}")
    assert "sensitivity.morris_trajectories: 1,000 with 10 parameters makes a design of 11,000 points" in text


def test_the_range_helpers_count_without_listing():
    assert range_size(7, 21, 1) == 15
    assert range_size(D(2023, 1, 1), D(2023, 1, 29), 7) == 5
    assert range_size(0, 1, 5e-324) == float("inf")
    check_range(1, limits.MAX_POINTS, 1)
    with pytest.raises(ValueProblem, match="is 1,000,000,000,000 values; expected at most 10,000"):
        check_range(1, 1e12, 1)
    with pytest.raises(ValueProblem, match="too many values"):
        check_range(0.0, 1.0, 1e-300)
    with pytest.raises(ValueProblem, match="9999-12-18 is outside the dates"):
        check_range(D(9999, 12, 18), D(9999, 12, 25), 7)
    check_points(limits.MAX_POINTS)
    with pytest.raises(ValueProblem, match="10,001 points; expected at most 10,000"):
        check_points(limits.MAX_POINTS + 1)


# -- 4. ids and names ----------------------------------------------------------------------

@pytest.mark.parametrize("array", ["site", "staff_group", "curriculum", "instructor_pool", "venue"])
@pytest.mark.parametrize("ident, fragment", [
    ("=HYPERLINK(\"http://x\",\"y\")", "would run such a cell as a formula"),
    ("+1", "does not start with =, +, - or @"),
    ("-a", "formula"),
    ("@SUM(A1)", "formula"),
    ("a\tb", "without control characters"),
    ("a\u2028b", "without control characters"),
    ("x" * (limits.MAX_ID_LENGTH + 1), f"at most {limits.MAX_ID_LENGTH} characters, got 65"),
], ids=["hyperlink", "plus", "minus", "at", "tab", "line-separator", "too-long"])
def test_ids_are_short_printable_and_no_formula(small_raw, array, ident, fragment):
    small_raw[array][0]["id"] = ident
    problem = assert_problem(problems_of(small_raw), f"{array}.0.id", fragment)
    assert len(problem.message) < 400


@pytest.mark.parametrize("where", [("curriculum", 0, "course", 0), ("common_delay", 0)])
def test_course_and_common_delay_ids_are_checked_too(small_raw, where):
    raw = _with_proficiency_and_common_delay(small_raw)
    node: Any = raw
    for part in where:
        node = node[part]
    node["id"] = "=1+1"
    key = "curriculum.basic.course.0.id" if where[0] == "curriculum" else "common_delay.0.id"
    problems = problems_of(raw)
    assert_problem(problems, key, "formula")
    assert len([p for p in problems if p.key == key]) == 1  # once, not once per read


def test_an_id_at_the_length_limit_is_valid(small_raw):
    ident = "v" * limits.MAX_ID_LENGTH
    small_raw["venue"][0]["id"] = ident
    assert build_model(small_raw, SMALL_MODEL).venues[0].id == ident


def test_a_set_site_id_that_is_a_formula_is_a_clean_error(tmp_path):
    result = run_with(tmp_path, 'site.a.id="=HYPERLINK(\\"http://evil\\",\\"a\\")"')
    assert_clean_error(result, "site.0.id", "would run such a cell as a formula")


def test_a_scenario_name_that_is_a_formula_is_an_error(tmp_path):
    path = tmp_path / "e.toml"
    path.write_text(f'[experiment]\nmodel = "{SMALL_MODEL.as_posix()}"\nreplications = 1\nseed = 1\n'
                    '[[scenario]]\nname = "=cmd|calc"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_experiment(path)
    assert "scenario.0.name: expected a scenario name that does not start with" in str(err.value)


@pytest.mark.parametrize("key", ["site.a.name", "venue.a-venue.name", "model.name", "staff_group.a-staff.unit"])
def test_a_huge_name_is_an_error_that_does_not_quote_it(small_raw, key):
    # The audit's reproduction: a 100,000-character name stalled plotting for minutes.
    problems = problems_of(apply_overrides(small_raw, [(key, "n" * 100_000)]))
    problem = assert_problem(problems, key, f"expected text of at most {limits.MAX_NAME_LENGTH} characters, got 100,000")
    assert len(str(problem)) < 300


@pytest.mark.parametrize("key", ["site.a.name", "model.name", "calendar.country"])
def test_a_name_with_control_characters_is_an_error(small_raw, key):
    problem = assert_problem(problems_of(apply_overrides(small_raw, [(key, "Site\x1b[31mA")])), key,
                             "without control characters")
    assert "\x1b" not in problem.message  # shown as an escape, not sent to the terminal


def test_descriptions_may_be_longer_and_span_lines(small_raw):
    text = "First line.\n\tSecond line. " + "x" * (limits.MAX_DESCRIPTION_LENGTH - 40)
    assert build_model(with_sets(small_raw, model__description=text), SMALL_MODEL).description == text
    long = "d" * (limits.MAX_DESCRIPTION_LENGTH + 1)
    assert_problem(problems_of(with_sets(small_raw, model__description=long)), "model.description",
                   f"at most {limits.MAX_DESCRIPTION_LENGTH:,} characters")
    assert_problem(problems_of(with_sets(small_raw, model__description="a\x00b")), "model.description",
                   "without control characters")


def test_a_weird_unknown_key_is_reported_without_quoting_it_whole(small_raw):
    small_raw["model"]["k" * 10_000] = 1
    small_raw["model"]["bad\nkey"] = 1
    problems = problems_of(small_raw)
    unknown = [p for p in problems if "unknown key" in p.message]
    assert len(unknown) == 2 and all(p.key == "model" and len(str(p)) < 300 for p in unknown)


# -- 5. reading files ------------------------------------------------------------------------

def _load_problem(path: Path) -> Problem:
    with pytest.raises(ConfigError) as err:
        load_toml(path)
    (problem,) = err.value.problems
    return problem


def test_a_file_that_is_not_utf8_is_a_clean_problem(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes('[model]\nname = "Ålesund"\n'.encode("latin-1"))
    message = _load_problem(path).message
    assert message.startswith("not UTF-8 text") and message.endswith("save it as UTF-8")


def test_a_byte_order_mark_is_fine(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + SMALL_MODEL.read_bytes())
    assert load_toml(path) == load_toml(SMALL_MODEL)


def test_a_symlink_loop_is_a_clean_problem(tmp_path):
    (tmp_path / "a.toml").symlink_to(tmp_path / "b.toml")
    (tmp_path / "b.toml").symlink_to(tmp_path / "a.toml")
    assert "cannot read" in _load_problem(tmp_path / "a.toml").message


def test_a_path_with_a_nul_byte_is_a_clean_problem():
    problem = _load_problem(Path("model\x00.toml"))
    assert "NUL" in problem.message and "\x00" not in str(problem)


def test_a_folder_is_a_clean_problem(tmp_path):
    assert _load_problem(tmp_path).message == "is a folder; expected a TOML file"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError) as err:
        in_a_thread(lambda: load_toml(fifo))
    assert "is not a regular file" in str(err.value)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_a_device_is_refused_without_reading_it():
    with pytest.raises(ConfigError) as err:
        in_a_thread(lambda: load_toml(Path("/dev/zero")))
    assert "is not a regular file (it is a device, a pipe or a socket); expected a TOML file" in str(err.value)


def test_a_file_larger_than_the_limit_is_refused(tmp_path):
    path = tmp_path / "big.toml"
    with path.open("wb") as fh:
        fh.truncate(limits.MAX_TOML_BYTES + 1)  # sparse: nothing is written
    assert _load_problem(path).message == (f"is {limits.MAX_TOML_BYTES + 1:,} bytes; expected a TOML file of at most "
                                           f"{limits.MAX_TOML_BYTES:,} bytes")


@pytest.mark.parametrize("text", [
    "a = " + "[" * 5000 + "]" * 5000,
    "a = " + "{b = " * 5000 + "1" + "}" * 5000,
    "[" + ".".join(["t"] * 5000) + "]\n",
    "a = " + "[" * (limits.MAX_NESTING + 1) + "]" * (limits.MAX_NESTING + 1),
], ids=["arrays-5000", "inline-tables-5000", "dotted-header-5000", "just-over-the-limit"])
def test_nesting_too_deep_is_a_clean_problem(tmp_path, text):
    path = tmp_path / "deep.toml"
    path.write_text(text, encoding="utf-8")
    assert f"nested more than {limits.MAX_NESTING} deep" in _load_problem(path).message


def test_nesting_at_the_limit_is_read(tmp_path):
    path = tmp_path / "deep.toml"
    depth = limits.MAX_NESTING - 1  # the top-level table is one level
    path.write_text("a = " + "[" * depth + "]" * depth, encoding="utf-8")
    assert "a" in load_toml(path)


def test_a_number_too_long_for_python_is_a_clean_problem(tmp_path):
    path = tmp_path / "n.toml"
    path.write_text("a = " + "9" * 5000 + "\n", encoding="utf-8")
    assert _load_problem(path).message == "not valid TOML: a number too long to read"


def test_validate_reports_bad_files_cleanly(tmp_path):
    (tmp_path / "latin.toml").write_bytes(b'name = "\xff"\n')
    result = invoke("validate", tmp_path / "latin.toml", tmp_path)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"error: {tmp_path / 'latin.toml'}: not UTF-8 text" in result.output
    assert f"error: {tmp_path}: is a folder; expected a TOML file" in result.output


@pytest.mark.parametrize("value", ["[" * 3000 + "]" * 3000, "9" * 5000])
def test_set_values_that_tomllib_cannot_read_are_taken_as_text(value):
    assert parse_value(value) == value


# -- the headcount CSV ----------------------------------------------------------------------

def _csv_model(tmp_path: Path, csv_path: str) -> Path:
    text = SMALL_MODEL.read_text(encoding="utf-8")
    text, n = re.subn(r"^\[\[staff_group\]\]\n(?:[^\[\n].*\n)*", "", text, flags=re.MULTILINE)
    assert n == 1
    text += f'\n[[staff_csv]]\nfile = "{csv_path}"\ncurricula = {{ nurse = "basic" }}\n'
    model = tmp_path / "model.toml"
    model.write_text(text, encoding="utf-8")
    return model


def _csv_problems(tmp_path: Path, csv_path: str) -> list[Problem]:
    with pytest.raises(ConfigError) as err:
        in_a_thread(lambda: load_model(_csv_model(tmp_path, csv_path)))
    return err.value.problems


def test_a_csv_path_at_a_system_file_does_not_print_the_file(tmp_path):
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin\n", encoding="utf-8")
    (problem,) = _csv_problems(tmp_path, secret.as_posix())
    assert problem.key == "line 1"
    assert problem.message.startswith("expected the columns site,unit,role,count")
    assert "root" not in problem.message and "bin" not in problem.message


def test_a_header_that_is_nearly_right_names_what_is_missing(tmp_path):
    (tmp_path / "staff.csv").write_text("site,ward,role,count,extra\na,w,nurse,1,x\n", encoding="utf-8")
    (problem,) = _csv_problems(tmp_path, "staff.csv")
    assert "unit missing; 2 other columns" in problem.message and "ward" not in problem.message


@pytest.mark.parametrize("make, fragment", [
    (lambda p: p.write_bytes(b"site,unit,role,count\na,\xe5,nurse,1\n"), "not UTF-8 text"),
    (lambda p: p.mkdir(), "is a folder; expected a CSV file"),
    (lambda p: os.mkfifo(p), "is not a regular file"),
    (lambda p: p.symlink_to(p), "cannot resolve the path"),
    (lambda p: p.write_text("site,unit,role,count\na," + "u" * 200_000 + ",nurse,1\n", encoding="utf-8"),
     "not a CSV file that can be read"),
    (lambda p: p.write_text("site,unit,role,count\na,ward\x00,nurse,1\n", encoding="utf-8"),
     "without control characters"),
    (lambda p: p.write_text("site,unit,role,count\na," + "u" * 201 + ",nurse,1\n", encoding="utf-8"),
     "at most 200 characters"),
], ids=["not-utf8", "folder", "fifo", "symlink-loop", "huge-cell", "nul-in-cell", "long-cell"])
def test_bad_csv_files_are_clean_problems(tmp_path, make, fragment):
    make(tmp_path / "staff.csv")
    problems = _csv_problems(tmp_path, "staff.csv")
    assert any(fragment in p.message for p in problems), "\n".join(map(str, problems))
    assert all(len(str(p)) < 400 for p in problems)


def test_a_bad_count_cell_is_quoted_short(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text("site,unit,role,count\na,w,nurse," + "x" * 1000 + "\n", encoding="utf-8")
    problems = Problems()
    assert read_headcounts(path, problems) == []
    (problem,) = problems.items
    assert problem.key == "line 2.count" and len(problem.message) < 200


def test_a_csv_larger_than_the_limit_is_refused(tmp_path):
    path = tmp_path / "staff.csv"
    with path.open("wb") as fh:
        fh.truncate(limits.MAX_CSV_BYTES + 1)
    problems = Problems()
    assert read_headcounts(path, problems) == []
    assert problems.items[0].message.startswith(f"is {limits.MAX_CSV_BYTES + 1:,} bytes")


# -- 6. the experiment's model path ---------------------------------------------------------

def _experiment_naming(tmp_path: Path, model: str) -> Path:
    path = tmp_path / "e.toml"
    path.write_text(f'[experiment]\nmodel = "{model}"\nreplications = 1\nseed = 1\n', encoding="utf-8")
    return path


@pytest.mark.parametrize("make, fragment", [
    (lambda d: Path("/dev/zero"), "/dev/zero: is not a regular file"),
    (lambda d: (os.mkfifo(d / "m.toml"), d / "m.toml")[1], "is not a regular file"),
    (lambda d: ((d / "m").mkdir(), d / "m")[1], "is a folder; expected a model file"),
    (lambda d: ((d / "m.toml").symlink_to(d / "m.toml"), d / "m.toml")[1], "cannot resolve the path"),
    (lambda d: d / "missing.toml", "no model file at"),
], ids=["device", "fifo", "folder", "symlink-loop", "missing"])
def test_an_experiment_model_that_is_no_regular_file_is_named(tmp_path, make, fragment):
    if not Path("/dev/zero").exists() or not hasattr(os, "mkfifo"):
        pytest.skip("no devices or named pipes here")
    target = make(tmp_path)
    with pytest.raises(ConfigError) as err:
        in_a_thread(lambda: load_experiment(_experiment_naming(tmp_path, target.as_posix())))
    (problem,) = err.value.problems
    assert problem.key == "experiment.model" and fragment in problem.message


def test_an_experiment_model_path_with_a_nul_is_named(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_experiment(_experiment_naming(tmp_path, "model\\u0000.toml"))
    (problem,) = err.value.problems
    assert problem.key == "experiment.model" and "without control characters" in problem.message
