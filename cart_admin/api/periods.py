"""`?from=&to=` of the report endpoints, checked by the one rule in `domain.analytics.periods`
(a range it refuses is a 422 with its message)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, HTTPException, Query, status

from cart_admin.api.deps import NowDep
from cart_admin.domain.analytics.periods import FIRST_DAY, LAST_DAY, Period, PeriodError, day_range

__all__ = ["Period", "PeriodDep", "period"]


def period(
    now: NowDep,
    start: Annotated[date | None, Query(alias="from", ge=FIRST_DAY, le=LAST_DAY)] = None,
    end: Annotated[date | None, Query(alias="to", ge=FIRST_DAY, le=LAST_DAY)] = None,
) -> Period:
    try:
        return day_range(start, end, now)
    except PeriodError as refused:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(refused)) from None


PeriodDep = Annotated[Period, Depends(period)]
