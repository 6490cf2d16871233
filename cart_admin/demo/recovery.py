"""The save flow's history for every abandoned cart: stages, diagnosis, offers and outcomes.

Each attempt walks the seven stages at the spec's default delays from abandonment (§2) and
stops where `now` or a recovery stops it. One attempt in ten is held out: never contacted, it
recovers only at the natural rate, so the data shows what the flow adds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from cart_admin.demo import messages, voice
from cart_admin.demo.carts import mark_converted
from cart_admin.demo.flow import (
    ANSWER_RATE,
    BRANCH_LIFT,
    BRANCHES,
    CART_EXPIRY,
    COMMENTS,
    FLOW,
    HOLDOUT_SHARE,
    NATURAL,
    OFFER_LIFETIME,
    OFFER_USE_RATE,
    REASON_WEIGHTS,
    STAGE_DELAYS,
    STAGE_KINDS,
    STAGE_LIFT,
    WINBACK_RUN,
)
from cart_admin.demo.interventions import FAILURE_RATE, add_intervention, timeline
from cart_admin.demo.triggers import message_triggers
from cart_admin.demo.world import DemoCart, World, iso, money_str
from cart_admin.models import CartAbandonmentReason as R
from cart_admin.models import CartSaveAttempt, CartStatus, Channel
from cart_admin.models import CartSaveOutcome as Out
from cart_admin.models import CartSaveStage as S
from cart_admin.models import CartSaveStatus as St
from cart_admin.models import InterventionType as K
from cart_admin.models.types import to_money


@dataclass
class Attempt:
    """One save-flow run while it is simulated."""

    id: str
    cart: DemoCart
    holdout: bool
    value: Decimal  # the cart's grand total when abandoned
    risk: float
    history: list[dict[str, Any]] = field(default_factory=list)
    reason: R | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    branch: K | None = None
    current_offer: dict[str, Any] | None = None
    accepted_offer: dict[str, Any] | None = None
    recovered_at: datetime | None = None
    channel: str | None = None

    def enter(self, stage: S, at: datetime) -> None:
        previous = self.history[-1]["stage"] if self.history else None
        self.history.append({"stage": str(stage), "enteredAt": iso(at), "previousStage": previous})

    @property
    def stage(self) -> S:
        return S(self.history[-1]["stage"]) if self.history else FLOW[0]


def run_save_flows(world: World) -> None:
    for cart in world.carts:
        if cart.abandoned_at is not None:
            _run(world, cart)


def due_at(cart: DemoCart, stage: S) -> datetime:
    assert cart.abandoned_at is not None
    return cart.abandoned_at + timedelta(minutes=STAGE_DELAYS[stage])


def _run(world: World, cart: DemoCart) -> None:
    rng = world.rng
    attempt = Attempt(rng.hex_id(), cart, rng.chance(HOLDOUT_SHARE), cart.totals.grand, 0.0)
    attempt.risk = _risk(world, attempt)
    pending: S | None = None
    for index, stage in enumerate(FLOW):
        due = due_at(cart, stage)
        if due > world.now:
            pending = stage
            break
        attempt.enter(stage, due)
        after = FLOW[index + 1] if index + 1 < len(FLOW) else None
        _play_stage(world, attempt, stage, due, due_at(cart, after) if after else due + WINBACK_RUN)
        if attempt.recovered_at is not None:
            break
    _finish(world, attempt, pending)


def _play_stage(world: World, attempt: Attempt, stage: S, due: datetime, end: datetime) -> None:
    """Send the stage's message (unless held out), then see whether the shopper comes back."""
    rng, cart = world.rng, attempt.cart
    channels = [] if attempt.holdout else _channels(world, cart, stage)
    kind = _kind(world, attempt, stage)
    calling = stage is S.NUCLEAR_OFFER and not attempt.holdout
    calling = calling and voice.eligible(cart.customer, attempt.value)
    offer = _offer(world, attempt, kind, due) if channels or calling else None
    reached = bool(channels) and not rng.chance(FAILURE_RATE)
    convert_at = _roll_recovery(world, stage, kind if reached else None, due, end)
    answer_at = None
    if stage is S.DIAGNOSIS_SURVEY and reached and convert_at is None:
        answer_at = _maybe_answer(world, attempt, due, end)
    call = _maybe_call(world, attempt, due, offer, convert_at) if calling else None
    won_by_call = call is not None and call.recovered_at is not None
    if call is not None and call.recovered_at is not None:
        convert_at = call.recovered_at
    if channels:
        converts = convert_at is not None and not won_by_call
        goal = convert_at if converts else answer_at
        events = timeline(
            world, channels[0], due, failed=not reached, goal_at=goal, converts=converts
        )
        if answer_at is not None:
            events |= {"response_type": "SURVEY_ANSWER", "response_data": dict(attempt.answers)}
        _message(world, attempt, stage, kind, channels, due, offer, events)
    if convert_at is not None:
        used = (
            call.accepted_offer if call and won_by_call else reached and rng.chance(OFFER_USE_RATE)
        )
        _recover(attempt, convert_at, offer if used else None)


def _maybe_call(
    world: World,
    attempt: Attempt,
    due: datetime,
    offer: dict[str, Any] | None,
    convert_at: datetime | None,
) -> voice.CallResult | None:
    """The NUCLEAR_OFFER call, unless the shopper already bought or it is still to come."""
    customer = attempt.cart.customer
    if offer is None or customer is None:
        return None
    dialled = voice.dial_time(world, due, customer.timezone)
    if convert_at is not None and convert_at <= dialled:
        return None
    if dialled + timedelta(hours=2) > world.now:
        return None
    return voice.place_call(
        world, attempt_id=attempt.id, cart=attempt.cart, dialled=dialled, offer=offer
    )


def _message(
    world: World,
    attempt: Attempt,
    stage: S,
    kind: K,
    channels: list[Channel],
    scheduled: datetime,
    offer: dict[str, Any] | None,
    events: dict[str, Any] | None,
) -> None:
    cart = attempt.cart
    content = (
        messages.content(kind, cart, offer)
        if events
        else {"recoveryUrl": messages.recovery_url(cart)}
    )
    add_intervention(
        world,
        attempt_id=attempt.id,
        cart=cart,
        stage=stage,
        kind=kind,
        channels=channels,
        scheduled=scheduled,
        content=content,
        triggers=message_triggers(cart, stage, offer=offer),
        offer=offer,
        events=events,
    )
    attempt.channel = attempt.channel or str(channels[0])


def _channels(world: World, cart: DemoCart, stage: S) -> list[Channel]:
    """The stage's channels that this shopper's consents allow (guests: e-mail if they gave one)."""
    rng, customer = world.rng, cart.customer
    email = customer.can_email if customer else cart.email is not None
    sms = customer is not None and customer.can_sms
    if stage is S.BROWSE_REMINDER:
        return [Channel.PUSH] if customer and rng.chance(0.4) else [Channel.IN_APP]
    if stage is S.DIAGNOSIS_SURVEY and sms and (not email or rng.chance(0.35)):
        return [Channel.SMS]
    with_sms = stage is S.NUCLEAR_OFFER or (stage is S.PATTERN_INTERRUPT and rng.chance(0.5))
    return [Channel.EMAIL] * email + [Channel.SMS] * (sms and with_sms)


def _kind(world: World, attempt: Attempt, stage: S) -> K:
    if stage is not S.BRANCHING_INTERVENTION:
        return STAGE_KINDS[stage]
    if attempt.branch is None:
        options = BRANCHES.get(attempt.reason, {}) if attempt.reason else {}
        kind = world.rng.pick(options) if options else K.CART_REMINDER
        has_reviews = any(p.spec.reviews for p in attempt.cart.products)
        attempt.branch = K.PRODUCT_FAQ if kind is K.REVIEWS_SHOWCASE and not has_reviews else kind
    return attempt.branch


def _offer(world: World, attempt: Attempt, kind: K, due: datetime) -> dict[str, Any] | None:
    """A single-use code: 10% for price, free shipping for shipping, the best offer at 24 h."""
    totals = attempt.cart.totals
    if kind is K.FREE_SHIPPING:
        percent, prefix, amount = None, "FREESHIP", totals.shipping
    elif kind is K.PERCENTAGE_DISCOUNT or kind is K.BEST_OFFER:
        percent = 10 if kind is K.PERCENTAGE_DISCOUNT else _best_percent(attempt)
        prefix = f"SAVE{percent}" if kind is K.PERCENTAGE_DISCOUNT else f"BEST{percent}"
        amount = to_money(totals.subtotal * percent / 100)
    else:
        return None
    offer = {
        "id": world.rng.hex_id(),
        "type": "FREE_SHIPPING" if percent is None else "PERCENTAGE_DISCOUNT",
        "value": percent,
        "code": world.rng.offer_code(prefix),
        "amount": money_str(amount),
        "expiresAt": iso(due + OFFER_LIFETIME),
    }
    attempt.current_offer = offer
    return offer


def _best_percent(attempt: Attempt) -> int:
    """Up to the spec's 30% cap, more for bigger carts and shoppers likelier to leave."""
    if attempt.value >= 100 and attempt.risk >= 70:
        return 30
    if attempt.value >= 150:
        return 25
    return 20 if attempt.value >= 75 else 15


def _roll_recovery(
    world: World, stage: S, kind: K | None, due: datetime, end: datetime
) -> datetime | None:
    """When the shopper buys during this stage, if they do (and it has happened by now)."""
    rng = world.rng
    lift = 0.0
    if kind is not None:
        lift = (
            BRANCH_LIFT.get(kind, STAGE_LIFT[stage])
            if stage is S.BRANCHING_INTERVENTION
            else STAGE_LIFT[stage]
        )
    if not rng.chance(NATURAL[stage] + lift):
        return None
    after = timedelta(minutes=10, seconds=int(rng.expovariate(1 / 5400)))
    moment = min(due + after, end - timedelta(minutes=1))
    return moment if moment <= world.now else None


def _maybe_answer(world: World, attempt: Attempt, due: datetime, end: datetime) -> datetime | None:
    rng = world.rng
    if not rng.chance(ANSWER_RATE):
        return None
    latest = min(150.0, (end - due).total_seconds() / 60 - 10)
    moment = due + rng.minutes(5, latest)
    if moment > world.now:
        return None
    weights = dict(REASON_WEIGHTS)
    if attempt.cart.totals.shipping == 0:
        del weights[R.SHIPPING_COST]
    attempt.reason = rng.pick(weights)
    attempt.answers = {"reason": str(attempt.reason), "answeredAt": iso(moment)}
    if rng.chance(0.3):
        attempt.answers["comment"] = COMMENTS[attempt.reason]
    return moment


def _recover(attempt: Attempt, moment: datetime, offer: dict[str, Any] | None) -> None:
    """The shopper checks out, with the offer's code if they used it."""
    cart = attempt.cart
    if offer is not None:
        if offer["value"] is None:
            cart.free_shipping = True
        else:
            cart.offer_discount = to_money(cart.totals.subtotal * offer["value"] / 100)
        cart.discount_code = offer["code"]
        attempt.accepted_offer = {**offer, "acceptedAt": iso(moment)}
    mark_converted(cart, moment)
    attempt.recovered_at = moment


def _risk(world: World, attempt: Attempt) -> float:
    """0-100: guests, first-timers and big carts are likelier to walk away."""
    customer = attempt.cart.customer
    score = 30.0 + world.rng.gauss(0, 12)
    score += 20 if customer is None else 0
    score += 15 if customer is not None and customer.prior_orders == 0 else 0
    score += 10 if attempt.value >= 100 else 0
    return round(min(max(score, 0.0), 100.0), 1)


def _finish(world: World, attempt: Attempt, pending: S | None) -> None:
    """Close the attempt (or leave it waiting for its next stage) and write its row."""
    cart = attempt.cart
    assert cart.abandoned_at is not None
    scheduled = completed = outcome = None
    if attempt.recovered_at is not None:
        status, completed = St.COMPLETED, attempt.recovered_at
        outcome = Out.SAVED_WITH_DISCOUNT if attempt.accepted_offer else Out.CONVERTED
    elif cart.abandoned_at + CART_EXPIRY <= world.now:
        cart.status, cart.expired_at = CartStatus.EXPIRED, cart.abandoned_at + CART_EXPIRY
        status, outcome, completed = St.EXPIRED, Out.EXPIRED, cart.expired_at
    elif pending is None:
        status, outcome = St.EXHAUSTED, Out.EXHAUSTED
        completed = due_at(cart, S.WINBACK_SEQUENCE)
    else:
        status, scheduled = St.IN_PROGRESS, due_at(cart, pending)
        channels = [] if attempt.holdout else _channels(world, cart, pending)
        if channels:
            kind = _kind(world, attempt, pending)
            _message(world, attempt, pending, kind, channels, scheduled, None, None)
    _add_attempt_row(world, attempt, status, outcome, scheduled, completed)


def _add_attempt_row(
    world: World,
    attempt: Attempt,
    status: St,
    outcome: Out | None,
    scheduled: datetime | None,
    completed: datetime | None,
) -> None:
    cart = attempt.cart
    customer = cart.customer
    assert cart.abandoned_at is not None
    entered = [datetime.fromisoformat(h["enteredAt"]) for h in attempt.history]
    world.rows.add(
        CartSaveAttempt,
        id=attempt.id,
        company_id=world.company_id,
        cart_id=cart.id,
        customer_id=customer.id if customer else None,
        channel=attempt.channel,
        current_stage=attempt.stage,
        stage_history=attempt.history,
        diagnosis_reason=attempt.reason,
        diagnosis_answers=attempt.answers,
        customer_risk_score=attempt.risk,
        cart_value=attempt.value,
        is_holdout=attempt.holdout,
        status=status,
        outcome=outcome,
        current_offer=attempt.current_offer,
        accepted_offer=attempt.accepted_offer,
        attempt_metadata={
            "itemCount": cart.item_count,
            "hasHighValueItems": any(p.price >= 100 for p in cart.products),
            "customerLTV": money_str(
                customer.value_before(cart.abandoned_at) if customer else Decimal("0.00")
            ),
            "holdout": attempt.holdout,
        },
        scheduled_at=scheduled,
        started_at=cart.abandoned_at,
        completed_at=completed,
        recovered_value=cart.totals.grand if attempt.recovered_at else None,
        created_at=cart.abandoned_at,
        updated_at=max([cart.abandoned_at, *entered, *([completed] if completed else [])]),
    )
