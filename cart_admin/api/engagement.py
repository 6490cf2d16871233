"""Spec §11 cart-scoped endpoints the drawer calls: behavioural triggers (and upsells)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, status
from sqlmodel import Session

from cart_admin.api.deps import NowDep, SessionDep
from cart_admin.api.public_schemas import Impression, Interaction, SessionId
from cart_admin.domain import storefront as shop
from cart_admin.domain import triggers
from cart_admin.domain.tenancy import NotFound
from cart_admin.models import Cart

router = APIRouter(prefix="/api/momentum", tags=["storefront"])

Token = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


def store_and_cart(session: Session, token: str) -> tuple[shop.Storefront, Cart]:
    try:
        return shop.storefront_for_cart_token(session, token=token)
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc


@router.get("/cart-triggers/{token}")
def applicable_triggers(
    token: Token, session: SessionDep, now: NowDep, viewer: Annotated[SessionId, Query()] = ""
) -> dict:
    """The triggers true for this cart now (live viewers: tabs other than `viewer`), and
    the theme's trigger configuration."""
    store, cart = store_and_cart(session, token)
    priced = shop.reprice(session, store=store, cart=cart, now=now)
    facts = triggers.cart_triggers(
        session,
        theme=store.theme,
        cart=priced.cart,
        lines=priced.items,
        totals=priced.totals,
        now=now,
        viewer_session=viewer or None,
    )
    return {"triggers": facts, "config": store.theme.triggers.model_dump(mode="json")}


@router.post("/cart-triggers/{token}/impression", status_code=status.HTTP_201_CREATED)
def impression(token: Token, body: Impression, session: SessionDep, now: NowDep) -> dict:
    store, cart = store_and_cart(session, token)
    row = triggers.record_impression(
        session,
        cart=cart,
        theme=store.theme,
        trigger=body.trigger,
        placement=body.placement,
        variant=body.variant,
        session_id=body.session_id,
        context=body.context,
        now=now,
    )
    return {"id": row.id, "control": row.control}


@router.post("/cart-triggers/{token}/interaction")
def interaction(token: Token, body: Interaction, session: SessionDep, now: NowDep) -> dict:
    _store, cart = store_and_cart(session, token)
    try:
        triggers.record_interaction(
            session,
            cart=cart,
            impression_id=body.impression_id,
            now=now,
        )
    except triggers.TriggerError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc
    return {"success": True}
