"""The date range of a report: `?from=&to=` as UTC days, both included (default: the last
30 days), validated the same way by every report endpoint."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import Depends, HTTPException, Query, status

from cart_admin.api.deps import NowDep

FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)  # dates a report may cover
MAX_RANGE_DAYS = 366
DEFAULT_DAYS = 30


@dataclass(frozen=True)
class Period:
    start: datetime  # the first day's midnight, UTC
    end: datetime  # the midnight after the last day (exclusive)

    @property
    def previous(self) -> Period:
        """The period of the same length just before (for trends)."""
        return Period(self.start - (self.end - self.start), self.start)


def day_range(start: date | None, end: date | None, now: datetime) -> Period:
    last = end or now.date()
    first = start or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "'from' is after 'to'.")
    if (last - first).days >= MAX_RANGE_DAYS:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"Ask for {MAX_RANGE_DAYS} days at most."
        )
    return Period(
        datetime.combine(first, time(0), tzinfo=UTC),
        datetime.combine(last + timedelta(days=1), time(0), tzinfo=UTC),
    )


def period(
    now: NowDep,
    start: Annotated[date | None, Query(alias="from", ge=FIRST_DAY, le=LAST_DAY)] = None,
    end: Annotated[date | None, Query(alias="to", ge=FIRST_DAY, le=LAST_DAY)] = None,
) -> Period:
    return day_range(start, end, now)


PeriodDep = Annotated[Period, Depends(period)]
