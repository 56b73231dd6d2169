"""How the command line talks: a ConfigError becomes one line per problem and exit 1; a
stopped run its message and its exit code; anything else passes through."""
from __future__ import annotations

import pytest

from sim.cli.talk import ProgressBar, Spoken, fail, spoken
from sim.errors import ConfigError, Problem
from sim.runs.launch import RunStopped


def test_a_config_error_is_printed_line_by_line_with_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done, spoken():
        raise ConfigError([Problem("f.toml", "site.a", "expected a date"), Problem("--set", "x", "bad")])
    assert done.value.code == 1
    assert capsys.readouterr().err == "error: f.toml: site.a: expected a date\nerror: --set: x: bad\n"


def test_a_stopped_run_prints_its_message_and_exits_with_its_code(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done, spoken():
        raise RunStopped("\ninterrupted; continue with: rollout-sim run --resume r", 130, "interrupted")
    assert done.value.code == 130
    assert "continue with: rollout-sim run --resume r" in capsys.readouterr().err


def test_other_errors_pass_through_and_the_bar_is_closed() -> None:
    closed: list[bool] = []

    class Bar(ProgressBar):
        def close(self) -> None:
            closed.append(True)

    with pytest.raises(LookupError), Spoken(Bar()):
        raise LookupError("a bug's own traceback is what a report of it needs")
    assert closed == [True]


def test_fail_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        fail([Problem("", "", "nothing to do")])
    assert done.value.code == 1 and capsys.readouterr().err == "error: nothing to do\n"


def test_no_bar_off_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    bar = ProgressBar()
    bar(1, 10)  # stderr is captured here, not a terminal: nothing drawn
    bar.close()
    assert capsys.readouterr().err == ""


def test_say_wraps_at_80_columns_with_later_lines_indented(capsys: pytest.CaptureFixture[str]) -> None:
    from sim.cli.talk import say

    text = "morris: 6 parameters, 70 design points x 20 replications = 1,400 replications; " * 3
    say(text, err=True)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) > 2 and all(len(line) <= 80 for line in lines)
    assert all(line.startswith("  ") for line in lines[1:]) and " ".join(" ".join(lines).split()) == text.strip()


def test_on_a_terminal_the_bar_waits_a_moment_then_shows_the_time(capsys: pytest.CaptureFixture[str],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    now = [0.0]
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    bar = ProgressBar(clock=lambda: now[0])
    bar(10, 100)  # within the first second: nothing drawn
    assert capsys.readouterr().err == ""
    for done in (20, 30, 40):
        now[0] += 1.0
        bar(done, 100)
    bar.close()
    drawn = capsys.readouterr().err
    assert "40/100 rep, elapsed 0:03, about 0:06 left" in drawn  # 10 a second since the first report
    assert "| 0/100" not in drawn  # nothing drawn before the first report it shows
    assert "estimating time left" in drawn  # before that
