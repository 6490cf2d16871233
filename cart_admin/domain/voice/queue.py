"""The call queue: due calls are checked, claimed, and dialled at most once (DESIGN).

A call is a save-flow row (`cart_interventions`, channel VOICE) that the Nuclear offer stage
schedules. Each tick, for each company, the due rows are assessed, the most valuable carts
first: WAIT moves a row to the moment it may be called, NEVER cancels it with the reason,
CALL claims it and dials. The claim is one transaction that takes the row (SCHEDULED ->
SENDING, with a lease), counts today's calls under a lock on the company's settings row, and
writes the call as INITIATED before Twilio is asked; the answer is recorded in a second one.

At most once: a row leaves SCHEDULED before the dial, so nothing dials it again. A worker
that dies between the two transactions leaves an INITIATED call with no Twilio SID: the
rescue marks it UNKNOWN and its row FAILED, never redialled (if Twilio did place it, its
webhooks still find the call and carry on). A refusal that certainly placed nothing (429, no
connection) puts the row back for a later tick, three tries at most.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from cart_admin.channels.base import ChannelError
from cart_admin.channels.voice import OUTCOME_UNKNOWN, OutgoingCall
from cart_admin.domain.save_flow import engine as flow
from cart_admin.domain.save_flow.config import load_config
from cart_admin.domain.voice import eligibility
from cart_admin.domain.voice.config import VoiceRecoveryConfig, load_voice_config
from cart_admin.domain.voice.eligibility import Candidate, Decision, Verdict
from cart_admin.domain.voice.facts import call_facts, facts_to_dict
from cart_admin.domain.voice.service import VoiceService
from cart_admin.models import (
    Cart,
    CartIntervention,
    CartSaveAttempt,
    CartVoiceCall,
    Channel,
    Company,
    InterventionStatus,
    InterventionType,
    VoiceCallStatus,
)
from cart_admin.models import CartSaveStage as S

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=120)
CONSOLE_NOTE = (
    "Not dialled: Twilio is not configured (console channel). Try the script in the simulator."
)
MAX_DIAL_TRIES = 3  # for refusals that certainly placed nothing
RETRY_AFTER = timedelta(minutes=15)


class CallRefused(ValueError):
    """A call the rules do not allow now; the message says which rule."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict.reason)
        self.verdict = verdict


# --- the tick ------------------------------------------------------------------------------


def run_queue(
    engine: Engine,
    service: VoiceService,
    *,
    now_fn: Callable[[], datetime],
    worker: str,
    enabled: bool = True,
    limit: int = 50,
    lease: timedelta = LEASE,
    stopping: Callable[[], bool] = lambda: False,
) -> dict[str, int]:
    """One tick over every company with due calls. `enabled` is ENABLE_VOICE_RECOVERY."""
    counts: dict[str, int] = {}

    def bump(key: str, n: int = 1) -> None:
        if n:
            counts[key] = counts.get(key, 0) + n

    bump("unknown", rescue_stalled(engine, now=now_fn()))
    if not enabled:  # ENABLE_VOICE_RECOVERY off: a kill switch; the calls wait, none is lost
        return counts
    with Session(engine) as session:
        companies = eligibility.companies_with_due_calls(session, now_fn())
    for company_id in companies:
        if stopping():
            break
        now = now_fn()
        with Session(engine, expire_on_commit=False) as session:
            config = load_voice_config(session, company_id)
            if not config.enabled:
                bump(
                    "cancelled",
                    _cancel_due(session, company_id, now, "Voice recovery is switched off."),
                )
                session.commit()
                continue
            due = eligibility.due_calls(session, company_id, now, limit)
            today = eligibility.calls_today(session, company_id, config, now)
        for row, candidate in due:
            if stopping():
                break
            now = now_fn()
            verdict = eligibility.assess(candidate, config, now=now, calls_today=today)
            if not verdict.call:
                with Session(engine) as session:
                    _settle(session, row.id, verdict, now)
                    session.commit()
                bump("waiting" if verdict.decision is Decision.WAIT else "cancelled")
                continue
            try:
                result = dial(engine, service, row.id, worker=worker, now=now, lease=lease)
            except Exception:  # one bad row must not stop the tick for every other call
                log.exception("voice call row %s could not be dialled", row.id)
                result = "error"
            bump(result)
            if result in ("placed", "unknown", "console"):
                today += 1
    return counts


def _cancel_due(session: Session, company_id: str, now: datetime, reason: str) -> int:
    result = session.execute(
        sa.update(CartIntervention)
        .where(
            col(CartIntervention.company_id) == company_id,
            col(CartIntervention.channel) == Channel.VOICE,
            col(CartIntervention.status) == InterventionStatus.SCHEDULED,
            col(CartIntervention.scheduled_at) <= now,
        )
        .values(status=InterventionStatus.CANCELLED, error_message=reason, updated_at=now)
    )
    return result.rowcount  # type: ignore[attr-defined]


def _settle(session: Session, row_id: str, verdict: Verdict, now: datetime) -> None:
    """WAIT: look again at `until`; NEVER: cancelled with the reason (only a row still due)."""
    query = sa.update(CartIntervention).where(
        col(CartIntervention.id) == row_id,
        col(CartIntervention.status) == InterventionStatus.SCHEDULED,
    )
    if verdict.decision is Decision.WAIT:
        assert verdict.until is not None
        row = session.get(CartIntervention, row_id)
        data = {
            **((row.response_data if row else None) or {}),
            "waiting": verdict.criterion,
            "reason": verdict.reason,
        }
        session.execute(
            query.values(scheduled_at=verdict.until, response_data=data, updated_at=now)
        )
    else:
        session.execute(
            query.values(
                status=InterventionStatus.CANCELLED,
                error_message=verdict.reason[:2000],
                updated_at=now,
            )
        )


# --- claiming and dialling -----------------------------------------------------------------


def _lock_company(session: Session, company_id: str) -> None:
    """Serialise dialling decisions per company (the daily quota, one call per shopper) across
    workers and the API: a row lock on PostgreSQL; on SQLite a no-op write, which takes the
    database's write lock before anything is read."""
    if session.get_bind().dialect.name == "postgresql":
        # FOR NO KEY UPDATE: rows that merely reference the company are not blocked.
        session.exec(
            select(Company.id).where(col(Company.id) == company_id).with_for_update(key_share=True)
        )
    else:
        session.execute(
            sa.update(Company)
            .where(col(Company.id) == company_id)
            .values(id=Company.id, updated_at=Company.updated_at)
        )


def _claim(
    session: Session,
    row_id: str,
    *,
    worker: str,
    now: datetime,
    lease: timedelta,
    manual: bool = False,
) -> CartVoiceCall | Verdict | None:
    """Take the row and write the call as INITIATED; None if someone else took the row, a
    Verdict if the rules (checked again, under the lock) say not now."""
    row = session.get(CartIntervention, row_id)
    if row is None:
        return None
    _lock_company(session, row.company_id)
    taken = session.execute(
        sa.update(CartIntervention)
        .where(
            col(CartIntervention.id) == row_id,
            col(CartIntervention.status) == InterventionStatus.SCHEDULED,
        )
        .values(
            status=InterventionStatus.SENDING,
            lease_owner=worker,
            lease_expires_at=now + lease,
            lease_token=CartIntervention.lease_token + 1,
            updated_at=now,
        )
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return None
    session.refresh(row)
    cart = session.get(Cart, row.cart_id)
    attempt = session.get(CartSaveAttempt, row.cart_save_attempt_id)
    company = session.get(Company, row.company_id)
    assert cart is not None and attempt is not None and company is not None
    config = load_voice_config(session, row.company_id)
    candidate = eligibility.candidate_for(session, cart, attempt)
    verdict = eligibility.assess(
        candidate,
        config,
        now=now,
        manual=manual,
        calls_today=eligibility.calls_today(session, row.company_id, config, now),
    )
    if not verdict.call:
        return verdict
    return _new_call(session, row, candidate, company, config, now=now, manual=manual)


def _new_call(
    session: Session,
    row: CartIntervention,
    candidate: Candidate,
    company: Company,
    config: VoiceRecoveryConfig,
    *,
    now: datetime,
    manual: bool,
    initiated_by: str | None = None,
) -> CartVoiceCall:
    flow_config = load_config(session, row.company_id)
    facts = call_facts(
        session,
        cart=candidate.cart,
        attempt=candidate.attempt,
        company=company,
        config=config,
        flow_config=flow_config,
    )
    customer = candidate.customer
    assert customer is not None and customer.phone
    offer = None
    if facts.discount_percent:
        offer = {
            "type": "PERCENTAGE_DISCOUNT",
            "percent": facts.discount_percent,
            "label": f"{facts.discount_percent}% off",
        }
    call = CartVoiceCall(
        company_id=row.company_id,
        cart_save_attempt_id=row.cart_save_attempt_id,
        cart_id=row.cart_id,
        customer_id=customer.id,
        intervention_id=row.id,
        to_phone=customer.phone,
        script_type=facts.script_type,
        offer=offer,
        status=VoiceCallStatus.INITIATED,
        initiated_at=now,
        script_state={"facts": facts_to_dict(facts)},
        details={"placedBy": initiated_by or ("admin" if manual else "queue")},
    )
    session.add(call)
    row.content = {"callId": call.id, "script": str(facts.script_type), "offer": offer}
    row.offer_included = offer
    session.add(row)
    session.flush()
    return call


def dial(
    engine: Engine,
    service: VoiceService,
    row_id: str,
    *,
    worker: str,
    now: datetime,
    lease: timedelta = LEASE,
    manual: bool = False,
) -> str:
    """Claim one due call and place it. Returns placed | console | unknown | retry | failed |
    waiting | cancelled | lost."""
    with Session(engine, expire_on_commit=False) as session:
        claimed = _claim(session, row_id, worker=worker, now=now, lease=lease, manual=manual)
        if claimed is None:
            session.rollback()
            return "lost"
        if isinstance(claimed, Verdict):
            session.rollback()
            with Session(engine) as again:
                _settle(again, row_id, claimed, now)
                again.commit()
            return "waiting" if claimed.decision is Decision.WAIT else "cancelled"
        call = claimed
        session.commit()
    return _place(engine, service, call, row_id, now, manual=manual)


def _place(
    engine: Engine,
    service: VoiceService,
    call: CartVoiceCall,
    row_id: str,
    now: datetime,
    *,
    manual: bool = False,
) -> str:
    assert call.to_phone
    outgoing = OutgoingCall(
        to=call.to_phone,
        answer_url=service.url(call.id, "answer"),
        status_callback=service.url(call.id, "status"),
    )
    try:
        sid = service.channel.place(outgoing)
    except ChannelError as exc:
        return _dial_failed(engine, call.id, row_id, exc, now, retry=not manual)
    with Session(engine) as session:
        done: dict[str, Any] = {"lease_owner": None, "lease_expires_at": None, "updated_at": now}
        if service.channel.name == "console":
            _update_call(
                session,
                call.id,
                voice_call_id=sid,
                status=VoiceCallStatus.CANCELED,
                completed_at=now,
                updated_at=now,
                error_message=CONSOLE_NOTE,
            )
            _update_row(
                session,
                row_id,
                status=InterventionStatus.CANCELLED,
                error_message="Console channel: the call was not dialled.",
                **done,
            )
            session.commit()
            log.info("voice call %s recorded on the console channel", call.id)
            return "console"
        _record_placed(session, call.id, row_id, sid, now)
        session.commit()
    return "placed"


def _record_placed(session: Session, call_id: str, row_id: str, sid: str, now: datetime) -> None:
    """The call went out. Twilio's webhooks may have got here first (bound the SID, answered,
    completed the call, marked the row delivered): keep what they wrote, add what they
    could not know (when it was sent, the dial's lease released)."""
    if sid:
        _update_call(session, call_id, only_if_no_sid=True, voice_call_id=sid, updated_at=now)
    row = session.get(CartIntervention, row_id, populate_existing=True)
    if row is None:
        return
    if sid:
        row.response_data = {**(row.response_data or {}), "callSid": sid}
    row.sent_at = row.sent_at or now
    row.lease_owner, row.lease_expires_at, row.updated_at = None, None, now
    if row.status is InterventionStatus.SENDING:
        row.status = InterventionStatus.SENT
    session.add(row)


def _dial_failed(
    engine: Engine, call_id: str, row_id: str, exc: ChannelError, now: datetime, *, retry: bool
) -> str:
    """Twilio's error on the dial. An admin's call is not put back on the queue (`retry`)."""
    message = str(exc)[:2000]
    with Session(engine) as session:
        row = session.get(CartIntervention, row_id)
        tries = (row.delivery_attempts if row else 0) + 1
        done: dict[str, Any] = {
            "lease_owner": None,
            "lease_expires_at": None,
            "updated_at": now,
            "delivery_attempts": tries,
        }
        call = session.get(CartVoiceCall, call_id)
        heard = call is not None and (
            call.voice_call_id or call.status is not VoiceCallStatus.INITIATED
        )
        if exc.code == OUTCOME_UNKNOWN and heard:  # Twilio's webhooks say it went out
            assert call is not None
            _record_placed(session, call_id, row_id, call.voice_call_id or "", now)
            session.commit()
            return "placed"
        if exc.code == OUTCOME_UNKNOWN:
            _update_call(  # unless a webhook has already told us what happened
                session,
                call_id,
                only_if=VoiceCallStatus.INITIATED,
                status=VoiceCallStatus.UNKNOWN,
                error_message=message,
                error_code=exc.code,
                updated_at=now,
            )
            _update_row(
                session,
                row_id,
                only_if=InterventionStatus.SENDING,
                status=InterventionStatus.FAILED,
                error_message="The "
                f"outcome of the call is unknown ({message}); it is not redialled.",
                **done,
            )
            result = "unknown"
        else:  # certainly not placed: the call row says so; the row may be tried again
            retry = retry and exc.transient and tries < MAX_DIAL_TRIES
            _update_call(
                session,
                call_id,
                status=VoiceCallStatus.FAILED,
                completed_at=now,
                error_message=f"Not placed: {message}",
                error_code=exc.code,
                updated_at=now,
            )
            again = {"status": InterventionStatus.SCHEDULED, "scheduled_at": now + RETRY_AFTER}
            _update_row(
                session,
                row_id,
                **(again if retry else {"status": InterventionStatus.FAILED}),
                error_message=message,
                **done,
            )
            result = "retry" if retry else "failed"
        session.commit()
    log.warning("voice call %s: %s (%s)", call_id, result, message)
    return result


def _update_call(
    session: Session,
    call_id: str,
    *,
    only_if: VoiceCallStatus | None = None,
    only_if_no_sid: bool = False,
    **values,
) -> None:
    query = sa.update(CartVoiceCall).where(col(CartVoiceCall.id) == call_id)
    if only_if is not None:
        query = query.where(col(CartVoiceCall.status) == only_if)
    if only_if_no_sid:
        query = query.where(col(CartVoiceCall.voice_call_id).is_(None))
    session.execute(query.values(**values))


def _update_row(
    session: Session, row_id: str, *, only_if: InterventionStatus | None = None, **values
) -> None:
    query = sa.update(CartIntervention).where(col(CartIntervention.id) == row_id)
    if only_if is not None:
        query = query.where(col(CartIntervention.status) == only_if)
    session.execute(query.values(**values))


def rescue_stalled(engine: Engine, *, now: datetime) -> int:
    """Calls whose worker stopped mid-dial: UNKNOWN, never redialled."""
    with Session(engine) as session:
        rows = session.exec(
            select(CartIntervention.id).where(
                col(CartIntervention.channel) == Channel.VOICE,
                col(CartIntervention.status) == InterventionStatus.SENDING,
                col(CartIntervention.lease_expires_at) < now,
            )
        ).all()
        for row_id in rows:
            session.execute(
                sa.update(CartVoiceCall)
                .where(
                    col(CartVoiceCall.intervention_id) == row_id,
                    col(CartVoiceCall.status) == VoiceCallStatus.INITIATED,
                    col(CartVoiceCall.voice_call_id).is_(None),
                )
                .values(
                    status=VoiceCallStatus.UNKNOWN,
                    error_code=OUTCOME_UNKNOWN,
                    error_message="A worker stopped while dialling: the outcome is "
                    "unknown, so the call is not redialled.",
                    updated_at=now,
                )
            )
            session.execute(
                sa.update(CartIntervention)
                .where(
                    col(CartIntervention.id) == row_id,
                    col(CartIntervention.status) == InterventionStatus.SENDING,
                    col(CartIntervention.lease_expires_at) < now,
                )
                .values(
                    status=InterventionStatus.FAILED,
                    lease_owner=None,
                    lease_expires_at=None,
                    updated_at=now,
                    error_message="A worker stopped "
                    "while dialling: the outcome is unknown; not redialled.",
                )
            )
        session.commit()
    return len(rows)


# --- an admin's "call now" (voice/initiate) ------------------------------------------------


def initiate(
    engine: Engine,
    service: VoiceService,
    *,
    company_id: str,
    attempt_id: str,
    now: datetime,
    worker: str,
    initiated_by: str | None = None,
) -> CartVoiceCall:
    """Call this attempt's shopper now. Consent, a phone number and the shopper's call hours
    still hold; a cart with a call under way, or one whose outcome is unknown, is refused.
    Raises CallRefused or flow.FlowError with the reason."""
    with Session(engine, expire_on_commit=False) as session:
        attempt = session.get(CartSaveAttempt, attempt_id)
        if attempt is None or attempt.company_id != company_id:
            raise LookupError("No such save attempt.")
        _lock_company(session, company_id)  # the queue may be dialling this shopper right now
        open_call = session.exec(
            select(CartVoiceCall.id).where(
                col(CartVoiceCall.cart_save_attempt_id) == attempt_id,
                col(CartVoiceCall.status).in_(eligibility.OPEN_STATUSES),
            )
        ).first()
        if open_call is not None:
            raise flow.FlowError("A call to this shopper is under way or its outcome is unknown.")
        cart = session.get(Cart, attempt.cart_id)
        company = session.get(Company, company_id)
        assert cart is not None and company is not None
        config = load_voice_config(session, company_id)
        if not config.enabled:
            raise CallRefused(Verdict(Decision.NEVER, "enabled", "Voice recovery is switched off."))
        candidate = eligibility.candidate_for(session, cart, attempt)
        verdict = eligibility.assess(candidate, config, now=now, calls_today=0, manual=True)
        if not verdict.call:
            raise CallRefused(verdict)
        step = session.exec(
            select(sa.func.coalesce(sa.func.max(CartIntervention.step), -1) + 1).where(
                col(CartIntervention.cart_save_attempt_id) == attempt_id,
                col(CartIntervention.stage) == S.NUCLEAR_OFFER,
                col(CartIntervention.channel) == Channel.VOICE,
            )
        ).one()
        row = CartIntervention(
            company_id=company_id,
            cart_id=cart.id,
            cart_save_attempt_id=attempt_id,
            stage=S.NUCLEAR_OFFER,
            step=max(step, 1),
            channel=Channel.VOICE,
            channels=[str(Channel.VOICE)],
            type=InterventionType.VOICE_CALL,
            scheduled_at=now,
            tracking_token=flow.new_tracking_token(),
            status=InterventionStatus.SENDING,
            lease_owner=worker,
            lease_expires_at=now + LEASE,
        )
        session.add(row)
        try:
            session.flush()
        except IntegrityError as exc:  # the same "call now" a moment ago
            raise flow.FlowError("A call to this shopper was just placed.") from exc
        call = _new_call(
            session,
            row,
            candidate,
            company,
            config,
            now=now,
            manual=True,
            initiated_by=initiated_by,
        )
        session.commit()
    _place(engine, service, call, row.id, now, manual=True)
    with Session(engine, expire_on_commit=False) as session:
        placed = session.get(CartVoiceCall, call.id)
        assert placed is not None
        return placed
