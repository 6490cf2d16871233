"""Voice recovery endpoints (deployment plan §4) and Twilio's voice webhooks.

Admin: `voice/initiate`, `voice/outcome/{callId}`, `voice/analytics`, the settings, the call
log and the script simulator. Webhooks (`/api/webhooks/twilio/voice/{callId}/...`) answer
TwiML and are verified by `X-Twilio-Signature` (403 otherwise). Thin: parse, authorise, call
`cart_admin.domain.voice`, answer.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Body, HTTPException, Path, Query, Request, status
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from cart_admin.api.admin import owned, require_writer
from cart_admin.api.deps import AdminRoute, CurrentPrincipal, NowDep, SessionDep, feature_flag
from cart_admin.api.periods import PeriodDep
from cart_admin.api.schemas import invalid_fields
from cart_admin.api.twilio_auth import verified_params
from cart_admin.api.voice_schemas import (
    CallListOut,
    CallOut,
    InitiateCallBody,
    OutcomeBody,
    SimTurnOut,
    SimulateBody,
    VoiceAnalyticsOut,
)
from cart_admin.domain import auth
from cart_admin.domain.save_flow import engine as flow
from cart_admin.domain.save_flow.config import load_config
from cart_admin.domain.tenancy import NotFound
from cart_admin.domain.voice import config as voice_config
from cart_admin.domain.voice import conversation, effects, outcomes, queue, reports, simulator
from cart_admin.domain.voice.facts import call_facts, sample_facts
from cart_admin.domain.voice.matcher import PatternMatcher
from cart_admin.domain.voice.script import State
from cart_admin.domain.voice.service import VoiceService
from cart_admin.models import (
    Cart,
    CartSaveAttempt,
    Company,
    VoiceCallOutcome,
    VoiceCallStatus,
)
from cart_admin.settings import get_settings

router = APIRouter(
    prefix="/api/momentum/cart-save/voice",
    route_class=AdminRoute,
    tags=["voice recovery"],
    dependencies=[feature_flag("enable_mi_cart_save"), feature_flag("enable_voice_recovery")],
)
webhooks = APIRouter(prefix="/api/webhooks/twilio/voice", tags=["twilio webhooks"])

CallId = Annotated[str, Path(max_length=24, pattern=r"^[0-9a-f]+$")]


def _service() -> VoiceService:
    return VoiceService.from_settings(get_settings())


@router.get("/config")
def read_voice_config(principal: CurrentPrincipal, session: SessionDep) -> dict:
    """The company's `VoiceRecoveryConfig` with its call script (defaults filled in)."""
    config = voice_config.load_voice_config(session, principal.company_id)
    return config.model_dump(mode="json", by_alias=True)


@router.put("/config", responses={422: {"description": "Invalid settings, by field"}})
def update_voice_config(
    principal: CurrentPrincipal, session: SessionDep, body: Annotated[dict, Body()]
) -> dict:
    """Replace the settings; fields left out take their defaults. Script lines are checked
    for unknown placeholders."""
    require_writer(principal)
    try:
        config = voice_config.parse_voice_config(body)
    except ValidationError as exc:
        return invalid_fields(voice_config.field_errors(exc), "voice settings")  # type: ignore[return-value]
    voice_config.save_voice_config(session, principal.company_id, config)
    return config.model_dump(mode="json", by_alias=True)


@router.post(
    "/initiate",
    response_model=CallOut,
    status_code=status.HTTP_201_CREATED,
    responses={409: {"description": "A call is under way"}, 422: {"description": "Not allowed"}},
)
def initiate(body: InitiateCallBody, principal: CurrentPrincipal, session: SessionDep, now: NowDep):
    """Call the shopper of a save attempt now. Voice consent, a phone number and the shopper's
    call hours are required, as for the queue's calls."""
    require_writer(principal)
    if body.attempt_id:
        attempt = owned(session, CartSaveAttempt, body.attempt_id, principal)
    else:
        cart = owned(session, Cart, body.cart_id or "", principal)
        attempt = flow.latest_attempt(session, cart.id)
        if attempt is None:
            raise HTTPException(status.HTTP_409_CONFLICT, "This cart has no save attempt.")
    session.commit()
    try:
        call = queue.initiate(
            session.get_bind(),  # type: ignore[arg-type]
            _service(),
            company_id=principal.company_id,
            attempt_id=attempt.id,
            now=now,
            worker=f"api:{principal.user_id or principal.company_id}"[:64],
            initiated_by=principal.user_id,
        )
    except queue.CallRefused as exc:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail={"message": str(exc), "criterion": exc.verdict.criterion},
        ) from exc
    except flow.FlowError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    return CallOut.model_validate(call)


@router.post("/outcome/{call_id}", response_model=CallOut)
def record_outcome(
    call_id: CallId,
    body: OutcomeBody,
    principal: CurrentPrincipal,
    session: SessionDep,
    now: NowDep,
):
    """Record what came of a call, as a person learnt it (a handed-over call, a callback)."""
    require_writer(principal)
    try:
        call = outcomes.record_outcome(
            session,
            company_id=principal.company_id,
            call_id=call_id,
            outcome=body.outcome,
            note=body.note,
            now=now,
            by=principal.user_id,
        )
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except flow.FlowError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    session.flush()
    return CallOut.model_validate(call)


@router.get("/analytics", response_model=VoiceAnalyticsOut)
def analytics(principal: CurrentPrincipal, session: SessionDep, period: PeriodDep):
    """Calls placed in the range (UTC days, both included; default the last 30 days)."""
    result = reports.voice_analytics(session, principal.company_id, period.start, period.end)
    return VoiceAnalyticsOut(
        start=period.start,
        end=period.end,
        answer_rate=round(result.answer_rate, 4),
        failure_rate=round(result.failure_rate, 4),
        **vars(result),
    )


@router.get("/calls", response_model=CallListOut)
def list_calls(
    principal: CurrentPrincipal,
    session: SessionDep,
    outcome: VoiceCallOutcome | None = None,
    call_status: Annotated[VoiceCallStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
):
    """The call log, newest first."""
    rows, total = reports.list_calls(
        session,
        principal.company_id,
        outcome=outcome,
        status=call_status,
        limit=limit,
        offset=offset,
    )
    return CallListOut(calls=[CallOut.model_validate(r.call) for r in rows], total=total)


@router.get("/calls/{call_id}", response_model=CallOut)
def read_call(call_id: CallId, principal: CurrentPrincipal, session: SessionDep):
    """One call with its transcript."""
    call = reports.get_call(session, principal.company_id, call_id)
    if call is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such call.")
    return CallOut.model_validate(call)


@router.post("/simulate", response_model=SimTurnOut)
def simulate(body: SimulateBody, principal: CurrentPrincipal, session: SessionDep, now: NowDep):
    """Play the shopper: the same script engine and TwiML as a real call; nothing is sent.
    Claude understands the replies when the company's calls would use it (writers only)."""
    config = voice_config.load_voice_config(session, principal.company_id)
    flow_config = load_config(session, principal.company_id)
    company = session.get(Company, principal.company_id)
    assert company is not None
    if body.cart_id:
        cart = owned(session, Cart, body.cart_id, principal)
        facts = call_facts(
            session,
            cart=cart,
            attempt=flow.latest_attempt(session, cart.id),
            company=company,
            config=config,
            flow_config=flow_config,
        )
    else:
        facts = sample_facts(company.name, config, flow_config)
    base_url = get_settings().callback_base_url
    if body.state is None:
        turn = simulator.start(config.script, facts, base_url=base_url, machine=body.machine)
    else:
        state = State.from_dict(body.state.model_dump(mode="json"))
        matcher = (
            _service().matcher_for(session, principal.company_id, now)
            if auth.can_write(principal)
            else PatternMatcher()
        )
        turn = simulator.answer(
            config.script, facts, state, body.utterance, base_url=base_url, matcher=matcher
        )
    return SimTurnOut(
        say=turn.say,
        twiml=turn.twiml,
        state=turn.state.as_dict(),
        listening=turn.listening,
        ended=turn.ended,
        transfer_to=turn.transfer_to,
        effects=turn.effects,
        heard=turn.heard,
        understood_as=turn.understood_as,
        outcome=turn.state.outcome,
    )


# --- Twilio's webhooks ---------------------------------------------------------------------


def _xml(document: str) -> Response:
    return Response(document, media_type="application/xml")


@webhooks.post("/{call_id}/answer", include_in_schema=False)
async def answered(call_id: CallId, request: Request, session: SessionDep, now: NowDep):
    """The call was picked up (`AnsweredBy` tells a person from a machine)."""
    params = await verified_params(request)
    if isinstance(params, Response):
        return params
    document = await run_in_threadpool(
        conversation.answer, session, _service(), call_id, params=params, now=now
    )
    return _xml(document)


@webhooks.post("/{call_id}/gather", include_in_schema=False)
async def gathered(
    call_id: CallId,
    request: Request,
    session: SessionDep,
    now: NowDep,
    background: BackgroundTasks,
    turn: Annotated[int, Query(ge=0, le=1000)] = 0,
):
    """What the shopper said (`SpeechResult`), or nothing (silence)."""
    params = await verified_params(request)
    if isinstance(params, Response):
        return params
    service = _service()
    # The database and the matcher (Claude: seconds) block: off the event loop.
    document, send_link = await run_in_threadpool(
        conversation.gather, session, service, call_id, turn=turn, params=params, now=now
    )
    if send_link:  # after the commit, outside the caller's wait
        engine = session.get_bind()
        background.add_task(effects.send_link, engine, service, call_id, now=now)  # type: ignore[arg-type]
    return _xml(document)


@webhooks.post("/{call_id}/status", include_in_schema=False)
async def call_status(call_id: CallId, request: Request, session: SessionDep, now: NowDep):
    """Twilio's progress events; replays and late events change nothing."""
    params = await verified_params(request)
    if isinstance(params, Response):
        return params
    await run_in_threadpool(outcomes.status, session, call_id, params=params, now=now)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
