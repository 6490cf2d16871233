"""The nine presets: all resolve, all readable, all different."""

from __future__ import annotations

import itertools

import pytest

from cart_admin.domain.theming import (
    AA_CONTRAST,
    AAA_CONTRAST,
    PRESETS,
    CartTheme,
    ThemeColors,
    contrast_ratio,
    resolve_theme,
)

EXPECTED_IDS = {
    "light",
    "dark",
    "minimal",
    "bold",
    "luxury",
    "natural",
    "playful",
    "high_contrast",
    "espresso",
}


def test_exactly_nine_named_presets() -> None:
    assert set(PRESETS) == EXPECTED_IDS
    for preset_id, preset in PRESETS.items():
        assert preset.id == preset_id
        assert preset.name and preset.description and preset.style
        assert "\n" not in preset.description


@pytest.mark.parametrize("preset_id", sorted(EXPECTED_IDS))
def test_preset_resolves_and_passes_aa(preset_id: str) -> None:
    resolved = resolve_theme({"preset": preset_id})
    assert resolved.preset == preset_id
    assert not resolved.contrast.has_warnings
    for check in resolved.contrast.checks:
        assert check.ratio >= AA_CONTRAST, check
    colors = resolved.theme.colors
    assert contrast_ratio(colors.text, colors.surface) >= AA_CONTRAST
    assert contrast_ratio(colors.badge_text, colors.badge) >= AA_CONTRAST


@pytest.mark.parametrize("preset_id", sorted(EXPECTED_IDS))
def test_every_preset_sets_its_whole_colour_group(preset_id: str) -> None:
    assert set(PRESETS[preset_id].overrides["colors"]) == set(ThemeColors.model_fields)


def test_high_contrast_meets_aaa() -> None:
    report = resolve_theme({"preset": "high_contrast"}).contrast
    for check in report.checks:
        assert check.ratio >= AAA_CONTRAST, check


def _themes() -> dict[str, CartTheme]:
    return {pid: resolve_theme({"preset": pid}).theme for pid in PRESETS}


def test_presets_are_pairwise_distinct() -> None:
    themes = _themes()
    for (a_id, a), (b_id, b) in itertools.combinations(themes.items(), 2):
        assert a.colors != b.colors, (a_id, b_id)
        # Not just one colour apart: the core palette differs.
        core = ("background", "text", "button")
        assert any(getattr(a.colors, k) != getattr(b.colors, k) for k in core), (a_id, b_id)
        assert a != b


def test_presets_differ_from_defaults_except_light() -> None:
    default = CartTheme()
    for preset_id, theme in _themes().items():
        if preset_id != "light":
            assert theme != default, preset_id


def test_preset_overrides_are_read_only() -> None:
    with pytest.raises(TypeError):
        PRESETS["light"].overrides["colors"] = {}  # type: ignore[index]
