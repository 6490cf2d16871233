"""Checkout churn endpoints the drawer calls (deployment plan §4): `churn/track` records a
batch of signals and answers the intervention to show now; `churn/escalate` hands a session
to the save flow or to a person. The page's public key comes in the query (`?key=`), so a
`navigator.sendBeacon` can reach them; the storefront guard checks the origin against it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from sqlmodel import Session

from cart_admin.api.checkout_schemas import (
    EscalateBody,
    EscalateOut,
    InterventionOut,
    TrackBody,
    TrackOut,
)
from cart_admin.api.deps import NowDep, SessionDep
from cart_admin.domain import storefront as shop
from cart_admin.domain.chat import conversation as chat
from cart_admin.domain.churn import responses, tracking
from cart_admin.domain.churn.config import load_churn_config
from cart_admin.domain.save_flow.engine import FlowError
from cart_admin.domain.tenancy import NotFound
from cart_admin.models import Cart, EscalationTarget
from cart_admin.settings import get_settings

router = APIRouter(prefix="/api/momentum/cart-save/churn", tags=["storefront"])

PageKey = Annotated[str, Query(alias="key", max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]


def _store_and_cart(session: Session, key: str, token: str) -> tuple[shop.Storefront, Cart]:
    try:
        store = shop.storefront_for_key(session, public_key=key)
        return store, shop.cart_for_token(session, store=store, token=token)
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc


def _switched_off() -> bool:
    return not get_settings().enable_churn_detection


@router.post("/track", response_model=TrackOut, response_model_by_alias=True)
def track(key: PageKey, body: TrackBody, session: SessionDep, now: NowDep) -> TrackOut:
    """Record the signals; the risk score and, in the same response, the intervention to show
    (at most one, each kind once per cart, none for the holdout group or a closing page)."""
    _, cart = _store_and_cart(session, key, body.cart_token)
    if _switched_off():
        return TrackOut(risk_score=0, recorded=0)
    result = tracking.track(
        session,
        cart=cart,
        session_id=body.session_id,
        signals=[tracking.Signal(s.signal, s.data) for s in body.signals],
        now=now,
        final=body.final,
    )
    shown = InterventionOut.of(result.intervention) if result.intervention else None
    return TrackOut(risk_score=result.risk_score, recorded=result.recorded, intervention=shown)


@router.post("/escalate", response_model=EscalateOut, response_model_by_alias=True)
def escalate(key: PageKey, body: EscalateBody, session: SessionDep, now: NowDep) -> EscalateOut:
    """SAVE_FLOW starts the cart's save flow now, with the reason its signals point to;
    HUMAN opens (or reuses) the cart's checkout chat and puts it in the inbox."""
    store, cart = _store_and_cart(session, key, body.cart_token)
    if body.to is EscalationTarget.SAVE_FLOW:
        if _switched_off() or not load_churn_config(session, cart.company_id).enabled:
            raise HTTPException(status.HTTP_409_CONFLICT, detail="Churn detection is off.")
        if not get_settings().enable_mi_cart_save:
            raise HTTPException(status.HTTP_409_CONFLICT, detail="The save flow is off.")
        signals = tracking.session_signals(session, cart.id, body.session_id)
        try:
            attempt = responses.hand_to_save_flow(session, cart=cart, signals=signals, now=now)
        except FlowError as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc
        return EscalateOut(to=body.to, attempt_id=attempt.id)
    try:
        conversation = chat.open_for_cart(session, store=store, cart=cart, now=now)
    except chat.ChatError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc
    chat.escalate(session, conversation, "CHURN", now)
    return EscalateOut(to=body.to, chat_session_id=conversation.token)
