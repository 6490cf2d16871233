"""The Twilio voice channel against a fake Twilio API on localhost, and the console channel."""

from __future__ import annotations

import re
import socket
import threading
import time

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from cart_admin.channels.base import ChannelError
from cart_admin.channels.sms import _BaseUrlHttpClient
from cart_admin.channels.voice import (
    ConsoleVoice,
    OutgoingCall,
    TwilioVoice,
    voice_channel_from_settings,
)
from cart_admin.settings import Settings
from tests.fakes.twilio_server import FakeTwilio, TwilioMode

FROM_NUMBER = "+15005550006"

CALL = OutgoingCall(
    to="+491701234567",
    answer_url="https://shop.test/api/twilio/voice/answer/tok42",
    status_callback="https://shop.test/api/twilio/voice/status/tok42",
    ring_seconds=25,
)


def settings_for(server: FakeTwilio | None, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "twilio_account_sid": server.account_sid if server else "",
        "twilio_auth_token": server.auth_token if server else "",
        "twilio_phone_number": FROM_NUMBER if server else "",
        "twilio_api_base_url": server.base_url if server else "",
        "twilio_timeout_seconds": 5.0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type,call-arg]


def channel_for(server: FakeTwilio, **overrides: object) -> TwilioVoice:
    channel = voice_channel_from_settings(settings_for(server, **overrides))
    assert isinstance(channel, TwilioVoice)
    return channel


def raw_channel(port: int) -> TwilioVoice:
    return TwilioVoice(
        account_sid="AC" + "0" * 32,
        auth_token="t",
        from_number=FROM_NUMBER,
        base_url=f"http://127.0.0.1:{port}",
        timeout=2,
    )


def test_places_the_call_through_the_real_client(twilio_server: FakeTwilio) -> None:
    sid = channel_for(twilio_server).place(CALL)

    assert re.fullmatch(r"CA[0-9a-f]{32}", sid)
    [request] = twilio_server.requests
    assert twilio_server.calls == [request]
    assert twilio_server.messages == []
    assert request.method == "POST"
    assert request.path == f"/2010-04-01/Accounts/{twilio_server.account_sid}/Calls.json"
    assert request.auth == (twilio_server.account_sid, twilio_server.auth_token)
    assert request.form_lists == {
        "To": [CALL.to],
        "From": [FROM_NUMBER],
        "Url": [CALL.answer_url],
        "Method": ["POST"],
        "StatusCallback": [CALL.status_callback],
        "StatusCallbackMethod": ["POST"],
        "StatusCallbackEvent": ["initiated", "ringing", "answered", "completed"],
        "Timeout": ["25"],
        "MachineDetection": ["DetectMessageEnd"],
    }
    assert request.status == 201


def test_without_machine_detection_the_parameter_is_left_out(twilio_server: FakeTwilio) -> None:
    call = OutgoingCall(
        to=CALL.to,
        answer_url=CALL.answer_url,
        status_callback=CALL.status_callback,
        machine_detection=False,
    )
    channel_for(twilio_server).place(call)
    [request] = twilio_server.calls
    assert "MachineDetection" not in request.form
    assert request.form["Timeout"] == "30"  # the default ring time


def test_the_fake_answers_a_realistic_call_resource(twilio_server: FakeTwilio) -> None:
    """The real client parses the fake's call resource; Twiml stands in for Url."""
    http_client = _BaseUrlHttpClient(twilio_server.base_url, timeout=5)
    client = Client(twilio_server.account_sid, twilio_server.auth_token, http_client=http_client)

    call = client.calls.create(to=CALL.to, from_=FROM_NUMBER, twiml="<Response/>")

    assert call.sid is not None and re.fullmatch(r"CA[0-9a-f]{32}", call.sid)
    assert (call.status, call.direction) == ("queued", "outbound-api")
    assert (call.to, call._from, call.account_sid) == (CALL.to, FROM_NUMBER, client.account_sid)
    assert call.date_created is not None
    assert call.uri == f"/2010-04-01/Accounts/{twilio_server.account_sid}/Calls/{call.sid}.json"


@pytest.mark.parametrize(
    ("parameters", "code"),
    [
        ({"to": CALL.to, "from_": FROM_NUMBER}, 21205),  # no Url, Twiml or ApplicationSid
        ({"to": "", "from_": FROM_NUMBER, "url": CALL.answer_url}, 21201),
        ({"to": CALL.to, "from_": "", "url": CALL.answer_url}, 21213),
    ],
)
def test_the_fake_refuses_missing_parameters(
    twilio_server: FakeTwilio, parameters: dict[str, str], code: int
) -> None:
    http_client = _BaseUrlHttpClient(twilio_server.base_url, timeout=5)
    client = Client(twilio_server.account_sid, twilio_server.auth_token, http_client=http_client)
    with pytest.raises(TwilioRestException) as info:
        client.calls.create(**parameters)
    assert (info.value.status, info.value.code) == (400, code)
    assert twilio_server.calls == []


def test_wrong_credentials_are_permanent(twilio_server: FakeTwilio) -> None:
    with pytest.raises(ChannelError) as info:
        channel_for(twilio_server, twilio_auth_token="wrong").place(CALL)
    assert (info.value.transient, info.value.code) == (False, "20003")


@pytest.mark.parametrize(
    ("mode", "transient", "code"),
    [
        (TwilioMode.INVALID_NUMBER, False, "21211"),  # never placed, never will be
        (TwilioMode.RATE_LIMITED, True, "20429"),  # not placed: may be tried later
        (TwilioMode.SERVER_ERROR, True, "timeout"),  # may have been placed: never redial
    ],
)
def test_twilio_errors(
    twilio_server: FakeTwilio, mode: TwilioMode, transient: bool, code: str
) -> None:
    twilio_server.mode = mode
    with pytest.raises(ChannelError) as info:
        channel_for(twilio_server).place(CALL)
    assert (info.value.transient, info.value.code) == (transient, code)
    assert len(twilio_server.requests) == 1  # no retries by the client
    assert twilio_server.calls == []


def test_hanging_api_is_an_unknown_outcome(twilio_server: FakeTwilio) -> None:
    twilio_server.mode = TwilioMode.HANG
    started = time.monotonic()
    with pytest.raises(ChannelError) as info:
        channel_for(twilio_server, twilio_timeout_seconds=0.5).place(CALL)
    assert time.monotonic() - started < 2
    assert (info.value.transient, info.value.code) == (True, "timeout")
    assert len(twilio_server.requests) == 1


def test_refused_connection_was_never_placed() -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with pytest.raises(ChannelError) as info:
        raw_channel(port).place(CALL)
    assert (info.value.transient, info.value.code) == (True, None)


def test_a_connection_dropped_after_the_request_is_an_unknown_outcome() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    received: list[bytes] = []

    def read_then_close() -> None:
        conn, _ = server.accept()
        received.append(conn.recv(65536))
        conn.close()

    reader = threading.Thread(target=read_then_close, daemon=True)
    reader.start()
    try:
        with pytest.raises(ChannelError) as info:
            raw_channel(server.getsockname()[1]).place(CALL)
    finally:
        server.close()
    reader.join(timeout=2)
    assert received and received[0].startswith(b"POST ")
    assert (info.value.transient, info.value.code) == (True, "timeout")


def test_factory_needs_sid_token_and_number(twilio_server: FakeTwilio) -> None:
    assert isinstance(voice_channel_from_settings(settings_for(None)), ConsoleVoice)
    for missing in ("twilio_account_sid", "twilio_auth_token", "twilio_phone_number"):
        settings = settings_for(twilio_server, **{missing: ""})
        assert isinstance(voice_channel_from_settings(settings), ConsoleVoice), missing
    channel = channel_for(twilio_server)
    assert (channel.name, channel.from_number) == ("twilio", FROM_NUMBER)


def test_console_records_and_logs_one_line(caplog: pytest.LogCaptureFixture) -> None:
    console = voice_channel_from_settings(settings_for(None))
    assert isinstance(console, ConsoleVoice)
    assert console.name == "console"
    with caplog.at_level("INFO", logger="cart_admin.channels.voice"):
        sid = console.place(CALL)
    assert re.fullmatch(r"console:CA[0-9a-f]{32}", sid)
    assert list(console.outbox) == [CALL]
    [line] = [r.getMessage() for r in caplog.records]
    assert CALL.to in line

    for n in range(250):
        console.place(OutgoingCall(to=f"+4917000{n:05d}", answer_url="a", status_callback="s"))
    assert len(console.outbox) == 200
    assert console.outbox[-1].to == "+491700000249"
