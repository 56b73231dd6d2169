"""The compiled kernel with numba's bounds checks on.

The kernel (sim/engine/kernel.py) runs without numba's reference counting and
allocates nothing: its scratch arrays are sized in advance from the model. An index past
the end of one of them would not raise in the normal build; it would read or write
memory silently. Here the engine's own tests run again in a build with bounds checks
compiled in (NUMBA_BOUNDSCHECK=1, in a cache of its own), where any such index raises
IndexError, and the first replications of every shipped scenario must give exactly the
results of the normal build.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from sim.engine.replication import run_replication
from sim.model.experiment_file import load_experiment
from sim.model.spec import ModelSpec
from sim.paths import default_experiment

ROOT = Path(__file__).resolve().parents[2]
REPLICATIONS = 2

DIGESTS = f"""
from pathlib import Path
from sim.model.experiment_file import load_experiment
from tests.engine.test_kernel_bounds import digest
for path in sorted(Path("experiments").glob("*.toml")):
    spec = load_experiment(path)
    for scenario in spec.scenarios:
        for rep in range({REPLICATIONS}):
            print(path.stem, scenario.name, rep, digest(scenario.model, spec.seed, rep))
"""


def digest(model: ModelSpec, seed: int, replication: int) -> str:
    """A fingerprint of everything a replication gives: outcomes, daily shares, weekly
    counts and the table of sessions."""
    r = run_replication(model, seed, replication)
    return hashlib.sha256(pickle.dumps((r.outcomes, r.daily_share.tobytes(), r.weekly.tobytes(),
                                        r.sessions.tobytes()))).hexdigest()


def _digests(env: dict[str, str]) -> list[str]:
    out = subprocess.run([sys.executable, "-c", DIGESTS], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout.splitlines()


@pytest.mark.slow
def test_the_engine_runs_within_its_arrays(tmp_path: Path) -> None:
    checked = {**os.environ, "NUMBA_BOUNDSCHECK": "1", "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/engine",
         f"--ignore={Path(__file__).relative_to(ROOT)}"],
        cwd=ROOT, env=checked, capture_output=True, text=True)
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
    # Same results to the bit, with and without the checks (and the checks found nothing).
    normal = _digests(dict(os.environ))
    assert len(normal) >= 2 * REPLICATIONS
    assert _digests(checked) == normal


def test_the_digest_tells_results_apart() -> None:
    # A different replication gives a different digest, so the comparison above can fail.
    spec = load_experiment(default_experiment())
    model = spec.scenarios[0].model
    assert digest(model, spec.seed, 0) == digest(model, spec.seed, 0) != digest(model, spec.seed, 1)
