"""A company's checkout chat settings (spec §6 `CheckoutChatConfig`), validated, with defaults.

Stored in camelCase JSON on the company's flow config row (`chat`); anything missing takes the
spec's default, so rows written before a setting existed keep working.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel
from sqlmodel import Session

from cart_admin.domain.config_store import settings_row, settings_row_for_update
from cart_admin.models import CartSaveFlowConfig
from cart_admin.models.types import utcnow

DEFAULT_QUICK_QUESTIONS = [
    "What's the shipping cost to my area?",
    "Do you accept PayPal?",
    "Can I change my order after placing it?",
    "How do I apply a discount code?",
    "What's your return policy?",
]
DEFAULT_WELCOME = "Hi! I'm here to help you complete your order. What can I help with?"


def _one_line(value: str) -> str:
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValueError("Use one line of text, without line breaks.")
    return value.strip()


Line = Annotated[str, Field(max_length=120), AfterValidator(_one_line)]


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class AiCapabilities(_Model):
    can_answer_shipping: bool = True
    can_answer_returns: bool = True
    can_answer_payment: bool = True
    can_apply_discounts: bool = True
    # The cap of every discount proposed in checkout: the chat's and the exit-intent offer's.
    max_discount_percent: Decimal = Field(default=Decimal("10"), ge=0, le=50)
    can_modify_cart: bool = False


class EscalateToHuman(_Model):
    on_request: bool = True
    on_frustration: bool = True
    on_high_value: bool = True
    high_value_threshold: Decimal = Field(default=Decimal("500"), ge=0, le=1_000_000)


class CheckoutChatConfig(_Model):
    enabled: bool = True
    position: Literal["bottom-right", "bottom-left", "inline"] = "bottom-right"
    welcome_message: Annotated[str, Field(max_length=200), AfterValidator(_one_line)] = (
        DEFAULT_WELCOME
    )
    quick_questions: list[Line] = Field(
        default_factory=lambda: list(DEFAULT_QUICK_QUESTIONS), max_length=8
    )
    ai_capabilities: AiCapabilities = Field(default_factory=AiCapabilities)
    escalate_to_human: EscalateToHuman = Field(default_factory=EscalateToHuman)


def parse_chat_config(data: dict) -> CheckoutChatConfig:
    return CheckoutChatConfig.model_validate(data)


def load_chat_config(session: Session, company_id: str) -> CheckoutChatConfig:
    return chat_config_from_row(settings_row(session, company_id))


def chat_config_from_row(row: CartSaveFlowConfig | None) -> CheckoutChatConfig:
    if row is None or not row.chat:
        return CheckoutChatConfig()
    try:
        return CheckoutChatConfig.model_validate(row.chat)
    except ValidationError:  # written by an older version: the defaults, chat as it was
        return CheckoutChatConfig(enabled=row.chat.get("enabled") is not False)


def save_chat_config(
    session: Session, company_id: str, config: CheckoutChatConfig
) -> CheckoutChatConfig:
    row = settings_row_for_update(session, company_id)
    row.chat = config.model_dump(mode="json", by_alias=True)
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return config
