"""Text that fits a terminal: a wide table split into tables of whole column groups that
repeat the key columns; paragraphs wrapped with a hanging indent."""
from __future__ import annotations

import pytest

from sim.output.text_width import WIDTH, fit_table, paragraph

HEAD = ["site", "a", "b", "c"]
ROWS = [["trondheim", "1" * 30, "2" * 30, "3" * 30], ["hnt", "4", "5", "6"]]


def test_a_table_that_fits_is_one_table_keys_left_the_rest_right():
    lines = fit_table(["site", "risk"], [["trondheim", "5%"], ["hnt", "15%"]])
    assert lines == ["site       risk", "---------  ----", "trondheim    5%", "hnt         15%"]


def test_a_wide_table_is_split_and_every_part_repeats_the_keys_and_fits():
    lines = fit_table(HEAD, ROWS)
    assert all(len(line) <= WIDTH for line in lines)
    parts = "\n".join(lines).split("\n\n")
    assert len(parts) == 2  # site + a + b is 75 columns; c goes to a second table
    for part in parts:
        head, _, first, second = part.splitlines()
        assert head.startswith("site") and first.startswith("trondheim") and second.startswith("hnt")
    assert parts[0].splitlines()[0].split() == ["site", "a", "b"] and parts[1].splitlines()[0].split() == ["site", "c"]
    # Every cell is still there, in its row.
    assert "3" * 30 in parts[1].splitlines()[2] and parts[1].splitlines()[3].endswith("6")


def test_groups_stay_together():
    lines = fit_table(HEAD, ROWS, groups=(1, 2))
    parts = "\n".join(lines).split("\n\n")
    assert [p.splitlines()[0].split() for p in parts] == [["site", "a"], ["site", "b", "c"]]


def test_a_narrower_width_splits_more():
    assert len("\n".join(fit_table(HEAD, ROWS, width=45)).split("\n\n")) == 3


def test_rows_and_groups_must_match_the_head():
    with pytest.raises(ValueError, match="a cell per column"):
        fit_table(["a", "b"], [["1"]])
    with pytest.raises(ValueError, match="groups"):
        fit_table(HEAD, ROWS, groups=(1, 1))


def test_a_paragraph_has_a_hanging_indent_and_keeps_words_and_hyphens_whole():
    text = "Helse Nord-Trøndelag HF: " + " ".join(["st-olavs risk"] * 20)
    lines = paragraph(text).splitlines()
    assert len(lines) > 2 and all(len(line) <= WIDTH for line in lines)
    assert lines[0].startswith("Helse Nord-Trøndelag HF:") and all(line.startswith("  ") for line in lines[1:])
    assert " ".join(line.strip() for line in lines) == text  # nothing lost, nothing broken at a hyphen
    assert paragraph("a b", first="  ", indent="    ") == "  a b"
