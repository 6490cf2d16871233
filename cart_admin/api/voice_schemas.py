"""Request and response bodies of the voice endpoints (deployment plan §4)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cart_admin.domain.voice.config import Action
from cart_admin.domain.voice.script import Node
from cart_admin.models import Sentiment, VoiceCallOutcome, VoiceCallStatus, VoiceScriptType


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


HexId = Field(min_length=1, max_length=24, pattern=r"^[0-9a-f]+$")


class InitiateCallBody(_Body):
    """Call a shopper now: name the save attempt, or the cart (its latest attempt)."""

    attempt_id: str | None = Field(
        default=None, alias="attemptId", min_length=1, max_length=24, pattern=r"^[0-9a-f]+$"
    )
    cart_id: str | None = Field(
        default=None, alias="cartId", min_length=1, max_length=24, pattern=r"^[0-9a-f]+$"
    )

    @model_validator(mode="after")
    def _one(self) -> InitiateCallBody:
        if not (self.attempt_id or self.cart_id):
            raise ValueError("Give attemptId or cartId.")
        return self


class OutcomeBody(_Body):
    outcome: VoiceCallOutcome
    note: str | None = Field(default=None, max_length=500)


class SimState(_Body):
    """The simulator's state as the previous turn returned it."""

    node: Node = Node.GREETING
    retries: int = Field(default=0, ge=0, le=20)
    turn: int = Field(default=0, ge=0, le=1000)
    pending: Action | None = None
    outcome: VoiceCallOutcome | None = None


class SimulateBody(_Body):
    """One turn of the simulator. Without `state` the call starts (answered by a person, or
    by a machine with `machine`); with it, `utterance` is the shopper's reply ("" = silence).
    `cartId` plays the call about one of your carts; without it, a sample cart."""

    cart_id: str | None = Field(
        default=None, alias="cartId", min_length=1, max_length=24, pattern=r"^[0-9a-f]+$"
    )
    state: SimState | None = None
    utterance: str = Field(default="", max_length=500)
    machine: bool = False


class TranscriptTurn(BaseModel):
    role: str  # agent | customer
    text: str
    turn: int | None = None
    at: str | None = None
    intent: str | None = None
    by: str | None = None
    rule: str | None = None
    confidence: str | None = None


class CallOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    cart_id: str
    cart_save_attempt_id: str
    customer_id: str | None
    intervention_id: str | None
    voice_call_id: str | None
    to_phone: str | None
    script_type: VoiceScriptType
    offer: dict | None
    status: VoiceCallStatus
    outcome: VoiceCallOutcome | None
    initiated_at: datetime
    answered_at: datetime | None
    completed_at: datetime | None
    duration: int | None
    answered_by: str | None
    sentiment: Sentiment | None
    transcript: list[TranscriptTurn] | None
    error_message: str | None
    details: dict | None


class CallListOut(BaseModel):
    calls: list[CallOut]
    total: int


class VoiceAnalyticsOut(BaseModel):
    """Spec §9 `voice`, with rates and the outcome breakdown."""

    start: datetime
    end: datetime
    calls_attempted: int
    calls_initiated: int
    calls_answered: int
    calls_completed: int
    carts_recovered: int
    avg_call_duration: float
    revenue_recovered: Decimal
    discounts_accepted: int
    failed: int
    answer_rate: float
    failure_rate: float
    by_outcome: dict[str, int]


class SimTurnOut(BaseModel):
    say: list[str]
    twiml: str
    state: dict
    listening: bool
    ended: bool
    transfer_to: str | None
    effects: list[str]
    heard: str | None
    understood_as: str | None
    outcome: VoiceCallOutcome | None
