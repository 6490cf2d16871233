"""A live call: Twilio's webhooks drive the script, and what was said is kept.

`answer` (the call was picked up), `gather` (the shopper spoke, or stayed silent) and
`status` (Twilio's progress events) each return what Twilio needs and change the call row
under a row lock. All three are idempotent under Twilio's retries: a turn already handled
returns the TwiML it returned the first time, and a status event never moves a call
backwards nor finishes it twice (so a replayed "completed" is not counted twice).
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from cart_admin.channels.base import ChannelError
from cart_admin.channels.sms import OutgoingSms
from cart_admin.domain import storefront as shop
from cart_admin.domain.save_flow import engine as flow
from cart_admin.domain.save_flow import offers
from cart_admin.domain.save_flow.offers import CartFacts
from cart_admin.domain.tenancy import NotFound
from cart_admin.domain.voice import script as engine_
from cart_admin.domain.voice import twiml
from cart_admin.domain.voice.config import load_voice_config
from cart_admin.domain.voice.facts import facts_from_dict
from cart_admin.domain.voice.script import Effect, Reply, State
from cart_admin.domain.voice.service import VoiceService
from cart_admin.models import (
    Cart,
    CartIntervention,
    CartSaveAttempt,
    CartVoiceCall,
    Channel,
    Company,
    Customer,
    InterventionStatus,
    LandingPage,
    VoiceCallOutcome,
    VoiceCallStatus,
)

log = logging.getLogger(__name__)

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
LINK_STEP = 100  # steps of the SMS rows a call texts (the stage's own messages are 0..)


def _locked(session: Session, call_id: str) -> CartVoiceCall | None:
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


def _ours(call: CartVoiceCall, call_sid: str) -> bool:
    """Bind Twilio's SID on first sight (a webhook can beat the dialler's own write)."""
    if not call.voice_call_id or call.voice_call_id.startswith("console:"):
        if call_sid:
            call.voice_call_id = call_sid
        return True
    return not call_sid or call.voice_call_id == call_sid


def _move(call: CartVoiceCall, status: VoiceCallStatus) -> bool:
    """Forward only: a late "ringing" never undoes "in-progress"."""
    if call.completed_at is not None:
        return False
    if RANK.get(status, FINAL) <= RANK.get(call.status, 0):
        return False
    call.status = status
    return True


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
    call = _locked(session, call_id)
    if call is None or not _ours(call, params.get("CallSid", "")):
        return twiml.hang_up()
    if "lastTwiml" in (call.script_state or {}):
        return _replay(call)  # Twilio retried the request
    script = load_voice_config(session, call.company_id).script
    facts = facts_from_dict((call.script_state or {})["facts"])
    answered_by = params.get("AnsweredBy", "")[:32] or None
    call.answered_by = answered_by
    call.answered_at = call.answered_at or now
    _move(call, VoiceCallStatus.IN_PROGRESS)
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
    if call is None or not _ours(call, params.get("CallSid", "")):
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
    call = _locked(session, call_id)
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
        _apply(session, call, effect, facts, details, now)
    call.details = details
    document = _render(service, call, reply, script)
    _say(call, reply, now, turn + 1)
    _keep(call, reply.state, document)
    call.updated_at = now
    session.add(call)
    return document, Effect.SEND_LINK in reply.effects


# --- what the call does --------------------------------------------------------------------


def _apply(
    session: Session,
    call: CartVoiceCall,
    effect: Effect,
    facts: engine_.CallFacts,
    details: dict,
    now: datetime,
) -> None:
    if effect is Effect.WITHDRAW_VOICE_CONSENT:
        customer = session.get(Customer, call.customer_id) if call.customer_id else None
        if customer is not None and customer.voice_consent:
            customer.voice_consent = False
            customer.updated_at = now
            session.add(customer)
        details["voiceConsentWithdrawnAt"] = now.isoformat()
    elif effect in (Effect.APPLY_DISCOUNT, Effect.APPLY_FREE_SHIPPING):
        applied = apply_offer(session, call, effect, facts, now)
        details.update(applied)
    elif effect is Effect.SEND_LINK:
        details["linkRequestedAt"] = now.isoformat()


def apply_offer(
    session: Session,
    call: CartVoiceCall,
    effect: Effect,
    facts: engine_.CallFacts,
    now: datetime,
) -> dict:
    """The accepted offer becomes the call's own single-use code, applied to the cart (so
    the order is attributed to the call), and the offer the flow's later stages restate."""
    cart = session.get(Cart, call.cart_id)
    row = session.get(CartIntervention, call.intervention_id) if call.intervention_id else None
    attempt = session.get(CartSaveAttempt, call.cart_save_attempt_id)
    if cart is None or row is None or attempt is None or cart.status not in shop.OPEN_STATUSES:
        return {"offerNotApplied": "The cart is closed."}
    cart_facts = CartFacts(
        subtotal=cart.subtotal,
        shipping_total=cart.shipping_total,
        review_count=0,
        support_email=None,
    )
    if effect is Effect.APPLY_DISCOUNT and facts.discount_percent:
        offer = offers.percent_offer(
            Decimal(facts.discount_percent), cart_facts, offers.K.BEST_OFFER
        )
    elif effect is Effect.APPLY_FREE_SHIPPING and facts.free_shipping:
        offer = offers.free_shipping_offer(cart_facts)
    else:
        return {"offerNotApplied": "The offer is not available for this cart."}
    config = flow.load_config(session, call.company_id)
    code = offers.issue_code(
        session,
        company_id=call.company_id,
        cart_id=cart.id,
        intervention_ids=[row.id],
        intervention_id=row.id,
        offer=offer,
        now=now,
        expiry_hours=config.offers.code_expiry_hours,
    )
    assert code is not None
    offer_dict = {
        **offer.as_dict(),
        "code": code.code,
        "expiresAt": code.expires_at.isoformat() if code.expires_at else None,
    }
    cart.discount_code = code.code
    page = session.get(LandingPage, cart.landing_page_id) if cart.landing_page_id else None
    if page is not None:
        try:
            store = shop.storefront_for_key(session, public_key=page.public_key)
            shop.reprice(session, store=store, cart=cart, now=now)
        except NotFound:  # the page was unpublished: the code waits on the cart
            session.add(cart)
    row.offer_included, row.offer_code, row.offer_id = offer_dict, code.code, code.id
    row.offer_value = offer.savings
    row.executed_at = row.executed_at or now
    attempt.current_offer = offer_dict
    attempt.accepted_offer = offer_dict
    call.offer = offer_dict
    session.add_all([row, attempt, call])
    return {"codeApplied": code.code, "offerLabel": offer.label}


def send_link(engine: Engine, service: VoiceService, call_id: str, *, now: datetime) -> str | None:
    """Text the recovery link the shopper agreed to on the call, at most once (it is marked
    before the send, like every message). The text is also a row of the attempt (channel SMS,
    sent), so the SMS caps and the timeline count it. Returns the SID."""
    with Session(engine, expire_on_commit=False) as session:
        call = _locked(session, call_id)
        details = dict((call.details or {}) if call else {})
        if call is None or not call.to_phone or "linkSendingAt" in details:
            return None
        row = session.get(CartIntervention, call.intervention_id) if call.intervention_id else None
        company = session.get(Company, call.company_id)
        if row is None or company is None:
            return None
        link = f"{service.base_url.rstrip('/')}/r/{row.tracking_token}"
        label = details.get("offerLabel")
        applied = f" with {label} applied" if label else ""
        body = f"{company.name}: here's your cart{applied}: {link} Reply STOP to opt out."
        call.details = {**details, "linkSendingAt": now.isoformat()}
        session.add(call)
        session.commit()
        to = call.to_phone
    sid: str | None = None
    try:
        sid = service.sms.send(OutgoingSms(to=to, body=body))
    except ChannelError as exc:
        outcome = {"linkError": str(exc)[:300]}
    else:
        outcome = {"linkSentAt": now.isoformat(), "linkSid": sid, "linkBody": body}
    with Session(engine) as session:
        call = _locked(session, call_id)
        assert call is not None
        call.details = {**(call.details or {}), **outcome}
        call.updated_at = now
        session.add(call)
        if sid is not None:
            _ledger_sms(session, call, row, body, sid, now)
        session.commit()
    return sid


def _ledger_sms(
    session: Session, call: CartVoiceCall, voice_row: CartIntervention, body: str, sid: str,
    now: datetime,
) -> None:  # fmt: skip
    taken = session.exec(
        select(CartIntervention.step).where(
            col(CartIntervention.cart_save_attempt_id) == call.cart_save_attempt_id,
            col(CartIntervention.stage) == voice_row.stage,
            col(CartIntervention.channel) == Channel.SMS,
        )
    ).all()
    session.add(
        CartIntervention(
            company_id=call.company_id,
            cart_id=call.cart_id,
            cart_save_attempt_id=call.cart_save_attempt_id,
            stage=voice_row.stage,
            step=max([LINK_STEP - 1, *taken]) + 1,
            channel=Channel.SMS,
            channels=[str(Channel.SMS)],
            type=voice_row.type,
            content={"sms": body, "writer": "call"},
            offer_included=voice_row.offer_included,
            offer_code=voice_row.offer_code,
            status=InterventionStatus.SENT,
            scheduled_at=now,
            sent_at=now,
            tracking_token=flow.new_tracking_token(),
            response_data={"smsSid": sid, "callId": call.id},
        )
    )


# --- Twilio's status events ----------------------------------------------------------------


def status(session: Session, call_id: str, *, params: dict[str, str], now: datetime) -> bool:
    """A progress event. Returns True when it finished the call (the first time only)."""
    call = _locked(session, call_id)
    if call is None or not _ours(call, params.get("CallSid", "")):
        return False
    new = TWILIO_STATUS.get(params.get("CallStatus", "").lower())
    if new is None:
        return False
    if new is VoiceCallStatus.IN_PROGRESS:
        call.answered_at = call.answered_at or now
    if params.get("AnsweredBy") and not call.answered_by:
        call.answered_by = params["AnsweredBy"][:32]
    if RANK.get(new, FINAL) < FINAL:
        if _move(call, new):
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


def answered_by_person(call: CartVoiceCall) -> bool:
    return call.answered_at is not None and call.answered_by not in (*MACHINE, "fax")


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
    call = _locked(session, call_id)
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
