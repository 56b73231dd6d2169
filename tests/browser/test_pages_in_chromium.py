"""The pages rollout-sim writes, opened as a reader opens them: in a real browser
(headless Chromium, driven by Playwright), at a laptop's 1280 px and a phone's 420 px.

Each page must load with no console error, ask the network for nothing (a report is one
file to mail: anything it fetched would be missing on the board's laptop, or a leak), and
fit the window: nothing wider than the window except inside a box that scrolls on its
own, and no figure shrunk until its text cannot be read. A screenshot of each page at each width is kept in ``test-artifacts/browser/`` (or
``$ROLLOUT_SIM_ARTIFACTS``) for a person to look at.

The test needs Debian's ``chromium`` (``apt-get install chromium``; ``.ci/run`` installs
it). Where it is missing the test is skipped with that advice, except under CI, where a
missing browser is a failure: CI must never pass without having looked.
"""
from __future__ import annotations

import base64
import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import SERIAL, invoke
from tests.conftest import STUDY_EXPERIMENT

LAPTOP, PHONE = 1280, 420
# A figure is drawn 1,200 px wide with 13-15 pt text at 150 dpi (about 27 px high); shown
# at less than half its size that text is under 13 px, too small to read on a phone.
MIN_SCALE = 0.5
WIDTHS = (LAPTOP, PHONE)
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("ROLLOUT_SIM_ARTIFACTS", ROOT / "test-artifacts" / "browser"))
# Chromium started as the probe of this machine starts it: no sandbox (root in CI), and
# none of the background services that would reach for the network on their own.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-default-apps"]

# Every element whose right edge passes the window, leaving out those inside a box
# that scrolls sideways by itself (a wide table's wrapper); every such box whose content
# does not fit it; every image shown at less than MIN_SCALE of its size; the page's width.
OVERFLOW_JS = """
(MIN_SCALE) => {
  const width = document.documentElement.clientWidth;
  const scrolls = el => { for (let p = el.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll') return true; } return false; };
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > width + 1 && !scrolls(el)) {
      wide.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className ? '.' + el.className : ''}`
                + ` ends at ${Math.round(r.right)} px`);
    }
  }
  const boxes = [...document.body.querySelectorAll('*')].filter(el => {
      const o = getComputedStyle(el).overflowX;
      return (o === 'auto' || o === 'scroll' || o === 'hidden') && el.scrollWidth > el.clientWidth + 1; })
    .map(el => `${el.tagName.toLowerCase()}${el.className ? '.' + el.className : ''} holds ${el.scrollWidth} px in ${el.clientWidth} px`);
  const small = [...document.images].filter(im => im.naturalWidth > 0 && im.clientWidth < MIN_SCALE * im.naturalWidth)
    .map(im => `${im.alt || 'an image'} shown ${im.clientWidth} px wide of its ${im.naturalWidth}`);
  return {page: document.documentElement.scrollWidth, width: width, wide: wide.slice(0, 5), boxes: boxes.slice(0, 5),
          small: small.slice(0, 5)};
}
"""


def chromium() -> str | None:
    """Debian's Chromium, or the one named by $ROLLOUT_SIM_CHROMIUM."""
    given = os.environ.get("ROLLOUT_SIM_CHROMIUM")
    return given if given and Path(given).is_file() else shutil.which("chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    path = chromium()
    if path is None:
        message = "no chromium on this machine: apt-get install chromium (Debian), or set ROLLOUT_SIM_CHROMIUM"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        b.close()


def page_problems(browser: Any, page_path: Path, name: str) -> list[str]:
    """Everything wrong with ``page_path`` at each width, as sentences; saves a
    full-page screenshot per width as ``<name>-<width>.png``."""
    problems: list[str] = []
    for width in WIDTHS:
        where = f"{name} at {width} px"
        console, requests, found = _look(browser, page_path, width, ARTIFACTS / f"{name}-{width}.png")
        problems += [f"{where}: console {c}" for c in console]
        problems += [f"{where}: asked the network for {r}" for r in requests]
        if found["page"] > found["width"]:
            problems.append(f"{where}: the page is {found['page']} px wide, wider than the window")
        problems += [f"{where}: {w}, past the window's edge" for w in found["wide"]]
        problems += [f"{where}: {i}: its text too small to read" for i in found["small"]]
        if width >= LAPTOP:  # on a laptop nothing is cut off or needs scrolling sideways; on a phone a wide table may
            problems += [f"{where}: {b}: cut off, or to be scrolled sideways" for b in found["boxes"]]
    return problems


def _look(browser: Any, page_path: Path, width: int, screenshot: Path) -> tuple[list[str], list[str], dict]:
    """Open the page at ``width``: its console errors and warnings, the URLs it asked
    for besides itself, and what OVERFLOW_JS found; save a full-page screenshot."""
    url = page_path.resolve().as_uri()
    console: list[str] = []
    requests: list[str] = []
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: console.append(f"page error: {e}"))
    page.on("request", lambda r: requests.append(r.url) if r.url != url and not r.url.startswith("data:") else None)
    page.goto(url, wait_until="load")
    found = page.evaluate(OVERFLOW_JS, MIN_SCALE)
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(screenshot), full_page=True)
    page.close()
    return console, requests, found


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    """A page of every kind: the shipped baseline's report (as the README's first
    command runs it, with fewer replications), a sweep's, a sensitivity study's and a
    capacity search's report on the small study model, and a comparison's page."""
    tmp = tmp_path_factory.mktemp("pages")
    for name, args in (("baseline", ["run", "baseline", "-n", 20, "--seed", 1]),
                       ("sweep", ["sweep", STUDY_EXPERIMENT, "-n", 4]),
                       ("sensitivity", ["sensitivity", STUDY_EXPERIMENT, "-n", 4]),
                       ("capacity", ["capacity", STUDY_EXPERIMENT, "-n", 4, "--seed", 2])):
        r = invoke(*args, "--out", tmp / name, *SERIAL)
        assert r.exit_code == 0, r.output
    b = tmp / "baseline-b"
    r = invoke("run", "baseline", "-n", 20, "--seed", 1, "--out", b, "--no-plots", "--set",
               "uncertainty.no_show_probability=0.3", *SERIAL)
    assert r.exit_code == 0, r.output
    r = invoke("compare", tmp / "baseline", b, "--out", tmp / "compare")
    assert r.exit_code == 0, r.output
    found = {name: tmp / name / "report.html" for name in ("baseline", "sweep", "sensitivity", "capacity")}
    found["compare"] = tmp / "compare" / "compare.html"
    return found


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["baseline", "sweep", "sensitivity", "capacity", "compare"])
def test_every_kind_of_page_loads_alone_and_fits_a_laptop_and_a_phone(browser, pages, kind: str) -> None:
    assert page_problems(browser, pages[kind], f"{kind}-page") == []


def test_the_check_sees_overflow_console_errors_and_requests(browser, tmp_path: Path) -> None:
    # The checks above would pass on a blank page: show on a bad one that each can fail.
    bad = tmp_path / "bad.html"
    bad.write_text('<!doctype html><html><body><div style="width:1500px">wide</div>'
                   '<img src="https://example.invalid/x.png"><script>console.error("boom")</script></body></html>')
    problems = page_problems(browser, bad, "self-check-bad")
    assert any("wider than the window" in p for p in problems)
    assert any("div ends at" in p and "past the window's edge" in p for p in problems)
    assert any("console error: boom" in p for p in problems)
    assert any("asked the network for https://example.invalid/x.png" in p for p in problems)
    squeezed = tmp_path / "squeezed.html"
    squeezed.write_text(f'<!doctype html><html><body><img alt="a chart" src="{_png_uri(1000)}" style="width:300px">'
                        '</body></html>')
    assert page_problems(browser, squeezed, "self-check-squeezed") == [
        f"self-check-squeezed at {w} px: a chart shown 300 px wide of its 1000: its text too small to read"
        for w in WIDTHS]
    good = tmp_path / "good.html"
    good.write_text('<!doctype html><html><body><div style="overflow-x:auto"><table style="width:1000px">'
                    '<tr><td>a table wider than a phone, in a box that scrolls</td></tr></table></div></body></html>')
    assert page_problems(browser, good, "self-check-good") == []
    cut = tmp_path / "cut.html"
    cut.write_text('<!doctype html><html><body><div style="overflow-x:auto"><table style="width:1500px">'
                   '<tr><td>wider than a laptop</td></tr></table></div></body></html>')
    [only] = page_problems(browser, cut, "self-check-cut")  # at 1280 px; on a phone it may scroll
    assert only.startswith("self-check-cut at 1280 px: div holds 1500 px in ") and only.endswith("scrolled sideways")


def _png_uri(width: int) -> str:
    """A grey PNG ``width`` pixels wide, as a data URI."""
    from PIL import Image  # matplotlib's dependency

    out = io.BytesIO()
    Image.new("L", (width, 20), 128).save(out, format="png")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
