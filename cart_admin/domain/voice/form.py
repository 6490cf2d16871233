"""The voice settings and script as a flat form: one string per field, keyed by the JSON path.

The page keeps what was typed as `{"callHours.start": "9", "script.closing.declined": "…"}`;
`config_data` turns the strings back into the config's JSON so `parse_voice_config` stays the
one validator, and its field errors land on the same keys. The script's follow-ups and
objections are rows: `script.diagnosis.followUps.0.trigger`, `.response`, `.action`.
Two fields belong to the save flow's Nuclear offer stage (`nuclear.*`): a call is placed
only when that stage calls too, so the page edits them in place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from cart_admin.domain.save_flow.config import SaveFlowConfig
from cart_admin.domain.save_flow.config import field_errors as flow_field_errors
from cart_admin.domain.save_flow.config import parse_config as parse_flow_config
from cart_admin.domain.save_flow.form import _friendly, _text
from cart_admin.domain.voice.config import (
    Action,
    VoiceRecoveryConfig,
    field_errors,
    parse_voice_config,
)
from cart_admin.models import VoiceScriptType


@dataclass(frozen=True)
class FormField:
    path: str
    label: str
    kind: str  # bool | int | number | money | text | line | hour | priority
    hint: str = ""


NUCLEAR_FIELDS: tuple[FormField, ...] = (
    FormField(
        "nuclear.voiceCallEnabled",
        "Call in the Nuclear offer stage",
        "bool",
        "The save flow's switch: calls are placed only when it is on.",
    ),
    FormField(
        "nuclear.minCartValueForVoice",
        "Stage's min cart value for a call",
        "money",
        "The Nuclear offer stage's own threshold; the higher of the two applies.",
    ),
)

SETTINGS_GROUPS: dict[str, tuple[FormField, ...]] = {
    "Calls": (
        FormField("enabled", "Voice recovery on", "bool", "Off: no call is placed."),
        *NUCLEAR_FIELDS,
        FormField("agentName", "Agent name", "text", "Who the call says is calling."),
        FormField("maxCallsPerDay", "Calls per day at most", "int"),
        FormField(
            "timezone",
            "Company time zone",
            "text",
            "Where a day starts for the daily limit, e.g. America/New_York.",
        ),
    ),
    "Who is called": (
        FormField("minCartValue", "Min cart value", "money"),
        FormField("minCustomerLTV", "Min customer lifetime value", "money", "0: any customer."),
        FormField("minAbandonmentHours", "Abandoned at least (hours)", "int"),
        FormField("maxAbandonmentHours", "Abandoned at most (hours)", "int"),
        FormField("requireEmailAttempts", "E-mails delivered first", "int"),
        FormField(
            "requirePhone",
            "Require a phone number",
            "bool",
            "Always on: a call needs the shopper's number and their voice consent.",
        ),
        FormField("excludeFirstTimeBuyers", "Skip first-time buyers", "bool"),
        FormField("excludeRecentCalls", "Not if called within (days)", "int"),
    ),
    "Call hours": (
        FormField("callHours.start", "From", "hour", "In each shopper's own time zone."),
        FormField("callHours.end", "Until", "hour", "Calls start before this hour."),
        FormField(
            "scriptPriority",
            "Script priority",
            "priority",
            "The first script that fits the cart is used: Discount needs a discount to "
            "lead with, Help a shopper who said they had questions.",
        ),
    ),
}

SCRIPT_GROUPS: dict[str, tuple[FormField, ...]] = {
    "Opening": (
        FormField("script.opening.greeting", "Greeting", "line"),
        FormField("script.opening.introduction", "Introduction", "line"),
        FormField("script.opening.confirmContinue", "Confirm", "line"),
    ),
    "Diagnosis": (
        FormField("script.diagnosis.primaryQuestion", "Question (Personal script)", "line"),
        FormField("script.diagnosis.discountQuestion", "Question (Discount script)", "line"),
        FormField("script.diagnosis.helpQuestion", "Question (Help script)", "line"),
    ),
    "Closing": (
        FormField("script.closing.accepted", "Discount accepted", "line"),
        FormField("script.closing.acceptedFreeShipping", "Free shipping accepted", "line"),
        FormField(
            "script.closing.acceptedNoText",
            "Accepted, no SMS consent",
            "line",
            "Said instead when the shopper has not agreed to texts: nothing is texted.",
        ),
        FormField("script.closing.declined", "Declined", "line"),
        FormField("script.closing.escalate", "Handing over to a person", "line"),
        FormField("script.closing.noTransfer", "No one to hand over to", "line"),
        FormField("script.closing.linkSent", "Link texted", "line"),
        FormField("script.closing.doNotCall", "Do not call", "line"),
        FormField("script.closing.wrongPerson", "Wrong person", "line"),
        FormField("script.closing.notUnderstood", "Did not understand", "line"),
        FormField("script.closing.goodbye", "Goodbye", "line"),
        FormField("script.closing.voicemail", "Voicemail message", "line"),
    ),
    "Voice": (
        FormField("script.settings.voice", "Voice", "text", "A Twilio voice, e.g. Polly.Joanna."),
        FormField("script.settings.speechRate", "Speech rate", "number", "0.5 to 1.5."),
        FormField("script.settings.maxRetries", "Times to ask again", "int"),
        FormField(
            "script.settings.transferNumber",
            "Transfer number",
            "text",
            "A person who takes over, e.g. +18885550100; empty: a callback is promised.",
        ),
    ),
}

RULE_LISTS: dict[str, str] = {
    "script.diagnosis.followUps": "Follow-ups",
    "script.objectionHandling.patterns": "Objections",
}
RULE_PARTS = ("trigger", "response", "action", "requiresPriceMatch")
_RULE_KEY = re.compile(
    r"^(script\.[A-Za-z.]+)\.(\d+)\.(trigger|response|action|requiresPriceMatch)$"
)
ACTIONS = tuple(str(a) for a in Action)
SCRIPT_TYPES = tuple(str(t) for t in VoiceScriptType if t is not VoiceScriptType.CART_RECOVERY)

FIELDS: dict[str, FormField] = {
    f.path: f for group in (*SETTINGS_GROUPS.values(), *SCRIPT_GROUPS.values()) for f in group
}


def _get(data: dict, path: str) -> Any:
    for part in path.split("."):
        data = data[part]
    return data


def form_values(config: VoiceRecoveryConfig, flow: SaveFlowConfig) -> dict[str, str]:
    data = config.model_dump(mode="json", by_alias=True)
    nuclear = flow.stages.nuclear_offer
    values = {path: _text(_get(data, path)) for path in FIELDS if not path.startswith("nuclear.")}
    values["nuclear.voiceCallEnabled"] = _text(nuclear.voice_call_enabled)
    values["nuclear.minCartValueForVoice"] = _text(nuclear.min_cart_value_for_voice)
    for base in RULE_LISTS:
        for index, rule in enumerate(_get(data, base)):
            for part in RULE_PARTS:
                values[f"{base}.{index}.{part}"] = _text(rule[part])
    return values


MAX_RULES = 12  # per list, as the config allows


def editable(values: dict[str, str], path: str) -> bool:
    """A field the page may set: a known field, or a part of an existing rule."""
    if path in FIELDS:
        return True
    match = _RULE_KEY.match(path)
    return match is not None and match.group(1) in RULE_LISTS and path in values


def rule_count(values: dict[str, str], base: str) -> int:
    indexes = [int(m.group(2)) for k in values if (m := _RULE_KEY.match(k)) and m.group(1) == base]
    return max(indexes, default=-1) + 1


def config_data(values: dict[str, str]) -> dict:
    """The voice config's JSON for the form's strings (what does not parse is passed on as
    typed, so the validator reports it at its field)."""
    data: dict = {}
    for path, field in FIELDS.items():
        if path.startswith("nuclear."):
            continue
        raw = values.get(path, "").strip()
        value: Any = raw
        if field.kind == "bool":
            value = raw == "true"
        elif field.kind == "priority":
            value = [p for p in raw.split(",") if p]
        target = data
        *parents, leaf = path.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = value
    for base in RULE_LISTS:
        rows = []
        for index in range(rule_count(values, base)):
            key = f"{base}.{index}"
            if f"{key}.trigger" not in values:
                continue
            rows.append(
                {
                    "trigger": values.get(f"{key}.trigger", "").strip(),
                    "response": values.get(f"{key}.response", "").strip(),
                    "action": values.get(f"{key}.action", ""),
                    "requiresPriceMatch": values.get(f"{key}.requiresPriceMatch") == "true",
                }
            )
        target = data
        *parents, leaf = base.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = rows
    return data


@dataclass(frozen=True)
class FormResult:
    config: VoiceRecoveryConfig | None
    flow: SaveFlowConfig | None
    errors: dict[str, str]


def _form_key(key: str, values: dict[str, str]) -> str:
    if key in values:
        return key
    match = re.match(r"^(script\.[A-Za-z.]+)\.(\d+)\.(\w+)", key)
    if match:
        return f"{match.group(1)}.{match.group(2)}.{match.group(3)}"
    return next((p for p in FIELDS if key.startswith(p + ".")), "voice")


def validate(values: dict[str, str], flow: SaveFlowConfig) -> FormResult:
    """The voice config and the save flow with the Nuclear stage's call fields, or messages."""
    errors: dict[str, str] = {}
    config = None
    try:
        config = parse_voice_config(config_data(values))
    except ValidationError as exc:
        for key, message in field_errors(exc).items():
            errors.setdefault(_form_key(key, values), _friendly(message))
    flow_data = flow.model_dump(mode="json", by_alias=True)
    nuclear = flow_data["stages"]["nuclearOffer"]
    nuclear["voiceCallEnabled"] = values.get("nuclear.voiceCallEnabled") == "true"
    nuclear["minCartValueForVoice"] = values.get("nuclear.minCartValueForVoice", "").strip()
    new_flow = None
    try:
        new_flow = parse_flow_config(flow_data)
    except ValidationError as exc:
        for key, message in flow_field_errors(exc).items():
            field = key.rsplit(".", 1)[-1]
            errors.setdefault(
                f"nuclear.{field}" if key.startswith("stages.nuclearOffer.") else "voice",
                _friendly(message),
            )
    if errors:
        return FormResult(None, None, errors)
    return FormResult(config, new_flow, {})


def label_of(path: str) -> str:
    if path in FIELDS:
        return FIELDS[path].label
    match = _RULE_KEY.match(path)
    if match:
        where = RULE_LISTS.get(match.group(1), "Rule")
        return f"{where} #{int(match.group(2)) + 1} · {match.group(3)}"
    return "Settings"


def error_summary(errors: dict[str, str]) -> list[str]:
    return [f"{label_of(path)}: {message}" for path, message in errors.items()]


def new_rule_values(values: dict[str, str], base: str) -> dict[str, str]:
    """The form with one empty rule appended to a list (none past MAX_RULES)."""
    index = rule_count(values, base)
    if index >= MAX_RULES:
        return values
    added = {
        f"{base}.{index}.trigger": "",
        f"{base}.{index}.response": "",
        f"{base}.{index}.action": str(Action.OFFER_LINK),
        f"{base}.{index}.requiresPriceMatch": "false",
    }
    return {**values, **added}


def without_rule(values: dict[str, str], base: str, index: int) -> dict[str, str]:
    """The form with one rule removed and the later ones renumbered."""
    count = rule_count(values, base)
    kept = {k: v for k, v in values.items() if not k.startswith(base + ".")}
    target = 0
    for source in range(count):
        if source == index or f"{base}.{source}.trigger" not in values:
            continue
        for part in RULE_PARTS:
            kept[f"{base}.{target}.{part}"] = values.get(f"{base}.{source}.{part}", "")
        target += 1
    return kept
