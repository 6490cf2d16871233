"""Colour parsing, normalisation and WCAG 2.x contrast.

Accepted forms: hex (``#rgb``, ``#rgba``, ``#rrggbb``, ``#rrggbbaa``), ``rgb()/rgba()`` and
``hsl()/hsla()`` (comma or space syntax, optional ``/ alpha``), with every component range
checked. Everything else, named colours included, raises ValueError. A parsed colour is
normalised to lower-case ``#rrggbb`` (or ``#rrggbbaa`` when not opaque), so a stored or
rendered colour is always seven or nine safe characters.
"""

from __future__ import annotations

import re
from typing import NamedTuple

MAX_COLOR_LENGTH = 64

_HEX = re.compile(r"#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})")
_FUNC = re.compile(r"(rgba?|hsla?)\(([0-9a-z.%+\-,/ \t]*)\)")
_NUMBER = re.compile(r"([+-]?(?:\d+(?:\.\d*)?|\.\d+))(%|deg)?")
_FORBIDDEN = (";", "{", "}", '"', "'", "\\", "<", ">", "url(", "expression(")


class Rgba(NamedTuple):
    """A colour as 0–255 channels and a 0–1 alpha."""

    r: int
    g: int
    b: int
    a: float = 1.0

    def to_hex(self) -> str:
        base = f"#{self.r:02x}{self.g:02x}{self.b:02x}"
        alpha = round(self.a * 255)
        return base if alpha == 255 else f"{base}{alpha:02x}"


def _number(text: str, what: str) -> tuple[float, str]:
    match = _NUMBER.fullmatch(text.strip())
    if not match:
        raise ValueError(f"{what} {text.strip()!r} is not a number")
    return float(match.group(1)), match.group(2) or ""


def _alpha(text: str) -> float:
    value, unit = _number(text, "alpha")
    if unit == "%":
        value /= 100
    elif unit:
        raise ValueError("alpha takes a number 0–1 or a percentage")
    if not 0 <= value <= 1:
        raise ValueError("alpha must be between 0 and 1 (or 0%–100%)")
    return value


def _split_args(inner: str) -> tuple[list[str], str | None]:
    """Split function arguments into the three components and an optional alpha."""
    if "," in inner:
        if "/" in inner:
            raise ValueError("do not mix commas and '/' in a colour function")
        parts = [p.strip() for p in inner.split(",")]
        if len(parts) not in (3, 4) or not all(parts):
            raise ValueError("a colour function takes three components and an optional alpha")
        return parts[:3], parts[3] if len(parts) == 4 else None
    main, slash, alpha = inner.partition("/")
    parts = main.split()
    if len(parts) != 3 or (slash and not alpha.strip()):
        raise ValueError("a colour function takes three components and an optional alpha")
    return parts, alpha.strip() if slash else None


def _rgb_channel(text: str) -> int:
    value, unit = _number(text, "channel")
    if unit == "%":
        if not 0 <= value <= 100:
            raise ValueError("rgb percentages must be between 0% and 100%")
        return round(value * 255 / 100)
    if unit:
        raise ValueError("rgb channels take a number 0–255 or a percentage")
    if not 0 <= value <= 255:
        raise ValueError("rgb channels must be between 0 and 255")
    return round(value)


def _hsl_to_rgb(h: float, s: float, lightness: float) -> tuple[int, int, int]:
    h = (h % 360) / 360
    if s == 0:
        v = round(lightness * 255)
        return v, v, v
    q = lightness * (1 + s) if lightness < 0.5 else lightness + s - lightness * s
    p = 2 * lightness - q

    def hue(t: float) -> float:
        t %= 1
        if t < 1 / 6:
            return p + (q - p) * 6 * t
        if t < 1 / 2:
            return q
        if t < 2 / 3:
            return p + (q - p) * (2 / 3 - t) * 6
        return p

    return (round(hue(h + 1 / 3) * 255), round(hue(h) * 255), round(hue(h - 1 / 3) * 255))


def _hsl(parts: list[str]) -> tuple[int, int, int]:
    h, h_unit = _number(parts[0], "hue")
    if h_unit == "%":
        raise ValueError("hue takes a number of degrees")
    if not 0 <= h <= 360:
        raise ValueError("hue must be between 0 and 360 degrees")
    percents = []
    for name, text in (("saturation", parts[1]), ("lightness", parts[2])):
        value, unit = _number(text, name)
        if unit == "deg":
            raise ValueError(f"{name} takes a percentage")
        if not 0 <= value <= 100:
            raise ValueError(f"{name} must be between 0% and 100%")
        percents.append(value / 100)
    return _hsl_to_rgb(h, percents[0], percents[1])


def parse_color(value: str) -> Rgba:
    """Parse a colour string; raise ValueError for anything not in the accepted forms."""
    if not isinstance(value, str):
        raise ValueError("a colour must be a string")
    text = value.strip().lower()
    if not text:
        raise ValueError("a colour must not be empty")
    if len(text) > MAX_COLOR_LENGTH:
        raise ValueError(f"a colour must be at most {MAX_COLOR_LENGTH} characters")
    for bad in _FORBIDDEN:
        if bad in text:
            raise ValueError(f"a colour must not contain {bad!r}")
    if text.startswith("#"):
        match = _HEX.fullmatch(text)
        if not match:
            raise ValueError("a hex colour takes 3, 4, 6 or 8 hex digits after '#'")
        digits = match.group(1)
        if len(digits) <= 4:
            digits = "".join(c * 2 for c in digits)
        channels = [int(digits[i : i + 2], 16) for i in range(0, len(digits), 2)]
        alpha = channels[3] / 255 if len(channels) == 4 else 1.0
        return Rgba(channels[0], channels[1], channels[2], alpha)
    match = _FUNC.fullmatch(text)
    if not match:
        raise ValueError("use a hex colour (#rrggbb), rgb()/rgba() or hsl()/hsla()")
    func, inner = match.groups()
    parts, alpha_text = _split_args(inner)
    alpha = _alpha(alpha_text) if alpha_text is not None else 1.0
    if func.startswith("rgb"):
        r, g, b = (_rgb_channel(p) for p in parts)
    else:
        r, g, b = _hsl(parts)
    return Rgba(r, g, b, alpha)


def normalize_color(value: str) -> str:
    """Parse a colour and return it as lower-case ``#rrggbb`` or ``#rrggbbaa``."""
    return parse_color(value).to_hex()


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def _over(top: Rgba, bottom: Rgba) -> Rgba:
    """``top`` composited over an opaque ``bottom``."""
    a = top.a

    def mix(t: int, b: int) -> int:
        return round(t * a + b * (1 - a))

    return Rgba(mix(top.r, bottom.r), mix(top.g, bottom.g), mix(top.b, bottom.b))


_WHITE = Rgba(255, 255, 255)


def relative_luminance(color: str | Rgba) -> float:
    """WCAG 2.x relative luminance of an opaque colour (alpha is composited over white)."""
    rgba = parse_color(color) if isinstance(color, str) else color
    if rgba.a < 1:
        rgba = _over(rgba, _WHITE)
    return 0.2126 * _linear(rgba.r) + 0.7152 * _linear(rgba.g) + 0.0722 * _linear(rgba.b)


def contrast_ratio(foreground: str | Rgba, background: str | Rgba) -> float:
    """WCAG 2.x contrast ratio (1–21) of ``foreground`` drawn on ``background``.

    A translucent background is first composited over white, and a translucent foreground
    over that background, which is what the reader sees.
    """
    bg = parse_color(background) if isinstance(background, str) else background
    if bg.a < 1:
        bg = _over(bg, _WHITE)
    fg = parse_color(foreground) if isinstance(foreground, str) else foreground
    if fg.a < 1:
        fg = _over(fg, bg)
    lighter, darker = sorted((relative_luminance(fg), relative_luminance(bg)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
