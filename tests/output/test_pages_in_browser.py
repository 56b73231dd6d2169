"""Every kind of report page in a real browser (Debian's headless Chromium): none may be
wider than a 1280-pixel window or a 420-pixel phone, tables aside (they scroll in their
own box), and at 1280 pixels no table may need to scroll.

Chromium runs the page inside an iframe of a small page of this test, whose script
measures it and writes the numbers into the DOM that ``--dump-dom`` prints: the reports
themselves carry no script. Skipped where Chromium is not installed. With
ROLLOUT_SIM_SCREENSHOTS=<folder> the screenshots of every page at both widths are kept
there (as CI artefacts)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.cli.conftest import SERIAL, invoke
from tests.conftest import SMALL_EXPERIMENT, STUDY_EXPERIMENT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (Debian's package chromium)")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]

MEASURE = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="f" src="{page}" style="width:{width}px;height:1200px;border:0"></iframe>
<script>
document.getElementById("f").onload = function () {{
  var doc = this.contentDocument, root = doc.documentElement, wide = [], scrolling = 0;
  doc.querySelectorAll("body *").forEach(function (e) {{
    if (e.getBoundingClientRect().right > root.clientWidth + 1 && !e.closest(".table-wrap"))
      wide.push(e.tagName.toLowerCase() + (e.className ? "." + e.className : ""));
  }});
  doc.querySelectorAll(".table-wrap").forEach(function (e) {{ if (e.scrollWidth > e.clientWidth + 1) scrolling++; }});
  var out = document.createElement("pre");
  out.textContent = "MEASURED " + root.scrollWidth + " " + root.clientWidth + " " + scrolling + " " + wide.slice(0, 5).join(",");
  document.body.appendChild(out);
}};
</script></body></html>
"""


def _chromium(*args: str) -> str:
    profile = tempfile.mkdtemp(prefix="chromium-")
    try:
        done = subprocess.run([str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                              text=True, timeout=120, check=False)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return done.stdout


def measure(page: Path, width: int) -> tuple[int, int, int, str]:
    """(page's scroll width, its client width, tables that scroll, elements beyond the edge)."""
    wrapper = page.parent / f".measure-{width}.html"
    wrapper.write_text(MEASURE.format(page=page.name, width=width), encoding="utf-8")
    try:
        dom = _chromium("--allow-file-access-from-files", "--virtual-time-budget=10000", "--dump-dom",
                        wrapper.as_uri())
    finally:
        wrapper.unlink()
    found = re.search(r"MEASURED (\d+) (\d+) (\d+) ?([^<]*)", dom)
    assert found, f"no measurement of {page}: {dom[-500:]}"
    return int(found[1]), int(found[2]), int(found[3]), found[4].strip()


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    """A page of every kind: a run, a sweep, a tornado, a capacity search and a comparison."""
    tmp = tmp_path_factory.mktemp("pages")
    for name, args in (("run", ["run", SMALL_EXPERIMENT, "-n", 6]),
                       ("sweep", ["sweep", STUDY_EXPERIMENT, "-n", 4]),
                       ("sensitivity", ["sensitivity", STUDY_EXPERIMENT, "-n", 4]),
                       ("capacity", ["capacity", STUDY_EXPERIMENT, "-n", 4, "--seed", 2])):
        r = invoke(*args, "--out", tmp / name, *SERIAL)
        assert r.exit_code == 0, r.output
    b = tmp / "run-b"
    assert invoke("run", SMALL_EXPERIMENT, "-n", 6, "--out", b, "--no-plots", "--set",
                  "uncertainty.no_show_probability=0.3", *SERIAL).exit_code == 0
    assert invoke("compare", tmp / "run", b, "--out", tmp / "compare").exit_code == 0
    found = {name: tmp / name / "report.html" for name in ("run", "sweep", "sensitivity", "capacity")}
    found["compare"] = tmp / "compare" / "compare.html"
    return found


@pytest.mark.parametrize("kind", ["run", "sweep", "sensitivity", "capacity", "compare"])
@pytest.mark.parametrize("width", [1280, 420])
def test_no_page_is_wider_than_the_window(pages, kind, width):
    page = pages[kind]
    scroll_width, client_width, scrolling, wide = measure(page, width)
    assert scroll_width <= client_width, f"{kind} at {width} px: {scroll_width} px wide ({wide})"
    assert not wide, f"{kind} at {width} px: beyond the edge: {wide}"
    if width == 1280:
        assert scrolling == 0, f"{kind} at 1280 px: {scrolling} table(s) cut off, to be scrolled"
    keep = os.environ.get("ROLLOUT_SIM_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shot = Path(keep).resolve() / f"{kind}-{width}.png"
        _chromium(f"--window-size={width},2000", f"--screenshot={shot}", page.as_uri())
        assert shot.is_file() and shot.stat().st_size > 1000
