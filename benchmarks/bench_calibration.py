"""History matching (rollout-sim calibrate) against ABC-SMC (pyabc) on the shipped
calibration, for the same number of replications: which gets a usable posterior for
the budget, and in how long.

    PYTHONPATH=. python benchmarks/bench_calibration.py [--replications-total 960] [--population 24]

Both fit the three parameters of experiments/calibration-midt-norge.toml to its fitted
targets, on the same uniform priors, with 5 replications per parameter set and scenario
(the table's), one process each (the serial executor), so the wall times compare. The
calibration loop of benchmarks/calibration.py is printed beside them.

ABC-SMC compares each set's mean over its replications with the observations by the
standardised distance sqrt(sum(((mean - observed) / sd_total)^2)) and lowers its
tolerance each generation (pyabc's median epsilon); its posterior is its last
population. pyabc is not a dependency of rollout-sim: ``pip install pyabc`` first.
"""
from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.calibration import calibration_seconds
from sim.model.experiment_file import load_experiment
from sim.studies.calibrate import _simulate, plan_calibration, run_calibration
from sim.studies.history_matching import weighted_quantiles
from sim.studies.study import Study

EXPERIMENT = Path(__file__).resolve().parents[1] / "experiments" / "calibration-midt-norge.toml"


def _study() -> Study:
    return Study("calibrate", load_experiment(EXPERIMENT), [], memory=True, executor="serial")


def history_matching(total: int) -> dict:
    study = _study()
    plan = plan_calibration(study, total)
    start = time.perf_counter()
    result = run_calibration(study, plan)
    seconds = time.perf_counter() - start
    m = result.matching
    intervals = [tuple(weighted_quantiles(m.points[:, j], m.weights, [0.05, 0.95])) for j in range(len(plan.bounds))]
    return {"method": "history matching", "replications": plan.simulations, "seconds": seconds,
            "kept": len(m.points), "effective": m.effective_size, "intervals": intervals,
            "fit": max(float(r["implausibility"]) for r in result.fit if not r["held_out"])}


def abc_smc(total: int, population: int) -> dict:
    import pyabc

    study = _study()
    plan = plan_calibration(study)
    fitted = [list(plan.spec.targets).index(t) for t in plan.fitted]
    observed = np.array([t.observed for t in plan.fitted])
    scale = np.array([math.sqrt(t.sd ** 2 + t.discrepancy_sd ** 2) for t in plan.fitted])
    per_set = len(plan.scenarios) * plan.replications
    evaluations = [0]

    def model(parameters: dict) -> dict:
        x = np.array([[parameters[f"p{j}"] for j in range(len(plan.bounds))]])
        values = _simulate(study, plan, x, 1, [0], None)[0, fitted, :]
        evaluations[0] += 1
        return {"mean": values.mean(axis=1)}

    def distance(a: dict, b: dict) -> float:
        return float(np.sqrt(np.sum(((a["mean"] - b["mean"]) / scale) ** 2)))

    prior = pyabc.Distribution(**{f"p{j}": pyabc.RV("uniform", 0, 1) for j in range(len(plan.bounds))})
    abc = pyabc.ABCSMC(model, prior, distance, population_size=population, sampler=pyabc.sampler.SingleCoreSampler())
    with tempfile.TemporaryDirectory() as tmp:
        abc.new(f"sqlite:///{tmp}/abc.db", {"mean": observed})
        start = time.perf_counter()
        history = abc.run(max_total_nr_simulations=max(population, total // per_set), minimum_epsilon=0.0)
        seconds = time.perf_counter() - start
        frame, weights = history.get_distribution()
        eps = float(history.get_all_populations()["epsilon"].iloc[-1])
    points = frame[[f"p{j}" for j in range(len(plan.bounds))]].to_numpy()
    weights = np.asarray(weights) / np.sum(weights)
    intervals = [tuple(weighted_quantiles(points[:, j], weights, [0.05, 0.95])) for j in range(points.shape[1])]
    return {"method": "ABC-SMC (pyabc)", "replications": evaluations[0] * per_set, "seconds": seconds,
            "kept": len(points), "effective": float(1 / np.sum(weights ** 2)), "intervals": intervals,
            "fit": eps}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replications-total", type=int, default=960)
    parser.add_argument("--population", type=int, default=24)
    args = parser.parse_args()
    cal = calibration_seconds()
    rows = [history_matching(args.replications_total)]
    try:
        rows.append(abc_smc(args.replications_total, args.population))
    except ImportError:
        print("pyabc is not installed (pip install pyabc): ABC-SMC left out")
    cal_after = calibration_seconds()
    names = [b.parameter.name for b in plan_calibration(_study()).bounds]
    print(f"calibration loop: {cal:.3f} s before, {cal_after:.3f} s after")
    print("| method | replications | wall (s) | ratio to calibration | sets in posterior | effective size | "
          "fit | " + " | ".join(f"{n}: 90% (share of prior)" for n in names) + " |")
    print("|" + "---|" * (7 + len(names)))
    for r in rows:
        spans = " | ".join(f"{hi - lo:.0%}" for lo, hi in r["intervals"])
        fit = f"largest I {r['fit']:.2f}" if r["method"].startswith("history") else f"final epsilon {r['fit']:.2f}"
        print(f"| {r['method']} | {r['replications']:,} | {r['seconds']:.1f} | {r['seconds'] / cal:.0f} | "
              f"{r['kept']} | {r['effective']:.0f} | {fit} | {spans} |")


if __name__ == "__main__":
    main()
