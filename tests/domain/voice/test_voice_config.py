"""A company's voice recovery settings: the spec's defaults, the form's field errors, storage."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import ValidationError
from sqlmodel import Session, select

from cart_admin.domain.voice.config import (
    Action,
    VoiceRecoveryConfig,
    VoiceScript,
    field_errors,
    load_voice_config,
    parse_voice_config,
    save_voice_config,
)
from cart_admin.models import CartSaveFlowConfig, VoiceScriptType
from tests.factories import make_company

# The spec's DEFAULT_VOICE_RECOVERY_CONFIG (§7), in its JSON spelling.
SPEC_DEFAULTS: dict[str, Any] = {
    "enabled": True,
    "minCartValue": 100,
    "minCustomerLTV": 200,
    "minAbandonmentHours": 24,
    "maxAbandonmentHours": 72,
    "requireEmailAttempts": 2,
    "requirePhone": True,
    "excludeFirstTimeBuyers": False,
    "excludeRecentCalls": 7,
    "callHours": {"start": 9, "end": 20},
    "timezone": "America/New_York",
    "maxCallsPerDay": 50,
    "scriptPriority": ["CART_RECOVERY_PERSONAL", "CART_RECOVERY_DISCOUNT", "CART_RECOVERY_HELP"],
}


def errors_of(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        parse_voice_config(data)
    return field_errors(caught.value)


def script_line(path: str, text: str) -> dict[str, Any]:
    """`{"script": {"closing": {"declined": text}}}` for path "closing.declined"."""
    section, name = path.split(".")
    return {"script": {section: {name: text}}}


# --- defaults ------------------------------------------------------------------------------


def test_defaults_are_the_spec_s() -> None:
    config = VoiceRecoveryConfig()
    dumped = config.model_dump(mode="json", by_alias=True)
    for key, value in SPEC_DEFAULTS.items():
        got = dumped[key]
        if isinstance(value, int) and not isinstance(value, bool):
            got = Decimal(str(got))
        assert got == value, key
    assert config.min_cart_value == Decimal("100")
    assert config.min_customer_ltv == Decimal("200")
    assert config.script_priority == [
        VoiceScriptType.CART_RECOVERY_PERSONAL,
        VoiceScriptType.CART_RECOVERY_DISCOUNT,
        VoiceScriptType.CART_RECOVERY_HELP,
    ]


def test_the_spec_s_default_object_validates_to_the_defaults() -> None:
    assert parse_voice_config(SPEC_DEFAULTS) == VoiceRecoveryConfig()
    assert parse_voice_config({}) == VoiceRecoveryConfig()


def test_min_customer_ltv_uses_the_spec_s_spelling() -> None:
    assert "minCustomerLTV" in VoiceRecoveryConfig().model_dump(by_alias=True)
    assert parse_voice_config({"minCustomerLTV": 500}).min_customer_ltv == Decimal("500")
    assert "minCustomerLtv" in errors_of({"minCustomerLtv": 500})  # not a field


def test_script_defaults() -> None:
    script = VoiceRecoveryConfig().script
    assert script.settings.voice == "Polly.Joanna"
    assert script.settings.speech_rate == 1.0
    assert script.settings.max_retries == 2
    assert script.settings.transfer_number == ""
    assert script.opening.greeting == "Hi, is this {{customerName}}?"
    assert script.opening.confirm_continue == "Do you have a quick moment?"
    assert script.closing.escalate == (
        "Let me connect you with a team member who can better assist you. One moment please."
    )
    # Every trigger phrase of the spec's template is matched by the default script.
    spec_triggers = [
        "price|expensive|cost",
        "shipping|delivery",
        "just looking|not ready|thinking",
        "questions|not sure|confused",
        "not interested",
        "too busy",
        "found it cheaper",
    ]
    phrases = {p for rule in script.rules() for p in rule.trigger.split("|")}
    for trigger in spec_triggers:
        assert set(trigger.split("|")) <= phrases, trigger
    actions = [r.action for r in script.diagnosis.follow_ups]
    assert actions == [
        Action.OFFER_DISCOUNT,
        Action.OFFER_FREE_SHIPPING,
        Action.OFFER_LINK,
        Action.ASK_QUESTIONS,
    ]


# --- field errors --------------------------------------------------------------------------


def test_unknown_placeholder() -> None:
    errors = errors_of(script_line("closing.declined", "Bye {{foo}}!"))
    assert list(errors) == ["script.closing.declined"]
    assert errors["script.closing.declined"].startswith("Unknown placeholder {{foo}}.")
    assert "{{customerName}}" in errors["script.closing.declined"]


@pytest.mark.parametrize(
    "path", ["closing.declined", "opening.greeting", "diagnosis.primaryQuestion"]
)
def test_discount_percent_only_where_a_discount_is_offered(path: str) -> None:
    errors = errors_of(script_line(path, "Take {{discountPercent}}% off!"))
    assert list(errors) == [f"script.{path}"]
    assert "{{discountPercent}}" in errors[f"script.{path}"]
    assert "discount is offered" in errors[f"script.{path}"]


def test_discount_percent_is_allowed_in_discount_lines() -> None:
    script = VoiceScript.model_validate(
        {
            "diagnosis": {
                "discountQuestion": "{{discountPercent}}% off?",
                "followUps": [
                    {
                        "trigger": "price",
                        "response": "{{discountPercent}}%!",
                        "action": "OFFER_DISCOUNT",
                    }
                ],
            }
        }
    )
    assert script.diagnosis.follow_ups[0].response == "{{discountPercent}}%!"


def test_discount_percent_in_a_non_discount_rule() -> None:
    rule = {"trigger": "price", "response": "{{discountPercent}} off", "action": "OFFER_LINK"}
    errors = errors_of({"script": {"objectionHandling": {"patterns": [rule]}}})
    assert list(errors) == ["script.objectionHandling.patterns.0.response"]


@pytest.mark.parametrize("text", ["Hi {customerName}!", "Hi {{customerName}!", "Hi }"])
def test_single_braces(text: str) -> None:
    errors = errors_of(script_line("opening.greeting", text))
    assert errors == {"script.opening.greeting": "Write placeholders as {{name}}, with two braces."}


def test_abandonment_window() -> None:
    for low, high in ((72, 72), (48, 24)):
        errors = errors_of({"minAbandonmentHours": low, "maxAbandonmentHours": high})
        assert errors == {"maxAbandonmentHours": "Must be more than the minimum abandonment hours."}
    assert parse_voice_config({"minAbandonmentHours": 0, "maxAbandonmentHours": 1})


def test_call_hours() -> None:
    assert errors_of({"callHours": {"start": 12, "end": 12}}) == {
        "callHours.end": "Must be later than the start hour."
    }
    assert errors_of({"callHours": {"start": 12, "end": 10}}) == {
        "callHours.end": "Must be later than the start hour."
    }
    outside = errors_of({"callHours": {"start": 7, "end": 22}})
    assert set(outside) == {"callHours.start", "callHours.end"}
    assert "8" in outside["callHours.start"] and "21" in outside["callHours.end"]
    assert set(errors_of({"callHours": {"start": 9, "end": 22}})) == {"callHours.end"}
    edge = parse_voice_config({"callHours": {"start": 8, "end": 21}})
    assert (edge.call_hours.start, edge.call_hours.end) == (8, 21)


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "EST5EDT/x", "../etc/passwd", ""])
def test_bad_timezone(zone: str) -> None:
    assert errors_of({"timezone": zone}) == {
        "timezone": "Use an IANA time zone, e.g. America/New_York."
    }


@pytest.mark.parametrize("number", ["555-1234", "+0123456789", "18885550100", "+1 888 CALL NOW"])
def test_bad_transfer_number(number: str) -> None:
    errors = errors_of({"script": {"settings": {"transferNumber": number}}})
    assert list(errors) == ["script.settings.transferNumber"]
    assert "international number" in errors["script.settings.transferNumber"]


def test_transfer_number_is_normalised() -> None:
    config = parse_voice_config({"script": {"settings": {"transferNumber": "+1 (888) 555-0100"}}})
    assert config.script.settings.transfer_number == "+18885550100"


def test_script_priority() -> None:
    duplicate = ["CART_RECOVERY_HELP", "CART_RECOVERY_HELP"]
    assert errors_of({"scriptPriority": duplicate}) == {"scriptPriority": "List each script once."}
    assert set(errors_of({"scriptPriority": ["CART_RECOVERY"]})) == {"scriptPriority"}
    assert set(errors_of({"scriptPriority": []})) == {"scriptPriority"}
    assert parse_voice_config({"scriptPriority": ["CART_RECOVERY_HELP"]}).script_priority == [
        VoiceScriptType.CART_RECOVERY_HELP
    ]


@pytest.mark.parametrize("trigger", ["price||cost", "price|", "|price", "price| |cost"])
def test_empty_trigger_phrase(trigger: str) -> None:
    rule = {"trigger": trigger, "response": "Sure.", "action": "OFFER_LINK"}
    errors = errors_of({"script": {"diagnosis": {"followUps": [rule]}}})
    assert errors == {
        "script.diagnosis.followUps.0.trigger": (
            "Separate phrases with single | characters, none empty."
        )
    }


def test_trigger_phrases_are_trimmed_and_words_only() -> None:
    rule = {"trigger": " price | too much ", "response": "Sure.", "action": "OFFER_LINK"}
    config = parse_voice_config({"script": {"diagnosis": {"followUps": [rule]}}})
    assert config.script.diagnosis.follow_ups[0].trigger == "price|too much"
    bad = {"trigger": "price.*", "response": "Sure.", "action": "OFFER_LINK"}
    assert set(errors_of({"script": {"diagnosis": {"followUps": [bad]}}})) == {
        "script.diagnosis.followUps.0.trigger"
    }


def test_several_errors_are_reported_at_once() -> None:
    errors = errors_of(
        {"timezone": "Nowhere", "maxCallsPerDay": -1, "script": {"settings": {"maxRetries": 9}}}
    )
    assert set(errors) == {"timezone", "maxCallsPerDay", "script.settings.maxRetries"}


# --- round trips ---------------------------------------------------------------------------

CUSTOM: dict[str, Any] = {
    "enabled": False,
    "minCartValue": "149.99",
    "minCustomerLTV": 0,
    "minAbandonmentHours": 2,
    "maxAbandonmentHours": 48,
    "callHours": {"start": 10, "end": 18},
    "timezone": "America/Los_Angeles",
    "scriptPriority": ["CART_RECOVERY_HELP", "CART_RECOVERY_DISCOUNT"],
    "agentName": "Riley",
    "script": {
        "opening": {"greeting": "Hey {{customerName}}, Tom & Jerry's here <3"},
        "diagnosis": {
            "followUps": [
                {
                    "trigger": "pricey|too much",
                    "response": "How about {{discountPercent}}% off?",
                    "action": "OFFER_DISCOUNT",
                }
            ]
        },
        "settings": {"speechRate": 0.9, "maxRetries": 1, "transferNumber": "+18885550100"},
    },
}


@pytest.mark.parametrize("data", [{}, CUSTOM], ids=["defaults", "custom"])
def test_round_trip_through_json(data: dict[str, Any]) -> None:
    config = parse_voice_config(data)
    assert VoiceRecoveryConfig.model_validate(config.model_dump(by_alias=True)) == config
    as_json = config.model_dump(mode="json", by_alias=True)
    assert VoiceRecoveryConfig.model_validate(as_json) == config
    assert VoiceRecoveryConfig.model_validate_json(config.model_dump_json(by_alias=True)) == config


def test_load_and_save(session: Session, engine: sa.Engine) -> None:
    company = make_company(session)
    other = make_company(session, "Other Shop")
    assert load_voice_config(session, company.id) == VoiceRecoveryConfig()  # no row yet

    config = parse_voice_config(CUSTOM)
    assert save_voice_config(session, company.id, config) == config
    session.commit()
    with Session(engine) as fresh:
        loaded = load_voice_config(fresh, company.id)
        assert loaded == config
        assert loaded.min_cart_value == Decimal("149.99")
        assert loaded.script.opening.greeting == "Hey {{customerName}}, Tom & Jerry's here <3"
        assert load_voice_config(fresh, other.id) == VoiceRecoveryConfig()

    # Saving again updates the same row.
    changed = config.model_copy(update={"max_calls_per_day": 5})
    save_voice_config(session, company.id, changed)
    session.commit()
    rows = session.exec(
        select(CartSaveFlowConfig).where(CartSaveFlowConfig.company_id == company.id)
    ).all()
    assert len(rows) == 1 and rows[0].voice["maxCallsPerDay"] == 5
    with Session(engine) as fresh:
        assert load_voice_config(fresh, company.id).max_calls_per_day == 5


@pytest.mark.parametrize(
    "blob",
    [
        {"callHours": {"start": 3, "end": 4}},
        {"timezone": "Mars/Olympus_Mons"},
        {"script": {"closing": {"declined": "Bye {{foo}}"}}},
        {"noLongerAField": True},
    ],
)
def test_an_invalid_stored_blob_loads_as_the_defaults_switched_off(
    session: Session, blob: dict
) -> None:
    """Fail closed: a config no longer understood places no call unless it said so."""
    company = make_company(session)
    session.add(CartSaveFlowConfig(company_id=company.id, voice=blob))
    session.commit()
    assert load_voice_config(session, company.id) == VoiceRecoveryConfig(enabled=False)


def test_an_invalid_stored_blob_keeps_its_switch(session: Session) -> None:
    company = make_company(session)
    blob = {"enabled": True, "callHours": {"start": 3, "end": 4}}
    session.add(CartSaveFlowConfig(company_id=company.id, voice=blob))
    session.commit()
    assert load_voice_config(session, company.id) == VoiceRecoveryConfig()


def test_a_partial_stored_blob_fills_in_the_defaults(session: Session) -> None:
    company = make_company(session)
    session.add(CartSaveFlowConfig(company_id=company.id, voice={"minCartValue": 250}))
    session.commit()
    loaded = load_voice_config(session, company.id)
    assert loaded.min_cart_value == Decimal("250")
    assert loaded.model_copy(update={"min_cart_value": Decimal("100")}) == VoiceRecoveryConfig()
