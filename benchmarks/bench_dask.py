"""Dask against the local process pool: the same run of the baseline on the same cores.

Usage: python benchmarks/bench_dask.py [--replications 10000] [--workers N] [--experiment baseline]

Starts a ``dask.distributed.LocalCluster`` of N worker processes (one thread each; default N
= this machine's cores) and times the whole command

    rollout-sim run baseline -n R --executor dask --scheduler <its address> --no-plots -q --out TMP

against the same run on the local process pool (``--workers N``), each as a subprocess
(wall time, start to end). The pool runs first; the cluster is started after it (untimed,
so the Dask run is that of an existing cluster) and closed after the Dask run. Prints
both wall times, the replications per second (R per scenario, times the experiment's
scenarios: 2 for the baseline), the efficiency of Dask against the pool (pool time / Dask
time: 1 means no cost of Dask's own), and the calibration loop (benchmarks/calibration.py)
before, between and after, with each time as a ratio to the mean calibration.

Issue 13 asks for the efficiency at R = 10,000 (no threshold), the default. How long that takes
here, with the compiled engine, on the 2-core CI machine (quiet): 10,000 per scenario (20,000
replications) took 228 s on the pool and 379 s on Dask, an efficiency of 0.60 (Dask's cost
per task weighs more now that a replication takes ~15-20 ms); about 10 minutes in all.
``--replications 400`` takes under a minute, for a quick check.
"""
from __future__ import annotations

import argparse
import logging
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from dask.distributed import LocalCluster

from calibration import calibration_seconds, rollout_sim  # this folder is on the path when run as a script
from sim.model.experiment_file import load_experiment
from sim.paths import experiment_path

ROOT = Path(__file__).resolve().parent.parent


def timed_run(experiment: str, replications: int, options: list[str]) -> float:
    """Wall seconds of ``rollout-sim run EXPERIMENT -n R OPTIONS --no-plots -q --out TMP``."""
    with tempfile.TemporaryDirectory() as tmp:
        command = [*rollout_sim(), "run", experiment, "-n", str(replications), *options, "--no-plots", "-q",
                   "--out", f"{tmp}/out"]
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - start


def main() -> None:
    """Run both executors and print their times and the efficiency of Dask."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=10_000, help="-n: replications per scenario")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes of both")
    parser.add_argument("--experiment", default="baseline", help="experiment file or shipped name")
    args = parser.parse_args()
    n, r = args.workers, args.replications
    scenarios = len(load_experiment(experiment_path(Path(args.experiment))).scenarios)
    total = r * scenarios
    print(f"experiment {args.experiment}: {r:,} replications x {scenarios} scenario(s) = {total:,}; "
          f"{n} workers; host {os.cpu_count()} cores")

    calibrations = [calibration_seconds()]
    print(f"calibration loop: {calibrations[-1]:.3f} s CPU (start)")
    pool = timed_run(args.experiment, r, ["--executor", "process", "--workers", str(n)])
    calibrations.append(calibration_seconds())
    print(f"process pool ({n} workers): {pool:.2f} s wall; calibration after {calibrations[-1]:.3f} s")

    started = time.perf_counter()
    with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0",
                      silence_logs=logging.ERROR) as cluster:
        print(f"Dask LocalCluster: {n} workers x 1 thread at {cluster.scheduler_address} "
              f"(started in {time.perf_counter() - started:.1f} s, untimed)")
        dask = timed_run(args.experiment, r, ["--executor", "dask", "--scheduler", cluster.scheduler_address])
    calibrations.append(calibration_seconds())
    print(f"Dask ({n} workers): {dask:.2f} s wall; calibration after {calibrations[-1]:.3f} s")

    calibration = statistics.mean(calibrations)
    print()
    print(f"calibration loop: {', '.join(f'{c:.3f}' for c in calibrations)} s CPU; mean {calibration:.3f}")
    print("| executor | wall s | replications / s | wall / calibration |")
    print("|---|---|---|---|")
    print(f"| process pool, {n} workers | {pool:.2f} | {total / pool:.1f} | {pool / calibration:.1f} |")
    print(f"| Dask LocalCluster, {n} workers | {dask:.2f} | {total / dask:.1f} | {dask / calibration:.1f} |")
    print(f"efficiency of Dask against the pool (pool time / Dask time): {pool / dask:.3f}")


if __name__ == "__main__":
    main()
