"""`churn/track`: record a session's signals, score it and decide, in the same request, the
intervention the drawer shows now (spec §5); and what the shopper did with it.

The decision is stored before it is returned, under the table's unique keys, so two tabs or a
retried request can never show a cart the same kind twice, or two price offers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from cart_admin.domain import storefront as shop
from cart_admin.domain.chat.config import chat_config_from_row, load_chat_config
from cart_admin.domain.churn.config import churn_config_from_row
from cart_admin.domain.churn.scoring import OFFERS, Decision, SessionFacts, choose_intervention
from cart_admin.domain.churn.scoring import risk_score as score
from cart_admin.domain.config_store import settings_row
from cart_admin.domain.save_flow.config import config_from_row
from cart_admin.domain.save_flow.config import load_config as load_flow_config
from cart_admin.domain.save_flow.engine import holdout_bucket
from cart_admin.domain.save_flow.offers import percent_text
from cart_admin.models import Cart, CheckoutChurnEvent, CheckoutIntervention
from cart_admin.models import CheckoutChurnSignal as C
from cart_admin.models import InterventionType as K

MAX_EVENTS_PER_SESSION = 500  # beyond this a session's signals only repeat; they are not kept
MESSAGES = {
    K.EXIT_INTENT: "Wait! Complete your order now and get {percent}% off!",
    K.FREE_SHIPPING_OFFER: "We noticed shipping costs. Here's free shipping on us!",
    K.DISCOUNT_HELP: "Having trouble with a code? Chat with us for help!",
    K.CHECKOUT_HELP: "Need help completing your order? We're here!",
}


@dataclass(frozen=True)
class Signal:
    signal: C
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class TrackResult:
    risk_score: int
    recorded: int
    intervention: CheckoutIntervention | None = None


def message_for(decision: Decision) -> str:
    percent = percent_text(decision.discount_percent or Decimal(0))
    return MESSAGES[decision.type].format(percent=percent)


def discount_cap(session: Session, company_id: str) -> Decimal:
    """The most any in-checkout offer may take off: the chat's `maxDiscountPercent`."""
    return load_chat_config(session, company_id).ai_capabilities.max_discount_percent


def in_holdout(session: Session, cart: Cart) -> bool:
    """The save flow's holdout group (same bucket, same percent): never shown an offer."""
    return holdout_bucket(cart.id) < load_flow_config(session, cart.company_id).holdout_percent


def session_signals(session: Session, cart_id: str, session_id: str) -> list[C]:
    rows = session.exec(
        select(CheckoutChurnEvent.signal)
        .where(
            col(CheckoutChurnEvent.cart_id) == cart_id,
            col(CheckoutChurnEvent.session_id) == session_id,
        )
        .order_by(col(CheckoutChurnEvent.occurred_at), col(CheckoutChurnEvent.id))
    ).all()
    return [C(row) for row in rows]


def shown_kinds(session: Session, cart_id: str) -> frozenset[K]:
    rows = session.exec(
        select(CheckoutIntervention.type).where(col(CheckoutIntervention.cart_id) == cart_id)
    ).all()
    return frozenset(K(row) for row in rows)


def track(
    session: Session,
    *,
    cart: Cart,
    session_id: str,
    signals: list[Signal],
    now: datetime,
    final: bool = False,
) -> TrackResult:
    """Record the batch, score the session and, unless the page is going away (`final`),
    decide and record the intervention to show now."""
    settings = settings_row(session, cart.company_id)  # one read for the three configs
    config = churn_config_from_row(settings)
    if not config.enabled or cart.status not in shop.OPEN_STATUSES:
        return TrackResult(risk_score=0, recorded=0)
    # Every read first, the writes last: on SQLite the write lock is held only briefly.
    counts = _signal_counts(session, cart.id, session_id)
    room = max(0, MAX_EVENTS_PER_SESSION - sum(counts.values()))
    kept = signals[:room]
    if not final:  # the tab is still here: an earlier "close" was a move to another page
        counts.pop(C.TAB_CLOSE_ATTEMPT, None)
    batch = [item.signal for item in kept]
    history = [signal for signal, n in counts.items() for _ in range(n)] + batch
    risk = score(history, config)
    decision = None
    if not final and signals:
        chat = chat_config_from_row(settings)
        holdout = holdout_bucket(cart.id) < config_from_row(settings).holdout_percent
        facts = SessionFacts(
            shipping_total=cart.shipping_total,
            discount_cap_percent=chat.ai_capabilities.max_discount_percent,
            holdout=holdout,
            already=shown_kinds(session, cart.id),
            chat_available=chat.enabled,
            has_code=bool(cart.discount_code),
        )
        decision = choose_intervention(history, config, facts, batch)
    session.add_all(
        CheckoutChurnEvent(
            company_id=cart.company_id,
            cart_id=cart.id,
            session_id=session_id,
            signal=item.signal,
            data=item.data,
            # a microsecond apart: the batch keeps the order the tab reported it in
            occurred_at=now + timedelta(microseconds=index),
        )
        for index, item in enumerate(kept)
    )
    session.flush()
    row = _record(session, cart, session_id, decision, risk, now) if decision else None
    return TrackResult(risk_score=risk, recorded=len(kept), intervention=row)


def _signal_counts(session: Session, cart_id: str, session_id: str) -> dict[C, int]:
    """How often the session showed each signal (the score needs no more than that)."""
    rows = session.exec(
        select(CheckoutChurnEvent.signal, func.count())
        .where(
            col(CheckoutChurnEvent.cart_id) == cart_id,
            col(CheckoutChurnEvent.session_id) == session_id,
        )
        .group_by(col(CheckoutChurnEvent.signal))
    ).all()
    return {C(signal): int(n) for signal, n in rows}


def _record(
    session: Session, cart: Cart, session_id: str, decision: Decision, risk: int, now: datetime
) -> CheckoutIntervention | None:
    row = CheckoutIntervention(
        company_id=cart.company_id,
        cart_id=cart.id,
        session_id=session_id,
        type=decision.type,
        action=decision.action,
        signal=decision.signal,
        risk_score=risk,
        message=message_for(decision),
        discount_percent=decision.discount_percent,
        price_slot="PRICE" if decision.type in OFFERS else None,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # another tab of this cart got it first: show nothing twice
        return None
    return row
