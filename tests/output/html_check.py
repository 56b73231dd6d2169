"""What the tests of the reports read from a page: ids, links, images, headings and
tables as text, parsed with the standard library's HTML parser (no browser), and the
checks every report must pass: self-contained, every in-page link to an id that exists,
every file link to a file of the folder."""
from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote


class Parsed(HTMLParser):
    """A page as the tests see it.

    ``tables`` holds each table as (its class, rows of cell texts, header row included);
    ``sections`` the id of every <section>, in order; ``headings`` the text of h1-h3."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.images: list[str] = []
        self.sections: list[str] = []
        self.headings: list[str] = []
        self.tables: list[tuple[str, list[list[str]]]] = []
        self.details: int = 0
        self._cell: list[str] | None = None
        self._heading: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(str(a["id"]))
        if tag == "a" and a.get("href") is not None:
            self.hrefs.append(str(a["href"]))
        elif tag == "img":
            self.images.append(str(a.get("src") or ""))
        elif tag == "section":
            self.sections.append(str(a.get("id") or ""))
        elif tag == "details":
            self.details += 1
        elif tag in ("h1", "h2", "h3"):
            self._heading = []
        elif tag == "table":
            self.tables.append((str(a.get("class") or ""), []))
        elif tag == "tr" and self.tables:
            self.tables[-1][1].append([])
        elif tag in ("td", "th") and self.tables:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self.tables and self.tables[-1][1]:
            self.tables[-1][1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag in ("h1", "h2", "h3") and self._heading is not None:
            self.headings.append(" ".join("".join(self._heading).split()))
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._heading is not None:
            self._heading.append(data)


def parse(path: Path) -> tuple[str, Parsed]:
    """The page's text and what it holds."""
    html = path.read_text(encoding="utf-8")
    parsed = Parsed()
    parsed.feed(html)
    parsed.close()
    return html, parsed


def check_page(path: Path) -> tuple[str, Parsed]:
    """Parse a report and check what every report must be: self-contained (no external
    request, no script), with every image embedded, every ``#anchor`` naming an id of the
    page, and every other link a relative path to a file beside the page."""
    html, parsed = parse(path)
    for bad in ("http://", "https://", "<script", "<link", "url(", "<iframe"):
        assert bad not in html, bad
    assert all(src.startswith("data:image/png;base64,") for src in parsed.images)
    assert len(parsed.ids) == len(set(parsed.ids)), "an id used twice"
    for href in parsed.hrefs:
        if href.startswith("#"):
            assert href[1:] in parsed.ids, f"no id {href}"
        else:
            assert not href.startswith("/") and ":" not in href, href
            assert (path.parent / unquote(href)).is_file(), f"{href}: no such file beside {path}"
    return html, parsed


def table(parsed: Parsed, css_class: str) -> list[list[str]]:
    """The rows of the one table of this class (header first)."""
    found = [rows for cls, rows in parsed.tables if css_class in cls.split()]
    assert len(found) == 1, f"{len(found)} tables of class {css_class}"
    return found[0]
