"""The command line: ``validate`` prints one line per problem and exits 0 or 1; ``run``
writes a complete results folder (or none at all), reproducibly for a given seed, and
bad input gives a clear message naming file and key, never a traceback."""
from __future__ import annotations

import csv
import datetime as dt
import json
import re
from pathlib import Path

import pytest
from click.testing import Result

from tests.cli.conftest import assert_clean_failure, error_lines
from tests.cli.conftest import invoke as invoke_as_given
from tests.conftest import SMALL_EXPERIMENT, SMALL_MODEL, loaded_after

ROOT = Path(__file__).resolve().parents[2]
RESULT_FILES = ["bottlenecks.npz", "config", "curves.npz", "manifest.json", "replications.csv", "resolved", "summary.json"]
# Randomness on, so that "same seed, same bytes" is not true merely because nothing is random.
RANDOM = ["--set", 'uncertainty.no_show_probability={dist="uniform", low=0, high=0.3}',
          "--set", 'uncertainty.elearning_pace_hours_per_day={dist="lognormal", mean=0.5, sd=0.3}',
          "--set", "uncertainty.learner_sick_probability=0.1", "--set", "uncertainty.learner_sick_days=3"]


def invoke(*args: object) -> Result:
    # In-process replications keep these tests fast; tests/runs/test_executors.py covers the pools.
    if args and args[0] == "run" and "--executor" not in args and "--resume" not in args:
        args = (*args, "--executor", "serial")
    if args and args[0] == "run" and "--plots" not in args:
        args = (*args, "--no-plots")  # figures are tested in test_plots and test_report
    args = tuple(a for a in args if a != "--plots")
    return invoke_as_given(*args)


def run_small(out: Path, *args: object) -> Result:
    return invoke("run", SMALL_EXPERIMENT, "-n", 3, "--seed", 1, "-q", "--out", out, *args)


def small_model_text(**replace: str) -> str:
    text = SMALL_MODEL.read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    return text


# -- validate -----------------------------------------------------------------------------

def test_validate_good_files_prints_one_ok_line_each():
    files = [ROOT / "models" / "midt-norge.toml", *sorted((ROOT / "experiments").glob("*.toml")), SMALL_MODEL,
             SMALL_EXPERIMENT]
    result = invoke("validate", *files)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == len(files)
    for line, path in zip(lines, files):
        assert line.startswith(f"ok: {path} (")
    assert "5 sites" in lines[0]
    assert result.stderr == ""


def test_validate_syntax_error(tmp_path):
    path = tmp_path / "bad-syntax.toml"
    path.write_text("[model\nname = 1\n", encoding="utf-8")
    result = invoke("validate", path)
    assert_clean_failure(result)
    (line,) = error_lines(result)
    assert line.startswith(f"error: {path}: not valid TOML")
    assert "line 1" in line


def test_validate_prints_every_problem_on_its_own_line(tmp_path):
    path = tmp_path / "bad-keys.toml"
    path.write_text(small_model_text(**{
        "[model]\n": "[model]\nreadiness_treshold = 0.9\n",
        "headcount = 100": "headcount = -100",
    }), encoding="utf-8")
    result = invoke("validate", path)
    assert_clean_failure(result)
    lines = error_lines(result)
    assert len(lines) == 2
    assert lines[0].startswith(f"error: {path}: model.readiness_treshold: unknown key")
    assert lines[1].startswith(f"error: {path}: staff_group.a-staff.headcount: expected a whole number >= 0")


def test_validate_checks_every_file(tmp_path):
    bad = tmp_path / "bad-unknown.toml"
    bad.write_text(small_model_text(**{"rooms = 1": "rooms = 1\nroom = 2"}), encoding="utf-8")
    result = invoke("validate", SMALL_MODEL, bad, SMALL_EXPERIMENT)
    assert_clean_failure(result)
    assert [line.split(" (")[0] for line in result.stdout.splitlines()] == [f"ok: {SMALL_MODEL}", f"ok: {SMALL_EXPERIMENT}"]
    assert error_lines(result) == [f"error: {bad}: venue.a-venue.room: unknown key (check the spelling; see docs/model-file.md and docs/experiment-file.md); did you mean 'rooms'?"]


@pytest.mark.parametrize("text, message", [
    ("x = 1\n", "neither a model file"),
    (None, "file not found"),
])
def test_validate_other_bad_files(tmp_path, text, message):
    path = tmp_path / "bad-other.toml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    result = invoke("validate", path)
    assert_clean_failure(result)
    (line,) = error_lines(result)
    assert line.startswith(f"error: {path}: {message}")


def test_validate_missing_required_key_without_traceback(tmp_path):
    path = tmp_path / "bad-missing.toml"
    path.write_text(small_model_text(**{"go_live = 2023-05-06\n": ""}), encoding="utf-8")
    result = invoke("validate", path)
    assert_clean_failure(result)
    assert error_lines(result) == [f"error: {path}: site.a.go_live: missing; this key is required"]


# -- run: the results folder --------------------------------------------------------------

@pytest.fixture(scope="module")
def small_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run") / "out"
    result = run_small(out)
    assert result.exit_code == 0, result.output
    assert f"results: {out}" in result.stdout
    return out


def test_run_writes_the_results_files(small_run):
    assert sorted(p.name for p in small_run.iterdir()) == RESULT_FILES
    assert sorted(p.name for p in (small_run / "config").iterdir()) == ["experiment.toml", "model.toml", "original"]
    assert sorted(p.name for p in (small_run / "config" / "original").iterdir()) == ["small-experiment.toml",
                                                                                     "small-model.toml"]
    assert sorted(p.name for p in (small_run / "resolved").iterdir()) == ["0-base.toml", "1-two-rooms.toml"]
    assert "rooms = 2" in (small_run / "resolved" / "1-two-rooms.toml").read_text(encoding="utf-8")
    # No journal or checkpoint is left once the run is complete.
    assert not [p for p in small_run.iterdir() if "partial" in p.name or "checkpoint" in p.name]


def test_replications_csv(small_run):
    with (small_run / "replications.csv").open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        header = reader.fieldnames
    assert {"scenario", "replication", "site", "go_live", "staff_required", "trained_at_go_live",
            "share_trained", "ready", "completion_date", "slack_days"} <= set(header)
    assert header[:2] == ["scenario", "replication"]
    assert [(r["scenario"], r["replication"], r["site"]) for r in rows] == [
        (s, str(i), "a") for s in ("base", "two-rooms") for i in range(3)]
    for r in rows:
        assert r["go_live"] == "2023-05-06"
        assert r["staff_required"] == "100"
        assert r["ready"] in ("true", "false")
        assert 0 <= float(r["share_trained"]) <= 1


def test_summary_json(small_run):
    summary = json.loads((small_run / "summary.json").read_text(encoding="utf-8"))
    assert (summary["seed"], summary["replications"]) == (1, 3)
    assert list(summary["scenarios"]) == ["base", "two-rooms"]
    for scenario in summary["scenarios"].values():
        site = scenario["sites"]["a"]
        low, high = site["risk_ci95"]
        assert 0 <= low <= site["risk_not_ready"] <= high <= 1
        assert site["expected_untrained"] >= 0
        dates = [dt.date.fromisoformat(site["completion_date"][q]) for q in ("p10", "p50", "p80", "p90")]
        assert dates == sorted(dates)


def test_manifest_json(small_run):
    manifest = json.loads((small_run / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["seed"], manifest["replications_asked"], manifest["replications_done"]) == (1, 3, 3)
    assert manifest["status"] == "complete" and manifest["executor"] == "serial"
    assert manifest["scenarios"] == {"base": [], "two-rooms": [["venue.a-venue.rooms", "2"]]}
    assert re.fullmatch(r"[0-9a-f]{64}", manifest["config_hash"])


def test_same_seed_gives_identical_files(tmp_path):
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        result = invoke("run", SMALL_EXPERIMENT, "-n", 3, "--seed", seed, "-q", "--out", tmp_path / name, *RANDOM)
        assert result.exit_code == 0, result.output
    for name in ("replications.csv", "summary.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    # ... and the seed matters, so the equality above is not trivial.
    assert (tmp_path / "a" / "replications.csv").read_bytes() != (tmp_path / "c" / "replications.csv").read_bytes()


def test_existing_out_without_force_is_left_untouched(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("old results", encoding="utf-8")
    result = run_small(out)
    assert_clean_failure(result)
    assert str(out) in result.stderr and "--force" in result.stderr
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert (out / "keep.txt").read_text(encoding="utf-8") == "old results"
    assert list(tmp_path.iterdir()) == [out]


def test_existing_out_with_force_is_replaced(tmp_path):
    out = tmp_path / "out"
    assert run_small(out).exit_code == 0
    (out / "figures").mkdir(exist_ok=True)
    (out / "figures" / "old.png").write_bytes(b"old figure")  # inside a folder the tool writes: ours
    result = run_small(out, "--force")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == RESULT_FILES
    assert list(tmp_path.iterdir()) == [out]


def test_force_keeps_a_results_folder_that_holds_a_users_file(tmp_path):
    out = tmp_path / "out"
    assert run_small(out).exit_code == 0
    (out / "notes.txt").write_text("my notes", encoding="utf-8")
    result = run_small(out, "--force")
    assert result.exit_code == 1 and "holds notes.txt" in result.stderr
    assert (out / "notes.txt").read_text(encoding="utf-8") == "my notes"


def test_force_never_deletes_a_folder_that_is_not_a_results_folder(tmp_path):
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "chapter.txt").write_text("precious", encoding="utf-8")
    result = run_small(out, "--force")
    assert_clean_failure(result)
    assert "not a results folder" in result.stderr
    assert (out / "chapter.txt").read_text(encoding="utf-8") == "precious"


def test_out_that_is_a_file_gives_a_message_not_a_traceback(tmp_path):
    out = tmp_path / "out"
    out.write_text("not a folder", encoding="utf-8")
    result = run_small(out, "--force")  # --force replaces a results folder, never a file
    assert_clean_failure(result)
    assert error_lines(result) == [f"error: --out: {out} is a file, not a results folder; choose another --out"]
    assert out.read_text(encoding="utf-8") == "not a folder"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_what_run_prints_for_the_shipped_baseline_fits_80_columns(tmp_path):
    out = tmp_path / "b"
    result = invoke("run", "baseline", "-n", 2, "-q", "--out", out)
    assert result.exit_code == 0, result.output
    printed = [line for line in result.stdout.splitlines() if str(out) not in line]
    assert len(printed) > 40 and all(len(line) <= 80 for line in printed), result.stdout
    assert "Helse Nord-Trøndelag HF:" in result.stdout and "P50" in result.stdout


@pytest.mark.parametrize("shift, days", [("+4w", 28), ("-10d", -10)])
def test_set_moves_a_date_by_a_shift(tmp_path, shift, days):
    # The shipped baseline as built: HNT's go-live moved, and nothing else's.
    from sim.model.experiment_file import load_experiment
    from sim.paths import experiment_path
    from sim.runs.launch import parse_sets

    base, moved = (load_experiment(experiment_path(Path("baseline")), parse_sets(sets))
                   for sets in ([], [f"site.hnt.go_live={shift}"]))
    for a, b in zip(base.scenarios[0].model.sites, moved.scenarios[0].model.sites):
        assert b.go_live - a.go_live == dt.timedelta(days=days if a.id == "hnt" else 0)
    # And a run of it, as summary.json records the go-live.
    result = run_small(tmp_path / "r", "--set", f"site.a.go_live={shift}")
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "r" / "summary.json").read_text(encoding="utf-8"))
    assert summary["scenarios"]["base"]["sites"]["a"]["go_live"] == str(dt.date(2023, 5, 6) + dt.timedelta(days=days))


@pytest.mark.parametrize("setting, fragment", [
    ("site.a.go_live=+4x", "site.a.go_live: '+4x' for site.a.go_live: unknown unit 'x'; expected d, days, w or weeks"),
    ("venue.a-venue.rooms=+4w", "venue.a-venue.rooms: '+4w' is a shift of a date, but the key holds 1, not a date"),
])
def test_a_bad_shift_is_one_clear_line(tmp_path, setting, fragment):
    result = run_small(tmp_path / "r", "--set", setting)
    assert_clean_failure(result)
    (line,) = error_lines(result)
    assert line.startswith("error: --set: ") and fragment in line, line
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("args, line", [
    (["run", "baselin"], "error: baselin: file not found, nor a shipped experiment of that name (rollout-sim list "
                         "shows them); did you mean 'baseline'?"),
    (["sweep", "delay-sensitivty.toml"], "did you mean 'delay-sensitivity'?"),
    (["run", "--set", "site.hntt.go_live=+1w"], "error: --set: site.hntt.go_live: no site with id 'hntt'; expected "
                                                "one of trondheim, st-olavs, hnt, levanger, verdal; did you mean 'hnt'?"),
    (["run", "--set", "uncertanty.no_show_probability=0.1"], "uncertanty: unknown key (check the spelling; see "
                                                             "docs/model-file.md and docs/experiment-file.md); "
                                                             "did you mean 'uncertainty'?"),
    (["run", "--set", "sitee.hnt.go_live=+1w"], "error: --set: sitee.hnt.go_live: the file has no table 'sitee'; "
                                                "did you mean 'site'?"),
    (["run", "--set", "uncertainty.no_show_probabilty=0.1"], "uncertainty.no_show_probabilty: unknown key (check "
                                                             "the spelling; see docs/model-file.md and "
                                                             "docs/experiment-file.md); did you mean 'no_show_probability'?"),
    (["trace", "--scenario", "as-hapened"], "did you mean 'as-happened'?"),
    (["sweep", "baseline", "--scenario", "as-hapened", "--vary", "site.hnt.go_live=+1w"],
     "did you mean 'as-happened'?"),
    (["capacity", "hnt-capacity", "--site", "hntt"], "--site: hntt: no such site; expected one of trondheim, "
                                                     "st-olavs, hnt, levanger, verdal; did you mean 'hnt'?"),
    (["run", "nothing-like-it"], "error: nothing-like-it: file not found, nor a shipped experiment of that name "
                                 "(rollout-sim list shows them)"),
])
def test_a_mistyped_name_gets_the_closest_known_one(tmp_path, monkeypatch, args, line):
    monkeypatch.chdir(tmp_path)  # no file of these names here, and nothing written elsewhere
    result = invoke(*args)
    assert_clean_failure(result)
    (error,) = error_lines(result)
    assert line in error, error
    if "did you mean" not in line:
        assert "did you mean" not in error


def test_run_given_a_model_file_says_it_takes_an_experiment_file(tmp_path):
    result = invoke("run", SMALL_MODEL, "-q", "--out", tmp_path / "out")
    assert_clean_failure(result)
    assert error_lines(result) == [f"error: {SMALL_MODEL}: this is a model file; run takes an experiment file "
                                   "(an [experiment] table naming this model)"]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("setting, key", [
    ("site.b.go_live=2023-06-03", "site.b.go_live"),
    ("experiment.replicatons=3", "experiment.replicatons"),
    ("venue.a-venue.rooms=-1", "venue.a-venue.rooms"),
    ("venue.a-venue.rooms", "venue.a-venue.rooms"),
    ("=3", "=3"),
], ids=["unknown-id", "unknown-key", "bad-value", "no-equals", "no-key"])
def test_bad_set_fails_and_writes_nothing(tmp_path, setting, key):
    result = run_small(tmp_path / "out", "--set", setting)
    assert_clean_failure(result)
    assert any(f": {key}: " in line for line in error_lines(result)), result.stderr
    assert list(tmp_path.iterdir()) == []  # no results folder, not even a hidden .out.partial-*


@pytest.mark.parametrize("setting, risks", [
    ("venue.a-venue.rooms=0", [1.0, 0.0]),  # the two-rooms scenario sets rooms again
    ("instructor_pool.a-instructors.count=0", [1.0, 1.0]),
], ids=["no-rooms", "no-instructors"])
def test_a_plan_that_cannot_be_met_runs_and_is_never_ready(tmp_path, setting, risks):
    result = invoke("run", SMALL_EXPERIMENT, "-n", 2, "--seed", 1, "-q", "--out", tmp_path / "out", "--set", setting)
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    sites = [s["sites"]["a"] for s in summary["scenarios"].values()]
    assert [s["risk_not_ready"] for s in sites] == risks
    assert sites[0]["never_completed"] == 2
    assert sites[0]["completion_date"]["p50"] is None


def test_headcount_csv_is_kept_with_the_results(tmp_path):
    # A run must be reproducible from its folder, so the HR export it read is copied too.
    (tmp_path / "staff.csv").write_text("site,unit,role,count\na,ward-1,nurse,30\n", encoding="utf-8")
    model = small_model_text().split("[[staff_group]]")[0] + (
        '[[staff_csv]]\nfile = "staff.csv"\ncurricula = { nurse = "basic" }\n\n'
        + "[[instructor_pool]]" + small_model_text().split("[[instructor_pool]]")[1])
    (tmp_path / "m.toml").write_text(model, encoding="utf-8")
    (tmp_path / "e.toml").write_text('[experiment]\nmodel = "m.toml"\nreplications = 2\nseed = 1\n', encoding="utf-8")
    result = invoke("run", tmp_path / "e.toml", "-q", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "config" / "0-staff.csv").read_text(encoding="utf-8").endswith("nurse,30\n")
    assert 'file = "0-staff.csv"' in (tmp_path / "out" / "config" / "model.toml").read_text(encoding="utf-8")
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["scenarios"]["base"]["sites"]["a"]["staff"] == 30


def test_version_is_printed_installed_or_not():
    from sim import __version__

    result = invoke("--version")
    assert result.exit_code == 0 and result.output.strip() == f"rollout-sim, version {__version__}"


def test_the_script_s_import_is_light_so_spawned_workers_start_fast():
    # Worker processes import the script that started their parent; the script imports
    # only sim.cli.main (the function), which must not pull in the command line's modules.
    assert loaded_after("from sim.cli import main", ("click", "scipy", "numba", "matplotlib", "sim.cli.main")) == []


def test_the_command_line_starts_without_the_engine_or_scipy_stats():
    # Every command paid for these at start-up (about a second together on the project's
    # machine) before any of them was needed: scipy.stats only for quantile intervals,
    # numba only in the processes that run replications, matplotlib only for figures.
    assert loaded_after("import sim.cli.main", ("scipy.stats", "numba", "matplotlib", "pandas")) == []
