"""Who may be called, and when (spec §7 "Voice Recovery Criteria").

`assess` is the one rule, a pure function of a candidate's facts, the company's settings and
`now`. It answers CALL, WAIT (until a moment: the shopper's call hours, the abandonment window
opening, tomorrow's quota) or NEVER (a criterion that waiting will not change), naming the
criterion. The queue, the manual "call now" and the admin's explanations all use it.

Call hours are the shopper's own: 9-20 means 9:00-20:00 where the shopper is, wherever the
company is. A call needs recorded voice consent and a phone number, whatever the settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from cart_admin.domain.save_flow.policies import zone
from cart_admin.domain.voice.config import CallHours, VoiceRecoveryConfig
from cart_admin.models import (
    Cart,
    CartIntervention,
    CartSaveAttempt,
    CartSaveStatus,
    CartStatus,
    CartVoiceCall,
    Channel,
    Customer,
    InterventionStatus,
    VoiceCallStatus,
)


class Decision(StrEnum):
    CALL = "CALL"
    WAIT = "WAIT"
    NEVER = "NEVER"


@dataclass(frozen=True)
class Verdict:
    decision: Decision
    criterion: str  # the config field (or rule) that decided, e.g. "callHours"
    reason: str  # for the person reading the call log
    until: datetime | None = None  # WAIT: when to look again

    @property
    def call(self) -> bool:
        return self.decision is Decision.CALL


CALL = Verdict(Decision.CALL, "", "Eligible.")


@dataclass(frozen=True)
class Candidate:
    """What the criteria look at, for one cart."""

    cart: Cart
    attempt: CartSaveAttempt
    customer: Customer | None
    delivered_emails: int  # the attempt's e-mails the mail server accepted
    last_call_at: datetime | None  # this shopper's latest placed call, any cart
    open_call: bool = False  # a call to this shopper is ringing, live, or its outcome unknown
    attempt_called: bool = False  # this attempt already placed a call


def placed_call():
    """A call that reached, or may have reached, the phone network (console calls and calls
    Twilio refused did not)."""
    return sa.and_(
        col(CartVoiceCall.status) != VoiceCallStatus.CANCELED,
        sa.or_(
            col(CartVoiceCall.voice_call_id).is_not(None),
            col(CartVoiceCall.status).in_((VoiceCallStatus.INITIATED, VoiceCallStatus.UNKNOWN)),
        ),
    )


def next_call_time(now: datetime, tz: ZoneInfo, hours: CallHours) -> datetime | None:
    """None when `now` is inside the call hours of `tz`; else when they next open (UTC)."""
    local = now.astimezone(tz)
    if hours.start <= local.hour < hours.end:
        return None
    day = local.date() if local.hour < hours.start else local.date() + timedelta(days=1)
    opening = datetime.combine(day, time(hours.start), tzinfo=tz)
    # Normalising through UTC moves a wall time that a DST jump skipped forward.
    return max(opening.astimezone(UTC), now + timedelta(minutes=1))


def day_start(now: datetime, tz: ZoneInfo) -> datetime:
    local = now.astimezone(tz)
    return datetime.combine(local.date(), time(0), tzinfo=tz).astimezone(UTC)


def next_day_start(now: datetime, tz: ZoneInfo) -> datetime:
    """The next local midnight (a day of 23 or 25 hours when the clocks change)."""
    tomorrow = now.astimezone(tz).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), tzinfo=tz).astimezone(UTC)


def assess(
    candidate: Candidate,
    config: VoiceRecoveryConfig,
    *,
    now: datetime,
    calls_today: int,
    manual: bool = False,
) -> Verdict:
    """May this cart's shopper be called now? `manual` (an admin's "call now") skips the
    programme's targeting (value, LTV, window, e-mails, first-time buyers, recent calls,
    daily quota) but never consent, the phone number or the call hours."""
    cart, attempt, customer = candidate.cart, candidate.attempt, candidate.customer

    def never(criterion: str, reason: str) -> Verdict:
        return Verdict(Decision.NEVER, criterion, reason)

    def wait(criterion: str, reason: str, until: datetime) -> Verdict:
        return Verdict(Decision.WAIT, criterion, reason, until)

    if cart.status is CartStatus.CONVERTED:
        return never("cart", "The cart was bought.")
    if cart.status is CartStatus.EXPIRED:
        return never("cart", "The cart expired.")
    if attempt.is_holdout:
        return never("holdout", "The cart is in the holdout group: it is never contacted.")
    if attempt.status not in (CartSaveStatus.IN_PROGRESS, CartSaveStatus.PAUSED):
        return never("attempt", f"The save attempt has ended ({attempt.status}).")
    phone = customer.phone if customer else None
    if not phone:
        return never("requirePhone", "No phone number on record.")
    if customer is None or not customer.voice_consent:
        return never("voiceConsent", "The shopper has not agreed to be called.")
    if customer.unsubscribed_at is not None:
        return never("unsubscribed", "The shopper unsubscribed from cart reminders.")

    abandoned = cart.abandoned_at or attempt.started_at
    window_opens = abandoned + timedelta(hours=config.min_abandonment_hours)
    window_closes = abandoned + timedelta(hours=config.max_abandonment_hours)
    if not manual:
        if cart.grand_total < config.min_cart_value:
            return never("minCartValue", f"The cart is worth less than {config.min_cart_value}.")
        ltv = customer.lifetime_value or Decimal("0")
        if config.min_customer_ltv > 0 and ltv < config.min_customer_ltv:
            return never(
                "minCustomerLTV", f"Lifetime value {ltv} is below {config.min_customer_ltv}."
            )
        if config.exclude_first_time_buyers and customer.order_count == 0:
            return never("excludeFirstTimeBuyers", "First-time buyers are not called.")
        if now > window_closes:
            return never(
                "maxAbandonmentHours",
                f"Abandoned more than {config.max_abandonment_hours} hours ago.",
            )
        if config.exclude_recent_calls and candidate.last_call_at is not None:
            clears = candidate.last_call_at + timedelta(days=config.exclude_recent_calls)
            if clears > now:
                reason = f"Called in the last {config.exclude_recent_calls} days."
                if clears >= window_closes:
                    return never("excludeRecentCalls", reason)
                return wait("excludeRecentCalls", reason, clears)
    if candidate.open_call:
        return wait(
            "openCall",
            "A call to this shopper is under way, or its outcome is unknown.",
            now + timedelta(minutes=30),
        )
    if not manual and candidate.attempt_called:
        return never("alreadyCalled", "This cart's shopper was already called.")
    if attempt.status is CartSaveStatus.PAUSED:
        return wait("attempt", "The shopper is back on the store.", now + timedelta(minutes=30))

    tz = zone(customer.timezone, config.timezone)
    opens = next_call_time(now, tz, config.call_hours)
    if not manual:
        if now < window_opens:
            return wait(
                "minAbandonmentHours",
                f"Abandoned less than {config.min_abandonment_hours} hours ago.",
                window_opens,
            )
        if candidate.delivered_emails < config.require_email_attempts:
            return wait(
                "requireEmailAttempts",
                f"{candidate.delivered_emails} of "
                f"{config.require_email_attempts} e-mails delivered so far.",
                now + timedelta(minutes=30),
            )
    if opens is not None:
        local = now.astimezone(tz).strftime("%H:%M")
        reason = (
            f"It is {local} for the shopper ({tz.key}); calls are made between "
            f"{config.call_hours.start}:00 and {config.call_hours.end}:00."
        )
        if not manual and opens >= window_closes:
            return never("callHours", reason + " No call hours are left in the window.")
        return wait("callHours", reason, opens)
    if not manual and calls_today >= config.max_calls_per_day:
        company_tz = zone(config.timezone)
        tomorrow = next_day_start(now, company_tz)
        reason = f"Today's {config.max_calls_per_day} calls are made."
        if tomorrow >= window_closes:
            return never("maxCallsPerDay", reason)
        return wait("maxCallsPerDay", reason, tomorrow)
    return CALL


# --- loading candidates --------------------------------------------------------------------


def calls_today(
    session: Session, company_id: str, config: VoiceRecoveryConfig, now: datetime
) -> int:
    """Calls placed since midnight in the company's voice time zone (`timezone`)."""
    since = day_start(now, zone(config.timezone))
    return session.exec(
        select(sa.func.count()).where(
            col(CartVoiceCall.company_id) == company_id,
            col(CartVoiceCall.initiated_at) >= since,
            placed_call(),
        )
    ).one()


def delivered_emails(session: Session, attempt_id: str) -> int:
    return session.exec(
        select(sa.func.count()).where(
            col(CartIntervention.cart_save_attempt_id) == attempt_id,
            col(CartIntervention.channel) == Channel.EMAIL,
            col(CartIntervention.delivered_at).is_not(None),
        )
    ).one()


def last_call_at(session: Session, company_id: str, customer: Customer | None) -> datetime | None:
    """The shopper's latest placed call, by customer record or by number."""
    if customer is None:
        return None
    return session.exec(
        select(sa.func.max(CartVoiceCall.initiated_at)).where(
            _shopper_calls(company_id, customer), placed_call()
        )
    ).one()


OPEN_STATUSES = (
    VoiceCallStatus.QUEUED,
    VoiceCallStatus.INITIATED,
    VoiceCallStatus.RINGING,
    VoiceCallStatus.IN_PROGRESS,
    VoiceCallStatus.UNKNOWN,
)


def _shopper_calls(company_id: str, customer: Customer):
    who = [col(CartVoiceCall.customer_id) == customer.id]
    if customer.phone:
        who.append(col(CartVoiceCall.to_phone) == customer.phone)
    return sa.and_(col(CartVoiceCall.company_id) == company_id, sa.or_(*who))


def candidate_for(session: Session, cart: Cart, attempt: CartSaveAttempt) -> Candidate:
    customer = session.get(Customer, cart.customer_id) if cart.customer_id else None
    open_call = attempt_called = False
    if customer is not None:
        mine = _shopper_calls(cart.company_id, customer)
        open_call = (
            session.exec(
                select(CartVoiceCall.id)
                .where(mine, col(CartVoiceCall.status).in_(OPEN_STATUSES))
                .limit(1)
            ).first()
            is not None
        )
    attempt_called = (
        session.exec(
            select(CartVoiceCall.id)
            .where(col(CartVoiceCall.cart_save_attempt_id) == attempt.id, placed_call())
            .limit(1)
        ).first()
        is not None
    )
    return Candidate(
        cart=cart,
        attempt=attempt,
        customer=customer,
        delivered_emails=delivered_emails(session, attempt.id),
        last_call_at=last_call_at(session, cart.company_id, customer),
        open_call=open_call,
        attempt_called=attempt_called,
    )


def due_calls(
    session: Session, company_id: str, now: datetime, limit: int
) -> list[tuple[CartIntervention, Candidate]]:
    """The company's calls that are due, the most valuable carts first (spec: `orderBy
    grandTotal desc`)."""
    rows = session.exec(
        select(CartIntervention, Cart, CartSaveAttempt)
        .join(Cart, col(Cart.id) == col(CartIntervention.cart_id))
        .join(
            CartSaveAttempt, col(CartSaveAttempt.id) == col(CartIntervention.cart_save_attempt_id)
        )
        .where(
            col(CartIntervention.company_id) == company_id,
            col(CartIntervention.channel) == Channel.VOICE,
            col(CartIntervention.status) == InterventionStatus.SCHEDULED,
            col(CartIntervention.scheduled_at) <= now,
        )
        .order_by(col(Cart.grand_total).desc(), col(CartIntervention.scheduled_at))
        .limit(limit)
    ).all()
    return [(row, candidate_for(session, cart, attempt)) for row, cart, attempt in rows]


def companies_with_due_calls(session: Session, now: datetime) -> list[str]:
    return list(
        session.exec(
            select(CartIntervention.company_id)
            .where(
                col(CartIntervention.channel) == Channel.VOICE,
                col(CartIntervention.status) == InterventionStatus.SCHEDULED,
                col(CartIntervention.scheduled_at) <= now,
            )
            .distinct()
        ).all()
    )
