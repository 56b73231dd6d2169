"""compare --out: a folder with compare.json, a figure per measure and compare.html whose
numbers are the comparison's; written whole, replaced only with --force."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.output.compare_report import write_compare_report
from sim.output.console import percent
from sim.studies.compare import compare
from tests.cli.conftest import invoke
from tests.conftest import STUDY_EXPERIMENT
from tests.output.html_check import check_page, table


def _run(tmp: Path, name: str, *args: object) -> Path:
    out = tmp / name
    r = invoke("run", STUDY_EXPERIMENT, "--no-plots", "-q", "--executor", "serial", "--out", out, "-n", 12, *args)
    assert r.exit_code == 0, r.output
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("compare-page")
    return _run(tmp, "a"), _run(tmp, "b", "--set", "venue.a-venue.seats=8")


def _signed(x: float, digits: int) -> str:
    text = f"{x:+.{digits}f}"
    return text[1:] if float(text) == 0 else text


def test_compare_out_writes_the_page_figures_and_json(runs, tmp_path):
    a, b = runs
    out = tmp_path / "cmp"
    r = invoke("compare", a, b, "--out", out)
    assert r.exit_code == 0, r.output
    assert f"page: {out / 'compare.html'}" in r.output
    assert sorted(p.name for p in out.iterdir()) == ["compare.html", "compare.json", "figures"]
    assert {p.name for p in (out / "figures").iterdir()} == {"compare-risk.png", "compare-completion.png",
                                                             "compare-untrained.png"}
    record = json.loads((out / "compare.json").read_text(encoding="utf-8"))
    expected = compare(a, b)
    assert {k: v for k, v in record.items() if k != "site_names"} == json.loads(json.dumps(expected))
    assert record["site_names"] == {"a": "Site A", "b": "Site B"}

    html, parsed = check_page(out / "compare.html")
    assert {"how-to-read", "compared", "changes", "figures", "files"} <= set(parsed.sections)
    assert "paired replication by replication" in html and len(parsed.images) == 3
    compared = table(parsed, "compared")
    assert [row[2] for row in compared[1:]] == [expected["a"]["scenario"], expected["b"]["scenario"]]
    changes = table(parsed, "changes")
    assert [row[0] for row in changes[1:]] == ["Site A", "Site B"]
    for row, s in zip(changes[1:], expected["sites"].values()):
        assert row[1] == percent(s["risk_a"]) and row[2] == percent(s["risk_b"])
        low, high = s["risk_difference_ci95"]
        assert row[3] == (f"{_signed(100 * s['risk_difference'], 1)} 95% CI {_signed(100 * low, 1)} to "
                          f"{_signed(100 * high, 1)}")
        p80 = s["p80_completion_difference"]
        if p80["days"] is not None:
            assert row[6].split()[0] == _signed(p80["days"], 0)
    assert "compare.json" in parsed.hrefs


def test_an_existing_folder_is_replaced_only_with_force(runs, tmp_path):
    a, b = runs
    out = tmp_path / "cmp"
    assert invoke("compare", a, b, "--out", out).exit_code == 0
    r = invoke("compare", a, b, "--out", out)
    assert r.exit_code == 1 and "add --force" in r.output
    assert invoke("compare", b, a, "--out", out, "--force").exit_code == 0
    record = json.loads((out / "compare.json").read_text(encoding="utf-8"))
    assert record["a"]["folder"] == str(b)
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    r = invoke("compare", a, b, "--out", out, "--force")
    assert r.exit_code == 1 and "notes.txt" in r.output and (out / "notes.txt").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".rollout-sim-")]  # no staging left
    r = invoke("compare", a, b, "--force")
    assert r.exit_code == 1 and "--force: only used with --out" in r.output


def test_report_rewrites_a_comparison_s_page(runs, tmp_path):
    a, b = runs
    out = tmp_path / "cmp"
    assert invoke("compare", a, b, "--out", out).exit_code == 0
    (out / "compare.html").unlink()
    r = invoke("report", out)
    assert r.exit_code == 0 and "report (compare)" in r.output
    check_page(out / "compare.html")


def test_names_from_the_runs_are_escaped(runs, tmp_path):
    a, b = runs
    out = tmp_path / "cmp"
    assert invoke("compare", a, b, "--out", out).exit_code == 0
    record = json.loads((out / "compare.json").read_text(encoding="utf-8"))
    record["site_names"]["a"] = "<script>x</script>"
    record["b"]["scenario"] = "<b>B</b>"
    (out / "compare.json").write_text(json.dumps(record), encoding="utf-8")
    write_compare_report(out)
    html, _ = check_page(out / "compare.html")
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "&lt;b&gt;B&lt;/b&gt;" in html


def test_unpaired_comparisons_say_so(runs, tmp_path):
    a, b = runs
    out = tmp_path / "cmp"
    assert invoke("compare", a, b, "--unpaired", "--out", out).exit_code == 0
    html, _ = check_page(out / "compare.html")
    assert "compared as independent" in html and "paired replication by replication" not in html
