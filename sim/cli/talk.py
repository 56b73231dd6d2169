"""How the command line talks: errors as one line each and an exit status, progress bars.

The layers below raise :class:`~sim.errors.ConfigError` (problems with what was asked)
and :class:`~sim.runs.launch.RunStopped` (a run that stopped, and how to go on), and
report progress through callbacks; this module turns them into text and exit codes.
"""
from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, NoReturn

import click

from sim.cli.eta import Eta
from sim.errors import ConfigError, Problem
from sim.output.text_width import paragraph
from sim.runs.launch import RunStopped


def say(text: str, err: bool = False) -> None:
    """Print ``text`` wrapped at 80 columns, its later lines indented (an error line is
    not: one problem per line is what scripts read)."""
    click.echo(paragraph(text), err=err)


def fail(problems: list[Problem]) -> NoReturn:
    """Print every problem on its own line and exit with status 1."""
    for p in problems:
        click.echo(f"error: {p}", err=True)
    sys.exit(1)


class ProgressBar:
    """A progress callback drawing a tqdm bar on a terminal, and nothing elsewhere (a
    log file or a pipe gets no carriage returns).

    The time left is this class's own estimate (:class:`sim.cli.eta.Eta`), not tqdm's:
    tqdm's clock starts when its bar is made, at the first report, while its count
    includes the work done before it (worker start-up, the engine's compilation, the
    first chunks), so its first estimates were many times too short."""

    def __init__(self, unit: str = "rep", clock: Callable[[], float] = time.monotonic) -> None:
        self.unit = unit
        self._clock = clock
        self.eta = Eta(clock)
        self._bar: Any = None  # a tqdm bar once the first progress arrives

    def __call__(self, done: int, total: int) -> None:
        self.eta.update(done, total)
        if not sys.stderr.isatty():
            return
        bar = self._bar
        if bar is None:
            if self.eta.elapsed() < DELAY:
                return  # no bar at all for a phase that is over in a moment
            from tqdm import tqdm

            # delay: tqdm draws nothing when made (refresh below draws the first state).
            bar = self._bar = tqdm(total=total, unit=self.unit, file=sys.stderr, dynamic_ncols=True, delay=DELAY,
                                   bar_format=BAR_FORMAT)
        bar.total = total
        bar.n = done
        bar.set_postfix_str(self.eta.text(), refresh=False)
        bar.refresh()

    def close(self) -> None:
        """End the bar's line, so what is printed next starts on its own; the next
        report starts a new phase with an estimate of its own."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        self.eta = Eta(self._clock)


DELAY = 1.0  # seconds into a phase before its bar is drawn (tqdm's delay is not heeded by refresh)
# tqdm's own elapsed time, rate and time left left out: see ProgressBar.
BAR_FORMAT = "{percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} {unit}{postfix}"  # postfix: ", elapsed ..."


class Spoken:
    """A context in which the layers below are called: on leaving it the progress bar is
    closed, and a ConfigError or a stopped run becomes its message and exit status."""

    def __init__(self, bar: ProgressBar | None = None) -> None:
        self.bar = bar

    def __enter__(self) -> Spoken:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self.bar is not None:
            self.bar.close()
        if isinstance(error, ConfigError):
            fail(error.problems)
        if isinstance(error, RunStopped):
            click.echo(error.message, err=True)
            sys.exit(error.exit_code)


def spoken(quiet: bool = True) -> Spoken:
    """A :class:`Spoken` context with a progress bar unless ``quiet`` (then also a note
    when the engine is about to be compiled, so a first run's minute is explained)."""
    if quiet:
        return Spoken(None)
    # Imported here: loading numba costs a third of a second that only this check needs.
    from sim.engine.kernel import compiled_on_disk

    if compiled_on_disk() is False:
        click.echo("note: compiling the simulation engine for this machine (once, about half a minute)", err=True)
    return Spoken(ProgressBar())


def drawing(quiet: bool = False) -> Spoken:
    """A :class:`Spoken` context with a bar counting figures (none if ``quiet``): the
    figures of a run or a study take seconds, and a silent terminal looks hung."""
    return Spoken(None if quiet else ProgressBar("figure"))
