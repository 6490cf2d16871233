"""The voice page's form: every field as text, back to the config through the one validator,
with each message at its field; rules added and removed; the Nuclear stage's call switch."""

from __future__ import annotations

from decimal import Decimal

from cart_admin.domain.save_flow.config import SaveFlowConfig
from cart_admin.domain.voice import form
from cart_admin.domain.voice.config import Action, VoiceRecoveryConfig

FOLLOW_UPS = "script.diagnosis.followUps"
OBJECTIONS = "script.objectionHandling.patterns"


def _values(**changes: str) -> dict[str, str]:
    return {**form.form_values(VoiceRecoveryConfig(), SaveFlowConfig()), **changes}


def test_the_defaults_round_trip_through_the_form() -> None:
    values = _values()
    result = form.validate(values, SaveFlowConfig())
    assert result.errors == {}
    assert result.config == VoiceRecoveryConfig()
    assert result.flow == SaveFlowConfig()
    assert values["callHours.start"] == "9" and values["minCustomerLTV"] == "200"
    assert values["scriptPriority"] == (
        "CART_RECOVERY_PERSONAL,CART_RECOVERY_DISCOUNT,CART_RECOVERY_HELP"
    )
    assert form.rule_count(values, FOLLOW_UPS) == 4
    assert form.rule_count(values, OBJECTIONS) == 3
    assert values[f"{FOLLOW_UPS}.0.action"] == "OFFER_DISCOUNT"


def test_edits_reach_the_config_and_the_nuclear_stage() -> None:
    values = _values(
        **{
            "minCartValue": "150",
            "callHours.start": "10",
            "excludeFirstTimeBuyers": "true",
            "scriptPriority": "CART_RECOVERY_DISCOUNT,CART_RECOVERY_PERSONAL",
            "script.closing.declined": "Thanks {{customerName}}, bye!",
            f"{FOLLOW_UPS}.1.trigger": "shipping|postage",
            "nuclear.voiceCallEnabled": "true",
            "nuclear.minCartValueForVoice": "250",
        }
    )
    result = form.validate(values, SaveFlowConfig())
    assert result.errors == {} and result.config is not None and result.flow is not None
    config = result.config
    assert config.min_cart_value == Decimal("150") and config.call_hours.start == 10
    assert config.exclude_first_time_buyers is True
    assert [str(p) for p in config.script_priority] == [
        "CART_RECOVERY_DISCOUNT",
        "CART_RECOVERY_PERSONAL",
    ]
    assert config.script.closing.declined == "Thanks {{customerName}}, bye!"
    assert config.script.diagnosis.follow_ups[1].trigger == "shipping|postage"
    nuclear = result.flow.stages.nuclear_offer
    assert nuclear.voice_call_enabled and nuclear.min_cart_value_for_voice == Decimal("250")


def test_each_message_lands_on_its_field_and_nothing_validates() -> None:
    values = _values(
        **{
            "script.opening.greeting": "Hello {{firstName}}",
            "callHours.end": "23",
            "maxAbandonmentHours": "12",
            f"{OBJECTIONS}.2.trigger": "cheaper||price",
            "nuclear.minCartValueForVoice": "-5",
            "maxCallsPerDay": "many",
        }
    )
    result = form.validate(values, SaveFlowConfig())
    assert result.config is None and result.flow is None
    assert result.errors["script.opening.greeting"].startswith("Unknown placeholder {{firstName}}")
    assert result.errors["callHours.end"] == "Must be at most 21."
    assert result.errors[f"{OBJECTIONS}.2.trigger"].startswith("Separate phrases")
    assert result.errors["nuclear.minCartValueForVoice"] == "Must be at least 0."
    assert result.errors["maxCallsPerDay"] == "Enter a whole number."
    summary = form.error_summary(result.errors)
    assert "Greeting: Unknown placeholder {{firstName}}" in summary[0] or any(
        line.startswith("Greeting: Unknown placeholder") for line in summary
    )
    assert any(line.startswith("Objections #3 · trigger: ") for line in summary)


def test_the_window_message_waits_for_the_other_fields() -> None:
    result = form.validate(_values(maxAbandonmentHours="12"), SaveFlowConfig())
    assert result.errors == {
        "maxAbandonmentHours": "Must be more than the minimum abandonment hours."
    }


def test_rules_are_added_and_removed_and_renumbered() -> None:
    values = form.new_rule_values(_values(), FOLLOW_UPS)
    assert form.rule_count(values, FOLLOW_UPS) == 5
    assert values[f"{FOLLOW_UPS}.4.action"] == str(Action.OFFER_LINK)
    # An empty new rule is an error at its own fields until it is filled in.
    errors = form.validate(values, SaveFlowConfig()).errors
    assert set(errors) == {f"{FOLLOW_UPS}.4.trigger", f"{FOLLOW_UPS}.4.response"}
    values[f"{FOLLOW_UPS}.4.trigger"] = "gift|present"
    values[f"{FOLLOW_UPS}.4.response"] = "Is it a gift? I can text you a link for later."
    config = form.validate(values, SaveFlowConfig()).config
    assert config is not None and config.script.diagnosis.follow_ups[4].trigger == "gift|present"

    shorter = form.without_rule(values, FOLLOW_UPS, 1)  # the shipping follow-up goes
    assert form.rule_count(shorter, FOLLOW_UPS) == 4
    triggers = [shorter[f"{FOLLOW_UPS}.{i}.trigger"] for i in range(4)]
    assert triggers[0].startswith("price") and triggers[-1] == "gift|present"
    assert not any(t.startswith("shipping") for t in triggers)
    config = form.validate(shorter, SaveFlowConfig()).config
    assert config is not None and len(config.script.diagnosis.follow_ups) == 4
    assert form.rule_count(shorter, OBJECTIONS) == 3  # the other list is untouched
