"""The call queue: due calls are checked, claimed and dialled at most once (DESIGN).

A call is a save-flow row (`cart_interventions`, channel VOICE) that the Nuclear offer stage
schedules. Each tick, for each company, the due rows are assessed, the most valuable carts
first: WAIT moves a row to the moment it may be called, NEVER cancels it with the reason,
CALL claims and dials it (`dialling`). A row leaves SCHEDULED before the dial, so nothing
dials it again. A worker that dies mid-dial leaves an INITIATED call with no Twilio SID: the
rescue here marks it UNKNOWN and its row FAILED, never redialled (if Twilio did place it, its
webhooks still find the call and carry on). An admin's "call now" (`initiate`) goes through
the same lock and rules, less the programme's targeting.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from cart_admin.channels.voice import OUTCOME_UNKNOWN
from cart_admin.domain.save_flow import engine as flow
from cart_admin.domain.voice import eligibility
from cart_admin.domain.voice.config import load_voice_config
from cart_admin.domain.voice.dialling import LEASE, dial, lock_company, new_call, place, settle
from cart_admin.domain.voice.eligibility import Decision, Verdict
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
                    settle(session, row.id, verdict, now)
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
        lock_company(session, company_id)  # the queue may be dialling this shopper right now
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
        call = new_call(
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
    place(engine, service, call, row.id, now, manual=True)
    with Session(engine, expire_on_commit=False) as session:
        placed = session.get(CartVoiceCall, call.id)
        assert placed is not None
        return placed
