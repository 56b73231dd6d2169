"""sim.open_results: a folder checked before it is read, refused with the reason when
it cannot be trusted; the same Results as the run that wrote it."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.errors import ConfigError
from tests.conftest import SMALL_EXPERIMENT


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("results") / "run"
    sim.run(SMALL_EXPERIMENT, n=3, seed=2, executor="serial", out=path)
    return path


def test_a_folder_opens_to_the_results_of_its_run(folder: Path) -> None:
    opened = sim.open_results(folder)
    again = sim.run(SMALL_EXPERIMENT, n=3, seed=2, executor="serial")
    pd.testing.assert_frame_equal(opened.replications, again.replications)
    assert opened.path == folder and repr(opened).endswith(f"folder {folder}>")
    assert not opened.curves.empty and not opened.bottlenecks.empty


def test_an_edited_file_is_refused_naming_it(folder: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    with (copy / "replications.csv").open("a", encoding="utf-8") as fh:
        fh.write("x\n")
    with pytest.raises(ConfigError, match=r"replications\.csv"):
        sim.open_results(copy)


def test_a_folder_that_is_no_run_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        sim.open_results(tmp_path)


def test_a_summary_of_an_unknown_format_is_refused(folder: Path, tmp_path: Path) -> None:
    import shutil

    from sim.runs import integrity

    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    summary = json.loads((copy / "summary.json").read_text(encoding="utf-8"))
    summary["format_version"] = 99
    (copy / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    # Re-sign the file, so that it is the format check and not the checksum that refuses it.
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"]["summary.json"] = integrity.sha256(copy / "summary.json")
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ConfigError, match="summary format 99"):
        sim.open_results(copy)
