"""Helpers for tests that drive the ``rollout-sim`` command line in this process, through
click's CliRunner. Plain functions and constants, imported where they are used:
``from tests.cli.conftest import invoke, rows, SERIAL``.

(tests/cli/fuzz_support.py has its own runner, with a working folder and a time limit.)
"""
from __future__ import annotations

import csv
from pathlib import Path

from click.testing import CliRunner, Result

# In-process replications and no progress output: what most command-line tests want.
SERIAL = ["--executor", "serial", "-q"]

# Randomness on (no-shows, sick learners) for the small experiment, so that "the same
# bytes" is not true merely because nothing is random.
RANDOM = ["--set", 'uncertainty.no_show_probability={dist="uniform", low=0, high=0.3}',
          "--set", "uncertainty.learner_sick_probability=0.1", "--set", "uncertainty.learner_sick_days=3"]

# Enough noise in the small experiment that a --precision run needs more than a few rounds.
NOISY = ["--set", 'uncertainty.no_show_probability={dist="uniform", low=0, high=0.4}',
         "--set", "uncertainty.no_show_rebook_days=30", "--set", "curriculum.basic.course.course.hours=7",
         "--set", "staff_group.a-staff.headcount=380"]

# The files of a results folder that hold its numbers: byte for byte the same for the
# same seed, whatever the executor, and whether or not the run was resumed.
RUN_DATA_FILES = ("replications.csv", "summary.json", "curves.npz", "bottlenecks.npz")


def invoke(*args: object) -> Result:
    """``rollout-sim ARGS...``; each argument is passed as ``str(arg)``, so paths and numbers
    can be given as they are."""
    # Imported here, not above: pytest loads this file before every test below tests/cli,
    # and a module that only reads rows() need not load the command line.
    from sim.cli.main import cli

    return CliRunner().invoke(cli, [str(a) for a in args])


def assert_no_crash(result: Result) -> None:
    """No exception escaped the command; click's own exit (SystemExit) is not one."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


def invoke_no_crash(*args: object) -> Result:
    """:func:`invoke`, failing the test if an exception escaped the command."""
    result = invoke(*args)
    assert_no_crash(result)
    return result


def invoke_no_traceback(*args: object) -> Result:
    """:func:`invoke_no_crash`, also failing the test if a traceback was printed."""
    result = invoke_no_crash(*args)
    assert "Traceback" not in result.output
    return result


def assert_clean_failure(result: Result) -> None:
    """Exit 1 with messages only: no exception escaped, no traceback printed."""
    assert result.exit_code == 1, result.output
    assert_no_crash(result)
    assert "Traceback" not in result.output


def error_lines(result: Result) -> list[str]:
    """The non-blank lines the command wrote to standard error."""
    return [line for line in result.stderr.splitlines() if line.strip()]


def rows(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file the command wrote, as dicts keyed by its header."""
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))
