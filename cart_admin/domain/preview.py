"""The drawer in preview mode: a sample cart and the script for the admin's gallery and editor.

The sample follows the storefront's Cart contract and gets its trigger facts from
`triggers.cart_triggers` itself (fed from fixed sample facts instead of the database), so a
theme that switches a trigger off or raises a threshold previews exactly what a shopper sees.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from sqlmodel import Session

from cart_admin.domain import pricing, triggers
from cart_admin.domain.embed import _script_json, embed_config, render_embed
from cart_admin.domain.storefront import Storefront
from cart_admin.domain.theming import CartTheme
from cart_admin.models import (
    Cart,
    CartItem,
    Company,
    Inventory,
    LandingPage,
    Product,
    ProductViewHeartbeat,
)
from cart_admin.models.types import utcnow

PREVIEW_TOKEN = "preview"  # the drawer never stores or sends it
HOLD = timedelta(minutes=9)
SHIPPING = Decimal("5.99")
TAX_RATE = Decimal("0.08")


PREVIEW_JS_TOKEN = "/* __CART_ADMIN_PREVIEW__ */"

# Spliced into drawer.js (inside its closure) for previews only, so storefronts never download
# it. The sample cart changes locally; the parent's theme messages restyle and re-render.
# The preview-only functions, spliced into drawer.js at its marker (kept out of the
# storefront script so that stays small).
PREVIEW_JS = (Path(__file__).resolve().parent.parent / "embed" / "preview.js").read_text()


@dataclass(frozen=True)
class _Sample:
    id: str
    name: str
    slug: str
    price: str
    quantity: int
    compare_at: str | None
    rating: str | None
    reviews: int
    stock: int
    viewers: int


SAMPLE_LINES = (
    _Sample("sample-guji", "Ethiopia Guji Washed", "ethiopia-guji-washed", "16.00", 1,
            "19.00", "4.80", 2847, 3, 2),
    _Sample("sample-mug", "Bluebird Stoneware Mug", "bluebird-stoneware-mug", "9.50", 2,
            None, "4.60", 312, 40, 7),
    _Sample("sample-packs", "Cold Brew Pitcher Packs", "cold-brew-pitcher-packs", "7.50", 1,
            "9.00", None, 0, 25, 0),
)  # fmt: skip

SAMPLE_RECOMMENDATIONS = (
    ("COMPLEMENTARY", "sample-dripper", "Ceramic Pour-Over Dripper",
     "ceramic-pour-over-dripper", "24.00", "29.00", "Brews your Guji at its best"),
    ("FREE_SHIPPING_ADD", "sample-honey", "Costa Rica Tarrazu Honey",
     "costa-rica-tarrazu-honey", "8.00", None, "Add it and shipping is free"),
    ("COMPLEMENTARY", "sample-tumbler", "Double-Wall Travel Tumbler",
     "double-wall-travel-tumbler", "22.00", None, None),
)  # fmt: skip


class _SampleFacts:
    """Answers the three reads `cart_triggers` makes (hold, stock, viewers) from the sample."""

    def __init__(self, expiry: datetime) -> None:
        self.expiry = expiry
        self.rows: list[Any] = []

    def exec(self, query: Any) -> _SampleFacts:
        entity = query.column_descriptions[0].get("entity")
        if entity is Inventory:
            self.rows = [(s.id, s.stock) for s in SAMPLE_LINES]
        elif entity is ProductViewHeartbeat:
            self.rows = [(s.id, s.viewers) for s in SAMPLE_LINES if s.viewers]
        else:
            self.rows = []
        return self

    def one(self) -> datetime:
        return self.expiry

    def all(self) -> list[Any]:
        return self.rows


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _image(slug: str) -> str:
    return f"/products/{slug}.svg"


def sample_cart(theme: CartTheme, currency: str = "USD", *, now: datetime | None = None) -> dict:
    """A Cart JSON (the storefront contract) showing what this theme's drawer can show."""
    now = now or utcnow()
    # The preview always shows the treatment: the control group sees nothing.
    treatment = theme.model_copy(
        update={"triggers": theme.triggers.model_copy(update={"control_share_percent": 0})}
    )
    cart = Cart(id="sample-cart", company_id="sample", public_token=PREVIEW_TOKEN)
    lines = [
        (
            CartItem(product_id=s.id, quantity=s.quantity, unit_price=Decimal(s.price)),
            Product(
                id=s.id,
                sku=s.slug,
                name=s.name,
                price=Decimal(s.price),
                compare_at_price=Decimal(s.compare_at) if s.compare_at else None,
                rating=Decimal(s.rating) if s.rating else None,
                review_count=s.reviews,
                image_url=_image(s.slug),
            ),
        )
        for s in SAMPLE_LINES
    ]
    settings = theme.triggers.free_shipping
    totals = pricing.price_cart(
        [pricing.Line(item.unit_price, item.quantity) for item, _ in lines],
        discount=None,
        shipping_rate=SHIPPING,
        tax_rate=TAX_RATE,
        free_shipping_threshold=settings.threshold,
        free_shipping_basis=settings.measured,
    )
    expiry = now + HOLD
    facts = triggers.cart_triggers(
        cast(Session, _SampleFacts(expiry)),
        theme=treatment,
        cart=cart,
        lines=lines,
        totals=totals,
        now=now,
    )
    progress = totals.free_shipping
    return {
        "token": PREVIEW_TOKEN,
        "status": "ACTIVE",
        "currency": currency,
        "item_count": totals.item_count,
        "items": [
            {
                "product_id": product.id,
                "name": product.name,
                "image_url": product.image_url,
                "unit_price": _money(item.unit_price),
                "compare_at_price": _money(product.compare_at_price)
                if product.compare_at_price
                else None,
                "quantity": item.quantity,
                "line_total": _money(item.unit_price * item.quantity),
                "rating": str(product.rating) if product.rating is not None else None,
                "review_count": product.review_count,
                "available": sample.stock,
            }
            for (item, product), sample in zip(lines, SAMPLE_LINES, strict=True)
        ],
        "subtotal": _money(totals.subtotal),
        "discount_code": None,
        "discount_total": _money(totals.discount_total),
        "shipping_total": _money(totals.shipping_total),
        "tax_total": _money(totals.tax_total),
        "grand_total": _money(totals.grand_total),
        "free_shipping": {
            "threshold": _money(progress.threshold),
            "basis": progress.basis,
            "amount": _money(progress.amount),
            "remaining": _money(progress.remaining),
            "progress": progress.progress,
            "qualifies": progress.qualifies,
            "lost_by_discount": progress.lost_by_discount,
        }
        if progress
        else None,
        "hold_expires_at": expiry.isoformat(),
        "triggers": facts,
        "checkout_url": "#",  # checkout does nothing in the preview
        "notice": None,
    }


def sample_recommendations(theme: CartTheme) -> list[dict]:
    """Upsell recommendations in the shape of GET .../recommendations, of the theme's types."""
    allowed = {str(t.value) if hasattr(t, "value") else str(t) for t in theme.upsells.types}
    return [
        {
            "type": kind,
            "products": [
                {
                    "id": pid,
                    "name": name,
                    "image_url": _image(slug),
                    "price": price,
                    "compare_at_price": was,
                }
            ],
            "message": message,
        }
        for kind, pid, name, slug, price, was, message in SAMPLE_RECOMMENDATIONS
        if kind in allowed
    ]


def preview_script(
    theme: CartTheme,
    *,
    parent_origin: str,
    start_open: bool,
    api_base: str,
    currency: str = "USD",
    now: datetime | None = None,
) -> str:
    """The storefront drawer script in preview mode: sample cart, no network, live updates."""
    store = Storefront(
        page=LandingPage(name="Preview", slug=PREVIEW_TOKEN, public_key=PREVIEW_TOKEN),
        company=Company(name="Preview", slug=PREVIEW_TOKEN, currency=currency),
        theme=theme,
    )
    script = render_embed(store, api_base=api_base, preview=True).body.decode()
    config = embed_config(store, api_base=api_base, preview=True)
    inlined = "const CONFIG = " + _script_json(json.loads(json.dumps(config, sort_keys=True)))
    if inlined not in script:  # pragma: no cover - render_embed inlines it this way
        raise RuntimeError("the drawer config was not found in the embed script")
    config |= {
        "sample": sample_cart(theme, currency, now=now),
        "sampleRecommendations": sample_recommendations(theme),
        "startOpen": start_open,
        "parentOrigin": parent_origin,
    }
    if PREVIEW_JS_TOKEN not in script:  # pragma: no cover - drawer.js carries it
        raise RuntimeError("drawer.js has no preview hook")
    script = script.replace(PREVIEW_JS_TOKEN, PREVIEW_JS, 1)
    return script.replace(inlined, "const CONFIG = " + _script_json(config), 1)
