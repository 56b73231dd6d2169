"""Console wording: dates as people write them, one verdict sentence per site."""
from __future__ import annotations

from sim.tables import long_date, percent, short_date, table, verdict

SITE = {
    "name": "Helse Nord-Trøndelag HF", "go_live": "2023-02-11", "staff": 3200,
    "risk_not_ready": 0.23, "risk_ci95": [0.2, 0.26], "expected_untrained": 12.34,
    "completion_date": {"p50": "2023-02-02", "p80": "2023-02-09", "p90": "2023-02-19"},
    "risk_by_threshold": {"0.95": {"risk": 0.01}},
}


def test_dates_and_percentages():
    assert long_date("2023-02-11") == "11 Feb 2023"
    assert short_date("2023-02-02", "2023-02-11") == "2 Feb"
    assert short_date("2022-12-30", "2023-02-11") == "30 Dec 2022"
    assert short_date(None) == "beyond the horizon"
    assert percent(0.2312) == "23%" and percent(0.004) == "0.4%" and percent(None) == "-"


def test_verdict_reads_like_the_board_sentence():
    assert verdict(SITE, 1.0) == ("Helse Nord-Trøndelag HF: 23% risk (95% CI 20-26%) that not all 3,200 staff are "
                                  "trained by 11 Feb 2023; median completion 2 Feb, P90 19 Feb.")
    assert "fewer than 95% of 3,200 staff" in verdict(SITE, 0.95)


def test_table_has_a_row_per_site_and_marks_missing_dates():
    site = dict(SITE, completion_date={"p50": None, "p80": None, "p90": None})
    text = table({"sites": {"hnt": site}})
    lines = text.splitlines()
    assert len(lines) == 3 and lines[2].startswith("hnt")
    assert "> horizon" in lines[2] and "23% (20%-26%)" in lines[2] and "12.3" in lines[2]
