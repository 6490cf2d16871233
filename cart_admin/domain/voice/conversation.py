"""A live call: Twilio's webhooks drive the script, and what was said is kept.

`answer` (the call was picked up) and `gather` (the shopper spoke, or stayed silent) return
the TwiML of the agent's next turn and change the call row under a row lock. Both are
idempotent under Twilio's retries: a turn already handled returns the TwiML it returned the
first time. What the call does is in `effects`, how it ended in `outcomes`.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session

from cart_admin.domain.voice import script as engine_
from cart_admin.domain.voice import twiml
from cart_admin.domain.voice.call_rows import MACHINE, locked, move, ours
from cart_admin.domain.voice.config import load_voice_config
from cart_admin.domain.voice.effects import apply_effect
from cart_admin.domain.voice.facts import facts_from_dict
from cart_admin.domain.voice.script import Effect, Reply, State
from cart_admin.domain.voice.service import VoiceService
from cart_admin.models import (
    CartVoiceCall,
    VoiceCallOutcome,
    VoiceCallStatus,
)

log = logging.getLogger(__name__)


def _say(call: CartVoiceCall, reply: Reply, now: datetime, turn: int) -> None:
    if reply.say:
        call.transcript = [
            *(call.transcript or []),
            {"role": "agent", "text": reply.text, "turn": turn, "at": now.isoformat()},
        ]


def _keep(call: CartVoiceCall, state: State, document: str, **extra) -> None:
    call.script_state = {
        **(call.script_state or {}),
        "state": state.as_dict(),
        "lastTurn": state.turn,
        "lastTwiml": document,
        **extra,
    }
    if state.outcome is not None:
        call.outcome = state.outcome


def _replay(call: CartVoiceCall) -> str:
    return (call.script_state or {}).get("lastTwiml") or twiml.hang_up()


def answer(
    session: Session,
    service: VoiceService,
    call_id: str,
    *,
    params: dict[str, str],
    now: datetime,
) -> str:
    """The call was picked up: the greeting, or the voicemail message for a machine."""
    call = locked(session, call_id)
    if call is None or not ours(call, params.get("CallSid", "")):
        return twiml.hang_up()
    if "lastTwiml" in (call.script_state or {}):
        return _replay(call)  # Twilio retried the request
    script = load_voice_config(session, call.company_id).script
    facts = facts_from_dict((call.script_state or {})["facts"])
    answered_by = params.get("AnsweredBy", "")[:32] or None
    call.answered_by = answered_by
    call.answered_at = call.answered_at or now
    move(call, VoiceCallStatus.IN_PROGRESS)
    if answered_by == "fax":
        reply = Reply(
            [], State(engine_.Node.ENDED, outcome=VoiceCallOutcome.DISCONNECTED), hangup=True
        )
    elif answered_by in MACHINE:
        reply = engine_.voicemail(script, facts)
    else:
        reply = engine_.opening(script, facts)
    document = _render(service, call, reply, script)
    _say(call, reply, now, 0)
    _keep(call, reply.state, document)
    call.updated_at = now
    session.add(call)
    return document


def _render(service: VoiceService, call: CartVoiceCall, reply: Reply, script) -> str:
    gather_url = f"{service.url(call.id, 'gather')}?turn={reply.state.turn}"
    return twiml.render(reply, script, gather_url=gather_url, caller_id=service.caller_id)


def gather(
    session: Session,
    service: VoiceService,
    call_id: str,
    *,
    turn: int,
    params: dict[str, str],
    now: datetime,
) -> tuple[str, bool]:
    """The shopper's reply to the agent's last turn. Returns the TwiML and whether to text
    the recovery link (after the commit). The matcher (maybe Claude, a few seconds) runs
    before the row is locked; the turn is checked again under the lock."""
    call = session.get(CartVoiceCall, call_id)
    if call is None or not ours(call, params.get("CallSid", "")):
        return twiml.hang_up(), False
    stored = call.script_state or {}
    state = State.from_dict(stored.get("state"))
    if turn != state.turn or state.node is engine_.Node.ENDED:
        return _replay(call), False
    script = load_voice_config(session, call.company_id).script
    facts = facts_from_dict(stored["facts"])
    speech = " ".join(params.get("SpeechResult", "").split())[:500]
    asked = engine_.asked(script, facts, state)
    if speech:
        matcher = service.matcher_for(session, call.company_id, now)
        match = matcher.match(script, state.node, asked, speech)
    else:
        match = engine_.silence()

    session.commit()  # the usage ledger; and SQLite's read snapshot ends before the lock
    call = locked(session, call_id)
    assert call is not None
    if State.from_dict((call.script_state or {}).get("state")).turn != turn:
        return _replay(call), False  # a retry of this turn was handled meanwhile
    reply = engine_.respond(script, facts, state, match)
    if speech:
        entry = {
            "role": "customer",
            "text": speech,
            "turn": turn + 1,
            "at": now.isoformat(),
            "intent": str(match.intent) if match.intent else None,
            "by": match.by,
        }
        if match.rule is not None:
            entry["rule"] = script.rules()[match.rule].trigger
        if params.get("Confidence"):
            entry["confidence"] = params["Confidence"][:8]
        call.transcript = [*(call.transcript or []), entry]
    details = dict(call.details or {})
    for effect in reply.effects:
        apply_effect(session, call, effect, facts, details, now)
    call.details = details
    document = _render(service, call, reply, script)
    _say(call, reply, now, turn + 1)
    _keep(call, reply.state, document)
    call.updated_at = now
    session.add(call)
    return document, Effect.SEND_LINK in reply.effects
