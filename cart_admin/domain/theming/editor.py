"""What the theme editor needs beyond the service: its fields, their values, diffs, the
preview message. Plain Python; the Reflex page only binds these to controls."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from cart_admin.domain.theming.css import SHADOWS, css_block
from cart_admin.domain.theming.fonts import FONT_IDS
from cart_admin.domain.theming.model import CartTheme, ThemeColors, ThemeTexts
from cart_admin.domain.theming.resolve import ContrastReport

Kind = Literal["color", "int", "select", "text", "switch"]


@dataclass(frozen=True)
class EditorField:
    path: str  # dotted, e.g. "colors.button"
    label: str
    kind: Kind
    options: tuple[str, ...] = ()
    minimum: int = 0
    maximum: int = 0


def _colors() -> tuple[EditorField, ...]:
    return tuple(
        EditorField(f"colors.{name}", name.replace("_", " ").capitalize(), "color")
        for name in ThemeColors.model_fields
    )


def _texts() -> tuple[EditorField, ...]:
    return tuple(
        EditorField(f"texts.{name}", name.replace("_", " ").capitalize(), "text")
        for name in ThemeTexts.model_fields
    )


GROUPS: dict[str, tuple[EditorField, ...]] = {
    "Colours": _colors(),
    "Typography": (
        EditorField("typography.font", "Font", "select", FONT_IDS),
        EditorField("typography.base_size_px", "Base size (px)", "int", minimum=12, maximum=20),
        EditorField(
            "typography.heading_weight",
            "Heading weight",
            "select",
            ("400", "500", "600", "700", "800", "900"),
        ),
    ),
    "Shape": (
        EditorField("shape.radius_px", "Corner radius (px)", "int", minimum=0, maximum=32),
        EditorField("shape.shadow", "Shadow", "select", tuple(SHADOWS)),
    ),
    "Layout": (
        EditorField("layout.side", "Side", "select", ("right", "left")),
        EditorField("layout.width_px", "Drawer width (px)", "int", minimum=320, maximum=560),
        EditorField("layout.image_size_px", "Image size (px)", "int", minimum=40, maximum=120),
        EditorField("layout.header_style", "Header", "select", ("simple", "centered", "bold")),
        EditorField("animation.style", "Animation", "select", ("slide", "fade", "none")),
    ),
    "Texts": _texts(),
    "Triggers": (
        EditorField("triggers.urgency.enabled", "Urgency countdown", "switch"),
        EditorField(
            "triggers.urgency.hold_minutes", "Reserve items for (min)", "int", minimum=5, maximum=60
        ),
        EditorField("triggers.scarcity.enabled", "Low-stock notice", "switch"),
        EditorField(
            "triggers.scarcity.show_below_stock",
            "Show at or below (units)",
            "int",
            minimum=1,
            maximum=50,
        ),
        EditorField("triggers.free_shipping.enabled", "Free-shipping progress", "switch"),
        EditorField("triggers.free_shipping.threshold", "Free shipping from", "text"),
        EditorField(
            "triggers.free_shipping.measured",
            "Measured",
            "select",
            ("after_discounts", "before_discounts"),
        ),
        EditorField("triggers.social_proof.enabled", "Ratings and reviews", "switch"),
        EditorField("triggers.social_proof.show_ratings", "Show star ratings", "switch"),
        EditorField("triggers.live_viewers.enabled", "Live viewers", "switch"),
        EditorField(
            "triggers.live_viewers.min_viewers",
            "Show from (viewers)",
            "int",
            minimum=1,
            maximum=100,
        ),
        EditorField("triggers.trust_signals.enabled", "Trust signals", "switch"),
        EditorField("triggers.loss_aversion.enabled", "Ask before removing", "switch"),
        EditorField("triggers.loss_aversion.show_on_remove", "…when removing an item", "switch"),
        EditorField("triggers.anchoring.enabled", "Compare-at prices", "switch"),
        EditorField("triggers.anchoring.show_compare_at_price", "Strike through", "switch"),
        EditorField(
            "triggers.control_share_percent", "Control group (%)", "int", minimum=0, maximum=50
        ),
    ),
    "Upsells": (
        EditorField("upsells.enabled", "Show upsells", "switch"),
        EditorField("upsells.max_shown", "At most", "int", minimum=0, maximum=4),
    ),
}
FIELDS: dict[str, EditorField] = {f.path: f for group in GROUPS.values() for f in group}
# The contrast pair each colour field is part of (its warning is shown beside it).
CONTRAST_OF_FIELD = {
    "colors.text": "text",
    "colors.muted_text": "muted_text",
    "colors.button_text": "button_text",
}


def flat_values(theme: CartTheme) -> dict[str, str]:
    """Every editor field's current value as the control shows it (a string)."""
    dumped = theme.model_dump(mode="json")
    values = {}
    for path in FIELDS:
        value: Any = dumped
        for part in path.split("."):
            value = value[part]
        values[path] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return values


def change_for(path: str, raw: str | bool) -> dict[str, Any]:
    """The partial overrides one control's input stands for (typed as the model wants)."""
    field = FIELDS[path]
    value: Any = raw
    if field.kind == "switch":
        value = raw if isinstance(raw, bool) else str(raw).lower() == "true"
    elif field.kind == "int" or path == "typography.heading_weight":
        try:
            value = int(str(raw).strip())
        except ValueError:
            value = str(raw)  # let validation say what is wrong
    nested: dict[str, Any] = {}
    cursor = nested
    parts = path.split(".")
    for part in parts[:-1]:
        cursor = cursor.setdefault(part, {})
    cursor[parts[-1]] = value
    return nested


def diff(published: CartTheme, draft: CartTheme) -> list[dict[str, str]]:
    """The editor fields the draft changes, with both values."""
    before, after = flat_values(published), flat_values(draft)
    return [
        {"field": path, "label": FIELDS[path].label, "published": before[path], "draft": value}
        for path, value in after.items()
        if before[path] != value
    ]


def contrast_labels(report: ContrastReport) -> dict[str, str]:
    return {
        name: f"{check.ratio:.2f}:1" + (" (below 4.5:1)" if check.warning else "")
        for name, check in (
            ("text", report.text),
            ("muted_text", report.muted_text),
            ("button_text", report.button_text),
        )
    }


def preview_message(theme: CartTheme) -> dict[str, Any]:
    """What the editor posts into the preview iframe for a live repaint."""
    return {
        "type": "cart-admin:theme",
        "css": css_block(theme, selector=":host"),
        "texts": theme.texts.model_dump(mode="json"),
        "layout": {"side": theme.layout.side},
        "triggers": theme.triggers.model_dump(mode="json"),
        "upsells": {"enabled": theme.upsells.enabled, "max_shown": theme.upsells.max_shown},
    }
