"""Console wording: dates as people write them, one verdict sentence per site."""
from __future__ import annotations

from sim.output.console import long_date, percent, short_date, table, table_date, verdict

SITE = {
    "name": "Helse Nord-Trøndelag HF", "go_live": "2023-02-11", "staff": 3200, "active_staff": 3140,
    "criteria": {"share": 0.95, "super_users": 1.0, "unit_share": None, "self_training": False,
                 "text": "at least 95% of active staff and every super-user"},
    "risk_not_ready": 0.23, "risk_ci95": [0.2, 0.26], "expected_untrained": 12.34,
    "completion_date": {"p50": "2023-02-02", "p80": "2023-02-09", "p90": "2023-02-19"},
    "risk_by_threshold": {"0.95": {"risk": 0.01}}, "risk_self_training": {"risk": 0.41, "ci95": [0.3, 0.5]},
}


def with_criteria(**criteria) -> dict:
    return dict(SITE, criteria=dict(SITE["criteria"], **criteria))


def test_dates_and_percentages():
    assert long_date("2023-02-11") == "11 Feb 2023"
    assert short_date("2023-02-02", "2023-02-11") == "2 Feb"
    assert short_date("2022-12-30", "2023-02-11") == "30 Dec 2022"
    assert short_date(None) == "beyond the horizon"
    assert percent(0.2312) == "23%" and percent(0.004) == "0.4%" and percent(None) == "-"


def test_verdict_reads_like_the_board_sentence():
    assert verdict(SITE) == ("Helse Nord-Trøndelag HF: 23% risk (95% CI 20-26%) of not having at least 95% of "
                             "3,140 active staff and every super-user trained by 10 Feb 2023, the eve of go-live; "
                             "95% trained by 2 Feb (median), 19 Feb (P90).")
    assert verdict(with_criteria(share=1.0)) == (
        "Helse Nord-Trøndelag HF: 23% risk (95% CI 20-26%) of not having all 3,140 active staff and every super-user "
        "trained by 10 Feb 2023, the eve of go-live; 100% trained by 2 Feb (median), 19 Feb (P90).")


def test_verdict_names_the_criteria():
    # The share and the number of active staff (not the headcount), the super-users,
    # units and self-training as the site's criteria have them, and the eve of go-live.
    text = verdict(SITE)
    assert "at least 95% of 3,140 active staff" in text and "3,200" not in text
    assert "every super-user" in text and "unit" not in text and "self-training" not in text
    assert "by 10 Feb 2023, the eve of go-live" in text and "11 Feb" not in text
    # A share that is not a whole percentage is written alike in both places (not rounded to 99% or 100%).
    assert verdict(with_criteria(share=0.985)).endswith(
        "at least 98.5% of 3,140 active staff and every super-user trained by 10 Feb 2023, the eve of go-live; "
        "98.5% trained by 2 Feb (median), 19 Feb (P90).")
    assert "; 99.9% trained by 2 Feb (median)" in verdict(with_criteria(share=0.999))
    assert "at least 95% of 3,140 active staff and 90% of super-users trained" in verdict(with_criteria(super_users=0.9))
    assert "at least 95% of 3,140 active staff trained by" in verdict(with_criteria(super_users=0.0))
    assert ("at least 95% of 3,140 active staff, every super-user and every unit at 80% trained by"
            in verdict(with_criteria(unit_share=0.8)))
    assert "every super-user (self-training included) trained by" in verdict(with_criteria(self_training=True))
    # A go-live on the 1st: the eve is in the month (and year) before.
    assert "by 31 Dec 2023, the eve of go-live" in verdict(dict(SITE, go_live="2024-01-01"))


def test_table_has_a_row_per_site_and_marks_missing_dates():
    site = dict(SITE, completion_date={"p50": None, "p80": None, "p90": None})
    text = table({"sites": {"hnt": site}})
    lines = text.splitlines()  # the risks, a blank line, the dates: both tables' rows start with the site
    assert len(lines) == 7 and lines[2].startswith("hnt") and lines[6].startswith("hnt")
    assert lines[6].count("> horizon") == 3
    assert "23% (20-26%)" in lines[2] and "12.3" in lines[2]
    assert "11 Feb 23" in lines[2]  # the go-live, short
    # Active staff (not the headcount) and the risk that self-training is short.
    head, cells = lines[0].split(), lines[2].split()
    assert "active" in head and "self-trn" in head and "staff" not in head
    assert "3,140" in cells and "41%" in cells and "3,200" not in lines[2]


def test_a_table_too_wide_for_80_columns_puts_the_dates_in_a_second_table():
    sites = {"trondheim": SITE, "st-olavs": dict(SITE, go_live="2022-11-12")}
    lines = table({"sites": sites}).splitlines()
    assert all(len(line) <= 80 for line in lines)
    first, second = "\n".join(lines).split("\n\n")
    assert first.splitlines()[0].split()[:2] == second.splitlines()[0].split()[:2] == ["site", "go-live"]
    assert second.splitlines()[0].split()[2:] == ["P50", "P80", "P90"] and "P50" not in first
    # The dates as "2 Feb 23", each row its site's.
    assert second.splitlines()[2].split() == ["trondheim", "11", "Feb", "23", "2", "Feb", "23", "9", "Feb", "23",
                                              "19", "Feb", "23"]
    assert second.splitlines()[3].startswith("st-olavs   12 Nov 22")


def test_table_dates_are_short():
    assert table_date("2024-10-09") == "9 Oct 24" and table_date(None) == "> horizon"
