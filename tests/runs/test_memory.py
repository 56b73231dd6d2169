"""A run kept in memory: the rows, the order and the summary of a folder's run."""
from __future__ import annotations

from pathlib import Path

from sim.model.experiment_file import load_experiment
from sim.runs.launch import run_fresh, run_in_memory
from sim.runs.memory import MemoryJournal
from sim.runs.runner import RunOptions
from tests.cli.conftest import rows
from tests.conftest import SMALL_EXPERIMENT


def test_rows_come_out_in_the_order_replications_csv_has_them() -> None:
    journal = MemoryJournal()
    # As a pool delivers them: replications out of order, scenarios interleaved, a site per row.
    journal.append([["b", "1", "x"], ["b", "1", "y"], ["a", "1", "x"], ["a", "1", "y"]])
    journal.append([["a", "0", "x"], ["a", "0", "y"], ["b", "0", "x"], ["b", "0", "y"]])
    order = {("a", 0): 0, ("a", 1): 1, ("b", 0): 3, ("b", 1): 4}
    assert journal.ordered(order) == [["a", "0", "x"], ["a", "0", "y"], ["a", "1", "x"], ["a", "1", "y"],
                                      ["b", "0", "x"], ["b", "0", "y"], ["b", "1", "x"], ["b", "1", "y"]]


def test_a_run_in_memory_has_the_rows_and_summary_of_the_same_run_in_a_folder(tmp_path: Path) -> None:
    spec = load_experiment(SMALL_EXPERIMENT, [("uncertainty.no_show_probability", 0.2)])
    options = RunOptions(5, 9, "serial")
    memory = run_in_memory(spec, options)
    folder = run_fresh(spec, options, tmp_path / "run", False, [])
    assert memory.path is None and folder.path == tmp_path / "run"
    assert memory.summary == folder.summary
    written = rows(tmp_path / "run" / "replications.csv")
    assert memory.rows is not None and [list(r.values()) for r in written] == memory.rows
    assert [h.counts.tolist() for h in memory.curves] == [h.counts.tolist() for h in folder.curves]
    assert not any(tmp_path.glob(".rollout-sim-*"))  # nothing left beside the folder
