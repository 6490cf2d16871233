"""Save-flow endpoints (spec §11 and deployment plan §4; both files' paths are served).

Thin: parse, authorise, call `cart_admin.domain.save_flow`, answer.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, Path, status
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlmodel import Session, col, select

from cart_admin.api.admin import owned, require_writer
from cart_admin.api.cart_save_schemas import (
    AttemptOut,
    AttemptStatusOut,
    CompleteBody,
    DiagnosisBody,
    ExecuteOut,
    InitiateBody,
    InterventionOut,
    ProgressBody,
)
from cart_admin.api.deps import AdminRoute, CurrentPrincipal, NowDep, SessionDep, feature_flag
from cart_admin.domain.save_flow import config as flow_config
from cart_admin.domain.save_flow import delivery
from cart_admin.domain.save_flow import engine as flow
from cart_admin.models import Cart, CartIntervention, CartSaveAttempt
from cart_admin.settings import get_settings

router = APIRouter(
    prefix="/api/momentum/cart-save",
    route_class=AdminRoute,
    tags=["save flow"],
    dependencies=[feature_flag("enable_mi_cart_save")],
)

AttemptId = Annotated[str, Path(max_length=24, pattern=r"^[0-9a-f]+$")]


def _status(session: Session, attempt: CartSaveAttempt) -> AttemptStatusOut:
    rows = session.exec(
        select(CartIntervention)
        .where(col(CartIntervention.cart_save_attempt_id) == attempt.id)
        .order_by(col(CartIntervention.scheduled_at), col(CartIntervention.step))
    ).all()
    return AttemptStatusOut(
        **AttemptOut.model_validate(attempt).model_dump(),
        interventions=[InterventionOut.model_validate(r) for r in rows],
    )


def _refused(exc: flow.FlowError) -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, detail=str(exc))


@router.get("/config")
def read_config(principal: CurrentPrincipal, session: SessionDep) -> dict:
    """The company's `CartSaveFlowConfig` (defaults filled in)."""
    config = flow_config.load_config(session, principal.company_id)
    return config.model_dump(mode="json", by_alias=True)


@router.put("/config", responses={422: {"description": "Invalid settings, by field"}})
def update_config(
    principal: CurrentPrincipal, session: SessionDep, body: Annotated[dict, Body()]
) -> dict:
    """Replace the configuration; fields left out take their defaults."""
    require_writer(principal)
    try:
        config = flow_config.parse_config(body)
    except ValidationError as exc:
        errors = flow_config.field_errors(exc)
        summary = "; ".join(f"{field}: {message}" for field, message in errors.items())
        return JSONResponse(  # type: ignore[return-value]
            {
                "detail": f"Invalid save-flow settings: {summary}",
                "errors": [{"field": f, "message": m} for f, m in errors.items()],
            },
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    flow_config.save_config(session, principal.company_id, config)
    return config.model_dump(mode="json", by_alias=True)


@router.post("/initiate", response_model=AttemptStatusOut, status_code=status.HTTP_201_CREATED)
def initiate(body: InitiateBody, principal: CurrentPrincipal, session: SessionDep, now: NowDep):
    """Start the flow for a cart (once per cart: a second call returns its attempt)."""
    require_writer(principal)
    cart = owned(session, Cart, body.cart_id, principal)
    try:
        attempt = flow.initiate(session, cart=cart, now=now, reason=body.reason)
    except flow.FlowError as exc:
        raise _refused(exc) from exc
    session.flush()
    return _status(session, attempt)


def _attempt(session: Session, attempt_id: str, principal) -> CartSaveAttempt:
    return owned(session, CartSaveAttempt, attempt_id, principal)


@router.get("/attempts/{attempt_id}/status", response_model=AttemptStatusOut)
@router.get("/{attempt_id}", response_model=AttemptStatusOut, include_in_schema=False)
def read_attempt(attempt_id: AttemptId, principal: CurrentPrincipal, session: SessionDep):
    """The attempt, its stage history and every intervention with its delivery events."""
    return _status(session, _attempt(session, attempt_id, principal))


@router.post("/attempts/{attempt_id}/progress", response_model=AttemptStatusOut)
@router.post("/{attempt_id}/progress", response_model=AttemptStatusOut, include_in_schema=False)
def progress(
    attempt_id: AttemptId,
    principal: CurrentPrincipal,
    session: SessionDep,
    now: NowDep,
    body: ProgressBody | None = None,
):
    """Record a response and move to the next stage now (a survey reason jumps to its branch)."""
    require_writer(principal)
    attempt = _attempt(session, attempt_id, principal)
    response = (
        body.response.model_dump(mode="json", exclude_none=True) if body and body.response else None
    )
    try:
        attempt = flow.progress(session, attempt, now=now, response=response)
    except flow.FlowError as exc:
        raise _refused(exc) from exc
    session.flush()
    return _status(session, attempt)


@router.post("/attempts/{attempt_id}/diagnosis", response_model=AttemptStatusOut)
def diagnosis(
    attempt_id: AttemptId,
    body: DiagnosisBody,
    principal: CurrentPrincipal,
    session: SessionDep,
    now: NowDep,
):
    """The survey's answer: it chooses the branch, which goes out now."""
    require_writer(principal)
    attempt = _attempt(session, attempt_id, principal)
    flow.record_diagnosis(session, attempt, reason=body.reason, now=now, answers=body.answers,
                          comment=body.comment)  # fmt: skip
    session.flush()
    return _status(session, attempt)


@router.post("/attempts/{attempt_id}/execute", response_model=ExecuteOut)
def execute(attempt_id: AttemptId, principal: CurrentPrincipal, session: SessionDep, now: NowDep):
    """Send the current stage's waiting messages now. Quiet hours and caps still apply."""
    require_writer(principal)
    attempt = _attempt(session, attempt_id, principal)
    if attempt.status not in flow.ACTIVE:
        raise HTTPException(status.HTTP_409_CONFLICT, f"This attempt has ended ({attempt.status}).")
    session.commit()
    engine = session.get_bind()
    results = delivery.execute_now(
        engine,  # type: ignore[arg-type]
        delivery.Delivery.from_settings(get_settings(), engine),  # type: ignore[arg-type]
        attempt.id,
        worker=f"api:{principal.user_id or principal.company_id}"[:64],
        now=now,
    )
    session.expire_all()
    attempt = _attempt(session, attempt_id, principal)
    return ExecuteOut(
        attempt=_status(session, attempt),
        results=[{"outcome": r.outcome, "detail": r.detail} for r in results],
    )


@router.post("/attempts/{attempt_id}/complete", response_model=AttemptStatusOut)
@router.post("/{attempt_id}/complete", response_model=AttemptStatusOut, include_in_schema=False)
def complete(
    attempt_id: AttemptId,
    body: CompleteBody,
    principal: CurrentPrincipal,
    session: SessionDep,
    now: NowDep,
):
    """End the attempt with an outcome; its scheduled messages are cancelled."""
    require_writer(principal)
    attempt = _attempt(session, attempt_id, principal)
    if attempt.status not in flow.ACTIVE:
        raise HTTPException(status.HTTP_409_CONFLICT, f"This attempt has ended ({attempt.status}).")
    flow.complete(session, attempt, body.outcome, now=now)
    session.flush()
    return _status(session, attempt)
