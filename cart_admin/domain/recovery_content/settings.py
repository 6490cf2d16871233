"""A company's writing settings as a validated form: brand voice, AI switch and budget, SMS
length, per-stage tone and urgency, and the A/B split of each stage."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from cart_admin.domain.ai_budget import content_settings
from cart_admin.models import CartSaveStage as S
from cart_admin.models import ContentSettings
from cart_admin.models.content import DEFAULT_MONTHLY_TOKEN_BUDGET, DEFAULT_SMS_MAX_SEGMENTS
from cart_admin.models.enums import BrandVoice, UrgencyLevel

Tone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40,
                                        pattern=r"^[^\n\r{}<>]*$")]  # fmt: skip


class _Form(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class StageStyle(_Form):
    tone: Tone = ""
    urgency: UrgencyLevel | None = None


class ContentSettingsForm(_Form):
    brand_voice: BrandVoice = BrandVoice.FRIENDLY
    ai_enabled: bool = True
    monthly_token_budget: int = Field(default=DEFAULT_MONTHLY_TOKEN_BUDGET, ge=0,
                                      le=1_000_000_000)  # fmt: skip
    sms_max_segments: int = Field(default=DEFAULT_SMS_MAX_SEGMENTS, ge=1, le=6)
    stage_styles: dict[S, StageStyle] = Field(default_factory=dict)
    experiments: dict[S, Annotated[int, Field(ge=0, le=100)]] = Field(default_factory=dict)


def read_settings(session: Session, company_id: str) -> ContentSettingsForm:
    row = content_settings(session, company_id)
    return ContentSettingsForm(
        brand_voice=row.brand_voice,
        ai_enabled=row.ai_enabled,
        monthly_token_budget=row.monthly_token_budget,
        sms_max_segments=row.sms_max_segments,
        stage_styles={S(k): StageStyle.model_validate(v) for k, v in
                      (row.stage_styles or {}).items() if k in S.__members__},
        experiments={S(k): int(v) for k, v in (row.experiments or {}).items()
                     if k in S.__members__},
    )  # fmt: skip


def save_settings(
    session: Session, company_id: str, data: dict, *, now: datetime
) -> ContentSettingsForm:
    """Validate (raises pydantic.ValidationError, field by field) and store."""
    form = ContentSettingsForm.model_validate(data)
    values: dict[str, Any] = {
        "brand_voice": form.brand_voice,
        "ai_enabled": form.ai_enabled,
        "monthly_token_budget": form.monthly_token_budget,
        "sms_max_segments": form.sms_max_segments,
        "stage_styles": {str(k): v.model_dump(mode="json") for k, v in form.stage_styles.items()
                         if v.tone or v.urgency},
        "experiments": {str(k): v for k, v in form.experiments.items() if v > 0},
        "updated_at": now,
    }  # fmt: skip
    for _ in range(2):  # a first save racing another one finds its row on the second round
        row = session.exec(
            select(ContentSettings).where(col(ContentSettings.company_id) == company_id)
        ).first()
        if row is not None:
            for name, value in values.items():
                setattr(row, name, value)
            session.add(row)
            session.flush()
            return form
        try:
            with session.begin_nested():
                session.add(ContentSettings(company_id=company_id, **values))
            return form
        except IntegrityError:
            continue
    return form
