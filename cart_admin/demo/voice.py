"""Recovery phone calls at the NUCLEAR_OFFER stage (spec §7), with their outcomes.

Only carts of $100 or more whose shopper has a phone and gave voice consent are called, and
only between 9:00 and 20:00 in the shopper's own time zone: a call due at night waits for the
next morning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from cart_admin.demo.interventions import NO_EVENTS, add_intervention
from cart_admin.demo.messages import recovery_url, voice_transcript
from cart_admin.demo.world import DemoCart, DemoCustomer, World
from cart_admin.models import (
    CartSaveStage,
    CartVoiceCall,
    Channel,
    InterventionStatus,
    InterventionType,
    Sentiment,
    VoiceCallOutcome,
    VoiceCallStatus,
    VoiceScriptType,
)

MIN_CART_VALUE = Decimal("100.00")
CALL_START, CALL_END = 9, 20
LAST_DIAL = timedelta(hours=CALL_END - CALL_START, minutes=-30)  # 19:30: room to finish by 20:00
V = VoiceCallOutcome
OUTCOME_WEIGHTS = {
    V.NO_ANSWER: 28, V.VOICEMAIL: 24, V.DECLINED: 10, V.CALLBACK_REQUESTED: 8,
    V.ESCALATED: 4, V.DISCONNECTED: 6, V.RECOVERED: 9, V.DISCOUNT_ACCEPTED: 10,
}  # fmt: skip
DURATIONS = {  # seconds of conversation once answered
    V.VOICEMAIL: (20, 45), V.DECLINED: (40, 120), V.CALLBACK_REQUESTED: (45, 120),
    V.ESCALATED: (90, 240), V.DISCONNECTED: (8, 40), V.RECOVERED: (90, 240),
    V.DISCOUNT_ACCEPTED: (120, 290),
}  # fmt: skip
SENTIMENTS = {
    V.RECOVERED: {Sentiment.POSITIVE: 1},
    V.DISCOUNT_ACCEPTED: {Sentiment.POSITIVE: 1},
    V.CALLBACK_REQUESTED: {Sentiment.POSITIVE: 1, Sentiment.NEUTRAL: 2},
    V.DECLINED: {Sentiment.NEUTRAL: 2, Sentiment.NEGATIVE: 1},
    V.ESCALATED: {Sentiment.NEUTRAL: 1},
    V.DISCONNECTED: {Sentiment.NEUTRAL: 1, Sentiment.NEGATIVE: 1},
}
SCRIPTS = {
    VoiceScriptType.CART_RECOVERY_PERSONAL: 50,
    VoiceScriptType.CART_RECOVERY_DISCOUNT: 30,
    VoiceScriptType.CART_RECOVERY_HELP: 20,
}


@dataclass(frozen=True)
class CallResult:
    recovered_at: datetime | None
    accepted_offer: bool
    intervention: dict[str, Any]


def eligible(customer: DemoCustomer | None, cart_value: Decimal) -> bool:
    """Spec §7: a phone, voice consent, and a cart worth calling about."""
    return customer is not None and customer.can_call and cart_value >= MIN_CART_VALUE


def dial_time(world: World, due: datetime, timezone: str) -> datetime:
    """A few minutes after the stage is due, moved into the shopper's calling hours."""
    local = (due + world.rng.minutes(5, 40)).astimezone(ZoneInfo(timezone))
    opening = local.replace(hour=CALL_START, minute=0, second=0, microsecond=0)
    if local < opening:
        local = opening + world.rng.minutes(0, 50)
    elif local > opening + LAST_DIAL:
        next_day = (local + timedelta(days=1)).replace(hour=CALL_START, minute=0, second=0)
        local = next_day + world.rng.minutes(0, 50)
    return local.astimezone(UTC)


def place_call(
    world: World, *, attempt_id: str, cart: DemoCart, dialled: datetime, offer: dict[str, Any]
) -> CallResult:
    """The call, its VOICE intervention, and whether it won the cart back."""
    rng = world.rng
    customer = cart.customer
    assert customer is not None and customer.phone is not None
    outcome = rng.pick(OUTCOME_WEIGHTS)
    answered, completed = _call_times(world, dialled, outcome)
    recovering = outcome in (V.RECOVERED, V.DISCOUNT_ACCEPTED)
    recovered_at = completed + rng.minutes(5, 60) if recovering else None
    script = (
        VoiceScriptType.CART_RECOVERY_DISCOUNT
        if outcome is V.DISCOUNT_ACCEPTED
        else rng.pick(SCRIPTS)
    )
    call_sid = "CA" + f"{rng.getrandbits(128):032x}"
    world.rows.add(
        CartVoiceCall,
        id=rng.hex_id(),
        company_id=world.company_id,
        cart_save_attempt_id=attempt_id,
        cart_id=cart.id,
        customer_id=customer.id,
        voice_call_id=call_sid,
        to_phone=customer.phone,
        script_type=script,
        offer=offer,
        status=_status(world, outcome),
        initiated_at=dialled,
        answered_at=answered,
        completed_at=completed,
        duration=int((completed - answered).total_seconds()) if answered else 0,
        outcome=outcome,
        transcript=voice_transcript(outcome, cart, offer.get("value")),
        sentiment=rng.pick(SENTIMENTS[outcome]) if outcome in SENTIMENTS else None,
        error_message=None,
        created_at=dialled,
        updated_at=completed,
    )
    events = _intervention_events(outcome, dialled, answered, recovered_at, call_sid)
    intervention = add_intervention(
        world,
        attempt_id=attempt_id,
        cart=cart,
        stage=CartSaveStage.NUCLEAR_OFFER,
        kind=InterventionType.VOICE_CALL,
        channels=[Channel.VOICE],
        scheduled=dialled,
        content={
            "script": str(script),
            "summary": f"Called about the {cart.products[0].spec.name} left in the cart",
            "recoveryUrl": recovery_url(cart),
        },
        triggers=["PERSONALIZATION", "EXCLUSIVITY", "URGENCY"],
        offer=None,
        events=events,
    )
    accepted = outcome is V.DISCOUNT_ACCEPTED
    return CallResult(recovered_at, accepted, intervention)


def _call_times(world: World, dialled: datetime, outcome: V) -> tuple[datetime | None, datetime]:
    """(answered, completed): unanswered calls ring out after about half a minute."""
    rng = world.rng
    if outcome is V.NO_ANSWER:
        return None, dialled + rng.seconds(25, 35)
    answered = dialled + rng.seconds(5, 22)
    return answered, answered + rng.seconds(*DURATIONS[outcome])


def _status(world: World, outcome: V) -> VoiceCallStatus:
    if outcome is not V.NO_ANSWER:
        return VoiceCallStatus.COMPLETED
    return VoiceCallStatus.BUSY if world.rng.chance(0.3) else VoiceCallStatus.NO_ANSWER


def _intervention_events(
    outcome: V,
    dialled: datetime,
    answered: datetime | None,
    recovered_at: datetime | None,
    call_sid: str,
) -> dict[str, Any]:
    """Placed (SENT), reached a voicemail (DELIVERED), talked (EXECUTED), or won (CONVERTED)."""
    if recovered_at is not None:
        status = InterventionStatus.CONVERTED
    elif outcome is V.NO_ANSWER:
        status = InterventionStatus.SENT
    elif outcome is V.VOICEMAIL:
        status = InterventionStatus.DELIVERED
    else:
        status = InterventionStatus.EXECUTED
    talked = answered if outcome not in (V.NO_ANSWER, V.VOICEMAIL) else None
    return {
        **NO_EVENTS,
        "status": status,
        "sent_at": dialled,
        "delivered_at": answered,
        "executed_at": talked,
        "converted_at": recovered_at,
        "response_type": str(outcome),
        "response_data": {"voiceCallId": call_sid},
        "delivery_attempts": 1,
    }
