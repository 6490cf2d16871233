"""The review's fixes to voice recovery, each shown by the behaviour it changed.

Calls are placed by the real queue (or an admin's "call now") through the real `TwilioVoice`
client against the fake Twilio API, or through an in-process channel where a test needs to
act while the dial is in flight; the call is then driven by the webhook handlers of
`conversation` (answer, gather turns) and `outcomes` (status events), each in its own
transaction as the API runs them. Texts go to the console SMS channel, whose outbox is what
was sent.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from cart_admin.channels.base import ChannelError
from cart_admin.channels.email import ConsoleEmail
from cart_admin.channels.sms import ConsoleSms
from cart_admin.channels.voice import OutgoingCall
from cart_admin.domain import storefront
from cart_admin.domain.save_flow import delivery
from cart_admin.domain.save_flow import engine as flow
from cart_admin.domain.save_flow.config import SaveFlowConfig
from cart_admin.domain.voice import (
    conversation,
    dialling,
    effects,
    eligibility,
    form,
    outcomes,
    queue,
)
from cart_admin.domain.voice import script as engine_
from cart_admin.domain.voice.config import (
    VoiceRecoveryConfig,
    load_voice_config,
    save_voice_config,
)
from cart_admin.domain.voice.eligibility import Decision
from cart_admin.domain.voice.facts import facts_from_dict
from cart_admin.domain.voice.service import VoiceService
from cart_admin.models import (
    Cart,
    CartIntervention,
    CartSaveAttempt,
    CartSaveFlowConfig,
    CartSaveOutcome,
    CartSaveStage,
    CartVoiceCall,
    Channel,
    InterventionStatus,
    VoiceCallOutcome,
    VoiceCallStatus,
)
from tests.api.test_voice_webhooks import said
from tests.domain.voice.test_queue import (
    BASE,
    PHONE,
    all_calls,
    call_now,
    calls_for,
    dial_requests,
    due_carts,
    row_now,
    tick,
    twilio_service,
)
from tests.factories import make_company
from tests.fakes.twilio_server import FakeTwilio, TwilioMode
from tests.voice_world import NOW, CallWorld, make_call_due, make_shop

# --- driving a call through the webhook handlers ----------------------------------------------


@dataclass
class Line:
    """One placed call, driven the way Twilio's webhooks drive it (one transaction each)."""

    engine: sa.Engine
    service: VoiceService
    call_id: str
    sid: str
    turn: int = 0
    texted: list[str | None] = field(default_factory=list)  # send_link's SIDs

    @classmethod
    def of(cls, engine: sa.Engine, service: VoiceService, call: CartVoiceCall) -> Line:
        return cls(engine, service, call.id, call.voice_call_id or "CA" + "d" * 32)

    def answer(self, answered_by: str = "human", at: datetime = NOW) -> str:
        params = {"CallSid": self.sid, "CallStatus": "in-progress", "AnsweredBy": answered_by}
        with Session(self.engine) as s:
            document = conversation.answer(s, self.service, self.call_id, params=params, now=at)
            s.commit()
        return said(ET.fromstring(document))

    def say(self, words: str, at: datetime = NOW) -> tuple[str, bool]:
        """The agent's answer and whether it texts the link; texted after the commit, as the
        API's gather webhook does."""
        params = {"CallSid": self.sid, "CallStatus": "in-progress", "SpeechResult": words}
        with Session(self.engine) as s:
            document, send = conversation.gather(
                s, self.service, self.call_id, turn=self.turn, params=params, now=at
            )
            s.commit()
        self.turn += 1
        if send:
            self.texted.append(effects.send_link(self.engine, self.service, self.call_id, now=at))
        return said(ET.fromstring(document)), send

    def status(self, status: str, at: datetime = NOW, **extra: str) -> bool:
        params = {"CallSid": self.sid, "CallStatus": status, **extra}
        with Session(self.engine) as s:
            finished = outcomes.status(s, self.call_id, params=params, now=at)
            s.commit()
        return finished

    def call(self) -> CartVoiceCall:
        with Session(self.engine) as s:
            call = s.get(CartVoiceCall, self.call_id)
            assert call is not None
            return call


def placed_by_queue(engine, service: VoiceService, world: CallWorld, at: datetime = NOW) -> Line:
    assert tick(engine, service, at) == {"placed": 1}
    [call] = calls_for(engine, world.voice_row.id)
    return Line.of(engine, service, call)


TO_THE_OFFER = ("yes this is Ada", "sure", "honestly it was too expensive")


def attempt_now(engine, attempt_id: str) -> CartSaveAttempt:
    with Session(engine) as s:
        attempt = s.get(CartSaveAttempt, attempt_id)
        assert attempt is not None
        return attempt


def convert(engine, cart_id: str, at: datetime) -> CartSaveAttempt | None:
    """The merchant's order system reports the order (what POST /carts/{id}/convert runs)."""
    with Session(engine, expire_on_commit=False) as s:
        cart = s.get(Cart, cart_id)
        assert cart is not None
        storefront.convert_cart(s, cart=cart, now=at)
        s.commit()
        return flow.latest_attempt(s, cart_id)


# --- 1. one call at a time per shopper, whichever cart --------------------------------------------


def _open(line: Line, status: VoiceCallStatus) -> None:
    """Bring the queue's call into `status` the way it gets there."""
    if status is VoiceCallStatus.RINGING:
        line.status("ringing", NOW + timedelta(seconds=5))
    elif status is VoiceCallStatus.IN_PROGRESS:
        line.status("ringing", NOW + timedelta(seconds=5))
        line.status("in-progress", NOW + timedelta(seconds=12))
    assert line.call().status is status


@pytest.mark.parametrize(
    "status",
    [
        VoiceCallStatus.INITIATED,
        VoiceCallStatus.RINGING,
        VoiceCallStatus.IN_PROGRESS,
        VoiceCallStatus.UNKNOWN,
    ],
)
def test_a_shopper_with_two_carts_gets_one_call_at_a_time(
    engine, session, twilio_server: FakeTwilio, status: VoiceCallStatus
) -> None:
    shop = make_shop(session, voice=VoiceRecoveryConfig(exclude_recent_calls=0))
    cart_a = make_call_due(session, shop=shop, quantity=3)
    cart_b = make_call_due(session, shop=shop, quantity=2)
    assert cart_a.customer.id == cart_b.customer.id and cart_a.attempt.id != cart_b.attempt.id
    later = NOW + timedelta(minutes=1)
    cart_b.voice_row.scheduled_at = later  # due after the tick that calls cart A
    session.add(cart_b.voice_row)
    session.commit()
    service = twilio_service(twilio_server, timeout=0.5)

    if status is VoiceCallStatus.UNKNOWN:  # Twilio never answered the dial
        twilio_server.mode = TwilioMode.HANG
        assert tick(engine, service) == {"unknown": 1}
        twilio_server.mode = TwilioMode.ACCEPT
        [call] = calls_for(engine, cart_a.voice_row.id)
        line = Line.of(engine, service, call)
    else:
        line = placed_by_queue(engine, service, cart_a)
    _open(line, status)
    dialled = len(dial_requests(twilio_server))

    # An admin's "call now" for the other cart is refused while the call is open ...
    with pytest.raises(queue.CallRefused) as refused:
        call_now(engine, service, cart_b, now=later)
    assert refused.value.verdict.decision is Decision.WAIT
    assert refused.value.verdict.criterion == "openCall"
    # ... and so is the queue's: the row waits half an hour.
    at = NOW + timedelta(minutes=2)
    assert tick(engine, service, at) == {"waiting": 1}
    row = row_now(engine, cart_b.voice_row.id)
    assert row.status is InterventionStatus.SCHEDULED
    assert row.scheduled_at == at + timedelta(minutes=30)
    assert row.response_data["waiting"] == "openCall"
    assert calls_for(engine, cart_b.voice_row.id) == []
    assert len(dial_requests(twilio_server)) == dialled

    # Once cart A's call has ended, cart B's shopper may be called.
    assert line.status("completed", NOW + timedelta(minutes=5), CallDuration="40")
    assert tick(engine, service, at + timedelta(minutes=30)) == {"placed": 1}
    [second] = calls_for(engine, cart_b.voice_row.id)
    assert second.status is VoiceCallStatus.INITIATED and second.to_phone == PHONE
    assert twilio_server.calls[-1].form["To"] == PHONE
    assert len(dial_requests(twilio_server)) == dialled + 1


# --- 2. a cart whose shopper was called is not called again by the queue -------------------------


def test_after_an_admins_call_the_queue_does_not_call_the_same_cart_again(
    engine, session, twilio_server: FakeTwilio
) -> None:
    world = make_call_due(session, voice=VoiceRecoveryConfig(exclude_recent_calls=0))
    service = twilio_service(twilio_server)
    call = call_now(engine, service, world)
    line = Line.of(engine, service, call)
    assert line.status("completed", NOW + timedelta(minutes=3), CallDuration="30")

    assert tick(engine, service, NOW + timedelta(minutes=5)) == {"cancelled": 1}

    row = row_now(engine, world.voice_row.id)
    assert row.status is InterventionStatus.CANCELLED
    assert "already called" in row.error_message
    with Session(engine) as s:
        attempt = s.get(CartSaveAttempt, world.attempt.id)
        cart = s.get(Cart, world.cart.id)
        candidate = eligibility.candidate_for(s, cart, attempt)
        verdict = eligibility.assess(
            candidate, load_voice_config(s, world.company.id), now=NOW, calls_today=1
        )
    assert (verdict.decision, verdict.criterion) == (Decision.NEVER, "alreadyCalled")
    assert len(twilio_server.calls) == 1
    assert len(dial_requests(twilio_server)) == 1
    assert [c.id for c in all_calls(engine)] == [call.id]


# --- 3. Twilio's CallDuration, whatever it holds ---------------------------------------------


@pytest.mark.parametrize(
    ("duration", "kept"),
    [("²", None), ("-5", None), ("12345678", None), ("", None), ("95", 95)],
)
def test_a_call_duration_that_is_not_seconds_is_ignored(
    engine, session, twilio_server: FakeTwilio, duration: str, kept: int | None
) -> None:
    world = make_call_due(session)
    line = placed_by_queue(engine, twilio_service(twilio_server), world)

    assert line.status("completed", NOW + timedelta(minutes=2), CallDuration=duration) is True

    call = line.call()
    assert call.status is VoiceCallStatus.COMPLETED
    assert call.duration == kept
    assert row_now(engine, world.voice_row.id).response_data["duration"] == kept


# --- 4. texts and SMS consent ----------------------------------------------------------------


def test_without_sms_consent_an_accepted_discount_is_applied_and_nothing_is_texted(
    engine, session, twilio_server: FakeTwilio
) -> None:
    world = make_call_due(session, sms_consent=False)
    service = twilio_service(twilio_server)
    line = placed_by_queue(engine, service, world)
    assert line.call().script_state["facts"]["can_text"] is False
    line.answer()
    for words in TO_THE_OFFER:
        line.say(words)
    before = line.call()

    agent, texts = line.say("yes please")

    script = load_voice_config(session, world.company.id).script
    assert agent == script.closing.accepted_no_text
    assert "text" not in agent.lower()
    assert texts is False
    reply = engine_.respond(
        script,
        facts_from_dict(before.script_state["facts"]),
        engine_.State.from_dict(before.script_state["state"]),
        engine_.Match(engine_.Intent.YES),
    )
    assert reply.effects == [engine_.Effect.APPLY_DISCOUNT]
    assert engine_.Effect.SEND_LINK not in reply.effects
    assert list(service.sms.outbox) == []
    assert line.texted == []
    call = line.call()
    assert call.outcome is VoiceCallOutcome.DISCOUNT_ACCEPTED
    code = call.details["codeApplied"]
    assert "linkSendingAt" not in call.details
    with Session(engine) as s:
        assert s.get(Cart, world.cart.id).discount_code == code
        texts_rows = s.exec(
            select(CartIntervention).where(
                col(CartIntervention.cart_save_attempt_id) == world.attempt.id,
                col(CartIntervention.channel) == Channel.SMS,
                col(CartIntervention.status) == InterventionStatus.SENT,
            )
        ).all()
    assert texts_rows == []


def test_without_sms_consent_a_link_the_shopper_asks_for_is_texted(
    engine, session, twilio_server: FakeTwilio
) -> None:
    world = make_call_due(session, sms_consent=False)
    service = twilio_service(twilio_server)
    line = placed_by_queue(engine, service, world)
    line.answer()
    line.say("yes this is Ada")
    line.say("sure")
    offer, _ = line.say("I'm just looking")
    assert "send you a text with a link" in offer

    agent, texts = line.say("yes")

    assert texts is True
    assert agent.startswith("Done! I've just texted you a link")
    [sms] = service.sms.outbox
    assert sms.to == PHONE
    assert f"{BASE}/r/{world.voice_row.tracking_token}" in sms.body
    assert line.texted == [line.call().details["linkSid"]]


def test_a_texted_link_is_a_sent_sms_row_of_the_attempt_and_is_texted_once(
    engine, session, twilio_server: FakeTwilio
) -> None:
    world = make_call_due(session)
    service = twilio_service(twilio_server)
    line = placed_by_queue(engine, service, world)
    line.answer()
    for words in TO_THE_OFFER:
        line.say(words)

    agent, texts = line.say("yes please", NOW + timedelta(minutes=1))

    assert texts is True and "receive a text" in agent
    [sms] = service.sms.outbox
    [sid] = line.texted
    call = line.call()
    assert call.details["linkSid"] == sid and call.details["linkBody"] == sms.body
    with Session(engine) as s:
        [row] = s.exec(
            select(CartIntervention).where(
                col(CartIntervention.cart_save_attempt_id) == world.attempt.id,
                col(CartIntervention.channel) == Channel.SMS,
                col(CartIntervention.step) >= effects.LINK_STEP,
            )
        ).all()
    assert row.status is InterventionStatus.SENT
    assert row.sent_at == NOW + timedelta(minutes=1)
    assert row.stage is CartSaveStage.NUCLEAR_OFFER and row.step >= 100
    assert row.content["sms"] == sms.body
    assert row.response_data == {"smsSid": sid, "callId": call.id}

    # Asked again (a retried webhook, a second worker): nothing more is sent.
    again = effects.send_link(engine, service, line.call_id, now=NOW + timedelta(minutes=2))
    assert again is None
    assert len(service.sms.outbox) == 1
    with Session(engine) as s:
        sent = s.exec(
            select(sa.func.count()).where(
                col(CartIntervention.cart_save_attempt_id) == world.attempt.id,
                col(CartIntervention.channel) == Channel.SMS,
                col(CartIntervention.step) >= effects.LINK_STEP,
            )
        ).one()
    assert sent == 1


# --- 5. "no" on the phone: no more texts from later stages -------------------------------------


def test_a_decline_on_the_phone_stops_later_stages_texts_but_not_their_emails(
    engine, session, twilio_server: FakeTwilio
) -> None:
    config = SaveFlowConfig.model_validate(
        {
            "holdoutPercent": 0,
            "blackoutHours": {"start": 0, "end": 0},
            "frequencyCaps": {"emailHours": 0, "smsHours": 0, "smsAbandonmentWindowHours": 0},
            "stages": {
                "nuclearOffer": {"voiceCallEnabled": True},
                "lossVisualization": {"channels": ["EMAIL", "SMS"]},
            },
        }
    )
    world = make_call_due(session, flow_config=config)
    service = twilio_service(twilio_server)
    line = placed_by_queue(engine, service, world)
    line.answer()
    for words in TO_THE_OFFER:
        line.say(words)
    agent, texts = line.say("no thanks")
    assert texts is False and agent.startswith("No problem, Ada.")
    ended = NOW + timedelta(minutes=2)
    assert line.status("completed", ended, CallDuration="50")
    assert line.call().outcome is VoiceCallOutcome.DECLINED
    attempt = attempt_now(engine, world.attempt.id)
    assert attempt.attempt_metadata[flow.DECLINED_BY_PHONE] == ended.isoformat()

    # The next stage, with a text and an e-mail, scheduled after the call.
    later = NOW + timedelta(hours=1)
    with Session(engine, expire_on_commit=False) as s:
        attempt = s.get(CartSaveAttempt, world.attempt.id)
        assert attempt is not None
        stage = CartSaveStage.LOSS_VISUALIZATION
        flow.enter_stage(s, attempt, stage, config=config, now=later, due_now=True)
        s.commit()
        rows = {
            r.channel: r.id
            for r in s.exec(
                select(CartIntervention).where(
                    col(CartIntervention.cart_save_attempt_id) == world.attempt.id,
                    col(CartIntervention.stage) == stage,
                )
            ).all()
        }
    assert set(rows) == {Channel.EMAIL, Channel.SMS}
    email, sms = ConsoleEmail(), ConsoleSms()
    channels = delivery.Delivery(email=email, sms=sms, base_url=BASE)

    delivery.run_due(engine, channels, worker="mail", now_fn=lambda: later)

    text = row_now(engine, rows[Channel.SMS])
    assert text.status is InterventionStatus.CANCELLED
    assert "Declined on the phone" in text.error_message
    assert text.sent_at is None
    assert list(sms.outbox) == []
    mail = row_now(engine, rows[Channel.EMAIL])
    assert mail.status is InterventionStatus.SENT and mail.sent_at == later
    assert [m.to for m in email.outbox].count(world.customer.email) >= 1
    assert any(m.message_id.startswith(f"<{mail.id}.") for m in email.outbox)


# --- 6. the deployment's switch waits; the company's switch cancels ---------------------------


def test_the_deployment_switch_keeps_due_calls_and_the_companys_switch_cancels_them(
    engine, session, twilio_server: FakeTwilio
) -> None:
    on = make_call_due(session)
    off = make_call_due(session, voice=VoiceRecoveryConfig(enabled=False))
    service = twilio_service(twilio_server)

    assert tick(engine, service, enabled=False) == {}
    for world in (on, off):
        row = row_now(engine, world.voice_row.id)
        assert (row.status, row.error_message) == (InterventionStatus.SCHEDULED, None)
    assert twilio_server.requests == [] and all_calls(engine) == []

    assert tick(engine, service) == {"placed": 1, "cancelled": 1}
    cancelled = row_now(engine, off.voice_row.id)
    assert cancelled.status is InterventionStatus.CANCELLED
    assert cancelled.error_message == "Voice recovery is switched off."
    assert row_now(engine, on.voice_row.id).status is InterventionStatus.SENT
    [request] = twilio_server.calls
    assert request.form["To"] == on.customer.phone
    assert calls_for(engine, off.voice_row.id) == []


# --- 7. webhooks that arrive before the dialler has written the SID ---------------------------


@dataclass
class RacingDialler:
    """An in-process phone line whose webhooks arrive while `place` is still running: each
    status event runs in its own transaction and commits before `place` returns (or fails)."""

    engine: sa.Engine
    events: list[dict[str, str]]
    fails_with: ChannelError | None = None
    name: str = "twilio"
    sid: str = "CA" + "e" * 32
    placed: list[OutgoingCall] = field(default_factory=list)

    def place(self, call: OutgoingCall) -> str:
        self.placed.append(call)
        call_id = call.status_callback.rstrip("/").split("/")[-2]
        for index, event in enumerate(self.events, start=1):
            with Session(self.engine) as s:
                params = {"CallSid": self.sid, **event}
                outcomes.status(s, call_id, params=params, now=NOW + timedelta(seconds=index))
                s.commit()
        if self.fails_with is not None:
            raise self.fails_with
        return self.sid


def racing(dialler: RacingDialler) -> VoiceService:
    return VoiceService(channel=dialler, sms=ConsoleSms(), base_url=BASE)


def test_a_busy_signal_before_the_dial_returns_is_kept(engine, session) -> None:
    world = make_call_due(session)
    dialler = RacingDialler(engine, [{"CallStatus": "busy", "CallDuration": "0"}])

    assert tick(engine, racing(dialler)) == {"placed": 1}

    [call] = calls_for(engine, world.voice_row.id)
    assert call.voice_call_id == dialler.sid
    assert call.status is VoiceCallStatus.BUSY
    assert call.outcome is VoiceCallOutcome.NO_ANSWER
    assert call.completed_at == NOW + timedelta(seconds=1)
    row = row_now(engine, world.voice_row.id)
    assert row.status is InterventionStatus.SENT and row.sent_at == NOW
    assert row.response_type == "NO_ANSWER"
    assert row.response_data["callSid"] == dialler.sid
    assert (row.lease_owner, row.lease_expires_at) == (None, None)


def test_an_answered_call_finished_before_the_dial_returns_stays_delivered(engine, session) -> None:
    world = make_call_due(session)
    events = [
        {"CallStatus": "ringing"},
        {"CallStatus": "in-progress"},
        {"CallStatus": "completed", "CallDuration": "20"},
    ]
    dialler = RacingDialler(engine, events)

    assert tick(engine, racing(dialler)) == {"placed": 1}

    [call] = calls_for(engine, world.voice_row.id)
    assert (call.status, call.outcome) == (VoiceCallStatus.COMPLETED, VoiceCallOutcome.DISCONNECTED)
    assert (call.voice_call_id, call.duration) == (dialler.sid, 20)
    row = row_now(engine, world.voice_row.id)
    assert row.status is InterventionStatus.DELIVERED  # not back to SENT
    assert row.delivered_at == NOW + timedelta(seconds=2)
    assert row.response_data["callStatus"] == "COMPLETED"
    assert row.response_data["duration"] == 20


def test_an_answered_call_finished_before_the_dial_returns_counts_as_sent(engine, session) -> None:
    world = make_call_due(session)
    events = [
        {"CallStatus": "ringing"},
        {"CallStatus": "in-progress"},
        {"CallStatus": "completed", "CallDuration": "20"},
    ]
    assert tick(engine, racing(RacingDialler(engine, events))) == {"placed": 1}

    row = row_now(engine, world.voice_row.id)
    assert row.status is InterventionStatus.DELIVERED
    assert (row.lease_owner, row.lease_expires_at) == (None, None)
    assert row.sent_at == NOW
    convert(engine, world.cart.id, NOW + timedelta(hours=1))
    assert row_now(engine, world.voice_row.id).status is InterventionStatus.CONVERTED


def test_a_completed_call_whose_dial_timed_out_stays_completed(engine, session) -> None:
    world = make_call_due(session)
    timeout = ChannelError("Twilio did not answer in time", transient=True, code="timeout")
    dialler = RacingDialler(
        engine, [{"CallStatus": "completed", "CallDuration": "31"}], fails_with=timeout
    )

    # Twilio's webhooks said the call went out: the dial counts as placed, not unknown.
    assert tick(engine, racing(dialler)) == {"placed": 1}
    row = row_now(engine, world.voice_row.id)
    assert row.status is InterventionStatus.SENT and row.sent_at == NOW
    assert row.lease_owner is None

    [call] = calls_for(engine, world.voice_row.id)
    assert call.status is VoiceCallStatus.COMPLETED
    assert (call.voice_call_id, call.duration) == (dialler.sid, 31)
    assert call.error_code is None and call.error_message is None
    assert call.completed_at == NOW + timedelta(seconds=1)
    # Never redialled, whatever the row says.
    assert tick(engine, racing(dialler), NOW + timedelta(days=1)) == {}
    assert len(dialler.placed) == 1


# --- 8. which calls an order is attributed to -------------------------------------------------


def test_an_order_after_a_voicemail_is_not_the_calls(engine, session, twilio_server) -> None:
    world = make_call_due(session)
    line = placed_by_queue(engine, twilio_service(twilio_server), world)
    message = line.answer("machine_end_beep", NOW + timedelta(seconds=20))
    assert message.startswith("Hi Ada, this is Jordan")
    line.status("completed", NOW + timedelta(seconds=45), CallDuration="25")
    assert line.call().outcome is VoiceCallOutcome.VOICEMAIL
    assert row_now(engine, world.voice_row.id).delivered_at is None  # nobody listened

    attempt = convert(engine, world.cart.id, NOW + timedelta(hours=2))

    assert line.call().outcome is VoiceCallOutcome.VOICEMAIL
    assert "outcomeHistory" not in line.call().details
    row = row_now(engine, world.voice_row.id)
    assert row.status is InterventionStatus.SENT and row.converted_at is None
    assert attempt is not None and attempt.outcome is CartSaveOutcome.SAVED_WITHOUT_DISCOUNT


def test_an_order_with_the_code_of_an_answered_call_recovers_it_and_keeps_the_history(
    engine, session, twilio_server
) -> None:
    world = make_call_due(session)
    line = placed_by_queue(engine, twilio_service(twilio_server), world)
    line.answer()
    for words in (*TO_THE_OFFER, "yes please", "no thanks"):
        line.say(words)
    line.status("completed", NOW + timedelta(minutes=2), CallDuration="63")
    call = line.call()
    assert call.outcome is VoiceCallOutcome.DISCOUNT_ACCEPTED
    code = call.details["codeApplied"]

    ordered = NOW + timedelta(hours=1)
    attempt = convert(engine, world.cart.id, ordered)

    with Session(engine) as s:
        assert s.get(Cart, world.cart.id).discount_code == code
    call = line.call()
    assert call.outcome is VoiceCallOutcome.RECOVERED
    last = call.details["outcomeHistory"][-1]
    assert last == {
        "outcome": "RECOVERED",
        "at": ordered.isoformat(),
        "previous": "DISCOUNT_ACCEPTED",
        "by": "order",
    }
    assert call.details["codeApplied"] == code  # what the call recorded is kept
    row = row_now(engine, world.voice_row.id)
    assert row.status is InterventionStatus.CONVERTED and row.converted_at == ordered
    assert attempt is not None and attempt.outcome is CartSaveOutcome.SAVED_WITH_DISCOUNT


# --- 9. a stored config that no longer validates -------------------------------------------


@pytest.mark.parametrize(
    ("stored", "enabled"),
    [
        ({"enabled": False, "callHours": {"start": 3}}, False),
        ({"callHours": {"start": 3}}, False),
        ({"enabled": True, "minCartValue": "abc"}, True),
        ({"enabled": "yes", "minCartValue": "abc"}, False),
    ],
)
def test_a_stored_config_that_no_longer_validates_fails_closed(
    session, stored: dict, enabled: bool
) -> None:
    company = make_company(session)
    session.add(CartSaveFlowConfig(company_id=company.id, voice=stored))
    session.commit()
    session.expire_all()

    config = load_voice_config(session, company.id)

    assert config.enabled is enabled
    defaults = VoiceRecoveryConfig()
    assert config.model_dump(exclude={"enabled"}) == defaults.model_dump(exclude={"enabled"})
    assert (config.call_hours.start, config.min_cart_value) == (9, Decimal("100"))


def test_a_valid_stored_config_loads_as_saved(session) -> None:
    company = make_company(session)
    save_voice_config(session, company.id, VoiceRecoveryConfig(enabled=False, agent_name="Sam"))
    session.commit()
    config = load_voice_config(session, company.id)
    assert (config.enabled, config.agent_name) == (False, "Sam")


# --- 10. one row that cannot be dialled does not stop the tick ---------------------------------


def test_a_row_that_fails_to_dial_does_not_stop_the_others(
    engine, session, twilio_server: FakeTwilio, monkeypatch
) -> None:
    dearer, cheaper = due_carts(session, [3, 2])  # the failing one is tried first
    real = queue.dial
    tried: list[str] = []

    def dial(engine, service, row_id, **kwargs):
        tried.append(row_id)
        if row_id == dearer.voice_row.id:
            raise RuntimeError("a bug in this row")
        return real(engine, service, row_id, **kwargs)

    monkeypatch.setattr(queue, "dial", dial)

    counts = tick(engine, twilio_service(twilio_server))

    assert counts == {"error": 1, "placed": 1}
    assert tried == [dearer.voice_row.id, cheaper.voice_row.id]
    [request] = twilio_server.calls
    assert request.form["To"] == cheaper.customer.phone
    assert [c.intervention_id for c in all_calls(engine)] == [cheaper.voice_row.id]
    assert row_now(engine, dearer.voice_row.id).status is InterventionStatus.SCHEDULED


# --- 11. an admin's call Twilio refused is not put on the queue -------------------------------


def test_an_admins_call_refused_with_429_is_not_retried_by_the_queue(
    engine, session, twilio_server: FakeTwilio
) -> None:
    world = make_call_due(session)
    with Session(engine) as s:  # the queue's own call for the cart is out of the way
        s.execute(
            sa.update(CartIntervention)
            .where(col(CartIntervention.id) == world.voice_row.id)
            .values(status=InterventionStatus.CANCELLED)
        )
        s.commit()
    service = twilio_service(twilio_server)
    twilio_server.mode = TwilioMode.RATE_LIMITED

    call = call_now(engine, service, world)

    assert call.status is VoiceCallStatus.FAILED
    assert call.error_code == "20429"
    row = row_now(engine, call.intervention_id)
    assert row.status is InterventionStatus.FAILED
    assert row.delivery_attempts == 1
    assert (row.lease_owner, row.lease_expires_at) == (None, None)
    twilio_server.mode = TwilioMode.ACCEPT
    for later in (dialling.RETRY_AFTER, dialling.RETRY_AFTER * 2, timedelta(hours=3)):
        assert tick(engine, service, NOW + later) == {}
    assert len(dial_requests(twilio_server)) == 1
    assert twilio_server.calls == []
    assert row_now(engine, call.intervention_id).status is InterventionStatus.FAILED


# --- 12. the settings form ---------------------------------------------------------------------


FOLLOW_UPS = "script.diagnosis.followUps"


def test_only_known_fields_and_existing_rule_parts_are_editable() -> None:
    values = form.form_values(VoiceRecoveryConfig(), SaveFlowConfig())

    assert form.editable(values, "agentName")
    assert form.editable(values, "callHours.start")
    assert form.editable(values, "script.closing.acceptedNoText")
    assert form.editable(values, f"{FOLLOW_UPS}.0.trigger")
    assert form.editable(values, "script.objectionHandling.patterns.2.requiresPriceMatch")
    assert not form.editable(values, f"{FOLLOW_UPS}.20000000.trigger")
    assert not form.editable(values, f"{FOLLOW_UPS}.4.trigger")  # one past the last
    assert not form.editable(values, "script.settings.0.trigger")
    assert not form.editable(values, "nonsense")
    assert not form.editable(values, "")


def test_new_rules_stop_at_the_maximum() -> None:
    values = form.form_values(VoiceRecoveryConfig(), SaveFlowConfig())
    assert form.rule_count(values, FOLLOW_UPS) == 4

    for _ in range(form.MAX_RULES + 5):
        values = form.new_rule_values(values, FOLLOW_UPS)

    assert form.rule_count(values, FOLLOW_UPS) == form.MAX_RULES == 12
    assert form.new_rule_values(values, FOLLOW_UPS) == values
    assert form.editable(values, f"{FOLLOW_UPS}.11.trigger")
    assert not form.editable(values, f"{FOLLOW_UPS}.12.trigger")
    assert form.rule_count(values, "script.objectionHandling.patterns") == 3
