"""How a call ended: Twilio's status events (forward only, finished once), the outcome when
the script did not reach one, the flow after the call, and outcomes a person records."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from cart_admin.domain.save_flow import engine as flow
from cart_admin.domain.tenancy import NotFound
from cart_admin.domain.voice import script as engine_
from cart_admin.domain.voice.call_rows import (
    FINAL,
    MACHINE,
    RANK,
    TWILIO_STATUS,
    answered_by_person,
    locked,
    move,
    ours,
)
from cart_admin.models import (
    CartIntervention,
    CartSaveAttempt,
    CartVoiceCall,
    Channel,
    InterventionStatus,
    VoiceCallOutcome,
    VoiceCallStatus,
)


def status(session: Session, call_id: str, *, params: dict[str, str], now: datetime) -> bool:
    """A progress event. Returns True when it finished the call (the first time only)."""
    call = locked(session, call_id)
    if call is None or not ours(call, params.get("CallSid", "")):
        return False
    new = TWILIO_STATUS.get(params.get("CallStatus", "").lower())
    if new is None:
        return False
    if new is VoiceCallStatus.IN_PROGRESS:
        call.answered_at = call.answered_at or now
    if params.get("AnsweredBy") and not call.answered_by:
        call.answered_by = params["AnsweredBy"][:32]
    if RANK.get(new, FINAL) < FINAL:
        if move(call, new):
            call.updated_at = now
            session.add(call)
        return False
    if call.completed_at is not None:
        return False  # a replayed "completed": counted once
    call.status = new
    call.completed_at = now
    duration = params.get("CallDuration", "")
    if duration.isascii() and duration.isdecimal() and len(duration) <= 6:  # seconds
        call.duration = int(duration)
    if call.outcome is None:
        call.outcome = _outcome_without_script(call, new)
    customer_lines = [t["text"] for t in call.transcript or [] if t["role"] == "customer"]
    call.sentiment = engine_.sentiment(customer_lines, call.outcome)
    call.updated_at = now
    session.add(call)
    _settle_row(session, call, now)
    _flow_after_call(session, call, now)
    return True


def _outcome_without_script(call: CartVoiceCall, final: VoiceCallStatus) -> VoiceCallOutcome | None:
    if final in (VoiceCallStatus.BUSY, VoiceCallStatus.NO_ANSWER):
        return VoiceCallOutcome.NO_ANSWER
    if final is not VoiceCallStatus.COMPLETED:
        return None  # failed or cancelled: the status says it
    if call.answered_by in MACHINE:
        return VoiceCallOutcome.VOICEMAIL
    return VoiceCallOutcome.DISCONNECTED  # hung up before the script ended


def _settle_row(session: Session, call: CartVoiceCall, now: datetime) -> None:
    row = session.get(CartIntervention, call.intervention_id) if call.intervention_id else None
    if row is None:
        return
    if answered_by_person(call) and row.delivered_at is None:
        row.delivered_at = call.answered_at  # an answering machine heard, nobody listened
        # FAILED too: a call the rescue gave up on as unknown did ring, and was answered.
        if row.status in (
            InterventionStatus.SENT,
            InterventionStatus.SENDING,
            InterventionStatus.FAILED,
        ):
            row.status = InterventionStatus.DELIVERED
    elif call.status is VoiceCallStatus.FAILED and row.status is InterventionStatus.SENT:
        row.status = InterventionStatus.FAILED
    row.response_type = str(call.outcome) if call.outcome else str(call.status)
    row.response_data = {
        **(row.response_data or {}),
        "callStatus": str(call.status),
        "duration": call.duration,
        "outcome": str(call.outcome) if call.outcome else None,
    }
    row.updated_at = now
    session.add(row)


def _flow_after_call(session: Session, call: CartVoiceCall, now: datetime) -> None:
    """A shopper who said no on the phone is not texted again by this attempt (e-mails,
    with their unsubscribe links, go on): the attempt remembers it for later stages too."""
    if call.outcome is not VoiceCallOutcome.DECLINED:
        return
    attempt = session.get(CartSaveAttempt, call.cart_save_attempt_id)
    if attempt is not None and flow.DECLINED_BY_PHONE not in attempt.attempt_metadata:
        metadata = {**attempt.attempt_metadata, flow.DECLINED_BY_PHONE: now.isoformat()}
        attempt.attempt_metadata = metadata
        session.add(attempt)
    rows = session.exec(
        select(CartIntervention).where(
            col(CartIntervention.cart_save_attempt_id) == call.cart_save_attempt_id,
            col(CartIntervention.channel).in_((Channel.SMS, Channel.VOICE)),
            col(CartIntervention.status) == InterventionStatus.SCHEDULED,
        )
    ).all()
    for row in rows:
        row.status = InterventionStatus.CANCELLED
        row.error_message = "Declined on the phone."
        row.updated_at = now
        session.add(row)


def record_outcome(
    session: Session,
    *,
    company_id: str,
    call_id: str,
    outcome: VoiceCallOutcome,
    note: str | None,
    now: datetime,
    by: str | None,
) -> CartVoiceCall:
    """An outcome a person learnt (the team member a call was handed to, a callback)."""
    call = locked(session, call_id)
    if call is None or call.company_id != company_id:
        raise NotFound("No such call.")
    if call.completed_at is None and call.status in (
        VoiceCallStatus.RINGING,
        VoiceCallStatus.IN_PROGRESS,
    ):
        raise flow.FlowError("The call is still under way; record its outcome when it ends.")
    was = call.outcome
    call.outcome = outcome
    entry = {
        "outcome": str(outcome),
        "previous": str(was) if was else None,
        "at": now.isoformat(),
        "by": by,
        "note": (note or "")[:500] or None,
    }
    call.details = {
        **(call.details or {}),
        "outcomeHistory": [*(call.details or {}).get("outcomeHistory", []), entry],
    }
    call.updated_at = now
    session.add(call)
    if was is not VoiceCallOutcome.DECLINED and call.completed_at is not None:
        _flow_after_call(session, call, now)
    row = session.get(CartIntervention, call.intervention_id) if call.intervention_id else None
    if row is not None:
        row.response_type = str(outcome)
        row.updated_at = now
        session.add(row)
    return call
