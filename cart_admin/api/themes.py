"""Cart theme endpoints (deployment plan §4): a page's theme, its draft, preview, presets."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from cart_admin.api.admin import owned, require_writer
from cart_admin.api.deps import AdminRoute, CurrentPrincipal, NowDep, SessionDep, feature_flag
from cart_admin.channels.ai import ai_completer_from_settings
from cart_admin.domain.theming import (
    PRESETS,
    CartTheme,
    ContrastReport,
    ResolvedTheme,
    ThemeValidationError,
    css_block,
    css_variables,
    resolve_theme,
)
from cart_admin.domain.theming import service as themes
from cart_admin.domain.theming.generate import generate_theme, parse_theme_request
from cart_admin.models import LandingPage
from cart_admin.settings import get_settings

router = APIRouter(
    prefix="/api/landing-pages",
    route_class=AdminRoute,
    tags=["cart themes"],
    dependencies=[feature_flag("enable_cart_theming")],
)


class ResolvedThemeOut(BaseModel):
    preset: str | None
    theme: CartTheme
    contrast: ContrastReport
    css_variables: dict[str, str]


class PageThemeOut(BaseModel):
    overrides: dict[str, Any]
    published: ResolvedThemeOut
    draft_overrides: dict[str, Any] | None
    draft: ResolvedThemeOut | None
    has_draft: bool
    published_at: datetime | None


class PreviewOut(ResolvedThemeOut):
    css: str


class PresetOut(ResolvedThemeOut):
    id: str
    name: str
    description: str
    style: str
    overrides: dict[str, Any]


def resolved_out(resolved: ResolvedTheme) -> ResolvedThemeOut:
    return ResolvedThemeOut(
        preset=resolved.preset,
        theme=resolved.theme,
        contrast=resolved.contrast,
        css_variables=css_variables(resolved.theme),
    )


def page_theme_out(theme: themes.PageTheme) -> PageThemeOut:
    return PageThemeOut(
        overrides=theme.overrides,
        published=resolved_out(theme.published),
        draft_overrides=theme.draft_overrides,
        draft=resolved_out(theme.draft) if theme.draft else None,
        has_draft=theme.has_draft,
        published_at=theme.published_at,
    )


def invalid_theme(exc: ThemeValidationError) -> JSONResponse:
    """The same 422 shape as every other validation error, with the theme's field paths."""
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in exc.errors)
    return JSONResponse({"detail": f"Invalid theme: {summary}", "errors": exc.errors}, 422)


@router.get("/cart-themes/presets", response_model=list[PresetOut])
def list_presets(principal: CurrentPrincipal) -> list[PresetOut]:
    """The 9 presets, resolved, with their contrast and CSS variables (for the gallery)."""
    out = []
    for preset in PRESETS.values():
        resolved = resolve_theme({"preset": preset.id})
        out.append(
            PresetOut(
                id=preset.id,
                name=preset.name,
                description=preset.description,
                style=preset.style,
                overrides=dict(preset.overrides),
                **resolved_out(resolved).model_dump(),
            )
        )
    return out


class GeneratedOut(BaseModel):
    overrides: dict[str, Any]
    theme: CartTheme
    contrast: ContrastReport
    css_variables: dict[str, str]
    source: str
    notes: list[str]


@router.post(
    "/cart-themes/generate",
    response_model=GeneratedOut,
    responses={422: {"description": "Field errors of the request"}},
)
def generate(
    request: Annotated[
        dict[str, Any],
        Body(
            description="Any of: brand_color, logo_colors (1-6), description (<= 200 chars)",
            examples=[{"description": "warm artisanal coffee shop"}, {"brand_color": "#0a7"}],
        ),
    ],
    principal: CurrentPrincipal,
):
    """A complete theme passing contrast: Claude proposes it when ANTHROPIC_API_KEY is set,
    the deterministic palette generator otherwise (or when Claude fails)."""
    require_writer(principal)  # generation may spend AI tokens
    try:
        parsed = parse_theme_request(request)
    except ThemeValidationError as exc:
        return invalid_theme(exc)
    result = generate_theme(parsed, ai=ai_completer_from_settings(get_settings()))
    return GeneratedOut(
        overrides=result.overrides,
        theme=result.theme,
        contrast=result.contrast,
        css_variables=css_variables(result.theme),
        source=result.source,
        notes=list(result.notes),
    )


@router.get("/{page_id}/cart-theme", response_model=PageThemeOut)
def read_theme(page_id: str, principal: CurrentPrincipal, session: SessionDep) -> PageThemeOut:
    page = owned(session, LandingPage, page_id, principal)
    return page_theme_out(themes.page_theme(page))


@router.patch(
    "/{page_id}/cart-theme",
    response_model=PageThemeOut,
    responses={422: {"description": "Field errors: `errors[].field` is a dotted theme path"}},
)
def update_theme(
    page_id: str,
    changes: Annotated[dict[str, Any], Body(description="Partial theme overrides (JSON object)")],
    principal: CurrentPrincipal,
    session: SessionDep,
    now: NowDep,
    draft: Annotated[bool, Query(description="Save as the editor's draft")] = False,
    replace: Annotated[bool, Query(description="Replace the overrides instead of merging")] = False,
):
    """Change the live theme (or the draft); nested objects merge unless `replace`."""
    require_writer(principal)
    page = owned(session, LandingPage, page_id, principal)
    try:
        theme = themes.update_theme(
            session, page=page, changes=changes, now=now, draft=draft, replace=replace
        )
    except ThemeValidationError as exc:
        session.rollback()
        return invalid_theme(exc)
    return page_theme_out(theme)


@router.delete("/{page_id}/cart-theme", response_model=PageThemeOut)
def reset_theme(
    page_id: str, principal: CurrentPrincipal, session: SessionDep, now: NowDep
) -> PageThemeOut:
    """Reset to the default theme (no preset, no overrides, no draft)."""
    require_writer(principal)
    page = owned(session, LandingPage, page_id, principal)
    return page_theme_out(themes.reset_theme(session, page=page, now=now))


@router.post("/{page_id}/cart-theme/publish", response_model=PageThemeOut)
def publish_theme(
    page_id: str, principal: CurrentPrincipal, session: SessionDep, now: NowDep
) -> PageThemeOut:
    """Make the draft live on the storefront."""
    require_writer(principal)
    page = owned(session, LandingPage, page_id, principal)
    return page_theme_out(themes.publish_draft(session, page=page, now=now))


@router.get("/{page_id}/cart-theme/preview", response_model=PreviewOut)
def preview_theme(
    page_id: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    draft: Annotated[bool, Query(description="Preview the draft when there is one")] = True,
) -> PreviewOut:
    """The resolved theme as the drawer would get it, with its CSS block."""
    page = owned(session, LandingPage, page_id, principal)
    current = themes.page_theme(page)
    resolved = current.draft if draft and current.draft is not None else current.published
    return PreviewOut(**resolved_out(resolved).model_dump(), css=css_block(resolved.theme))
