"""What the shopper did with a real-time intervention, what the server does about it, and the
hand-over of a session to the save flow or to a person (`churn/escalate`).

Only the server's own record says what an offer is worth: accepting applies the stored percent,
re-capped by the company's current cap, whatever the request says.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col

from cart_admin.domain import storefront as shop
from cart_admin.domain.churn.tracking import discount_cap, in_holdout
from cart_admin.domain.save_flow import engine as flow
from cart_admin.domain.save_flow.config import load_config as load_flow_config
from cart_admin.domain.save_flow.offers import new_code
from cart_admin.domain.tenancy import NotFound
from cart_admin.models import (
    Cart,
    CartAbandonmentReason,
    CartSaveAttempt,
    CheckoutIntervention,
    DiscountCode,
    DiscountKind,
)
from cart_admin.models import CheckoutChurnSignal as C
from cart_admin.models import CheckoutInterventionStatus as Status


class InterventionClosed(ValueError):
    """The offer can no longer be taken; the message is for the shopper."""


def intervention_for_cart(
    session: Session, cart: Cart, intervention_id: str
) -> CheckoutIntervention:
    row = session.get(CheckoutIntervention, intervention_id)
    if row is None or row.cart_id != cart.id:
        raise NotFound("No such offer for this cart.")
    return row


def dismiss(session: Session, row: CheckoutIntervention, *, now: datetime) -> CheckoutIntervention:
    if row.status is Status.SHOWN:
        row.status, row.dismissed_at = Status.DISMISSED, now
        session.add(row)
        session.flush()
    return row


def accept(
    session: Session,
    *,
    store: shop.Storefront,
    cart: Cart,
    row: CheckoutIntervention,
    now: datetime,
) -> shop.PricedCart:
    """Take the offer: a price offer becomes the cart's own single-use code (at most the
    company's cap, and never for the holdout group); a chat offer is only marked. Accepting
    twice changes nothing."""
    if row.status is Status.ACCEPTED or row.action == "OPEN_CHAT":
        _mark_accepted(session, row, now)
        return shop.reprice(session, store=store, cart=cart, now=now)
    if row.status is not Status.SHOWN:
        raise InterventionClosed("This offer has ended.")
    if cart.status not in shop.OPEN_STATUSES:
        raise shop.CartClosed("This cart is closed.")
    if in_holdout(session, cart):
        raise InterventionClosed("This offer is not available.")
    if cart.discount_code:
        raise InterventionClosed(
            f"Your cart already has the code {cart.discount_code}: codes don't combine."
        )
    claimed = session.execute(  # two accepts at once: one claims it, the other reads it
        sa.update(CheckoutIntervention)
        .where(
            col(CheckoutIntervention.id) == row.id,
            col(CheckoutIntervention.status) == Status.SHOWN,
        )
        .values(status=Status.ACCEPTED, accepted_at=now)
    )
    session.refresh(row)
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        if row.status is Status.ACCEPTED:  # the other request won: answer the cart it made
            session.refresh(cart)
            return shop.reprice(session, store=store, cart=cart, now=now)
        raise InterventionClosed("This offer has ended.")
    code = _issue_code(session, store, cart, row, now)
    if code is None:
        raise InterventionClosed("This offer is not available.")
    cart.discount_code = code.code
    row.discount_code_id = code.id
    session.add(row)
    return shop.reprice(session, store=store, cart=cart, now=now)


def _mark_accepted(session: Session, row: CheckoutIntervention, now: datetime) -> None:
    if row.status is Status.SHOWN:
        row.status, row.accepted_at = Status.ACCEPTED, now
        session.add(row)
        session.flush()


def _issue_code(
    session: Session, store: shop.Storefront, cart: Cart, row: CheckoutIntervention, now: datetime
) -> DiscountCode | None:
    if row.action == "APPLY_DISCOUNT":
        percent = min(row.discount_percent or Decimal(0), discount_cap(session, cart.company_id))
        if percent <= 0:
            return None
        return issue_cart_code(session, cart, DiscountKind.PERCENT, percent, now=now)
    if row.action == "APPLY_FREE_SHIPPING" and cart.shipping_total > 0:
        return issue_cart_code(session, cart, DiscountKind.FREE_SHIPPING, Decimal("0.00"), now=now)
    return None


def issue_cart_code(
    session: Session, cart: Cart, kind: DiscountKind, value: Decimal, *, now: datetime
) -> DiscountCode:
    """A single-use code bound to this cart, valid as long as the save flow's codes."""
    hours = load_flow_config(session, cart.company_id).offers.code_expiry_hours
    code = DiscountCode(
        company_id=cart.company_id,
        code=new_code(),
        kind=kind,
        value=value,
        cart_id=cart.id,
        max_uses=1,
        expires_at=now + timedelta(hours=hours),
    )
    session.add(code)
    session.flush()
    return code


REASONS = {
    C.SHIPPING_COST_SHOCK: CartAbandonmentReason.SHIPPING_COST,
    C.TAX_SHOCK: CartAbandonmentReason.TOO_EXPENSIVE,
    C.DISCOUNT_CODE_FAILURE: CartAbandonmentReason.TOO_EXPENSIVE,
    C.DISCOUNT_HUNTING: CartAbandonmentReason.TOO_EXPENSIVE,
    C.PAYMENT_DECLINED: CartAbandonmentReason.PAYMENT_ISSUES,
    C.MULTIPLE_PAYMENT_ATTEMPTS: CartAbandonmentReason.PAYMENT_ISSUES,
    C.PAYMENT_METHOD_SWITCH: CartAbandonmentReason.PAYMENT_ISSUES,
    C.POLICY_PAGE_VISIT: CartAbandonmentReason.NEED_MORE_INFO,
    C.FAQ_VISIT: CartAbandonmentReason.NEED_MORE_INFO,
    C.TAB_SWITCHING: CartAbandonmentReason.COMPARING_OPTIONS,
}


def likely_reason(signals: list[C]) -> CartAbandonmentReason | None:
    """The abandonment reason the session's strongest-telling signal points to, if any."""
    for signal in reversed(signals):
        if signal in REASONS:
            return REASONS[signal]
    return None


def hand_to_save_flow(
    session: Session, *, cart: Cart, signals: list[C], now: datetime
) -> CartSaveAttempt:
    """Start the save flow for this cart now (not after the abandonment delay), with the
    reason its signals point to; the cart's running attempt when it has one."""
    return flow.initiate(session, cart=cart, now=now, reason=likely_reason(signals))
