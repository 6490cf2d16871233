"""A call row under the webhooks: its lock, whose call it is, its status moving forward only."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, col, select

from cart_admin.models import (
    CartVoiceCall,
    VoiceCallStatus,
)

TWILIO_STATUS = {
    "queued": VoiceCallStatus.QUEUED,
    "initiated": VoiceCallStatus.INITIATED,
    "ringing": VoiceCallStatus.RINGING,
    "in-progress": VoiceCallStatus.IN_PROGRESS,
    "answered": VoiceCallStatus.IN_PROGRESS,
    "completed": VoiceCallStatus.COMPLETED,
    "busy": VoiceCallStatus.BUSY,
    "no-answer": VoiceCallStatus.NO_ANSWER,
    "failed": VoiceCallStatus.FAILED,
    "canceled": VoiceCallStatus.CANCELED,
}
RANK = {
    VoiceCallStatus.QUEUED: 0,
    VoiceCallStatus.INITIATED: 1,
    VoiceCallStatus.UNKNOWN: 1,
    VoiceCallStatus.RINGING: 2,
    VoiceCallStatus.IN_PROGRESS: 3,
}
FINAL = 4  # completed, busy, no-answer, failed, canceled
MACHINE = ("machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other")


def locked(session: Session, call_id: str) -> CartVoiceCall | None:
    """The call row, locked until the commit: `FOR UPDATE` on PostgreSQL; on SQLite a no-op
    write first, which takes the database's write lock, so a retried turn waits its turn."""
    if session.get_bind().dialect.name != "postgresql":
        session.execute(
            sa.update(CartVoiceCall)
            .where(col(CartVoiceCall.id) == call_id)
            .values(id=CartVoiceCall.id, updated_at=CartVoiceCall.updated_at)
        )
    return session.exec(
        select(CartVoiceCall)
        .where(col(CartVoiceCall.id) == call_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def ours(call: CartVoiceCall, call_sid: str) -> bool:
    """Bind Twilio's SID on first sight (a webhook can beat the dialler's own write)."""
    if not call.voice_call_id or call.voice_call_id.startswith("console:"):
        if call_sid:
            call.voice_call_id = call_sid
        return True
    return not call_sid or call.voice_call_id == call_sid


def move(call: CartVoiceCall, status: VoiceCallStatus) -> bool:
    """Forward only: a late "ringing" never undoes "in-progress"."""
    if call.completed_at is not None:
        return False
    if RANK.get(status, FINAL) <= RANK.get(call.status, 0):
        return False
    call.status = status
    return True


def answered_by_person(call: CartVoiceCall) -> bool:
    return call.answered_at is not None and call.answered_by not in (*MACHINE, "fax")
