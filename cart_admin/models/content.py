"""Recovery content: a company's writing settings, pinned versions, and what Claude cost."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from cart_admin.models.base import Timestamped, company_fk, id_field, json_field, timestamp
from cart_admin.models.enums import AIPurpose, BrandVoice, CartSaveStage
from cart_admin.models.types import enum_column

DEFAULT_MONTHLY_TOKEN_BUDGET = 2_000_000
DEFAULT_SMS_MAX_SEGMENTS = 2


class ContentSettings(Timestamped, table=True):
    """How a company's recovery messages are written (one row per company, made on demand)."""

    __tablename__ = "content_settings"
    __table_args__ = (sa.UniqueConstraint("company_id", name="uq_content_settings_company_id"),)

    id: str = id_field()
    company_id: str = Field(foreign_key="companies.id", max_length=24, index=False)
    brand_voice: BrandVoice = Field(default=BrandVoice.FRIENDLY, sa_type=enum_column(BrandVoice))
    ai_enabled: bool = True
    monthly_token_budget: int = DEFAULT_MONTHLY_TOKEN_BUDGET
    sms_max_segments: int = DEFAULT_SMS_MAX_SEGMENTS
    # {stage: {"tone": str, "urgency": "low|medium|high"}}: overrides of the stage table.
    stage_styles: dict = json_field(dict)
    # {stage: percent of attempts shown variant B} while a B version is pinned.
    experiments: dict = json_field(dict)


class ContentVersion(Timestamped, table=True):
    """A marketer-approved message for a stage (and diagnosis reason) and A/B variant.

    The text keeps placeholders such as ``{first_name}`` or ``{offer}``; each send fills them
    from the cart, so a pinned version never states a stale price or offer.
    """

    __tablename__ = "content_versions"
    __table_args__ = (
        sa.UniqueConstraint(
            "company_id", "stage", "reason_key", "variant", name="uq_content_versions_slot"
        ),
    )

    id: str = id_field()
    company_id: str = company_fk()
    stage: CartSaveStage = Field(sa_type=enum_column(CartSaveStage))
    reason_key: str = Field(default="ANY", max_length=32)  # a CartAbandonmentReason or ANY
    variant: str = Field(default="A", max_length=1)
    subject: str = Field(max_length=200)
    preheader: str = Field(default="", max_length=300)
    headline: str = Field(max_length=200)
    body: str = Field(sa_type=sa.Text)
    cta: str = Field(max_length=60)
    sms: str = Field(max_length=480)
    source: str = Field(default="edited", max_length=16)  # ai | template | edited
    pinned_by: str | None = Field(default=None, max_length=200)


class AIUsage(SQLModel, table=True):
    """One Claude request: its tokens and cost; the monthly budget sums these rows."""

    __tablename__ = "ai_usage"
    __table_args__ = (sa.Index("ix_ai_usage_company_created", "company_id", "created_at"),)

    id: str = id_field()
    company_id: str = Field(foreign_key="companies.id", max_length=24, index=False)
    purpose: AIPurpose = Field(sa_type=enum_column(AIPurpose))
    model: str = Field(max_length=64)
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: Decimal = Field(default=Decimal("0"), sa_type=sa.Numeric(12, 6, asdecimal=True))
    outcome: str = Field(default="ok", max_length=16)  # ok | invalid | rejected | error
    intervention_id: str | None = Field(default=None, max_length=24)
    created_at: datetime = timestamp(nullable=False, now=True)


class AIRankingCache(Timestamped, table=True):
    """Claude's ranking of complementary products for one cart's contents, shared by
    processes so the drawer never waits on the model twice for the same cart."""

    __tablename__ = "ai_ranking_cache"
    __table_args__ = (sa.UniqueConstraint("company_id", "key", name="uq_ai_ranking_cache_key"),)

    id: str = id_field()
    company_id: str = Field(foreign_key="companies.id", max_length=24, index=False)
    key: str = Field(max_length=64)  # sha256 of the cart's products, the candidates, the model
    status: str = Field(default="pending", max_length=16)  # pending | ready | failed
    ranked_ids: list[str] = json_field(list)
