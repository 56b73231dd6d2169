"""Option types the commands share, each held to the bound in :mod:`sim.limits`.

The command line is held to the same bounds as the files: ``-n 1000000000`` is refused
here, not after it has run out of memory.
"""
from __future__ import annotations

import math
import re

import click

from sim import limits
from sim.errors import Problem

REPLICATIONS = click.IntRange(1, limits.MAX_REPLICATIONS)
SEED = click.IntRange(0, limits.MAX_SEED)
WORKERS = click.IntRange(1, limits.MAX_WORKERS)
CHUNK_SIZE = click.IntRange(1, limits.MAX_CHUNK_SIZE)

# tcp://10.0.0.5:8786, tls://host:8786, or host:port as Dask also takes it.
_SCHEDULER = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?[A-Za-z0-9._\[\]:-]+(?::\d{1,5})?$")


class Fraction(click.FloatRange):
    """A number in a range, of which NaN is not one: click's FloatRange lets NaN through,
    since every comparison with it is false."""

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if math.isnan(number):
            self.fail(f"expected a number, got {value!r}", param, ctx)
        return number


PRECISION = Fraction(0, 0.5, min_open=True)  # a risk's CI half-width
RISK = Fraction(0, 1, min_open=True)  # an acceptable risk of not being ready


def executor_problems(executor: str, scheduler: str | None) -> list[Problem]:
    """Options that the chosen executor would ignore or cannot use."""
    if scheduler is None:
        return []
    if executor != "dask":
        return [Problem("--scheduler", "", f"only used with --executor dask (got --executor {executor})")]
    if not _SCHEDULER.match(scheduler) or len(scheduler) > 255:
        return [Problem("--scheduler", "", f"expected an address like tcp://10.0.0.5:8786, got {scheduler!r}")]
    return []
