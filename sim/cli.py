"""The ``rollout-sim`` command line: validate and run experiment files."""
from __future__ import annotations

import datetime as dt
import sys
import tomllib
from pathlib import Path
from typing import Any

import click

from sim import manifest
from sim.errors import ConfigError, Problem
from sim.experiment_file import is_experiment, load_experiment
from sim.model_file import build_model, load_toml
from sim.overrides import parse_value
from sim.paths import default_experiment
from sim.results import ResultsExistError, ResultsFolder, csv_text, json_text, replication_rows
from sim.runner import ReplicationFailed, run_experiment
from sim.spec import ExperimentSpec
from sim.summary import summarise
from sim.tables import table, verdict


def _fail(problems: list[Problem]) -> None:
    for p in problems:
        click.echo(f"error: {p}", err=True)
    sys.exit(1)


def _parse_sets(values: tuple[str, ...]) -> list[tuple[str, Any]]:
    out = []
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            _fail([Problem("--set", item, "expected KEY=VALUE, like site.hnt.go_live=2023-03-04")])
        out.append((key.strip(), parse_value(value.strip())))
    return out


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="rollout-sim")
def cli() -> None:
    """Will staff be trained before go-live? Simulate an EHR training rollout.

    Model files describe the world (sites, staff, instructors, rooms, calendars);
    experiment files say what to run. See README.md for both formats.
    """


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(files: tuple[Path, ...]) -> None:
    """Check model and experiment FILES; print every problem on its own line."""
    problems: list[Problem] = []
    for path in files:
        try:
            raw = load_toml(path)
            if is_experiment(raw):
                spec = load_experiment(path)
                click.echo(f"ok: {path} (experiment {spec.name!r}: {len(spec.scenarios)} scenario(s), "
                           f"model {spec.model_file.name})")
            elif "model" in raw:
                model = build_model(raw, path)
                click.echo(f"ok: {path} (model {model.name!r}: {len(model.sites)} sites, "
                           f"{sum(g.headcount for g in model.groups):,} staff)")
            else:
                problems.append(Problem(str(path), "", "neither a model file ([model] table) nor an experiment file ([experiment] table)"))
        except ConfigError as err:
            problems.extend(err.problems)
    if problems:
        _fail(problems)


@cli.command()
@click.argument("experiment", required=False, type=click.Path(path_type=Path))
@click.option("-n", "--replications", type=click.IntRange(min=1), help="Replications per scenario (default: the experiment file's).")
@click.option("--seed", type=click.IntRange(min=0), help="Seed of the whole experiment (default: the experiment file's).")
@click.option("--out", "out", type=click.Path(path_type=Path), help="Results folder (default: results/<experiment>/<date-time>).")
@click.option("--force", is_flag=True, help="Replace the results folder if it exists.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Override a model or experiment value by its dotted key; repeatable.")
@click.option("-q", "--quiet", is_flag=True, help="Print no progress.")
def run(experiment: Path | None, replications: int | None, seed: int | None, out: Path | None,
        force: bool, sets: tuple[str, ...], quiet: bool) -> None:
    """Run EXPERIMENT (default: the shipped baseline) and write a results folder."""
    path = experiment or default_experiment()
    try:
        spec = load_experiment(path, _parse_sets(sets))
    except ConfigError as err:
        _fail(err.problems)
    n = replications or spec.replications
    seed = spec.seed if seed is None else seed
    out = out or Path("results") / spec.name / dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    try:
        folder = ResultsFolder(out, force=force)
    except ResultsExistError as err:
        _fail([Problem("--out", "", str(err))])
    started = manifest.now()
    try:
        outcomes = run_experiment(spec, n, seed, None if quiet else _progress())
        summary = _write(folder, spec, outcomes, n, seed, _parse_sets(sets), started)
        final = folder.publish()
    except ReplicationFailed as err:
        folder.discard()
        click.echo(f"\nerror: {err}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        folder.discard()
        click.echo("\ninterrupted: nothing written", err=True)
        sys.exit(130)
    except BaseException:
        folder.discard()
        raise
    if not quiet:
        click.echo("", err=True)
    _print(summary)
    click.echo(f"\nresults: {final}")


def _progress():
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        click.echo(f"\rreplications {done}/{total}", nl=False, err=True)
    return show


def _write(folder: ResultsFolder, spec: ExperimentSpec, outcomes, n: int, seed: int,
           overrides: list[tuple[str, Any]], started: str) -> dict[str, Any]:
    rows = []
    for scenario, by_site in outcomes.items():
        for rep in range(n):
            rows.extend(replication_rows(scenario, rep, [by_site[s][rep] for s in by_site]))
    folder.write("replications.csv", csv_text(rows))
    experiment = {"experiment": spec.name, "description": spec.description, "model": spec.model_file.name,
                  "seed": seed, "replications": n}
    summary = summarise(experiment, {s.name: (s.model, outcomes[s.name]) for s in spec.scenarios})
    folder.write("summary.json", json_text(summary))
    inputs = [spec.file, spec.model_file, *sorted({f for s in spec.scenarios for f in s.model.data_files})]
    for path in inputs:
        folder.copy(path, f"config/{path.name}")
    folder.write("manifest.json", json_text({
        "experiment_file": str(spec.file), "model_file": str(spec.model_file), "seed": seed,
        "replications": n, "scenarios": {s.name: [[k, str(v)] for k, v in s.overrides] for s in spec.scenarios},
        "overrides": [[k, str(v)] for k, v in overrides], "executor": "serial", "workers": 1,
        "config_hash": manifest.config_hash(inputs, overrides, seed, n),
        "git_commit": manifest.git_commit(), "versions": manifest.versions(),
        "started": started, "finished": manifest.now(),
    }))
    return summary


def _print(summary: dict[str, Any]) -> None:
    for name, scenario in summary["scenarios"].items():
        click.echo(f"\nscenario {name}: {summary['replications']} replications, seed {summary['seed']}")
        click.echo(table(scenario))
        click.echo("")
        for site in scenario["sites"].values():
            click.echo(verdict(site, scenario["readiness_threshold"]))
            if "vs_reference" in site:
                d = site["vs_reference"]
                low, high = d["risk_difference_ci95"]
                click.echo(f"  against the first scenario: risk {d['risk_difference']:+.1%} (95% CI {low:+.1%} to {high:+.1%})"
                           if low is not None else f"  against the first scenario: risk {d['risk_difference']:+.1%}")


def main() -> None:
    """Entry point of the console script."""
    cli(prog_name="rollout-sim")
