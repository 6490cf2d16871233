"""What the checkout chat may do to a cart's price, and doing it when the shopper presses.

The shopper's browser only ever names an action it was offered (by message id and type); what it
is worth comes from the server's own record, re-checked against the company's current cap, the
cart, the holdout group and the one-price-offer-per-cart rule at the moment it is taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from cart_admin.domain import storefront as shop
from cart_admin.domain.chat import answerer
from cart_admin.domain.chat.config import CheckoutChatConfig, load_chat_config
from cart_admin.domain.chat.thread import ChatError, append, cart_of, request_person, store_of
from cart_admin.domain.churn.responses import issue_cart_code
from cart_admin.domain.churn.tracking import in_holdout
from cart_admin.domain.tenancy import NotFound
from cart_admin.models import (
    Cart,
    ChatMessage,
    ChatRole,
    ChatSession,
    CheckoutIntervention,
    CheckoutInterventionStatus,
    DiscountKind,
)
from cart_admin.models import InterventionType as K


@dataclass
class Done:
    message: ChatMessage
    cart: shop.PricedCart | None = None


def price_offer_taken(session: Session, cart: Cart) -> bool:
    return (
        session.exec(
            select(CheckoutIntervention.id).where(
                col(CheckoutIntervention.cart_id) == cart.id,
                col(CheckoutIntervention.price_slot) == "PRICE",
            )
        ).first()
        is not None
    )


def _offerable(session: Session, cart: Cart | None, config: CheckoutChatConfig) -> bool:
    """May the chat still change this cart's price at all?"""
    return (
        cart is not None
        and config.ai_capabilities.can_apply_discounts
        and cart.status in shop.OPEN_STATUSES
        and cart.item_count > 0
        and not cart.discount_code  # codes do not combine: an offer would replace it
        and not in_holdout(session, cart)
        and not price_offer_taken(session, cart)
    )


def discount_available(
    session: Session, cart: Cart | None, config: CheckoutChatConfig
) -> Decimal | None:
    cap = config.ai_capabilities.max_discount_percent
    return cap if cap > 0 and _offerable(session, cart, config) else None


def free_shipping_available(
    session: Session, cart: Cart | None, config: CheckoutChatConfig
) -> bool:
    return cart is not None and cart.shipping_total > 0 and _offerable(session, cart, config)


def offered_action(session: Session, chat: ChatSession, message_id: str, kind: str) -> dict:
    """The action the server itself proposed in that message; ChatError when it did not."""
    message = session.get(ChatMessage, message_id)
    if message is None or message.chat_session_id != chat.id:
        raise NotFound("No such message in this chat.")
    for action in message.actions or []:
        if action.get("type") == kind:
            return action
    raise ChatError("That action was not offered in this chat.")


def take_action(
    session: Session,
    *,
    chat: ChatSession,
    message_id: str,
    kind: str,
    now: datetime,
) -> Done:
    """Carry out an offered action after checking it is still allowed; returns the chat's
    message saying what was done."""
    action = offered_action(session, chat, message_id, kind)
    config = load_chat_config(session, chat.company_id)
    if kind == "escalate":
        return Done(request_person(session, chat, config, now))
    cart = cart_of(session, chat)
    store = store_of(session, cart)
    if cart is None or store is None:
        raise ChatError("There is no cart to apply that to.")
    if kind == "apply_discount":
        available = discount_available(session, cart, config)
        try:
            offered = Decimal(str((action.get("data") or {}).get("percent", "0")))
        except InvalidOperation:
            offered = Decimal(0)
        if available is None or offered <= 0:
            raise ChatError("That offer is no longer available for this cart.")
        percent = min(offered, available)
        row = _price_offer(
            session, chat, cart, K.PERCENTAGE_DISCOUNT, "APPLY_DISCOUNT", percent, now
        )
        code = issue_cart_code(session, cart, DiscountKind.PERCENT, percent, now=now)
        done = f"Done! {answerer.percent_text(percent)}% off is applied to your cart"
    elif kind == "update_shipping":
        if not free_shipping_available(session, cart, config):
            raise ChatError("That offer is no longer available for this cart.")
        row = _price_offer(session, chat, cart, K.FREE_SHIPPING_OFFER, "APPLY_FREE_SHIPPING",
                           None, now)  # fmt: skip
        code = issue_cart_code(session, cart, DiscountKind.FREE_SHIPPING, Decimal("0.00"), now=now)
        done = "Done! Shipping on this order is now free"
    else:
        raise ChatError("That action is not available.")
    row.discount_code_id = code.id
    chat.discount_code_id = code.id
    cart.discount_code = code.code
    priced = shop.reprice(session, store=store, cart=cart, now=now)
    text = f"{done} (code {code.code})."
    message = append(session, chat, ChatRole.ASSISTANT, text, now, source="action",
                      details={"action": kind, "code": code.code})  # fmt: skip
    return Done(message, priced)


def _price_offer(
    session: Session,
    chat: ChatSession,
    cart: Cart,
    kind: K,
    action: str,
    percent: Decimal | None,
    now: datetime,
) -> CheckoutIntervention:
    """The cart's one price offer, taken by the chat (the unique keys settle a race)."""
    row = CheckoutIntervention(
        company_id=cart.company_id,
        cart_id=cart.id,
        session_id=f"chat:{chat.id}",
        chat_session_id=chat.id,
        type=kind,
        action=action,
        discount_percent=percent,
        price_slot="PRICE",
        status=CheckoutInterventionStatus.ACCEPTED,
        created_at=now,
        accepted_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError as exc:
        raise ChatError("That offer is no longer available for this cart.") from exc
    return row
