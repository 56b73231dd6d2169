"""The documentation holds together: README.md stays short, its set-up block stays the
one CI runs, and every relative link in README.md and docs/ leads somewhere.

A link's file must exist, and a ``#anchor`` must be a heading of the file it points at,
spelled as GitHub makes anchors of headings (so the links work on GitHub and on PyPI,
where README.md is the package's long description).
"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCUMENTS = [README, *sorted((ROOT / "docs").rglob("*.md"))]

MAX_README_LINES = 300

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.DOTALL)
_INLINE_LINK = re.compile(r"!?\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$", re.MULTILINE)
_HTML_ANCHOR = re.compile(r"<a\s+(?:[^>]*\s)?(?:id|name)\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)


def prose_lines(text: str) -> list[str]:
    """The lines of a Markdown text outside fenced code blocks (fenced lines blanked)."""
    out, fence = [], None
    for line in text.splitlines():
        opening = _FENCE.match(line)
        if fence is None and opening:
            fence = opening.group(1)
            out.append("")
        elif fence is not None:
            if line.strip().startswith(fence[0] * len(fence)) and not line.strip().strip(fence[0]):
                fence = None
            out.append("")
        else:
            out.append(line)
    return out


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: its text as rendered (code, links and emphasis
    reduced to their text), lower case, punctuation other than hyphens and underscores
    dropped, each space a hyphen."""
    text = re.sub(r"`+", "", heading)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<[^>]+>", "", text)
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every anchor of a Markdown file: its headings' slugs (a repeated one numbered as
    GitHub numbers it: -1, -2, ...) and any HTML ``id``/``name``."""
    text = path.read_text(encoding="utf-8")
    found: set[str] = set()
    counts: dict[str, int] = {}
    for line in prose_lines(text):
        match = _HEADING.match(line)
        if not match:
            continue
        base = slug(match.group(2))
        n = counts.get(base, 0)
        counts[base] = n + 1
        found.add(base if n == 0 else f"{base}-{n}")
    found.update(_HTML_ANCHOR.findall(text))
    return found


def links(path: Path) -> list[str]:
    """The link targets of a Markdown file, outside code blocks and code spans."""
    prose = "\n".join(prose_lines(path.read_text(encoding="utf-8")))
    prose = _CODE_SPAN.sub("code", prose)
    return [m.group(2) for m in _INLINE_LINK.finditer(prose)] + _REFERENCE.findall(prose)


def broken_links(path: Path) -> list[str]:
    """What is wrong with each relative link of one file, as 'target: reason'."""
    wrong = []
    for target in links(path):
        if not target or re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
            continue  # http:, https:, mailto: and the like are not checked here
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / unquote(file_part)).resolve() if file_part else path
        if not linked.exists():
            wrong.append(f"{target}: no file {linked.relative_to(ROOT) if linked.is_relative_to(ROOT) else linked}")
            continue
        if not linked.is_relative_to(ROOT):
            wrong.append(f"{target}: leads outside the repository")
            continue
        if anchor:
            if linked.suffix != ".md" or linked.is_dir():
                wrong.append(f"{target}: an anchor into a file that is not Markdown")
            elif unquote(anchor) not in anchors(linked):
                wrong.append(f"{target}: no heading with the anchor #{anchor} in {linked.relative_to(ROOT)}")
    return wrong


def test_readme_is_short():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= MAX_README_LINES, f"README.md has {len(lines)} lines; the reference belongs in docs/"


def test_the_first_sh_block_of_the_readme_is_the_two_commands_ci_runs():
    # .ci/run takes the second line of this block as the test command.
    lines = README.read_text(encoding="utf-8").splitlines()
    start = lines.index("```sh")
    end = lines.index("```", start + 1)
    block = lines[start + 1:end]
    assert len(block) == 2, block
    assert "rollout-sim run" in block[0]
    assert "pytest" in block[1]


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(path):
    assert broken_links(path) == []


def test_the_documents_have_links_to_check():
    # A regular expression that matched nothing would make the test above pass vacuously.
    assert len(links(README)) >= 10
    assert any("#" in target for path in DOCUMENTS for target in links(path))


def test_the_docs_refer_to_no_internal_notes():
    for path in DOCUMENTS:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"DESIGN\.md|FACTS\.md|\.\./shared", text), path


@pytest.mark.parametrize("heading, anchor", [
    ("#### `[readiness]`", "readiness"),
    ("#### `[[site]]` and `[[site.postponement]]`", "site-and-sitepostponement"),
    ("##### `[curriculum.proficiency]`", "curriculumproficiency"),
    ("#### `[[common_delay]]`", "common_delay"),
    ("### 3.5 What is not modelled, and why", "35-what-is-not-modelled-and-why"),
    ("## Required staff, long-term leave, turnover and new-hire grace",
     "required-staff-long-term-leave-turnover-and-new-hire-grace"),
    ("## `--set` on the command line", "--set-on-the-command-line"),
    ("## Helse Nord-Trøndelag", "helse-nord-trøndelag"),
])
def test_anchors_are_spelled_as_github_spells_them(heading, anchor):
    assert slug(_HEADING.match(heading).group(2)) == anchor


def test_a_broken_link_is_found(tmp_path, monkeypatch):
    page = tmp_path / "page.md"
    page.write_text("# A page\n\n## `[site]` and more\n\n```sh\n# not a heading\n```\n\n"
                    "[ok](#site-and-more) [ok too](page.md#a-page) `[not a link](nowhere.md)`\n"
                    "[gone](missing.md) [no anchor](#not-a-heading)\n", encoding="utf-8")
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    assert broken_links(page) == [
        "missing.md: no file missing.md",
        "#not-a-heading: no heading with the anchor #not-a-heading in page.md",
    ]
