"""Option types the commands share, each held to the bound in :mod:`sim.limits`.

The command line is held to the same bounds as the files: ``-n 1000000000`` is refused
here, not after it has run out of memory.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

import click

from sim import limits

REPLICATIONS = click.IntRange(1, limits.MAX_REPLICATIONS)
SEED = click.IntRange(0, limits.MAX_SEED)
WORKERS = click.IntRange(1, limits.MAX_WORKERS)
CHUNK_SIZE = click.IntRange(1, limits.MAX_CHUNK_SIZE)

F = TypeVar("F", bound=Callable[..., Any])

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


def svg_option(f: F) -> F:
    """``--svg``: save each figure as SVG too (the PNGs, which the report embeds, are always written)."""
    return click.option("--svg", is_flag=True,
                        help="Save each figure as SVG too, for slides and print (PNG is always written).")(f)


def examples(*lines: str) -> str:
    """A command's epilog of example invocations, shown by ``--help`` as written: the
    ``\\b`` keeps click from rewrapping them into one paragraph. Each line is a whole
    command (``rollout-sim ...``), optionally followed by a ``# comment``."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)
