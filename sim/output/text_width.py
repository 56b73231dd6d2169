"""Text that fits an 80-column terminal: tables split by columns, paragraphs wrapped.

A table too wide for the terminal is not cut or left to wrap by the terminal (which
scrambles its columns): it is split into tables of whole groups of columns, each one
repeating the key columns (the site, a sweep's point) on the left, so every row can still
be read across. A paragraph is wrapped with a hanging indent, so where one sentence ends
and the next begins stays plain.
"""
from __future__ import annotations

import textwrap
from collections.abc import Sequence

#: The widest line the console texts make. One less than a terminal's 80 columns: a line
#: of exactly 80 leaves some terminals' cursor on a line of its own.
WIDTH = 79
GAP = "  "  # between columns


def paragraph(text: str, indent: str = "  ", first: str = "", width: int = WIDTH) -> str:
    """``text`` wrapped at ``width``, its first line starting with ``first`` and the rest
    with ``indent`` (a hanging indent). Words are not broken, nor is text at hyphens (site
    ids and keys such as ``st-olavs`` stay whole)."""
    return textwrap.fill(text, width, initial_indent=first, subsequent_indent=indent, break_on_hyphens=False,
                         break_long_words=False)


def _width(column: int, rows: Sequence[Sequence[str]]) -> int:
    return max(len(r[column]) for r in rows)


def _lines(rows: Sequence[Sequence[str]], columns: list[int], keys: int) -> list[str]:
    """One table of ``columns`` of ``rows`` (the first row is the header): key columns
    left-aligned, the rest right-aligned, a rule under the header."""
    widths = [_width(c, rows) for c in columns]
    out = [GAP.join(r[c].ljust(w) if c < keys else r[c].rjust(w) for c, w in zip(columns, widths)).rstrip()
           for r in rows]
    out.insert(1, GAP.join("-" * w for w in widths))
    return out


def fit_table(head: Sequence[str], rows: Sequence[Sequence[str]], keys: int = 1,
              groups: Sequence[int] | None = None, width: int = WIDTH) -> list[str]:
    """The lines of a table of ``head`` and ``rows``, split into as few tables as fit in
    ``width`` (separated by a blank line). The first ``keys`` columns are repeated in
    every table; ``groups`` are the sizes of the runs of columns after them that must stay
    in one table (by default each column on its own). A group too wide even alone gets a
    table of its own, wider than ``width``."""
    table = [list(head), *[list(r) for r in rows]]
    if any(len(r) != len(head) for r in table):
        raise ValueError("every row of a table needs a cell per column of its head")
    sizes = list(groups) if groups is not None else [1] * (len(head) - keys)
    if sum(sizes) != len(head) - keys:
        raise ValueError("the groups of a table must cover every column after its keys")
    key_columns = list(range(keys))
    tables: list[list[int]] = []
    start = keys
    for size in sizes:
        group = list(range(start, start + size))
        start += size
        if tables and len(_lines(table, key_columns + tables[-1] + group, keys)[1]) <= width:
            tables[-1] += group  # the rule under the header is as wide as the widest line
        else:
            tables.append(group)
    out: list[str] = []
    for columns in tables or [[]]:
        out += ([""] if out else []) + _lines(table, key_columns + columns, keys)
    return out
