"""A checkout chat conversation: start it, answer the shopper, carry out the actions the server
allowed, escalate to a person, and the person's replies from the inbox.

The shopper's browser only ever names an action it was offered (by message id and type); what it
is worth comes from the server's own record, re-checked against the company's current cap, the
cart, the holdout group and the one-price-offer-per-cart rule at the moment it is taken.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Protocol

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from cart_admin.channels.ai import ChatMessage as AIMessage
from cart_admin.domain import pricing
from cart_admin.domain import storefront as shop
from cart_admin.domain.chat import answerer
from cart_admin.domain.chat.answerer import Answer, CartFacts, Intent
from cart_admin.domain.chat.config import CheckoutChatConfig, load_chat_config
from cart_admin.domain.chat.policies import Passage, load_policies, passages
from cart_admin.domain.churn.responses import issue_cart_code
from cart_admin.domain.churn.tracking import in_holdout
from cart_admin.domain.tenancy import NotFound
from cart_admin.models import (
    Cart,
    ChatMessage,
    ChatRole,
    ChatSession,
    ChatSessionStatus,
    CheckoutIntervention,
    CheckoutInterventionStatus,
    Company,
    DiscountKind,
)
from cart_admin.models import InterventionType as K

ESCALATED_NOTE = "I've asked a team member to join. They'll reply right here."
WAITING_NOTE = "A team member will reply here shortly."
MAX_MESSAGE_CHARS = 1000


class ChatError(ValueError):
    """A request the chat refuses; the message is for the shopper."""


class Answerer(Protocol):
    def __call__(
        self,
        question: str,
        history: list[AIMessage],
        passages: list[Passage],
        config: CheckoutChatConfig,
        cart: CartFacts | None,
        *,
        discount_available: Decimal | None,
        free_shipping_available: bool,
    ) -> Answer: ...


def retrieval_answerer(
    question: str,
    history: list[AIMessage],
    passages: list[Passage],
    config: CheckoutChatConfig,
    cart: CartFacts | None,
    *,
    discount_available: Decimal | None,
    free_shipping_available: bool,
) -> Answer:
    return answerer.answer(question, passages, config, cart, discount_available=discount_available)


@dataclass
class Done:
    message: ChatMessage
    cart: shop.PricedCart | None = None


@dataclass
class Posted:
    messages: list[ChatMessage] = field(default_factory=list)
    escalated: bool = False


# ---- reading


def session_for_token(session: Session, token: str) -> ChatSession:
    chat = session.exec(select(ChatSession).where(col(ChatSession.token) == token)).first()
    if chat is None:
        raise NotFound("No such chat.")
    return chat


def messages_after(session: Session, chat: ChatSession, after: int = 0) -> list[ChatMessage]:
    return list(
        session.exec(
            select(ChatMessage)
            .where(col(ChatMessage.chat_session_id) == chat.id, col(ChatMessage.seq) > after)
            .order_by(col(ChatMessage.seq))
        ).all()
    )


def cart_of(session: Session, chat: ChatSession) -> Cart | None:
    return session.get(Cart, chat.cart_id) if chat.cart_id else None


def store_of(session: Session, cart: Cart | None) -> shop.Storefront | None:
    """The cart's storefront, or None once its page is unpublished (the chat goes on)."""
    if cart is None:
        return None
    try:
        return shop.storefront_for_cart_token(session, token=cart.public_token)[0]
    except NotFound:
        return None


def cart_facts(session: Session, cart: Cart | None, company: Company) -> CartFacts | None:
    if cart is None:
        return None
    store = store_of(session, cart)
    remaining = None
    settings = store.theme.triggers.free_shipping if store is not None else None
    if settings is not None and cart.shipping_total > 0:
        remaining = pricing.free_shipping_status(
            subtotal=cart.subtotal,
            discount=cart.discount_total,
            threshold=settings.threshold,
            basis=settings.measured,
        ).remaining
    return CartFacts(
        grand_total=cart.grand_total,
        shipping_total=cart.shipping_total,
        item_count=cart.item_count,
        free_shipping_remaining=remaining,
        currency=company.currency,
        has_code=bool(cart.discount_code),
    )


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


# ---- writing


def _append(
    session: Session, chat: ChatSession, role: ChatRole, content: str, now: datetime, **extra
) -> ChatMessage:
    """The next message of the conversation; `seq` is unique per session, so two writers at
    once retry rather than interleave."""
    for _ in range(5):
        last = session.exec(
            select(func.max(ChatMessage.seq)).where(col(ChatMessage.chat_session_id) == chat.id)
        ).one()
        message = ChatMessage(
            company_id=chat.company_id,
            chat_session_id=chat.id,
            seq=(last or 0) + 1,
            role=role,
            content=content,
            created_at=now,
            **extra,
        )
        try:
            with session.begin_nested():
                session.add(message)
            chat.last_message_at, chat.updated_at = now, now
            session.add(chat)
            return message
        except IntegrityError:
            continue
    raise ChatError("The chat is busy; send that again.")


def start(
    session: Session,
    *,
    store: shop.Storefront,
    cart: Cart | None,
    context: dict,
    now: datetime,
) -> ChatSession:
    """A new conversation for this page (and cart), opened with the welcome message."""
    config = load_chat_config(session, store.company.id)
    if not config.enabled:
        raise ChatError("Chat is not available right now.")
    chat = ChatSession(
        company_id=store.company.id,
        token=secrets.token_urlsafe(24),
        cart_id=cart.id if cart is not None else None,
        landing_page_id=store.page.id,
        context=context,
        created_at=now,
        updated_at=now,
    )
    session.add(chat)
    session.flush()
    _append(session, chat, ChatRole.ASSISTANT, config.welcome_message, now, source="welcome")
    return chat


def open_for_cart(
    session: Session, *, store: shop.Storefront, cart: Cart, now: datetime
) -> ChatSession:
    """The cart's open conversation, or a new one (a churn hand-over, or the chat reopened)."""
    chat = session.exec(
        select(ChatSession)
        .where(
            col(ChatSession.cart_id) == cart.id,
            col(ChatSession.status) != ChatSessionStatus.CLOSED,
        )
        .order_by(col(ChatSession.created_at).desc())
    ).first()
    if chat is not None:
        return chat
    context = {"cartValue": str(cart.grand_total), "itemCount": cart.item_count}
    return start(session, store=store, cart=cart, context=context, now=now)


def _history(session: Session, chat: ChatSession) -> list[AIMessage]:
    out: list[AIMessage] = []
    for m in messages_after(session, chat)[-12:]:
        if m.role is ChatRole.USER:
            out.append(AIMessage("user", m.content))
        elif m.role in (ChatRole.ASSISTANT, ChatRole.AGENT):
            out.append(AIMessage("assistant", m.content))
    while out and out[0].role != "user":  # the API wants the shopper to speak first
        out.pop(0)
    return out


def _unanswered_streak(session: Session, chat: ChatSession) -> int:
    streak = 0
    for m in reversed(messages_after(session, chat)):
        if m.role is not ChatRole.ASSISTANT:
            continue
        if (m.details or {}).get("answered") is False:
            streak += 1
        else:
            break
    return streak


def escalation_reason(
    answer: Answer, config: CheckoutChatConfig, cart: Cart | None, unanswered_before: int
) -> str | None:
    """Why this turn hands the chat to a person (the spec's three triggers), or None."""
    rules = config.escalate_to_human
    if answer.intent is Intent.HUMAN and rules.on_request:
        return "REQUEST"
    if rules.on_frustration and (
        answer.intent is Intent.FRUSTRATED or (not answer.answered and unanswered_before >= 1)
    ):
        return "FRUSTRATION"
    high = cart is not None and cart.grand_total >= rules.high_value_threshold
    if rules.on_high_value and high and not answer.answered:
        return "HIGH_VALUE"
    return None


def post(
    session: Session,
    *,
    chat: ChatSession,
    content: str,
    answer_with: Answerer,
    now: datetime,
) -> Posted:
    """The shopper's message and what follows it: the assistant's answer, or, while a person
    has the conversation, a note that they will reply."""
    text = content.strip()
    if not text:
        raise ChatError("Type a message first.")
    if len(text) > MAX_MESSAGE_CHARS:
        raise ChatError(f"Keep messages under {MAX_MESSAGE_CHARS} characters.")
    config = load_chat_config(session, chat.company_id)
    if not config.enabled:
        raise ChatError("Chat is not available right now.")
    posted = Posted()
    if chat.status is ChatSessionStatus.ESCALATED:
        posted.messages.append(_append(session, chat, ChatRole.USER, text, now))
        chat.needs_reply = True
        session.add(chat)
        return posted
    cart = cart_of(session, chat)
    company = session.get(Company, chat.company_id)
    assert company is not None
    store = store_of(session, cart)
    threshold = store.theme.triggers.free_shipping.threshold if store is not None else None
    found = passages(load_policies(session, chat.company_id), company, threshold)
    history = _history(session, chat)
    unanswered = _unanswered_streak(session, chat)
    answer = answer_with(
        text,
        history,
        found,
        config,
        cart_facts(session, cart, company),
        discount_available=discount_available(session, cart, config),
        free_shipping_available=free_shipping_available(session, cart, config),
    )
    if chat.status is ChatSessionStatus.CLOSED:
        chat.status = ChatSessionStatus.OPEN
    posted.messages.append(_append(session, chat, ChatRole.USER, text, now))
    reason = escalation_reason(answer, config, cart, unanswered)
    actions = [a.as_dict() for a in answer.actions]
    if reason is not None:
        actions = [a for a in actions if a["type"] != "escalate"]
    details = {"answered": answer.answered, "intent": str(answer.intent), "topic": answer.topic}
    if reason != "REQUEST" or answer.intent is not Intent.HUMAN:  # the hand-over note says it
        said = _append(
            session, chat, ChatRole.ASSISTANT, answer.text, now,
            source=answer.source, actions=actions, details=details,
        )  # fmt: skip
        posted.messages.append(said)
    if reason is not None:
        posted.messages.append(escalate(session, chat, reason, now))
        posted.escalated = True
    return posted


def escalate(session: Session, chat: ChatSession, reason: str, now: datetime) -> ChatMessage:
    """Hand the conversation to a person: it shows in the inbox until someone replies.
    Asking again while it waits adds nothing."""
    if chat.status is ChatSessionStatus.ESCALATED and chat.needs_reply:
        waiting = session.exec(
            select(ChatMessage)
            .where(
                col(ChatMessage.chat_session_id) == chat.id,
                col(ChatMessage.source) == "escalation",
            )
            .order_by(col(ChatMessage.seq).desc())
        ).first()
        if waiting is not None:
            return waiting
    if chat.status is not ChatSessionStatus.ESCALATED:
        chat.status, chat.escalated_at, chat.escalation_reason = (
            ChatSessionStatus.ESCALATED, now, reason[:32]
        )  # fmt: skip
    chat.needs_reply = True
    session.add(chat)
    return _append(session, chat, ChatRole.SYSTEM, ESCALATED_NOTE, now, source="escalation")


def request_person(
    session: Session, chat: ChatSession, config: CheckoutChatConfig, now: datetime
) -> ChatMessage:
    """The shopper asked for a person (a button, or the drawer's escalate call)."""
    if not config.escalate_to_human.on_request:
        raise ChatError("A team member can't join this chat; ask me, or write to the shop.")
    return escalate(session, chat, "REQUEST", now)


def reply(
    session: Session, *, chat: ChatSession, author: str, content: str, now: datetime
) -> ChatMessage:
    """A person answers from the inbox; the shopper's chat shows it on its next poll."""
    text = content.strip()
    if not text:
        raise ChatError("Write a reply first.")
    if len(text) > MAX_MESSAGE_CHARS * 2:
        raise ChatError(f"Keep replies under {MAX_MESSAGE_CHARS * 2} characters.")
    if chat.status is not ChatSessionStatus.ESCALATED:
        chat.status, chat.escalated_at = ChatSessionStatus.ESCALATED, chat.escalated_at or now
        chat.escalation_reason = chat.escalation_reason or "AGENT"
    chat.needs_reply = False
    session.add(chat)
    return _append(session, chat, ChatRole.AGENT, text, now, source="person", author=author[:120])


def close(session: Session, chat: ChatSession, *, now: datetime) -> ChatSession:
    chat.status, chat.needs_reply, chat.updated_at = ChatSessionStatus.CLOSED, False, now
    session.add(chat)
    session.flush()
    return chat


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
    message = _append(session, chat, ChatRole.ASSISTANT, text, now, source="action",
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
