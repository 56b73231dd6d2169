"""Working-day calendar for the simulation clock.

The simulation counts integer days from an epoch date (day 0 = epoch). This
module converts between dates and day indices and knows which days are working
days for classroom training (weekdays that are not public holidays, summer
weeks, the Christmas period or an explicit closure).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

import holidays
import numpy as np

__all__ = ["Closure", "WorkingCalendar"]


@dataclass(frozen=True)
class Closure:
    """A closed period, both ends inclusive."""

    start: datetime.date
    end: datetime.date
    reason: str = ""

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"closure {self.reason!r} ends ({self.end}) before it starts ({self.start})")


def _parse_month_day(text: str) -> tuple[int, int]:
    try:
        month, day = (int(part) for part in text.split("-"))
        # 2001 is not a leap year, so "02-29" is rejected: it would not exist every year.
        datetime.date(2001, month, day)
    except ValueError as exc:
        raise ValueError(f"christmas dates must be 'MM-DD' valid in every year, got {text!r}") from exc
    return month, day


class WorkingCalendar:
    """Map dates to day indices and flag the working days in ``epoch..end``.

    Parameters
    ----------
    epoch, end : datetime.date
        First and last day covered (inclusive); day 0 is ``epoch``.
    country : str or None
        Country code for public holidays (``holidays`` package); None for none.
    summer_weeks : sequence of int
        ISO week numbers (1..53) closed in every year covered.
    christmas : tuple of str or None
        ``("MM-DD", "MM-DD")`` closed period; when the second date falls earlier
        in the year than the first, the period runs into the next year.
    closures : sequence of Closure
        Additional closed periods; parts outside the calendar are ignored.
    """

    def __init__(self, epoch: datetime.date, end: datetime.date, *, country: str | None = "NO",
                 summer_weeks: Sequence[int] = (), christmas: tuple[str, str] | None = None,
                 closures: Sequence[Closure] = ()) -> None:
        if end < epoch:
            raise ValueError(f"calendar end {end} is before epoch {epoch}")
        self.epoch = epoch
        self.end = end
        self.n_days = (end - epoch).days + 1
        dates = [epoch + datetime.timedelta(days=i) for i in range(self.n_days)]
        working = np.array([d.weekday() < 5 for d in dates], dtype=bool)

        self._holidays: dict[datetime.date, str] = {}
        if country is not None:
            try:
                found = holidays.country_holidays(country, years=range(epoch.year, end.year + 1))
            except NotImplementedError as exc:
                raise ValueError(f"unknown country code {country!r} for public holidays") from exc
            self._holidays = {d: name for d, name in sorted(found.items()) if epoch <= d <= end}
        for d in self._holidays:
            working[(d - epoch).days] = False

        weeks: set[int] = set()
        for week in summer_weeks:
            if isinstance(week, bool) or not isinstance(week, (int, np.integer)) or not 1 <= week <= 53:
                raise ValueError(f"summer week must be an ISO week number 1..53, got {week!r}")
            weeks.add(int(week))
        if weeks:
            working &= np.array([d.isocalendar().week not in weeks for d in dates], dtype=bool)

        if christmas is not None:
            (m1, d1), (m2, d2) = _parse_month_day(christmas[0]), _parse_month_day(christmas[1])
            wraps = (m2, d2) < (m1, d1)
            # Start a year early so the period that began before the epoch is closed too.
            for year in range(epoch.year - 1, end.year + 1):
                first = datetime.date(year, m1, d1)
                last = datetime.date(year + 1 if wraps else year, m2, d2)
                self._close(working, first, last)
        for closure in closures:
            self._close(working, closure.start, closure.end)

        working.flags.writeable = False
        self.is_working: np.ndarray = working
        ordinal = np.zeros(self.n_days, dtype=np.int64)
        np.cumsum(working[:-1], out=ordinal[1:])
        ordinal.flags.writeable = False
        self.working_ordinal: np.ndarray = ordinal
        self._working_days = np.flatnonzero(working).astype(np.int64)
        self._working_padded = np.append(self._working_days, np.int64(self.n_days))

    def _close(self, working: np.ndarray, first: datetime.date, last: datetime.date) -> None:
        lo = max((first - self.epoch).days, 0)
        hi = min((last - self.epoch).days, self.n_days - 1)
        if lo <= hi:
            working[lo:hi + 1] = False

    def day(self, d: datetime.date) -> int:
        """Return the day index of date `d`.

        Raises
        ------
        ValueError
            If `d` lies outside ``epoch..end``.
        """
        if not self.epoch <= d <= self.end:
            raise ValueError(f"date {d} is outside the calendar {self.epoch}..{self.end}")
        return (d - self.epoch).days

    def date(self, day: int) -> datetime.date:
        """Return the date of day index `day` (any integer, no range check)."""
        return self.epoch + datetime.timedelta(days=int(day))

    def is_working_day(self, day: int) -> bool:
        """Return True if `day` is a working day; False outside the calendar."""
        return 0 <= day < self.n_days and bool(self.is_working[day])

    def next_working_day(self, day: int) -> int:
        """Return the smallest working day >= `day`.

        Returns
        -------
        int
            The working day, or the sentinel ``n_days`` if none is left.
        """
        i = int(np.searchsorted(self._working_days, day, side="left"))
        return int(self._working_days[i]) if i < self._working_days.size else self.n_days

    def add_working_days(self, days: np.ndarray, n: np.ndarray) -> np.ndarray:
        """Return the day on which the `n`-th working day from `days` finishes.

        The start day counts as the first working day if it is one, so the
        result ``w`` is the working day with exactly `n` working days in
        ``[days, w]``. Vectorised over broadcast `days` and `n`.

        Parameters
        ----------
        days : numpy.ndarray
            Start day indices.
        n : numpy.ndarray
            Working days needed; floats are rounded up, and ``n <= 0`` returns
            `days` unchanged.

        Returns
        -------
        numpy.ndarray
            int64 day indices; ``n_days`` (sentinel) where the calendar runs out.
        """
        days = np.asarray(days)
        n = np.ceil(np.asarray(n)).astype(np.int64)
        days, n = np.broadcast_arrays(days.astype(np.int64), n)
        # Position of the n-th working day at or after the start; the appended
        # sentinel makes every position past the last working day give n_days.
        idx = np.searchsorted(self._working_days, days, side="left") + n - 1
        finish = self._working_padded[np.clip(idx, 0, self._working_days.size)]
        return np.where(n <= 0, days, finish)

    def after_working_day(self, day: int, n: np.ndarray) -> np.ndarray:
        """For a working ``day``: the day on which ``n`` further working days are done
        (``n = 0`` gives ``day``). Vectorised over whole ``n`` >= 0 (the engine's hot path).

        Past the calendar's end the result is the sentinel ``n_days``.
        """
        last_index = int(self.working_ordinal[day])  # the index of ``day`` among working days
        return self._working_padded[np.minimum(last_index + n, self._working_days.size)]

    def working_days_between(self, a: int, b: int) -> int:
        """Return the number of working days in ``[a, b)`` (0 if ``b <= a``)."""
        if b <= a:
            return 0
        lo, hi = np.searchsorted(self._working_days, [a, b], side="left")
        return int(hi - lo)

    def holidays_in_range(self) -> list[tuple[datetime.date, str]]:
        """Return the public holidays in ``epoch..end`` as sorted ``(date, name)`` pairs."""
        return list(self._holidays.items())
