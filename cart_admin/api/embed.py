"""GET /embed/{public_key}.js — the storefront's one script tag — and the demo storefront."""

from __future__ import annotations

import html
import json
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import HTMLResponse
from sqlmodel import Session, col, select

from cart_admin.api.deps import SessionDep
from cart_admin.api.public import list_catalog
from cart_admin.domain import storefront as shop
from cart_admin.domain.chat.config import chat_config_from_row
from cart_admin.domain.churn.config import churn_config_from_row
from cart_admin.domain.config_store import settings_row
from cart_admin.domain.embed import EmbedScript, chat_script, render_embed
from cart_admin.domain.tenancy import NotFound
from cart_admin.models import LandingPage, LandingPageStatus
from cart_admin.settings import get_settings

router = APIRouter(tags=["storefront"])

JS = "application/javascript; charset=utf-8"


@router.get("/embed/{public_key}.js", response_class=Response)
def embed_script(
    request: Request,
    session: SessionDep,
    public_key: Annotated[str, Path(max_length=40, pattern=r"^[A-Za-z0-9_-]+$")],
) -> Response:
    """The drawer for this landing page; revalidated on every load (ETag), gzip when asked."""
    try:
        store = shop.storefront_for_key(
            session, public_key=public_key, themed=get_settings().enable_cart_theming
        )
    except NotFound:
        return Response("/* Cart Admin: no published landing page has this key. */", 404,
                        media_type=JS)  # fmt: skip
    api_base = get_settings().api_url or str(request.base_url)
    script = render_embed(store, api_base=api_base, assist=_assist(session, store.company.id))
    # theme edits show on the next load; 304s are cheap
    return _script_response(request, script, cache_control="no-cache")


def _script_response(request: Request, script: EmbedScript, *, cache_control: str) -> Response:
    """A script with its ETag (304 when the browser has it), gzipped when asked."""
    headers = {
        "ETag": script.etag,
        "Cache-Control": cache_control,
        "Vary": "Accept-Encoding",
        "X-Content-Type-Options": "nosniff",
    }
    if script.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        return Response(
            script.gzipped, media_type=JS, headers={**headers, "Content-Encoding": "gzip"}
        )
    return Response(script.body, media_type=JS, headers=headers)


def _assist(session: Session, company_id: str) -> dict:
    """What the drawer needs of the churn and chat settings (the rest stays on the server)."""
    row = settings_row(session, company_id)
    churn, chat = churn_config_from_row(row), chat_config_from_row(row)
    return {
        "churn": {
            "enabled": churn.enabled and get_settings().enable_churn_detection,
            "idleSeconds": churn.idle_seconds,
            "longFormSeconds": churn.long_form_seconds,
        },
        "chat": {"enabled": chat.enabled, "position": chat.position},
    }


@router.get("/embed/parts/chat.js", response_class=Response)
def chat_part(request: Request) -> Response:
    """The checkout chat, loaded by the drawer when a shopper first opens it."""
    return _script_response(request, chat_script(), cache_control="public, max-age=300")


@router.get("/demo/store/{slug}", response_class=HTMLResponse, include_in_schema=False)
def demo_store(
    slug: Annotated[str, Path(max_length=80, pattern=r"^[a-z0-9-]+$")], session: SessionDep
) -> HTMLResponse:
    """A plain product grid that embeds the drawer exactly as a merchant's page would."""
    page = session.exec(
        select(LandingPage)
        .where(
            col(LandingPage.slug) == slug, col(LandingPage.status) == LandingPageStatus.PUBLISHED
        )
        .order_by(col(LandingPage.created_at))
    ).first()
    if page is None:
        return HTMLResponse("<h1>No such store</h1>", status_code=404)
    catalog = list_catalog(page.public_key, session)
    cards = "\n".join(_card(p) for p in catalog.items)
    return HTMLResponse(DEMO_PAGE.format(
        title=html.escape(page.name), cards=cards, key=html.escape(page.public_key)
    ))  # fmt: skip


def _card(product) -> str:
    price = html.escape(product.price)
    was = (
        f'<s class="was">{html.escape(product.compare_at_price)}</s>'
        if product.compare_at_price
        else ""
    )
    image = html.escape(product.image_url or "")
    return (
        f'<article class="card" data-cart-admin-product="{html.escape(product.id)}">'
        f'<img src="{image}" alt="" loading="lazy"><h2>{html.escape(product.name)}</h2>'
        f'<p class="price">${price} {was}</p>'
        f"<button type=\"button\" data-product='{html.escape(json.dumps(product.id))}' "
        f'onclick="MomentumCart.add(JSON.parse(this.dataset.product), 1)">Add to cart</button>'
        f"</article>"
    )


DEMO_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · demo storefront</title>
<link rel="icon" href="/favicon.svg">
<style>
 body {{ margin: 0; font-family: Georgia, serif; background: #faf7f2; color: #2b2118; }}
 header {{ padding: 24px 32px; border-bottom: 1px solid #e8dfd3; background: #fff; }}
 header h1 {{ margin: 0; font-size: 26px; }} header p {{ margin: 4px 0 0; color: #7a6a5a; }}
 main {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr));
        gap: 20px; padding: 28px 32px 120px; }}
 .card {{ background: #fff; border: 1px solid #e8dfd3; border-radius: 10px; padding: 14px; }}
 .card img {{ width: 100%; aspect-ratio: 1; object-fit: cover; border-radius: 8px;
             background: #f3ede4; }}
 .card h2 {{ font-size: 16px; margin: 10px 0 4px; }} .price {{ margin: 0 0 10px; }}
 .was {{ color: #9b8b7b; margin-left: 6px; }}
 .card button {{ width: 100%; padding: 10px; border: 0; border-radius: 6px; background: #2b2118;
                color: #fff; font-size: 15px; cursor: pointer; }}
</style></head>
<body>
<header><h1>{title}</h1><p>A demo storefront: the cart drawer below is the real embed.</p></header>
<main>
{cards}
</main>
<script src="/embed/{key}.js" async></script>
</body></html>
"""
