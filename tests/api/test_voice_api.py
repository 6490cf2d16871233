"""The voice admin endpoints (`/api/momentum/cart-save/voice/...`): settings with per-field
errors, "call now" (through the real Twilio client and the fake Twilio), outcomes recorded by
a person, the analytics over hand-built calls, the call log, the simulator, roles, tenancy and
the feature flag."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from cart_admin.api.app import create_api
from cart_admin.api.deps import get_now
from cart_admin.domain.auth import SESSION_COOKIE
from cart_admin.domain.save_flow.config import save_config
from cart_admin.domain.voice.config import PLACEHOLDERS, Action, VoiceScript
from cart_admin.models import (
    CartIntervention,
    CartSaveFlowConfig,
    CartStatus,
    CartVoiceCall,
    Channel,
    DiscountCode,
    InterventionStatus,
    UserRole,
    VoiceCallOutcome,
    VoiceCallStatus,
    VoiceScriptType,
)
from cart_admin.settings import get_settings
from tests.factories import make_api_key, make_customer, make_login_session, make_user
from tests.fakes.twilio_server import FakeTwilio
from tests.voice_world import NOW, flow_with_voice, make_call_due

VOICE = "/api/momentum/cart-save/voice"
OUR_NUMBER = "+15555550199"
EVERY_ENDPOINT = [
    ("GET", "/config", None),
    ("PUT", "/config", {}),
    ("POST", "/initiate", {"attemptId": "a" * 24}),
    ("POST", f"/outcome/{'a' * 24}", {"outcome": "DECLINED"}),
    ("GET", "/analytics", None),
    ("GET", "/calls", None),
    ("GET", f"/calls/{'a' * 24}", None),
    ("POST", "/simulate", {}),
]


def _client(clock: list[datetime], **kw) -> TestClient:
    app = create_api()
    app.dependency_overrides[get_now] = lambda: clock[0]
    return TestClient(app, **kw)


@pytest.fixture
def shop(session: Session, engine, twilio_server: FakeTwilio, monkeypatch) -> SimpleNamespace:
    """Acme's cart due a call (15:00 for the shopper), its owner's key and an analyst's login;
    calls go through the real Twilio client to the fake Twilio."""
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", twilio_server.account_sid)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", twilio_server.auth_token)
    monkeypatch.setenv("TWILIO_PHONE_NUMBER", OUR_NUMBER)
    monkeypatch.setenv("TWILIO_API_BASE_URL", twilio_server.base_url)
    monkeypatch.setenv("API_URL", "https://voice.example")
    get_settings.cache_clear()
    world = make_call_due(session)
    owner = make_user(session, world.company, email="owner@acme.example")
    analyst = make_user(session, world.company, role=UserRole.ANALYST)
    key = make_api_key(session, world.company, created_by=owner)
    clock = [NOW]
    yield SimpleNamespace(
        world=world,
        engine=engine,
        session=session,
        twilio=twilio_server,
        clock=clock,
        owner=owner,
        api=_client(clock, headers={"Authorization": f"Bearer {key}"}),
        login=_client(clock, cookies={SESSION_COOKIE: make_login_session(session, owner)}),
        analyst=_client(clock, cookies={SESSION_COOKIE: make_login_session(session, analyst)}),
    )
    get_settings.cache_clear()


@pytest.fixture
def rival(session: Session) -> SimpleNamespace:
    """Another company with a cart due a call, and one finished call of its own."""
    world = make_call_due(session)
    call = _call(session, world, voice_call_id="CA" + "e" * 32, status=VoiceCallStatus.COMPLETED,
                 answered=True, duration=50, outcome=VoiceCallOutcome.DECLINED)  # fmt: skip
    session.commit()
    return SimpleNamespace(world=world, call=call)


def _call(
    session: Session,
    world,
    *,
    initiated_at: datetime = NOW,
    answered: bool = False,
    answered_by: str | None = None,
    duration: int | None = None,
    status: VoiceCallStatus = VoiceCallStatus.COMPLETED,
    **fields,
) -> CartVoiceCall:
    """A call row as the dialler and the webhooks leave it."""
    done = status not in (
        VoiceCallStatus.INITIATED, VoiceCallStatus.RINGING, VoiceCallStatus.IN_PROGRESS,
        VoiceCallStatus.UNKNOWN,
    )  # fmt: skip
    call = CartVoiceCall(
        company_id=world.company.id,
        cart_save_attempt_id=world.attempt.id,
        cart_id=world.cart.id,
        customer_id=world.customer.id,
        intervention_id=world.voice_row.id,
        to_phone=world.customer.phone,
        script_type=VoiceScriptType.CART_RECOVERY_PERSONAL,
        status=status,
        initiated_at=initiated_at,
        answered_at=initiated_at + timedelta(seconds=8) if answered else None,
        answered_by=answered_by,
        completed_at=initiated_at + timedelta(seconds=8 + (duration or 0)) if done else None,
        duration=duration,
        **fields,
    )
    session.add(call)
    session.flush()
    return call


# --- settings -----------------------------------------------------------------------------


def test_config_defaults_and_round_trip(shop):
    got = shop.api.get(f"{VOICE}/config")
    assert got.status_code == 200
    config = got.json()
    assert config["enabled"] is True and config["agentName"] == "Jordan"
    assert (config["minCartValue"], config["minCustomerLTV"]) == ("100", "200")
    assert config["callHours"] == {"start": 9, "end": 20}
    assert config["scriptPriority"] == [
        "CART_RECOVERY_PERSONAL", "CART_RECOVERY_DISCOUNT", "CART_RECOVERY_HELP",
    ]  # fmt: skip
    assert config["script"]["opening"]["greeting"] == "Hi, is this {{customerName}}?"
    assert config["script"]["settings"]["maxRetries"] == 2

    config["agentName"] = "Riley"
    config["callHours"] = {"start": 10, "end": 18}
    config["script"]["opening"]["greeting"] = "Hello, am I speaking with {{customerName}}?"
    saved = shop.api.put(f"{VOICE}/config", json=config)
    assert saved.status_code == 200, saved.text
    assert saved.json() == config
    assert shop.login.get(f"{VOICE}/config").json() == config
    partial = shop.api.put(f"{VOICE}/config", json={"agentName": "Sky"})  # the rest: defaults
    assert partial.status_code == 200 and partial.json()["callHours"] == {"start": 9, "end": 20}


def test_config_refusals_name_their_fields_and_store_nothing(shop, engine):
    config = shop.api.get(f"{VOICE}/config").json()
    config["script"]["closing"]["declined"] = "Bye {{firstName}}, and {{ customerName }}."
    unknown = shop.api.put(f"{VOICE}/config", json=config)
    assert unknown.status_code == 422
    [error] = unknown.json()["errors"]
    assert error["field"] == "script.closing.declined"
    assert error["message"].startswith("Unknown placeholder {{firstName}}. Use one of: ")
    assert all(f"{{{{{name}}}}}" in error["message"] for name in PLACEHOLDERS)
    assert "script.closing.declined" in unknown.json()["detail"]

    late = shop.api.put(f"{VOICE}/config", json={"callHours": {"start": 22, "end": 23}})
    assert late.status_code == 422
    fields = {e["field"]: e["message"] for e in late.json()["errors"]}
    assert set(fields) == {"callHours.start", "callHours.end"}
    assert "20" in fields["callHours.start"] and "21" in fields["callHours.end"]
    backwards = shop.api.put(f"{VOICE}/config", json={"callHours": {"start": 15, "end": 11}})
    assert backwards.json()["errors"] == [
        {"field": "callHours.end", "message": "Must be later than the start hour."}
    ]
    discount = {
        "script": {"opening": {"greeting": "Hi {{customerName}}, {{discountPercent}}% off"}}
    }
    misplaced = shop.api.put(f"{VOICE}/config", json=discount)
    assert [e["field"] for e in misplaced.json()["errors"]] == ["script.opening.greeting"]
    for body in ({"bogus": 1}, {"timezone": "Mars/Olympus"}, {"maxAbandonmentHours": 10}):
        assert shop.api.put(f"{VOICE}/config", json=body).status_code == 422, body
    with Session(engine) as fresh:  # nothing of the refused bodies was stored
        row = fresh.exec(select(CartSaveFlowConfig)).one()
        assert not row.voice


def test_analysts_read_but_cannot_change_or_call(shop, engine):
    assert shop.analyst.get(f"{VOICE}/config").status_code == 200
    for method, path, body in (
        ("PUT", "/config", {"agentName": "Eve"}),
        ("POST", "/initiate", {"attemptId": shop.world.attempt.id}),
    ):
        response = shop.analyst.request(method, f"{VOICE}{path}", json=body)
        assert response.status_code == 403, path
        assert response.json() == {"detail": "Your role can only read."}
    for path in ("/analytics", "/calls"):
        assert shop.analyst.get(f"{VOICE}{path}").status_code == 200
    assert shop.analyst.post(f"{VOICE}/simulate", json={}).status_code == 200
    assert shop.twilio.requests == []
    with Session(engine) as fresh:
        assert fresh.exec(select(CartVoiceCall)).all() == []


# --- call now -------------------------------------------------------------------------------


def test_initiate_calls_the_shopper_through_twilio(shop, engine):
    response = shop.login.post(f"{VOICE}/initiate", json={"attemptId": shop.world.attempt.id})
    assert response.status_code == 201, response.text
    call = response.json()
    [placed] = shop.twilio.calls
    assert call["voice_call_id"].startswith("CA")
    assert placed.form["To"] == "+15555550100" and placed.form["From"] == OUR_NUMBER
    assert (
        placed.form["Url"] == f"https://voice.example/api/webhooks/twilio/voice/{call['id']}/answer"
    )
    assert call["status"] == "INITIATED" and call["outcome"] is None
    assert call["cart_save_attempt_id"] == shop.world.attempt.id
    assert call["cart_id"] == shop.world.cart.id and call["to_phone"] == "+15555550100"
    assert call["customer_id"] == shop.world.customer.id
    assert call["script_type"] == "CART_RECOVERY_PERSONAL"
    assert call["offer"] == {"type": "PERCENTAGE_DISCOUNT", "percent": "30", "label": "30% off"}
    assert call["details"] == {"placedBy": shop.owner.id}
    with Session(engine) as fresh:
        row = fresh.get(CartIntervention, call["intervention_id"])
        assert row.channel is Channel.VOICE and row.status is InterventionStatus.SENT
        assert row.id != shop.world.voice_row.id  # the queue's row stays as it was
        assert fresh.get(CartIntervention, shop.world.voice_row.id).status is (
            InterventionStatus.SCHEDULED
        )

    again = shop.api.post(f"{VOICE}/initiate", json={"cartId": shop.world.cart.id})
    assert again.status_code == 409
    assert again.json() == {
        "detail": "A call to this shopper is under way or its outcome is unknown."
    }
    assert len(shop.twilio.calls) == 1


def test_initiate_by_cart_and_its_refusals(shop, session, engine, rival):
    world = shop.world
    quiet = make_customer(session, world.company, first_name="Bo", phone="+15555550111",
                          timezone="America/New_York", voice_consent=False, sms_consent=True,
                          lifetime_value="900.00", order_count=2)  # fmt: skip
    unwilling = make_call_due(session, shop=(world.company, world.page, world.product, quiet))
    refused = shop.api.post(f"{VOICE}/initiate", json={"attemptId": unwilling.attempt.id})
    assert refused.status_code == 422
    assert refused.json()["detail"] == {
        "message": "The shopper has not agreed to be called.",
        "criterion": "voiceConsent",
    }

    theirs = shop.api.post(f"{VOICE}/initiate", json={"attemptId": rival.world.attempt.id})
    assert theirs.status_code == 404
    assert theirs.json() == {"detail": f"CartSaveAttempt {rival.world.attempt.id!r} not found"}
    their_cart = shop.api.post(f"{VOICE}/initiate", json={"cartId": rival.world.cart.id})
    assert their_cart.status_code == 404

    shop.clock[0] = NOW.replace(hour=6)  # 01:00 in New York: a person is asleep
    night = shop.api.post(f"{VOICE}/initiate", json={"cartId": world.cart.id})
    assert night.status_code == 422 and night.json()["detail"]["criterion"] == "callHours"
    for body in ({}, {"attemptId": "not-hex"}, {"attemptId": world.attempt.id, "x": 1}):
        assert shop.api.post(f"{VOICE}/initiate", json=body).status_code == 422, body
    assert shop.twilio.requests == []

    shop.clock[0] = NOW
    ok = shop.api.post(f"{VOICE}/initiate", json={"cartId": world.cart.id})
    assert ok.status_code == 201 and ok.json()["cart_save_attempt_id"] == world.attempt.id
    with Session(engine) as fresh:
        assert fresh.get(CartVoiceCall, rival.call.id).company_id == rival.world.company.id
        assert len(fresh.exec(select(CartVoiceCall)).all()) == 2  # the rival's and ours


# --- outcomes a person learnt -----------------------------------------------------------------


def test_outcome_is_recorded_with_its_history(shop, session, engine):
    call = _call(session, shop.world, voice_call_id="CA" + "1" * 32, answered=True,
                 duration=40, outcome=VoiceCallOutcome.ESCALATED)  # fmt: skip
    session.commit()
    body = {"outcome": "CALLBACK_REQUESTED", "note": "Call her Friday"}
    first = shop.login.post(f"{VOICE}/outcome/{call.id}", json=body)
    assert first.status_code == 200, first.text
    assert first.json()["outcome"] == "CALLBACK_REQUESTED"
    shop.clock[0] = NOW + timedelta(days=2)
    second = shop.api.post(f"{VOICE}/outcome/{call.id}", json={"outcome": "DECLINED"})
    assert second.status_code == 200
    history = second.json()["details"]["outcomeHistory"]
    assert history == [
        {"outcome": "CALLBACK_REQUESTED", "previous": "ESCALATED", "at": NOW.isoformat(),
         "by": shop.owner.id, "note": "Call her Friday"},
        {"outcome": "DECLINED", "previous": "CALLBACK_REQUESTED",
         "at": (NOW + timedelta(days=2)).isoformat(), "by": None, "note": None},
    ]  # fmt: skip
    with Session(engine) as fresh:
        assert fresh.get(CartVoiceCall, call.id).outcome is VoiceCallOutcome.DECLINED
        row = fresh.get(CartIntervention, shop.world.voice_row.id)
        assert row.response_type == "DECLINED"
        sms = fresh.exec(select(CartIntervention).where(
            col(CartIntervention.cart_save_attempt_id) == shop.world.attempt.id,
            col(CartIntervention.channel) == Channel.SMS,
        )).one()  # fmt: skip
        assert sms.status is InterventionStatus.CANCELLED  # declined: no more texts


def test_outcome_refusals(shop, session, rival, engine):
    live = _call(session, shop.world, voice_call_id="CA" + "2" * 32, answered=True,
                 status=VoiceCallStatus.IN_PROGRESS)  # fmt: skip
    session.commit()
    busy = shop.api.post(f"{VOICE}/outcome/{live.id}", json={"outcome": "DECLINED"})
    assert busy.status_code == 409
    assert busy.json() == {
        "detail": "The call is still under way; record its outcome when it ends."
    }
    bad = shop.api.post(f"{VOICE}/outcome/{live.id}", json={"outcome": "MAYBE"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "outcome"
    theirs = shop.api.post(f"{VOICE}/outcome/{rival.call.id}", json={"outcome": "RECOVERED"})
    assert theirs.status_code == 404
    unknown = shop.api.post(f"{VOICE}/outcome/{'b' * 24}", json={"outcome": "RECOVERED"})
    assert unknown.status_code == 404
    assert (
        shop.api.post(f"{VOICE}/outcome/NOT-HEX", json={"outcome": "RECOVERED"}).status_code == 422
    )
    note = {"outcome": "DECLINED", "note": "x" * 501}
    assert shop.api.post(f"{VOICE}/outcome/{live.id}", json=note).status_code == 422
    with Session(engine) as fresh:
        assert fresh.get(CartVoiceCall, rival.call.id).outcome is VoiceCallOutcome.DECLINED
        assert fresh.get(CartVoiceCall, rival.call.id).details is None
        assert fresh.get(CartVoiceCall, live.id).outcome is None


# --- analytics --------------------------------------------------------------------------------


@pytest.fixture
def calls(shop, session, rival) -> dict[str, CartVoiceCall]:
    """One of each kind of call, a minute apart (newest last), plus an old one."""
    w, at = shop.world, NOW - timedelta(hours=3)
    made = {}

    def add(name, **fields):
        made[name] = _call(session, w, initiated_at=at + timedelta(minutes=len(made)), **fields)

    add("accepted", voice_call_id="CA" + "a" * 32, answered=True, answered_by="human",
        duration=60, outcome=VoiceCallOutcome.DISCOUNT_ACCEPTED,
        transcript=[{"role": "agent", "text": "Hi, is this Ada?", "turn": 0, "at": NOW.isoformat()},
                    {"role": "customer", "text": "yes", "turn": 1, "at": NOW.isoformat(),
                     "intent": "YES", "by": "pattern"}])  # fmt: skip
    add("recovered", voice_call_id="CA" + "b" * 32, answered=True, duration=30,
        outcome=VoiceCallOutcome.RECOVERED)  # fmt: skip
    add("voicemail", voice_call_id="CA" + "c" * 32, answered=True, duration=20,
        answered_by="machine_end_beep", outcome=VoiceCallOutcome.VOICEMAIL)  # fmt: skip
    add("no answer", voice_call_id="CA" + "d" * 32, status=VoiceCallStatus.NO_ANSWER,
        outcome=VoiceCallOutcome.NO_ANSWER)  # fmt: skip
    add("failed", voice_call_id="CA" + "f" * 32, status=VoiceCallStatus.FAILED)
    add("unknown", status=VoiceCallStatus.UNKNOWN, error_code="timeout")
    add("console", voice_call_id="console:1", status=VoiceCallStatus.CANCELED,
        error_message="Not dialled")  # fmt: skip
    add("refused", status=VoiceCallStatus.FAILED, error_code="21211",
        error_message="Not placed: Twilio refused the call")  # fmt: skip
    made["old"] = _call(session, w, voice_call_id="CA" + "0" * 32, answered=True, duration=90,
                        initiated_at=NOW - timedelta(days=45),
                        outcome=VoiceCallOutcome.RECOVERED)  # fmt: skip
    # The order the "recovered" call brought, an hour after it (inside the 1-day window).
    w.cart.status, w.cart.converted_at = CartStatus.CONVERTED, NOW - timedelta(hours=2)
    session.add(w.cart)
    session.commit()
    return made


def test_analytics_count_each_kind_of_call(shop, calls):
    stats = shop.api.get(f"{VOICE}/analytics")
    assert stats.status_code == 200
    assert stats.json() == {
        "start": "2026-02-02T00:00:00Z",  # the last 30 days, UTC, both included
        "end": "2026-03-04T00:00:00Z",
        "calls_attempted": 7,  # every dial but the console one (and the old one)
        "calls_initiated": 6,  # not the console one, the refused one, nor the old one
        "calls_answered": 2,  # by a person
        "calls_completed": 3,  # the two people and the machine
        "carts_recovered": 1,
        "avg_call_duration": 45.0,  # the people's calls
        "revenue_recovered": "156.50",
        "discounts_accepted": 1,  # the recovered call applied no code
        "failed": 3,  # failed at Twilio after placing, unknown, and refused
        "answer_rate": 0.3333,
        "failure_rate": 0.4286,  # of the 7 dials attempted
        "by_outcome": {"DISCOUNT_ACCEPTED": 1, "RECOVERED": 1, "VOICEMAIL": 1, "NO_ANSWER": 1},
    }
    today = shop.api.get(f"{VOICE}/analytics", params={"from": "2026-03-03", "to": "2026-03-03"})
    assert today.json()["calls_initiated"] == 6
    old = shop.api.get(f"{VOICE}/analytics", params={"from": "2026-01-01", "to": "2026-01-31"})
    # The old call's cart was bought 45 days after it: outside the 1-day attribution window.
    assert old.json()["calls_initiated"] == 1 and old.json()["carts_recovered"] == 0
    assert shop.analyst.get(f"{VOICE}/analytics").json() == stats.json()


def test_analytics_of_an_empty_range_are_zeros(shop, calls):
    empty = shop.api.get(f"{VOICE}/analytics", params={"from": "2025-06-01", "to": "2025-06-30"})
    assert empty.status_code == 200
    body = empty.json()
    assert body["start"] == "2025-06-01T00:00:00Z" and body["end"] == "2025-07-01T00:00:00Z"
    assert {k: v for k, v in body.items() if k not in ("start", "end")} == {
        "calls_attempted": 0, "calls_initiated": 0, "calls_answered": 0, "calls_completed": 0,
        "carts_recovered": 0,
        "avg_call_duration": 0.0, "revenue_recovered": "0.00", "discounts_accepted": 0,
        "failed": 0, "answer_rate": 0.0, "failure_rate": 0.0, "by_outcome": {},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"from": "2026-03-04", "to": "2026-03-03"}, 422),  # from after to
        ({"from": "2025-03-02", "to": "2026-03-03"}, 422),  # 367 days, both included
        ({"from": "2025-03-03", "to": "2026-03-03"}, 200),  # 366 days: the most
        ({"from": "2023-03-03", "to": "2024-03-03"}, 422),  # 367 days (29 February)
        ({"from": "2026-02-30"}, 422),
        ({"to": "yesterday"}, 422),
        ({"from": "2026-03-03T10:00:00"}, 422),
        ({"to": "2025-01-01"}, 200),  # from defaults to 30 days before it
    ],
)
def test_analytics_range_validation(shop, params, status):
    response = shop.api.get(f"{VOICE}/analytics", params=params)
    assert response.status_code == status, response.text


# --- the call log -----------------------------------------------------------------------------


def test_calls_are_listed_newest_first_filtered_and_paged(shop, calls, rival):
    listed = shop.api.get(f"{VOICE}/calls").json()
    names = {c.id: name for name, c in calls.items()}
    assert listed["total"] == 9
    assert [names[c["id"]] for c in listed["calls"]] == [
        "refused", "console", "unknown", "failed", "no answer", "voicemail", "recovered",
        "accepted", "old",
    ]  # fmt: skip
    assert rival.call.id not in {c["id"] for c in listed["calls"]}

    page = shop.api.get(f"{VOICE}/calls", params={"limit": 3, "offset": 3}).json()
    assert page["total"] == 9
    assert [names[c["id"]] for c in page["calls"]] == ["failed", "no answer", "voicemail"]
    past = shop.api.get(f"{VOICE}/calls", params={"offset": 50}).json()
    assert past == {"calls": [], "total": 9}

    recovered = shop.api.get(f"{VOICE}/calls", params={"outcome": "RECOVERED"}).json()
    assert [names[c["id"]] for c in recovered["calls"]] == ["recovered", "old"]
    failed = shop.api.get(f"{VOICE}/calls", params={"status": "FAILED"}).json()
    assert [names[c["id"]] for c in failed["calls"]] == ["refused", "failed"]
    both = shop.api.get(f"{VOICE}/calls", params={"status": "COMPLETED",
                                                  "outcome": "VOICEMAIL"}).json()  # fmt: skip
    assert [names[c["id"]] for c in both["calls"]] == ["voicemail"]
    declined = shop.api.get(f"{VOICE}/calls", params={"outcome": "DECLINED"}).json()
    assert declined == {"calls": [], "total": 0}  # the rival's declined call is not ours
    for params in ({"limit": 0}, {"limit": 201}, {"offset": -1}, {"outcome": "MAYBE"},
                   {"status": "ringing"}):  # fmt: skip
        assert shop.api.get(f"{VOICE}/calls", params=params).status_code == 422, params


def test_one_call_with_its_transcript(shop, calls, rival):
    call = shop.api.get(f"{VOICE}/calls/{calls['accepted'].id}")
    assert call.status_code == 200
    body = call.json()
    assert body["outcome"] == "DISCOUNT_ACCEPTED" and body["duration"] == 60
    assert body["transcript"] == [
        {"role": "agent", "text": "Hi, is this Ada?", "turn": 0, "at": NOW.isoformat(),
         "intent": None, "by": None, "rule": None, "confidence": None},
        {"role": "customer", "text": "yes", "turn": 1, "at": NOW.isoformat(),
         "intent": "YES", "by": "pattern", "rule": None, "confidence": None},
    ]  # fmt: skip
    assert shop.api.get(f"{VOICE}/calls/{rival.call.id}").status_code == 404
    assert shop.api.get(f"{VOICE}/calls/{'c' * 24}").json() == {"detail": "No such call."}
    assert shop.api.get(f"{VOICE}/calls/{'c' * 25}").status_code == 422


# --- the simulator ----------------------------------------------------------------------------


def test_the_simulator_plays_the_script_and_stores_nothing(shop, session, engine):
    save_config(session, shop.world.company.id, flow_with_voice(maxDiscountPercent=25))
    session.commit()
    start = shop.api.post(f"{VOICE}/simulate", json={})
    assert start.status_code == 200, start.text
    greeting = start.json()
    assert greeting["say"] == ["Hi, is this Sam?"]  # the sample cart's shopper
    assert greeting["listening"] is True and greeting["ended"] is False
    assert greeting["state"] == {"node": "GREETING", "retries": 0, "turn": 0, "pending": None,
                                 "outcome": None}  # fmt: skip
    assert "/api/webhooks/twilio/voice/simulated/gather?turn=0" in greeting["twiml"]

    price = shop.api.post(f"{VOICE}/simulate", json={"state": greeting["state"],
                                                    "utterance": "it's too expensive"})  # fmt: skip
    assert price.status_code == 200
    offer = price.json()
    assert offer["heard"] == "it's too expensive"
    [price_rule] = [r for r in VoiceScript().rules() if r.action is Action.OFFER_DISCOUNT]
    assert offer["understood_as"] == price_rule.trigger and "expensive" in price_rule.trigger
    assert "25% off your order" in offer["say"][-1]  # the Nuclear stage's own maximum
    assert offer["state"]["node"] == "AWAIT_OFFER"
    assert offer["state"]["pending"] == "OFFER_DISCOUNT" and offer["state"]["turn"] == 1
    assert "?turn=1" in offer["twiml"]

    yes = shop.api.post(f"{VOICE}/simulate", json={"state": offer["state"], "utterance": "yes"})
    assert yes.json()["effects"] == ["APPLY_DISCOUNT", "SEND_LINK"]
    assert yes.json()["outcome"] == "DISCOUNT_ACCEPTED"
    machine = shop.api.post(f"{VOICE}/simulate", json={"machine": True}).json()
    assert machine["ended"] is True and machine["outcome"] == "VOICEMAIL"
    assert "<Hangup />" in machine["twiml"] and "<Gather" not in machine["twiml"]
    with Session(engine) as fresh:
        assert fresh.exec(select(CartVoiceCall)).all() == []
        assert fresh.exec(select(DiscountCode)).all() == []
    assert shop.twilio.requests == []


def test_the_simulator_on_a_real_cart_and_its_refusals(shop, rival):
    mine = shop.api.post(f"{VOICE}/simulate", json={"cartId": shop.world.cart.id})
    assert mine.status_code == 200 and mine.json()["say"] == ["Hi, is this Ada?"]
    body = {"cartId": shop.world.cart.id, "state": mine.json()["state"], "utterance": "yes"}
    said = shop.api.post(f"{VOICE}/simulate", json=body).json()
    assert said["say"][0].startswith("This is Jordan from Acme Coffee.")

    theirs = shop.api.post(f"{VOICE}/simulate", json={"cartId": rival.world.cart.id})
    assert theirs.status_code == 404
    assert theirs.json() == {"detail": f"Cart {rival.world.cart.id!r} not found"}
    for state, field in (({"node": "NOWHERE"}, "node"), ({"turn": "seven"}, "turn"),
                         ({"pending": "HUG"}, "pending"), ({"outcome": "MAYBE"}, "outcome"),
                         ({"turn": 10**400}, "turn"), ({"retries": -1}, "retries"),
                         ({"mood": "happy"}, "mood")):  # fmt: skip
        garbage = shop.api.post(f"{VOICE}/simulate", json={"state": state, "utterance": "yes"})
        assert garbage.status_code == 422, state
        assert f"state.{field}" in garbage.text, garbage.text
    for body in ({"utterance": "x" * 501}, {"state": "GREETING"}, {"cartId": "nothex"}):
        assert shop.api.post(f"{VOICE}/simulate", json=body).status_code == 422, body


# --- the switches -------------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["ENABLE_VOICE_RECOVERY", "ENABLE_MI_CART_SAVE"])
def test_the_feature_flags_switch_the_voice_endpoints_off(shop, monkeypatch, flag):
    monkeypatch.setenv(flag, "false")
    get_settings.cache_clear()
    for method, path, body in EVERY_ENDPOINT:
        response = shop.api.request(method, f"{VOICE}{path}", json=body)
        assert response.status_code == 404, (method, path)
        assert f"{flag}=false" in response.json()["detail"], (method, path)
    if flag == "ENABLE_VOICE_RECOVERY":  # the save flow's own endpoints stay on
        assert shop.api.get("/api/momentum/cart-save/config").status_code == 200
    assert shop.twilio.requests == []


def test_every_voice_endpoint_needs_credentials(shop):
    anonymous = TestClient(create_api())
    for method, path, body in EVERY_ENDPOINT:
        response = anonymous.request(method, f"{VOICE}{path}", json=body)
        assert response.status_code == 401, (method, path)
