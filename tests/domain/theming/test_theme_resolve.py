"""Resolution order (defaults ← preset ← page) and field-level validation errors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from cart_admin.domain.theming import (
    PRESETS,
    CartTheme,
    ThemeValidationError,
    resolve_theme,
)
from cart_admin.models.enums import CartUpsellType


def errors_for(overrides: Any) -> list[dict[str, str]]:
    with pytest.raises(ThemeValidationError) as info:
        resolve_theme(overrides)
    errors = info.value.errors
    assert errors
    for error in errors:
        assert set(error) == {"field", "message"}
        assert error["message"]
    return errors


def fields_of(overrides: Any) -> list[str]:
    return [e["field"] for e in errors_for(overrides)]


def test_none_and_empty_give_defaults() -> None:
    assert resolve_theme(None).theme == CartTheme()
    assert resolve_theme({}).theme == CartTheme()
    assert resolve_theme({}).preset is None


def test_defaults_look_readable() -> None:
    assert not resolve_theme(None).contrast.has_warnings


def test_precedence_defaults_then_preset_then_page() -> None:
    resolved = resolve_theme(
        {
            "preset": "dark",
            "colors": {"button": "#FF0000"},
            "triggers": {"free_shipping": {"threshold": "75"}},
            "layout": {"width_px": 500},
        }
    )
    theme = resolved.theme
    dark = PRESETS["dark"].overrides
    # Page overrides win (and are normalised).
    assert theme.colors.button == "#ff0000"
    assert theme.layout.width_px == 500
    assert theme.triggers.free_shipping.threshold == Decimal("75")
    # Preset values the page did not touch survive the nested merge.
    assert theme.colors.background == dark["colors"]["background"]
    assert theme.colors.text == dark["colors"]["text"]
    assert theme.typography.font == dark["typography"]["font"]
    assert theme.shape.radius_px == dark["shape"]["radius_px"]
    # Defaults fill what neither set.
    default = CartTheme()
    assert theme.layout.side == default.layout.side
    assert theme.texts == default.texts
    assert theme.triggers.free_shipping.measured == default.triggers.free_shipping.measured
    assert theme.triggers.urgency == default.triggers.urgency


def test_nested_partial_override_keeps_siblings() -> None:
    theme = resolve_theme({"triggers": {"scarcity": {"show_below_stock": 10}}}).theme
    default = CartTheme()
    assert theme.triggers.scarcity.show_below_stock == 10
    assert theme.triggers.scarcity.enabled == default.triggers.scarcity.enabled
    assert theme.triggers.urgency == default.triggers.urgency
    assert theme.colors == default.colors


def test_null_means_inherit() -> None:
    theme = resolve_theme({"preset": "luxury", "colors": {"text": None}, "shape": None}).theme
    luxury = resolve_theme({"preset": "luxury"}).theme
    assert theme == luxury


def test_page_can_disable_triggers_and_limit_upsells() -> None:
    theme = resolve_theme(
        {
            "triggers": {
                "urgency": {"enabled": False},
                "trust_signals": {"signals": ["money_back"]},
                "free_shipping": {"threshold": 49.99, "measured": "before_discounts"},
            },
            "upsells": {"max_shown": 0, "types": ["WARRANTY"]},
        }
    ).theme
    assert theme.triggers.urgency.enabled is False
    assert theme.triggers.trust_signals.signals == ("money_back",)
    assert theme.triggers.free_shipping.threshold == Decimal("49.99")
    assert theme.upsells.max_shown == 0
    assert theme.upsells.types == (CartUpsellType.WARRANTY,)


def test_contrast_report_warns_below_aa() -> None:
    report = resolve_theme({"colors": {"text": "#777", "background": "#fff"}}).contrast
    assert report.text.ratio == pytest.approx(4.48, abs=0.01)
    assert report.text.warning is True
    assert report.has_warnings
    assert report.button_text.warning is False


def test_resolved_theme_is_frozen() -> None:
    theme = resolve_theme(None).theme
    with pytest.raises(ValidationError):
        theme.colors.text = "#000000"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"colors": {"text": "red;}body{display:none"}}, "colors.text"),
        ({"colors": {"background": "url(x)"}}, "colors.background"),
        ({"colors": {"button": "#12345"}}, "colors.button"),
        ({"colors": {"border": "rgb(300,0,0)"}}, "colors.border"),
        ({"colors": {"overlay": "expression(alert(1))"}}, "colors.overlay"),
        ({"colors": {"accent": "'#fff'"}}, "colors.accent"),
        ({"colors": {"badge": 0xFFFFFF}}, "colors.badge"),
        ({"typography": {"font": "Comic Sans"}}, "typography.font"),
        ({"typography": {"font": "Arial;}"}}, "typography.font"),
        ({"typography": {"base_size_px": 11}}, "typography.base_size_px"),
        ({"typography": {"base_size_px": "15"}}, "typography.base_size_px"),
        ({"typography": {"heading_weight": 450}}, "typography.heading_weight"),
        ({"shape": {"radius_px": 33}}, "shape.radius_px"),
        ({"shape": {"radius_px": -1}}, "shape.radius_px"),
        ({"shape": {"shadow": "huge"}}, "shape.shadow"),
        ({"layout": {"width_px": 319}}, "layout.width_px"),
        ({"layout": {"width_px": 561}}, "layout.width_px"),
        ({"layout": {"side": "top"}}, "layout.side"),
        ({"layout": {"header_style": "fancy"}}, "layout.header_style"),
        ({"layout": {"image_size_px": 500}}, "layout.image_size_px"),
        ({"texts": {"title": "x" * 41}}, "texts.title"),
        ({"texts": {"title": ""}}, "texts.title"),
        ({"texts": {"checkout_button": "Pay\nnow"}}, "texts.checkout_button"),
        ({"texts": {"empty_message": "Empty\x07"}}, "texts.empty_message"),
        ({"texts": {"trust_line": "safe \u202e"}}, "texts.trust_line"),
        ({"texts": {"trust_line": "x" * 121}}, "texts.trust_line"),
        ({"animation": {"duration_ms": 601}}, "animation.duration_ms"),
        ({"animation": {"style": "bounce"}}, "animation.style"),
        ({"triggers": {"urgency": {"hold_minutes": 0}}}, "triggers.urgency.hold_minutes"),
        ({"triggers": {"urgency": {"enabled": "yes"}}}, "triggers.urgency.enabled"),
        (
            {"triggers": {"scarcity": {"show_below_stock": 0}}},
            "triggers.scarcity.show_below_stock",
        ),
        (
            {"triggers": {"free_shipping": {"threshold": "-1"}}},
            "triggers.free_shipping.threshold",
        ),
        (
            {"triggers": {"free_shipping": {"threshold": "10.001"}}},
            "triggers.free_shipping.threshold",
        ),
        (
            {"triggers": {"free_shipping": {"threshold": "NaN"}}},
            "triggers.free_shipping.threshold",
        ),
        (
            {"triggers": {"free_shipping": {"measured": "whenever"}}},
            "triggers.free_shipping.measured",
        ),
        (
            {"triggers": {"trust_signals": {"signals": ["secure_checkout", "hacked"]}}},
            "triggers.trust_signals.signals.1",
        ),
        (
            {"triggers": {"trust_signals": {"signals": ["money_back", "money_back"]}}},
            "triggers.trust_signals.signals",
        ),
        ({"upsells": {"max_shown": 5}}, "upsells.max_shown"),
        ({"upsells": {"types": ["CROSS_SELL"]}}, "upsells.types.0"),
        ({"upsells": {"types": ["WARRANTY", "WARRANTY"]}}, "upsells.types"),
        ({"preset": "neon"}, "preset"),
        ({"preset": 3}, "preset"),
        ({"colour": {}}, "colour"),
        ({"colors": {"txt": "#000"}}, "colors.txt"),
        ({"triggers": {"urgency": {"level": "critical"}}}, "triggers.urgency.level"),
        ({"colors": "#000"}, "colors"),
    ],
)
def test_bad_value_is_a_field_error(overrides: dict[str, Any], field: str) -> None:
    assert fields_of(overrides) == [field]


def test_every_error_is_reported_at_once() -> None:
    fields = fields_of(
        {
            "preset": "neon",
            "colors": {"text": "url(x)", "background": "#12345"},
            "shape": {"radius_px": 99},
            "bogus": True,
        }
    )
    assert sorted(fields) == [
        "bogus",
        "colors.background",
        "colors.text",
        "preset",
        "shape.radius_px",
    ]


def test_colour_error_message_is_readable() -> None:
    [error] = errors_for({"colors": {"text": "red;}body{display:none"}})
    assert error == {"field": "colors.text", "message": "a colour must not contain ';'"}


@pytest.mark.parametrize("bad", [[], "light", 3])
def test_non_object_input_is_a_root_error(bad: Any) -> None:
    assert fields_of(bad) == ["__root__"]


def test_error_message_summarises_fields() -> None:
    with pytest.raises(ValueError, match=r"colors\.text"):
        resolve_theme({"colors": {"text": "nope"}})
