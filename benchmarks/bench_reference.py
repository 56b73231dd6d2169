"""Speed of the production engine against the per-learner reference, on the same model.

Usage: python benchmarks/bench_reference.py [--replications N] [--scale K]

The model is tests/data/core-model.toml (the reference plays only core models: one
site, no turnover, loans, postponements, refreshers, checks or sickness) with every
staff group, the instructor pool and the venues' rooms multiplied by K (default 12:
3,000 learners, 24 instructors, 36 rooms), so the load per instructor and room stays
that of the test model. Both run the same replications one after another in this
process, on one core; the first of each is run untimed (calendar and holiday tables).

Target (docs/sources.md, Conventions): the production engine at least 20x faster.
"""
from __future__ import annotations

import os

# One core: keep numpy's thread pools out of the measurement.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from sim.engine.replication import run_replication
from sim.model.model_file import build_model, load_toml
from sim.model.overrides import apply_overrides
from sim.model.spec import ModelSpec
from sim.verification.reference import run_reference

CORE_MODEL = ROOT / "tests" / "data" / "core-model.toml"


def scaled_core_model(scale: int) -> ModelSpec:
    """The core test model with staff, instructors and rooms multiplied by ``scale``."""
    raw = load_toml(CORE_MODEL)
    overrides = [(f"staff_group.{g['id']}.headcount", g["headcount"] * scale) for g in raw["staff_group"]]
    overrides += [(f"instructor_pool.{p['id']}.count", p["count"] * scale) for p in raw["instructor_pool"]]
    overrides += [(f"venue.{v['id']}.rooms", v["rooms"] * scale) for v in raw["venue"]]
    return build_model(apply_overrides(raw, overrides), CORE_MODEL)


def _time(fn, reps: int) -> list[float]:
    fn(0)  # warm-up
    out = []
    for rep in range(1, reps + 1):
        start = time.perf_counter()
        fn(rep)
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    """Run both implementations and print the seconds per replication and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=5)
    parser.add_argument("--scale", type=int, default=12)
    args = parser.parse_args()
    model = scaled_core_model(args.scale)
    engine = _time(lambda rep: run_replication(model, 1, rep, sessions=False), args.replications)
    reference = _time(lambda rep: run_reference(model, rep), args.replications)
    e, r = statistics.median(engine), statistics.median(reference)
    staff = sum(g.headcount for g in model.groups)
    print(f"model: core model x{args.scale} ({staff:,} learners, "
          f"{sum(p.count for p in model.pools)} instructors, {sum(v.rooms for v in model.venues)} rooms)")
    print(f"replications timed: {args.replications} each")
    print(f"production engine: median {e:.4f} s per replication (min {min(engine):.4f})")
    print(f"reference (one process per learner): median {r:.4f} s per replication (min {min(reference):.4f})")
    print(f"speed ratio (reference / engine): {r / e:.1f}x; target >= 20x -> {'met' if r / e >= 20 else 'NOT met'}")


if __name__ == "__main__":
    main()
