"""SMS segment arithmetic (GSM 03.38): what a message costs to send.

A message in the GSM-7 alphabet fits 160 characters in one segment, 153 per segment once it
is split; one character outside it (an emoji, a curly quote) makes the whole message UCS-2:
70 in one segment, 67 per segment when split. Extension characters cost two.
"""

from __future__ import annotations

import math

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def segments(text: str) -> int:
    """How many SMS segments the text is sent as (0 for an empty text)."""
    if not text:
        return 0
    if is_gsm7(text):
        units = len(text) + sum(1 for ch in text if ch in GSM7_EXTENSION)
        return 1 if units <= 160 else math.ceil(units / 153)
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else math.ceil(units / 67)


def non_gsm_characters(text: str) -> str:
    """The characters that force UCS-2, each once, in order."""
    seen: dict[str, None] = {}
    for ch in text:
        if ch not in GSM7_BASIC and ch not in GSM7_EXTENSION:
            seen.setdefault(ch)
    return "".join(seen)
