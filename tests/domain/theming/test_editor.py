"""The editor's field table: every field reads and writes through the theme model."""

from __future__ import annotations

import pytest

from cart_admin.domain.theming import ThemeValidationError, resolve_theme
from cart_admin.domain.theming import editor as ed
from cart_admin.domain.theming.service import normalized


def test_every_field_has_a_value_and_round_trips() -> None:
    theme = resolve_theme({"preset": "dark"}).theme
    values = ed.flat_values(theme)

    assert set(values) == set(ed.FIELDS)
    for path, value in values.items():
        raw: str | bool = value == "true" if ed.FIELDS[path].kind == "switch" else value
        change = ed.change_for(path, raw)
        again = resolve_theme(normalized({"preset": "dark", **change})).theme
        assert ed.flat_values(again)[path] == value, path


@pytest.mark.parametrize(
    ("path", "raw", "expected"),
    [
        ("shape.radius_px", "8", {"shape": {"radius_px": 8}}),
        ("typography.heading_weight", "700", {"typography": {"heading_weight": 700}}),
        ("triggers.urgency.enabled", False, {"triggers": {"urgency": {"enabled": False}}}),
        ("colors.button", "#0A7", {"colors": {"button": "#0A7"}}),
    ],
)
def test_inputs_become_typed_partial_overrides(path, raw, expected) -> None:
    assert ed.change_for(path, raw) == expected


@pytest.mark.parametrize(
    ("path", "raw"),
    [("shape.radius_px", "big"), ("shape.radius_px", "99"), ("colors.text", "red;}")],
)
def test_bad_inputs_fail_validation_at_their_field(path, raw) -> None:
    with pytest.raises(ThemeValidationError) as caught:
        normalized(ed.change_for(path, raw))
    assert path in [e["field"] for e in caught.value.errors]


def test_diff_lists_only_changed_fields() -> None:
    published = resolve_theme({}).theme
    draft = resolve_theme({"colors": {"button": "#0a7f3f"}, "layout": {"side": "left"}}).theme

    changes = ed.diff(published, draft)

    assert {c["field"]: (c["published"], c["draft"]) for c in changes} == {
        "colors.button": ("#4f46e5", "#0a7f3f"),
        "layout.side": ("right", "left"),
    }


def test_preview_message_carries_the_css_and_settings() -> None:
    theme = resolve_theme({"colors": {"button": "#0a7f3f"}}).theme

    message = ed.preview_message(theme)

    assert message["type"] == "cart-admin:theme"
    assert "--ca-color-button: #0a7f3f;" in message["css"]
    assert message["layout"] == {"side": "right"}
    assert message["texts"]["title"] == theme.texts.title
