"""Courtesy rules that delay a message: quiet hours in the shopper's zone, frequency caps.

Pure functions of an explicit `now`; the delivery step asks them and reschedules, so a message
is delayed, never dropped, by them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str | None, fallback: str = "UTC") -> ZoneInfo:
    for candidate in (name, fallback, "UTC"):
        if not candidate:
            continue
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return ZoneInfo("UTC")


def in_quiet_hours(hour: int, start: int, end: int) -> bool:
    if start == end:
        return False
    if start > end:  # spans midnight: 22-8
        return hour >= start or hour < end
    return start <= hour < end


def quiet_hours_end(now: datetime, tz: ZoneInfo, start: int, end: int) -> datetime | None:
    """When the quiet hours around `now` end (UTC), or None when `now` is not in them."""
    local = now.astimezone(tz)
    if not in_quiet_hours(local.hour, start, end):
        return None
    day = local.date() if local.hour < end else local.date() + timedelta(days=1)
    wake = datetime(day.year, day.month, day.day, end, tzinfo=tz)
    # A DST jump can make the wall time not exist; normalising through UTC moves it forward.
    return max(wake.astimezone(UTC), now + timedelta(minutes=1))


def cap_clears_at(last_sent: datetime | None, hours: int) -> datetime | None:
    if last_sent is None or hours <= 0:
        return None
    return last_sent + timedelta(hours=hours)
