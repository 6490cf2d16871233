"""Who may be called, and when: `assess`, one criterion at a time (spec §7), each with its
passing neighbour; then the loaders (`candidate_for`, `calls_today`) on real rows.

NOW is 2026-03-03 20:00 UTC: 15:00 in New York, inside the default 9-20 call hours.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from cart_admin.domain.voice import eligibility
from cart_admin.domain.voice.config import CallHours, VoiceRecoveryConfig, load_voice_config
from cart_admin.domain.voice.eligibility import Candidate, Decision, Verdict, assess
from cart_admin.models import (
    Cart,
    CartSaveAttempt,
    CartSaveStage,
    CartSaveStatus,
    CartStatus,
    CartVoiceCall,
    Customer,
    VoiceCallStatus,
)
from tests.factories import make_customer
from tests.voice_world import NOW, make_call_due

NEW_YORK = ZoneInfo("America/New_York")
DEFAULTS = VoiceRecoveryConfig()


def candidate(
    *,
    total: str = "156.50",
    abandoned: datetime | None = None,
    abandoned_hours: float = 25,
    cart_status: CartStatus = CartStatus.ABANDONED,
    holdout: bool = False,
    attempt_status: CartSaveStatus = CartSaveStatus.IN_PROGRESS,
    delivered: int = 2,
    last_call: datetime | None = None,
    now: datetime = NOW,
    no_customer: bool = False,
    **customer_fields,
) -> Candidate:
    """A candidate built from model instances (no database): by default one the defaults call."""
    abandoned = abandoned or now - timedelta(hours=abandoned_hours)
    fields = {
        "phone": "+15555550100",
        "timezone": "America/New_York",
        "voice_consent": True,
        "lifetime_value": Decimal("480.00"),
        "order_count": 3,
        **customer_fields,
    }
    customer = None if no_customer else Customer(id="cus", company_id="co", **fields)
    cart = Cart(
        id="cart",
        company_id="co",
        public_token="tok",
        status=cart_status,
        grand_total=Decimal(total),
        abandoned_at=abandoned,
    )
    attempt = CartSaveAttempt(
        id="att",
        company_id="co",
        cart_id="cart",
        current_stage=CartSaveStage.NUCLEAR_OFFER,
        cart_value=Decimal(total),
        is_holdout=holdout,
        status=attempt_status,
        started_at=abandoned,
    )
    return Candidate(
        cart=cart,
        attempt=attempt,
        customer=customer,
        delivered_emails=delivered,
        last_call_at=last_call,
    )


def config(**fields) -> VoiceRecoveryConfig:
    return VoiceRecoveryConfig(**fields)


def check(
    verdict: Verdict,
    decision: Decision,
    criterion: str = "",
    until: datetime | None = None,
) -> None:
    assert (verdict.decision, verdict.criterion) == (decision, criterion), verdict
    if decision is Decision.WAIT:
        assert verdict.until == until, verdict
    else:
        assert verdict.until is None
    assert verdict.reason


def run(cand: Candidate, conf: VoiceRecoveryConfig = DEFAULTS, **kwargs) -> Verdict:
    kwargs.setdefault("now", NOW)
    kwargs.setdefault("calls_today", 0)
    return assess(cand, conf, **kwargs)


def test_the_default_candidate_is_called() -> None:
    verdict = run(candidate())
    check(verdict, Decision.CALL)
    assert verdict.call


# --- the cart, the attempt, the shopper -----------------------------------------------------


@pytest.mark.parametrize(
    ("status", "decision", "criterion"),
    [
        (CartStatus.CONVERTED, Decision.NEVER, "cart"),
        (CartStatus.EXPIRED, Decision.NEVER, "cart"),
        (CartStatus.ABANDONED, Decision.CALL, ""),
    ],
)
def test_a_bought_or_expired_cart_is_never_called(status, decision, criterion) -> None:
    check(run(candidate(cart_status=status)), decision, criterion)
    check(run(candidate(cart_status=status), manual=True), decision, criterion)


@pytest.mark.parametrize(("holdout", "decision"), [(True, Decision.NEVER), (False, Decision.CALL)])
def test_the_holdout_group_is_never_called(holdout: bool, decision: Decision) -> None:
    check(run(candidate(holdout=holdout)), decision, "holdout" if holdout else "")
    check(run(candidate(holdout=holdout), manual=True), decision, "holdout" if holdout else "")


@pytest.mark.parametrize(
    ("status", "decision"),
    [
        (CartSaveStatus.COMPLETED, Decision.NEVER),
        (CartSaveStatus.EXHAUSTED, Decision.NEVER),
        (CartSaveStatus.CANCELLED, Decision.NEVER),
        (CartSaveStatus.IN_PROGRESS, Decision.CALL),
    ],
)
def test_an_ended_attempt_is_never_called(status: CartSaveStatus, decision: Decision) -> None:
    criterion = "attempt" if decision is Decision.NEVER else ""
    check(run(candidate(attempt_status=status)), decision, criterion)


@pytest.mark.parametrize("require_phone", [True, False])
@pytest.mark.parametrize("phone", [None, ""])
def test_no_phone_number_is_never_called_whatever_the_settings(phone, require_phone) -> None:
    relaxed = config(require_phone=require_phone)
    check(run(candidate(phone=phone), relaxed), Decision.NEVER, "requirePhone")
    check(run(candidate(phone=phone), relaxed, manual=True), Decision.NEVER, "requirePhone")
    check(run(candidate(no_customer=True), relaxed), Decision.NEVER, "requirePhone")
    check(run(candidate(phone="+15555550100"), relaxed), Decision.CALL)


def test_without_recorded_voice_consent_no_call_whatever_the_settings() -> None:
    everything_off = config(
        min_cart_value=0,
        min_customer_ltv=0,
        require_email_attempts=0,
        exclude_recent_calls=0,
        require_phone=False,
    )
    for conf in (DEFAULTS, everything_off):
        for manual in (False, True):
            verdict = run(candidate(voice_consent=False), conf, manual=manual)
            check(verdict, Decision.NEVER, "voiceConsent")
            check(run(candidate(voice_consent=True), conf, manual=manual), Decision.CALL)


@pytest.mark.parametrize(
    ("unsubscribed_at", "decision"),
    [(NOW - timedelta(days=1), Decision.NEVER), (None, Decision.CALL)],
)
def test_an_unsubscribed_shopper_is_never_called(unsubscribed_at, decision) -> None:
    criterion = "unsubscribed" if decision is Decision.NEVER else ""
    check(run(candidate(unsubscribed_at=unsubscribed_at)), decision, criterion)


# --- the programme's targeting ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "decision"),
    [("99.99", Decision.NEVER), ("100.00", Decision.CALL), ("100.01", Decision.CALL)],
)
def test_min_cart_value_boundary_in_decimal(total: str, decision: Decision) -> None:
    assert DEFAULTS.min_cart_value == Decimal("100")
    criterion = "minCartValue" if decision is Decision.NEVER else ""
    check(run(candidate(total=total)), decision, criterion)


@pytest.mark.parametrize(
    ("ltv", "minimum", "decision"),
    [
        ("199.99", "200", Decision.NEVER),
        ("200.00", "200", Decision.CALL),
        ("0.00", "200", Decision.NEVER),
        ("0.00", "0", Decision.CALL),  # 0 switches the criterion off
    ],
)
def test_min_customer_ltv(ltv: str, minimum: str, decision: Decision) -> None:
    conf = config(min_customer_ltv=Decimal(minimum))
    criterion = "minCustomerLTV" if decision is Decision.NEVER else ""
    check(run(candidate(lifetime_value=Decimal(ltv)), conf), decision, criterion)


@pytest.mark.parametrize(
    ("exclude", "orders", "decision"),
    [
        (True, 0, Decision.NEVER),
        (True, 1, Decision.CALL),
        (False, 0, Decision.CALL),
    ],
)
def test_exclude_first_time_buyers(exclude: bool, orders: int, decision: Decision) -> None:
    conf = config(exclude_first_time_buyers=exclude)
    criterion = "excludeFirstTimeBuyers" if decision is Decision.NEVER else ""
    check(run(candidate(order_count=orders), conf), decision, criterion)


@pytest.mark.parametrize(
    ("hours", "decision"),
    [(72 + 1 / 3600, Decision.NEVER), (100, Decision.NEVER), (72 - 1 / 3600, Decision.CALL)],
)
def test_max_abandonment_hours_passed_is_never(hours: float, decision: Decision) -> None:
    criterion = "maxAbandonmentHours" if decision is Decision.NEVER else ""
    check(run(candidate(abandoned_hours=hours)), decision, criterion)
    # Past the window, but not a NEVER for an admin's call.
    check(run(candidate(abandoned_hours=hours), manual=True), Decision.CALL)


def test_min_abandonment_hours_not_yet_waits_until_exactly_abandoned_plus_24h() -> None:
    abandoned = NOW - timedelta(hours=23, minutes=10)
    verdict = run(candidate(abandoned=abandoned))
    check(verdict, Decision.WAIT, "minAbandonmentHours", abandoned + timedelta(hours=24))
    assert verdict.until == datetime(2026, 3, 3, 20, 50, tzinfo=UTC)
    # At that very moment the window is open.
    check(run(candidate(abandoned=abandoned), now=verdict.until), Decision.CALL)


def test_exclude_recent_calls() -> None:
    wide = config(max_abandonment_hours=24 * 30)  # the window stays open for weeks
    three_days_ago = NOW - timedelta(days=3)
    check(
        run(candidate(last_call=three_days_ago), wide),
        Decision.WAIT,
        "excludeRecentCalls",
        three_days_ago + timedelta(days=7),
    )
    # With the default 72-hour window the call would clear after the window has closed.
    check(run(candidate(last_call=three_days_ago)), Decision.NEVER, "excludeRecentCalls")
    # Neighbours: a call 8 days ago, and the exclusion switched off.
    check(run(candidate(last_call=NOW - timedelta(days=8))), Decision.CALL)
    check(
        run(candidate(last_call=NOW - timedelta(hours=1)), config(exclude_recent_calls=0)),
        Decision.CALL,
    )


@pytest.mark.parametrize(
    ("delivered", "required", "decision"),
    [(1, 2, Decision.WAIT), (0, 2, Decision.WAIT), (2, 2, Decision.CALL), (0, 0, Decision.CALL)],
)
def test_require_email_attempts(delivered: int, required: int, decision: Decision) -> None:
    verdict = run(candidate(delivered=delivered), config(require_email_attempts=required))
    if decision is Decision.WAIT:
        check(verdict, decision, "requireEmailAttempts", NOW + timedelta(minutes=30))
        assert f"{delivered} of {required}" in verdict.reason
    else:
        check(verdict, decision)


def test_a_paused_attempt_waits() -> None:
    verdict = run(candidate(attempt_status=CartSaveStatus.PAUSED))
    check(verdict, Decision.WAIT, "attempt", NOW + timedelta(minutes=30))


# --- call hours: the shopper's own -----------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "local_now", "opens"),
    [
        # 20:00 UTC is 05:00 on 4 March in Tokyo (UTC+9): 9:00 there is 00:00 UTC.
        ("Asia/Tokyo", "05:00", datetime(2026, 3, 4, 0, 0, tzinfo=UTC)),
        # ... and 07:00 in Sydney (AEDT, UTC+11): 9:00 there is 22:00 UTC on 3 March.
        ("Australia/Sydney", "07:00", datetime(2026, 3, 3, 22, 0, tzinfo=UTC)),
    ],
)
def test_a_shopper_at_night_waits_until_their_9am_while_it_is_afternoon_in_new_york(
    tz: str, local_now: str, opens: datetime
) -> None:
    assert NOW.astimezone(NEW_YORK).hour == 15  # the company's afternoon
    verdict = run(candidate(timezone=tz))
    check(verdict, Decision.WAIT, "callHours", opens)
    assert local_now in verdict.reason and tz in verdict.reason
    assert opens.astimezone(ZoneInfo(tz)).strftime("%H:%M") == "09:00"
    check(run(candidate(timezone=tz), now=opens), Decision.CALL)  # and then it is called
    check(run(candidate(timezone="America/New_York")), Decision.CALL)  # the neighbour


def test_a_los_angeles_shopper_at_0630_waits_until_0900_their_time() -> None:
    now = datetime(2026, 3, 3, 14, 30, tzinfo=UTC)  # 06:30 PST, 09:30 in New York
    cand = candidate(timezone="America/Los_Angeles", now=now)
    verdict = run(cand, now=now)
    check(verdict, Decision.WAIT, "callHours", datetime(2026, 3, 3, 17, 0, tzinfo=UTC))
    assert "06:30" in verdict.reason
    check(
        run(cand, now=datetime(2026, 3, 3, 16, 59, tzinfo=UTC)),
        Decision.WAIT,
        "callHours",
        datetime(2026, 3, 3, 17, 0, tzinfo=UTC),
    )
    check(run(cand, now=datetime(2026, 3, 3, 17, 0, tzinfo=UTC)), Decision.CALL)


def test_call_hours_start_is_inclusive_and_end_exclusive() -> None:
    cand = candidate(abandoned=datetime(2026, 3, 2, 12, 0, tzinfo=UTC))  # window: to 5 March
    at = lambda h, m: datetime(2026, 3, 3, h, m, tzinfo=NEW_YORK).astimezone(UTC)  # noqa: E731
    check(run(cand, now=at(19, 59)), Decision.CALL)
    check(run(cand, now=at(9, 0)), Decision.CALL)
    check(run(cand, now=at(8, 59)), Decision.WAIT, "callHours", at(9, 0))
    tomorrow_9 = datetime(2026, 3, 4, 9, 0, tzinfo=NEW_YORK).astimezone(UTC)
    verdict = run(cand, now=at(20, 0))
    check(verdict, Decision.WAIT, "callHours", tomorrow_9)
    assert "20:00" in verdict.reason


def test_an_unknown_shopper_time_zone_falls_back_to_the_company_zone() -> None:
    conf = config(timezone="Asia/Tokyo")
    verdict = run(candidate(timezone="Mars/Olympus_Mons"), conf)
    check(verdict, Decision.WAIT, "callHours", datetime(2026, 3, 4, 0, 0, tzinfo=UTC))


def test_no_call_hours_left_in_the_window_is_never() -> None:
    # 20:00 in New York, abandoned 71 h ago: the window closes at 21:00, before 9:00 tomorrow.
    now = datetime(2026, 3, 4, 1, 0, tzinfo=UTC)
    cand = candidate(abandoned_hours=71, now=now)
    check(run(cand, now=now), Decision.NEVER, "callHours")
    # The neighbour: with 14 hours left the window still holds tomorrow's 9:00.
    roomy = candidate(abandoned_hours=58, now=now)
    check(run(roomy, now=now), Decision.WAIT, "callHours", datetime(2026, 3, 4, 14, 0, tzinfo=UTC))


# --- the daily quota ------------------------------------------------------------------------


def test_max_calls_per_day_reached_waits_until_the_company_midnight() -> None:
    conf = config(max_calls_per_day=5)
    midnight_ny = datetime(2026, 3, 4, 5, 0, tzinfo=UTC)
    check(run(candidate(), conf, calls_today=5), Decision.WAIT, "maxCallsPerDay", midnight_ny)
    check(run(candidate(), conf, calls_today=4), Decision.CALL)
    # The company's voice time zone decides, not the shopper's.
    la = config(max_calls_per_day=5, timezone="America/Los_Angeles")
    check(
        run(candidate(), la, calls_today=6),
        Decision.WAIT,
        "maxCallsPerDay",
        datetime(2026, 3, 4, 8, 0, tzinfo=UTC),
    )


def test_max_calls_per_day_reached_when_midnight_is_past_the_window_is_never() -> None:
    conf = config(max_calls_per_day=5)
    # Abandoned 70 h ago: the window closes at 22:00 UTC, before New York's midnight.
    check(run(candidate(abandoned_hours=70), conf, calls_today=5), Decision.NEVER, "maxCallsPerDay")
    check(run(candidate(abandoned_hours=70), conf, calls_today=4), Decision.CALL)


@pytest.mark.parametrize(
    ("now", "shopper_tz", "midnight"),
    [
        # 8 March 2026 has 23 hours in New York: the next midnight is 04:00 UTC (EDT).
        (
            datetime(2026, 3, 8, 20, 0, tzinfo=UTC),
            "America/New_York",
            datetime(2026, 3, 9, 4, 0, tzinfo=UTC),
        ),
        # 1 November 2026 has 25 hours: the next midnight is 05:00 UTC (EST).
        (
            datetime(2026, 11, 1, 20, 0, tzinfo=UTC),
            "America/New_York",
            datetime(2026, 11, 2, 5, 0, tzinfo=UTC),
        ),
        # 23:30 EST on 1 November (13:30 for a shopper in Tokyo): the WAIT must not point
        # into the past (it says 04:00 UTC, half an hour ago).
        (
            datetime(2026, 11, 2, 4, 30, tzinfo=UTC),
            "Asia/Tokyo",
            datetime(2026, 11, 2, 5, 0, tzinfo=UTC),
        ),
    ],
)
def test_max_calls_per_day_waits_until_the_next_local_midnight_across_dst(
    now: datetime, shopper_tz: str, midnight: datetime
) -> None:
    conf = config(max_calls_per_day=1)
    verdict = run(candidate(now=now, timezone=shopper_tz), conf, now=now, calls_today=1)
    assert verdict.criterion == "maxCallsPerDay"
    assert verdict.until is not None and verdict.until > now
    check(verdict, Decision.WAIT, "maxCallsPerDay", midnight)


# --- an admin's "call now" -------------------------------------------------------------------


def test_manual_skips_the_targeting() -> None:
    strict = config(
        min_cart_value=Decimal("1000"),
        min_customer_ltv=Decimal("5000"),
        exclude_first_time_buyers=True,
        max_calls_per_day=0,
    )
    cases = {
        "minCartValue": candidate(total="10.00"),
        "minCustomerLTV": candidate(lifetime_value=Decimal("0.00")),
        "excludeFirstTimeBuyers": candidate(order_count=0),
        "maxAbandonmentHours": candidate(abandoned_hours=24 * 20),
        "minAbandonmentHours": candidate(abandoned_hours=1),
        "requireEmailAttempts": candidate(delivered=0),
        "excludeRecentCalls": candidate(last_call=NOW - timedelta(hours=2)),
    }
    for criterion, cand in cases.items():
        assert run(cand, strict, calls_today=10).decision is not Decision.CALL, criterion
        check(run(cand, strict, calls_today=10, manual=True), Decision.CALL)


def test_manual_still_needs_consent_phone_and_call_hours() -> None:
    check(run(candidate(voice_consent=False), manual=True), Decision.NEVER, "voiceConsent")
    check(run(candidate(phone=None), manual=True), Decision.NEVER, "requirePhone")
    check(run(candidate(unsubscribed_at=NOW), manual=True), Decision.NEVER, "unsubscribed")
    # Night in Tokyo: WAIT (never NEVER: a manual call has no window), even past the window.
    opens = datetime(2026, 3, 4, 0, 0, tzinfo=UTC)
    check(run(candidate(timezone="Asia/Tokyo"), manual=True), Decision.WAIT, "callHours", opens)
    check(
        run(candidate(timezone="Asia/Tokyo", abandoned_hours=24 * 20), manual=True),
        Decision.WAIT,
        "callHours",
        opens,
    )


# --- next_call_time across a DST change (America/New_York, 8 March 2026) -------------------


@pytest.mark.parametrize(
    ("now", "opens"),
    [
        # Saturday 20:30 EST: Sunday's 9:00 is EDT (UTC-4): 13:00 UTC, 10.5 hours later.
        (datetime(2026, 3, 8, 1, 30, tzinfo=UTC), datetime(2026, 3, 8, 13, 0, tzinfo=UTC)),
        # Sunday 01:59 EST, just before the jump.
        (datetime(2026, 3, 8, 6, 59, tzinfo=UTC), datetime(2026, 3, 8, 13, 0, tzinfo=UTC)),
        # Sunday 03:00 EDT, just after it.
        (datetime(2026, 3, 8, 7, 0, tzinfo=UTC), datetime(2026, 3, 8, 13, 0, tzinfo=UTC)),
        # Sunday 08:59 EDT.
        (datetime(2026, 3, 8, 12, 59, tzinfo=UTC), datetime(2026, 3, 8, 13, 0, tzinfo=UTC)),
        # Sunday 09:00 EDT and 19:59 EDT: open.
        (datetime(2026, 3, 8, 13, 0, tzinfo=UTC), None),
        (datetime(2026, 3, 8, 23, 59, tzinfo=UTC), None),
        # Sunday 20:00 EDT: Monday 9:00 EDT.
        (datetime(2026, 3, 9, 0, 0, tzinfo=UTC), datetime(2026, 3, 9, 13, 0, tzinfo=UTC)),
        # The Saturday before: 08:00 EST opens at 9:00 EST (14:00 UTC).
        (datetime(2026, 3, 7, 13, 0, tzinfo=UTC), datetime(2026, 3, 7, 14, 0, tzinfo=UTC)),
        # And the autumn change (1 November 2026): Saturday 21:00 EDT -> Sunday 9:00 EST.
        (datetime(2026, 11, 1, 1, 0, tzinfo=UTC), datetime(2026, 11, 1, 14, 0, tzinfo=UTC)),
    ],
)
def test_next_call_time_across_dst(now: datetime, opens: datetime | None) -> None:
    assert eligibility.next_call_time(now, NEW_YORK, CallHours()) == opens


def test_a_wait_across_the_dst_change_points_at_9am_edt() -> None:
    now = datetime(2026, 3, 8, 1, 30, tzinfo=UTC)  # Saturday 20:30 EST
    verdict = run(candidate(now=now), now=now)
    check(verdict, Decision.WAIT, "callHours", datetime(2026, 3, 8, 13, 0, tzinfo=UTC))
    assert verdict.until.astimezone(NEW_YORK).hour == 9


# --- loading candidates from real rows (both databases) ------------------------------------


def due(session: Session, **kwargs):
    """make_call_due, with the rows read back as the database holds them (the factories
    leave strings in Decimal fields of the instances they keep in the session)."""
    world = make_call_due(session, **kwargs)
    session.expire_all()
    return world


def _call(world, customer, at: datetime, status: VoiceCallStatus, sid: str | None, **fields):
    return CartVoiceCall(
        company_id=world.company.id,
        cart_save_attempt_id=world.attempt.id,
        cart_id=world.cart.id,
        customer_id=customer.id if customer else None,
        to_phone=fields.pop("to_phone", customer.phone if customer else None),
        status=status,
        voice_call_id=sid,
        initiated_at=at,
        **fields,
    )


def test_candidate_for_real_rows_is_called(session: Session) -> None:
    world = due(session)
    cand = eligibility.candidate_for(session, world.cart, world.attempt)
    assert cand.customer is not None and cand.customer.id == world.customer.id
    assert cand.cart.grand_total == Decimal("156.50")
    assert (cand.delivered_emails, cand.last_call_at) == (2, None)
    conf = load_voice_config(session, world.company.id)
    check(assess(cand, conf, now=NOW, calls_today=0), Decision.CALL)


def test_one_delivered_email_of_two_waits(session: Session) -> None:
    world = due(session, delivered_emails=1)
    cand = eligibility.candidate_for(session, world.cart, world.attempt)
    assert cand.delivered_emails == 1
    verdict = assess(cand, DEFAULTS, now=NOW, calls_today=0)
    check(verdict, Decision.WAIT, "requireEmailAttempts", NOW + timedelta(minutes=30))


def test_last_call_counts_placed_calls_only_by_customer_or_number(session: Session) -> None:
    world = due(session)
    other = make_customer(session, world.company, phone=world.customer.phone)
    rows = [
        # Not placed: a console call and a refusal (FAILED, no SID) do not count.
        _call(
            world, world.customer, NOW - timedelta(hours=1), VoiceCallStatus.CANCELED, "console:CA1"
        ),
        _call(world, world.customer, NOW - timedelta(hours=2), VoiceCallStatus.FAILED, None),
        # Placed: a completed call 3 days ago under another customer record, same number.
        _call(world, other, NOW - timedelta(days=3), VoiceCallStatus.COMPLETED, "CA" + "3" * 32),
    ]
    session.add_all(rows)
    session.commit()
    cand = eligibility.candidate_for(session, world.cart, world.attempt)
    assert cand.last_call_at == NOW - timedelta(days=3)
    check(assess(cand, DEFAULTS, now=NOW, calls_today=0), Decision.NEVER, "excludeRecentCalls")
    wide = config(max_abandonment_hours=24 * 30)
    check(
        assess(cand, wide, now=NOW, calls_today=0),
        Decision.WAIT,
        "excludeRecentCalls",
        NOW + timedelta(days=4),
    )
    # A call whose outcome is unknown (no SID) counts: it may have rung.
    session.add(
        _call(world, world.customer, NOW - timedelta(days=1), VoiceCallStatus.UNKNOWN, None)
    )
    session.commit()
    cand = eligibility.candidate_for(session, world.cart, world.attempt)
    assert cand.last_call_at == NOW - timedelta(days=1)


def test_calls_today_counts_placed_calls_since_the_company_midnight(session: Session) -> None:
    world = due(session)
    midnight = datetime(2026, 3, 3, 5, 0, tzinfo=UTC)  # 00:00 EST
    session.add_all(
        [
            _call(world, world.customer, midnight, VoiceCallStatus.COMPLETED, "CA" + "1" * 32),
            _call(world, world.customer, NOW, VoiceCallStatus.INITIATED, None),
            _call(world, world.customer, NOW, VoiceCallStatus.UNKNOWN, None),
            # Not counted: yesterday, a console call, a refusal.
            _call(
                world,
                world.customer,
                midnight - timedelta(seconds=1),
                VoiceCallStatus.COMPLETED,
                "CA" + "2" * 32,
            ),
            _call(world, world.customer, NOW, VoiceCallStatus.CANCELED, "console:CAx"),
            _call(world, world.customer, NOW, VoiceCallStatus.FAILED, None),
        ]
    )
    session.commit()
    assert eligibility.calls_today(session, world.company.id, DEFAULTS, NOW) == 3
    # In Los Angeles the day began at 08:00 UTC: the call at 05:00 UTC was yesterday's.
    la = config(timezone="America/Los_Angeles")
    assert eligibility.calls_today(session, world.company.id, la, NOW) == 2
