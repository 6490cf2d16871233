"""A company's churn-detection settings: each signal's weight and the real-time offers.

Stored in camelCase JSON on the company's settings row (`churn`); missing fields take the
defaults below, so rows written before a setting existed keep working.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel
from sqlmodel import Session

from cart_admin.domain.config_store import settings_row, settings_row_for_update
from cart_admin.models import CartSaveFlowConfig
from cart_admin.models import CheckoutChurnSignal as C
from cart_admin.models.types import utcnow

# How much each signal says the shopper is about to leave (0-100; the documented defaults).
DEFAULT_WEIGHTS: dict[C, int] = {
    C.PAYMENT_DECLINED: 30,
    C.MULTIPLE_PAYMENT_ATTEMPTS: 25,
    C.PAYMENT_METHOD_SWITCH: 10,
    C.SHIPPING_COST_SHOCK: 35,
    C.TAX_SHOCK: 20,
    C.DISCOUNT_CODE_FAILURE: 15,
    C.DISCOUNT_HUNTING: 25,
    C.POLICY_PAGE_VISIT: 10,
    C.FAQ_VISIT: 5,
    C.TAB_SWITCHING: 15,
    C.LONG_FORM_TIME: 20,
    C.FORM_FIELD_ERRORS: 15,
    C.ADDRESS_ISSUES: 20,
    C.MOUSE_EXIT_INTENT: 40,  # the classic exit intent: alone it reaches the threshold
    C.BACK_BUTTON: 20,
    C.TAB_CLOSE_ATTEMPT: 40,
    C.IDLE_TIMEOUT: 10,
}
Weight = Annotated[int, Field(ge=0, le=100)]


class ChurnConfig(BaseModel):
    """A company's churn settings (JSON in camelCase; missing fields take the defaults)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    enabled: bool = True
    weights: dict[C, Weight] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    exit_intent_threshold: int = Field(default=40, ge=0, le=100)
    exit_intent_discount_percent: Decimal = Field(default=Decimal("10"), ge=0, le=100)
    free_shipping_offer: bool = True
    chat_help: bool = True
    # What the drawer counts as idle (IDLE_TIMEOUT) and as a long time in the cart.
    idle_seconds: int = Field(default=120, ge=10, le=3600)
    long_form_seconds: int = Field(default=300, ge=30, le=7200)

    def weight(self, signal: C) -> int:
        return self.weights.get(signal, DEFAULT_WEIGHTS[signal])


def parse_churn_config(data: dict) -> ChurnConfig:
    return ChurnConfig.model_validate(data)


def load_churn_config(session: Session, company_id: str) -> ChurnConfig:
    return churn_config_from_row(settings_row(session, company_id))


def churn_config_from_row(row: CartSaveFlowConfig | None) -> ChurnConfig:
    if row is None or not row.churn:
        return ChurnConfig()
    try:
        return ChurnConfig.model_validate(row.churn)
    except ValidationError:  # written by an older version: the defaults, on only if it was
        return ChurnConfig(enabled=row.churn.get("enabled") is not False)


def save_churn_config(session: Session, company_id: str, config: ChurnConfig) -> ChurnConfig:
    row = settings_row_for_update(session, company_id)
    row.churn = config.model_dump(mode="json", by_alias=True)
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return config
