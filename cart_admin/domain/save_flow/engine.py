"""The stage machine: start, schedule, advance, diagnose, pause, resume, complete.

Every function takes a session and an explicit `now`; the worker and the API only call these.
Scheduling is idempotent: a stage's rows are unique per (attempt, stage, step, channel), and
advancing locks the attempt row, so two workers finishing a stage's channels at once advance
it once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from cart_admin.domain.save_flow.config import SaveFlowConfig, load_config
from cart_admin.domain.save_flow.stages import BY_STAGE, ORDER, STAGES, StageSpec
from cart_admin.models import (
    Cart,
    CartAbandonmentReason,
    CartIntervention,
    CartSaveAttempt,
    CartSaveOutcome,
    CartSaveStatus,
    CartStatus,
    CartVoiceCall,
    Channel,
    Customer,
    DiscountCode,
    InterventionStatus,
    InterventionType,
    VoiceCallOutcome,
)
from cart_admin.models import CartSaveStage as S

ACTIVE = (CartSaveStatus.IN_PROGRESS, CartSaveStatus.PAUSED)
PENDING = (InterventionStatus.SCHEDULED, InterventionStatus.SENDING)
TERMINAL_STATUS = {
    CartSaveOutcome.EXHAUSTED: CartSaveStatus.EXHAUSTED,
    CartSaveOutcome.EXPIRED: CartSaveStatus.EXPIRED,
    CartSaveOutcome.CANCELLED: CartSaveStatus.CANCELLED,
}


class FlowError(ValueError):
    """A request the flow cannot honour; the message is for the person who asked."""


def holdout_bucket(cart_id: str) -> float:
    """A stable 0-100 number per cart: the same cart is always in or out of the holdout."""
    digest = hashlib.sha256(f"holdout:{cart_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 10_000 / 100


def new_tracking_token() -> str:
    return secrets.token_urlsafe(16)[:22]


# --- starting ----------------------------------------------------------------------------


def active_attempt(session: Session, cart_id: str) -> CartSaveAttempt | None:
    return session.exec(
        select(CartSaveAttempt).where(
            col(CartSaveAttempt.cart_id) == cart_id, col(CartSaveAttempt.status).in_(ACTIVE)
        )
    ).first()


def latest_attempt(session: Session, cart_id: str) -> CartSaveAttempt | None:
    return session.exec(
        select(CartSaveAttempt)
        .where(col(CartSaveAttempt.cart_id) == cart_id)
        .order_by(col(CartSaveAttempt.started_at).desc())
    ).first()


def determine_start_stage(
    config: SaveFlowConfig, cart: Cart, reason: CartAbandonmentReason | None, now: datetime
) -> StageSpec | None:
    """The first stage that fits: a known reason goes straight to its branch; a shopper who
    reached checkout skips the "still shopping?" nudge; stages whose window has passed (the
    cart was found late) are skipped."""
    enabled = config.enabled_stages()
    if reason is not None:
        branching = [s for s in enabled if ORDER[s.stage] >= ORDER[S.BRANCHING_INTERVENTION]]
        return branching[0] if branching else None
    if cart.checkout_started_at is not None:
        enabled = [s for s in enabled if s.stage is not S.BROWSE_REMINDER] or enabled
    abandoned = cart.abandoned_at or now
    elapsed = (now - abandoned).total_seconds() / 60
    for index, stage in enumerate(enabled):
        following = enabled[index + 1] if index + 1 < len(enabled) else None
        if following is None or config.stage(following.key).delay_minutes > elapsed:
            return stage
    return None


def initiate(
    session: Session,
    *,
    cart: Cart,
    now: datetime,
    reason: CartAbandonmentReason | None = None,
    config: SaveFlowConfig | None = None,
) -> CartSaveAttempt:
    """Start the flow for a cart once; a second call returns the cart's attempt."""
    existing = latest_attempt(session, cart.id)
    if existing is not None:
        return existing
    if cart.status in (CartStatus.CONVERTED, CartStatus.EXPIRED):
        raise FlowError("This cart is closed: it was checked out or has expired.")
    if cart.item_count == 0:
        raise FlowError("This cart is empty.")
    config = config or load_config(session, cart.company_id)
    if not config.enabled:
        raise FlowError("The save flow is switched off for this company.")
    if cart.status is CartStatus.ACTIVE:
        cart.status = CartStatus.ABANDONED
    cart.abandoned_at = cart.abandoned_at or now
    session.add(cart)
    start = determine_start_stage(config, cart, reason, now)
    if start is None:
        raise FlowError("No stage of the save flow is enabled.")
    customer = session.get(Customer, cart.customer_id) if cart.customer_id else None
    attempt = CartSaveAttempt(
        company_id=cart.company_id,
        cart_id=cart.id,
        customer_id=cart.customer_id,
        current_stage=start.stage,
        stage_history=[_history(start.stage, None, now)],
        diagnosis_reason=reason,
        cart_value=cart.grand_total,
        is_holdout=holdout_bucket(cart.id) < config.holdout_percent,
        status=CartSaveStatus.IN_PROGRESS,
        started_at=now,
        attempt_metadata={
            "itemCount": cart.item_count,
            "customerLTV": str(customer.lifetime_value) if customer else "0.00",
            "abandonedAt": cart.abandoned_at.isoformat(),
            "checkoutStarted": cart.checkout_started_at is not None,
        },
    )
    try:
        with session.begin_nested():
            session.add(attempt)
    except IntegrityError:  # another process started it a moment ago
        session.expire_all()
        running = active_attempt(session, cart.id)
        if running is None:
            raise
        return running
    if not attempt.is_holdout:
        schedule_stage(session, attempt, start.stage, config=config, now=now)
    return attempt


def _history(stage: S, previous: S | None, now: datetime, note: str | None = None) -> dict:
    entry = {"stage": str(stage), "enteredAt": now.isoformat(),
             "previousStage": str(previous) if previous else None}  # fmt: skip
    if note:
        entry["note"] = note
    return entry


# --- scheduling ----------------------------------------------------------------------------


def abandoned_at(attempt: CartSaveAttempt) -> datetime:
    raw = attempt.attempt_metadata.get("abandonedAt")
    return datetime.fromisoformat(raw) if raw else attempt.started_at


def stage_due_times(config: SaveFlowConfig, stage: S, base: datetime) -> list[tuple[int, datetime]]:
    """(step, due) of a stage's messages: one, or the win-back sequence spread over its days."""
    spec = BY_STAGE[stage]
    settings = config.stage(spec.key)
    start = base + timedelta(minutes=settings.delay_minutes)
    if stage is not S.WINBACK_SEQUENCE or settings.sequence_length == 1:
        return [(0, start)]
    gap = timedelta(days=settings.sequence_days) / (settings.sequence_length - 1)
    return [(step, start + gap * step) for step in range(settings.sequence_length)]


def schedule_stage(
    session: Session,
    attempt: CartSaveAttempt,
    stage: S,
    *,
    config: SaveFlowConfig,
    now: datetime,
    due_now: bool = False,
) -> list[CartIntervention]:
    """Create the stage's rows (idempotent); a due time already past becomes `now`."""
    spec = BY_STAGE[stage]
    channels = config.channels_for(spec.key)
    if stage is S.NUCLEAR_OFFER and wants_call(config, attempt.cart_value):
        channels = [*channels, Channel.VOICE]
    existing = {
        (row.step, row.channel)
        for row in session.exec(
            select(CartIntervention).where(
                col(CartIntervention.cart_save_attempt_id) == attempt.id,
                col(CartIntervention.stage) == stage,
            )
        )
    }
    base = abandoned_at(attempt) + timedelta(seconds=paused_seconds(attempt))
    rows = []
    for step, due in stage_due_times(config, stage, base):
        first_due = max(due, now) if not due_now else now
        for channel in channels:
            if (step, channel) in existing:
                continue
            row = CartIntervention(
                company_id=attempt.company_id,
                cart_id=attempt.cart_id,
                cart_save_attempt_id=attempt.id,
                stage=stage,
                step=step,
                channel=channel,
                channels=[str(channel)],
                type=InterventionType.VOICE_CALL if channel is Channel.VOICE else spec.kind,
                scheduled_at=first_due if step == 0 else max(due, now),
                tracking_token=new_tracking_token(),
            )
            try:
                with session.begin_nested():
                    session.add(row)
            except IntegrityError:
                continue  # scheduled by someone else at the same moment
            rows.append(row)
    pending = [r.scheduled_at for r in rows] or [attempt.scheduled_at or now]
    attempt.scheduled_at = min(pending)
    session.add(attempt)
    return rows


def wants_call(config: SaveFlowConfig, cart_value: Decimal) -> bool:
    """Spec §2: the Nuclear offer stage adds a phone call for carts worth at least
    `minCartValueForVoice` when `voiceCallEnabled`; the voice queue decides when (spec §7)."""
    nuclear = config.stages.nuclear_offer
    return nuclear.voice_call_enabled and cart_value >= nuclear.min_cart_value_for_voice


def paused_seconds(attempt: CartSaveAttempt) -> float:
    return float(attempt.attempt_metadata.get("pausedSeconds", 0))


def _lock(session: Session, attempt_id: str) -> CartSaveAttempt | None:
    """The attempt row, locked on PostgreSQL so stage changes are serialised."""
    return session.exec(
        select(CartSaveAttempt)
        .where(col(CartSaveAttempt.id) == attempt_id)
        .with_for_update()
        .execution_options(populate_existing=True)  # the row as it is now, not as loaded
    ).first()


def next_stage(config: SaveFlowConfig, current: S) -> StageSpec | None:
    for spec in STAGES[ORDER[current] + 1 :]:
        if config.stage(spec.key).enabled:
            return spec
    return None


def pending_count(session: Session, attempt_id: str, stage: S | None = None) -> int:
    # A call waits for the shopper's call hours and its own queue; the flow does not wait.
    query = select(sa.func.count()).where(
        col(CartIntervention.cart_save_attempt_id) == attempt_id,
        col(CartIntervention.status).in_(PENDING),
        col(CartIntervention.channel) != Channel.VOICE,
    )
    if stage is not None:
        query = query.where(col(CartIntervention.stage) == stage)
    return session.exec(query).one()


def advance_if_stage_done(
    session: Session, attempt_id: str, *, now: datetime, config: SaveFlowConfig | None = None
) -> CartSaveAttempt | None:
    """Move to the next enabled stage once every message of the current one is settled."""
    attempt = _lock(session, attempt_id)
    if attempt is None or attempt.status is not CartSaveStatus.IN_PROGRESS or attempt.is_holdout:
        return attempt
    if pending_count(session, attempt.id, attempt.current_stage):
        return attempt
    return move_on(session, attempt, config=config or load_config(session, attempt.company_id),
                   now=now)  # fmt: skip


def move_on(
    session: Session, attempt: CartSaveAttempt, *, config: SaveFlowConfig, now: datetime
) -> CartSaveAttempt:
    """Enter the next enabled stage, or end the attempt as EXHAUSTED after the last one."""
    following = next_stage(config, attempt.current_stage)
    if following is None:
        return complete(session, attempt, CartSaveOutcome.EXHAUSTED, now=now)
    enter_stage(session, attempt, following.stage, config=config, now=now)
    return attempt


def enter_stage(
    session: Session,
    attempt: CartSaveAttempt,
    stage: S,
    *,
    config: SaveFlowConfig,
    now: datetime,
    due_now: bool = False,
    note: str | None = None,
) -> None:
    previous = attempt.current_stage
    attempt.current_stage = stage
    attempt.stage_history = [*attempt.stage_history, _history(stage, previous, now, note)]
    attempt.updated_at = now
    schedule_stage(session, attempt, stage, config=config, now=now, due_now=due_now)


def cancel_pending(
    session: Session, attempt_id: str, *, now: datetime, stage: S | None = None, reason: str
) -> int:
    """Cancel scheduled rows (never one a worker is sending: its fence sees the new status)."""
    query = (
        sa.update(CartIntervention)
        .where(
            col(CartIntervention.cart_save_attempt_id) == attempt_id,
            col(CartIntervention.status) == InterventionStatus.SCHEDULED,
        )
        .values(status=InterventionStatus.CANCELLED, error_message=reason, updated_at=now)
    )
    if stage is not None:
        query = query.where(col(CartIntervention.stage) == stage)
    return session.execute(query).rowcount  # type: ignore[attr-defined]


# --- responses -----------------------------------------------------------------------------


def record_diagnosis(
    session: Session,
    attempt: CartSaveAttempt,
    *,
    reason: CartAbandonmentReason,
    now: datetime,
    answers: dict | None = None,
    comment: str | None = None,
) -> CartSaveAttempt:
    """The survey's answer chooses the branch; the branch goes out now, while they listen."""
    attempt = _lock(session, attempt.id) or attempt
    attempt.diagnosis_reason = reason
    attempt.diagnosis_answers = {
        **(answers or {}),
        "reason": str(reason),
        "answeredAt": now.isoformat(),
        **({"comment": comment[:500]} if comment else {}),
    }
    attempt.updated_at = now
    session.add(attempt)
    if attempt.status is not CartSaveStatus.IN_PROGRESS or attempt.is_holdout:
        return attempt
    config = load_config(session, attempt.company_id)
    if not config.stages.branching_intervention.enabled:
        return attempt
    order = ORDER[attempt.current_stage]
    if order < ORDER[S.BRANCHING_INTERVENTION]:
        cancel_pending(session, attempt.id, now=now, reason="Answered the survey")
        enter_stage(session, attempt, S.BRANCHING_INTERVENTION, config=config, now=now,
                    due_now=True, note=f"diagnosis: {reason}")  # fmt: skip
    elif order == ORDER[S.BRANCHING_INTERVENTION]:
        session.execute(
            sa.update(CartIntervention)
            .where(
                col(CartIntervention.cart_save_attempt_id) == attempt.id,
                col(CartIntervention.stage) == S.BRANCHING_INTERVENTION,
                col(CartIntervention.status) == InterventionStatus.SCHEDULED,
                col(CartIntervention.scheduled_at) > now,
            )
            .values(scheduled_at=now, updated_at=now)
        )
    return attempt


def progress(
    session: Session,
    attempt: CartSaveAttempt,
    *,
    now: datetime,
    response: dict | None = None,
) -> CartSaveAttempt:
    """Spec `progressCartSaveFlow`: record a response and move on to the next stage now."""
    attempt = _lock(session, attempt.id) or attempt
    if response:
        attempt.attempt_metadata = {
            **attempt.attempt_metadata,
            "responses": [*attempt.attempt_metadata.get("responses", []),
                          {**response, "at": now.isoformat()}],
        }  # fmt: skip
        reason = response.get("reason")
        if reason:
            return record_diagnosis(session, attempt, reason=CartAbandonmentReason(reason),
                                    now=now, answers=response.get("answers"))  # fmt: skip
    cart = session.get(Cart, attempt.cart_id)
    if cart is not None and cart.status is CartStatus.CONVERTED:
        return on_cart_converted(session, cart, now=now) or attempt
    if attempt.status not in ACTIVE:
        raise FlowError(f"This attempt has ended ({attempt.status}).")
    cancel_pending(session, attempt.id, now=now, stage=attempt.current_stage,
                   reason="Moved on to the next stage")  # fmt: skip
    return move_on(session, attempt, config=load_config(session, attempt.company_id), now=now)


def complete(
    session: Session,
    attempt: CartSaveAttempt,
    outcome: CartSaveOutcome,
    *,
    now: datetime,
    note: str | None = None,
) -> CartSaveAttempt:
    """End the attempt with an outcome; its scheduled messages are cancelled."""
    if attempt.status not in ACTIVE and attempt.status is not CartSaveStatus.PENDING:
        return attempt
    if outcome is CartSaveOutcome.PAUSED:
        return pause(session, attempt, now=now)
    attempt.status = TERMINAL_STATUS.get(outcome, CartSaveStatus.COMPLETED)
    attempt.outcome = outcome
    attempt.completed_at = now
    attempt.scheduled_at = None
    attempt.updated_at = now
    if note:
        attempt.attempt_metadata = {**attempt.attempt_metadata, "completionNote": note}
    session.add(attempt)
    cancel_pending(session, attempt.id, now=now, reason=f"Attempt ended: {outcome}")
    return attempt


# --- the shopper comes back ----------------------------------------------------------------


def pause(session: Session, attempt: CartSaveAttempt, *, now: datetime) -> CartSaveAttempt:
    attempt = _lock(session, attempt.id) or attempt  # a worker may have just ended it
    if attempt.status is CartSaveStatus.IN_PROGRESS:
        attempt.status = CartSaveStatus.PAUSED
        attempt.attempt_metadata = {**attempt.attempt_metadata, "pausedAt": now.isoformat()}
        attempt.updated_at = now
        session.add(attempt)
    return attempt


def on_cart_activity(session: Session, cart: Cart, *, now: datetime) -> None:
    """A returning shopper is shopping again: their flow waits until they leave again."""
    attempt = active_attempt(session, cart.id)
    if attempt is not None:
        pause(session, attempt, now=now)


def resume(session: Session, attempt: CartSaveAttempt, *, now: datetime) -> CartSaveAttempt:
    """The cart went quiet again: the flow goes on, every pending message shifted by the pause."""
    if attempt.status is not CartSaveStatus.PAUSED:
        return attempt
    paused_at = datetime.fromisoformat(attempt.attempt_metadata.get("pausedAt", now.isoformat()))
    shift = max(now - paused_at, timedelta(0))
    metadata = dict(attempt.attempt_metadata)
    metadata.pop("pausedAt", None)
    metadata["pausedSeconds"] = paused_seconds(attempt) + shift.total_seconds()
    attempt.attempt_metadata = metadata
    attempt.status = CartSaveStatus.IN_PROGRESS
    attempt.updated_at = now
    rows = session.exec(
        select(CartIntervention).where(
            col(CartIntervention.cart_save_attempt_id) == attempt.id,
            col(CartIntervention.status) == InterventionStatus.SCHEDULED,
        )
    ).all()
    for row in rows:
        row.scheduled_at = row.scheduled_at + shift
        session.add(row)
    attempt.scheduled_at = min((r.scheduled_at for r in rows), default=None)
    session.add(attempt)
    return attempt


# --- conversion ----------------------------------------------------------------------------


def customer_converted_since(
    session: Session, *, company_id: str, customer_id: str | None, email: str | None,
    since: datetime,
) -> bool:  # fmt: skip
    """Did this shopper buy anything (any cart of theirs) since `since`?"""
    conditions = []
    if customer_id:
        conditions.append(col(Cart.customer_id) == customer_id)
    if email:
        conditions.append(sa.func.lower(col(Cart.email)) == email.lower())
    if not conditions:
        return False
    found = session.exec(
        select(Cart.id)
        .where(
            col(Cart.company_id) == company_id,
            col(Cart.status) == CartStatus.CONVERTED,
            col(Cart.converted_at) >= since,
            sa.or_(*conditions),
        )
        .limit(1)
    ).first()
    return found is not None


@dataclass(frozen=True)
class Attribution:
    outcome: CartSaveOutcome
    intervention: CartIntervention | None


def _attribute(session: Session, attempt: CartSaveAttempt, cart: Cart) -> Attribution:
    if attempt.is_holdout:
        return Attribution(CartSaveOutcome.CONVERTED, None)
    rows = session.exec(
        select(CartIntervention)
        .where(col(CartIntervention.cart_save_attempt_id) == attempt.id)
        .order_by(col(CartIntervention.sent_at).desc())
    ).all()
    if cart.discount_code:
        code = session.exec(
            select(DiscountCode).where(
                col(DiscountCode.company_id) == cart.company_id,
                col(DiscountCode.code) == cart.discount_code,
            )
        ).first()
        ids = {r.id for r in rows}
        if code is not None and code.intervention_id in ids:
            used = next(r for r in rows if r.id == code.intervention_id)
            if used.channel is Channel.VOICE:  # the call's own code: the call made the sale
                return Attribution(CartSaveOutcome.SAVED_WITH_DISCOUNT, used)
            clicked = [r for r in rows if r.clicked_at and r.stage == used.stage]
            return Attribution(CartSaveOutcome.SAVED_WITH_DISCOUNT, (clicked or [used])[0])
    clicked = sorted(
        (r for r in rows if r.clicked_at), key=lambda r: r.clicked_at or r.created_at, reverse=True
    )
    # A call counts once someone answered it; a dialled call that rang out reached no one.
    sent = [
        r
        for r in rows
        if r.sent_at is not None and (r.channel is not Channel.VOICE or r.delivered_at)
    ]
    if clicked or sent:
        return Attribution(CartSaveOutcome.SAVED_WITHOUT_DISCOUNT, (clicked or sent)[0])
    return Attribution(CartSaveOutcome.CONVERTED, None)


def _call_recovered(session: Session, row: CartIntervention, now: datetime) -> None:
    """The answered call of this row becomes RECOVERED; its earlier outcome is kept."""
    calls = session.exec(
        select(CartVoiceCall).where(
            col(CartVoiceCall.intervention_id) == row.id,
            col(CartVoiceCall.answered_at).is_not(None),
        )
    ).all()
    for call in calls:
        previous = str(call.outcome) if call.outcome else None
        entry = {"outcome": str(VoiceCallOutcome.RECOVERED), "at": now.isoformat(),
                 "previous": previous, "by": "order"}  # fmt: skip
        history = [*(call.details or {}).get("outcomeHistory", []), entry]
        call.details = {**(call.details or {}), "outcomeHistory": history}
        call.outcome = VoiceCallOutcome.RECOVERED
        call.updated_at = now
        session.add(call)


# Attempt metadata set when the shopper said no on a recovery call: no more texts then.
DECLINED_BY_PHONE = "declinedByPhoneAt"

LATE_PURCHASE = timedelta(days=7)  # a purchase this long after the last message still counts


def _recently_exhausted(session: Session, cart_id: str, now: datetime) -> CartSaveAttempt | None:
    """The cart's attempt that sent everything it had, lately: a purchase now is its result
    (treated carts stay measurable as long as the holdout's, which run until they expire)."""
    attempt = latest_attempt(session, cart_id)
    if (
        attempt is not None
        and attempt.status is CartSaveStatus.EXHAUSTED
        and attempt.completed_at is not None
        and attempt.completed_at >= now - LATE_PURCHASE
    ):
        return attempt
    return None


def on_cart_converted(session: Session, cart: Cart, *, now: datetime) -> CartSaveAttempt | None:
    """The order came in: the cart's attempt ends with its attribution; the same shopper's
    other running attempts stop, since they bought."""
    attempt = active_attempt(session, cart.id) or _recently_exhausted(session, cart.id, now)
    if attempt is not None:
        if attempt.status is CartSaveStatus.EXHAUSTED:  # all sent; the purchase came later
            attempt.status, attempt.outcome = CartSaveStatus.IN_PROGRESS, None
        attribution = _attribute(session, attempt, cart)
        attempt.recovered_value = cart.grand_total
        if attribution.intervention is not None:
            row = attribution.intervention
            row.converted_at = now
            row.status = InterventionStatus.CONVERTED
            session.add(row)
            attempt.accepted_offer = row.offer_included
            if row.channel is Channel.VOICE:  # the call's code or link brought the order
                _call_recovered(session, row, now)
        complete(session, attempt, attribution.outcome, now=now)
    others: list[CartSaveAttempt] = []
    if cart.customer_id or cart.email:
        conditions = []
        if cart.customer_id:
            conditions.append(col(CartSaveAttempt.customer_id) == cart.customer_id)
        if cart.email:
            conditions.append(
                col(CartSaveAttempt.cart_id).in_(
                    select(Cart.id).where(sa.func.lower(col(Cart.email)) == cart.email.lower())
                )
            )
        others = list(
            session.exec(
                select(CartSaveAttempt).where(
                    col(CartSaveAttempt.company_id) == cart.company_id,
                    col(CartSaveAttempt.cart_id) != cart.id,
                    col(CartSaveAttempt.status).in_(ACTIVE),
                    sa.or_(*conditions),
                )
            ).all()
        )
    for other in others:
        complete(session, other, CartSaveOutcome.CANCELLED, now=now,
                 note="The shopper bought on another cart.")  # fmt: skip
    return attempt
