"""The facts a message is written from, read from the database in one place.

`message_facts` completes a save-flow `ContentContext` with what triggers, Claude's prompt and
the checks need: stock and reviews of each item, the shopper's history, the store's trust
signals, the names of products that are NOT in the cart, the brand voice and the pinned version.
"""

from __future__ import annotations

import json
import threading
import time
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from cart_admin.domain import triggers as drawer_triggers
from cart_admin.domain.ai_budget import content_settings
from cart_admin.domain.recovery_content import versions
from cart_admin.domain.save_flow.content import ItemLine
from cart_admin.domain.storefront import _theme_from_json
from cart_admin.models import (
    Cart,
    CartItem,
    Customer,
    LandingPage,
    Product,
)
from cart_admin.models import CartAbandonmentReason as R
from cart_admin.models import CartSaveStage as S
from cart_admin.models.types import utcnow

# The drawer's wording of each trust signal (embed/drawer.js), so a message says the same.
TRUST_LABELS = {
    "secure_checkout": "Secure checkout",
    "free_returns": "Free returns",
    "support_24_7": "24/7 support",
    "money_back": "Money-back guarantee",
    "fast_shipping": "Fast shipping",
}
OTHER_NAMES_LIMIT = 5000  # names checked against a message; a bigger catalog is cut at this


def item_lines(session: Session, lines: list[tuple[CartItem, Product]]) -> list[ItemLine]:
    stock = drawer_triggers.stock_levels(session, [p.id for _, p in lines])
    return [
        ItemLine(
            name=str(item.product_snapshot.get("name") or product.name),
            quantity=item.quantity,
            unit_price=item.unit_price,
            image_url=item.product_snapshot.get("image_url") or product.image_url,
            stock=stock.get(product.id),
            rating=product.rating,
            review_count=product.review_count,
            compare_at_price=product.compare_at_price,
            description=(product.description or "")[:200],
        )
        for item, product in lines
    ]


def trust_signals(session: Session, cart: Cart) -> tuple[str, ...]:
    """The drawer theme's trust signals of the cart's landing page (the store's own words)."""
    if not cart.landing_page_id:
        return ()
    page = session.get(LandingPage, cart.landing_page_id)
    if page is None:
        return ()
    try:
        theme = _theme_from_json(json.dumps(page.cart_theme or {}, sort_keys=True))
    except ValueError:
        return ()
    signals = theme.triggers.trust_signals
    if not signals.enabled:
        return ()
    return tuple(TRUST_LABELS.get(str(s), str(s)) for s in signals.signals)


def other_product_names(session: Session, company_id: str, in_cart: set[str]) -> frozenset[str]:
    """The company's product names (cached a minute per process: a worker writes many
    messages for one catalog), without the cart's own."""
    names = _catalog_names(session, company_id)
    if not in_cart:
        return frozenset(name for _, name in names)
    return frozenset(name for product_id, name in names if product_id not in in_cart)


_NAMES_TTL = 60.0
_names_cache: dict[str, tuple[float, tuple[tuple[str, str], ...]]] = {}
_names_lock = threading.Lock()


def _catalog_names(session: Session, company_id: str) -> tuple[tuple[str, str], ...]:
    now = time.monotonic()
    with _names_lock:
        hit = _names_cache.get(company_id)
    if hit is not None and hit[0] > now:
        return hit[1]
    rows = session.exec(
        select(Product.id, Product.name)
        .where(col(Product.company_id) == company_id)
        .order_by(col(Product.sales_count).desc(), col(Product.id))
        .limit(OTHER_NAMES_LIMIT)
    ).all()
    names = tuple((product_id, name) for product_id, name in rows)
    with _names_lock:
        if len(_names_cache) > 1000:
            _names_cache.clear()
        _names_cache[company_id] = (now + _NAMES_TTL, names)
    return names


def message_facts(
    session: Session,
    *,
    cart: Cart,
    customer: Customer | None,
    lines: list[tuple[CartItem, Product]],
    attempt_id: str,
    stage: S,
    reason: R | None,
) -> dict[str, Any]:
    """ContentContext fields beyond the ones the save flow already fills."""
    settings = content_settings(session, cart.company_id)
    style = (settings.stage_styles or {}).get(str(stage)) or {}
    choice = versions.choose(session, settings, attempt_id=attempt_id, stage=stage, reason=reason)
    tenure = 0
    if customer is not None and customer.first_order_at is not None:
        tenure = max(0, (utcnow() - customer.first_order_at).days)
    return {
        "items": item_lines(session, lines),
        "subtotal": cart.subtotal,
        "shipping_total": cart.shipping_total,
        "order_count": customer.order_count if customer else 0,
        "tenure_days": tenure,
        "lifetime_value": customer.lifetime_value if customer else Decimal("0.00"),
        "reached_checkout": cart.checkout_started_at is not None,
        "trust_signals": trust_signals(session, cart),
        "other_product_names": other_product_names(
            session, cart.company_id, {p.id for _, p in lines}
        ),
        "brand_voice": str(settings.brand_voice),
        "tone": str(style.get("tone") or ""),
        "urgency": str(style.get("urgency") or ""),
        "sms_max_segments": settings.sms_max_segments,
        "company_id": cart.company_id,
        "variant": choice.variant,
        "pinned": choice.pinned,
    }
