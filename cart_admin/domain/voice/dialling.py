"""Dialling one call, at most once: the claim (the row taken, the rules checked again under the
company's lock, the call written INITIATED before Twilio is asked), the dial, and recording
Twilio's answer without overwriting what its webhooks may have written first.

A refusal that certainly placed nothing (429, no connection) puts a queued row back for a
later tick, three tries at most; a timeout or a 5xx leaves the outcome UNKNOWN, never redialled.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from cart_admin.channels.base import ChannelError
from cart_admin.channels.voice import OUTCOME_UNKNOWN, OutgoingCall
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
    Company,
    InterventionStatus,
    VoiceCallStatus,
)

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=120)
CONSOLE_NOTE = (
    "Not dialled: Twilio is not configured (console channel). Try the script in the simulator."
)
MAX_DIAL_TRIES = 3  # for refusals that certainly placed nothing
RETRY_AFTER = timedelta(minutes=15)


def settle(session: Session, row_id: str, verdict: Verdict, now: datetime) -> None:
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


def lock_company(session: Session, company_id: str) -> None:
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


def claim(
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
    lock_company(session, row.company_id)
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
    return new_call(session, row, candidate, company, config, now=now, manual=manual)


def new_call(
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
        claimed = claim(session, row_id, worker=worker, now=now, lease=lease, manual=manual)
        if claimed is None:
            session.rollback()
            return "lost"
        if isinstance(claimed, Verdict):
            session.rollback()
            with Session(engine) as again:
                settle(again, row_id, claimed, now)
                again.commit()
            return "waiting" if claimed.decision is Decision.WAIT else "cancelled"
        call = claimed
        session.commit()
    return place(engine, service, call, row_id, now, manual=manual)


def place(
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
        return dial_failed(engine, call.id, row_id, exc, now, retry=not manual)
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
        record_placed(session, call.id, row_id, sid, now)
        session.commit()
    return "placed"


def record_placed(session: Session, call_id: str, row_id: str, sid: str, now: datetime) -> None:
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


def dial_failed(
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
            record_placed(session, call_id, row_id, call.voice_call_id or "", now)
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
