"""benchmarks/make_big_model.py writes a valid model of the multiple of the shipped staff."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from sim.model.experiment_file import load_experiment

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_EXPERIMENT = ROOT / "experiments" / "baseline.toml"


def load_generator() -> ModuleType:
    """benchmarks/make_big_model.py as a module (benchmarks is a folder of scripts, not a package)."""
    path = ROOT / "benchmarks" / "make_big_model.py"
    spec = importlib.util.spec_from_file_location("make_big_model", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # dataclasses and pickling look modules up by name
    spec.loader.exec_module(module)
    return module


def test_big_model_has_the_multiple_of_the_shipped_staff(tmp_path: Path) -> None:
    generator = load_generator()
    _, experiment = generator.write_big_model(tmp_path, copies=2)
    shipped = load_experiment(SHIPPED_EXPERIMENT)
    big = load_experiment(experiment)
    assert [s.name for s in big.scenarios] == [s.name for s in shipped.scenarios]
    for small_scenario, big_scenario in zip(shipped.scenarios, big.scenarios):
        small_model, big_model = small_scenario.model, big_scenario.model
        assert len(big_model.sites) == 2 * len(small_model.sites)
        staff = sum(g.headcount for g in small_model.groups)
        assert sum(g.headcount for g in big_model.groups) == 2 * staff
        assert len(big_model.pools) == 2 * len(small_model.pools)
        assert len(big_model.venues) == 2 * len(small_model.venues)
        # Each copy goes live as its original does (staged), in every scenario.
        go_lives = {site.id: site.go_live for site in small_model.sites}
        assert {site.id: site.go_live for site in big_model.sites} == {
            f"{site_id}-{k}": day for k in (1, 2) for site_id, day in go_lives.items()}
