"""Throughput, parallel speed-up and memory of the Monte Carlo runner.

Usage: python benchmarks/bench_runner.py [--replications 1000] [--speedup-replications 1000]
       [--memory 1000,10000] [--skip-memory]

Targets (issue 3), on the 2-core CI machine with the default executor (process pool):
1,000 replications of the baseline in at most 60 s (the run; its figures are timed
apart); speed-up on 2 workers over 1 of at least 1.8, on the same 1,000 replications; the runner's peak memory flat in the number of replications. Memory is
measured on the small test model (many cheap replications) in a fresh process per size,
as the peak resident memory of the runner process (workers are separate processes).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(experiment: Path, replications: int, workers: int, executor: str = "process") -> tuple[float, float]:
    """Wall seconds of one `rollout-sim run --no-plots` (the replications, the summary
    and the results folder, start to end of the command), then of drawing its figures
    and report (`rollout-sim report`), which is serial and does not depend on the
    number of replications."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "sim", "run", str(experiment), "-n", str(replications), "-q",
                        "--executor", executor, "--workers", str(workers), "--out", f"{tmp}/out", "--no-plots"],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        ran = time.perf_counter()
        subprocess.run([sys.executable, "-m", "sim", "report", f"{tmp}/out"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        return ran - start, time.perf_counter() - ran


PEAK = """
import resource, sys, tempfile
from pathlib import Path
from sim.model.experiment_file import load_experiment
from sim.runs.folder import RunFolder
from sim.runs.runner import Runner, RunOptions
spec = load_experiment(Path(sys.argv[1]))
with tempfile.TemporaryDirectory() as tmp:
    Runner(spec, RunFolder.create(Path(tmp) / "out"), RunOptions(int(sys.argv[2]), 1, workers=2)).run()
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_kib(experiment: Path, replications: int) -> int:
    """Peak resident memory (KiB) of a process that runs the runner (not the summary)."""
    out = subprocess.run([sys.executable, "-c", PEAK, str(experiment), str(replications)], cwd=ROOT,
                         check=True, capture_output=True, text=True)
    return int(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Run the measurements and print one line per figure (and a JSON line)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--speedup-replications", type=int, default=1000)
    parser.add_argument("--memory", default="1000,10000")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--only-memory", action="store_true")
    args = parser.parse_args()
    baseline = ROOT / "experiments" / "baseline.toml"
    figures: dict[str, float] = {}
    if not args.only_memory:
        throughput(args, baseline, figures)
    if not args.skip_memory:
        memory(args, figures)
    print(json.dumps(figures))


def throughput(args: argparse.Namespace, baseline: Path, figures: dict[str, float]) -> None:
    """Wall time of the baseline, and the speed-up of 2 workers over 1."""
    wall, drawing = run(baseline, args.replications, 2)
    figures["baseline_replications"] = args.replications
    figures["baseline_seconds_2_workers"] = round(wall, 2)
    figures["replications_per_second"] = round(args.replications / wall, 2)
    figures["figures_and_report_seconds"] = round(drawing, 2)
    print(f"{args.replications} replications of the baseline, 2 workers: {wall:.1f} s "
          f"({args.replications / wall:.1f} per second) -> {'met' if wall <= 60 else 'NOT met'} (target <= 60 s)")
    print(f"then its figures and report (serial, drawn once per run): {drawing:.1f} s; "
          f"run and figures together {wall + drawing:.1f} s")

    # The speed-up of the target's own workload: at a few hundred replications the fixed
    # start-up (imports, starting the workers; about 3 s) would weigh as much as the work.
    n = args.speedup_replications
    one = run(baseline, n, 1)[0]
    two = wall if n == args.replications else run(baseline, n, 2)[0]
    figures["speedup_2_workers"] = round(one / two, 3)
    print(f"{n} replications: 1 worker {one:.1f} s, 2 workers {two:.1f} s, speed-up {one / two:.2f} "
          f"-> {'met' if one / two >= 1.8 else 'NOT met'} (target >= 1.8)")



def memory(args: argparse.Namespace, figures: dict[str, float]) -> None:
    """Peak memory of the runner process at each size."""
    small = ROOT / "tests" / "data" / "small-experiment.toml"
    sizes = [int(x) for x in args.memory.split(",")]
    peaks = [peak_kib(small, k) for k in sizes]
    for k, p in zip(sizes, peaks):
        figures[f"peak_mib_{k}"] = round(p / 1024, 1)
        print(f"runner peak memory, {k} replications of the small model: {p / 1024:.1f} MiB")
    figures["peak_growth_mib"] = round((peaks[-1] - peaks[0]) / 1024, 1)
    print(f"growth from {sizes[0]} to {sizes[-1]} replications: {figures['peak_growth_mib']:.1f} MiB")


if __name__ == "__main__":
    main()
