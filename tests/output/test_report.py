"""report.html (issue 4): one self-contained file whose numbers are summary.json's and
whose texts from users' files are escaped."""
from __future__ import annotations

import base64
import json
import re
import shutil
import struct
import tomllib
import zlib
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from sim.output.console import percent, verdict
from sim.output.report import assumptions, write_report
from tests.cli.conftest import invoke
from tests.conftest import SMALL_EXPERIMENT
from tests.output.html_check import check_page

EVIL_NAME = "<script>alert(1)</script> Ø"
EVIL_ASSUMPTION = "<img src=x onerror=alert(2)> rooms booked a term ahead"

FAKE_MODEL = f"""# A model as a user wrote it. The word "assumption:" in this comment-only line is not a value.
[model]
name = "Small"
slot_hours = 3.5            # assumption: a teaching day of 7 hours in two half-day slots

[[site]]
id = "a"
name = "Site # A"           # Sources: the real name; assumption: # signs in names are fine
go_live = 2023-02-11
  [[site.postponement]]
  decided = 2023-01-02
  go_live = 2023-03-04      # assumption: a month later

[[venue]]
id = "a-venue"
rooms = 1                   # assumption: {EVIL_ASSUMPTION}
seats = 12                  # assumption without a colon is not listed
"""


def tiny_png() -> bytes:
    """A valid 1x1 grey PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x80"))
            + chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    """A results folder of the small experiment, with a figure and an original model
    file with assumptions, and its report."""
    out = tmp_path_factory.mktemp("report") / "run"
    r = invoke("run", SMALL_EXPERIMENT, "-n", 5, "--seed", 1, "-q", "--executor", "serial", "--no-plots", "--out", out)
    assert r.exit_code == 0, r.output
    (out / "figures").mkdir()
    (out / "figures" / "risk.png").write_bytes(tiny_png())
    (out / "figures" / "completion-a.png").write_bytes(tiny_png())
    original = out / "config" / "original"
    original.mkdir(parents=True, exist_ok=True)
    for path in original.glob("*.toml"):  # the run's own copy of the model: replaced by the fake one
        if "model" in tomllib.loads(path.read_text(encoding="utf-8")):
            path.unlink()
    (original / "model.toml").write_text(FAKE_MODEL, encoding="utf-8")
    write_report(out)
    return out


class _Page(HTMLParser):
    """The texts a reader sees: verdict items, and the summary and comparison tables as
    {site id: {cell class: text}}."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.verdicts: list[str] = []
        self.tables: list[tuple[str, dict[str, dict[str, str]]]] = []
        self.images: list[str] = []
        self._ul: list[str] = []
        self._site: str | None = None
        self._cell: str | None = None
        self._text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "ul":
            self._ul.append(a.get("class") or "")
        elif tag == "li" and self._ul and self._ul[-1] == "verdicts":
            self._text = []
        elif tag == "table":
            self.tables.append((a.get("class") or "", {}))
        elif tag == "tr" and a.get("data-site") is not None:
            self._site = a["data-site"]
            self.tables[-1][1][self._site] = {}
        elif tag == "td" and self._site is not None:
            self._cell = (a.get("class") or "").split()[0]
            self._text = []
        elif tag == "img":
            self.images.append(a.get("src") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "ul" and self._ul:
            self._ul.pop()
        elif tag == "li" and self._text is not None and self._cell is None:
            self.verdicts.append("".join(self._text).strip())
            self._text = None
        elif tag == "td" and self._cell is not None:
            self.tables[-1][1][self._site][self._cell] = " ".join("".join(self._text or []).split())
            self._cell, self._text = None, None
        elif tag == "tr":
            self._site = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


def page(folder: Path) -> tuple[str, _Page, dict[str, Any]]:
    html = (folder / "report.html").read_text(encoding="utf-8")
    parsed = _Page()
    parsed.feed(html)
    return html, parsed, json.loads((folder / "summary.json").read_text(encoding="utf-8"))


def numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"[-+]?\d+(?:\.\d+)?", text)]


def test_the_report_is_one_self_contained_file(results):
    html, parsed, _ = page(results)
    assert (results / "report.html").stat().st_size > 5000
    for link in ("http://", "https://", 'src="figures', "<script", "<link", "url("):
        assert link not in html
    assert len(parsed.images) == 2
    for src in parsed.images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]) == tiny_png()
    assert "risk.png" in html and "When training is complete: Site A <span" in html  # a caption from the file name


def test_what_was_run(results):
    html, _, _ = page(results)
    manifest = json.loads((results / "manifest.json").read_text(encoding="utf-8"))
    assert "Training readiness: small" in html
    for text in ("base", "two-rooms", "venue.a-venue.rooms = 2", manifest["config_hash"][:12],
                 manifest["versions"]["rollout-sim"], "serial, 1 worker", "<dt>Seed</dt><dd>1</dd>"):
        assert text in html


def test_every_risk_and_median_is_summary_json_s(results):
    _, parsed, summary = page(results)
    tables = [rows for kind, rows in parsed.tables if kind == "summary"]
    assert len(tables) == len(summary["scenarios"])
    for scenario, rows in zip(summary["scenarios"].values(), tables):
        assert list(rows) == list(scenario["sites"])
        for site_id, site in scenario["sites"].items():
            cells = rows[site_id]
            low, high = site["risk_ci95"]
            assert cells["site"] == site["name"]
            assert numbers(cells["risk"]) == [float(percent(x)[:-1]) for x in (site["risk_not_ready"], low, high)]
            assert numbers(cells["risk-self"]) == [float(percent(site["risk_self_training"]["risk"])[:-1])]
            assert numbers(cells["staff"].replace(",", "")) == [site["active_staff"]]
            for q in ("p50", "p80", "p90"):
                assert cells[q].split()[0] == (site["completion_date"][q] or "not")
            assert verdict(site) in parsed.verdicts


def test_the_report_leads_with_the_readiness_figure(results, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(results, copy)
    (copy / "figures" / "readiness.png").write_bytes(tiny_png())
    write_report(copy)
    html, parsed, summary = page(copy)
    assert len(parsed.images) == 3
    # Its own section, before what was run, saying what "ready" means; not again below.
    lead = html.index('<section id="readiness">')
    assert lead < html.index('<section id="what-was-run">')
    section = html[lead:html.index("</section>", lead)]
    assert "readiness.png" in section and "data:image/png;base64," in section
    criteria = next(iter(summary["scenarios"].values()))["readiness"]["text"]
    assert f"on the eve of its go-live, {criteria} are trained" in section
    assert html.count("readiness.png") == 1


def test_later_scenarios_are_compared_with_the_first(results):
    _, parsed, summary = page(results)
    comparisons = [rows for kind, rows in parsed.tables if kind == "comparison"]
    later = list(summary["scenarios"].values())[1:]
    assert len(comparisons) == len(later) == 1
    for scenario, rows in zip(later, comparisons):
        for site_id, site in scenario["sites"].items():
            d, cells = site["vs_reference"], rows[site_id]
            assert numbers(cells["risk-difference"]) == [round(100 * x, 1) for x in
                                                         (d["risk_difference"], *d["risk_difference_ci95"])]
            for q in ("p50", "p80"):
                diff, text = d[f"{q}_completion_difference"], cells[f"{q}-difference"]
                if diff["days"] is None:
                    assert text == "not within the horizon"
                elif None in diff["ci95"]:
                    assert numbers(text)[0] == diff["days"] and "CI open" in text
                else:
                    assert numbers(text) == [diff["days"], *diff["ci95"]]


def test_the_assumptions_come_from_the_original_model_file(results):
    html, _, _ = page(results)
    assert "config/original/model.toml" in html
    assert "a teaching day of 7 hours in two half-day slots" in html
    assert "<code>site.a.postponement.0.go_live</code>" in html and "a month later" in html
    assert "# signs in names are fine" in html and "the comment also says: Sources: the real name" in html
    assert "without a colon" not in html and "comment-only" not in html


def test_assumptions_are_the_valued_lines_of_the_model_file():
    found = assumptions(FAKE_MODEL + 'christmas = [\n  "12-22",   # assumption: closed\n  "01-02",\n]\n'
                        'note = """a # not a comment\nassumption: not a comment either"""\n')
    assert [(a.key, a.value, a.text) for a in found] == [
        ("model.slot_hours", "3.5", "a teaching day of 7 hours in two half-day slots"),
        ("site.a.name", '"Site # A"', "# signs in names are fine"),
        ("site.a.postponement.0.go_live", "2023-03-04", "a month later"),
        ("venue.a-venue.rooms", "1", EVIL_ASSUMPTION),
        ("venue.a-venue.christmas", '"12-22",', "closed"),
    ]
    assert [a.line for a in found][:2] == [4, 8]


def test_without_the_original_files_the_assumptions_are_not_recorded(results, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(results, copy)
    shutil.rmtree(copy / "config" / "original")
    shutil.rmtree(copy / "figures")
    write_report(copy)
    html, parsed, _ = page(copy)
    assert "Not recorded" in html and "<table class=\"assumptions\"" not in html
    assert "No figures in this results folder" in html and not parsed.images


def test_texts_from_users_files_are_escaped(results, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(results, copy)
    summary = json.loads((copy / "summary.json").read_text(encoding="utf-8"))
    summary["description"] = "<b>bold</b> & more"
    for scenario in summary["scenarios"].values():
        scenario["sites"]["a"]["name"] = EVIL_NAME
    (copy / "summary.json").write_text(json.dumps(summary, ensure_ascii=False), encoding="utf-8")
    experiment = tomllib.loads((copy / "config" / "experiment.toml").read_text(encoding="utf-8"))
    experiment["scenario"][1]["description"] = "more <b>rooms</b>"
    (copy / "config" / "experiment.toml").write_text(tomli_w.dumps(experiment), encoding="utf-8")
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["scenarios"]["two-rooms"] = [["venue.a-venue.name", "<i>Aula</i>"]]
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    write_report(copy)
    html, parsed, summary = page(copy)
    for raw in ("<script", "<b>", "<i>", "<img src=x"):
        assert raw not in html
    for escaped in ("&lt;script&gt;alert(1)&lt;/script&gt; Ø", "&lt;b&gt;bold&lt;/b&gt; &amp; more",
                    "more &lt;b&gt;rooms&lt;/b&gt;", "&lt;i&gt;Aula&lt;/i&gt;", "&lt;img src=x onerror=alert(2)&gt;"):
        assert escaped in html
    scenario = summary["scenarios"]["base"]
    assert verdict(scenario["sites"]["a"]) in parsed.verdicts  # the text survives


def test_contents_how_to_read_and_files_lead_the_page(results):
    html, parsed = check_page(results / "report.html")
    # The contents, then how to read it, come before what was run
    assert html.index('<nav class="toc"') < html.index('<section id="how-to-read">') < html.index(
        '<section id="what-was-run">')
    contents = [h[1:] for h in parsed.hrefs if h.startswith("#")]
    assert {"how-to-read", "what-was-run", "figures", "assumptions", "files", "scenario-1"} <= set(contents)
    for words in ("95% CI", "P50", "P80", "P90", "S-curves", "median"):
        assert words in html[html.index('<section id="how-to-read">'):html.index('<section id="what-was-run">')]
    files = [h for h in parsed.hrefs if not h.startswith("#")]
    assert {"summary.json", "replications.csv", "manifest.json", "config/experiment.toml"} <= set(files)
    assert "curves.npz" in files  # this run kept its S-curve histograms
    assert "bottlenecks.npz" not in files or (results / "bottlenecks.npz").is_file()


def test_the_assumptions_are_folded(results):
    html, _ = check_page(results / "report.html")
    section = html[html.index('<section id="assumptions">'):]
    assert section.index("<details>") < section.index('<table class="assumptions"') < section.index("</details>")


def test_a_file_the_folder_lacks_is_not_linked(results, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(results, copy)
    (copy / "replications.csv").unlink()
    write_report(copy)
    _, parsed = check_page(copy / "report.html")
    assert "replications.csv" not in parsed.hrefs and "summary.json" in parsed.hrefs
