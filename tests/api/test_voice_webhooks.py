"""Twilio's voice webhooks end to end: a real ASGI app, the real `TwilioVoice` and `TwilioSms`
clients against the local fake Twilio, and every webhook signed with twilio's own
`RequestValidator`, the way Twilio drives a call: answer, gather turns, status events.

The call is placed by the queue (`run_queue`) or an admin's `voice/initiate`; the webhooks are
then posted to the URLs the call's TwiML names (the Gather action carries the next turn).
"""

from __future__ import annotations

import contextlib
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import anyio
import httpx
import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from twilio.request_validator import RequestValidator

from cart_admin.api import voice as voice_api
from cart_admin.api.app import create_api
from cart_admin.api.deps import get_now
from cart_admin.domain.voice import conversation, effects, queue
from cart_admin.domain.voice.matcher import PatternMatcher
from cart_admin.domain.voice.service import VoiceService
from cart_admin.models import (
    Cart,
    CartIntervention,
    CartSaveStage,
    CartVoiceCall,
    Channel,
    Customer,
    DiscountCode,
    InterventionStatus,
    VoiceCallOutcome,
    VoiceCallStatus,
)
from cart_admin.settings import get_settings
from tests.factories import make_api_key, make_user
from tests.fakes.twilio_server import FakeTwilio
from tests.voice_world import NOW, CallWorld, make_call_due

API_URL = "https://voice.example"  # where Twilio reaches us (API_URL wins over APP_URL)
APP_URL = "https://admin.example"
OUR_NUMBER = "+15555550199"
HOOKS = "/api/webhooks/twilio/voice"
VOICE = "/api/momentum/cart-save/voice"
HANG_UP = '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup /></Response>'


@dataclass
class Phone:
    """The shop, the app under test, the fake Twilio, and the call being driven."""

    world: CallWorld
    api: TestClient
    admin: dict[str, str]  # the owner's API key header
    twilio: FakeTwilio
    engine: Engine
    clock: list[datetime]
    call_id: str = ""
    sid: str = ""

    @property
    def now(self) -> datetime:
        return self.clock[0]

    def tick(self, seconds: float) -> datetime:
        self.clock[0] += timedelta(seconds=seconds)
        return self.clock[0]

    # placing the call ------------------------------------------------------------------
    def place_by_queue(self) -> CartVoiceCall:
        service = VoiceService.from_settings(get_settings())
        counts = queue.run_queue(self.engine, service, now_fn=lambda: self.now, worker="test")
        assert counts == {"placed": 1}
        with Session(self.engine) as s:
            call = s.exec(select(CartVoiceCall)).one()
        self.call_id, self.sid = call.id, call.voice_call_id or ""
        return call

    def place_by_admin(self) -> dict:
        response = self.api.post(
            f"{VOICE}/initiate", json={"attemptId": self.world.attempt.id}, headers=self.admin
        )
        assert response.status_code == 201, response.text
        body = response.json()
        self.call_id, self.sid = body["id"], body["voice_call_id"]
        return body

    # Twilio's requests ------------------------------------------------------------------
    def base_params(self, **extra: str) -> dict[str, str]:
        return {
            "AccountSid": self.twilio.account_sid,
            "ApiVersion": "2010-04-01",
            "CallSid": self.sid,
            "Direction": "outbound-api",
            "From": OUR_NUMBER,
            "To": self.world.customer.phone or "",
            **extra,
        }

    def post(
        self,
        action: str,
        params: dict[str, str],
        *,
        turn: int | None = None,
        call_id: str | None = None,
        token: str | None = None,
        signed_url: str | None = None,
        signed_params: dict[str, str] | None = None,
        sign: bool = True,
    ) -> Response:
        """POST a webhook as Twilio does, signed over API_URL + path (+ ?turn=N)."""
        path = f"{HOOKS}/{call_id or self.call_id}/{action}"
        if turn is not None:
            path += f"?turn={turn}"
        headers = {}
        if sign:
            validator = RequestValidator(self.twilio.auth_token if token is None else token)
            url = signed_url or API_URL + path
            signature = validator.compute_signature(url, signed_params or params)
            headers["X-Twilio-Signature"] = signature
        return self.api.post(path, data=params, headers=headers)

    def answer(self, answered_by: str = "human", **kw) -> Response:
        params = self.base_params(CallStatus="in-progress", AnsweredBy=answered_by)
        return self.post("answer", params, **kw)

    def say(self, turn: int, words: str, **kw) -> Response:
        params = self.base_params(CallStatus="in-progress", SpeechResult=words, Confidence="0.91")
        return self.post("gather", params, turn=turn, **kw)

    def status(self, status: str, **extra: str) -> Response:
        params = self.base_params(CallStatus=status, CallbackSource="call-progress-events", **extra)
        return self.post("status", params)

    # reading -----------------------------------------------------------------------------
    def call(self) -> CartVoiceCall:
        with Session(self.engine) as s:
            call = s.get(CartVoiceCall, self.call_id)
            assert call is not None
            return call

    def row(self, row_id: str) -> CartIntervention:
        with Session(self.engine) as s:
            row = s.get(CartIntervention, row_id)
            assert row is not None
            return row

    def analytics(self) -> dict:
        response = self.api.get(f"{VOICE}/analytics", headers=self.admin)
        assert response.status_code == 200, response.text
        return response.json()


def twiml(response: Response) -> ET.Element:
    """The response as Twilio reads it: 200, application/xml, well-formed TwiML."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/xml"
    root = ET.fromstring(response.text)
    assert root.tag == "Response"
    return root


def said(root: ET.Element) -> str:
    return " ".join("".join(say.itertext()) for say in root.iter("Say"))


def next_turn(root: ET.Element, phone: Phone) -> int:
    """The Gather's action is our gather webhook, for this call, with the next turn."""
    gather = root.find("Gather")
    assert gather is not None, ET.tostring(root)
    assert gather.get("input") == "speech" and gather.get("method") == "POST"
    action = urlsplit(gather.get("action", ""))
    assert f"{action.scheme}://{action.netloc}" == API_URL
    assert action.path == f"{HOOKS}/{phone.call_id}/gather"
    (turn,) = parse_qs(action.query)["turn"]
    return int(turn)


def hangs_up(root: ET.Element) -> bool:
    return root.find("Gather") is None and [child.tag for child in root][-1] == "Hangup"


@pytest.fixture
def phone(session: Session, engine, twilio_server: FakeTwilio, monkeypatch) -> Phone:
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", twilio_server.account_sid)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", twilio_server.auth_token)
    monkeypatch.setenv("TWILIO_PHONE_NUMBER", OUR_NUMBER)
    monkeypatch.setenv("TWILIO_API_BASE_URL", twilio_server.base_url)
    monkeypatch.setenv("API_URL", API_URL)
    monkeypatch.setenv("APP_URL", APP_URL)
    get_settings.cache_clear()
    world = make_call_due(session)
    owner = make_user(session, world.company)
    key = make_api_key(session, world.company, created_by=owner)
    clock = [NOW]
    app = create_api()
    app.dependency_overrides[get_now] = lambda: clock[0]
    api = TestClient(app, follow_redirects=False)
    yield Phone(world, api, {"Authorization": f"Bearer {key}"}, twilio_server, engine, clock)
    get_settings.cache_clear()


def _placed_as_twilio_saw_it(phone: Phone) -> None:
    [request] = phone.twilio.calls
    assert request.form["To"] == "+15555550100" and request.form["From"] == OUR_NUMBER
    assert request.form["Url"] == f"{API_URL}{HOOKS}/{phone.call_id}/answer"
    assert request.form["StatusCallback"] == f"{API_URL}{HOOKS}/{phone.call_id}/status"
    assert request.form["MachineDetection"] == "DetectMessageEnd"
    assert phone.sid.startswith("CA")


# --- the whole call -----------------------------------------------------------------------


def test_a_call_that_saves_the_cart(phone: Phone, engine):
    key, token = phone.world.page.public_key, phone.world.cart.public_token
    before = phone.api.get(f"/api/public/{key}/carts/{token}").json()
    assert before["discount_code"] is None and before["discount_total"] == "0.00"
    call = phone.place_by_queue()
    _placed_as_twilio_saw_it(phone)
    assert call.status is VoiceCallStatus.INITIATED and call.intervention_id == (
        phone.world.voice_row.id
    )
    assert phone.status("ringing").status_code == 204
    assert phone.call().status is VoiceCallStatus.RINGING

    phone.tick(8)
    greeting = twiml(phone.answer())
    assert said(greeting) == "Hi, is this Ada?"
    assert next_turn(greeting, phone) == 0
    assert phone.call().status is VoiceCallStatus.IN_PROGRESS
    assert phone.status("in-progress").status_code == 204

    replies = {}
    turn = 0
    for words in ("yes this is Ada", "sure", "honestly it was too expensive", "yes please"):
        assert phone.twilio.messages == []  # nothing is texted before the offer is accepted
        phone.tick(5)
        root = twiml(phone.say(turn, words))
        replies[words] = said(root)
        turn = next_turn(root, phone)
    assert turn == 4
    assert replies["yes this is Ada"].startswith("This is Jordan from Acme Coffee.")
    assert replies["yes this is Ada"].endswith("Do you have a quick moment?")
    assert "Barista Grinder" in replies["sure"]
    assert "30% off your order" in replies["honestly it was too expensive"]
    assert replies["yes please"].startswith("Wonderful! I've applied the discount")

    # The accepted offer: the call's own single-use code, applied to the cart.
    call = phone.call()
    code = call.details["codeApplied"]
    assert code.startswith("SAVE-") and call.outcome is VoiceCallOutcome.DISCOUNT_ACCEPTED
    with Session(engine) as s:
        issued = s.exec(select(DiscountCode).where(col(DiscountCode.code) == code)).one()
        assert issued.intervention_id == call.intervention_id
        assert issued.cart_id == phone.world.cart.id and issued.max_uses == 1
        assert s.get(Cart, phone.world.cart.id).discount_code == code
    cart = phone.api.get(f"/api/public/{key}/carts/{token}").json()
    assert cart["discount_code"] == code
    assert (cart["subtotal"], cart["discount_total"]) == ("150.00", "45.00")  # 30% off
    assert Decimal(cart["grand_total"]) < Decimal(before["grand_total"])
    assert Decimal(cart["grand_total"]) == Decimal(before["grand_total"]) - Decimal("45.00") - (
        Decimal(before["tax_total"]) - Decimal(cart["tax_total"])
    )

    # The link was texted through Twilio once the answer was sent.
    [sms] = phone.twilio.messages
    row = phone.row(call.intervention_id)
    link = f"{API_URL}/r/{row.tracking_token}"
    assert sms.form["To"] == "+15555550100" and sms.form["From"] == OUR_NUMBER
    assert link in sms.form["Body"] and "30% off applied" in sms.form["Body"]
    assert phone.call().details["linkSid"].startswith("SM")

    # "No thanks": goodbye, and the call ends.
    goodbye = twiml(phone.say(4, "no thanks"))
    assert hangs_up(goodbye) and "Enjoy your order" in said(goodbye)
    phone.tick(20)
    assert phone.status("completed", CallDuration="47").status_code == 204
    call = phone.call()
    assert call.status is VoiceCallStatus.COMPLETED and call.duration == 47
    assert call.outcome is VoiceCallOutcome.DISCOUNT_ACCEPTED
    assert [(t["role"], t["turn"]) for t in call.transcript] == [
        ("agent", 0),
        ("customer", 1), ("agent", 1),
        ("customer", 2), ("agent", 2),
        ("customer", 3), ("agent", 3),
        ("customer", 4), ("agent", 4),
        ("customer", 5), ("agent", 5),
    ]  # fmt: skip
    assert phone.row(call.intervention_id).status is InterventionStatus.DELIVERED

    # The texted link opens the store's drawer on the cart, with the call's code.
    opened = phone.api.get(f"/r/{row.tracking_token}")
    assert opened.status_code == 303
    target = urlsplit(opened.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{APP_URL}/demo/store/spring"
    assert parse_qs(target.query) == {"ca_cart": [token], "ca_open": ["1"], "ca_code": [code]}
    assert len(phone.twilio.messages) == 1


def test_an_admins_call_is_placed_through_twilio_and_driven_the_same_way(phone: Phone):
    body = phone.place_by_admin()
    _placed_as_twilio_saw_it(phone)
    assert body["status"] == "INITIATED" and body["details"]["placedBy"] == "admin"
    root = twiml(phone.answer())
    assert next_turn(root, phone) == 0
    root = twiml(phone.say(0, "yes this is Ada"))
    assert next_turn(root, phone) == 1


# --- signatures -----------------------------------------------------------------------------


def _untouched(phone: Phone) -> None:
    call = phone.call()
    assert call.status is VoiceCallStatus.INITIATED
    assert call.answered_at is None and call.transcript is None
    assert "lastTwiml" not in (call.script_state or {})


@pytest.mark.parametrize("action", ["answer", "gather", "status"])
def test_webhooks_refuse_requests_twilio_did_not_sign(phone: Phone, action, monkeypatch):
    phone.place_by_queue()
    turn = 0 if action == "gather" else None
    params = phone.base_params(CallStatus="in-progress", AnsweredBy="human",
                               SpeechResult="yes")  # fmt: skip
    path = f"{HOOKS}/{phone.call_id}/{action}" + ("?turn=0" if turn is not None else "")
    refusals = {
        "unsigned": phone.post(action, params, turn=turn, sign=False),
        "wrong token": phone.post(action, params, turn=turn, token="not-the-token"),
        "garbage": phone.api.post(path, data=params, headers={"X-Twilio-Signature": "x=="}),
        "another call's URL": phone.post(
            action, params, turn=turn, signed_url=f"{API_URL}{HOOKS}/{'f' * 24}/{action}"
        ),
        "another turn": phone.post(
            action, params, turn=turn, signed_url=f"{API_URL}{path.split('?')[0]}?turn=7"
        ),
        "the request's own host": phone.post(
            action, params, turn=turn, signed_url=f"http://testserver{path}"
        ),
        "other params": phone.post(
            action, params, turn=turn, signed_params={**params, "CallStatus": "completed"}
        ),
    }
    for case, response in refusals.items():
        assert (response.status_code, response.text) == (403, "Invalid Twilio signature."), case
        assert response.headers["content-type"].startswith("text/plain"), case
    _untouched(phone)

    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "")  # nothing can be verified: all refused
    get_settings.cache_clear()
    assert phone.post(action, params, turn=turn).status_code == 403
    assert phone.post(action, params, turn=turn, token="").status_code == 403
    _untouched(phone)
    assert phone.twilio.messages == []


def test_a_signed_request_with_extra_params_must_sign_them_too(phone: Phone):
    """Twilio signs every POST parameter: one added on the way breaks the signature."""
    phone.place_by_queue()
    params = phone.base_params(CallStatus="in-progress", AnsweredBy="human")
    validator = RequestValidator(phone.twilio.auth_token)
    url = f"{API_URL}{HOOKS}/{phone.call_id}/answer"
    signature = validator.compute_signature(url, params)
    tampered = {**params, "AnsweredBy": "machine_end_beep"}
    response = phone.api.post(f"{HOOKS}/{phone.call_id}/answer", data=tampered,
                              headers={"X-Twilio-Signature": signature})  # fmt: skip
    assert response.status_code == 403
    ok = phone.api.post(f"{HOOKS}/{phone.call_id}/answer", data=params,
                        headers={"X-Twilio-Signature": signature})  # fmt: skip
    assert next_turn(twiml(ok), phone) == 0


# --- idempotency ----------------------------------------------------------------------------


def test_a_replayed_answer_returns_the_same_twiml_once(phone: Phone):
    phone.place_by_queue()
    first = phone.answer()
    phone.tick(3)
    again = phone.answer()
    assert next_turn(twiml(first), phone) == 0
    assert again.text == first.text and again.headers["content-type"] == "application/xml"
    call = phone.call()
    assert len(call.transcript) == 1 and call.transcript[0]["role"] == "agent"
    assert call.answered_at == NOW  # the first answer's time


def test_a_replayed_turn_is_handled_once(phone: Phone, engine):
    phone.place_by_queue()
    phone.answer()
    phone.say(0, "yes this is Ada")
    phone.say(1, "sure")
    offer = phone.say(2, "honestly it was too expensive")
    assert phone.say(2, "honestly it was too expensive").text == offer.text  # retried
    accepted = phone.say(3, "yes please")
    assert len(phone.twilio.messages) == 1
    for _ in range(2):  # Twilio retried the turn that applied the offer
        replay = phone.say(3, "yes please")
        assert replay.text == accepted.text
    assert next_turn(twiml(accepted), phone) == 4
    stale = phone.say(1, "sure")  # an old turn: the last TwiML, nothing done
    assert stale.text == accepted.text

    call = phone.call()
    words = [t["text"] for t in call.transcript if t["role"] == "customer"]
    assert words == ["yes this is Ada", "sure", "honestly it was too expensive", "yes please"]
    assert len([t for t in call.transcript if t["role"] == "agent"]) == 5
    with Session(engine) as s:
        codes = s.exec(select(DiscountCode).where(
            col(DiscountCode.cart_id) == phone.world.cart.id)).all()  # fmt: skip
        assert [c.code for c in codes] == [call.details["codeApplied"]]
    assert len(phone.twilio.messages) == 1  # the link was texted once
    assert call.script_state["lastTurn"] == 4


def test_a_turn_from_the_future_is_answered_with_the_last_twiml(phone: Phone):
    phone.place_by_queue()
    greeting = phone.answer()
    assert phone.say(5, "yes").text == greeting.text
    assert [t["role"] for t in phone.call().transcript] == ["agent"]


# --- status events --------------------------------------------------------------------------


def test_status_events_move_the_call_forward_only_and_complete_it_once(phone: Phone):
    phone.place_by_queue()
    phone.status("initiated")
    assert phone.call().status is VoiceCallStatus.INITIATED
    phone.status("ringing")
    assert phone.call().status is VoiceCallStatus.RINGING
    phone.tick(6)
    phone.status("in-progress")
    call = phone.call()
    assert call.status is VoiceCallStatus.IN_PROGRESS and call.answered_at == phone.now
    phone.tick(1)
    assert phone.status("ringing").status_code == 204  # late: changes nothing
    assert phone.call().status is VoiceCallStatus.IN_PROGRESS
    assert phone.call().updated_at == phone.now - timedelta(seconds=1)

    first_end = phone.tick(30)
    assert phone.status("completed", CallDuration="31").status_code == 204
    phone.tick(60)
    assert phone.status("completed", CallDuration="31").status_code == 204  # replayed
    assert phone.status("completed", CallDuration="95").status_code == 204  # another duration
    assert phone.status("ringing").status_code == 204
    call = phone.call()
    assert call.status is VoiceCallStatus.COMPLETED
    assert (call.completed_at, call.duration) == (first_end, 31)
    assert call.outcome is VoiceCallOutcome.DISCONNECTED  # hung up before a word was said
    row = phone.row(call.intervention_id)
    assert row.updated_at == first_end
    assert row.response_data["duration"] == 31 and row.response_type == "DISCONNECTED"
    stats = phone.analytics()
    assert (stats["calls_initiated"], stats["calls_answered"], stats["calls_completed"]) == (
        1, 1, 1,
    )  # fmt: skip
    assert stats["avg_call_duration"] == 31.0


@pytest.mark.parametrize("final", ["busy", "no-answer"])
def test_busy_or_no_answer_is_outcome_no_answer(phone: Phone, final):
    phone.place_by_queue()
    phone.status("ringing")
    phone.tick(30)
    phone.status(final, CallDuration="0")
    call = phone.call()
    assert call.status is VoiceCallStatus(final.upper().replace("-", "_"))
    assert call.outcome is VoiceCallOutcome.NO_ANSWER and call.answered_at is None
    row = phone.row(call.intervention_id)
    assert row.response_type == "NO_ANSWER" and row.delivered_at is None
    stats = phone.analytics()
    assert stats["calls_initiated"] == 1 and stats["calls_answered"] == 0
    assert stats["by_outcome"] == {"NO_ANSWER": 1}


def test_a_shopper_who_hangs_up_mid_script_is_disconnected(phone: Phone):
    phone.place_by_queue()
    phone.answer()
    phone.say(0, "yes this is Ada")
    phone.tick(12)
    phone.status("completed", CallDuration="12")
    call = phone.call()
    assert call.status is VoiceCallStatus.COMPLETED
    assert call.outcome is VoiceCallOutcome.DISCONNECTED and call.duration == 12


def test_an_answering_machine_gets_the_voicemail(phone: Phone):
    phone.place_by_queue()
    root = twiml(phone.answer("machine_end_beep"))
    assert [child.tag for child in root] == ["Say", "Hangup"]
    assert said(root).startswith("Hi Ada, this is Jordan from Acme Coffee.")
    assert "Barista Grinder" in said(root)
    assert phone.call().outcome is VoiceCallOutcome.VOICEMAIL
    phone.status("completed", CallDuration="25", AnsweredBy="machine_end_beep")
    call = phone.call()
    assert call.outcome is VoiceCallOutcome.VOICEMAIL and call.answered_by == "machine_end_beep"
    stats = phone.analytics()
    assert stats["calls_answered"] == 0 and stats["calls_completed"] == 1
    assert stats["by_outcome"] == {"VOICEMAIL": 1}


# --- do not call ------------------------------------------------------------------------------


def test_stop_calling_withdraws_consent_and_the_decline_cancels_the_texts(phone: Phone, engine):
    world = phone.world
    with Session(engine) as s:  # the next stage's e-mail, already scheduled
        s.add(CartIntervention(
            company_id=world.company.id, cart_id=world.cart.id,
            cart_save_attempt_id=world.attempt.id, stage=CartSaveStage.LOSS_VISUALIZATION,
            step=0, channel=Channel.EMAIL, channels=["EMAIL"],
            scheduled_at=NOW + timedelta(hours=24), tracking_token="t" * 16,
        ))  # fmt: skip
        s.commit()
    phone.place_by_queue()
    with Session(engine) as s:
        pending = s.exec(select(CartIntervention).where(
            col(CartIntervention.cart_save_attempt_id) == world.attempt.id,
            col(CartIntervention.status) == InterventionStatus.SCHEDULED,
        )).all()  # fmt: skip
    by_channel = {row.channel: row.id for row in pending}
    assert set(by_channel) == {Channel.SMS, Channel.EMAIL}  # the Nuclear stage's text

    phone.answer()
    root = twiml(phone.say(0, "please stop calling me"))
    assert hangs_up(root) and "taken your number off our call list" in said(root)
    with Session(engine) as s:
        customer = s.get(Customer, phone.world.customer.id)
        assert customer.voice_consent is False and customer.sms_consent is True
    call = phone.call()
    assert call.outcome is VoiceCallOutcome.DECLINED
    assert "voiceConsentWithdrawnAt" in call.details
    assert phone.row(by_channel[Channel.SMS]).status is InterventionStatus.SCHEDULED  # not yet

    phone.status("completed", CallDuration="9")
    assert phone.row(by_channel[Channel.SMS]).status is InterventionStatus.CANCELLED
    assert phone.row(by_channel[Channel.SMS]).error_message == "Declined on the phone."
    assert phone.row(by_channel[Channel.EMAIL]).status is InterventionStatus.SCHEDULED
    assert phone.twilio.messages == []
    assert phone.call().sentiment is not None and phone.call().sentiment.value == "NEGATIVE"

    # Another call to this shopper is refused: no consent any more.
    refused = phone.api.post(f"{VOICE}/initiate", json={"attemptId": phone.world.attempt.id},
                             headers=phone.admin)  # fmt: skip
    assert refused.status_code == 422
    assert refused.json()["detail"]["criterion"] == "voiceConsent"


# --- requests that are not this call's --------------------------------------------------------


def test_a_webhook_for_another_call_sid_hangs_up_and_changes_nothing(phone: Phone):
    phone.place_by_queue()
    ours = phone.sid
    phone.sid = "CA" + "9" * 32
    for response in (phone.answer(), phone.say(0, "yes")):
        assert hangs_up(twiml(response)) and response.text == HANG_UP
    assert phone.status("completed", CallDuration="40").status_code == 204
    phone.sid = ours
    _untouched(phone)
    assert phone.call().voice_call_id == ours and phone.call().completed_at is None


def test_an_unknown_call_hangs_up(phone: Phone):
    phone.place_by_queue()
    unknown = "a" * 24
    params = phone.base_params(CallStatus="in-progress", AnsweredBy="human", SpeechResult="yes")
    for response in (
        phone.post("answer", params, call_id=unknown),
        phone.post("gather", params, call_id=unknown, turn=0),
    ):
        assert hangs_up(twiml(response)) and response.text == HANG_UP
    assert phone.post("status", {**params, "CallStatus": "completed"},
                      call_id=unknown).status_code == 204  # fmt: skip
    _untouched(phone)


# --- the order ----------------------------------------------------------------------------------


def test_an_order_with_the_calls_code_recovers_the_call(phone: Phone, engine):
    phone.place_by_queue()
    phone.answer()
    for turn, words in enumerate(
        ["yes this is Ada", "sure", "honestly it was too expensive", "yes please", "no thanks"]
    ):
        phone.say(turn, words)
    phone.status("completed", CallDuration="63")
    code = phone.call().details["codeApplied"]

    phone.tick(3600)
    converted = phone.api.post(f"/api/carts/{phone.world.cart.id}/convert", headers=phone.admin)
    assert converted.status_code == 200, converted.text
    call = phone.call()
    assert call.outcome is VoiceCallOutcome.RECOVERED
    with Session(engine) as s:
        cart = s.get(Cart, phone.world.cart.id)
        assert cart.discount_code == code and cart.discount_total == Decimal("45.00")
        total = cart.grand_total
        assert s.exec(select(DiscountCode).where(col(DiscountCode.code) == code)).one().uses == 1
        row = s.get(CartIntervention, call.intervention_id)
        assert row.status is InterventionStatus.CONVERTED and row.stage is (
            CartSaveStage.NUCLEAR_OFFER
        )
    stats = phone.analytics()
    assert stats["carts_recovered"] == 1
    assert Decimal(stats["revenue_recovered"]) == total
    assert stats["discounts_accepted"] == 1 and stats["by_outcome"] == {"RECOVERED": 1}


# --- attribution, retries racing, the event loop ---------------------------------------------


def _accept_on_the_phone(phone: Phone) -> str:
    phone.answer()
    for turn, words in enumerate(
        ["yes this is Ada", "sure", "honestly it was too expensive", "yes please", "no thanks"]
    ):
        phone.say(turn, words)
    phone.status("completed", CallDuration="63")
    return phone.call().details["codeApplied"]


def test_an_order_after_an_unanswered_call_is_not_the_calls(phone: Phone):
    phone.place_by_queue()
    phone.status("busy")
    phone.tick(3600)
    converted = phone.api.post(f"/api/carts/{phone.world.cart.id}/convert", headers=phone.admin)
    assert converted.status_code == 200
    stats = phone.analytics()
    assert (stats["carts_recovered"], stats["discounts_accepted"]) == (0, 0)
    assert phone.call().outcome is VoiceCallOutcome.NO_ANSWER


def test_an_order_with_the_calls_code_is_the_calls_after_an_email_click(phone: Phone, engine):
    with Session(engine) as s:
        email = s.exec(select(CartIntervention).where(
            col(CartIntervention.stage) == CartSaveStage.NUCLEAR_OFFER,
            col(CartIntervention.channel) == Channel.EMAIL,
        )).one()  # fmt: skip
    assert phone.api.get(f"/r/{email.tracking_token}").status_code == 303  # opened, no order
    phone.place_by_queue()
    code = _accept_on_the_phone(phone)
    phone.tick(3600)
    converted = phone.api.post(f"/api/carts/{phone.world.cart.id}/convert", headers=phone.admin)
    assert converted.json()["discount_code"] == code
    assert phone.call().outcome is VoiceCallOutcome.RECOVERED
    assert phone.analytics()["carts_recovered"] == 1


def _slow_matcher(monkeypatch, seconds: float, log: list[str] | None = None) -> None:
    """Every reply takes `seconds` to understand (Claude may take up to 3 s)."""

    class Slow(PatternMatcher):
        def match(self, *args):
            if log is not None:
                log.append(threading.current_thread().name)
            time.sleep(seconds)
            return super().match(*args)

    real = voice_api._service

    def service() -> VoiceService:
        built = real()
        built.matcher_for = lambda *args: Slow()
        return built

    monkeypatch.setattr(voice_api, "_service", service)


def test_a_retry_while_the_turn_is_being_handled_is_handled_once(phone, engine, monkeypatch,
                                                                  request):  # fmt: skip
    """Twilio retries a turn it got no answer for in time; the retry may arrive while the
    first request still waits for the matcher. The turn is checked again under the row lock,
    so one of the two handles it and the other answers with its TwiML."""
    phone.place_by_queue()
    phone.answer()
    for turn, words in enumerate(["yes this is Ada", "sure", "honestly it was too expensive"]):
        phone.say(turn, words)

    # Both requests meet once they hold the lock, and again before texting the link; one
    # that cannot get there (PostgreSQL's lock; a turn already handled) lets the other go on
    # after a second.
    locked, send_link = conversation.locked, effects.send_link

    def meet(barrier: threading.Barrier) -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()

    at_lock, at_text = threading.Barrier(2, timeout=1.0), threading.Barrier(2, timeout=1.0)

    def meeting(session, call_id):
        call = locked(session, call_id)
        meet(at_lock)
        return call

    def texting(*args, **kwargs):
        meet(at_text)
        return send_link(*args, **kwargs)

    monkeypatch.setattr(effects, "send_link", texting)
    monkeypatch.setattr(conversation, "locked", meeting)
    answers: list[Response] = []
    threads = [
        threading.Thread(target=lambda: answers.append(phone.say(3, "yes please")))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [200, 200] and answers[0].text == answers[1].text
    with Session(engine) as s:
        assert len(s.exec(select(DiscountCode)).all()) == 1
    assert len(phone.twilio.messages) == 1
    assert phone.call().script_state["lastTurn"] == 4


def test_other_requests_do_not_wait_for_a_calls_matcher(phone: Phone, monkeypatch):
    phone.place_by_queue()
    phone.answer()
    _slow_matcher(monkeypatch, 1.5)
    path = f"{HOOKS}/{phone.call_id}/gather?turn=0"
    params = phone.base_params(SpeechResult="yes this is Ada")
    signature = RequestValidator(phone.twilio.auth_token).compute_signature(API_URL + path, params)
    took: dict[str, float] = {}

    async def main() -> None:
        transport = httpx.ASGITransport(app=phone.api.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            start = time.monotonic()

            async def turn() -> None:
                response = await c.post(path, data=params,
                                        headers={"X-Twilio-Signature": signature})  # fmt: skip
                assert response.status_code == 200
                took["turn"] = time.monotonic() - start

            async def health() -> None:
                await anyio.sleep(0.3)  # the turn is being understood by now
                assert (await c.get("/api/health")).status_code == 200
                took["health"] = time.monotonic() - start - 0.3

            async with anyio.create_task_group() as group:
                group.start_soon(turn)
                group.start_soon(health)

    anyio.run(main)
    assert took["turn"] >= 1.5
    assert took["health"] < 0.5, took  # blocked: about 1.2 s, until the turn was answered
