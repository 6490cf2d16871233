"""A company's voice recovery settings (spec §7 `VoiceRecoveryConfig`) and its call script.

Field names and defaults are the spec's. The script is the spec's `CART_RECOVERY_VOICE_SCRIPT`,
with what a real call also needs: each follow-up says what it leads to (`action`), and the
closing has lines for a sent link, a voicemail, a "do not call" and a call nobody can take
over. Placeholders are written `{{customerName}}`; unknown ones are refused when saving.
Stored in `cart_save_flow_configs.voice`; anything missing takes the default below.
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel
from sqlmodel import Session, col, select

from cart_admin.models import CartSaveFlowConfig, VoiceScriptType
from cart_admin.models.types import utcnow

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z]*)\s*\}\}")
PLACEHOLDERS: dict[str, str] = {
    "customerName": "The shopper's first name, or 'there'.",
    "agentName": "The caller's name (this page's agent name).",
    "companyName": "Your company's name.",
    "topItemName": "The most valuable item in the cart.",
    "itemCount": "How many items the cart holds.",
    "cartTotal": "The cart's total, e.g. $245.00.",
    "discountPercent": "The Nuclear offer stage's discount (only where a discount is offered).",
}


def _spoken(text: str) -> str:
    """A script line: known placeholders only, written with two braces."""
    for name in PLACEHOLDER.findall(text):
        if name not in PLACEHOLDERS:
            known = ", ".join(f"{{{{{p}}}}}" for p in PLACEHOLDERS)
            raise ValueError(f"Unknown placeholder {{{{{name}}}}}. Use one of: {known}.")
    rest = PLACEHOLDER.sub("", text)
    if "{" in rest or "}" in rest:
        raise ValueError("Write placeholders as {{name}}, with two braces.")
    return text


Line = Annotated[str, Field(min_length=1, max_length=600), AfterValidator(_spoken)]
# US and Canadian rules allow telemarketing calls between 8 AM and 9 PM, the callee's time.
EARLIEST_CALL_HOUR, LATEST_CALL_HOUR = 8, 21


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class Action(StrEnum):
    """What a matched follow-up or objection leads to."""

    OFFER_DISCOUNT = "OFFER_DISCOUNT"  # asks yes/no; yes applies the discount, texts the link
    OFFER_FREE_SHIPPING = "OFFER_FREE_SHIPPING"  # the same, with free shipping
    OFFER_LINK = "OFFER_LINK"  # asks yes/no; yes texts the cart link (outcome DECLINED)
    OFFER_CALLBACK_LINK = "OFFER_CALLBACK_LINK"  # the same, outcome CALLBACK_REQUESTED
    ASK_QUESTIONS = "ASK_QUESTIONS"  # listens, then hands over to a person
    ESCALATE = "ESCALATE"  # hands over to a person now


class Rule(_Model):
    """`trigger`: phrases separated by `|`, matched as whole words, any case."""

    trigger: str = Field(min_length=1, max_length=300)
    response: Line
    action: Action
    requires_price_match: bool = False  # the response promises price matching

    @field_validator("trigger")
    @classmethod
    def _phrases(cls, value: str) -> str:
        phrases = [p.strip() for p in value.split("|")]
        if any(not p for p in phrases):
            raise ValueError("Separate phrases with single | characters, none empty.")
        if any(not re.fullmatch(r"[\w' -]+", p) for p in phrases):
            raise ValueError("Use words only (letters, digits, spaces, apostrophes), with |.")
        return "|".join(phrases)


def _rule(trigger: str, response: str, action: Action, price_match: bool = False) -> Rule:
    return Rule(trigger=trigger, response=response, action=action, requires_price_match=price_match)


class Opening(_Model):
    greeting: Line = "Hi, is this {{customerName}}?"
    introduction: Line = (
        "This is {{agentName}} from {{companyName}}. I noticed you left some great items in "
        "your cart, and I wanted to personally reach out to see if I can help."
    )
    confirm_continue: Line = "Do you have a quick moment?"


class Diagnosis(_Model):
    primary_question: Line = (
        "I see you had our {{topItemName}} in your cart. Was there anything about your order "
        "that gave you pause?"
    )
    # CART_RECOVERY_DISCOUNT leads with the offer; CART_RECOVERY_HELP with an offer of help.
    discount_question: Line = (
        "I see you had our {{topItemName}} in your cart. I can offer you {{discountPercent}}% "
        "off your order right now. Would that help?"
    )
    help_question: Line = (
        "I see you had our {{topItemName}} in your cart. Do you have any questions about it "
        "that I can help with?"
    )
    follow_ups: list[Rule] = Field(
        default_factory=lambda: [
            _rule(
                "price|expensive|cost|costs|too much|pricey",
                "I completely understand. Price is important. I can "
                "actually offer you {{discountPercent}}% off your order right now if that "
                "helps.",
                Action.OFFER_DISCOUNT,
            ),
            _rule(
                "shipping|delivery",
                "Got it. Shipping costs can add up. What if I waived the "
                "shipping fee for you today?",
                Action.OFFER_FREE_SHIPPING,
            ),
            _rule(
                "just looking|not ready|thinking",
                "No problem at all! I'll save your cart for "
                "you. Would you like me to send you a text with a link so you can easily come "
                "back when you're ready?",
                Action.OFFER_LINK,
            ),
            _rule(
                "questions|question|not sure|confused|don't know",
                "I'd be happy to help! What questions can I answer for you about the product?",
                Action.ASK_QUESTIONS,
            ),
        ],
        max_length=12,
    )


class ObjectionHandling(_Model):
    patterns: list[Rule] = Field(
        default_factory=lambda: [
            _rule(
                "not interested",
                "I appreciate your time. Before I let you go, can I at least "
                "save your cart and text you a reminder in case you change your mind?",
                Action.OFFER_LINK,
            ),
            _rule(
                "too busy|busy|call me later|call back|another time|bad time",
                "I understand "
                "you're busy. Would you prefer I send you a text with a link to complete your "
                "order when it's more convenient?",
                Action.OFFER_CALLBACK_LINK,
            ),
            _rule(
                "found it cheaper|cheaper|better price|lower price",
                "Oh, where did you find it? "
                "We do price matching, so I might be able to help you out.",
                Action.ASK_QUESTIONS,
                price_match=True,
            ),
        ],
        max_length=12,
    )


class Closing(_Model):
    accepted: Line = (
        "Wonderful! I've applied the discount to your cart. You should receive a text with a "
        "link to complete your order. Is there anything else I can help with?"
    )
    accepted_free_shipping: Line = (
        "Done! Shipping is on us: I've applied free shipping to your cart. You should receive "
        "a text with a link to complete your order. Is there anything else I can help with?"
    )
    accepted_no_text: Line = (
        "Wonderful! It's applied to your cart, so it will be there when you go back to it. "
        "Is there anything else I can help with?"
    )
    declined: Line = (
        "No problem, {{customerName}}. Thanks for your time. Your cart is saved if you change "
        "your mind. Have a great day!"
    )
    escalate: Line = (
        "Let me connect you with a team member who can better assist you. One moment please."
    )
    link_sent: Line = (
        "Done! I've just texted you a link to your cart. Thanks for your time, "
        "{{customerName}}. Goodbye!"
    )
    no_transfer: Line = (
        "I'll ask a member of our team to get back to you shortly. Thanks for your time, "
        "{{customerName}}. Goodbye!"
    )
    do_not_call: Line = (
        "Understood. I've taken your number off our call list. Sorry to have bothered you. Goodbye."
    )
    wrong_person: Line = "Sorry for the trouble. Have a great day!"
    not_understood: Line = "Sorry, I didn't quite catch that."
    goodbye: Line = "Thanks again, {{customerName}}. Enjoy your order. Goodbye!"
    voicemail: Line = (
        "Hi {{customerName}}, this is {{agentName}} from {{companyName}}. You left your "
        "{{topItemName}} in your cart, and we've saved it for you. Come back whenever you're "
        "ready. Have a great day!"
    )


class ScriptSettings(_Model):
    voice: str = Field(default="Polly.Joanna", pattern=r"^[A-Za-z]+(\.[A-Za-z-]+)?$", max_length=40)
    speech_rate: float = Field(default=1.0, ge=0.5, le=1.5)
    max_retries: int = Field(default=2, ge=0, le=5)
    transfer_number: str = Field(default="", max_length=20)  # E.164; empty: no transfer

    @field_validator("transfer_number")
    @classmethod
    def _e164(cls, value: str) -> str:
        value = re.sub(r"[\s().-]", "", value)
        if value and not re.fullmatch(r"\+[1-9]\d{6,14}", value):
            raise ValueError("Use an international number, e.g. +18885550100, or leave it empty.")
        return value


class VoiceScript(_Model):
    type: VoiceScriptType = VoiceScriptType.CART_RECOVERY
    opening: Opening = Field(default_factory=Opening)
    diagnosis: Diagnosis = Field(default_factory=Diagnosis)
    objection_handling: ObjectionHandling = Field(default_factory=ObjectionHandling)
    closing: Closing = Field(default_factory=Closing)
    settings: ScriptSettings = Field(default_factory=ScriptSettings)

    @model_validator(mode="after")
    def _placeholders(self) -> VoiceScript:
        """Each line's placeholders are checked on the line; this is the one rule that needs
        the line's place: the discount is only spoken where one is offered."""
        for path, text, offers_discount in self.lines():
            if "discountPercent" in PLACEHOLDER.findall(text) and not offers_discount:
                raise _field_error(
                    path,
                    "{{discountPercent}} can only be used where a discount is offered (an "
                    "OFFER_DISCOUNT line or the Discount script's question).",
                )
        return self

    def lines(self) -> list[tuple[str, str, bool]]:
        """(field path, text, whether a discount is on offer there) for every spoken line."""
        out: list[tuple[str, str, bool]] = []
        for section in ("opening", "diagnosis", "closing"):
            part = getattr(self, section)
            for name, value in part:
                if isinstance(value, str):
                    offers = section == "diagnosis" and name == "discount_question"
                    out.append((f"script.{section}.{to_camel(name)}", value, offers))
        for section, rules in (
            ("diagnosis.followUps", self.diagnosis.follow_ups),
            ("objectionHandling.patterns", self.objection_handling.patterns),
        ):
            for index, rule in enumerate(rules):
                out.append(
                    (
                        f"script.{section}.{index}.response",
                        rule.response,
                        rule.action is Action.OFFER_DISCOUNT,
                    )
                )
        return out

    def rules(self) -> list[Rule]:
        """Objections first: "not interested" must win over any follow-up's words."""
        return [*self.objection_handling.patterns, *self.diagnosis.follow_ups]


class CallHours(_Model):
    """Local hours of the shopper's own time zone: a call starts at `start`:00 at the
    earliest and at `end`:00 at the latest."""

    start: int = Field(default=9, ge=EARLIEST_CALL_HOUR, le=LATEST_CALL_HOUR - 1)
    end: int = Field(default=20, ge=EARLIEST_CALL_HOUR + 1, le=LATEST_CALL_HOUR)

    @model_validator(mode="after")
    def _order(self) -> CallHours:
        if self.end <= self.start:
            raise _field_error("callHours.end", "Must be later than the start hour.")
        return self


DEFAULT_SCRIPT_PRIORITY = [
    VoiceScriptType.CART_RECOVERY_PERSONAL,
    VoiceScriptType.CART_RECOVERY_DISCOUNT,
    VoiceScriptType.CART_RECOVERY_HELP,
]


class VoiceRecoveryConfig(_Model):
    enabled: bool = True
    # Eligibility criteria
    min_cart_value: Decimal = Field(default=Decimal("100"), ge=0, le=1_000_000)
    min_customer_ltv: Decimal = Field(
        default=Decimal("200"), ge=0, le=10_000_000, alias="minCustomerLTV"
    )
    min_abandonment_hours: int = Field(default=24, ge=0, le=24 * 30)
    max_abandonment_hours: int = Field(default=72, ge=1, le=24 * 30)
    require_email_attempts: int = Field(default=2, ge=0, le=10)
    require_phone: bool = True
    # Exclusions
    exclude_first_time_buyers: bool = False
    exclude_recent_calls: int = Field(default=7, ge=0, le=365)  # days since the last call
    # Timing
    call_hours: CallHours = Field(default_factory=CallHours)
    timezone: str = Field(default="America/New_York", max_length=64)
    max_calls_per_day: int = Field(default=50, ge=0, le=100_000)
    # Script selection
    script_priority: list[VoiceScriptType] = Field(
        default_factory=lambda: list(DEFAULT_SCRIPT_PRIORITY), min_length=1, max_length=3
    )
    agent_name: str = Field(default="Jordan", min_length=1, max_length=40)
    script: VoiceScript = Field(default_factory=VoiceScript)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("Use an IANA time zone, e.g. America/New_York.") from None
        return value

    @field_validator("script_priority")
    @classmethod
    def _scripts(cls, value: list[VoiceScriptType]) -> list[VoiceScriptType]:
        if VoiceScriptType.CART_RECOVERY in value:
            raise ValueError("Choose among PERSONAL, DISCOUNT and HELP.")
        if len(set(value)) != len(value):
            raise ValueError("List each script once.")
        return value

    @field_validator("agent_name")
    @classmethod
    def _name(cls, value: str) -> str:
        if "{" in value or "}" in value or any(ord(c) < 32 for c in value):
            raise ValueError("Use a plain name.")
        return value.strip()

    @model_validator(mode="after")
    def _window(self) -> VoiceRecoveryConfig:
        if self.max_abandonment_hours <= self.min_abandonment_hours:
            raise _field_error(
                "maxAbandonmentHours", "Must be more than the minimum abandonment hours."
            )
        return self


class _FieldError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _field_error(field: str, message: str) -> _FieldError:
    return _FieldError(field, message)


def field_errors(exc: ValidationError) -> dict[str, str]:
    """`{"script.closing.declined": "message"}` for the form and the API alike."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        inner = (error.get("ctx") or {}).get("error")
        if isinstance(inner, _FieldError):
            errors.setdefault(inner.field, str(inner))
            continue
        field = ".".join(str(part) for part in error["loc"])
        errors.setdefault(field or "voice", error["msg"].removeprefix("Value error, "))
    return errors


def parse_voice_config(data: dict) -> VoiceRecoveryConfig:
    """Validate a JSON-shaped config; raises pydantic's ValidationError."""
    return VoiceRecoveryConfig.model_validate(data)


def _row(session: Session, company_id: str) -> CartSaveFlowConfig | None:
    return session.exec(
        select(CartSaveFlowConfig).where(col(CartSaveFlowConfig.company_id) == company_id)
    ).first()


def load_voice_config(session: Session, company_id: str) -> VoiceRecoveryConfig:
    row = _row(session, company_id)
    if row is None or not row.voice:
        return VoiceRecoveryConfig()
    try:
        return VoiceRecoveryConfig.model_validate(row.voice)
    except ValidationError:
        # Written by an older version and no longer valid: the defaults, never a broken call,
        # but calls only if the company had them switched on (fail closed).
        return VoiceRecoveryConfig(enabled=row.voice.get("enabled") is True)


def save_voice_config(
    session: Session, company_id: str, config: VoiceRecoveryConfig
) -> VoiceRecoveryConfig:
    row = _row(session, company_id) or CartSaveFlowConfig(company_id=company_id)
    row.voice = config.model_dump(mode="json", by_alias=True)
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return config
