"""Behavioural triggers in the drawer: only true facts, a control group, impressions.

`cart_triggers` decides what the drawer may show for a cart; the drawer only renders it.
Every fact is read from the database: stock, hold expiry, ratings, heartbeats of open tabs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from cart_admin.domain import pricing
from cart_admin.domain.theming import CartTheme
from cart_admin.models import (
    BehavioralTrigger,
    Cart,
    CartItem,
    CartTriggerImpression,
    Inventory,
    InventoryHold,
    Product,
    ProductViewHeartbeat,
    TriggerPlacement,
)

HEARTBEAT_TTL = timedelta(seconds=60)
ITEM_FACT_TRIGGERS = {
    "scarcity": "SCARCITY",
    "social_proof": "SOCIAL_PROOF",
    "anchoring": "ANCHORING",
    "viewers": "SOCIAL_PROOF",
}


class TriggerError(ValueError):
    """A bad impression or interaction; the message says what."""


def in_control_group(token: str, share_percent: int) -> bool:
    """Deterministic by cart: the same cart is always in the same group."""
    bucket = int(hashlib.sha256(token.encode()).hexdigest()[:8], 16) % 100
    return bucket < share_percent


def urgency_level(seconds_left: float) -> str:
    """The spec's levels for the reserved-items countdown."""
    if seconds_left <= 120:
        return "critical"
    if seconds_left <= 300:
        return "high"
    if seconds_left <= 600:
        return "medium"
    return "low"


def stock_levels(session: Session, product_ids: list[str]) -> dict[str, int]:
    if not product_ids:
        return {}
    rows = session.exec(
        select(Inventory.product_id, Inventory.available).where(
            col(Inventory.product_id).in_(product_ids)
        )
    ).all()
    return dict(rows)


def hold_expiry(session: Session, cart: Cart, now: datetime) -> datetime | None:
    """The earliest live hold of the cart (what the urgency banner counts down to)."""
    return session.exec(
        select(sa.func.min(col(InventoryHold.expires_at))).where(
            col(InventoryHold.cart_id) == cart.id,
            col(InventoryHold.released_at).is_(None),
            col(InventoryHold.expires_at) > now,
        )
    ).one()


def record_heartbeat(
    session: Session, *, company_id: str, session_id: str, product_ids: list[str], now: datetime
) -> None:
    """This tab is viewing these products now (one row per tab and product, refreshed)."""
    for product_id in product_ids:
        updated: sa.CursorResult = session.execute(  # type: ignore[assignment]
            sa.update(ProductViewHeartbeat)
            .where(
                col(ProductViewHeartbeat.product_id) == product_id,
                col(ProductViewHeartbeat.session_id) == session_id,
            )
            .values(last_seen_at=now)
        )
        if updated.rowcount == 0:
            with session.begin_nested():
                session.add(
                    ProductViewHeartbeat(
                        company_id=company_id,
                        product_id=product_id,
                        session_id=session_id,
                        last_seen_at=now,
                    )
                )


def viewer_counts(
    session: Session, *, product_ids: list[str], now: datetime, exclude_session: str | None
) -> dict[str, int]:
    """Other tabs that sent a heartbeat for each product within the last minute."""
    if not product_ids:
        return {}
    query = (
        select(ProductViewHeartbeat.product_id, sa.func.count())
        .where(
            col(ProductViewHeartbeat.product_id).in_(product_ids),
            col(ProductViewHeartbeat.last_seen_at) > now - HEARTBEAT_TTL,
        )
        .group_by(col(ProductViewHeartbeat.product_id))
    )
    if exclude_session:
        query = query.where(col(ProductViewHeartbeat.session_id) != exclude_session)
    return {product_id: int(n) for product_id, n in session.exec(query).all()}


def cart_triggers(
    session: Session,
    *,
    theme: CartTheme,
    cart: Cart,
    lines: list[tuple[CartItem, Product]],
    totals: pricing.Totals,
    now: datetime,
    viewer_session: str | None = None,
    stock: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """What the drawer may show: switched on in the theme AND true for this cart.

    `stock` saves a query when the caller already read the lines' stock levels.
    """
    settings = theme.triggers
    result: dict[str, Any] = {"control": False}
    expiry = hold_expiry(session, cart, now) if settings.urgency.enabled and lines else None
    if expiry is not None:
        left = (expiry - now).total_seconds()
        result["urgency"] = {"expires_at": expiry.isoformat(), "level": urgency_level(left)}
    result["free_shipping"] = bool(settings.free_shipping.enabled and totals.free_shipping)
    if settings.trust_signals.enabled and settings.trust_signals.signals:
        result["trust_signals"] = list(settings.trust_signals.signals)
    result["loss_aversion"] = bool(
        settings.loss_aversion.enabled and settings.loss_aversion.show_on_remove
    )
    ids = [product.id for _, product in lines]
    if not settings.scarcity.enabled:
        stock = {}
    elif stock is None:
        stock = stock_levels(session, ids)
    viewers = (
        viewer_counts(session, product_ids=ids, now=now, exclude_session=viewer_session)
        if settings.live_viewers.enabled
        else {}
    )
    items: dict[str, dict[str, Any]] = {}
    for _, product in lines:
        facts: dict[str, Any] = {}
        available = stock.get(product.id)
        if available is not None and 0 < available <= settings.scarcity.show_below_stock:
            facts["scarcity"] = available
        if (
            settings.social_proof.enabled
            and settings.social_proof.show_ratings
            and product.review_count > 0
            and product.rating is not None
        ):
            facts["social_proof"] = {
                "rating": str(product.rating),
                "review_count": product.review_count,
            }
        if (
            settings.anchoring.enabled
            and settings.anchoring.show_compare_at_price
            and product.compare_at_price is not None
            and product.compare_at_price > product.price
        ):
            facts["anchoring"] = str(product.compare_at_price)
        if viewers.get(product.id, 0) >= settings.live_viewers.min_viewers:
            facts["viewers"] = viewers[product.id]
        if facts:
            items[product.id] = facts
    result["items"] = items
    if in_control_group(cart.public_token, settings.control_share_percent):
        # Shown nothing; `eligible` lets the drawer record what it would have seen.
        return {"control": True, "eligible": eligible_impressions(result)}
    return result


def eligible_impressions(facts: dict[str, Any]) -> list[dict[str, str]]:
    """The (trigger, placement, product) impressions a treatment cart would record."""
    found: list[dict[str, str]] = []
    if "urgency" in facts:
        found.append({"trigger": "URGENCY", "placement": "CART_HEADER"})
    if facts.get("free_shipping"):
        found.append({"trigger": "GOAL_GRADIENT", "placement": "CART_FOOTER"})
    if facts.get("trust_signals"):
        found.append({"trigger": "AUTHORITY", "placement": "CART_FOOTER"})
    for product_id, item in facts.get("items", {}).items():
        for key, trigger in ITEM_FACT_TRIGGERS.items():
            if key in item:
                found.append(
                    {"trigger": trigger, "placement": "CART_ITEM", "product_id": product_id}
                )
    return found


def record_impression(
    session: Session,
    *,
    cart: Cart,
    theme: CartTheme,
    trigger: BehavioralTrigger,
    placement: TriggerPlacement,
    variant: str | None,
    session_id: str,
    context: dict[str, Any],
    now: datetime,
) -> CartTriggerImpression:
    control = in_control_group(cart.public_token, theme.triggers.control_share_percent)
    impression = CartTriggerImpression(
        company_id=cart.company_id,
        cart_id=cart.id,
        session_id=session_id[:64] or cart.public_token[:64],
        trigger=trigger,
        placement=placement,
        variant="control" if control else (variant or "treatment")[:32],
        control=control,
        impressed_at=now,
        context=context,
    )
    session.add(impression)
    session.flush()
    return impression


def record_interaction(
    session: Session, *, cart: Cart, impression_id: str, now: datetime
) -> CartTriggerImpression:
    impression = (
        session.get(CartTriggerImpression, impression_id) if len(impression_id) <= 24 else None
    )
    if impression is None or impression.cart_id != cart.id:
        raise TriggerError("No such impression for this cart.")
    if impression.interacted_at is None:
        impression.interacted_at = now
        session.add(impression)
    return impression
