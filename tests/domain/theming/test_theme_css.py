"""CSS variables: exactly the expected names, and no value can break out of the block."""

from __future__ import annotations

import ast
import random
import re
from pathlib import Path
from typing import Any

import pytest

from cart_admin.domain.theming import (
    FONT_IDS,
    FONT_STACKS,
    PRESETS,
    VARIABLE_NAMES,
    CartTheme,
    ThemeColors,
    css_block,
    css_variables,
    resolve_theme,
)
from cart_admin.models.enums import CartUpsellType

EXPECTED = {
    "--ca-color-background",
    "--ca-color-surface",
    "--ca-color-text",
    "--ca-color-muted-text",
    "--ca-color-button",
    "--ca-color-button-text",
    "--ca-color-accent",
    "--ca-color-border",
    "--ca-color-badge",
    "--ca-color-badge-text",
    "--ca-color-overlay",
    "--ca-color-urgency",
    "--ca-color-success",
    "--ca-font-family",
    "--ca-font-size-base",
    "--ca-font-weight-heading",
    "--ca-radius",
    "--ca-shadow",
    "--ca-drawer-side",
    "--ca-drawer-width",
    "--ca-image-size",
    "--ca-header-align",
    "--ca-header-size",
    "--ca-animation",
    "--ca-animation-duration",
}
FORBIDDEN = (";", "{", "}", '"', "'", "\\", "<", ">", "\n", "url(")


def assert_safe(theme: CartTheme) -> None:
    variables = css_variables(theme)
    assert set(variables) == EXPECTED
    for name, value in variables.items():
        assert value, name
        for bad in FORBIDDEN:
            assert bad not in value, (name, value)
    block = css_block(theme)
    assert block.count("{") == 1 and block.count("}") == 1
    assert block.count(";") == len(EXPECTED)


def test_default_variables() -> None:
    variables = css_variables(CartTheme())
    assert set(variables) == EXPECTED == set(VARIABLE_NAMES)
    assert variables["--ca-color-background"] == "#ffffff"
    assert variables["--ca-radius"] == "12px"
    assert variables["--ca-drawer-width"] == "420px"
    assert variables["--ca-font-family"] == FONT_STACKS["System"]
    assert variables["--ca-animation-duration"] == "250ms"


def test_values_follow_the_theme() -> None:
    theme = resolve_theme(
        {
            "preset": "luxury",
            "shape": {"radius_px": 0, "shadow": "none"},
            "layout": {"width_px": 560, "side": "left"},
            "typography": {"font": "Courier", "base_size_px": 18},
            "colors": {"text": "RGB(1, 2, 3)"},
        }
    ).theme
    variables = css_variables(theme)
    assert variables["--ca-radius"] == "0px"
    assert variables["--ca-shadow"] == "none"
    assert variables["--ca-drawer-width"] == "560px"
    assert variables["--ca-drawer-side"] == "left"
    assert variables["--ca-font-family"] == "Courier New, Courier, monospace"
    assert variables["--ca-font-size-base"] == "18px"
    assert variables["--ca-color-text"] == "#010203"


def test_block_format() -> None:
    block = css_block(CartTheme(), selector=".cart-drawer")
    lines = block.splitlines()
    assert lines[0] == ".cart-drawer {"
    assert lines[-1] == "}"
    assert "  --ca-color-text: #111827;" in lines
    assert css_block(CartTheme()).startswith(":host {\n")


@pytest.mark.parametrize("selector", ["", "a{}", "x;y", "a'b", 'a"b', "<style>", "x" * 300])
def test_unsafe_selector_refused(selector: str) -> None:
    with pytest.raises(ValueError):
        css_block(CartTheme(), selector=selector)


@pytest.mark.parametrize("preset_id", sorted(PRESETS))
def test_presets_give_safe_css(preset_id: str) -> None:
    assert_safe(resolve_theme({"preset": preset_id}).theme)


def test_font_stacks_are_unquoted_identifier_lists() -> None:
    family = re.compile(r"-?[A-Za-z][A-Za-z0-9-]*( [A-Za-z][A-Za-z0-9-]*)*")
    for font_id in FONT_IDS:
        for part in FONT_STACKS[font_id].split(", "):
            assert family.fullmatch(part), (font_id, part)


def _random_color(rng: random.Random) -> str:
    r, g, b = (rng.randint(0, 255) for _ in range(3))
    kind = rng.randrange(5)
    if kind == 0:
        return f"#{r:02x}{g:02x}{b:02x}"
    if kind == 1:
        return f"#{r:02X}{g:02X}{b:02X}{rng.randint(0, 255):02X}"
    if kind == 2:
        return f"#{r % 16:x}{g % 16:x}{b % 16:x}"
    if kind == 3:
        return f"rgba({r}, {g}, {b}, {rng.random():.2f})"
    return f"hsl({rng.uniform(0, 360):.1f} {rng.uniform(0, 100):.1f}% {rng.uniform(0, 100):.1f}%)"


def _random_overrides(rng: random.Random) -> dict[str, Any]:
    overrides: dict[str, Any] = {
        "colors": {
            name: _random_color(rng) for name in ThemeColors.model_fields if rng.random() < 0.7
        },
        "typography": {
            "font": rng.choice(FONT_IDS),
            "base_size_px": rng.randint(12, 20),
            "heading_weight": rng.choice([400, 500, 600, 700, 800, 900]),
        },
        "shape": {
            "radius_px": rng.randint(0, 32),
            "shadow": rng.choice(["none", "soft", "medium", "strong"]),
        },
        "layout": {
            "side": rng.choice(["left", "right"]),
            "width_px": rng.randint(320, 560),
            "image_size_px": rng.randint(40, 120),
            "header_style": rng.choice(["simple", "centered", "bold"]),
        },
        "animation": {
            "style": rng.choice(["none", "slide", "fade"]),
            "duration_ms": rng.randint(0, 600),
        },
        "upsells": {
            "max_shown": rng.randint(0, 4),
            "types": rng.sample(list(CartUpsellType), rng.randint(0, 3)),
        },
    }
    if rng.random() < 0.5:
        overrides["preset"] = rng.choice(list(PRESETS))
    return overrides


def test_random_valid_themes_give_safe_css() -> None:
    rng = random.Random(20261121)
    for _ in range(300):
        assert_safe(resolve_theme(_random_overrides(rng)).theme)


def test_theming_package_imports_neither_reflex_nor_fastapi() -> None:
    package = Path(__file__).resolve().parents[3] / "cart_admin" / "domain" / "theming"
    files = sorted(package.glob("*.py"))
    assert files
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in {"reflex", "fastapi", "starlette"}, path
