"""What --force may delete: only a folder rollout-sim wrote, never '.', an ancestor or a link."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from sim.runs.force import MANIFEST_KEYS, NotOursError, check_replaceable
from tests.cli.conftest import invoke_no_crash
from tests.conftest import SMALL_EXPERIMENT


def write_manifest_like_a_run(folder: Path) -> None:
    """A manifest.json with the keys every manifest of rollout-sim has."""
    (folder / "manifest.json").write_text(json.dumps(dict.fromkeys(MANIFEST_KEYS)))


def tree(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*"))


def test_a_folder_with_a_stray_manifest_is_not_ours(tmp_path):
    # The audit's first data loss: app/manifest.json = '{}' and app/src were wiped.
    app = tmp_path / "app"
    (app / "src").mkdir(parents=True)
    (app / "manifest.json").write_text("{}")
    with pytest.raises(NotOursError, match=re.escape("manifest.json is not one rollout-sim writes")):
        check_replaceable(app)
    write_manifest_like_a_run(app)  # even a manifest that looks right does not make src ours
    with pytest.raises(NotOursError, match="holds src"):
        check_replaceable(app)


def test_a_git_repository_is_not_ours(tmp_path):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    write_manifest_like_a_run(repo)
    with pytest.raises(NotOursError, match=r"holds \.git"):
        check_replaceable(repo)


def test_the_working_folder_and_its_ancestors_are_never_replaced(tmp_path, monkeypatch):
    run = tmp_path / "run"
    (run / "figures").mkdir(parents=True)
    write_manifest_like_a_run(run)
    check_replaceable(run)  # a results folder, seen from outside: may be replaced
    monkeypatch.chdir(run)
    with pytest.raises(NotOursError, match="working folder"):
        check_replaceable(Path("."))
    monkeypatch.chdir(run / "figures")
    with pytest.raises(NotOursError, match="working folder or holds it"):
        check_replaceable(Path(".."))


def test_a_symbolic_link_is_never_replaced(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    write_manifest_like_a_run(run)
    (tmp_path / "link").symlink_to(run)
    with pytest.raises(NotOursError, match="symbolic link"):
        check_replaceable(tmp_path / "link")
    (run / "config").symlink_to(tmp_path)  # a link inside could lead rmtree's reader astray
    with pytest.raises(NotOursError, match="symbolic link, config"):
        check_replaceable(run)


def test_a_capacity_folder_is_recognised_by_its_question_and_runs(tmp_path):
    root = tmp_path / "cap"
    (root / "values" / "3").mkdir(parents=True)
    (root / "capacity.json").write_text(json.dumps(dict.fromkeys(("site", "max_risk", "vary", "low", "high", "step", "replications", "seed"), 1)))
    write_manifest_like_a_run(root / "values" / "3")
    check_replaceable(root, kind="capacity")
    (root / "values" / "notes").mkdir()
    with pytest.raises(NotOursError, match="values/notes is not a results folder"):
        check_replaceable(root, kind="capacity")


def run_cli(args: list[str]) -> tuple[int, str]:
    result = invoke_no_crash(*args)
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes is not None else "")


def test_run_force_into_a_project_folder_deletes_nothing(tmp_path):
    app = tmp_path / "app"
    (app / "src").mkdir(parents=True)
    (app / "src" / "main.py").write_text("print('mine')")
    (app / "manifest.json").write_text("{}")
    before = tree(app)
    code, out = run_cli(["run", str(SMALL_EXPERIMENT), "-n", "2", "--out", str(app), "--force", "--no-plots",
                         "--executor", "serial", "-q"])
    assert code == 1 and "error:" in out and "not a results folder" in out
    assert tree(app) == before and [p.name for p in tmp_path.iterdir()] == ["app"]


def test_run_force_into_the_working_folder_deletes_nothing(tmp_path, monkeypatch):
    code, out = run_cli(["run", str(SMALL_EXPERIMENT), "-n", "2", "--out", str(tmp_path / "run"), "--no-plots",
                         "--executor", "serial", "-q"])
    assert code == 0, out
    (tmp_path / "run" / "notes.txt").write_text("my notes")  # a user's file beside the results
    monkeypatch.chdir(tmp_path / "run")
    before = tree(tmp_path)
    code, out = run_cli(["run", str(SMALL_EXPERIMENT), "-n", "2", "--out", ".", "--force", "--no-plots",
                         "--executor", "serial", "-q"])
    assert code == 1 and "working folder" in out
    assert tree(tmp_path) == before


def test_run_force_replaces_an_earlier_run_only_once_the_new_one_has_started(tmp_path):
    out = tmp_path / "run"
    args = ["run", str(SMALL_EXPERIMENT), "-n", "2", "--out", str(out), "--no-plots", "--executor", "serial", "-q"]
    assert run_cli(args)[0] == 0
    first = (out / "manifest.json").read_text()
    # A new run whose inputs are bad never starts: the old results stay as they were.
    code, text = run_cli(args + ["--force", "--set", "site.nowhere.go_live=2023-01-01"])
    assert code == 1 and (out / "manifest.json").read_text() == first
    code, text = run_cli(args + ["--force", "--seed", "7"])
    assert code == 0, text
    assert json.loads((out / "manifest.json").read_text())["seed"] == 7
    assert sorted(os.listdir(tmp_path)) == ["run"]  # no staging folder left beside it
