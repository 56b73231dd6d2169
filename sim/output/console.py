"""What a run found, in words and a console table (dates as people write them)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sim.model.spec import Readiness, share_text


def long_date(iso: str | None) -> str:
    """'2023-02-11' -> '11 Feb 2023'; None -> 'not within the horizon'."""
    if iso is None:
        return "not within the horizon"
    d = dt.date.fromisoformat(iso)
    return f"{d.day} {d:%b %Y}"


def short_date(iso: str | None, year_of: str | None = None) -> str:
    """'2023-02-02' -> '2 Feb' when in the same year as ``year_of``, else '2 Feb 2023';
    None -> 'beyond the horizon'."""
    if iso is None:
        return "beyond the horizon"
    d = dt.date.fromisoformat(iso)
    same = year_of is not None and dt.date.fromisoformat(year_of).year == d.year
    return f"{d.day} {d:%b}" if same else f"{d.day} {d:%b %Y}"


def percent(x: float | None) -> str:
    """0.2312 -> '23%'; below 1% one decimal."""
    if x is None:
        return "-"
    value = 100 * x
    return f"{value:.1f}%" if 0 < value < 1 else f"{value:.0f}%"


def readiness_of(site: dict[str, Any]) -> Readiness:
    """A site's readiness criteria as its summary records them."""
    c = site["criteria"]
    return Readiness(c["share"], c["super_users"], c["unit_share"], c["self_training"])


def verdict(site: dict[str, Any]) -> str:
    """One sentence a board can read, e.g. 'Helse Nord-Trøndelag HF: 23% risk (95% CI
    20-26%) of not having at least 95% of 3,140 active staff and every super-user trained
    by 10 Feb 2023, the eve of go-live; 95% trained by 2 Feb (median), 19 Feb (P90).'"""
    low, high = site["risk_ci95"]
    crit = readiness_of(site)
    eve = (dt.date.fromisoformat(site["go_live"]) - dt.timedelta(days=1)).isoformat()
    c = site["completion_date"]
    median = short_date(c["p50"], site["go_live"])
    p90 = short_date(c["p90"], site["go_live"])
    return (f"{site['name']}: {percent(site['risk_not_ready'])} risk (95% CI {percent(low)[:-1]}-{percent(high)}) "
            f"of not having {crit.describe(site['active_staff'])} trained by {long_date(eve)}, the eve of go-live; "
            f"{share_text(crit.share)} trained by {median} (median), {p90} (P90).")  # as describe() writes it


def table(scenario: dict[str, Any]) -> str:
    """A fixed-width table of one scenario's sites."""
    head = ("site", "go-live", "active", "risk not ready (95% CI)", "self-trn risk", "exp. untrained", "P50", "P80", "P90")
    rows = [head]
    for site_id, s in scenario["sites"].items():
        low, high = s["risk_ci95"]
        c = s["completion_date"]
        rows.append((site_id, s["go_live"], f"{s['active_staff']:,}",
                     f"{percent(s['risk_not_ready'])} ({percent(low)}-{percent(high)})",
                     percent(s["risk_self_training"]["risk"]),
                     f"{s['expected_untrained']:.1f}", c["p50"] or "> horizon", c["p80"] or "> horizon", c["p90"] or "> horizon"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(r, widths)))
             for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
