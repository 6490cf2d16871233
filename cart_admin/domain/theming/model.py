"""The cart drawer's theme: one validated, immutable pydantic model.

``CartTheme`` is the full theme with defaults that look good on their own. ``ThemeOverrides``
is the same shape with every field optional (nested), for the partial JSON a landing page
stores in ``LandingPage.cart_theme``; it is derived from ``CartTheme``, so each rule is
written once.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    create_model,
)

from cart_admin.domain.theming.colors import normalize_color
from cart_admin.domain.theming.fonts import DEFAULT_FONT, validate_font_id
from cart_admin.models.enums import CartUpsellType

_CONFIG = ConfigDict(frozen=True, extra="forbid")

Color = Annotated[str, AfterValidator(normalize_color)]
FontId = Annotated[str, AfterValidator(validate_font_id)]

# Bidirectional overrides and isolates can make a label read differently from what it says.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _plain_text(value: str) -> str:
    for ch in value:
        if unicodedata.category(ch) == "Cc" or ch in _BIDI_CONTROLS:
            raise ValueError("must not contain control characters")
    if value != value.strip():
        raise ValueError("must not start or end with whitespace")
    return value


Title = Annotated[str, StringConstraints(min_length=1, max_length=40), AfterValidator(_plain_text)]
Message = Annotated[
    str, StringConstraints(min_length=1, max_length=120), AfterValidator(_plain_text)
]
ButtonLabel = Annotated[
    str, StringConstraints(min_length=1, max_length=32), AfterValidator(_plain_text)
]
OptionalLine = Annotated[
    str, StringConstraints(min_length=0, max_length=120), AfterValidator(_plain_text)
]


def _unique(values: tuple[Any, ...]) -> tuple[Any, ...]:
    if len(set(values)) != len(values):
        raise ValueError("must not list the same value twice")
    return values


class _Group(BaseModel):
    model_config = _CONFIG


class ThemeColors(_Group):
    background: Color = "#ffffff"
    surface: Color = "#f6f7f9"
    text: Color = "#111827"
    muted_text: Color = "#4b5563"
    button: Color = "#4f46e5"
    button_text: Color = "#ffffff"
    accent: Color = "#4f46e5"
    border: Color = "#e5e7eb"
    badge: Color = "#dc2626"
    badge_text: Color = "#ffffff"
    overlay: Color = "#11182773"
    urgency: Color = "#b91c1c"
    success: Color = "#15803d"


class ThemeTypography(_Group):
    font: FontId = DEFAULT_FONT
    base_size_px: StrictInt = Field(default=15, ge=12, le=20)
    heading_weight: Literal[400, 500, 600, 700, 800, 900] = 600


ShadowName = Literal["none", "soft", "medium", "strong"]


class ThemeShape(_Group):
    radius_px: StrictInt = Field(default=12, ge=0, le=32)
    shadow: ShadowName = "soft"


class ThemeLayout(_Group):
    side: Literal["left", "right"] = "right"
    width_px: StrictInt = Field(default=420, ge=320, le=560)
    image_size_px: StrictInt = Field(default=72, ge=40, le=120)
    header_style: Literal["simple", "centered", "bold"] = "simple"


class ThemeTexts(_Group):
    title: Title = "Your cart"
    empty_message: Message = "Your cart is empty."
    checkout_button: ButtonLabel = "Secure checkout"
    trust_line: OptionalLine = ""  # the trust signals already say it; merchants add their own


class ThemeAnimation(_Group):
    style: Literal["none", "slide", "fade"] = "slide"
    duration_ms: StrictInt = Field(default=250, ge=0, le=600)


class UrgencyTrigger(_Group):
    """Countdown banner for reserved stock (levels critical/high/medium/low by time left)."""

    enabled: StrictBool = True
    hold_minutes: StrictInt = Field(default=15, ge=5, le=60)


class ScarcityTrigger(_Group):
    enabled: StrictBool = True
    show_below_stock: StrictInt = Field(default=5, ge=1, le=50)


class FreeShippingTrigger(_Group):
    enabled: StrictBool = True
    threshold: Decimal = Field(
        default=Decimal("50.00"),
        ge=0,
        le=100_000,
        max_digits=8,
        decimal_places=2,
        allow_inf_nan=False,
    )
    measured: Literal["before_discounts", "after_discounts"] = "after_discounts"


class SocialProofTrigger(_Group):
    enabled: StrictBool = True
    show_ratings: StrictBool = True


class LiveViewersTrigger(_Group):
    enabled: StrictBool = False
    min_viewers: StrictInt = Field(default=3, ge=1, le=100)


TrustSignal = Literal[
    "secure_checkout", "free_returns", "support_24_7", "money_back", "fast_shipping"
]


class TrustSignalsTrigger(_Group):
    enabled: StrictBool = True
    signals: Annotated[tuple[TrustSignal, ...], Field(max_length=5), AfterValidator(_unique)] = (
        "secure_checkout",
        "free_returns",
        "support_24_7",
    )


class LossAversionTrigger(_Group):
    enabled: StrictBool = True
    show_on_remove: StrictBool = True


class AnchoringTrigger(_Group):
    enabled: StrictBool = True
    show_compare_at_price: StrictBool = True


class ThemeTriggers(_Group):
    # Share of carts (by a hash of the cart token) that see no triggers, to measure lift.
    control_share_percent: StrictInt = Field(default=10, ge=0, le=50)
    urgency: UrgencyTrigger = UrgencyTrigger()
    scarcity: ScarcityTrigger = ScarcityTrigger()
    free_shipping: FreeShippingTrigger = FreeShippingTrigger()
    social_proof: SocialProofTrigger = SocialProofTrigger()
    live_viewers: LiveViewersTrigger = LiveViewersTrigger()
    trust_signals: TrustSignalsTrigger = TrustSignalsTrigger()
    loss_aversion: LossAversionTrigger = LossAversionTrigger()
    anchoring: AnchoringTrigger = AnchoringTrigger()


class ThemeUpsells(_Group):
    enabled: StrictBool = True
    max_shown: StrictInt = Field(default=2, ge=0, le=4)
    types: Annotated[tuple[CartUpsellType, ...], AfterValidator(_unique)] = (
        CartUpsellType.COMPLEMENTARY,
        CartUpsellType.FREE_SHIPPING_ADD,
        CartUpsellType.SHIPPING_PROTECTION,
    )


class CartTheme(_Group):
    """A complete, validated cart drawer theme."""

    colors: ThemeColors = ThemeColors()
    typography: ThemeTypography = ThemeTypography()
    shape: ThemeShape = ThemeShape()
    layout: ThemeLayout = ThemeLayout()
    texts: ThemeTexts = ThemeTexts()
    animation: ThemeAnimation = ThemeAnimation()
    triggers: ThemeTriggers = ThemeTriggers()
    upsells: ThemeUpsells = ThemeUpsells()


def _partial(model: type[BaseModel], name: str) -> type[BaseModel]:
    """The same shape as ``model`` with every field optional (None = not set), nested."""
    fields: dict[str, Any] = {}
    for field_name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            sub = _partial(annotation, f"{annotation.__name__}Overrides")
            fields[field_name] = (sub | None, None)
            continue
        # The field's constraints and validators go on the inner type, so None skips them.
        inner: Any = Annotated[(annotation, *field.metadata)] if field.metadata else annotation
        fields[field_name] = (inner | None, None)
    return create_model(name, __config__=_CONFIG, **fields)


_ThemeOverridesBody = _partial(CartTheme, "ThemeOverridesBody")

ThemeOverrides: type[BaseModel] = create_model(
    "ThemeOverrides",
    __base__=_ThemeOverridesBody,
    preset=(str | None, None),
)
"""Partial theme JSON as a page stores it: every field optional, plus an optional ``preset``."""
