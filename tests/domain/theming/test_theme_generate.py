"""Theme generation: the deterministic palette path and the Claude path against a local fake."""

from __future__ import annotations

import random
import socket
from typing import Any

import pytest

from cart_admin.channels.ai import AICompleter, ai_completer_from_settings
from cart_admin.domain.theming import AA_CONTRAST, contrast_ratio, resolve_theme
from cart_admin.domain.theming.generate import (
    KEYWORDS,
    GeneratedTheme,
    ThemeRequest,
    generate_theme,
    parse_theme_request,
)
from cart_admin.domain.theming.resolve import ThemeValidationError
from cart_admin.settings import Settings
from tests.fakes.anthropic_server import FakeAnthropicServer, anthropic_server  # noqa: F401

MODEL = "claude-test-model"


def assert_readable(result: GeneratedTheme) -> None:
    c = result.theme.colors
    for fg, bg in ((c.text, c.background), (c.muted_text, c.background), (c.button_text, c.button)):
        assert contrast_ratio(fg, bg) >= AA_CONTRAST, (fg, bg)
    assert not result.contrast.has_warnings
    assert resolve_theme(result.overrides).theme == result.theme


# --- the palette path ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"brand_color": "#ff8800"},
        {"logo_colors": ["#000000", "#1e90ff", "#ffffff"]},
        {"description": "warm artisanal coffee shop"},
        {"brand_color": "rgb(10, 120, 90)", "description": "dark night market"},
    ],
)
def test_palette_is_deterministic_and_readable(data: dict[str, Any]) -> None:
    first = generate_theme(ThemeRequest.model_validate(data))
    second = generate_theme(ThemeRequest.model_validate(data))
    assert first == second
    assert first.source == "palette"
    assert set(first.overrides) == {"colors", "typography", "shape"}
    assert_readable(first)


def test_brand_color_becomes_the_button() -> None:
    result = generate_theme(ThemeRequest(brand_color="#1E90FF"))
    assert result.theme.colors.button == "#1e90ff"


def test_most_colourful_logo_colour_leads() -> None:
    result = generate_theme(ThemeRequest(logo_colors=("#111111", "#e11d48", "#f5f5f5")))
    assert result.theme.colors.button == "#e11d48"


def test_description_moods() -> None:
    coffee = generate_theme(ThemeRequest(description="warm artisanal coffee shop"))
    luxury = generate_theme(ThemeRequest(description="Luxury jewellery boutique"))
    ocean = generate_theme(ThemeRequest(description="fresh ocean surf gear"))
    assert coffee.theme.typography.font == "Georgia"
    assert luxury.theme.typography.font == "Playfair Display"
    # luxury is dark: light text on a dark background
    assert contrast_ratio(luxury.theme.colors.background, "#000000") < 2
    assert contrast_ratio(coffee.theme.colors.background, "#ffffff") < 1.2
    assert luxury.theme.shape.radius_px < coffee.theme.shape.radius_px
    assert (
        len({coffee.theme.colors.button, luxury.theme.colors.button, ocean.theme.colors.button})
        == 3
    )


def test_unknown_words_hash_to_a_stable_hue() -> None:
    a = generate_theme(ThemeRequest(description="zorblax emporium"))
    b = generate_theme(ThemeRequest(description="quixotic widgetry"))
    assert a == generate_theme(ThemeRequest(description="zorblax emporium"))
    assert a.theme.colors.button != b.theme.colors.button
    assert any("hue derived" in note for note in a.notes)


def test_dark_keyword_switches_mode() -> None:
    light = generate_theme(ThemeRequest(brand_color="#22c55e"))
    dark = generate_theme(ThemeRequest(brand_color="#22c55e", description="night club merch"))
    assert contrast_ratio(light.theme.colors.background, "#ffffff") < 1.2
    assert contrast_ratio(dark.theme.colors.background, "#000000") < 1.5


def test_200_random_brand_colours_pass_contrast() -> None:
    rng = random.Random(20240601)
    for i in range(200):
        color = f"#{rng.randrange(0x1000000):06x}"
        description = ["", "dark", "playful kids"][i % 3] or None
        assert_readable(generate_theme(ThemeRequest(brand_color=color, description=description)))


@pytest.mark.parametrize("keyword", sorted(set(KEYWORDS)))
@pytest.mark.parametrize("mode", ["", " night"])
def test_every_keyword_mood_passes_contrast(keyword: str, mode: str) -> None:
    assert_readable(generate_theme(ThemeRequest(description=f"{keyword} store{mode}")))


# --- request validation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "__root__"),
        ({"brand_color": "red"}, "brand_color"),
        ({"brand_color": "#12345"}, "brand_color"),
        ({"logo_colors": []}, "logo_colors"),
        ({"logo_colors": ["#000"] * 7}, "logo_colors"),
        ({"logo_colors": ["#000", "url(x)"]}, "logo_colors.1"),
        ({"description": "x" * 201}, "description"),
        ({"description": "   "}, "description"),
        ({"description": "bad\x00text"}, "description"),
        ({"description": "coffee", "font": "Arial"}, "font"),
    ],
)
def test_bad_requests_name_the_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(ThemeValidationError) as info:
        parse_theme_request(data)
    assert field in [e["field"] for e in info.value.errors]


# --- the Claude path -------------------------------------------------------------------------

GOOD = {
    "colors": {
        "background": "#FFF8F0",
        "surface": "#f5ebe0",
        "text": "#2b1d14",
        "muted_text": "#6b4f3a",
        "button": "#7c4a21",
        "button_text": "#ffffff",
        "accent": "#b7791f",
        "border": "#e8d8c8",
        "badge": "#9b2c2c",
        "badge_text": "#ffffff",
        "overlay": "#2b1d1473",
        "urgency": "#9b2c2c",
        "success": "#276749",
    },
    "typography": {"font": "Georgia", "base_size_px": 15, "heading_weight": 700},
    "shape": {"radius_px": 6, "shadow": "soft"},
}
LOW_CONTRAST = {**GOOD, "colors": {**GOOD["colors"], "text": "#c0b0a0", "button_text": "#8a5a31"}}
INVALID = {**GOOD, "colors": {**GOOD["colors"], "text": "brown"}}
REQUEST = ThemeRequest(description="warm artisanal coffee shop")


def completer(server: FakeAnthropicServer) -> AICompleter:
    return AICompleter(api_key="test-key", model=MODEL, base_url=server.base_url, timeout=5)


def test_valid_reply_is_the_theme(anthropic_server: FakeAnthropicServer) -> None:  # noqa: F811
    anthropic_server.reply_json(GOOD)
    result = generate_theme(REQUEST, ai=completer(anthropic_server))
    assert result.source == "ai"
    assert result.theme.colors.background == "#fff8f0"
    assert result.overrides["colors"]["text"] == GOOD["colors"]["text"]
    assert result.theme.typography.font == "Georgia"
    assert result.theme.shape.radius_px == 6
    assert result.input_tokens > 0 and result.output_tokens > 0
    assert_readable(result)
    [request] = anthropic_server.requests
    assert request.model == MODEL
    assert "warm artisanal coffee shop" in request.prompt
    assert request.body["output_config"]["format"]["type"] == "json_schema"
    assert any("test-key" in value for value in request.headers.values())


def test_invalid_then_repaired(anthropic_server: FakeAnthropicServer) -> None:  # noqa: F811
    anthropic_server.reply_json(INVALID)
    anthropic_server.reply_json(GOOD)
    result = generate_theme(REQUEST, ai=completer(anthropic_server))
    assert result.source == "ai"
    assert result.theme.colors.text == "#2b1d14"
    first, second = anthropic_server.requests
    assert "colors.text" in second.texts[-1]
    assert "colors.text" not in first.prompt.split("schema")[0]
    assert "warm artisanal coffee shop" in second.prompt


def test_low_contrast_then_repaired(anthropic_server: FakeAnthropicServer) -> None:  # noqa: F811
    anthropic_server.reply_json(LOW_CONTRAST)
    anthropic_server.reply_json(GOOD)
    result = generate_theme(REQUEST, ai=completer(anthropic_server))
    assert result.source == "ai"
    assert result.theme.colors.text == "#2b1d14"
    second = anthropic_server.requests[1]
    assert [m["role"] for m in second.body["messages"]] == ["user", "assistant", "user"]
    assert "colors.text" in second.texts[-1] and "colors.button_text" in second.texts[-1]
    assert "4.5" in second.texts[-1]


def test_low_contrast_twice_is_repaired_deterministically(
    anthropic_server: FakeAnthropicServer,  # noqa: F811
) -> None:
    anthropic_server.reply_json(LOW_CONTRAST)
    anthropic_server.reply_json(LOW_CONTRAST)
    result = generate_theme(REQUEST, ai=completer(anthropic_server))
    assert len(anthropic_server.requests) == 2
    assert result.source == "ai"
    assert_readable(result)
    assert result.theme.colors.background == "#fff8f0"  # backgrounds and button are kept
    assert result.theme.colors.button == "#7c4a21"
    assert "repaired text contrast" in result.notes
    assert "repaired button contrast" in result.notes


def test_invalid_twice_falls_back_to_palette(anthropic_server: FakeAnthropicServer) -> None:  # noqa: F811
    anthropic_server.reply_json(INVALID)
    anthropic_server.reply_text("not json at all")
    result = generate_theme(REQUEST, ai=completer(anthropic_server))
    assert len(anthropic_server.requests) == 2
    assert result.source == "palette"
    assert "did not validate" in result.notes[0]
    assert_readable(result)


def test_server_error_falls_back_to_palette(anthropic_server: FakeAnthropicServer) -> None:  # noqa: F811
    anthropic_server.reply_status(500, "overloaded")
    result = generate_theme(REQUEST, ai=completer(anthropic_server))
    assert len(anthropic_server.requests) == 1  # max_retries=0
    assert result.source == "palette"
    assert "HTTP 500" in result.notes[0]
    palette = generate_theme(REQUEST)
    assert result.theme == palette.theme


def test_unreachable_server_falls_back_to_palette() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    ai = AICompleter(api_key="k", model=MODEL, base_url=f"http://127.0.0.1:{port}", timeout=2)
    result = generate_theme(REQUEST, ai=ai)
    assert result.source == "palette"
    assert "could not reach" in result.notes[0]


def test_completer_from_settings(anthropic_server: FakeAnthropicServer) -> None:  # noqa: F811
    assert ai_completer_from_settings(Settings(anthropic_api_key="")) is None
    settings = Settings(
        anthropic_api_key="k", anthropic_base_url=anthropic_server.base_url, anthropic_model=MODEL
    )
    ai = ai_completer_from_settings(settings)
    assert ai is not None and ai.model == MODEL
    anthropic_server.reply_json(GOOD)
    assert generate_theme(REQUEST, ai=ai).source == "ai"
    assert anthropic_server.requests[0].model == MODEL
