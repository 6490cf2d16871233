"""Drawer previews for the admin: the preset gallery's thumbnails and the theme editor.

`GET /preview/presets/{preset_id}` is public (presets are); `GET /preview/landing-pages/{id}`
needs the admin's session cookie or API key and shows the page's draft theme, else the live one.
Both pages run the real drawer in preview mode (sample cart, no network) and accept live theme
messages from their own origin only: the admin frames them from that origin.
"""

from __future__ import annotations

import html

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from cart_admin.api.admin import owned
from cart_admin.api.deps import AdminRoute, CurrentPrincipal, SessionDep
from cart_admin.domain.preview import preview_script
from cart_admin.domain.theming import PRESETS, CartTheme, resolve_theme
from cart_admin.domain.theming import service as themes
from cart_admin.models import Company, LandingPage

router = APIRouter(tags=["cart themes"], include_in_schema=False)
_admin = APIRouter(route_class=AdminRoute)

HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title}</title>
<style>html, body {{ margin: 0; min-height: 100vh; background: #f3f4f6; }}</style>
</head><body>
<script>{script}</script>
</body></html>
"""


def _origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def _page(request: Request, theme: CartTheme, *, title: str, currency: str = "USD") -> HTMLResponse:
    script = preview_script(
        theme,
        parent_origin=_origin(request),
        start_open=True,
        api_base=str(request.base_url),
        currency=currency,
    )
    return HTMLResponse(PAGE.format(title=html.escape(title), script=script), headers=HEADERS)


@router.get("/preview/presets/{preset_id}", response_class=HTMLResponse)
def preset_preview(preset_id: str, request: Request) -> HTMLResponse:
    """The drawer open on the sample cart, themed by this preset (a gallery thumbnail)."""
    if preset_id not in PRESETS:
        return HTMLResponse("<h1>No such preset</h1>", status_code=404, headers=HEADERS)
    theme = resolve_theme({"preset": preset_id}).theme
    return _page(request, theme, title=f"{PRESETS[preset_id].name} · cart preview")


@_admin.get("/preview/landing-pages/{page_id}", response_class=HTMLResponse)
def landing_page_preview(
    page_id: str, request: Request, principal: CurrentPrincipal, session: SessionDep
) -> HTMLResponse:
    """The page's draft theme (else its live one) on the sample cart, for the theme editor."""
    page = owned(session, LandingPage, page_id, principal)
    current = themes.page_theme(page)
    resolved = current.draft or current.published
    company = session.get(Company, page.company_id)
    currency = company.currency if company else "USD"
    return _page(request, resolved.theme, title=f"{page.name} · cart preview", currency=currency)


router.include_router(_admin)
