"""Write a model about ten times the size of the shipped one, for the 10x row of issue 13.

Usage: python benchmarks/make_big_model.py [OUT_DIR] [--copies 10]

Reads the shipped model (models/midt-norge.toml) and its experiment
(experiments/baseline.toml) with tomllib and writes, into OUT_DIR (default: a new
temporary folder, printed):

- ``big-model.toml``: every site repeated ``--copies`` times with suffixed ids
  (``trondheim-1`` ... ``trondheim-10``), each copy with its own staff groups, instructor
  pools (with their loans), venues, closures and common delays, all pointing at the
  sites of the same copy. Go-lives, postponements and curricula are as shipped (the
  curricula are shared, as they are by the shipped sites), so the calendar span is the
  same and only the size grows: 5 sites and 22,900 staff become 50 sites and 229,000.
- ``big-experiment.toml``: the baseline's experiment naming that model, with its
  scenarios; a scenario key that names a site (or a venue, pool, ...) by id is set for
  that entity in every copy.

Both pass ``rollout-sim validate``. Each copy's random numbers differ (they are tied to
the ids), so the copies do not run in lockstep.

Target (issue 13): CPU per replication of the 10x model at most 12x the default's, and
memory linear in staff; measured by ``python benchmarks/bench_targets.py --big``.
"""
from __future__ import annotations

import argparse
import copy
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_MODEL = ROOT / "models" / "midt-norge.toml"
SHIPPED_EXPERIMENT = ROOT / "experiments" / "baseline.toml"
MODEL_NAME = "big-model.toml"
EXPERIMENT_NAME = "big-experiment.toml"

# Arrays of tables whose elements belong to a site and are repeated in each copy (each
# copy's `id` suffixed), and the other keys of each that hold site ids (a text or a list).
PER_SITE_ARRAYS: dict[str, tuple[str, ...]] = {
    "site": (),
    "staff_group": ("site",),
    "instructor_pool": ("home_site", "sites"),
    "venue": ("sites",),
    "common_delay": ("sites",),
}


def suffixed(value: str, copy_no: int) -> str:
    """The id of copy ``copy_no`` (counting from 1) of ``value``."""
    return f"{value}-{copy_no}"


def _rename_sites(table: dict[str, Any], keys: tuple[str, ...], copy_no: int) -> None:
    for key in keys:
        if key in table:
            value = table[key]
            table[key] = [suffixed(v, copy_no) for v in value] if isinstance(value, list) else suffixed(value, copy_no)


def _copy_element(kind: str, element: dict[str, Any], copy_no: int) -> dict[str, Any]:
    """One copy of a site, staff group, pool, venue or common delay, ids and site ids suffixed."""
    new = copy.deepcopy(element)
    new["id"] = suffixed(new["id"], copy_no)
    _rename_sites(new, PER_SITE_ARRAYS[kind], copy_no)
    if "name" in new and kind in ("site", "venue"):
        new["name"] = f"{new['name']} {copy_no}"
    for loan in new.get("loan", []):
        loan["to_site"] = suffixed(loan["to_site"], copy_no)
    return new


def big_model(raw: dict[str, Any], copies: int) -> dict[str, Any]:
    """The raw tables of ``raw`` with every site (and what belongs to it) ``copies`` times."""
    if raw.get("staff_csv"):
        raise ValueError("a model with [[staff_csv]] is not supported: its CSV rows name sites by id")
    big = copy.deepcopy(raw)
    big["model"]["name"] = f"{raw['model']['name']} x{copies}"
    big["model"]["description"] = (f"{copies} copies of every site of {raw['model']['name']}, "
                                   "with their staff, instructors, venues and delays (benchmarks/make_big_model.py)")
    for kind in PER_SITE_ARRAYS:
        if kind in raw:
            big[kind] = [_copy_element(kind, e, k) for k in range(1, copies + 1) for e in raw[kind]]
    closures = raw.get("calendar", {}).get("closure", [])
    if closures:
        # A closure of named sites is repeated for each copy; one of all sites (no `sites`) stays one.
        out = []
        for closure in closures:
            if not closure.get("sites"):
                out.append(copy.deepcopy(closure))
                continue
            for k in range(1, copies + 1):
                new = copy.deepcopy(closure)
                _rename_sites(new, ("sites",), k)
                out.append(new)
        big["calendar"]["closure"] = out
    return big


def _expand_key(key: str, ids: dict[str, set[str]], copies: int) -> list[str]:
    """A scenario's dotted key, as the keys that set the same value in every copy."""
    parts = key.split(".")
    if parts[0] not in PER_SITE_ARRAYS or len(parts) < 3:
        return [key]
    if parts[1] not in ids[parts[0]]:
        raise ValueError(f"scenario key {key!r} names a {parts[0]} by position; name it by id to copy it")
    return [".".join([parts[0], suffixed(parts[1], k), *parts[2:]]) for k in range(1, copies + 1)]


def big_experiment(raw: dict[str, Any], model_raw: dict[str, Any], model_file: str, copies: int) -> dict[str, Any]:
    """The experiment ``raw`` naming ``model_file``, each scenario's keys set in every copy."""
    from sim.model.experiment_file import flatten  # the same reading of [scenario.set] as the program's

    ids = {kind: {e["id"] for e in model_raw.get(kind, [])} for kind in PER_SITE_ARRAYS}
    big = copy.deepcopy(raw)
    big["experiment"]["name"] = f"{raw['experiment'].get('name', 'experiment')}-x{copies}"
    big["experiment"]["model"] = model_file
    for scenario in big.get("scenario", []):
        if "set" in scenario:
            scenario["set"] = {k: v for key, v in flatten(scenario["set"]) for k in _expand_key(key, ids, copies)}
    return big


def staff_count(raw: dict[str, Any]) -> int:
    """Staff (positions) of a model's staff groups."""
    return sum(g["headcount"] for g in raw.get("staff_group", []))


def write_big_model(out_dir: Path, copies: int = 10, model: Path = SHIPPED_MODEL,
                    experiment: Path = SHIPPED_EXPERIMENT) -> tuple[Path, Path]:
    """Write the big model and its experiment into ``out_dir``; return both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    model_raw = tomllib.loads(model.read_text(encoding="utf-8"))
    experiment_raw = tomllib.loads(experiment.read_text(encoding="utf-8"))
    model_path, experiment_path = out_dir / MODEL_NAME, out_dir / EXPERIMENT_NAME
    model_path.write_text(tomli_w.dumps(big_model(model_raw, copies)), encoding="utf-8")
    experiment_path.write_text(tomli_w.dumps(big_experiment(experiment_raw, model_raw, MODEL_NAME, copies)),
                               encoding="utf-8")
    return model_path, experiment_path


def main() -> None:
    """Write the files and print their paths and sizes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, nargs="?", help="folder to write into (default: a new temporary folder)")
    parser.add_argument("--copies", type=int, default=10, help="copies of every site (default 10)")
    args = parser.parse_args()
    if args.copies < 1:
        parser.error("--copies must be at least 1")
    out_dir = args.out_dir or Path(tempfile.mkdtemp(prefix="rollout-big-"))
    model_path, experiment_path = write_big_model(out_dir, args.copies)
    shipped = tomllib.loads(SHIPPED_MODEL.read_text(encoding="utf-8"))
    big = tomllib.loads(model_path.read_text(encoding="utf-8"))
    print(f"shipped model: {len(shipped['site'])} sites, {staff_count(shipped):,} staff")
    print(f"big model (x{args.copies}): {len(big['site'])} sites, {staff_count(big):,} staff, "
          f"{len(big['staff_group'])} staff groups, {len(big.get('instructor_pool', []))} instructor pools, "
          f"{len(big.get('venue', []))} venues")
    print(f"model: {model_path}")
    print(f"experiment: {experiment_path}")


if __name__ == "__main__":
    main()
