"""Courtesy rules that gate a message: reachability, quiet hours in the shopper's zone,
frequency caps.

Pure functions of an explicit `now`, so the worker's delivery step and the admin's schedule
preview apply the same rules: a message waits for quiet hours and caps, and is skipped only
when the next stage would come before the cap clears.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cart_admin.models import Channel


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


def frequency_cap_until(
    now: datetime,
    *,
    last_sent: datetime | None,
    hours: int,
    window_end: datetime | None = None,
    window_used: int = 0,
    window_limit: int = 0,
) -> datetime | None:
    """When the caps allow a message (None: now). `window_end` is the end of the SMS window
    after the abandonment, which allows `window_limit` texts of which `window_used` went out."""
    clears = cap_clears_at(last_sent, hours)
    candidates = [clears] if clears and clears > now else []
    if window_end is not None and now < window_end and window_used >= window_limit:
        candidates.append(window_end)
    return max(candidates) if candidates else None


def skip_for_next_stage(
    capped_until: datetime, next_due: datetime | None, *, winback: bool
) -> bool:
    """A capped message is skipped when the next stage is due before the cap clears (its
    news would be stale by then); the win-back drip is the last stage, so it only waits."""
    return not winback and next_due is not None and capped_until >= next_due


def unreachable(
    channel: Channel,
    *,
    known: bool,
    email: str | None,
    email_consent: bool,
    phone: str | None,
    sms_consent: bool,
    unsubscribed: bool,
    respect_unsubscribe: bool,
) -> str | None:
    """Why this channel cannot reach the shopper, or None when it can. `known`: a customer
    record exists (a guest has only the cart's e-mail and no consents on record)."""
    if channel is Channel.EMAIL:
        if not email:
            return "No e-mail address."
        if known and not email_consent:
            return "No e-mail consent."
        if unsubscribed and respect_unsubscribe:
            return "Unsubscribed."
    elif channel is Channel.SMS:
        if not known or not phone:
            return "No phone number."
        if not sms_consent:
            return "No SMS consent."
        if unsubscribed and respect_unsubscribe:
            return "Unsubscribed."
    elif channel is Channel.PUSH and not known:
        return "Guests have no push subscription."
    return None
