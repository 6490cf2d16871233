"""Resolve a page's stored overrides into a full theme: defaults ← preset ← page overrides."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from cart_admin.domain.theming.colors import contrast_ratio
from cart_admin.domain.theming.model import CartTheme, ThemeOverrides
from cart_admin.domain.theming.presets import PRESET_IDS, PRESETS

AA_CONTRAST = 4.5
AAA_CONTRAST = 7.0
ROOT_FIELD = "__root__"


class ThemeValidationError(ValueError):
    """Invalid theme input; ``errors`` is a list of ``{"field": "colors.text", "message": ...}``.

    The field is a dotted path into the theme JSON (list items by index), so the list can be
    returned as a 422 body as it is.
    """

    def __init__(self, errors: list[dict[str, str]]) -> None:
        self.errors = errors
        summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        super().__init__(f"invalid cart theme: {summary}")


class ContrastCheck(BaseModel):
    model_config = ConfigDict(frozen=True)

    pair: str  # e.g. "text/background"
    foreground: str
    background: str
    ratio: float  # rounded to two places
    warning: bool  # below WCAG AA (4.5:1)


class ContrastReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: ContrastCheck
    muted_text: ContrastCheck
    button_text: ContrastCheck

    @property
    def checks(self) -> tuple[ContrastCheck, ...]:
        return (self.text, self.muted_text, self.button_text)

    @property
    def has_warnings(self) -> bool:
        return any(check.warning for check in self.checks)


class ResolvedTheme(BaseModel):
    model_config = ConfigDict(frozen=True)

    theme: CartTheme
    preset: str | None
    contrast: ContrastReport


def _check(pair: str, foreground: str, background: str) -> ContrastCheck:
    ratio = contrast_ratio(foreground, background)
    return ContrastCheck(
        pair=pair,
        foreground=foreground,
        background=background,
        ratio=round(ratio, 2),
        warning=ratio < AA_CONTRAST,
    )


def contrast_report(theme: CartTheme) -> ContrastReport:
    """Text, muted text and button text contrast of a theme, with a flag below 4.5:1."""
    c = theme.colors
    return ContrastReport(
        text=_check("text/background", c.text, c.background),
        muted_text=_check("muted_text/background", c.muted_text, c.background),
        button_text=_check("button_text/button", c.button_text, c.button),
    )


def _field(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or ROOT_FIELD


def _message(error: Mapping[str, Any]) -> str:
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def field_errors(exc: ValidationError) -> list[dict[str, str]]:
    """A pydantic ValidationError as ``[{"field": dotted.path, "message": ...}]``."""
    return [{"field": _field(e["loc"]), "message": _message(e)} for e in exc.errors()]


def _without_none(value: Any) -> Any:
    """Drop ``null`` entries: in partial JSON they mean "not set", i.e. inherit."""
    if isinstance(value, Mapping):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    return value


def deep_merge(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``top`` laid over it; nested dicts merge, anything else replaces."""
    merged = dict(base)
    for key, value in top.items():
        below = merged.get(key)
        if isinstance(below, Mapping) and isinstance(value, Mapping):
            merged[key] = deep_merge(below, value)
        else:
            merged[key] = value
    return merged


def validate_overrides(overrides: Any) -> dict[str, Any]:
    """Check partial theme JSON and return it without nulls; raise ThemeValidationError."""
    if overrides is None:
        return {}
    if not isinstance(overrides, Mapping):
        raise ThemeValidationError(
            [{"field": ROOT_FIELD, "message": "theme overrides must be a JSON object"}]
        )
    errors: list[dict[str, str]] = []
    try:
        ThemeOverrides.model_validate(dict(overrides))
    except ValidationError as exc:
        errors.extend(field_errors(exc))
    preset = overrides.get("preset")
    if isinstance(preset, str) and preset not in PRESETS:
        errors.append(
            {
                "field": "preset",
                "message": f"unknown preset {preset!r}; choose one of: {', '.join(PRESET_IDS)}",
            }
        )
    if errors:
        raise ThemeValidationError(errors)
    cleaned: dict[str, Any] = _without_none(overrides)
    return cleaned


def resolve_theme(overrides: Mapping[str, Any] | None) -> ResolvedTheme:
    """The full theme for a page: defaults ← preset (``"preset"`` key) ← the page's overrides.

    Raises ThemeValidationError with field-level errors for invalid input, an unknown preset
    or an unknown key. Low contrast is not an error: it is reported in ``contrast``.
    """
    page = validate_overrides(overrides)
    preset_id = page.pop("preset", None)
    merged: dict[str, Any] = {}
    if preset_id is not None:
        merged = deep_merge(merged, PRESETS[preset_id].overrides)
    merged = deep_merge(merged, page)
    try:
        theme = CartTheme.model_validate(merged)
    except ValidationError as exc:  # pragma: no cover - overrides were validated above
        raise ThemeValidationError(field_errors(exc)) from exc
    return ResolvedTheme(theme=theme, preset=preset_id, contrast=contrast_report(theme))
