"""sim.run and sim.load_experiment: the same numbers as the command line for the same
seed, nothing written unless asked, and errors as exceptions (never an exit)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.errors import ConfigError
from tests.cli.conftest import RANDOM, SERIAL, invoke
from tests.conftest import SMALL_EXPERIMENT

# Randomness on (no-shows, sick learners), so that equal numbers are not equal merely
# because nothing is random: the same settings the CLI tests use, as a dict.
RANDOM_SET = dict(item.split("=", 1) for item in RANDOM[1::2])


def _cli_run(folder: Path, n: int = 6, seed: int = 5) -> Path:
    args = ["run", SMALL_EXPERIMENT, "-n", n, "--seed", seed, "--out", folder, "--no-plots", *SERIAL]
    for item in RANDOM[1::2]:
        args += ["--set", item]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture(scope="module")
def cli_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _cli_run(tmp_path_factory.mktemp("cli") / "run")


@pytest.fixture(scope="module")
def in_memory() -> sim.Results:
    return sim.run(SMALL_EXPERIMENT, n=6, seed=5, executor="serial", set=RANDOM_SET)


def test_a_run_in_memory_equals_the_command_lines_run_of_the_same_seed(cli_folder: Path,
                                                                        in_memory: sim.Results) -> None:
    opened = sim.open_results(cli_folder)
    assert in_memory.path is None and opened.path == cli_folder
    pd.testing.assert_frame_equal(in_memory.replications, opened.replications)
    assert in_memory.summary == opened.summary
    assert in_memory.summary == json.loads((cli_folder / "summary.json").read_text(encoding="utf-8"))
    pd.testing.assert_frame_equal(in_memory.risks, opened.risks)
    pd.testing.assert_frame_equal(in_memory.curves, opened.curves)
    pd.testing.assert_frame_equal(in_memory.bottlenecks, opened.bottlenecks)
    # Not equal because empty: randomness is on and the replications differ.
    assert in_memory.replications["no_shows"].nunique() > 1
    assert len(in_memory.replications) == 6 * len(in_memory.scenarios) * in_memory.replications["site"].nunique()


def test_the_process_pool_gives_the_same_numbers(in_memory: sim.Results) -> None:
    pooled = sim.run(SMALL_EXPERIMENT, n=6, seed=5, executor="process", workers=2, set=RANDOM_SET)
    pd.testing.assert_frame_equal(pooled.replications, in_memory.replications)


def test_a_run_in_memory_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    sim.run(SMALL_EXPERIMENT, n=2, seed=1, executor="serial")
    assert list(tmp_path.iterdir()) == []


def test_out_writes_the_folder_the_command_line_writes(tmp_path: Path, in_memory: sim.Results) -> None:
    results = sim.run(SMALL_EXPERIMENT, n=6, seed=5, executor="serial", set=RANDOM_SET, out=tmp_path / "r")
    assert results.path == tmp_path / "r"
    assert (tmp_path / "r" / "replications.csv").is_file() and (tmp_path / "r" / "summary.json").is_file()
    pd.testing.assert_frame_equal(results.replications, in_memory.replications)
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "complete"
    assert len(manifest["overrides"]) == len(RANDOM_SET)  # recorded as --set records them
    with pytest.raises(ConfigError, match="exists"):
        sim.run(SMALL_EXPERIMENT, n=1, executor="serial", out=tmp_path / "r")


def test_dtypes_are_those_of_the_values(in_memory: sim.Results) -> None:
    types = in_memory.replications.dtypes
    assert isinstance(types["scenario"], pd.CategoricalDtype) and isinstance(types["site"], pd.CategoricalDtype)
    assert types["replication"] == "int64" and types["staff_required"] == "int64"
    assert types["ready"] == np.dtype(bool) and types["share_trained"] == "float64"
    assert pd.api.types.is_datetime64_any_dtype(types["go_live"])
    assert pd.api.types.is_datetime64_any_dtype(types["completion_date"])
    assert types["slack_days"] == "Int64"  # missing where training never completed
    risks = in_memory.risks
    assert pd.api.types.is_datetime64_any_dtype(risks["p50_completion"])
    assert risks["risk"].between(0, 1).all()
    assert (risks["risk_ci95_low"] <= risks["risk"]).all() and (risks["risk"] <= risks["risk_ci95_high"]).all()


def test_a_verdict_per_site_and_text_as_the_command_prints_it(in_memory: sim.Results) -> None:
    verdicts = in_memory.verdicts()
    assert len(verdicts) == in_memory.replications["site"].nunique()
    assert all("risk (95% CI" in v for v in verdicts)
    assert str(in_memory).startswith(f"scenario {in_memory.scenarios[0]}:")
    with pytest.raises(KeyError, match="no scenario"):
        in_memory.verdicts("nonesuch")


def test_load_experiment_takes_a_shipped_name_and_overrides() -> None:
    import datetime as dt

    spec = sim.load_experiment("baseline", set={"site.hnt.go_live": "2023-03-04", "experiment.replications": 7})
    hnt = next(s for s in spec.scenarios[0].model.sites if s.id == "hnt")
    assert hnt.go_live == dt.date(2023, 3, 4) and spec.replications == 7
    assert spec == sim.load_experiment(Path(spec.file), set={"site.hnt.go_live": dt.date(2023, 3, 4),
                                                             "experiment.replications": 7})


@pytest.mark.parametrize(("kwargs", "where"), [
    ({"n": 0}, "n"),
    ({"seed": -1}, "seed"),
    ({"executor": "cloud"}, "executor"),
    ({"executor": "serial", "scheduler": "tcp://h:8786"}, "--scheduler"),
    ({"precision": 0.7}, "precision"),
    ({"set": {"site.nowhere.go_live": "2023-01-01"}}, "site.nowhere"),
])
def test_bad_arguments_raise_config_errors_naming_them(kwargs: dict, where: str) -> None:
    with pytest.raises(ConfigError) as err:
        sim.run(SMALL_EXPERIMENT, **{"executor": "serial", **kwargs})
    assert where in str(err.value)


def test_a_missing_experiment_is_a_config_error_not_an_exit(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no-such\.toml"):
        sim.run(tmp_path / "no-such.toml")


def test_importing_sim_does_not_load_the_api_or_pandas() -> None:
    code = ("import sys, sim; assert 'pandas' not in sys.modules and 'sim.api' not in sys.modules; "
            "sim.run; assert 'sim.api.running' in sys.modules; print(sorted(sim.__all__)[:3])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2], env={**os.environ, "PYTHONPATH": "."})
    assert out.stdout.strip() == "['CalibrationResults', 'CapacityResults', 'ConfigError']"


def test_a_mistyped_experiment_name_gets_the_same_suggestion_as_on_the_command_line():
    with pytest.raises(ConfigError, match="did you mean 'baseline'"):
        sim.load_experiment("baselin")
