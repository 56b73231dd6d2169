"""A damaged results folder gives one message naming the folder and the file, never a
traceback, and never figures or a resumed run built on numbers no run produced."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from sim.runs.folder import RunFolder
from sim.runs.integrity import DamagedError, check_complete, read_manifest
from tests.cli.conftest import invoke_no_traceback as invoke
from tests.conftest import SMALL_EXPERIMENT

RUN = ["--executor", "serial", "-q", "--no-plots", "--seed", "3"]


@pytest.fixture(scope="module")
def complete(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("complete") / "run"
    assert invoke("run", SMALL_EXPERIMENT, "-n", 4, "--out", out, *RUN).exit_code == 0
    return out


@pytest.fixture
def copy(complete, tmp_path) -> Path:
    shutil.copytree(complete, tmp_path / "run")
    return tmp_path / "run"


def test_a_complete_folder_passes_and_records_its_checksums(complete):
    manifest = check_complete(complete)
    assert set(manifest["files"]) == {"replications.csv", "summary.json", "curves.npz", "bottlenecks.npz"}
    assert set(manifest["inputs"]) == {"config/experiment.toml", "config/model.toml"}


DAMAGE = {
    "summary.json corrupt": ("summary.json", lambda p: p.write_text("{not json")),
    "summary.json empty": ("summary.json", lambda p: p.write_text("")),
    "summary.json with a string for a count": (
        "summary.json", lambda p: p.write_text(p.read_text().replace('"replications": 4', '"replications": "4"', 1))),
    "replications.csv truncated": (
        "replications.csv", lambda p: p.write_text("".join(p.read_text().splitlines(True)[:3]))),
    "replications.csv deleted": ("replications.csv", lambda p: p.unlink()),
    "curves.npz corrupt": ("curves.npz", lambda p: p.write_bytes(b"PK\x03\x04 not a zip")),
    "config/model.toml edited": ("config/model.toml", lambda p: p.write_text(p.read_text() + "\n# edited\n")),
    "manifest.json corrupt": ("manifest.json", lambda p: p.write_text("{")),
    "manifest.json a list": ("manifest.json", lambda p: p.write_text("[]")),
    "manifest.json without its checksums": (
        "manifest.json", lambda p: p.write_text(json.dumps({k: v for k, v in json.loads(p.read_text()).items()
                                                            if k != "files"}))),
    "manifest.json with a text seed": (
        "manifest.json", lambda p: p.write_text(json.dumps({**json.loads(p.read_text()), "seed": "3"}))),
}


@pytest.mark.parametrize("case", DAMAGE)
@pytest.mark.parametrize("command", ["plot", "report"])
def test_plot_and_report_refuse_a_damaged_folder(copy, case, command):
    name, damage = DAMAGE[case]
    damage(copy / name)
    result = invoke(command, copy)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {copy}: {name}") and len(result.stderr.splitlines()) == 1
    assert not (copy / "figures").exists() and not (copy / "report.html").exists()


def test_config_copied_from_another_run_is_named(copy, tmp_path):
    other = tmp_path / "other"
    assert invoke("run", SMALL_EXPERIMENT, "-n", 2, "--out", other, *RUN, "--set",
                  "uncertainty.no_show_probability=0.3").exit_code == 0
    shutil.rmtree(copy / "config")
    shutil.copytree(other / "config", copy / "config")
    with pytest.raises(DamagedError, match=re.escape("config/model.toml: changed since the run started")):
        check_complete(copy)


def test_figures_as_a_file_is_a_clean_error(copy):
    (copy / "figures").write_text("not a folder")
    result = invoke("plot", copy)
    assert result.exit_code == 1 and "figures: is not a folder" in result.stderr


def test_compare_refuses_a_damaged_folder_and_a_missing_json_folder(complete, copy, tmp_path):
    result = invoke("compare", complete, copy, "--json", tmp_path / "nowhere" / "c.json")
    assert result.exit_code == 1 and "no folder" in result.stderr
    (copy / "summary.json").write_text("[]")
    result = invoke("compare", complete, copy)
    assert result.exit_code == 1 and "summary.json: is not the file the run wrote" in result.stderr


def test_compare_says_when_the_two_runs_inputs_differ(complete, tmp_path):
    other = tmp_path / "other"
    assert invoke("run", SMALL_EXPERIMENT, "-n", 4, "--out", other, *RUN, "--set",
                  "uncertainty.no_show_probability=0.3").exit_code == 0
    result = invoke("compare", complete, other)
    assert result.exit_code == 0 and "inputs differ (config/model.toml)" in result.output
    assert "inputs differ" not in invoke("compare", complete, complete).output


def interrupted(tmp_path: Path) -> Path:
    """A run stopped part-way: 6 of 12 replications checkpointed, as after Ctrl-C."""
    out = tmp_path / "stopped"
    assert invoke("run", SMALL_EXPERIMENT, "-n", 6, "--out", out, *RUN).exit_code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    # Turn it back into a run that was interrupted after its first round of 6.
    # Without S-curves (as a study runs), so that the checkpoint is only the journal's length.
    manifest.update(status="interrupted", replications_asked=12, curves=False)
    del manifest["files"]
    (out / "manifest.json").write_text(json.dumps(manifest))
    (out / "replications.csv").rename(out / "replications.partial.csv")
    rows = len((out / "replications.partial.csv").read_text().splitlines()) - 1
    RunFolder(out).checkpoint(rows, [], [], 6)
    return out


def test_resume_refuses_inputs_edited_since_the_start(tmp_path):
    out = interrupted(tmp_path)
    model = out / "config" / "model.toml"
    model.write_text(model.read_text().replace("no_show_probability = 0\n", "no_show_probability = 0.5\n"))
    assert "no_show_probability = 0.5" in model.read_text()
    result = invoke("run", "--resume", out, "--executor", "serial", "-q", "--no-plots")
    assert result.exit_code == 1
    assert "config/model.toml: changed since the run started" in result.stderr
    assert read_manifest(out)["status"] == "interrupted"  # left as it was, still resumable


def test_resume_of_an_untouched_folder_completes(tmp_path):
    out = interrupted(tmp_path)
    result = invoke("run", "--resume", out, "--executor", "serial", "-q", "--no-plots")
    assert result.exit_code == 0, result.stderr
    assert check_complete(out)["replications_done"] == 12


@pytest.mark.parametrize("damage", ["checkpoint", "journal"])
def test_resume_refuses_a_damaged_checkpoint_or_journal(tmp_path, damage):
    out = interrupted(tmp_path)
    if damage == "checkpoint":
        (out / "checkpoint.npz").write_bytes(b"garbage")
    else:
        journal = out / "replications.partial.csv"
        lines = journal.read_text().splitlines(True)
        journal.write_text(lines[0] + "garbage,line\n" + "".join(lines[1:]))
        RunFolder(out).checkpoint(len(lines) - 1, [], [], 6)  # a checkpoint that covers the garbage
    result = invoke("run", "--resume", out, "--executor", "serial", "-q", "--no-plots")
    assert result.exit_code == 1 and result.stderr.startswith("error:")
    assert f"{damage}.npz is damaged" in result.stderr if damage == "checkpoint" else "row 2, is damaged" in result.stderr


@pytest.mark.parametrize("row", ["duplicate", "replication beyond the run", "unknown site"])
def test_resume_refuses_a_journal_row_this_run_could_not_have_written(tmp_path, row):
    out = interrupted(tmp_path)
    journal = out / "replications.partial.csv"
    lines = journal.read_text().splitlines(True)
    cells = lines[1].split(",")
    if row == "replication beyond the run":
        cells[1] = str(10**30)
    elif row == "unknown site":
        cells[2] = "nowhere"
    journal.write_text("".join(lines) + ",".join(cells))
    RunFolder(out).checkpoint(len(lines), [], [], 6)  # a checkpoint that covers the extra row
    result = invoke("run", "--resume", out, "--executor", "serial", "-q", "--no-plots")
    assert result.exit_code == 1 and "is not one this run wrote" in result.stderr
    assert read_manifest(out)["status"] == "interrupted"
