"""User-facing errors: every problem names the file, the key and what was expected."""
from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

EXCERPT_LENGTH = 40  # characters of a user's value quoted back in a message, at most


def excerpt(value: object, limit: int = EXCERPT_LENGTH) -> str:
    """A value quoted back in a message: repr'd (so control characters show as escapes,
    not act on the terminal) and cut to ``limit`` characters, with its length if cut.
    A message quotes a value; it never echoes a file or a huge string."""
    if isinstance(value, str):
        return repr(value) if len(value) <= limit else f"{value[:limit]!r}... ({len(value):,} characters)"
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def did_you_mean(given: str, known: Iterable[object]) -> str:
    """``"; did you mean 'hnt'?"`` for the known name closest to a mistyped one (by
    difflib's similarity, at least 0.6), to append to a message; ``""`` when none is
    close, or ``given`` is itself known."""
    names = [k for k in known if isinstance(k, str)]
    if given in names:
        return ""
    close = difflib.get_close_matches(given, names, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file.

    ``key`` is the dotted key a user would write with ``--set`` (for example
    ``site.hnt.go_live``); ``message`` says what is wrong and what was expected.
    """

    file: str
    key: str
    message: str

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.file, self.key) if part)
        return f"{where}: {self.message}" if where else self.message


class ConfigError(Exception):
    """Raised when input files are invalid; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = list(problems)
