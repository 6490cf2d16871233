"""Pinned versions: a marketer's approved message, kept with placeholders.

A pinned version is text with `{placeholders}` filled from each cart when it is sent, so it
never states a stale price or offer. `to_placeholders` turns a previewed message (written for
a sample cart) into such a version; `validate_fields` gives a message per field for the form.
"""

from __future__ import annotations

import re

from cart_admin.domain.save_flow.content import (
    ContentContext,
    InterventionContent,
    PinnedText,
    _items_phrase,
    expiry_text,
    money,
)
from cart_admin.models import CartSaveStage as S

PLACEHOLDERS: dict[str, str] = {
    "first_name": "the shopper's first name, or 'there'",
    "items": "the cart's first item and how many more",
    "total": "the cart's total",
    "company": "your store's name",
    "offer": "the stage's offer, e.g. '15% off'",
    "code": "the single-use code",
    "expiry": "when the code expires, in the shopper's time zone",
    "help": "the diagnosis branch's help, e.g. 'Free shipping on your order!'",
}
OFFER_PLACEHOLDERS = frozenset({"offer", "code", "expiry"})
NO_OFFER_STAGES = frozenset({S.BROWSE_REMINDER, S.PATTERN_INTERRUPT, S.DIAGNOSIS_SURVEY})
FIELDS = ("subject", "preheader", "headline", "body", "cta", "sms")
LIMITS = {"subject": 200, "preheader": 300, "headline": 200, "body": 4000, "cta": 60, "sms": 480}
REQUIRED = ("subject", "headline", "body", "cta", "sms")
TOKEN = re.compile(r"\{([^{}]*)\}")


def values_for(ctx: ContentContext) -> dict[str, str]:
    return {
        "first_name": ctx.first_name or "there",
        "items": _items_phrase(ctx.items),
        "total": money(ctx.grand_total, ctx.currency),
        "company": ctx.company_name,
        "offer": ctx.offer.label if ctx.offer is not None else "",
        "code": ctx.code or "",
        "expiry": expiry_text(ctx),
        "help": " ".join(s.rstrip(".!") + "." for s in ctx.suggestions),
    }


def fill(text: str, values: dict[str, str]) -> str:
    """Known placeholders filled; anything else left as written (the checks catch it)."""
    # A placeholder with nothing to fill it (no offer for this reason) stays as written, so
    # the checks refuse the version for this cart rather than send "use code  for ."
    filled = TOKEN.sub(lambda m: values.get(m.group(1).strip()) or m.group(0), text)
    return re.sub(r"[ \t]{2,}", " ", filled).strip()


def render_pinned(pinned: PinnedText, ctx: ContentContext) -> InterventionContent:
    values = values_for(ctx)
    filled = {name: fill(getattr(pinned, name), values) for name in FIELDS}
    return InterventionContent(
        subject=filled["subject"], preheader=filled["preheader"], headline=filled["headline"],
        body=filled["body"], cta=filled["cta"], sms=filled["sms"],
        writer="pinned",
        notes=[f"Pinned version ({pinned.source})" + (f", variant {ctx.variant}" if ctx.variant
                                                        else "")],
    )  # fmt: skip


def validate_fields(fields: dict[str, str], stage: S) -> dict[str, str]:
    """Field → message for the form; empty when the version can be pinned."""
    errors: dict[str, str] = {}
    for name in FIELDS:
        text = fields.get(name, "")
        if name in REQUIRED and not text.strip():
            errors[name] = "Required."
            continue
        if len(text) > LIMITS[name]:
            errors[name] = f"At most {LIMITS[name]} characters (now {len(text)})."
            continue
        if name != "body" and ("\n" in text or "\r" in text):
            errors[name] = "One line only."
            continue
        if text.count("{") != text.count("}"):
            errors[name] = "A brace is not closed: placeholders look like {first_name}."
            continue
        for m in TOKEN.finditer(text):
            key = m.group(1).strip()
            if key not in PLACEHOLDERS:
                known = ", ".join("{" + k + "}" for k in PLACEHOLDERS)
                errors[name] = f"Unknown placeholder {{{key}}}. Use one of {known}."
                break
            if key in OFFER_PLACEHOLDERS and stage in NO_OFFER_STAGES:
                errors[name] = f"{{{key}}}: this stage makes no offer."
                break
    return errors


def to_placeholders(content: InterventionContent, ctx: ContentContext) -> PinnedText:
    """The previewed message with the sample cart's facts turned back into placeholders."""
    values = values_for(ctx)
    swaps = [(v, k) for k, v in values.items() if v and k != "first_name" and len(v) >= 3]
    if ctx.first_name:
        swaps.append((ctx.first_name, "first_name"))
    swaps.sort(key=lambda pair: -len(pair[0]))  # the longest fact first ("$58.00" in "$158.00")

    def convert(text: str) -> str:
        for value, key in swaps:
            text = re.sub(rf"(?<![\w$€£]){re.escape(value)}(?!\w)", "{" + key + "}", text)
        return text

    return PinnedText(
        **{name: convert(getattr(content, name)) for name in FIELDS},
        source=content.writer if content.writer in ("ai", "template") else "edited",
    )
