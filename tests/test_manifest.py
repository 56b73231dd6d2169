"""The manifest's hash changes with anything that changes the numbers."""
from __future__ import annotations

from sim.manifest import config_hash, versions


def test_hash_depends_on_files_overrides_seed_and_replications(tmp_path):
    f = tmp_path / "m.toml"
    f.write_text("a = 1")
    base = config_hash([f], [], 1, 10)
    assert config_hash([f], [], 1, 10) == base
    assert config_hash([f], [("x", 1)], 1, 10) != base
    assert config_hash([f], [], 2, 10) != base and config_hash([f], [], 1, 11) != base
    f.write_text("a = 2")
    assert config_hash([f], [], 1, 10) != base


def test_versions_name_python_and_the_libraries():
    v = versions()
    assert {"python", "rollout-sim", "simpy", "numpy"} <= set(v)
