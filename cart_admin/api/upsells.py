"""Spec §11 upsell endpoints the drawer calls (the cart is named by its token)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, status
from pydantic import BaseModel, ConfigDict, StringConstraints
from sqlmodel import Session

from cart_admin.api.deps import NowDep, SessionDep
from cart_admin.api.engagement import Token, store_and_cart
from cart_admin.api.public import cart_out
from cart_admin.domain import catalog, upsell
from cart_admin.domain import storefront as shop
from cart_admin.models import Cart, CartUpsellOffer, CartUpsellType
from cart_admin.settings import get_settings

router = APIRouter(prefix="/api/momentum/cart-upsell", tags=["storefront"])

OfferId = Annotated[str, Path(max_length=24, pattern=r"^[0-9a-f]+$")]
RowId = Annotated[str, StringConstraints(max_length=24, pattern=r"^[0-9a-f]+$")]


class Presented(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: CartUpsellType
    product_id: RowId | None = None
    bundle_id: RowId | None = None


def plain(value: Any) -> Any:
    """Dataclasses to JSON-ready values; money stays exact as a two-decimal string."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def offer_out(offer: CartUpsellOffer) -> dict:
    return {
        "id": offer.id,
        "type": offer.type.value,
        "product_id": offer.product_id,
        "bundle_id": offer.bundle_id,
        "original_price": plain(offer.original_price),
        "offer_price": plain(offer.offer_price),
        "savings": plain(offer.savings),
        "message": offer.message,
        "accepted": offer.accepted_at is not None,
        "declined": offer.declined_at is not None,
    }


@router.get("/{token}/recommendations")
def recommendations(
    token: Token,
    session: SessionDep,
    now: NowDep,
    max_recommendations: Annotated[int, Query(alias="maxRecommendations", ge=1, le=10)] = 3,
    exclude_types: Annotated[str, Query(alias="excludeTypes", max_length=300)] = "",
) -> list[dict]:
    store, cart = store_and_cart(session, token)
    try:
        excluded = [CartUpsellType(t) for t in exclude_types.split(",") if t.strip()]
    except ValueError as exc:
        raise HTTPException(422, detail=f"excludeTypes: {exc}") from exc
    settings = store.theme.triggers.free_shipping
    found = upsell.recommend_upsells(
        session,
        cart=cart,
        free_shipping_threshold=settings.threshold,
        free_shipping_measured=settings.measured,
        upsell_settings=store.theme.upsells,
        max_recommendations=max_recommendations,
        exclude_types=excluded,
        ranker=_ranker(session, cart, now),
        product_ids=[
            p.id
            for p in catalog.catalog_products(
                session, page=store.page, limit=catalog.MAX_SELECTED, offset=0
            )[0]
        ],
    )
    return [plain(r) for r in found]


def _ranker(session: Session, cart: Cart, now: datetime) -> upsell.ComplementRanker | None:
    """Claude's ranking when a key is configured (the ranker itself checks the company's
    switch and budget, only when there are candidates to rank); the rule ranking otherwise."""
    app_settings = get_settings()
    completer = upsell.ranking_completer(app_settings)
    if completer is None:
        return None
    return upsell.AIComplementRanker(
        session,
        company_id=cart.company_id,
        completer=completer,
        fallback=upsell.CoPurchaseRanker(
            session, company_id=cart.company_id, exclude_cart_id=cart.id
        ),
        wait_seconds=app_settings.ai_upsell_wait_seconds,
        now=now,
    )


@router.post("/{token}/presented", status_code=status.HTTP_201_CREATED)
def presented(token: Token, body: Presented, session: SessionDep, now: NowDep) -> dict:
    _store, cart = store_and_cart(session, token)
    try:
        offer = upsell.record_presented(
            session,
            cart=cart,
            upsell_type=body.type,
            product_id=body.product_id,
            bundle_id=body.bundle_id,
            now=now,
        )
    except upsell.UpsellError as exc:
        raise HTTPException(422, detail=str(exc)) from exc
    return offer_out(offer)


def _offer_and_cart(session, offer_id: str) -> tuple[CartUpsellOffer, Cart]:
    offer = session.get(CartUpsellOffer, offer_id)
    cart = session.get(Cart, offer.cart_id) if offer is not None else None
    if offer is None or cart is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="No such offer.")
    return offer, cart


@router.post("/{offer_id}/accepted")
def accepted(offer_id: OfferId, session: SessionDep, now: NowDep) -> dict:
    """Accept the offer and put its product (or the bundle's missing items) in the cart."""
    offer, cart = _offer_and_cart(session, offer_id)
    store, cart = store_and_cart(session, cart.public_token)
    try:
        upsell.record_accepted(session, offer=offer, now=now)
        to_add = upsell.products_to_add(session, offer=offer, cart=cart)
        priced = None
        for product_id, quantity in to_add:
            priced = shop.add_item(
                session, store=store, cart=cart, product_id=product_id, quantity=quantity, now=now
            )
    except shop.CartClosed as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc
    except (upsell.UpsellError, shop.CartError) as exc:
        raise HTTPException(422, detail=str(exc)) from exc
    priced = priced or shop.reprice(session, store=store, cart=cart, now=now)
    return {
        "success": True,
        "cartUpdated": bool(to_add),
        "cart": cart_out(session, store, priced, now).model_dump(),
    }


@router.post("/{offer_id}/declined")
def declined(offer_id: OfferId, session: SessionDep, now: NowDep) -> dict:
    offer, _cart = _offer_and_cart(session, offer_id)
    try:
        upsell.record_declined(session, offer=offer, now=now)
    except upsell.UpsellError as exc:
        raise HTTPException(422, detail=str(exc)) from exc
    return {"success": True}
