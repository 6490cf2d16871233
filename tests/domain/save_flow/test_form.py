"""The flat save-flow form: round trips, messages at the fields, the channel checkboxes."""

from __future__ import annotations

from cart_admin.domain.save_flow import form
from cart_admin.domain.save_flow.config import SaveFlowConfig, parse_config
from cart_admin.models import Channel


def test_round_trip_of_every_field() -> None:
    config = parse_config(
        {
            "stages": {
                "browseReminder": {"channel": "PUSH"},
                "branchingIntervention": {"freeShippingThreshold": "50.00"},
                "nuclearOffer": {"includeGift": True, "channels": ["SMS"]},
            },
            "offers": {"giftDescription": "A tin of shortbread"},
            "holdoutPercent": 12.5,
        }
    )
    values = form.form_values(config)
    assert values["stages.browseReminder.channel"] == "PUSH"
    assert values["stages.nuclearOffer.channels"] == "SMS"
    assert values["stages.nuclearOffer.includeGift"] == "true"
    assert values["holdoutPercent"] == "12.5"
    assert values["maxAttemptsPerCart"] == "10"  # whole numbers without ".0"
    assert form.validate(values).config == config
    assert form.validate(form.form_values(SaveFlowConfig())).config == SaveFlowConfig()


def test_errors_land_on_the_fields() -> None:
    values = form.form_values(SaveFlowConfig())
    values["stages.diagnosisSurvey.delayMinutes"] = "30"
    result = form.validate(values)
    assert result.config is None
    assert result.errors == {
        "stages.diagnosisSurvey.delayMinutes": "Must be later than Pattern interrupt (60 min)."
    }
    assert form.error_summary(result.errors) == [
        "Diagnosis survey · Delay (minutes): Must be later than Pattern interrupt (60 min)."
    ]

    values = form.form_values(SaveFlowConfig())
    values.update(
        {
            "stages.patternInterrupt.delayMinutes": "-5",
            "stages.nuclearOffer.channels": "",
            "frequencyCaps.emailHours": "often",
            "blackoutHours.end": "24",
        }
    )
    errors = form.validate(values).errors
    assert errors == {
        "stages.patternInterrupt.delayMinutes": "Must be at least 0.",
        "stages.nuclearOffer.channels": "Choose at least one channel.",
        "frequencyCaps.emailHours": "Enter a whole number.",
        "blackoutHours.end": "Must be at most 23.",
    }


def test_a_cross_field_rule_names_its_field() -> None:
    values = form.form_values(SaveFlowConfig())
    values["stages.nuclearOffer.includeGift"] = "true"
    assert form.validate(values).errors == {
        "offers.giftDescription": "Describe the gift before including it in the offer."
    }


def test_disabled_stages_need_no_order() -> None:
    values = form.form_values(SaveFlowConfig())
    values["stages.diagnosisSurvey.enabled"] = "false"
    values["stages.diagnosisSurvey.delayMinutes"] = "5"
    config = form.validate(values).config
    assert config is not None and not config.stages.diagnosis_survey.enabled


def test_toggle_channel_keeps_the_table_order() -> None:
    assert form.toggle_channel("SMS", str(Channel.EMAIL), True) == "EMAIL,SMS"
    assert form.toggle_channel("EMAIL,SMS", str(Channel.EMAIL), False) == "SMS"
    assert form.toggle_channel("EMAIL", str(Channel.EMAIL), True) == "EMAIL"
