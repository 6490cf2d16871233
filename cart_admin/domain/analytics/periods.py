"""The date range of a report: UTC days, both included (default: the last 30 days). One rule
for the API's `?from=&to=` and the dashboard's date picker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)  # dates a report may cover
MAX_RANGE_DAYS = 366
DEFAULT_DAYS = 30


class PeriodError(ValueError):
    """A range a report cannot cover; the message says why, for the admin to read."""


@dataclass(frozen=True)
class Period:
    start: datetime  # the first day's midnight, UTC
    end: datetime  # the midnight after the last day (exclusive)

    @property
    def previous(self) -> Period:
        """The period of the same length just before (for trends)."""
        return Period(self.start - (self.end - self.start), self.start)

    @property
    def first_day(self) -> date:
        return self.start.date()

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(days=1)).date()


def day_range(start: date | None, end: date | None, now: datetime) -> Period:
    last = end or now.date()
    first = start or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise PeriodError("'from' is after 'to'.")
    if (last - first).days >= MAX_RANGE_DAYS:
        raise PeriodError(f"Ask for {MAX_RANGE_DAYS} days at most.")
    if first < FIRST_DAY or last > LAST_DAY:
        raise PeriodError(f"Dates run from {FIRST_DAY} to {LAST_DAY}.")
    return Period(
        datetime.combine(first, time(0), tzinfo=UTC),
        datetime.combine(last + timedelta(days=1), time(0), tzinfo=UTC),
    )


def last_days(days: int, now: datetime) -> Period:
    """The last `days` UTC days, today included (the dashboard's presets)."""
    return day_range(now.date() - timedelta(days=days - 1), now.date(), now)
