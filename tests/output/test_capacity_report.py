"""A capacity search's folder: capacity.json records the search path and the answer, and
report.html says the answer in a sentence, the path as a table and embeds the figure."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sim.output.capacity_report import write_capacity_report
from sim.output.console import percent
from tests.cli.conftest import SERIAL, invoke, rows
from tests.conftest import STUDY_EXPERIMENT
from tests.output.html_check import check_page, table


@pytest.fixture(scope="module")
def search(tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("capacity") / "c"
    r = invoke("capacity", STUDY_EXPERIMENT, "-n", 4, "--seed", 2, "--out", out, *SERIAL)
    assert r.exit_code == 0, r.output
    return out, r.output


def test_capacity_json_records_the_search_and_the_answer(search):
    out, output = search
    record = json.loads((out / "capacity.json").read_text(encoding="utf-8"))
    assert record["vary"] == "staff_group.a-staff.headcount" and record["max_risk"] == 0.2
    csv_rows = rows(out / "search.csv")
    assert sorted(e["value"] for e in record["search"]) == sorted(r["value"] for r in csv_rows)
    assert [e["step"] for e in record["search"]] == list(range(1, len(csv_rows) + 1))
    # the bisection starts at the two ends of the range
    assert [e["value"] for e in record["search"][:2]] == [str(record["low"]), str(record["high"])]
    answer = record["answer"]
    assert answer is not None and answer["risk"] <= 0.2
    assert f"is {answer['value']}: risk {percent(answer['risk'])}" in " ".join(output.split())  # wrapped at 80
    assert record["direction"] in ("up", "down") and "precision" in record


def test_the_capacity_report(search):
    out, _ = search
    record = json.loads((out / "capacity.json").read_text(encoding="utf-8"))
    html, parsed = check_page(out / "report.html")
    answer = record["answer"]
    assert parsed.headings[0].startswith("Capacity: ")
    assert "that keeps" in html and f"at 20% or less is {answer['value']}: risk {percent(answer['risk'])}" in html
    path = table(parsed, "search")
    assert [r[1] for r in path[1:]] == [e["value"] for e in record["search"]]
    for row, e in zip(path[1:], record["search"]):
        assert row[2].startswith(percent(e["risk"]))
        assert row[3] == ("yes" if e["risk"] <= record["max_risk"] else "no")
    assert [r[4] for r in path[1:]].count("the answer") == 1
    assert len(parsed.images) == 1 and (out / "figures" / "capacity.png").is_file()
    assert {"capacity.json", "search.csv"} <= set(parsed.hrefs)
    assert any(h.startswith("values/") and h.endswith("/summary.json") for h in parsed.hrefs)
    assert "<code class=\"key\">staff_group.a-staff.headcount</code>" in html


def test_force_replaces_a_capacity_folder_with_its_report(search, tmp_path):
    out, _ = search
    r = invoke("capacity", STUDY_EXPERIMENT, "-n", 2, "--seed", 2, "--low", 400, "--high", 420, "--out", out,
               "--force", *SERIAL)
    assert r.exit_code in (0, 1), r.output  # a finding or none; never refused as "not ours"
    assert "does not write" not in r.output


def test_a_search_with_no_answer_says_so(tmp_path):
    folder = tmp_path / "c"
    (folder / "figures").mkdir(parents=True)
    record = {"site": "a", "max_risk": 0.05, "vary": "venue.a-venue.rooms", "low": "1", "high": "3", "step": "1",
              "replications": 4, "seed": 1, "direction": "none", "reason": "the range is too narrow",
              "answer": None, "neighbour": None, "precision": None,
              "search": [{"step": 1, "value": "1", "risk": 0.5, "risk_ci95": [0.2, 0.8], "replications": 4},
                         {"step": 2, "value": "3", "risk": 0.5, "risk_ci95": [0.2, 0.8], "replications": 4}]}
    (folder / "capacity.json").write_text(json.dumps(record), encoding="utf-8")
    write_capacity_report(folder)
    html, parsed = check_page(folder / "report.html")
    assert "No value of Classrooms at a-venue (rooms) from 1 to 3 keeps a" in html
    assert "the range is too narrow" in html
    assert len(parsed.images) == 1  # drawn from capacity.json


def test_a_folder_with_only_the_question_does_not_claim_an_answer(search, tmp_path):
    out, _ = search
    copy = tmp_path / "old"
    shutil.copytree(out, copy)
    record = json.loads((copy / "capacity.json").read_text(encoding="utf-8"))
    question = {k: record[k] for k in ("site", "max_risk", "vary", "low", "high", "step", "replications", "seed")}
    (copy / "capacity.json").write_text(json.dumps(question), encoding="utf-8")
    write_capacity_report(copy)
    html, parsed = check_page(copy / "report.html")
    assert "holds only the question" in html and "No value of" not in html
    assert len(table(parsed, "search")) == 1 + len(rows(copy / "search.csv"))
