"""The manifest's hash changes with the inputs as run; versions are recorded."""
from __future__ import annotations

from sim.runs.manifest import text_hash, versions


def test_hash_depends_on_every_text_and_their_order():
    base = text_hash(["a = 1", "b = 2"])
    assert text_hash(["a = 1", "b = 2"]) == base
    assert text_hash(["a = 1", "b = 3"]) != base
    assert text_hash(["b = 2", "a = 1"]) != base
    assert text_hash(["a = 1b = 2"]) != text_hash(["a = 1", "b = 2"])


def test_versions_name_python_and_the_libraries():
    v = versions()
    assert {"python", "rollout-sim", "simpy", "numpy"} <= set(v)
