"""The benchmark table of issue 13: each target measured beside this machine's calibration loop.

Usage: python benchmarks/bench_targets.py [--replications-cpu 30] [--replications-command 1000]
       [--workers 2] [--replications-figures 200] [--skip-cpu] [--skip-command] [--skip-figures]
       [--big] [--copies 10] [--replications-big 5] [--json]

Hosts differ by 2x or more, so each timing is judged as a ratio to the CPU seconds of the
calibration loop (benchmarks/calibration.py: 100 SimPy processes x 2,000 timeouts, the best of
three; about 0.21-0.32 s on the 2-core CI machine). The loop is measured before the first row,
after every row and just before the figures are timed (after the untimed run they draw); a row
is judged against the mean of the two measurements around it. Every measurement is printed
with the 1-minute load average then, so the noise of the machine is visible: the loop counts
CPU seconds, so other processes do not slow it, but they do slow the wall-time rows.

Targets (issue 13):

| measure | target |
|---|---|
| CPU per replication of the default model (experiments/baseline.toml, first scenario), one core, median | ratio <= 0.10 |
| 1,000 replications in all: `rollout-sim run baseline -n 500 --workers 2 --no-plots -q --out TMP` (the baseline has two scenarios), wall time of the whole command | ratio <= 55 |
| `rollout-sim report` on a 200-replication baseline run without figures (figures and report), wall time | ratio <= 17 (5 s at calibration 0.27-0.30 s) |
| peak resident memory of each worker process of the pool, during the 1,000-replication run | <= 300 MB |
| 10x model (benchmarks/make_big_model.py: 50 sites, 229,000 staff), with --big | CPU per replication <= 12x the default's; memory linear (peak RSS of a one-replication run of each, per staff) |

How each row is measured:

- CPU: a fresh process (numpy's thread pools pinned to one thread) loads the experiment, runs
  replication 0 untimed (it builds the holiday calendar, which later replications reuse),
  then times replications 1..N with ``time.process_time`` as the runner calls them
  (``sessions=False``); the row is the median.
- The command rows run ``rollout-sim`` as a subprocess, in the environment this script was
  started with, and poll it and its children with psutil every 20 ms: the wall time of the
  subprocess, and the largest resident set seen of each worker of the process pool (the
  children started by multiprocessing's ``spawn_main``; not its resource tracker).
  Polling can miss a peak shorter than the interval.
- Figures: the 200-replication run is made first (untimed), then ``rollout-sim report`` on
  its folder is timed (it draws the figures, as the folder has none, then the report).
- 10x model: the model is generated into a temporary folder; the default and the 10x model
  each run in a fresh process. It first runs one replication of the 100-staff test model
  (tests/data/small-experiment.toml), so that the interpreter, the libraries and what a first
  replication loads lazily are in memory: its peak resident set (``ru_maxrss``) then is the
  floor. Then it loads the model, runs its first replication (the one-replication run: its
  peak resident set is reported) and times the CPU of replications 1..N. Memory is linear
  when the memory per staff member above the floor (the model and its replication) of the
  10x model is at most 1.25x the default's. The CPU target scales with ``--copies``: 1.2x the
  copies (12x for 10).

Prints details of each row, the calibrations, then the table (measure, seconds or MB, ratio
to calibration, target, met / NOT met); MB are 10^6 bytes. A row whose command fails is
FAILED, with the error printed, and the other rows still run. ``--json`` adds one JSON line
of the figures.
"""
from __future__ import annotations

import os

# The command rows run in the environment the user gave, without the pinning below.
COMMAND_ENV = dict(os.environ)

# One core for the CPU rows (inherited by their child processes): keep numpy's thread
# pools out of the measurement.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import psutil

from calibration import calibration_seconds, rollout_sim  # this folder is on the path when run as a script
from make_big_model import write_big_model

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EXPERIMENT = ROOT / "experiments" / "baseline.toml"
TINY_EXPERIMENT = ROOT / "tests" / "data" / "small-experiment.toml"  # 100 staff: the memory floor
POLL_SECONDS = 0.02
MB = 1_000_000

# The targets of issue 13.
CPU_RATIO = 0.10
COMMAND_RATIO = 55.0
FIGURES_RATIO = 17.0
FIGURES_SECONDS = 5.0
WORKER_MB = 300.0
BIG_CPU_FACTOR_PER_COPY = 1.2  # 12x the default's CPU for 10 copies
LINEAR_TOLERANCE = 1.25

T = TypeVar("T")


# -- calibration ------------------------------------------------------------------------


@dataclass
class Calibrations:
    """Calibration loop measurements in the order taken: what each follows, the seconds,
    and the machine's 1-minute load average then (the loop counts CPU seconds, so other
    processes do not slow it, but they do slow the wall-time rows)."""

    taken: list[tuple[str, float, float]] = field(default_factory=list)

    def measure(self, label: str) -> float:
        """Measure the loop now and keep it under ``label``."""
        seconds = calibration_seconds()
        self.taken.append((label, seconds, os.getloadavg()[0]))
        return seconds

    def around(self, label: str, work: Callable[[], T]) -> tuple[T, float]:
        """Run ``work`` between the last measurement and a new one; its result and the
        mean of the two."""
        if not self.taken:
            self.measure("start")
        before = self.taken[-1][1]
        result = work()
        after = self.measure(f"after {label}")
        return result, (before + after) / 2

    def summary(self) -> str:
        """Every measurement, in order, and their spread."""
        values = [s for _, s, _ in self.taken]
        return ("calibration loop (s CPU, in order): "
                + ", ".join(f"{s:.3f} ({label}; load {load:.1f})" for label, s, load in self.taken)
                + f"; spread {min(values):.3f}-{max(values):.3f}")


# -- the rows' measurements ---------------------------------------------------------------


def measure_replications(experiment: Path, replications: int) -> dict[str, Any]:
    """Run replication 0 and time 1..``replications`` of the first scenario in a fresh
    process (this script with ``--child``); what it reports."""
    out = subprocess.run([sys.executable, __file__, "--child", str(experiment), str(replications)],
                         cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"measuring {experiment} failed ({out.returncode}):\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def child(experiment: Path, replications: int) -> None:
    """The fresh process of :func:`measure_replications`: prints one JSON line."""
    from sim.engine.replication import run_replication
    from sim.model.experiment_file import load_experiment
    from sim.runs.allocator import keep_freed_memory

    keep_freed_memory()  # as in every process the runner runs replications in

    def peak_kib() -> int:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux

    # The floor: the interpreter, the libraries and what a first replication loads lazily
    # (the holidays package's countries, about 8 MB), with a 100-staff model.
    tiny = load_experiment(TINY_EXPERIMENT)
    run_replication(tiny.scenarios[0].model, tiny.seed, 0, sessions=False)
    floor = peak_kib()
    spec = load_experiment(experiment)
    model = spec.scenarios[0].model
    run_replication(model, spec.seed, 0, sessions=False)  # warm-up: calendar and holiday tables
    one = peak_kib()
    cpu = []
    for rep in range(1, replications + 1):
        start = time.process_time()
        run_replication(model, spec.seed, rep, sessions=False)  # as the runner calls it
        cpu.append(time.process_time() - start)
    print(json.dumps({"model": model.name, "sites": len(model.sites), "staff": sum(g.headcount for g in model.groups),
                      "cpu": cpu, "peak_floor_kib": floor, "peak_one_kib": one, "peak_end_kib": peak_kib()}))


@dataclass
class CommandRun:
    """Wall time and peak memory of one command and its worker processes."""

    seconds: float
    command_peak_mb: float
    worker_peaks_mb: list[float]


def run_command(args: list[str]) -> CommandRun:
    """Run ``rollout-sim ARGS`` to its end, polling its resident memory and its workers'."""
    peaks: dict[int, int] = {}
    workers: set[int] = set()
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        proc = subprocess.Popen(rollout_sim() + args, cwd=ROOT, env=COMMAND_ENV, stdout=subprocess.DEVNULL,
                                stderr=errors)
        watched = psutil.Process(proc.pid)
        while proc.poll() is None:
            try:
                processes = [watched, *watched.children(recursive=True)]
            except psutil.NoSuchProcess:
                break
            for p in processes:
                try:
                    rss = p.memory_info().rss
                    if p.pid not in peaks and p is not watched and any("spawn_main" in a for a in p.cmdline()):
                        workers.add(p.pid)
                except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                    continue
                peaks[p.pid] = max(peaks.get(p.pid, 0), rss)
            time.sleep(POLL_SECONDS)
        code = proc.wait()
        seconds = time.perf_counter() - start
        if code != 0:
            errors.seek(0)
            raise RuntimeError(f"rollout-sim {' '.join(args)} exited with {code}:\n"
                               f"{errors.read().decode(errors='replace')[-2000:]}")
    return CommandRun(seconds, peaks.get(proc.pid, 0) / MB, sorted((peaks[w] / MB for w in workers), reverse=True))


# -- the table ----------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the table."""

    measure: str
    value: str
    ratio: str
    target: str
    met: bool | None  # None: a figure reported beside the targets, not judged
    failed: bool = False  # the measurement itself failed (the error is printed above the table)


def verdict(row: Row) -> str:
    """The last column of a row."""
    if row.failed:
        return "FAILED"
    return "-" if row.met is None else ("met" if row.met else "NOT met")


def print_table(rows: list[Row]) -> None:
    """The rows as a Markdown table."""
    header = ("measure", "value", "ratio to calibration", "target", "result")
    cells = [header] + [(r.measure, r.value, r.ratio, r.target, verdict(r)) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]

    def line(c: tuple[str, ...]) -> str:
        return "| " + " | ".join(x.ljust(w) for x, w in zip(c, widths)) + " |"

    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for c in cells[1:]:
        print(line(c))


def mb(kib: int) -> float:
    """KiB (as ``ru_maxrss`` gives it) in MB."""
    return kib * 1024 / MB


# -- the rows -----------------------------------------------------------------------------


def cpu_row(default: dict[str, Any], calibration: float) -> Row:
    """CPU per replication of the default model against the calibration."""
    median = statistics.median(default["cpu"])
    ratio = median / calibration
    return Row(f"CPU per replication, default model, 1 core (median of {len(default['cpu'])})",
               f"{median:.4f} s", f"{ratio:.3f}", f"ratio <= {CPU_RATIO:.2f}", ratio <= CPU_RATIO)


def per_scenario(replications: int) -> int:
    """-n for ``replications`` in all of the baseline: the issue's 1,000 replications
    (its figures: 1,000 x 0.19 s on two workers, about 100 s) are in all, and -n counts
    per scenario."""
    from sim.model.experiment_file import load_experiment
    from sim.paths import default_experiment

    return max(replications // len(load_experiment(default_experiment()).scenarios), 1)


def command_label(args: argparse.Namespace) -> str:
    """The command row's measure."""
    n = per_scenario(args.replications_command)
    return f"run baseline -n {n} ({args.replications_command:,} replications) --workers {args.workers} --no-plots (wall)"


def command_rows(run: CommandRun, calibration: float, args: argparse.Namespace) -> list[Row]:
    """The 1,000-replication command and its workers' memory."""
    ratio = run.seconds / calibration
    worst = max(run.worker_peaks_mb, default=float("nan"))
    return [
        Row(command_label(args),
            f"{run.seconds:.2f} s", f"{ratio:.1f}", f"ratio <= {COMMAND_RATIO:.0f}", ratio <= COMMAND_RATIO),
        Row(f"peak RSS per worker (largest of {len(run.worker_peaks_mb)})", f"{worst:.0f} MB", "-",
            f"<= {WORKER_MB:.0f} MB", bool(run.worker_peaks_mb) and worst <= WORKER_MB),
    ]


def figures_row(seconds: float, calibration: float, replications: int) -> Row:
    """The figures and report of a baseline run."""
    ratio = seconds / calibration
    return Row(f"figures and report of a {replications}-replication run (wall)", f"{seconds:.2f} s",
               f"{ratio:.1f}", f"ratio <= {FIGURES_RATIO:.0f} (~{FIGURES_SECONDS:.0f} s at 0.29 s)",
               ratio <= FIGURES_RATIO)


def big_rows(default: dict[str, Any], big: dict[str, Any], calibration: float, copies: int) -> list[Row]:
    """CPU and memory of the big model against the default."""
    d_cpu, b_cpu = statistics.median(default["cpu"]), statistics.median(big["cpu"])
    factor, allowed = b_cpu / d_cpu, BIG_CPU_FACTOR_PER_COPY * copies
    rows = [Row(f"CPU per replication, {copies}x model (median of {len(big['cpu'])})",
                f"{b_cpu:.4f} s = {factor:.1f}x default", f"{b_cpu / calibration:.3f}",
                f"<= {allowed:g}x default's", factor <= allowed)]
    per_staff = {}
    for name, m in (("default", default), (f"{copies}x", big)):
        peak, above = mb(m["peak_one_kib"]), mb(m["peak_one_kib"] - m["peak_floor_kib"])
        per_staff[name] = above * 1000 / m["staff"]
        rows.append(Row(f"peak RSS, 1-replication run, {name} model ({m['staff']:,} staff)",
                        f"{peak:.0f} MB = {peak * 1000 / m['staff']:.2f} MB/1k staff; above floor "
                        f"{above:.0f} MB = {per_staff[name]:.2f} MB/1k staff", "-", "reported", None))
    linear = per_staff[f"{copies}x"] / per_staff["default"]
    rows.append(Row(f"memory per staff above floor, {copies}x / default", f"{linear:.2f}", "-",
                    f"<= {LINEAR_TOLERANCE:.2f} (linear)", linear <= LINEAR_TOLERANCE))
    return rows


def failed(measure: str, target: str) -> Row:
    """A row whose measurement failed."""
    return Row(measure, "failed", "-", target, None, failed=True)


def measure_default(cal: Calibrations, args: argparse.Namespace, figures: dict[str, Any]) -> dict[str, Any]:
    """The default model's replications in a fresh process (the CPU row, and the 10x row's reference)."""
    default, c = cal.around("CPU row", lambda: measure_replications(DEFAULT_EXPERIMENT, args.replications_cpu))
    default["calibration"] = c
    cpu = default["cpu"]
    print(f"default model: {default['model']} ({default['sites']} sites, {default['staff']:,} staff); "
          f"CPU per replication min {min(cpu):.4f}, median {statistics.median(cpu):.4f}, max {max(cpu):.4f} s")
    figures["default_cpu_median"] = statistics.median(cpu)
    return default


def measure_command(cal: Calibrations, args: argparse.Namespace, figures: dict[str, Any]) -> list[Row]:
    """The 1,000-replication command, and its workers' memory."""
    command = ["run", "baseline", "-n", str(per_scenario(args.replications_command)), "--workers", str(args.workers),
               "--no-plots", "-q"]
    print(f"command: rollout-sim {' '.join(command)} --out TMP")
    with tempfile.TemporaryDirectory() as tmp:
        run, c = cal.around("command", lambda: run_command([*command, "--out", f"{tmp}/out"]))
    print(f"command: {run.seconds:.2f} s wall; main process peak {run.command_peak_mb:.0f} MB; worker peaks "
          f"{', '.join(f'{w:.0f}' for w in run.worker_peaks_mb) or 'none seen'} MB")
    figures.update(command_seconds=run.seconds, worker_peaks_mb=run.worker_peaks_mb)
    return command_rows(run, c, args)


def measure_figures(cal: Calibrations, args: argparse.Namespace, figures: dict[str, Any]) -> list[Row]:
    """``rollout-sim report`` on a baseline run made without figures."""
    with tempfile.TemporaryDirectory() as tmp:
        made = run_command(["run", "baseline", "-n", str(args.replications_figures), "--no-plots", "-q",
                            "--out", f"{tmp}/out"])
        print(f"figures: the {args.replications_figures}-replication run to draw took {made.seconds:.1f} s "
              "(untimed); now `rollout-sim report` on it")
        cal.measure("before figures")
        drawn, c = cal.around("figures", lambda: run_command(["report", f"{tmp}/out"]))
    figures["figures_seconds"] = drawn.seconds
    return [figures_row(drawn.seconds, c, args.replications_figures)]


def measure_big(cal: Calibrations, args: argparse.Namespace, figures: dict[str, Any],
                default: dict[str, Any]) -> list[Row]:
    """The big model's CPU and memory against the default's."""
    with tempfile.TemporaryDirectory() as tmp:
        _, experiment = write_big_model(Path(tmp), args.copies)
        big, c = cal.around(f"{args.copies}x model", lambda: measure_replications(experiment, args.replications_big))
    cpu = big["cpu"]
    print(f"{args.copies}x model: {big['model']} ({big['sites']} sites, {big['staff']:,} staff); CPU per "
          f"replication min {min(cpu):.4f}, median {statistics.median(cpu):.4f}, max {max(cpu):.4f} s")
    for name, m in (("default", default), (f"{args.copies}x", big)):
        print(f"peak RSS ({name}): floor {mb(m['peak_floor_kib']):.0f} MB, after one replication "
              f"{mb(m['peak_one_kib']):.0f} MB, after all {mb(m['peak_end_kib']):.0f} MB")
    figures["big_cpu_median"] = statistics.median(cpu)
    figures["peak_one_mb"] = {"default": mb(default["peak_one_kib"]), "big": mb(big["peak_one_kib"])}
    return big_rows(default, big, c, args.copies)


def main() -> None:
    """Measure the chosen rows and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications-cpu", type=int, default=30, help="timed replications of the CPU row")
    parser.add_argument("--replications-command", type=int, default=1000, help="replications in all of the command row (-n is this over the baseline's scenarios)")
    parser.add_argument("--workers", type=int, default=2, help="--workers of the command row")
    parser.add_argument("--replications-figures", type=int, default=200, help="replications of the run drawn")
    parser.add_argument("--skip-cpu", action="store_true", help="leave out the CPU row")
    parser.add_argument("--skip-command", action="store_true", help="leave out the command and worker-memory rows")
    parser.add_argument("--skip-figures", action="store_true", help="leave out the figures row")
    parser.add_argument("--big", action="store_true", help="add the 10x model's rows")
    parser.add_argument("--copies", type=int, default=10, help="size of the big model (copies of every site)")
    parser.add_argument("--replications-big", type=int, default=5, help="timed replications of the 10x model")
    parser.add_argument("--json", action="store_true", help="end with one JSON line of the figures")
    parser.add_argument("--child", nargs=2, metavar=("EXPERIMENT", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), int(args.child[1]))
        return

    print(f"host: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    cal = Calibrations()
    cal.measure("start")
    rows: list[Row] = []
    figures: dict[str, Any] = {}
    # A row that fails (a command exits with an error) is reported as FAILED; the others still run.
    default = None
    if not args.skip_cpu or args.big:
        try:
            default = measure_default(cal, args, figures)
        except RuntimeError as err:
            print(f"CPU row failed: {err}")
    if not args.skip_cpu:
        rows.append(cpu_row(default, default["calibration"]) if default else
                    failed("CPU per replication, default model, 1 core", f"ratio <= {CPU_RATIO:.2f}"))
    if not args.skip_command:
        try:
            rows += measure_command(cal, args, figures)
        except RuntimeError as err:
            print(f"command rows failed: {err}")
            rows += [failed(command_label(args),
                            f"ratio <= {COMMAND_RATIO:.0f}"),
                     failed("peak RSS per worker", f"<= {WORKER_MB:.0f} MB")]
    if not args.skip_figures:
        try:
            rows += measure_figures(cal, args, figures)
        except RuntimeError as err:
            print(f"figures row failed: {err}")
            rows.append(failed(f"figures and report of a {args.replications_figures}-replication run (wall)",
                               f"ratio <= {FIGURES_RATIO:.0f}"))
    if args.big:
        try:
            if default is None:
                raise RuntimeError("the default model's measurement failed, so there is nothing to compare with")
            rows += measure_big(cal, args, figures, default)
        except RuntimeError as err:
            print(f"{args.copies}x model rows failed: {err}")
            rows.append(failed(f"{args.copies}x model: CPU and memory", "CPU and memory against the default's"))

    print(cal.summary())
    print("each row is judged against the mean of the calibrations just before and after it")
    print()
    print_table(rows)
    if args.json:
        figures["calibrations"] = [s for _, s, _ in cal.taken]
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
