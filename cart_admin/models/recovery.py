"""The save flow's rows: company config, attempts per cart, interventions, voice calls.

Due work lives here (DESIGN: the database is the queue): an intervention's `scheduled_at` and
`status`, and its lease columns, are what workers claim.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field

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
    CartAbandonmentReason,
    CartSaveOutcome,
    CartSaveStage,
    CartSaveStatus,
    Channel,
    InterventionStatus,
    InterventionType,
    Sentiment,
    VoiceCallOutcome,
    VoiceCallStatus,
    VoiceScriptType,
)
from cart_admin.models.types import JSONType, enum_column


class CartSaveFlowConfig(Timestamped, table=True):
    """A company's save-flow settings (spec `CartSaveFlowConfig`, plan `CartSaveConfig`).

    The plan's single `stageConfigs` blob is the spec's split columns taken together:
    `stages` (per-stage enabled/delay/channels/offer caps), `timing` (abandonment delay,
    quiet hours, frequency caps), `offers` (discount caps, code expiry), `channels`,
    `voice` (VoiceRecoveryConfig) and `triggers` (TriggerConfig). Empty means defaults.
    """

    __tablename__ = "cart_save_flow_configs"

    id: str = id_field()
    company_id: str = Field(foreign_key="companies.id", max_length=24, unique=True)
    enabled: bool = True
    stages: dict = json_field(dict)
    timing: dict = json_field(dict)
    offers: dict = json_field(dict)
    channels: dict = json_field(dict)
    voice: dict = json_field(dict)
    triggers: dict = json_field(dict)
    churn: dict = json_field(dict)  # ChurnConfig: signal weights, exit-intent offer
    chat: dict = json_field(dict)  # CheckoutChatConfig (spec §6)


class CartSaveAttempt(Timestamped, table=True):
    """One run of the save flow for one abandoned cart."""

    __tablename__ = "cart_save_attempts"
    __table_args__ = (
        sa.Index("idx_cart_save_attempts_company_status", "company_id", "status"),
        sa.Index("idx_cart_save_attempts_cart_status", "cart_id", "status"),
        # The plan asks for (created_at DESC); a B-tree serves both directions equally.
        sa.Index("idx_cart_save_attempts_created", "created_at"),
        # The reports' attempts of a period (counts, reasons, incrementality, the funnel's
        # join) read from the index alone on PostgreSQL: the rows carry kilobytes of JSON.
        sa.Index(
            "ix_cart_save_attempts_company_started",
            "company_id",
            "started_at",
            postgresql_include=[
                "id",
                "is_holdout",
                "status",
                "outcome",
                "diagnosis_reason",
                "recovered_value",
            ],
        ),
        # A message's attributed revenue (reports join every message of a period to its
        # attempt): the hash join reads this instead of the whole table.
        sa.Index(
            "ix_cart_save_attempts_id_recovered",
            "id",
            postgresql_include=["recovered_value"],
        ),
        # One running attempt per cart, whatever races the detection job has with the API.
        sa.Index(
            "uq_cart_save_attempts_one_active_per_cart",
            "cart_id",
            unique=True,
            sqlite_where=sa.text("status IN ('IN_PROGRESS', 'PAUSED')"),
            postgresql_where=sa.text("status IN ('IN_PROGRESS', 'PAUSED')"),
        ),
    )

    id: str = id_field()
    company_id: str = company_fk()
    cart_id: str = fk("carts", index=False)
    customer_id: str | None = fk("customers", nullable=True)
    channel: str | None = Field(default=None, max_length=16)  # channel that started it
    current_stage: CartSaveStage = Field(sa_type=enum_column(CartSaveStage))
    stage_history: list[dict] = json_field(list)  # [{stage, enteredAt, previousStage}]
    diagnosis_reason: CartAbandonmentReason | None = Field(
        default=None, sa_type=enum_column(CartAbandonmentReason), nullable=True
    )
    diagnosis_answers: dict = json_field(dict)
    customer_risk_score: float = 0.0
    cart_value: Decimal = money()
    is_holdout: bool = False  # in the control group: never contacted, measured only
    status: CartSaveStatus = Field(
        default=CartSaveStatus.IN_PROGRESS, sa_type=enum_column(CartSaveStatus)
    )
    outcome: CartSaveOutcome | None = Field(
        default=None, sa_type=enum_column(CartSaveOutcome), nullable=True
    )
    current_offer: dict | None = json_nullable()
    accepted_offer: dict | None = json_nullable()
    attempt_metadata: dict = Field(
        default_factory=dict,
        sa_column_kwargs={"name": "metadata"},
        sa_type=JSONType,
        nullable=False,
    )
    scheduled_at: datetime | None = timestamp()  # when the next stage is due
    started_at: datetime = timestamp(nullable=False, now=True)
    completed_at: datetime | None = timestamp()
    recovered_value: Decimal | None = money(None, nullable=True)


class CartIntervention(Timestamped, table=True):
    """One message of a stage on one channel (the spec's `channels` list keeps that channel).

    A row per channel lets each delivery be claimed, fenced, retried, capped and tracked on
    its own; (attempt, stage, step, channel) is unique, so scheduling a stage twice is a no-op.
    """

    __tablename__ = "cart_interventions"
    __table_args__ = (
        sa.UniqueConstraint(
            "cart_save_attempt_id", "stage", "step", "channel", name="uq_cart_interventions_slot"
        ),
        sa.Index("idx_cart_interventions_status", "status", "scheduled_at"),
        sa.Index("ix_cart_interventions_cart_status", "cart_id", "status"),
        sa.Index("ix_cart_interventions_company_scheduled", "company_id", "scheduled_at"),
        # The reports' messages sent in a period, by channel and by type, from the index
        # alone on PostgreSQL (without it, every report read the whole table).
        sa.Index(
            "ix_cart_interventions_company_sent",
            "company_id",
            "sent_at",
            postgresql_include=[
                "cart_save_attempt_id",
                "channel",
                "type",
                "clicked_at",
                "converted_at",
                "offer_value",
            ],
        ),
    )

    id: str = id_field()
    company_id: str = company_fk()
    cart_id: str = fk("carts", index=False)
    cart_save_attempt_id: str = Field(
        foreign_key="cart_save_attempts.id", max_length=24, index=False
    )
    stage: CartSaveStage = Field(sa_type=enum_column(CartSaveStage))
    channels: list[str] = json_field(list)  # Channel values: EMAIL, SMS, PUSH, VOICE, IN_APP
    channel: Channel = Field(sa_type=enum_column(Channel))
    step: int = 0  # the message's place in a multi-message stage (the win-back sequence)
    tracking_token: str = Field(max_length=32, unique=True)  # links, pixel, survey, unsubscribe
    type: InterventionType | None = Field(
        default=None, sa_type=enum_column(InterventionType), nullable=True
    )
    content: dict = json_field(dict)  # subject, headline, body, cta, recoveryUrl...
    triggers_used: list[str] = json_field(list)
    content_variant: str | None = Field(default=None, max_length=1)  # A/B, for experiments
    offer_included: dict | None = json_nullable()
    offer_id: str | None = Field(default=None, max_length=24)
    offer_code: str | None = Field(default=None, max_length=64, index=True)
    offer_value: Decimal | None = money(None, nullable=True)
    status: InterventionStatus = Field(
        default=InterventionStatus.SCHEDULED, sa_type=enum_column(InterventionStatus)
    )
    scheduled_at: datetime = timestamp(nullable=False)
    sent_at: datetime | None = timestamp()
    delivered_at: datetime | None = timestamp()
    opened_at: datetime | None = timestamp()
    clicked_at: datetime | None = timestamp()
    executed_at: datetime | None = timestamp()
    converted_at: datetime | None = timestamp()
    response_type: str | None = Field(default=None, max_length=64)
    response_data: dict | None = json_nullable()
    error_message: str | None = Field(default=None, max_length=2000)
    # Worker lease: a claim sets owner, expiry and a new token; only the holder may send.
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_expires_at: datetime | None = timestamp()
    lease_token: int = 0
    delivery_attempts: int = 0


# The spec names the attempt relation on the intervention `cartSaveAttempt`; index it. The
# stage funnel reads its messages' stage and times from the index alone on PostgreSQL.
sa.Index(
    "idx_cart_interventions_attempt",
    CartIntervention.__table__.c.cart_save_attempt_id,  # type: ignore[attr-defined]
    postgresql_include=["stage", "sent_at", "clicked_at", "converted_at"],
)


class CartVoiceCall(Timestamped, table=True):
    """A recovery phone call and what came of it."""

    __tablename__ = "cart_voice_calls"
    __table_args__ = (
        sa.Index("ix_cart_voice_calls_company_initiated", "company_id", "initiated_at"),
    )

    id: str = id_field()
    company_id: str = company_fk()
    cart_save_attempt_id: str = fk("cart_save_attempts")
    cart_id: str = fk("carts")
    customer_id: str | None = fk("customers", nullable=True)
    voice_call_id: str | None = Field(default=None, max_length=64, unique=True)  # Twilio Call SID
    to_phone: str | None = Field(default=None, max_length=32)
    script_type: VoiceScriptType = Field(
        default=VoiceScriptType.CART_RECOVERY, sa_type=enum_column(VoiceScriptType)
    )
    offer: dict | None = json_nullable()
    status: VoiceCallStatus = Field(
        default=VoiceCallStatus.QUEUED, sa_type=enum_column(VoiceCallStatus)
    )
    initiated_at: datetime = timestamp(nullable=False, now=True)
    answered_at: datetime | None = timestamp()
    completed_at: datetime | None = timestamp()
    duration: int | None = None  # seconds
    outcome: VoiceCallOutcome | None = Field(
        default=None, sa_type=enum_column(VoiceCallOutcome), nullable=True
    )
    transcript: list[dict] | None = json_nullable()
    sentiment: Sentiment | None = Field(default=None, sa_type=enum_column(Sentiment), nullable=True)
    error_message: str | None = Field(default=None, max_length=2000)
    error_code: str | None = Field(default=None, max_length=32)
    # The save-flow row the call belongs to (its tracking token is the texted link's).
    intervention_id: str | None = fk("cart_interventions", nullable=True)
    answered_by: str | None = Field(default=None, max_length=32)  # Twilio's AnsweredBy
    # The script's state between webhooks: node, turn, the facts the call says, last TwiML.
    script_state: dict | None = json_nullable()
    # Who placed it (queue/admin), what it did (code applied, link texted), notes.
    details: dict | None = json_nullable()
