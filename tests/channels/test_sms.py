"""The Twilio SMS channel against a fake Twilio API on localhost, and the console channel."""

from __future__ import annotations

import re
import time

import pytest

from cart_admin.channels.base import ChannelError
from cart_admin.channels.sms import ConsoleSms, OutgoingSms, TwilioSms, sms_channel_from_settings
from cart_admin.settings import Settings
from tests.fakes.twilio_server import FakeTwilio, TwilioMode

FROM_NUMBER = "+15005550006"


def settings_for(server: FakeTwilio | None, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "twilio_account_sid": server.account_sid if server else "",
        "twilio_auth_token": server.auth_token if server else "",
        "twilio_phone_number": FROM_NUMBER if server else "",
        "twilio_api_base_url": server.base_url if server else "",
        "twilio_timeout_seconds": 5.0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def channel_for(server: FakeTwilio, **overrides: object) -> TwilioSms:
    channel = sms_channel_from_settings(settings_for(server, **overrides))
    assert isinstance(channel, TwilioSms)
    return channel


SMS = OutgoingSms(
    to="+491701234567",
    body="Your cart is waiting: Grüner Tee. Reply STOP to opt out.",
    status_callback="https://shop.test/api/twilio/status/tok42",
)


def test_sends_through_the_real_client(twilio_server: FakeTwilio) -> None:
    sid = channel_for(twilio_server).send(SMS)

    assert re.fullmatch(r"SM[0-9a-f]{32}", sid)
    [request] = twilio_server.requests
    assert request.method == "POST"
    assert request.path == f"/2010-04-01/Accounts/{twilio_server.account_sid}/Messages.json"
    assert request.auth == (twilio_server.account_sid, twilio_server.auth_token)
    assert request.form == {
        "To": SMS.to,
        "From": FROM_NUMBER,
        "Body": SMS.body,
        "StatusCallback": SMS.status_callback,
    }
    assert request.status == 201


def test_no_status_callback_is_left_out(twilio_server: FakeTwilio) -> None:
    channel_for(twilio_server).send(OutgoingSms(to="+491701234567", body="Hi"))
    assert "StatusCallback" not in twilio_server.requests[0].form


def test_a_base_url_with_a_path_prefix_is_kept(twilio_server: FakeTwilio) -> None:
    with pytest.raises(ChannelError) as info:
        channel_for(twilio_server, twilio_api_base_url=twilio_server.base_url + "/proxy").send(SMS)
    assert (info.value.transient, info.value.code) == (False, "20404")  # the fake's 404
    assert twilio_server.requests == []


def test_wrong_credentials_are_permanent(twilio_server: FakeTwilio) -> None:
    with pytest.raises(ChannelError) as info:
        channel_for(twilio_server, twilio_auth_token="wrong").send(SMS)
    assert (info.value.transient, info.value.code) == (False, "20003")


@pytest.mark.parametrize(
    ("mode", "transient", "code"),
    [
        (TwilioMode.INVALID_NUMBER, False, "21211"),
        (TwilioMode.UNSUBSCRIBED, False, "21610"),
        (TwilioMode.RATE_LIMITED, True, "20429"),
        (TwilioMode.SERVER_ERROR, True, "20500"),
    ],
)
def test_twilio_errors(
    twilio_server: FakeTwilio, mode: TwilioMode, transient: bool, code: str
) -> None:
    twilio_server.mode = mode
    with pytest.raises(ChannelError) as info:
        channel_for(twilio_server).send(SMS)
    assert (info.value.transient, info.value.code) == (transient, code)
    assert len(twilio_server.requests) == 1  # no retries by the client


def test_hanging_api_times_out_as_transient(twilio_server: FakeTwilio) -> None:
    twilio_server.mode = TwilioMode.HANG
    started = time.monotonic()
    with pytest.raises(ChannelError) as info:
        channel_for(twilio_server, twilio_timeout_seconds=0.5).send(SMS)
    assert time.monotonic() - started < 3
    assert info.value.transient is True
    assert len(twilio_server.requests) == 1


def test_unreachable_api_is_transient() -> None:
    with FakeTwilio() as server:
        settings = settings_for(server)
    with pytest.raises(ChannelError) as info:
        sms_channel_from_settings(settings).send(SMS)
    assert info.value.transient is True


def test_factory_needs_sid_token_and_number(twilio_server: FakeTwilio) -> None:
    assert isinstance(sms_channel_from_settings(settings_for(None)), ConsoleSms)
    for missing in ("twilio_account_sid", "twilio_auth_token", "twilio_phone_number"):
        settings = settings_for(twilio_server, **{missing: ""})
        assert isinstance(sms_channel_from_settings(settings), ConsoleSms), missing
    channel = channel_for(twilio_server)
    assert (channel.name, channel.from_number) == ("twilio", FROM_NUMBER)


def test_console_records_and_logs_one_line(caplog: pytest.LogCaptureFixture) -> None:
    console = sms_channel_from_settings(settings_for(None))
    assert isinstance(console, ConsoleSms)
    assert console.name == "console"
    with caplog.at_level("INFO", logger="cart_admin.channels.sms"):
        sid = console.send(SMS)
    assert re.fullmatch(r"console:SM[0-9a-f]{32}", sid)
    assert list(console.outbox) == [SMS]
    [line] = [r.getMessage() for r in caplog.records]
    assert SMS.to in line

    for n in range(250):
        console.send(OutgoingSms(to="+491700000000", body=str(n)))
    assert len(console.outbox) == 200
    assert console.outbox[-1].body == "249"


def test_a_connection_dropped_after_the_request_is_an_unknown_outcome() -> None:
    """Refused: nothing reached Twilio (safe to retry). Closed after the request was read:
    Twilio may have the message, reported like a timeout (never retried)."""
    import socket
    import threading

    from cart_admin.channels.base import ChannelError
    from cart_admin.channels.sms import OutgoingSms, TwilioSms

    def channel(port: int) -> TwilioSms:
        return TwilioSms(account_sid="AC" + "0" * 32, auth_token="t", from_number="+15550000000",
                         base_url=f"http://127.0.0.1:{port}", timeout=2)  # fmt: skip

    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    refused_port = closed.getsockname()[1]
    closed.close()
    with pytest.raises(ChannelError) as refused:
        channel(refused_port).send(OutgoingSms(to="+15550000001", body="hi"))
    assert refused.value.transient and refused.value.code is None

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def read_then_close() -> None:
        for _ in range(3):  # requests' own connection retries, if any
            try:
                conn, _ = server.accept()
            except OSError:  # the test closed the server: no retry came
                return
            conn.recv(65536)
            conn.close()

    reader = threading.Thread(target=read_then_close, daemon=True)
    reader.start()
    with pytest.raises(ChannelError) as dropped:
        channel(server.getsockname()[1]).send(OutgoingSms(to="+15550000001", body="hi"))
    server.close()
    reader.join(timeout=2)
    assert dropped.value.code == "timeout"
