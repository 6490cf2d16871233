"""The admin inbox: the company's conversations, those waiting for a person first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from cart_admin.domain.tenancy import NotFound
from cart_admin.models import Cart, ChatMessage, ChatRole, ChatSession, ChatSessionStatus

INBOX_LIMIT = 200


@dataclass(frozen=True)
class Conversation:
    id: str
    status: ChatSessionStatus
    needs_reply: bool
    escalation_reason: str | None
    cart_value: Decimal | None
    item_count: int | None
    last_message: str
    last_message_at: datetime | None
    created_at: datetime

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "status": str(self.status),
            "needsReply": self.needs_reply,
            "escalationReason": self.escalation_reason,
            "cartValue": str(self.cart_value) if self.cart_value is not None else None,
            "itemCount": self.item_count,
            "lastMessage": self.last_message,
            "lastMessageAt": self.last_message_at.isoformat() if self.last_message_at else None,
            "createdAt": self.created_at.isoformat(),
        }


def conversations(
    session: Session, company_id: str, *, status: ChatSessionStatus | None = None
) -> list[Conversation]:
    """Waiting for a reply first, then the most recently active."""
    query = (
        select(ChatSession, Cart)
        .join(Cart, col(Cart.id) == col(ChatSession.cart_id), isouter=True)
        .where(col(ChatSession.company_id) == company_id)
    )
    if status is not None:
        query = query.where(col(ChatSession.status) == status)
    query = query.order_by(
        col(ChatSession.needs_reply).desc(),
        col(ChatSession.last_message_at).desc(),
        col(ChatSession.id).desc(),
    ).limit(INBOX_LIMIT)
    rows = session.exec(query).all()
    ids = [chat.id for chat, _ in rows]
    last: dict[str, str] = {}
    if ids:
        newest = (  # the shopper's latest words say what the conversation is about
            select(ChatMessage.chat_session_id, func.max(ChatMessage.seq).label("seq"))
            .where(
                col(ChatMessage.chat_session_id).in_(ids), col(ChatMessage.role) == ChatRole.USER
            )
            .group_by(col(ChatMessage.chat_session_id))
            .subquery()
        )
        for message in session.exec(
            select(ChatMessage).join(
                newest,
                sa.and_(
                    col(ChatMessage.chat_session_id) == newest.c.chat_session_id,
                    col(ChatMessage.seq) == newest.c.seq,
                ),
            )
        ).all():
            last[message.chat_session_id] = message.content
    return [
        Conversation(
            id=chat.id,
            status=chat.status,
            needs_reply=chat.needs_reply,
            escalation_reason=chat.escalation_reason,
            cart_value=cart.grand_total if cart is not None else None,
            item_count=cart.item_count if cart is not None else None,
            last_message=last.get(chat.id, "(no message from the shopper yet)")[:160],
            last_message_at=chat.last_message_at,
            created_at=chat.created_at,
        )
        for chat, cart in rows
    ]


def waiting_count(session: Session, company_id: str) -> int:
    return session.exec(
        select(func.count())
        .select_from(ChatSession)
        .where(col(ChatSession.company_id) == company_id, col(ChatSession.needs_reply).is_(True))
    ).one()


def conversation(session: Session, company_id: str, chat_id: str) -> ChatSession:
    chat = session.get(ChatSession, chat_id)
    if chat is None or chat.company_id != company_id:
        raise NotFound("No such conversation.")
    return chat
