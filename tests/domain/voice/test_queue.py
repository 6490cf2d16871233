"""The call queue against the fake Twilio API with the real `TwilioVoice` client: each due call
is placed at most once, the most valuable carts first, within the daily quota; a doubtful
outcome is never redialled; a refusal that placed nothing is tried again, three times at most.
Then the admin's "call now" and the save flow's side (the Nuclear stage's VOICE row).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from cart_admin.channels.sms import ConsoleSms
from cart_admin.channels.voice import ConsoleVoice, TwilioVoice
from cart_admin.domain.save_flow import delivery
from cart_admin.domain.save_flow import engine as flow
from cart_admin.domain.voice import dialling, eligibility, outcomes, queue
from cart_admin.domain.voice.config import VoiceRecoveryConfig
from cart_admin.domain.voice.eligibility import Decision
from cart_admin.domain.voice.service import VoiceService
from cart_admin.models import (
    CartIntervention,
    CartSaveStage,
    CartVoiceCall,
    Channel,
    Company,
    Customer,
    InterventionStatus,
    InterventionType,
    LandingPage,
    Product,
    VoiceCallOutcome,
    VoiceCallStatus,
)
from tests.factories import make_cart, make_customer
from tests.fakes.twilio_server import FakeTwilio, TwilioMode
from tests.voice_world import NOW, CallWorld, flow_with_voice, make_call_due, make_shop

FROM = "+15550001111"
BASE = "https://app.example"
PHONE = "+15555550100"  # the shopper of tests/voice_world.py
NEXT_MIDNIGHT_NY = datetime(2026, 3, 4, 5, 0, tzinfo=UTC)

Shop = tuple[Company, LandingPage, Product, Customer]


def twilio_service(server: FakeTwilio, timeout: float = 1.0) -> VoiceService:
    channel = TwilioVoice(
        account_sid=server.account_sid,
        auth_token=server.auth_token,
        from_number=FROM,
        base_url=server.base_url,
        timeout=timeout,
    )
    return VoiceService(channel=channel, sms=ConsoleSms(), base_url=BASE)


def tick(engine: sa.Engine, service: VoiceService, at: datetime = NOW, **kwargs) -> dict:
    return queue.run_queue(engine, service, now_fn=lambda: at, worker="w1", **kwargs)


def dial_requests(server: FakeTwilio) -> list:
    """Every Calls.json request, answered or not (`server.calls` keeps the 201s only)."""
    return [r for r in server.requests if r.path.endswith("/Calls.json")]


def row_now(engine: sa.Engine, row_id: str) -> CartIntervention:
    with Session(engine) as session:
        row = session.get(CartIntervention, row_id)
        assert row is not None
        return row


def calls_for(engine: sa.Engine, row_id: str) -> list[CartVoiceCall]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(CartVoiceCall)
                .where(col(CartVoiceCall.intervention_id) == row_id)
                .order_by(col(CartVoiceCall.created_at))
            ).all()
        )


def all_calls(engine: sa.Engine) -> list[CartVoiceCall]:
    with Session(engine) as session:
        return list(session.exec(select(CartVoiceCall)).all())


def shopper(session: Session, shop: Shop, n: int) -> Shop:
    """The same shop with shopper number `n` (own phone: excludeRecentCalls is per shopper)."""
    company, page, product, _ = shop
    customer = make_customer(
        session,
        company,
        first_name=f"Shopper{n}",
        phone=f"+1555555{n:04d}",
        timezone="America/New_York",
        email_consent=True,
        sms_consent=True,
        voice_consent=True,
        lifetime_value=Decimal("480.00"),
        order_count=3,
    )
    return company, page, product, customer


def due_carts(session: Session, quantities: list[int], **voice) -> list[CallWorld]:
    """One shop, one due cart per quantity (2 x $75 + $6.50 shipping = $156.50, ...)."""
    shop = make_shop(session, voice=VoiceRecoveryConfig(**voice))
    return [
        make_call_due(session, shop=shopper(session, shop, n), quantity=q)
        for n, q in enumerate(quantities, start=1)
    ]


# --- a due call ------------------------------------------------------------------------------


def test_a_due_call_is_placed_once(engine, session, twilio_server: FakeTwilio) -> None:
    world = make_call_due(session)
    service = twilio_service(twilio_server)

    assert tick(engine, service) == {"placed": 1}

    [call] = calls_for(engine, world.voice_row.id)
    [request] = twilio_server.calls
    assert request.form["To"] == PHONE
    assert request.form["From"] == FROM
    assert request.form["Url"] == f"{BASE}/api/webhooks/twilio/voice/{call.id}/answer"
    assert request.form["StatusCallback"] == f"{BASE}/api/webhooks/twilio/voice/{call.id}/status"
    assert request.form["MachineDetection"] == "DetectMessageEnd"
    assert call.voice_call_id is not None and call.voice_call_id.startswith("CA")
    assert len(call.voice_call_id) == 34
    assert call.status is VoiceCallStatus.INITIATED
    assert call.initiated_at == NOW
    assert (call.to_phone, call.customer_id) == (PHONE, world.customer.id)
    assert call.cart_save_attempt_id == world.attempt.id
    facts = call.script_state["facts"]
    assert facts["discount_percent"] == "30"
    assert facts["top_item_name"] == "Barista Grinder"
    assert facts["customer_name"] == "Ada"
    assert facts["cart_total"] == "$156.50"
    assert call.details == {"placedBy": "queue"}
    assert call.offer is not None and call.offer["percent"] == "30"

    row = row_now(engine, world.voice_row.id)
    assert row.status is InterventionStatus.SENT
    assert row.sent_at == NOW
    assert row.response_data == {"callSid": call.voice_call_id}
    assert (row.lease_owner, row.lease_expires_at) == (None, None)
    assert row.content["callId"] == call.id

    assert tick(engine, service) == {}
    assert tick(engine, service, NOW + timedelta(hours=1)) == {}
    assert len(dial_requests(twilio_server)) == 1
    assert len(all_calls(engine)) == 1


def test_the_most_valuable_carts_are_called_first_within_the_daily_quota(
    engine, session, twilio_server: FakeTwilio
) -> None:
    cheap, dear, middle = due_carts(session, [2, 4, 3], max_calls_per_day=2)
    assert [w.cart.grand_total for w in (cheap, middle, dear)] == [
        Decimal("156.50"),
        Decimal("231.50"),
        Decimal("306.50"),
    ]

    counts = tick(engine, twilio_service(twilio_server))

    assert counts == {"placed": 2, "waiting": 1}
    called = [r.form["To"] for r in twilio_server.calls]
    assert called == [dear.customer.phone, middle.customer.phone]
    waiting = row_now(engine, cheap.voice_row.id)
    assert waiting.status is InterventionStatus.SCHEDULED
    assert waiting.scheduled_at == NEXT_MIDNIGHT_NY
    assert waiting.response_data["waiting"] == "maxCallsPerDay"
    assert calls_for(engine, cheap.voice_row.id) == []


@pytest.mark.parametrize(("quota", "expected"), [(3, 3), (50, 5)])
def test_two_workers_at_the_same_moment_call_each_cart_once_within_the_quota(
    engine, session, twilio_server: FakeTwilio, quota: int, expected: int
) -> None:
    worlds = due_carts(session, [2, 3, 4, 5, 6], max_calls_per_day=quota)
    service = twilio_service(twilio_server)
    start = threading.Barrier(2)
    results: list[dict] = []
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            start.wait(timeout=5)
            counts = queue.run_queue(engine, service, now_fn=lambda: NOW, worker=name)
            results.append(counts)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(results) == 2

    called = [r.form["To"] for r in dial_requests(twilio_server)]
    assert len(called) == len(set(called)) == expected
    by_value = sorted(worlds, key=lambda w: w.cart.grand_total, reverse=True)
    assert set(called) == {w.customer.phone for w in by_value[:expected]}
    assert sum(r.get("placed", 0) for r in results) == expected
    calls = all_calls(engine)
    assert len(calls) == expected
    assert len({c.intervention_id for c in calls}) == expected
    assert all(c.status is VoiceCallStatus.INITIATED and c.voice_call_id for c in calls)
    for world in by_value[expected:]:
        row = row_now(engine, world.voice_row.id)
        assert (row.status, row.scheduled_at) == (InterventionStatus.SCHEDULED, NEXT_MIDNIGHT_NY)


# --- an outcome that is unknown is never redialled -------------------------------------------


@pytest.mark.parametrize("mode", [TwilioMode.HANG, TwilioMode.SERVER_ERROR])
def test_an_unknown_outcome_is_never_redialled(
    engine, session, twilio_server: FakeTwilio, mode: TwilioMode
) -> None:
    world = make_call_due(session)
    service = twilio_service(twilio_server, timeout=0.5)
    twilio_server.mode = mode

    assert tick(engine, service) == {"unknown": 1}

    [call] = calls_for(engine, world.voice_row.id)
    assert call.status is VoiceCallStatus.UNKNOWN
    assert (call.voice_call_id, call.error_code) == (None, "timeout")
    assert "may have been placed" in call.error_message
    row = row_now(engine, world.voice_row.id)
    assert row.status is InterventionStatus.FAILED
    assert "not redialled" in row.error_message
    assert row.lease_owner is None
    assert len(dial_requests(twilio_server)) == 1

    twilio_server.mode = TwilioMode.ACCEPT
    for later in (timedelta(minutes=1), timedelta(minutes=15), timedelta(hours=3)):
        assert tick(engine, service, NOW + later) == {}
    assert len(dial_requests(twilio_server)) == 1
    assert len(all_calls(engine)) == 1


# --- a refusal that placed nothing is tried again ------------------------------------------


def test_rate_limited_is_tried_again_15_minutes_later(
    engine, session, twilio_server: FakeTwilio
) -> None:
    world = make_call_due(session)
    service = twilio_service(twilio_server)
    twilio_server.mode = TwilioMode.RATE_LIMITED

    assert tick(engine, service) == {"retry": 1}

    [refused] = calls_for(engine, world.voice_row.id)
    assert refused.status is VoiceCallStatus.FAILED
    assert refused.error_message.startswith("Not placed")
    assert (refused.error_code, refused.voice_call_id) == ("20429", None)
    row = row_now(engine, world.voice_row.id)
    assert row.status is InterventionStatus.SCHEDULED
    assert row.scheduled_at == NOW + timedelta(minutes=15)
    assert row.delivery_attempts == 1

    twilio_server.mode = TwilioMode.ACCEPT
    assert tick(engine, service, NOW + timedelta(minutes=14)) == {}
    assert len(dial_requests(twilio_server)) == 1
    assert tick(engine, service, NOW + timedelta(minutes=15)) == {"placed": 1}

    [request] = twilio_server.calls
    assert request.form["To"] == PHONE
    refused_again, placed = calls_for(engine, world.voice_row.id)
    assert refused_again.id == refused.id and refused_again.status is VoiceCallStatus.FAILED
    assert placed.status is VoiceCallStatus.INITIATED and placed.voice_call_id
    assert row_now(engine, world.voice_row.id).status is InterventionStatus.SENT
    assert tick(engine, service, NOW + timedelta(minutes=30)) == {}
    assert len(dial_requests(twilio_server)) == 2


def test_after_three_refusals_the_call_is_given_up(
    engine, session, twilio_server: FakeTwilio
) -> None:
    world = make_call_due(session)
    service = twilio_service(twilio_server)
    twilio_server.mode = TwilioMode.RATE_LIMITED

    results = [tick(engine, service, NOW + timedelta(minutes=m)) for m in (0, 15, 30)]

    assert results == [{"retry": 1}, {"retry": 1}, {"failed": 1}]
    row = row_now(engine, world.voice_row.id)
    assert row.status is InterventionStatus.FAILED
    assert row.delivery_attempts == 3
    calls = calls_for(engine, world.voice_row.id)
    assert [c.status for c in calls] == [VoiceCallStatus.FAILED] * 3
    twilio_server.mode = TwilioMode.ACCEPT
    for later in (45, 60, 180):
        assert tick(engine, service, NOW + timedelta(minutes=later)) == {}
    assert len(dial_requests(twilio_server)) == 3
    assert twilio_server.calls == []


def test_an_invalid_number_fails_for_good(engine, session, twilio_server: FakeTwilio) -> None:
    world = make_call_due(session)
    service = twilio_service(twilio_server)
    twilio_server.mode = TwilioMode.INVALID_NUMBER

    assert tick(engine, service) == {"failed": 1}

    [call] = calls_for(engine, world.voice_row.id)
    assert call.status is VoiceCallStatus.FAILED
    assert call.error_code == "21211"
    assert call.error_message.startswith("Not placed")
    row = row_now(engine, world.voice_row.id)
    assert (row.status, row.delivery_attempts) == (InterventionStatus.FAILED, 1)
    twilio_server.mode = TwilioMode.ACCEPT
    assert tick(engine, service, NOW + timedelta(minutes=15)) == {}
    assert tick(engine, service, NOW + timedelta(hours=2)) == {}
    assert len(dial_requests(twilio_server)) == 1


def test_no_connection_to_twilio_is_tried_again(engine, session) -> None:
    world = make_call_due(session)
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    channel = TwilioVoice(
        account_sid="AC" + "0" * 32,
        auth_token="t",
        from_number=FROM,
        base_url=f"http://127.0.0.1:{port}",
        timeout=1.0,
    )
    service = VoiceService(channel=channel, sms=ConsoleSms(), base_url=BASE)

    assert tick(engine, service) == {"retry": 1}

    [call] = calls_for(engine, world.voice_row.id)
    assert (call.status, call.error_code) == (VoiceCallStatus.FAILED, None)
    row = row_now(engine, world.voice_row.id)
    assert (row.status, row.scheduled_at) == (
        InterventionStatus.SCHEDULED,
        NOW + timedelta(minutes=15),
    )


# --- a worker that dies between the claim and the dial ---------------------------------------


def test_a_crash_after_the_claim_leaves_an_unknown_call_never_redialled(
    engine, session, twilio_server: FakeTwilio
) -> None:
    world = make_call_due(session)
    service = twilio_service(twilio_server)
    with Session(engine, expire_on_commit=False) as doomed:  # claims, commits, and dies
        claimed = dialling.claim(
            doomed, world.voice_row.id, worker="doomed", now=NOW, lease=queue.LEASE
        )
        doomed.commit()
    assert isinstance(claimed, CartVoiceCall)
    assert (claimed.status, claimed.voice_call_id) == (VoiceCallStatus.INITIATED, None)

    # While the lease runs, nothing is rescued and nothing dialled.
    assert tick(engine, service, NOW + timedelta(seconds=60)) == {}
    assert queue.rescue_stalled(engine, now=NOW + queue.LEASE) == 0
    assert row_now(engine, world.voice_row.id).status is InterventionStatus.SENDING

    assert queue.rescue_stalled(engine, now=NOW + queue.LEASE + timedelta(seconds=1)) == 1

    [call] = calls_for(engine, world.voice_row.id)
    assert call.id == claimed.id
    assert call.status is VoiceCallStatus.UNKNOWN
    assert (call.voice_call_id, call.error_code) == (None, "timeout")
    row = row_now(engine, world.voice_row.id)
    assert row.status is InterventionStatus.FAILED
    assert (row.lease_owner, row.lease_expires_at) == (None, None)
    for later in (timedelta(minutes=5), timedelta(hours=3), timedelta(days=1)):
        assert tick(engine, service, NOW + later) == {}
    assert dial_requests(twilio_server) == []
    assert queue.rescue_stalled(engine, now=NOW + timedelta(days=1)) == 0

    # The call did go out: Twilio's status events find it, bind the SID and complete it.
    sid = "CA" + "f" * 32
    events = [
        ({"CallStatus": "ringing"}, False),
        ({"CallStatus": "in-progress"}, False),
        ({"CallStatus": "completed", "CallDuration": "42"}, True),
        ({"CallStatus": "completed", "CallDuration": "42"}, False),  # Twilio's retry
    ]
    for minutes, (params, finished) in enumerate(events, start=1):
        with Session(engine) as webhook:
            at = NOW + timedelta(minutes=minutes)
            done = outcomes.status(webhook, call.id, params={"CallSid": sid, **params}, now=at)
            webhook.commit()
        assert done is finished, params
    [call] = calls_for(engine, world.voice_row.id)
    assert call.voice_call_id == sid
    assert call.status is VoiceCallStatus.COMPLETED
    assert call.completed_at == NOW + timedelta(minutes=3)
    assert call.answered_at == NOW + timedelta(minutes=2)
    assert call.duration == 42
    assert call.outcome is VoiceCallOutcome.DISCONNECTED
    row = row_now(engine, world.voice_row.id)
    assert row.delivered_at == NOW + timedelta(minutes=2)
    assert row.response_data["callStatus"] == "COMPLETED"
    assert tick(engine, service, NOW + timedelta(days=2)) == {}
    assert dial_requests(twilio_server) == []


def test_a_tick_after_the_lease_rescues_the_stalled_call(
    engine, session, twilio_server: FakeTwilio
) -> None:
    world = make_call_due(session)
    with Session(engine, expire_on_commit=False) as doomed:
        dialling.claim(doomed, world.voice_row.id, worker="doomed", now=NOW, lease=queue.LEASE)
        doomed.commit()

    counts = tick(engine, twilio_service(twilio_server), NOW + timedelta(minutes=3))

    assert counts == {"unknown": 1}
    [call] = calls_for(engine, world.voice_row.id)
    assert call.status is VoiceCallStatus.UNKNOWN
    assert dial_requests(twilio_server) == []


# --- the console channel, and voice switched off ---------------------------------------------


def test_the_console_channel_records_the_call_and_never_dials(engine, session) -> None:
    world = make_call_due(session)
    console = ConsoleVoice()
    service = VoiceService(channel=console, sms=ConsoleSms(), base_url=BASE)

    assert tick(engine, service) == {"console": 1}

    [call] = calls_for(engine, world.voice_row.id)
    assert call.status is VoiceCallStatus.CANCELED
    assert call.error_message == dialling.CONSOLE_NOTE
    assert call.voice_call_id.startswith("console:")
    assert call.completed_at == NOW
    row = row_now(engine, world.voice_row.id)
    assert row.status is InterventionStatus.CANCELLED
    assert "Console" in row.error_message
    [outgoing] = console.outbox
    assert outgoing.to == PHONE
    assert outgoing.answer_url == f"{BASE}/api/webhooks/twilio/voice/{call.id}/answer"
    assert tick(engine, service, NOW + timedelta(hours=1)) == {}
    assert len(console.outbox) == 1


def test_a_company_that_switched_voice_off_has_its_due_calls_cancelled(
    engine, session, twilio_server: FakeTwilio
) -> None:
    world = make_call_due(session, voice=VoiceRecoveryConfig(enabled=False))
    counts = tick(engine, twilio_service(twilio_server))

    assert counts == {"cancelled": 1}
    row = row_now(engine, world.voice_row.id)
    assert row.status is InterventionStatus.CANCELLED
    assert "switched off" in row.error_message
    assert all_calls(engine) == []
    assert twilio_server.requests == []


def test_the_deployment_flag_off_dials_nothing_and_loses_nothing(
    engine, session, twilio_server: FakeTwilio
) -> None:
    """ENABLE_VOICE_RECOVERY=false is a kill switch: the calls wait, and go once it is on."""
    world = make_call_due(session)
    assert tick(engine, twilio_service(twilio_server), enabled=False) == {}
    assert row_now(engine, world.voice_row.id).status is InterventionStatus.SCHEDULED
    assert twilio_server.requests == []

    assert tick(engine, twilio_service(twilio_server)) == {"placed": 1}
    assert len(twilio_server.calls) == 1


# --- WAIT and NEVER verdicts -----------------------------------------------------------------


def test_a_wait_moves_the_row_to_the_verdicts_time(
    engine, session, twilio_server: FakeTwilio
) -> None:
    world = make_call_due(session, timezone="Asia/Tokyo")  # 05:00 in Tokyo
    service = twilio_service(twilio_server)
    tokyo_9am = datetime(2026, 3, 4, 0, 0, tzinfo=UTC)

    assert tick(engine, service) == {"waiting": 1}

    row = row_now(engine, world.voice_row.id)
    assert row.status is InterventionStatus.SCHEDULED
    assert row.scheduled_at == tokyo_9am
    assert row.response_data["waiting"] == "callHours"
    assert "Asia/Tokyo" in row.response_data["reason"]
    assert tick(engine, service, tokyo_9am - timedelta(minutes=1)) == {}
    assert twilio_server.requests == []

    assert tick(engine, service, tokyo_9am) == {"placed": 1}
    [request] = twilio_server.calls
    assert request.form["To"] == PHONE


@pytest.mark.parametrize(
    ("world_args", "reason"),
    [
        (
            {"voice": VoiceRecoveryConfig(min_cart_value=Decimal("200"))},
            "The cart is worth less than 200.",
        ),
        ({"voice_consent": False}, "The shopper has not agreed to be called."),
        ({"abandoned_hours": 80}, "Abandoned more than 72 hours ago."),
    ],
)
def test_a_never_cancels_the_row_with_the_reason(
    engine, session, twilio_server: FakeTwilio, world_args: dict, reason: str
) -> None:
    world = make_call_due(session, **world_args)

    assert tick(engine, twilio_service(twilio_server)) == {"cancelled": 1}

    row = row_now(engine, world.voice_row.id)
    assert row.status is InterventionStatus.CANCELLED
    assert row.error_message == reason
    assert all_calls(engine) == []
    assert twilio_server.requests == []


# --- an admin's "call now" -------------------------------------------------------------------


def call_now(engine, service, world: CallWorld, **kwargs) -> CartVoiceCall:
    return queue.initiate(
        engine,
        service,
        company_id=world.company.id,
        attempt_id=world.attempt.id,
        now=kwargs.pop("now", NOW),
        worker="web",
        **kwargs,
    )


def test_call_now_places_a_call_below_the_minimum_cart_value(
    engine, session, twilio_server: FakeTwilio
) -> None:
    world = make_call_due(session, voice=VoiceRecoveryConfig(min_cart_value=Decimal("500")))

    call = call_now(engine, twilio_service(twilio_server), world)

    assert call.status is VoiceCallStatus.INITIATED
    assert call.voice_call_id is not None and call.voice_call_id.startswith("CA")
    assert call.details == {"placedBy": "admin"}
    [request] = twilio_server.calls
    assert request.form["To"] == PHONE
    assert request.form["Url"] == f"{BASE}/api/webhooks/twilio/voice/{call.id}/answer"
    row = row_now(engine, call.intervention_id)
    assert row.id != world.voice_row.id
    assert (row.channel, row.type, row.stage) == (
        Channel.VOICE,
        InterventionType.VOICE_CALL,
        CartSaveStage.NUCLEAR_OFFER,
    )
    assert row.status is InterventionStatus.SENT


@pytest.mark.parametrize(
    ("world_args", "decision", "criterion"),
    [
        ({"voice_consent": False}, Decision.NEVER, "voiceConsent"),
        ({"phone": None}, Decision.NEVER, "requirePhone"),
        ({"timezone": "Asia/Tokyo"}, Decision.WAIT, "callHours"),
    ],
)
def test_call_now_is_refused_without_consent_phone_or_call_hours(
    engine, session, twilio_server: FakeTwilio, world_args, decision, criterion
) -> None:
    world = make_call_due(session, **world_args)

    with pytest.raises(queue.CallRefused) as refused:
        call_now(engine, twilio_service(twilio_server), world)

    assert (refused.value.verdict.decision, refused.value.verdict.criterion) == (
        decision,
        criterion,
    )
    assert str(refused.value) == refused.value.verdict.reason
    assert twilio_server.requests == []
    assert all_calls(engine) == []


@pytest.mark.parametrize(
    ("status", "refused"),
    [
        (VoiceCallStatus.INITIATED, True),
        (VoiceCallStatus.IN_PROGRESS, True),
        (VoiceCallStatus.UNKNOWN, True),
        (VoiceCallStatus.COMPLETED, False),
    ],
)
def test_call_now_is_refused_while_another_call_is_open(
    engine, session, twilio_server: FakeTwilio, status: VoiceCallStatus, refused: bool
) -> None:
    world = make_call_due(session)
    service = twilio_service(twilio_server)
    first = call_now(engine, service, world)
    with Session(engine) as other:
        other.execute(
            sa.update(CartVoiceCall).where(col(CartVoiceCall.id) == first.id).values(status=status)
        )
        other.commit()

    later = NOW + timedelta(minutes=10)
    if refused:
        with pytest.raises(flow.FlowError):
            call_now(engine, service, world, now=later)
        assert len(dial_requests(twilio_server)) == 1
    else:
        second = call_now(engine, service, world, now=later)
        assert second.id != first.id and second.status is VoiceCallStatus.INITIATED
        assert len(dial_requests(twilio_server)) == 2


def test_call_now_and_the_queue_one_after_the_other_ring_once(
    engine, session, twilio_server: FakeTwilio
) -> None:
    world = make_call_due(session)
    service = twilio_service(twilio_server)
    call_now(engine, service, world)

    # The queue's own row for the attempt: the shopper was just called.
    assert tick(engine, service) == {"cancelled": 1}
    row = row_now(engine, world.voice_row.id)
    assert row.status is InterventionStatus.CANCELLED
    assert row.error_message == "Called in the last 7 days."
    assert len(dial_requests(twilio_server)) == 1


def test_the_queue_call_under_way_refuses_call_now(
    engine, session, twilio_server: FakeTwilio
) -> None:
    world = make_call_due(session)
    service = twilio_service(twilio_server)
    assert tick(engine, service) == {"placed": 1}

    with pytest.raises(flow.FlowError):
        call_now(engine, service, world, now=NOW + timedelta(minutes=1))
    assert len(dial_requests(twilio_server)) == 1


# --- the save flow's side --------------------------------------------------------------------


def nuclear_voice_rows(session: Session, **nuclear) -> int:
    """Take a $156.50 cart to the Nuclear offer stage; how many VOICE rows it scheduled."""
    config = flow_with_voice(**nuclear)
    company, page, product, customer = make_shop(session, flow_config=config)
    abandoned = NOW - timedelta(hours=25)
    cart = make_cart(
        session,
        company,
        customer,
        items=[(product, 2)],
        landing_page=page,
        created_at=abandoned,
        abandoned_at=abandoned,
        shipping_total="6.50",
    )
    attempt = flow.initiate(session, cart=cart, now=abandoned, config=config)
    flow.cancel_pending(session, attempt.id, now=abandoned, reason="test: skip to the offer")
    for _ in range(2):  # scheduling the stage twice still makes one call
        flow.enter_stage(session, attempt, CartSaveStage.NUCLEAR_OFFER, config=config, now=NOW)
    session.commit()
    rows = session.exec(
        select(CartIntervention).where(
            col(CartIntervention.cart_save_attempt_id) == attempt.id,
            col(CartIntervention.stage) == CartSaveStage.NUCLEAR_OFFER,
        )
    ).all()
    assert {r.channel for r in rows} >= {Channel.EMAIL, Channel.SMS}
    voice = [r for r in rows if r.channel is Channel.VOICE]
    assert all(r.type is InterventionType.VOICE_CALL for r in voice)
    return len(voice)


@pytest.mark.parametrize(
    ("nuclear", "rows"),
    [
        ({"minCartValueForVoice": "200"}, 0),
        ({"minCartValueForVoice": "156.51"}, 0),
        ({"minCartValueForVoice": "156.50"}, 1),
        ({"minCartValueForVoice": "100"}, 1),
        ({"minCartValueForVoice": "100", "voiceCallEnabled": False}, 0),
    ],
)
def test_the_nuclear_stage_schedules_a_call_above_min_cart_value_for_voice(
    session, nuclear: dict, rows: int
) -> None:
    assert nuclear_voice_rows(session, **nuclear) == rows


def _settle_messages(session: Session, world: CallWorld, *, leave_sms: bool = False) -> None:
    for row in session.exec(
        select(CartIntervention).where(
            col(CartIntervention.cart_save_attempt_id) == world.attempt.id,
            col(CartIntervention.stage) == CartSaveStage.NUCLEAR_OFFER,
            col(CartIntervention.channel) != Channel.VOICE,
        )
    ).all():
        if leave_sms and row.channel is Channel.SMS:
            continue
        row.status = InterventionStatus.SENT
        session.add(row)
    session.commit()


@pytest.mark.parametrize("voice_status", [InterventionStatus.SCHEDULED, InterventionStatus.SENDING])
def test_a_pending_call_does_not_hold_the_flow_back(
    session, voice_status: InterventionStatus
) -> None:
    world = make_call_due(session)
    world.voice_row.status = voice_status
    session.add(world.voice_row)
    _settle_messages(session, world, leave_sms=True)

    # The neighbour: a pending SMS of the stage holds it.
    attempt = flow.advance_if_stage_done(session, world.attempt.id, now=NOW)
    assert attempt is not None and attempt.current_stage is CartSaveStage.NUCLEAR_OFFER

    _settle_messages(session, world)
    attempt = flow.advance_if_stage_done(session, world.attempt.id, now=NOW)
    session.commit()
    assert attempt is not None and attempt.current_stage is CartSaveStage.LOSS_VISUALIZATION
    session.refresh(world.voice_row)
    assert world.voice_row.status is voice_status  # the call still goes ahead


def test_the_email_delivery_never_claims_voice_rows(session) -> None:
    world = make_call_due(session)

    claims = delivery.claim_due(session, worker="mail", now=NOW, limit=50)
    claimed = {c.intervention_id for c in claims}
    assert claimed  # the stage's e-mail and SMS are due
    assert world.voice_row.id not in claimed

    # A VOICE row stuck in SENDING with an expired lease is the voice queue's, too.
    session.execute(
        sa.update(CartIntervention)
        .where(col(CartIntervention.id) == world.voice_row.id)
        .values(
            status=InterventionStatus.SENDING,
            lease_owner="dead",
            lease_expires_at=NOW - timedelta(minutes=10),
        )
    )
    session.commit()
    later = NOW + timedelta(hours=1)
    claims = delivery.claim_due(session, worker="mail", now=later, limit=50)
    assert world.voice_row.id not in {c.intervention_id for c in claims}
    session.refresh(world.voice_row)
    assert world.voice_row.lease_owner == "dead"


# --- races between an admin's "call now" and the others --------------------------------------


def two_admins_at_once(engine, service, world: CallWorld, monkeypatch) -> list:
    """Two "call now" for one attempt, both past the open-call check before either writes."""
    both_checked = threading.Barrier(2, timeout=3)
    real = eligibility.candidate_for

    def candidate_for(*args, **kwargs):
        with contextlib.suppress(threading.BrokenBarrierError):  # held elsewhere: go on
            both_checked.wait()
        return real(*args, **kwargs)

    monkeypatch.setattr(eligibility, "candidate_for", candidate_for)
    results: list = []

    def admin() -> None:
        try:
            results.append(call_now(engine, service, world))
        except Exception as exc:
            results.append(exc)

    threads = [threading.Thread(target=admin) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == 2
    return results


def test_two_admins_calling_at_once_place_one_call(
    engine, session, twilio_server: FakeTwilio, monkeypatch
) -> None:
    world = make_call_due(session)

    results = two_admins_at_once(engine, twilio_service(twilio_server), world, monkeypatch)

    assert len([r for r in results if isinstance(r, CartVoiceCall)]) == 1
    assert len(twilio_server.calls) == 1
    assert len(all_calls(engine)) == 1


def test_the_second_of_two_simultaneous_calls_now_is_a_flow_error(
    engine, session, twilio_server: FakeTwilio, monkeypatch
) -> None:
    world = make_call_due(session)

    results = two_admins_at_once(engine, twilio_service(twilio_server), world, monkeypatch)

    [refusal] = [r for r in results if not isinstance(r, CartVoiceCall)]
    assert isinstance(refusal, flow.FlowError), repr(refusal)


def test_call_now_while_the_queue_is_claiming_the_same_shopper_rings_once(
    engine, session, twilio_server: FakeTwilio
) -> None:
    world = make_call_due(session)
    service = twilio_service(twilio_server)
    outcome: list = []

    def admin() -> None:
        try:
            outcome.append(call_now(engine, service, world))
        except Exception as exc:
            outcome.append(exc)

    with Session(engine, expire_on_commit=False) as worker:  # the queue's claim, in flight
        claimed = dialling.claim(
            worker, world.voice_row.id, worker="w1", now=NOW, lease=queue.LEASE
        )
        assert isinstance(claimed, CartVoiceCall)
        thread = threading.Thread(target=admin)
        thread.start()
        thread.join(timeout=1.0)  # finished at once unless held by the claim's locks
        worker.commit()
    dialling.place(engine, service, claimed, world.voice_row.id, NOW)
    thread.join(timeout=30)

    assert len(outcome) == 1
    assert len(twilio_server.calls) == 1, outcome
    assert isinstance(outcome[0], flow.FlowError | queue.CallRefused), outcome
