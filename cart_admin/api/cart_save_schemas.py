"""Request and response bodies of the save-flow endpoints (spec §11, deployment plan §4)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from cart_admin.models import (
    CartAbandonmentReason,
    CartSaveOutcome,
    CartSaveStage,
    CartSaveStatus,
    Channel,
    InterventionStatus,
    InterventionType,
)

Id = Field(min_length=1, max_length=24, pattern=r"^[0-9a-f]+$")


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class InitiateBody(_Body):
    cart_id: str = Field(alias="cartId", min_length=1, max_length=24, pattern=r"^[0-9a-f]+$")
    reason: CartAbandonmentReason | None = None


class SaveResponse(_Body):
    """Spec `CartSaveResponse`: what the shopper did; a reason is a survey answer."""

    type: str = Field(min_length=1, max_length=40, pattern=r"^[A-Z_]+$")
    reason: CartAbandonmentReason | None = None
    answers: dict[str, str] | None = Field(default=None, max_length=20)


class ProgressBody(_Body):
    response: SaveResponse | None = None


class DiagnosisBody(_Body):
    reason: CartAbandonmentReason
    answers: dict[str, str] | None = Field(default=None, max_length=20)
    comment: str | None = Field(default=None, max_length=500)


class CompleteBody(_Body):
    outcome: CartSaveOutcome


class InterventionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    stage: CartSaveStage
    step: int
    channel: Channel
    type: InterventionType | None
    status: InterventionStatus
    scheduled_at: datetime
    sent_at: datetime | None
    opened_at: datetime | None
    clicked_at: datetime | None
    converted_at: datetime | None
    offer_code: str | None
    offer_included: dict | None
    content: dict
    delivery_attempts: int
    error_message: str | None


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    cart_id: str
    customer_id: str | None
    current_stage: CartSaveStage
    stage_history: list[dict]
    diagnosis_reason: CartAbandonmentReason | None
    diagnosis_answers: dict
    status: CartSaveStatus
    outcome: CartSaveOutcome | None
    is_holdout: bool
    cart_value: Decimal
    current_offer: dict | None
    started_at: datetime
    scheduled_at: datetime | None
    completed_at: datetime | None
    recovered_value: Decimal | None


class AttemptStatusOut(AttemptOut):
    interventions: list[InterventionOut]


class ExecuteOut(BaseModel):
    attempt: AttemptStatusOut
    results: list[dict]
