"""Every command's ``--help`` fits 80 columns and ends in examples that parse: known
options, the right number of arguments, and a shipped experiment for a name that is not
a path."""
from __future__ import annotations

import shlex
from pathlib import Path

import click
import pytest

from sim.paths import experiment_path
from tests.cli.conftest import invoke_no_traceback

COMMANDS = ["validate", "run", "plot", "report", "trace", "sweep", "sensitivity", "capacity", "compare", "targets",
            "calibrate", "list", "export"]


def examples(help_text: str) -> list[list[str]]:
    """The example command lines of a help text, split as a shell would (comments dropped,
    and a pipe's later commands: only rollout-sim's own words)."""
    lines = help_text.split("Examples:", 1)[1].splitlines()
    split = [shlex.split(line, comments=True) for line in lines if line.strip().startswith("rollout-sim ")]
    return [words[:words.index("|")] if "|" in words else words for words in split]


def test_every_command_is_covered():
    from sim.cli.main import cli

    assert sorted(cli.commands) == sorted(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_help_has_examples_that_parse_and_fits_80_columns(name, tmp_path, monkeypatch):
    from sim.cli.main import cli

    monkeypatch.chdir(tmp_path)  # where the examples' results folders are made to exist

    r = invoke_no_traceback(name, "--help")
    assert r.exit_code == 0, r.output
    assert all(len(line) <= 80 for line in r.stdout.splitlines()), r.stdout
    found = examples(r.stdout)
    assert 1 <= len(found) <= 5, r.stdout
    command = cli.commands[name]
    for words in found:
        assert words[:2] == ["rollout-sim", name], words
        for word in words[2:]:  # a folder an example reads (results/may) exists here
            if "/" in word and not word.startswith("-") and "=" not in word:
                (tmp_path / word).mkdir(parents=True, exist_ok=True)
        # Parsed and converted as the command would be, without running it: an unknown
        # option, a value of the wrong type, or an argument too many fails here.
        ctx = command.make_context(name, words[2:])
        assert not ctx.args, f"{words}: unexpected {ctx.args}"
        experiment = ctx.params.get("experiment")
        if experiment is not None:  # a name that is not a path must be a shipped experiment
            assert experiment_path(Path(experiment)).is_file() or "/" in str(experiment) or name == "validate", words


def test_the_command_s_own_help_has_examples_of_commands_that_exist():
    from sim.cli.main import cli

    r = invoke_no_traceback("--help")
    assert r.exit_code == 0 and all(len(line) <= 80 for line in r.stdout.splitlines()), r.stdout
    found = examples(r.stdout)
    assert found and all(words[0] == "rollout-sim" and words[1] in cli.commands for words in found)


def test_an_example_with_an_unknown_option_would_be_caught():
    from sim.cli.main import cli

    with pytest.raises(click.NoSuchOption):
        cli.commands["run"].make_context("run", ["--sed", "1"])
    with pytest.raises(click.UsageError):
        cli.commands["plot"].make_context("plot", ["a", "b"])
