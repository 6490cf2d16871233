"""Cart drawer theming: the theme model, presets, resolution and CSS variables.

Plain Python with pydantic; imports neither reflex nor fastapi.
"""

from cart_admin.domain.theming.colors import (
    Rgba,
    contrast_ratio,
    normalize_color,
    parse_color,
    relative_luminance,
)
from cart_admin.domain.theming.css import VARIABLE_NAMES, css_block, css_variables
from cart_admin.domain.theming.fonts import FONT_IDS, FONT_STACKS, font_stack
from cart_admin.domain.theming.model import (
    CartTheme,
    ThemeAnimation,
    ThemeColors,
    ThemeLayout,
    ThemeOverrides,
    ThemeShape,
    ThemeTexts,
    ThemeTriggers,
    ThemeTypography,
    ThemeUpsells,
)
from cart_admin.domain.theming.presets import PRESET_IDS, PRESETS, ThemePreset
from cart_admin.domain.theming.resolve import (
    AA_CONTRAST,
    AAA_CONTRAST,
    ContrastCheck,
    ContrastReport,
    ResolvedTheme,
    ThemeValidationError,
    contrast_report,
    resolve_theme,
    validate_overrides,
)

__all__ = [
    "AAA_CONTRAST",
    "AA_CONTRAST",
    "FONT_IDS",
    "FONT_STACKS",
    "PRESETS",
    "PRESET_IDS",
    "VARIABLE_NAMES",
    "CartTheme",
    "ContrastCheck",
    "ContrastReport",
    "ResolvedTheme",
    "Rgba",
    "ThemeAnimation",
    "ThemeColors",
    "ThemeLayout",
    "ThemeOverrides",
    "ThemePreset",
    "ThemeShape",
    "ThemeTexts",
    "ThemeTriggers",
    "ThemeTypography",
    "ThemeUpsells",
    "ThemeValidationError",
    "contrast_ratio",
    "contrast_report",
    "css_block",
    "css_variables",
    "font_stack",
    "normalize_color",
    "parse_color",
    "relative_luminance",
    "resolve_theme",
    "validate_overrides",
]
