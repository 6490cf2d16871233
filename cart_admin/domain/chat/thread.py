"""A checkout chat's record: its messages in order, the hand-over to a person and the
person's replies. No answering here (conversation.py) and no offers (offers.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from cart_admin.domain import storefront as shop
from cart_admin.domain.chat.config import CheckoutChatConfig
from cart_admin.domain.tenancy import NotFound
from cart_admin.models import Cart, ChatMessage, ChatRole, ChatSession, ChatSessionStatus

ESCALATED_NOTE = "I've asked a team member to join. They'll reply right here."
MAX_MESSAGE_CHARS = 1000


class ChatError(ValueError):
    """A request the chat refuses; the message is for the shopper."""


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


def append(
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
    return append(session, chat, ChatRole.SYSTEM, ESCALATED_NOTE, now, source="escalation")


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
    return append(session, chat, ChatRole.AGENT, text, now, source="person", author=author[:120])


def close(session: Session, chat: ChatSession, *, now: datetime) -> ChatSession:
    chat.status, chat.needs_reply, chat.updated_at = ChatSessionStatus.CLOSED, False, now
    session.add(chat)
    session.flush()
    return chat
