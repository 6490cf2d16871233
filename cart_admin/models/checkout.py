"""Checkout assistance: churn signals, the real-time interventions they led to, the checkout
chat's conversations and the company's policies the chat answers from (spec §5, §6)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from cart_admin.models.base import (
    Timestamped,
    company_fk,
    fk,
    id_field,
    json_field,
    json_nullable,
    money,
    timestamp,
)
from cart_admin.models.enums import (
    ChatRole,
    ChatSessionStatus,
    CheckoutChurnSignal,
    CheckoutInterventionStatus,
    InterventionType,
)
from cart_admin.models.types import enum_column


class CheckoutChurnEvent(SQLModel, table=True):
    """One signal a shopper's browser (or the storefront) reported for a cart session."""

    __tablename__ = "checkout_churn_events"
    __table_args__ = (
        sa.Index("ix_checkout_churn_events_cart_session", "cart_id", "session_id", "occurred_at"),
        sa.Index("ix_checkout_churn_events_company_occurred", "company_id", "occurred_at"),
    )

    id: str = id_field()
    company_id: str = company_fk()
    cart_id: str = fk("carts", index=False)
    session_id: str = Field(max_length=64)  # the browser tab's id
    signal: CheckoutChurnSignal = Field(sa_type=enum_column(CheckoutChurnSignal))
    data: dict = json_field(dict)
    occurred_at: datetime = timestamp(nullable=False)  # the server's clock when received


class CheckoutIntervention(SQLModel, table=True):
    """A real-time intervention shown in the drawer, and what became of it.

    (cart, type) is unique: each kind at most once per cart, even under concurrent requests.
    `price_slot` is set ("PRICE") on offers that change the price, and (cart, price_slot) is
    unique too, so a cart gets one discount-bearing offer at most (NULLs never collide).
    """

    __tablename__ = "checkout_interventions"
    __table_args__ = (
        sa.UniqueConstraint("cart_id", "type", name="uq_checkout_interventions_cart_type"),
        sa.UniqueConstraint("cart_id", "price_slot", name="uq_checkout_interventions_price"),
        sa.Index("ix_checkout_interventions_company_created", "company_id", "created_at"),
    )

    id: str = id_field()
    company_id: str = company_fk()
    cart_id: str = fk("carts", index=False)
    session_id: str = Field(max_length=64)
    type: InterventionType = Field(sa_type=enum_column(InterventionType))
    action: str = Field(max_length=32)  # APPLY_DISCOUNT | APPLY_FREE_SHIPPING | OPEN_CHAT
    # What called for it; None for an offer the checkout chat made.
    signal: CheckoutChurnSignal | None = Field(
        default=None, sa_type=enum_column(CheckoutChurnSignal), nullable=True
    )
    chat_session_id: str | None = fk("chat_sessions", nullable=True, index=False)
    risk_score: int = 0
    message: str = Field(default="", max_length=300)
    discount_percent: Decimal | None = money(None, nullable=True)
    discount_code_id: str | None = fk("discount_codes", nullable=True, index=False)
    price_slot: str | None = Field(default=None, max_length=8)
    status: CheckoutInterventionStatus = Field(
        default=CheckoutInterventionStatus.SHOWN, sa_type=enum_column(CheckoutInterventionStatus)
    )
    created_at: datetime = timestamp(nullable=False, now=True)  # shown
    accepted_at: datetime | None = timestamp()
    dismissed_at: datetime | None = timestamp()
    converted_at: datetime | None = timestamp()


class StorePolicies(Timestamped, table=True):
    """The company's own words the checkout chat answers from."""

    __tablename__ = "store_policies"

    id: str = id_field()
    company_id: str = Field(foreign_key="companies.id", max_length=24, unique=True)
    shipping: str = Field(default="", sa_type=sa.Text)
    returns: str = Field(default="", sa_type=sa.Text)
    payment: str = Field(default="", sa_type=sa.Text)
    faq: str = Field(default="", sa_type=sa.Text)  # "Q: ...\nA: ..." pairs, blank-line separated


class ChatSession(Timestamped, table=True):
    """A checkout chat conversation; `token` is the shopper's bearer id for it."""

    __tablename__ = "chat_sessions"
    __table_args__ = (
        sa.Index("ix_chat_sessions_company_status", "company_id", "status", "last_message_at"),
    )

    id: str = id_field()
    company_id: str = company_fk()
    token: str = Field(max_length=48, unique=True)
    cart_id: str | None = fk("carts", nullable=True, index=True)
    landing_page_id: str | None = fk("landing_pages", nullable=True, index=False)
    channel: str = Field(default="CHECKOUT_CHAT", max_length=32)
    status: ChatSessionStatus = Field(
        default=ChatSessionStatus.OPEN, sa_type=enum_column(ChatSessionStatus)
    )
    context: dict = json_field(dict)  # cart value, item count, checkout step at the start
    escalated_at: datetime | None = timestamp()
    escalation_reason: str | None = Field(default=None, max_length=32)
    needs_reply: bool = False  # the shopper wrote since a person last answered
    last_message_at: datetime | None = timestamp()
    discount_code_id: str | None = fk("discount_codes", nullable=True, index=False)


class ChatMessage(SQLModel, table=True):
    """One message of a conversation, in order (`seq` is per session)."""

    __tablename__ = "chat_messages"
    __table_args__ = (sa.UniqueConstraint("chat_session_id", "seq", name="uq_chat_messages_seq"),)

    id: str = id_field()
    company_id: str = company_fk()
    chat_session_id: str = fk("chat_sessions", index=False)
    seq: int
    role: ChatRole = Field(sa_type=enum_column(ChatRole))
    content: str = Field(sa_type=sa.Text)
    actions: list = json_field(list)  # proposed actions the shopper can press
    source: str | None = Field(default=None, max_length=16)  # policy | claude | person
    author: str | None = Field(default=None, max_length=120)  # the person who replied
    details: dict | None = json_nullable()  # which policy answered, the action taken
    created_at: datetime = timestamp(nullable=False, now=True)
