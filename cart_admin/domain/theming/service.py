"""A landing page's theme: published overrides, the editor's draft, publish and reset.

The page stores only partial overrides (defaults <- preset <- overrides); every write is
validated by the same model the storefront resolves with, so a stored theme always renders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from cart_admin.domain.theming.model import ThemeOverrides
from cart_admin.domain.theming.resolve import (
    ResolvedTheme,
    deep_merge,
    resolve_theme,
    validate_overrides,
)
from cart_admin.models import LandingPage


@dataclass(frozen=True)
class PageTheme:
    """What the editor and the API show: the live theme and, if any, the unpublished draft."""

    overrides: dict[str, Any]
    published: ResolvedTheme
    draft_overrides: dict[str, Any] | None
    draft: ResolvedTheme | None
    published_at: datetime | None

    @property
    def has_draft(self) -> bool:
        return self.draft_overrides is not None and self.draft_overrides != self.overrides


def page_theme(page: LandingPage) -> PageTheme:
    draft = page.cart_theme_draft
    return PageTheme(
        overrides=dict(page.cart_theme or {}),
        published=resolve_theme(page.cart_theme or {}),
        draft_overrides=dict(draft) if draft is not None else None,
        draft=resolve_theme(draft) if draft is not None else None,
        published_at=page.cart_theme_published_at,
    )


def normalized(overrides: Any) -> dict[str, Any]:
    """Validated overrides in their canonical form (colours as lower-case hex...)."""
    checked = validate_overrides(overrides)
    dumped = ThemeOverrides.model_validate(checked).model_dump(mode="json", exclude_unset=True)
    return validate_overrides(dumped)


def _merged(base: dict[str, Any], changes: Any, *, replace: bool) -> dict[str, Any]:
    """Validated overrides: `changes` laid over `base` (or instead of it)."""
    checked = normalized(changes)
    return normalized(checked if replace else deep_merge(base, checked))


def update_theme(
    session: Session,
    *,
    page: LandingPage,
    changes: Any,
    now: datetime,
    draft: bool = False,
    replace: bool = False,
) -> PageTheme:
    """Apply partial overrides to the live theme, or to the draft (starting from the live one).

    Raises ThemeValidationError with field errors; nothing is stored then.
    """
    if draft:
        base = page.cart_theme_draft if page.cart_theme_draft is not None else page.cart_theme
        page.cart_theme_draft = _merged(dict(base or {}), changes, replace=replace)
    else:
        page.cart_theme = _merged(dict(page.cart_theme or {}), changes, replace=replace)
        page.cart_theme_draft = None
        page.cart_theme_published_at = now
    page.updated_at = now
    session.add(page)
    session.flush()
    return page_theme(page)


def publish_draft(session: Session, *, page: LandingPage, now: datetime) -> PageTheme:
    """Make the draft the live theme (no-op without a draft)."""
    if page.cart_theme_draft is not None:
        page.cart_theme = normalized(page.cart_theme_draft)
        page.cart_theme_draft = None
        page.cart_theme_published_at = now
        page.updated_at = now
        session.add(page)
        session.flush()
    return page_theme(page)


def discard_draft(session: Session, *, page: LandingPage, now: datetime) -> PageTheme:
    page.cart_theme_draft = None
    page.updated_at = now
    session.add(page)
    session.flush()
    return page_theme(page)


def reset_theme(session: Session, *, page: LandingPage, now: datetime) -> PageTheme:
    """Back to the defaults: no overrides, no draft."""
    page.cart_theme = {}
    page.cart_theme_draft = None
    page.cart_theme_published_at = now
    page.updated_at = now
    session.add(page)
    session.flush()
    return page_theme(page)
