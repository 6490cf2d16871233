"""A checkout chat conversation: start it, answer the shopper, and hand it to a person when
the shopper asks, is frustrated or has a high-value cart the assistant cannot help.

The conversation's record (messages, hand-over, replies) is in thread.py and what the chat may
do to a price in offers.py; their names are re-exported here for the API and the pages.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from sqlmodel import Session, col, select

from cart_admin.channels.ai import ChatMessage as AIMessage
from cart_admin.domain import pricing
from cart_admin.domain import storefront as shop
from cart_admin.domain.chat import answerer
from cart_admin.domain.chat.answerer import Answer, CartFacts, Intent
from cart_admin.domain.chat.config import CheckoutChatConfig, load_chat_config
from cart_admin.domain.chat.offers import (
    Done,
    discount_available,
    free_shipping_available,
    offered_action,
    price_offer_taken,
    take_action,
)
from cart_admin.domain.chat.policies import Passage, load_policies, passages
from cart_admin.domain.chat.thread import (
    ESCALATED_NOTE,
    MAX_MESSAGE_CHARS,
    ChatError,
    append,
    cart_of,
    close,
    escalate,
    messages_after,
    reply,
    request_person,
    session_for_token,
    store_of,
)
from cart_admin.models import (
    Cart,
    ChatMessage,
    ChatRole,
    ChatSession,
    ChatSessionStatus,
    Company,
)

__all__ = [  # the chat's whole surface, for the API, the pages and the tests
    "ESCALATED_NOTE",
    "MAX_MESSAGE_CHARS",
    "Answerer",
    "ChatError",
    "Done",
    "Posted",
    "cart_facts",
    "cart_of",
    "close",
    "discount_available",
    "escalate",
    "escalation_reason",
    "free_shipping_available",
    "messages_after",
    "offered_action",
    "open_for_cart",
    "post",
    "price_offer_taken",
    "reply",
    "request_person",
    "retrieval_answerer",
    "session_for_token",
    "start",
    "store_of",
    "take_action",
]


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
class Posted:
    messages: list[ChatMessage] = field(default_factory=list)
    escalated: bool = False


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
    append(session, chat, ChatRole.ASSISTANT, config.welcome_message, now, source="welcome")
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
        posted.messages.append(append(session, chat, ChatRole.USER, text, now))
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
    posted.messages.append(append(session, chat, ChatRole.USER, text, now))
    reason = escalation_reason(answer, config, cart, unanswered)
    actions = [a.as_dict() for a in answer.actions]
    if reason is not None:
        actions = [a for a in actions if a["type"] != "escalate"]
    details = {"answered": answer.answered, "intent": str(answer.intent), "topic": answer.topic}
    if reason != "REQUEST" or answer.intent is not Intent.HUMAN:  # the hand-over note says it
        said = append(
            session, chat, ChatRole.ASSISTANT, answer.text, now,
            source=answer.source, actions=actions, details=details,
        )  # fmt: skip
        posted.messages.append(said)
    if reason is not None:
        posted.messages.append(escalate(session, chat, reason, now))
        posted.escalated = True
    return posted
