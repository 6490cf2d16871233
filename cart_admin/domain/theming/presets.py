"""The nine built-in cart themes a merchant starts from.

Each preset is partial theme JSON (the same shape a page stores) applied over the defaults.
Every preset sets its whole colour group, and every one passes WCAG AA (4.5:1) for text,
muted text and button text; ``high_contrast`` passes AAA (7:1). The tests hold them to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class ThemePreset:
    id: str
    name: str
    description: str
    style: str  # a tag for filtering in a gallery
    overrides: Mapping[str, Any]


def _preset(
    id: str, name: str, description: str, style: str, overrides: dict[str, Any]
) -> ThemePreset:
    return ThemePreset(id, name, description, style, MappingProxyType(overrides))


PRESETS: Mapping[str, ThemePreset] = MappingProxyType(
    {
        p.id: p
        for p in (
            _preset(
                "light",
                "Light",
                "Clean white drawer with an indigo checkout button.",
                "classic",
                {
                    "colors": {
                        "background": "#ffffff",
                        "surface": "#f6f7f9",
                        "text": "#111827",
                        "muted_text": "#4b5563",
                        "button": "#4f46e5",
                        "button_text": "#ffffff",
                        "accent": "#4f46e5",
                        "border": "#e5e7eb",
                        "badge": "#dc2626",
                        "badge_text": "#ffffff",
                        "overlay": "#11182773",
                        "urgency": "#b91c1c",
                        "success": "#15803d",
                    },
                    "typography": {"font": "System", "heading_weight": 600},
                    "shape": {"radius_px": 12, "shadow": "soft"},
                },
            ),
            _preset(
                "dark",
                "Dark",
                "Charcoal drawer with soft periwinkle accents for night-friendly stores.",
                "dark",
                {
                    "colors": {
                        "background": "#111318",
                        "surface": "#1b1e25",
                        "text": "#f3f4f6",
                        "muted_text": "#a1a1aa",
                        "button": "#818cf8",
                        "button_text": "#0b0d12",
                        "accent": "#a5b4fc",
                        "border": "#2a2f3a",
                        "badge": "#f87171",
                        "badge_text": "#111318",
                        "overlay": "#000000b3",
                        "urgency": "#f87171",
                        "success": "#4ade80",
                    },
                    "typography": {"font": "Inter", "heading_weight": 600},
                    "shape": {"radius_px": 14, "shadow": "strong"},
                },
            ),
            _preset(
                "minimal",
                "Minimal",
                "Monochrome, square corners, no shadows: the products do the talking.",
                "minimal",
                {
                    "colors": {
                        "background": "#fafafa",
                        "surface": "#ffffff",
                        "text": "#171717",
                        "muted_text": "#525252",
                        "button": "#171717",
                        "button_text": "#fafafa",
                        "accent": "#404040",
                        "border": "#e5e5e5",
                        "badge": "#171717",
                        "badge_text": "#ffffff",
                        "overlay": "#0000004d",
                        "urgency": "#b91c1c",
                        "success": "#166534",
                    },
                    "typography": {"font": "Helvetica", "heading_weight": 500},
                    "shape": {"radius_px": 0, "shadow": "none"},
                    "layout": {"header_style": "simple", "image_size_px": 64},
                    "animation": {"style": "fade", "duration_ms": 200},
                },
            ),
            _preset(
                "bold",
                "Bold",
                "Punchy rose button, heavy headings and hard black borders.",
                "bold",
                {
                    "colors": {
                        "background": "#ffffff",
                        "surface": "#fff4e6",
                        "text": "#0f0f0f",
                        "muted_text": "#44403c",
                        "button": "#e11d48",
                        "button_text": "#ffffff",
                        "accent": "#f59e0b",
                        "border": "#0f0f0f",
                        "badge": "#fde047",
                        "badge_text": "#0f0f0f",
                        "overlay": "#0f0f0f99",
                        "urgency": "#be123c",
                        "success": "#15803d",
                    },
                    "typography": {"font": "Arial", "heading_weight": 900, "base_size_px": 16},
                    "shape": {"radius_px": 4, "shadow": "strong"},
                    "layout": {"header_style": "bold"},
                },
            ),
            _preset(
                "luxury",
                "Luxury",
                "Near-black with gold and a serif display face, centred and spacious.",
                "elegant",
                {
                    "colors": {
                        "background": "#0e0d0b",
                        "surface": "#1a1814",
                        "text": "#f5efe3",
                        "muted_text": "#b5a98f",
                        "button": "#c9a227",
                        "button_text": "#0e0d0b",
                        "accent": "#d4af37",
                        "border": "#3a3326",
                        "badge": "#c9a227",
                        "badge_text": "#0e0d0b",
                        "overlay": "#000000bf",
                        "urgency": "#e8a87c",
                        "success": "#a3c585",
                    },
                    "typography": {"font": "Playfair Display", "heading_weight": 600},
                    "shape": {"radius_px": 0, "shadow": "medium"},
                    "layout": {"header_style": "centered", "width_px": 480, "image_size_px": 88},
                    "animation": {"style": "fade", "duration_ms": 400},
                },
            ),
            _preset(
                "natural",
                "Natural",
                "Linen background, moss-green button and terracotta accents.",
                "organic",
                {
                    "colors": {
                        "background": "#f7f4ec",
                        "surface": "#efe9dc",
                        "text": "#2f3a2a",
                        "muted_text": "#5b6152",
                        "button": "#4d6b3c",
                        "button_text": "#ffffff",
                        "accent": "#a0522d",
                        "border": "#d9d1bf",
                        "badge": "#a0522d",
                        "badge_text": "#ffffff",
                        "overlay": "#2f3a2a80",
                        "urgency": "#9a3412",
                        "success": "#3f6212",
                    },
                    "typography": {"font": "Georgia", "heading_weight": 600},
                    "shape": {"radius_px": 10, "shadow": "soft"},
                },
            ),
            _preset(
                "playful",
                "Playful",
                "Violet and pink, round corners and a springy slide-in.",
                "fun",
                {
                    "colors": {
                        "background": "#fffaf2",
                        "surface": "#fff0f6",
                        "text": "#2d1b4e",
                        "muted_text": "#6b5a86",
                        "button": "#7c3aed",
                        "button_text": "#ffffff",
                        "accent": "#ec4899",
                        "border": "#f5d0fe",
                        "badge": "#db2777",
                        "badge_text": "#ffffff",
                        "overlay": "#2d1b4e66",
                        "urgency": "#c2410c",
                        "success": "#15803d",
                    },
                    "typography": {"font": "Trebuchet MS", "heading_weight": 800},
                    "shape": {"radius_px": 24, "shadow": "medium"},
                    "layout": {"header_style": "centered"},
                    "animation": {"style": "slide", "duration_ms": 320},
                },
            ),
            _preset(
                "high_contrast",
                "High contrast",
                "Black on white, larger type and no motion; meets WCAG AAA (7:1).",
                "accessible",
                {
                    "colors": {
                        "background": "#ffffff",
                        "surface": "#ffffff",
                        "text": "#000000",
                        "muted_text": "#333333",
                        "button": "#000000",
                        "button_text": "#ffffff",
                        "accent": "#0033cc",
                        "border": "#000000",
                        "badge": "#000000",
                        "badge_text": "#ffffff",
                        "overlay": "#000000cc",
                        "urgency": "#a50000",
                        "success": "#005a00",
                    },
                    "typography": {"font": "Verdana", "heading_weight": 800, "base_size_px": 18},
                    "shape": {"radius_px": 4, "shadow": "none"},
                    "layout": {"image_size_px": 80},
                    "animation": {"style": "none", "duration_ms": 0},
                },
            ),
            _preset(
                "espresso",
                "Espresso",
                "Crema background with roasted-brown button, made for coffee and bakeries.",
                "warm",
                {
                    "colors": {
                        "background": "#f5ede3",
                        "surface": "#eadbc8",
                        "text": "#3b2418",
                        "muted_text": "#6f4e37",
                        "button": "#4b2e1e",
                        "button_text": "#f5ede3",
                        "accent": "#b5651d",
                        "border": "#d8c3a5",
                        "badge": "#97521a",
                        "badge_text": "#ffffff",
                        "overlay": "#2b1a1099",
                        "urgency": "#9c2a00",
                        "success": "#4e6b2e",
                    },
                    "typography": {"font": "Palatino", "heading_weight": 700},
                    "shape": {"radius_px": 8, "shadow": "soft"},
                    "layout": {"header_style": "bold"},
                },
            ),
        )
    }
)

PRESET_IDS: tuple[str, ...] = tuple(PRESETS)
