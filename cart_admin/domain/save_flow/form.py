"""The save-flow settings as a flat form: one string per field, keyed by the config's path.

The admin page keeps what was typed (valid or not) as `{"stages.nuclearOffer.delayMinutes":
"1440"}`; `config_data` turns those strings back into the config's JSON, so `parse_config`
stays the one validator and its `field_errors` land on the same keys.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from cart_admin.domain.save_flow.config import SaveFlowConfig, field_errors, parse_config
from cart_admin.domain.save_flow.stages import STAGES
from cart_admin.models import Channel


@dataclass(frozen=True)
class FormField:
    path: str  # the config's JSON path: "frequencyCaps.emailHours"
    label: str
    kind: str  # bool | int | number | money | text | channels | channel
    hint: str = ""
    options: tuple[str, ...] = ()  # the channels a stage may use


def _stage_fields(key: str) -> tuple[FormField, ...]:
    spec = next(s for s in STAGES if s.key == key)
    base = f"stages.{key}"
    allowed = tuple(str(c) for c in spec.allowed_channels)
    kind = "channel" if key == "browseReminder" else "channels"
    path = f"{base}.channel" if kind == "channel" else f"{base}.channels"
    common = (
        FormField(f"{base}.enabled", "Enabled", "bool"),
        FormField(f"{base}.delayMinutes", "Delay (minutes)", "int"),
        FormField(path, "Channel" if kind == "channel" else "Channels", kind, options=allowed),
    )
    extra: tuple[FormField, ...] = ()
    if key == "branchingIntervention":
        extra = (
            FormField(f"{base}.maxDiscountPercent", "Max discount (%)", "number"),
            FormField(f"{base}.freeShippingThreshold", "Free-shipping threshold", "money",
                      "Mention how much more ships free; empty uses the landing page's."),
        )  # fmt: skip
    elif key == "nuclearOffer":
        extra = (
            FormField(f"{base}.maxDiscountPercent", "Max discount (%)", "number"),
            FormField(f"{base}.includeGift", "Include the gift", "bool",
                      "The gift described under offer policy."),
            FormField(f"{base}.voiceCallEnabled", "Voice call", "bool"),
            FormField(f"{base}.minCartValueForVoice", "Min cart value for a call", "money"),
        )  # fmt: skip
    elif key == "winbackSequence":
        extra = (
            FormField(f"{base}.sequenceLength", "Messages in the sequence", "int"),
            FormField(f"{base}.sequenceDays", "Spread over (days)", "int"),
        )
    return common + extra


STAGE_FIELDS: dict[str, tuple[FormField, ...]] = {s.key: _stage_fields(s.key) for s in STAGES}

GLOBAL_GROUPS: dict[str, tuple[FormField, ...]] = {
    "Flow": (
        FormField("enabled", "Save flow on", "bool", "Off: no new attempts start."),
        FormField("maxAttemptsPerCart", "Max messages per cart", "int"),
        FormField("respectUnsubscribe", "Respect unsubscribes", "bool"),
        FormField("abandonmentMinutes", "Abandoned after (minutes idle)", "int"),
        FormField("holdoutPercent", "Holdout group (%)", "number",
                  "Carts never contacted, to measure what the flow adds."),
    ),
    "Quiet hours": (
        FormField("blackoutHours.start", "From (hour, 0–23)", "int",
                  "In each shopper's own time zone."),
        FormField("blackoutHours.end", "Until (hour, 0–23)", "int",
                  "The same start and end hour: no quiet hours."),
    ),
    "Frequency caps": (
        FormField("frequencyCaps.emailHours", "One e-mail per (hours)", "int"),
        FormField("frequencyCaps.smsHours", "One SMS per (hours)", "int"),
        FormField("frequencyCaps.smsAbandonmentWindowHours", "SMS window after abandonment (h)",
                  "int"),
        FormField("frequencyCaps.smsPerAbandonmentWindow", "SMS within that window", "int"),
    ),
    "Offer policy": (
        FormField("offers.codeExpiryHours", "Codes expire after (hours)", "int"),
        FormField("offers.giftDescription", "Gift description", "text"),
        FormField("offers.paymentPlanProvider", "Payment plan provider", "text",
                  "e.g. Affirm; empty: payment plans are never offered."),
        FormField("offers.localPickup", "Local pickup", "bool"),
        FormField("offers.priceMatch", "Price match", "bool"),
    ),
}  # fmt: skip

FIELDS: dict[str, FormField] = {
    f.path: f for group in (*STAGE_FIELDS.values(), *GLOBAL_GROUPS.values()) for f in group
}


def form_values(config: SaveFlowConfig) -> dict[str, str]:
    """Every form field's text for a config."""
    data = config.model_dump(mode="json", by_alias=True)
    return {path: _text(_get(data, path)) for path in FIELDS}


def _get(data: dict, path: str) -> Any:
    for part in path.split("."):
        data = data[part]
    return data


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def config_data(values: dict[str, str]) -> dict:
    """The config's JSON for the form's strings; what does not parse is passed on as typed,
    so the validator reports it at its field."""
    data: dict = {}
    for path, field in FIELDS.items():
        raw = values.get(path, "").strip()
        value: Any = raw
        if field.kind == "bool":
            value = raw == "true"
        elif field.kind == "channels":
            value = [c for c in raw.split(",") if c]
        elif field.kind == "money" and raw == "":
            value = None if path.endswith("freeShippingThreshold") else raw
        target = data
        *parents, leaf = path.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = value
    return data


def toggle_channel(current: str, channel: str, on: bool) -> str:
    """The channels text with one channel added or removed, in the stage table's order."""
    chosen = {c for c in current.split(",") if c}
    chosen = chosen | {channel} if on else chosen - {channel}
    return ",".join(str(c) for c in Channel if str(c) in chosen)


_MESSAGES = (
    (re.compile(r"Input should be a valid integer.*"), "Enter a whole number."),
    (re.compile(r"Input should be a valid (number|decimal).*"), "Enter a number."),
    (re.compile(r"Input should be greater than or equal to (\S+)"), r"Must be at least \1."),
    (re.compile(r"Input should be less than or equal to (\S+)"), r"Must be at most \1."),
    (re.compile(r"List should have at least 1 item.*"), "Choose at least one channel."),
    (re.compile(r"String should have at most (\d+) characters?"), r"At most \1 characters."),
)


def _friendly(message: str) -> str:
    for pattern, replacement in _MESSAGES:
        if pattern.fullmatch(message):
            return pattern.sub(replacement, message)
    return message


@dataclass(frozen=True)
class FormResult:
    config: SaveFlowConfig | None
    errors: dict[str, str]  # form path -> message; "config" for what has no field


def validate(values: dict[str, str]) -> FormResult:
    """The config for the form, or the messages to show at its fields."""
    try:
        return FormResult(parse_config(config_data(values)), {})
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for key, message in field_errors(exc).items():
            path = next((p for p in FIELDS if key == p or key.startswith(p + ".")), "config")
            errors.setdefault(path, _friendly(message))
        return FormResult(None, errors)


def error_summary(errors: dict[str, str]) -> list[str]:
    """ "Diagnosis survey · Delay (minutes): Must be later than …", in the form's order."""
    titles = {s.key: s.title for s in STAGES}
    lines = []
    for path, message in sorted(errors.items(), key=lambda e: _position(e[0])):
        field = FIELDS.get(path)
        if field is None:
            lines.append(message)
            continue
        parts = path.split(".")
        where = f"{titles[parts[1]]} · " if parts[0] == "stages" else ""
        lines.append(f"{where}{field.label}: {message}")
    return lines


def _position(path: str) -> int:
    order = list(FIELDS)
    return order.index(path) if path in FIELDS else len(order)
