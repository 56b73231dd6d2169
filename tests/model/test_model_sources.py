"""Every value of the shipped model names its source (models/midt-norge.toml, header).

The rule, checked on the file as text (comments are not in the parsed TOML):

- A **value line** is a ``key = value`` assignment in any table: plain tables,
  ``[[array-of-tables]]`` entries, dotted and quoted keys. A value written over several
  lines (a multi-line array or string) is one value line from its key to its end; an
  inline table (``{ dist = ..., mean = ... }``) is one value with its keys.
- Every value line needs **its own source note**: a comment on that line (for a
  multi-line value, on any of its lines) containing at least one of
    - ``assumption: <why>``,
    - ``derived: <arithmetic>``,
    - a citation of a table of docs/sources.md: ``Sources <table>[/<row>]: ...`` (also
      ``Sources <table>, ...`` or ``(Sources <table>)``; a bare ``Sources:`` points at no
      table and does not source a value on its own).
  A note on the line above, a section comment or "as above" alone does not count: so
  removing any one note makes the check fail (shown by the mutation test below), and
  a reader finds the source of a value on its own line.
- Exempt are keys that name or connect entities and state nothing about the world:
  ``id``, ``name``, ``description``, ``kind``, ``wave``, ``role``, ``unit``, ``site``,
  ``curriculum``, ``home_site``, ``to_site``, ``reason``, ``file`` and the role-to-
  curriculum table ``[staff_csv.curricula]``. (``sites`` of a pool or venue is not
  exempt: who shares a venue or an instructor is a claim about the rollout.)

Citations are checked for format in every comment after the file's header (the header
describes the convention), and each must name a table of docs/sources.md (a ``## ``
heading, or its first words: ``Sources Absence`` is "Absence and calendar") and, if it
gives a row, a row of that table (the first column, or its first words: ``Sites/HNT``).
docs/sources.md is in the repository, so this check always runs. The citations in the
comments of the experiment files and the face-validity models must resolve too.
"""
from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_MODEL = ROOT / "models" / "midt-norge.toml"
SOURCES = ROOT / "docs" / "sources.md"

EXEMPT_KEYS = frozenset({"id", "name", "description", "kind", "wave", "role", "unit", "site", "curriculum",
                         "home_site", "to_site", "reason", "file"})
EXEMPT_TABLES = frozenset({"curricula"})  # [staff_csv.curricula]: role -> curriculum id


# -- reading the file as text --------------------------------------------------------------

@dataclass(frozen=True)
class ValueLine:
    """One ``key = value`` assignment of a TOML text."""

    first: int  # line number of the key (1-based)
    last: int  # line number where the value ends
    path: tuple[str | int, ...]  # full path: tables, array positions, key parts
    notes: tuple[str, ...]  # comments on its lines, without the '#'

    @property
    def key(self) -> str:
        """The last part of the key."""
        return str(self.path[-1])


@dataclass(frozen=True)
class Comment:
    """A comment anywhere in the text."""

    line: int
    text: str


def _read_string(text: str, i: int) -> int:
    """Index just after the TOML string starting at ``text[i]`` (basic, literal, multi-line)."""
    for quote in ('"""', "'''"):
        if text.startswith(quote, i):
            j = i + 3
            while True:
                if quote == '"""' and text[j] == "\\":
                    j += 2
                    continue
                if text.startswith(quote, j):
                    # Up to two more quotes belong to the content before the delimiter.
                    j += 3
                    for _ in range(2):
                        if j < len(text) and text[j] == quote[0]:
                            j += 1
                    return j
                j += 1
    quote = text[i]
    j = i + 1
    while text[j] != quote:
        if quote == '"' and text[j] == "\\":
            j += 1
        if text[j] == "\n":
            raise ValueError(f"unterminated string at offset {i}")
        j += 1
    return j + 1


def _split_key(raw: str) -> list[str]:
    """Parts of a (dotted, possibly quoted) key or table header."""
    parts, i, current = [], 0, ""
    while i < len(raw):
        c = raw[i]
        if c in "\"'":
            j = _read_string(raw, i)
            current += tomllib.loads(f"k = {raw[i:j]}")["k"]
            i = j
        elif c == ".":
            parts.append(current.strip())
            current, i = "", i + 1
        else:
            current += c if not c.isspace() else ""
            i += 1
    parts.append(current.strip())
    return parts


def scan(text: str) -> tuple[list[ValueLine], list[Comment]]:
    """Every value line and every comment of a TOML text.

    A small reader of TOML's line structure: strings (which may contain ``#``), arrays
    and inline tables over several lines, headers of tables and arrays of tables (kept
    with positions, so paths match the parsed data).
    """
    values: list[ValueLine] = []
    comments: list[Comment] = []
    arrays: dict[tuple, int] = {}  # resolved path of an array of tables -> elements so far
    table: tuple[str | int, ...] = ()
    i, n, line = 0, len(text), 1

    def comment_at(j: int) -> int:
        end = text.find("\n", j)
        end = n if end < 0 else end
        comments.append(Comment(line, text[j + 1:end]))
        return end

    def resolve(parts: list[str], is_array: bool) -> tuple[str | int, ...]:
        resolved: list[str | int] = []
        for k, part in enumerate(parts):
            resolved.append(part)
            here = tuple(resolved)
            if k == len(parts) - 1 and is_array:
                arrays[here] = arrays.get(here, 0) + 1
                resolved.append(arrays[here] - 1)
            elif here in arrays:
                resolved.append(arrays[here] - 1)
        return tuple(resolved)

    while i < n:
        c = text[i]
        if c in " \t\r":
            i += 1
        elif c == "\n":
            line, i = line + 1, i + 1
        elif c == "#":
            i = comment_at(i)
        elif c == "[":
            is_array = text.startswith("[[", i)
            j = i + (2 if is_array else 1)
            start = j
            while text[j] != "]":
                j = _read_string(text, j) if text[j] in "\"'" else j + 1
            table = resolve(_split_key(text[start:j]), is_array)
            i = j + (2 if is_array else 1)
        else:
            # key = value
            j = i
            while text[j] != "=":
                if text[j] == "\n":
                    raise ValueError(f"line {line}: expected 'key = value'")
                j = _read_string(text, j) if text[j] in "\"'" else j + 1
            key = _split_key(text[i:j])
            first, notes, depth, j = line, [], 0, j + 1
            while j < n:
                c = text[j]
                if c in "\"'":
                    end = _read_string(text, j)
                    line += text.count("\n", j, end)
                    j = end
                elif c in "[{":
                    depth, j = depth + 1, j + 1
                elif c in "]}":
                    depth, j = depth - 1, j + 1
                elif c == "#":
                    j = comment_at(j)
                    notes.append(comments[-1].text)
                elif c == "\n":
                    if depth == 0:
                        break
                    line, j = line + 1, j + 1
                else:
                    j += 1
            values.append(ValueLine(first, line, table + tuple(key), tuple(notes)))
            i = j
    return values, comments


def header_end(text: str) -> int:
    """The last line of the file's leading comment block (0 if there is none)."""
    last = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped and not stripped.startswith("#"):
            break
        last = number
    return last


# -- source notes and citations ------------------------------------------------------------

@dataclass(frozen=True)
class Citation:
    """A ``Sources ...`` reference: a table (None: the file as a whole) and perhaps a row."""

    table: str | None
    row: str | None = None


_SOURCES = re.compile(r"\bSources\b(?!\.md)")
_TABLE = re.compile(r"[A-Z][A-Za-z0-9&.'+-]*(?: [A-Za-z0-9&.'+-]+){0,3}")
_TAGS = re.compile(r"\b(?:assumption|derived):\s*\S", re.IGNORECASE)


def citations(comment: str) -> list[Citation]:
    """The citations of docs/sources.md in a comment; raises ValueError naming a malformed one.

    Forms: ``Sources <Table>`` or ``Sources "<Table>"``, optionally ``/<row>``, then ``:``,
    ``,``, ``;``, a parenthesis or the end of the comment; ``Sources:`` or ``(... Sources)``
    for the file as a whole. A table is one to four words, the first capitalised. The word
    is case-sensitive: "sources" and "docs/sources.md" are not citations.
    """
    found = []
    for m in _SOURCES.finditer(comment):
        rest = comment[m.end():]
        if not rest.strip() or rest[0] in ":),;":
            found.append(Citation(None))
            continue
        if rest[0] != " ":
            raise ValueError(f"'Sources' must be followed by a space and a table name, or ':': {comment.strip()!r}")
        rest = rest[1:]
        if rest.startswith('"'):
            close = rest.find('"', 1)
            table, rest = rest[1:close], rest[close + 1:]
        else:
            cut = re.search(r"[:,;()/]|$", rest)
            table, rest = rest[:cut.start()].strip(), rest[cut.start():]
        row = None
        if rest.startswith("/"):
            cut = re.search(r"[:,;()]|$", rest)
            row, rest = rest[1:cut.start()].strip(), rest[cut.start():]
            if not row:
                raise ValueError(f"empty row after 'Sources {table}/': {comment.strip()!r}")
        if not _TABLE.fullmatch(table):
            raise ValueError(f"'Sources {table}' does not name a table (one to four words, capitalised): "
                             f"{comment.strip()!r}")
        if rest.strip() and rest.lstrip()[0] not in ":,;()":
            raise ValueError(f"a citation ends with ':', ',', ';', a parenthesis or the comment: "
                             f"{comment.strip()!r}")
        found.append(Citation(table, row))
    return found


def is_sourced(notes: tuple[str, ...]) -> bool:
    """Whether a value line's notes name a source: assumption:, derived: or a Sources table."""
    text = " ".join(notes)
    if _TAGS.search(text):
        return True
    try:
        return any(c.table for c in citations(text))
    except ValueError:
        return False  # a malformed citation sources nothing (and fails the format test)


def needs_note(v: ValueLine) -> bool:
    """Whether a value line states something about the world (see the module docstring)."""
    named = [p for p in v.path[:-1] if isinstance(p, str)]
    return v.key not in EXEMPT_KEYS and not (named and named[-1] in EXEMPT_TABLES)


def unsourced(text: str) -> list[ValueLine]:
    """Value lines of ``text`` that need a source note and have none."""
    return [v for v in scan(text)[0] if needs_note(v) and not is_sourced(v.notes)]


def describe(v: ValueLine, text: str) -> str:
    """A value line for a failure message: number, dotted path and the line itself."""
    dotted = ".".join(str(p) for p in v.path)
    return f"line {v.first}: {dotted}: {text.splitlines()[v.first - 1].strip()}"


# -- the shipped model ---------------------------------------------------------------------

def _leaves(node: Any, path: tuple = ()) -> Iterator[tuple]:
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, path + (k,))
    elif isinstance(node, list) and node and all(isinstance(x, dict) for x in node):
        for k, v in enumerate(node):
            yield from _leaves(v, path + (k,))
    else:
        yield path


def test_scanner_finds_every_value_of_the_shipped_model():
    # The text reader sees the same values as TOML does: each parsed value lies under
    # exactly one value line, and each value line is a value of the parsed file (so no
    # value escapes the note check, and no comment is taken for a value or vice versa).
    text = SHIPPED_MODEL.read_text(encoding="utf-8")
    found = [v.path for v in scan(text)[0]]
    assert len(found) == len(set(found))
    leaves = list(_leaves(tomllib.loads(text)))
    for leaf in leaves:
        assert sum(leaf[:len(p)] == p for p in found) == 1, leaf
    for p in found:
        assert any(leaf[:len(p)] == p for leaf in leaves), p


def test_every_value_line_of_the_shipped_model_has_a_source_note():
    text = SHIPPED_MODEL.read_text(encoding="utf-8")
    missing = [describe(v, text) for v in unsourced(text)]
    assert not missing, ("value lines without a source note (Sources <table>: ..., derived: ..., "
                         "assumption: ...):\n" + "\n".join(missing))


def _without_note(text: str, line: int) -> str:
    """``text`` with the comment at the end of one line removed."""
    lines = text.splitlines(keepends=True)
    (comment,) = [c for c in scan(text)[1] if c.line == line]
    lines[line - 1] = lines[line - 1].rsplit("#" + comment.text, 1)[0].rstrip() + "\n"
    return "".join(lines)


def test_removing_any_note_from_the_shipped_model_is_caught():
    # Mutation test: for every value line whose own note sources it, deleting that one
    # note makes exactly that line unsourced (a note elsewhere never stands in for it).
    text = SHIPPED_MODEL.read_text(encoding="utf-8")
    before = {v.first for v in unsourced(text)}
    noted = [v for v in scan(text)[0] if needs_note(v) and is_sourced(v.notes)]
    assert len(noted) > 50  # the check below is not vacuous
    for v in noted:
        after = {u.first for u in unsourced(_without_note(text, v.first))}
        assert after == before | {v.first}, describe(v, text)


# -- the rule on small texts ---------------------------------------------------------------

SAMPLE = '''\
# A header comment: Sources <table>: <row> is the convention. Not a citation.
[model]
name = "Model #1"
slot_hours = 3.5             # assumption: half-day slots
slots_per_day = 2            # derived: 7 hours / 3.5
"quoted key" = 1             # Sources Training design: three parts
dotted.key = 2               # Sources Sites/HNT: about 3,200 staff

[uncertainty]
pace = { dist = "lognormal", mean = 0.5, sd = 0.3 }  # assumption: half an hour a day
weeks = [
  28, 29,                    # assumption: fellesferie
  30, 31,
]

[[site]]
id = "a"
go_live = 2023-02-11         # Sources Sites/HNT: planned 11 Feb 2023
  [[site.postponement]]
  decided = 2023-01-10       # Sources Sites, hnt.no
  go_live = 2023-11-04       # (Sources "Role mix")

[[site]]
id = "b"
go_live = 2023-02-11         # assumption: as a
'''


def test_sample_is_fully_sourced_and_read_as_toml_reads_it():
    values, comments = scan(SAMPLE)
    parsed = tomllib.loads(SAMPLE)
    assert [v.path for v in values if needs_note(v)] == [
        ("model", "slot_hours"), ("model", "slots_per_day"), ("model", "quoted key"),
        ("model", "dotted", "key"), ("uncertainty", "pace"), ("uncertainty", "weeks"),
        ("site", 0, "go_live"), ("site", 0, "postponement", 0, "decided"),
        ("site", 0, "postponement", 0, "go_live"), ("site", 1, "go_live")]
    assert parsed["site"][0]["postponement"][0]["go_live"].isoformat() == "2023-11-04"
    weeks = next(v for v in values if v.key == "weeks")
    assert (weeks.first, weeks.last) == (11, 14)  # one value over four lines
    assert unsourced(SAMPLE) == []
    assert len(comments) == 11


@pytest.mark.parametrize("line", [4, 5, 6, 7, 10, 12, 18, 20, 21, 25])
def test_removing_one_note_from_the_sample_fails_that_line(line: int):
    assert [v.first for v in unsourced(_without_note(SAMPLE, line))] == [11 if line == 12 else line]


@pytest.mark.parametrize("note", [
    "",                                   # no comment at all
    "# as above",                         # a reference, not a source
    "# assumption",                       # the tag without its why
    "# assumption:",                      # nor an empty why
    "# derived from Sources",             # not "derived:", and Sources names no table
    "# (Sources: not found)",             # the file as a whole names no table
    "# README.md: the default",           # not one of the three kinds of source
    "# see docs/sources.md",              # the file's name is not a citation
    "# see sources sites",                # case matters for Sources
])
def test_notes_that_do_not_source_a_value(note: str):
    assert [v.key for v in unsourced(f"[model]\nslot_hours = 3.5 {note}\n")] == ["slot_hours"]


@pytest.mark.parametrize("text", [
    'name = "assumption: inside a string"\nrooms = 7\n',       # tags inside a string are not notes
    'rooms = "# assumption: inside a string"\n',
    'rooms = 7\n# assumption: a comment on the next line is not this line\n',
])
def test_text_that_only_looks_like_a_note(text: str):
    assert [v.key for v in unsourced("[venue]\n" + text)] == ["rooms"]


def test_exempt_keys_need_no_note():
    text = ('[[site]]\nid = "a"\nname = "A"\nkind = "hospital"\n'
            '[[staff_csv]]\nfile = "x.csv"\n  [staff_csv.curricula]\n  "Lege" = "physician"\n'
            '[[venue]]\nsites = ["a"]\n')
    assert [v.path for v in unsourced(text)] == [("venue", 0, "sites")]


# -- citations -----------------------------------------------------------------------------

@pytest.mark.parametrize(("comment", "expected"), [
    (" Sources Sites/Trondheim kommune: first live", [Citation("Sites", "Trondheim kommune")]),
    (" Sources Absence: sick leave", [Citation("Absence")]),
    (" derived: 13.1% of 7,700 (Sources Role mix, Helse Midt-Norge 2007)", [Citation("Role mix")]),
    (' split by the role mix of Sources "Role mix" (derived)', [Citation("Role mix")]),
    (" assumption: (Sources: not found)", [Citation(None)]),
    (" assumption: 1 per 10 (Sources)", [Citation(None)]),
    (" see docs/sources.md", []),
    (" the sources of this section", []),
    (" Sources Sites/St. Olavs: moved; Sources Training design: L", [Citation("Sites", "St. Olavs"),
                                                                 Citation("Training design")]),
])
def test_citation_forms(comment: str, expected: list[Citation]):
    assert citations(comment) == expected


@pytest.mark.parametrize("comment", [
    " Sources sites: lower case",          # a table name is capitalised
    " Sources Sites/: no row",             # an empty row
    " Sources-Sites: no space",
    " Sources Sites and a long sentence without a colon to end it",
])
def test_malformed_citations(comment: str):
    with pytest.raises(ValueError):
        citations(comment)


def test_citations_in_the_shipped_model_are_well_formed():
    text = SHIPPED_MODEL.read_text(encoding="utf-8")
    first = header_end(text)
    cited = [c for comment in scan(text)[1] if comment.line > first for c in citations(comment.text)]
    assert sum(c.table is not None for c in cited) >= 20


def source_tables(path: Path = SOURCES) -> dict[str, list[str]]:
    """docs/sources.md's tables (its '## ' headings, without a parenthesis) and each table's
    first-column cells."""
    tables: dict[str, list[str]] = {}
    current: list[str] | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.startswith("## "):
            current = tables.setdefault(re.sub(r"\s*\(.*\)\s*$", "", raw[3:]).strip(), [])
        elif current is not None and raw.startswith("|") and not set(raw) <= set("|- "):
            current.append(raw.split("|")[1].strip())
    return tables


def _word_prefix(short: str, long: str) -> bool:
    """Whether ``short`` is ``long`` or its beginning up to a word boundary."""
    return long == short or (long.startswith(short) and not long[len(short)].isalnum())


def unresolved(text: str, tables: dict[str, list[str]], after: int = 0) -> list[str]:
    """Citations in the comments of ``text`` (after line ``after``) that name no table, or
    no row of their table, of docs/sources.md."""
    wrong = []
    for comment in scan(text)[1]:
        if comment.line <= after:
            continue
        for c in citations(comment.text):
            if c.table is None:
                continue
            names = [t for t in tables if _word_prefix(c.table, t)]
            if not names:
                wrong.append(f"line {comment.line}: no table {c.table!r} in docs/sources.md ({', '.join(tables)})")
            elif c.row and not any(_word_prefix(c.row, cell) for t in names for cell in tables[t]):
                wrong.append(f"line {comment.line}: no row {c.row!r} in docs/sources.md table {names[0]!r}")
    return wrong


def test_sources_md_has_the_cited_tables():
    # The reader finds the tables and rows that the model files cite, so the checks below
    # are not vacuous.
    tables = source_tables()
    assert {"Sites", "Role mix", "Absence and calendar", "Training design", "What happened",
            "Nordic Epic comparators"} <= set(tables)
    for row in ("HNT", "St. Olavs", "Trondheim kommune", "Trondheim kommune + St. Olavs", "Levanger + Verdal"):
        assert any(_word_prefix(row, cell) for cell in tables["Sites"]), row


def test_citations_name_tables_and_rows_of_sources_md():
    text = SHIPPED_MODEL.read_text(encoding="utf-8")
    wrong = unresolved(text, source_tables(), after=header_end(text))
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("path", sorted([*ROOT.glob("experiments/*.toml"), *ROOT.glob("docs/face-validity/*/*.toml")]),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_citations_in_experiments_and_face_validity_models_resolve(path: Path):
    assert not unresolved(path.read_text(encoding="utf-8"), source_tables())


@pytest.mark.parametrize(("comment", "ok"), [
    (" Sources Sites/HNT: 3,200 staff", True),
    (" Sources Absence: sick leave", True),            # the first words of "Absence and calendar"
    (" Sources Sites/Levanger + Verdal: one venue", True),
    (" Sources Sites/Namsos: not a row", False),
    (" Sources Site/HNT: not a table", False),          # a table's first words, up to a word's end
    (" Sources Sites/HN: not a row", False),
])
def test_unresolved_citations_are_found(comment: str, ok: bool):
    assert (unresolved(f"rooms = 7 #{comment}\n", source_tables()) == []) is ok
