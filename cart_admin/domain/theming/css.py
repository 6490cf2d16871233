"""The only place cart theme CSS values are made.

Every value comes from a validated ``CartTheme`` field: colours are normalised hex, numbers
are range-checked ints, and keywords map through the fixed tables below, so no value can
contain ``;``, braces or quotes and nothing can break out of the generated block.
"""

from __future__ import annotations

import re

from cart_admin.domain.theming.fonts import font_stack
from cart_admin.domain.theming.model import CartTheme, ThemeColors

PREFIX = "--ca-"

SHADOWS: dict[str, str] = {
    "none": "none",
    "soft": "0 4px 16px rgba(15, 23, 42, 0.08)",
    "medium": "0 8px 30px rgba(15, 23, 42, 0.16)",
    "strong": "0 16px 48px rgba(15, 23, 42, 0.28)",
}

HEADER_ALIGN: dict[str, str] = {"simple": "left", "centered": "center", "bold": "left"}
HEADER_SIZE: dict[str, str] = {"simple": "1.125em", "centered": "1.25em", "bold": "1.5em"}
ANIMATIONS: dict[str, str] = {"none": "none", "slide": "ca-slide-in", "fade": "ca-fade-in"}

COLOR_VARIABLES: tuple[str, ...] = tuple(
    f"{PREFIX}color-{name.replace('_', '-')}" for name in ThemeColors.model_fields
)
OTHER_VARIABLES: tuple[str, ...] = (
    f"{PREFIX}font-family",
    f"{PREFIX}font-size-base",
    f"{PREFIX}font-weight-heading",
    f"{PREFIX}radius",
    f"{PREFIX}shadow",
    f"{PREFIX}drawer-side",
    f"{PREFIX}drawer-width",
    f"{PREFIX}image-size",
    f"{PREFIX}header-align",
    f"{PREFIX}header-size",
    f"{PREFIX}animation",
    f"{PREFIX}animation-duration",
)
VARIABLE_NAMES: tuple[str, ...] = COLOR_VARIABLES + OTHER_VARIABLES

_SAFE_SELECTOR = re.compile(r"[A-Za-z0-9_\-.#:()\[\]=*>+~, ]{1,200}")


def css_variables(theme: CartTheme) -> dict[str, str]:
    """The theme as CSS custom properties, names prefixed ``--ca-``."""
    colors = {
        f"{PREFIX}color-{name.replace('_', '-')}": str(getattr(theme.colors, name))
        for name in ThemeColors.model_fields
    }
    return colors | {
        f"{PREFIX}font-family": font_stack(theme.typography.font),
        f"{PREFIX}font-size-base": f"{int(theme.typography.base_size_px)}px",
        f"{PREFIX}font-weight-heading": str(int(theme.typography.heading_weight)),
        f"{PREFIX}radius": f"{int(theme.shape.radius_px)}px",
        f"{PREFIX}shadow": SHADOWS[theme.shape.shadow],
        f"{PREFIX}drawer-side": {"left": "left", "right": "right"}[theme.layout.side],
        f"{PREFIX}drawer-width": f"{int(theme.layout.width_px)}px",
        f"{PREFIX}image-size": f"{int(theme.layout.image_size_px)}px",
        f"{PREFIX}header-align": HEADER_ALIGN[theme.layout.header_style],
        f"{PREFIX}header-size": HEADER_SIZE[theme.layout.header_style],
        f"{PREFIX}animation": ANIMATIONS[theme.animation.style],
        f"{PREFIX}animation-duration": f"{int(theme.animation.duration_ms)}ms",
    }


def css_block(theme: CartTheme, selector: str = ":host") -> str:
    """A CSS rule setting every theme variable on ``selector``."""
    if not _SAFE_SELECTOR.fullmatch(selector):
        raise ValueError(f"unsafe CSS selector {selector!r}")
    lines = [f"  {name}: {value};" for name, value in css_variables(theme).items()]
    return "\n".join([f"{selector} {{", *lines, "}"]) + "\n"
