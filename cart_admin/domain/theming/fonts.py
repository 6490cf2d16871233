"""The fonts a cart drawer may use: each id maps to a full CSS font-family stack.

Only ids from this list are accepted, so a stored theme can never name an arbitrary
font (or smuggle CSS through a font name). Stacks use unquoted family names, which CSS
allows for names made of plain identifiers, so no value ever contains a quote.
"""

from __future__ import annotations

FONT_STACKS: dict[str, str] = {
    "System": (
        "system-ui, -apple-system, BlinkMacSystemFont, Segoe UI, Roboto, Helvetica Neue, "
        "Arial, sans-serif"
    ),
    "Inter": "Inter, system-ui, -apple-system, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif",
    "Helvetica": "Helvetica Neue, Helvetica, Arial, sans-serif",
    "Arial": "Arial, Helvetica Neue, Helvetica, sans-serif",
    "Verdana": "Verdana, Geneva, Tahoma, sans-serif",
    "Trebuchet MS": "Trebuchet MS, Lucida Grande, Lucida Sans Unicode, Tahoma, sans-serif",
    "Georgia": "Georgia, Times New Roman, Times, serif",
    "Palatino": "Palatino Linotype, Palatino, Book Antiqua, Georgia, serif",
    "Times": "Times New Roman, Times, serif",
    "Playfair Display": "Playfair Display, Didot, Bodoni MT, Georgia, serif",
    "Courier": "Courier New, Courier, monospace",
}

FONT_IDS: tuple[str, ...] = tuple(FONT_STACKS)
DEFAULT_FONT = "System"


def validate_font_id(value: str) -> str:
    """Return ``value`` if it names a font in the list; otherwise raise ValueError."""
    if value not in FONT_STACKS:
        raise ValueError(f"unknown font {value!r}; choose one of: {', '.join(FONT_IDS)}")
    return value


def font_stack(font_id: str) -> str:
    """The CSS font-family stack for a font id from the list."""
    return FONT_STACKS[validate_font_id(font_id)]
