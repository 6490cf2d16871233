"""A company's save-flow configuration (spec §2 `CartSaveFlowConfig`), validated, with defaults.

Field names are the spec's (camelCase in JSON, snake_case in Python). The stored row keeps the
stages in `stages`, the global settings in `timing` and the offer policy in `offers`; anything
missing there takes the default below, so old rows keep working when a setting is added.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel
from sqlmodel import Session, col, select

from cart_admin.domain.save_flow.stages import BY_KEY, STAGES
from cart_admin.models import CartSaveFlowConfig, Channel
from cart_admin.models.types import utcnow

Minutes = Annotated[int, Field(ge=0, le=60 * 24 * 60)]
Percent = Annotated[float, Field(ge=0, le=100)]
Hour = Annotated[int, Field(ge=0, le=23)]


class _Model(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", validate_assignment=False
    )


def _channels_field(default: tuple[Channel, ...]):
    return Field(default_factory=lambda: list(default), min_length=1, max_length=3)


class BrowseReminder(_Model):
    enabled: bool = True
    delay_minutes: Minutes = 15
    channel: Literal[Channel.IN_APP, Channel.PUSH] = Channel.IN_APP


class PatternInterrupt(_Model):
    enabled: bool = True
    delay_minutes: Minutes = 60
    channels: list[Literal[Channel.EMAIL, Channel.SMS, Channel.PUSH]] = _channels_field(
        (Channel.EMAIL,)
    )


class DiagnosisSurvey(_Model):
    enabled: bool = True
    delay_minutes: Minutes = 180
    channels: list[Literal[Channel.EMAIL, Channel.SMS]] = _channels_field((Channel.EMAIL,))


class BranchingIntervention(_Model):
    enabled: bool = True
    delay_minutes: Minutes = 360
    max_discount_percent: Percent = 15
    free_shipping_threshold: Decimal | None = Field(default=None, ge=0, le=100_000)
    channels: list[Literal[Channel.EMAIL, Channel.SMS]] = _channels_field((Channel.EMAIL,))


class NuclearOffer(_Model):
    enabled: bool = True
    delay_minutes: Minutes = 1440
    max_discount_percent: Percent = 30
    include_gift: bool = False
    voice_call_enabled: bool = False
    min_cart_value_for_voice: Decimal = Field(default=Decimal("100"), ge=0, le=1_000_000)
    channels: list[Literal[Channel.EMAIL, Channel.SMS]] = _channels_field(
        (Channel.EMAIL, Channel.SMS)
    )


class LossVisualization(_Model):
    enabled: bool = True
    delay_minutes: Minutes = 2880
    channels: list[Literal[Channel.EMAIL, Channel.SMS]] = _channels_field((Channel.EMAIL,))


class WinbackSequence(_Model):
    enabled: bool = True
    delay_minutes: Minutes = 4320
    sequence_length: int = Field(default=5, ge=1, le=10)  # "5 emails over 14 days"
    sequence_days: int = Field(default=14, ge=1, le=60)
    channels: list[Literal[Channel.EMAIL]] = _channels_field((Channel.EMAIL,))


class Stages(_Model):
    browse_reminder: BrowseReminder = Field(default_factory=BrowseReminder)
    pattern_interrupt: PatternInterrupt = Field(default_factory=PatternInterrupt)
    diagnosis_survey: DiagnosisSurvey = Field(default_factory=DiagnosisSurvey)
    branching_intervention: BranchingIntervention = Field(default_factory=BranchingIntervention)
    nuclear_offer: NuclearOffer = Field(default_factory=NuclearOffer)
    loss_visualization: LossVisualization = Field(default_factory=LossVisualization)
    winback_sequence: WinbackSequence = Field(default_factory=WinbackSequence)


class BlackoutHours(_Model):
    """Quiet hours in the shopper's own time zone; start == end means none."""

    start: Hour = 22
    end: Hour = 8


class FrequencyCaps(_Model):
    """Across all of a customer's carts: the market's courtesy rules, each configurable."""

    email_hours: int = Field(default=16, ge=0, le=24 * 14)  # at most one recovery email per …
    sms_hours: int = Field(default=24, ge=0, le=24 * 14)  # at most one SMS per …
    # US carriers: one abandoned-cart text within this many hours of the abandonment.
    sms_abandonment_window_hours: int = Field(default=48, ge=0, le=24 * 14)
    sms_per_abandonment_window: int = Field(default=1, ge=0, le=10)


class OfferPolicy(_Model):
    """What the merchant really offers; the flow never promises anything not set here."""

    code_expiry_hours: int = Field(default=48, ge=1, le=24 * 60)
    gift_description: str = Field(default="", max_length=120)
    payment_plan_provider: str = Field(default="", max_length=60)  # e.g. "Affirm"
    local_pickup: bool = False
    price_match: bool = False

    @field_validator("gift_description", "payment_plan_provider")
    @classmethod
    def _one_line(cls, value: str) -> str:
        """They go into subjects and SMS texts: one line of plain text."""
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
            raise ValueError("Use one line of text, without line breaks.")
        return value.strip()


class SaveFlowConfig(_Model):
    enabled: bool = True
    stages: Stages = Field(default_factory=Stages)
    max_attempts_per_cart: int = Field(default=10, ge=1, le=50)
    respect_unsubscribe: bool = True
    blackout_hours: BlackoutHours = Field(default_factory=BlackoutHours)
    # Extensions the engine needs (defaults in the spirit of the spec):
    abandonment_minutes: int = Field(default=30, ge=5, le=60 * 24 * 7)
    holdout_percent: float = Field(default=10, ge=0, le=50)
    frequency_caps: FrequencyCaps = Field(default_factory=FrequencyCaps)
    offers: OfferPolicy = Field(default_factory=OfferPolicy)

    @model_validator(mode="after")
    def _check(self) -> SaveFlowConfig:
        previous: tuple[str, int] | None = None
        for spec in STAGES:
            stage = self.stage(spec.key)
            if not stage.enabled:
                continue
            if previous is not None and stage.delay_minutes <= previous[1]:
                raise _field_error(
                    f"stages.{spec.key}.delayMinutes",
                    f"Must be later than {BY_KEY[previous[0]].title} ({previous[1]} min).",
                )
            previous = (spec.key, stage.delay_minutes)
        nuclear = self.stages.nuclear_offer
        if nuclear.enabled and nuclear.include_gift and not self.offers.gift_description.strip():
            raise _field_error(
                "offers.giftDescription", "Describe the gift before including it in the offer."
            )
        return self

    def stage(self, key: str):
        """The settings of a stage by its config key (`nuclearOffer`)."""
        return getattr(self.stages, _snake(key))

    def enabled_stages(self):
        return [spec for spec in STAGES if self.stage(spec.key).enabled]

    def channels_for(self, key: str) -> list[Channel]:
        settings = self.stage(key)
        if hasattr(settings, "channel"):
            return [Channel(settings.channel)]
        return [Channel(c) for c in dict.fromkeys(settings.channels)]


class _FieldError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _field_error(field: str, message: str) -> _FieldError:
    return _FieldError(field, message)


def _snake(key: str) -> str:
    return "".join("_" + ch.lower() if ch.isupper() else ch for ch in key)


def field_errors(exc: ValidationError) -> dict[str, str]:
    """`{"stages.nuclearOffer.delayMinutes": "message"}` for forms and the API alike."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        context = error.get("ctx") or {}
        inner = context.get("error")
        if isinstance(inner, _FieldError):
            errors.setdefault(inner.field, str(inner))
            continue
        field = ".".join(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        errors.setdefault(field or "config", message)
    return errors


def parse_config(data: dict) -> SaveFlowConfig:
    """Validate a JSON-shaped config; raises pydantic's ValidationError."""
    return SaveFlowConfig.model_validate(data)


def load_config(session: Session, company_id: str) -> SaveFlowConfig:
    return config_from_row(_row(session, company_id))


def config_from_row(row: CartSaveFlowConfig | None) -> SaveFlowConfig:
    """The config a settings row holds (callers that already read the row skip a query)."""
    if row is None:
        return SaveFlowConfig()
    data = {"enabled": row.enabled, "stages": row.stages, **row.timing, "offers": row.offers}
    try:
        return SaveFlowConfig.model_validate(data)
    except ValidationError:
        # A row written by an older version that no longer validates: keep what still does.
        return SaveFlowConfig.model_validate(
            {"enabled": row.enabled, "offers": row.offers if _valid_offers(row.offers) else {}}
        )


def _valid_offers(data: dict) -> bool:
    try:
        OfferPolicy.model_validate(data)
    except ValidationError:
        return False
    return True


def save_config(session: Session, company_id: str, config: SaveFlowConfig) -> SaveFlowConfig:
    data = config.model_dump(mode="json", by_alias=True)
    row = _row(session, company_id) or CartSaveFlowConfig(company_id=company_id)
    row.enabled = data.pop("enabled")
    row.stages = data.pop("stages")
    row.offers = data.pop("offers")
    row.timing = data
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return config


def _row(session: Session, company_id: str) -> CartSaveFlowConfig | None:
    return session.exec(
        select(CartSaveFlowConfig).where(col(CartSaveFlowConfig.company_id) == company_id)
    ).first()
