"""Bodies of the churn and checkout chat endpoints (camelCase, as the spec's)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

from cart_admin.models import (
    ChatMessage,
    CheckoutChurnSignal,
    CheckoutIntervention,
    EscalationTarget,
)
from cart_admin.models.types import storable_text

Text = Annotated[str, AfterValidator(storable_text)]
# What a signal may carry: a few flat, storable values (the drawer and MomentumCart.signal).
Scalar = (
    Annotated[str, StringConstraints(max_length=200), AfterValidator(storable_text)]
    | Annotated[float, Field(allow_inf_nan=False)]
    | int
    | bool
    | None
)
SignalData = dict[
    Annotated[str, StringConstraints(max_length=40), AfterValidator(storable_text)], Scalar
]
Token = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
TabId = Annotated[str, StringConstraints(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
MAX_SIGNALS_PER_BATCH = 50


class CamelBody(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class CamelOut(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class SignalIn(CamelBody):
    signal: CheckoutChurnSignal
    data: SignalData = Field(default_factory=dict, max_length=10)


class TrackBody(CamelBody):
    cart_token: Token
    session_id: TabId
    signals: list[SignalIn] = Field(min_length=1, max_length=MAX_SIGNALS_PER_BATCH)
    final: bool = False  # the page is going away: record, decide nothing


class EscalateBody(CamelBody):
    cart_token: Token
    session_id: TabId
    to: EscalationTarget = EscalationTarget.SAVE_FLOW
    reason: Text = Field(default="", max_length=200)


class InterventionOut(CamelOut):
    id: str
    type: str
    action: str
    message: str
    discount_percent: Decimal | None = None
    status: str

    @classmethod
    def of(cls, row: CheckoutIntervention) -> InterventionOut:
        return cls(
            id=row.id,
            type=str(row.type),
            action=row.action,
            message=row.message,
            discount_percent=row.discount_percent,
            status=str(row.status),
        )


class TrackOut(CamelOut):
    risk_score: int
    recorded: int
    intervention: InterventionOut | None = None


class EscalateOut(CamelOut):
    to: EscalationTarget
    attempt_id: str | None = None
    chat_session_id: str | None = None  # the chat the shopper can open (a person will reply)


class InterventionResponse(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["accepted", "dismissed"]


class ChatContext(CamelBody):
    cart_token: Token | None = None
    cart_value: Decimal | None = Field(default=None, ge=0, le=10_000_000)
    item_count: int | None = Field(default=None, ge=0, le=10_000)
    checkout_step: Text | None = Field(default=None, max_length=32)


class ChatStart(CamelBody):
    channel: Literal["CHECKOUT_CHAT"] = "CHECKOUT_CHAT"
    context: ChatContext = Field(default_factory=ChatContext)


class ChatPost(CamelBody):
    content: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=1000),
        AfterValidator(storable_text),
    ]


class ChatAction(CamelBody):
    message_id: str = Field(min_length=1, max_length=24, pattern=r"^[0-9a-f]+$")
    type: Literal["apply_discount", "update_shipping", "escalate"]
    data: dict[str, Any] = Field(default_factory=dict, max_length=5)  # ignored: the server decides


class ActionOut(CamelOut):
    type: str
    label: str
    data: dict[str, Any] = Field(default_factory=dict)


class MessageOut(CamelOut):
    id: str
    seq: int
    role: str
    content: str
    timestamp: datetime
    actions: list[ActionOut] = Field(default_factory=list)
    author: str | None = None

    @classmethod
    def of(cls, row: ChatMessage) -> MessageOut:
        return cls(
            id=row.id,
            seq=row.seq,
            role=str(row.role),
            content=row.content,
            timestamp=row.created_at,
            actions=[ActionOut(**a) for a in row.actions or []],
            author=row.author.split()[0] if row.author else None,  # a first name
        )


class ChatSessionOut(CamelOut):
    id: str  # the shopper's token for this chat
    status: str
    quick_questions: list[str]
    position: str
    messages: list[MessageOut]


class ChatReplyOut(CamelOut):
    """The spec's shape (`response`, `suggestedActions`, `autoAppliedDiscount`), plus every
    message this turn added, the chat's status and, after an action, the repriced cart."""

    response: str
    suggested_actions: list[ActionOut] = Field(default_factory=list)
    auto_applied_discount: bool = False
    escalated: bool = False
    status: str
    messages: list[MessageOut]
    cart: dict | None = None
