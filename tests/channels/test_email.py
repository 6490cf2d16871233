"""The SMTP channel against a real SMTP server on localhost, and the console channel."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cart_admin.channels.base import ChannelError, FenceLost
from cart_admin.channels.email import (
    ConsoleEmail,
    OutgoingEmail,
    SmtpEmail,
    build_mime,
    email_channel_from_settings,
    smtp_payload,
)
from cart_admin.settings import PROJECT_ROOT, Settings
from tests.fakes.smtp_server import FakeSmtp, SmtpMode, free_port


def settings_for(server: FakeSmtp | None, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "smtp_host": server.host if server else "",
        "smtp_port": server.port if server else 587,
        "smtp_username": "",
        "smtp_password": "",
        "smtp_from": "Shop <shop@example.com>",
        "smtp_starttls": False,
        "smtp_timeout_seconds": 5.0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def channel_for(server: FakeSmtp, **overrides: object) -> SmtpEmail:
    channel = email_channel_from_settings(settings_for(server, **overrides))
    assert isinstance(channel, SmtpEmail)
    return channel


def outgoing(**changes: object) -> OutgoingEmail:
    values: dict[str, object] = {
        "to": "Ana Müller <ana@example.org>",
        "subject": "Your cart is waiting — 10% off",
        "text": "Hallo Ana,\nyour cart still holds: Grüner Tee.\n.hidden line\n.\nBye",
        "html": "<p>Hallo Ana, your cart still holds <b>Grüner Tee</b>.</p>",
        "message_id": "<int-42.step-0@cart-admin.test>",
        "headers": {
            "List-Unsubscribe": "<https://shop.test/u/tok42>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    }
    values.update(changes)
    return OutgoingEmail(**values)  # type: ignore[arg-type]


class Commit:
    """A commit callback that counts its calls and can check the server at that moment."""

    def __init__(self, result: bool = True, server: FakeSmtp | None = None) -> None:
        self.result = result
        self.server = server
        self.calls = 0
        self.messages_at_commit: list[int] = []

    def __call__(self) -> bool:
        self.calls += 1
        if self.server is not None:
            self.messages_at_commit.append(len(self.server.messages))
        return self.result


def test_delivers_a_multipart_message_with_every_header(smtp_server: FakeSmtp) -> None:
    commit = Commit(server=smtp_server)
    provider_id = channel_for(smtp_server).send(outgoing(), commit=commit)

    assert provider_id == "<int-42.step-0@cart-admin.test>"
    assert commit.calls == 1
    assert commit.messages_at_commit == [0]  # committed before the server had the message
    [received] = smtp_server.messages
    assert received.mail_from == "shop@example.com"
    assert received.rcpt_tos == ["ana@example.org"]
    msg = received.message
    assert msg["From"] == "Shop <shop@example.com>"
    assert msg["To"] == "Ana Müller <ana@example.org>"
    assert msg["Subject"] == "Your cart is waiting — 10% off"
    assert msg["Message-ID"] == "<int-42.step-0@cart-admin.test>"
    assert msg["Date"]
    assert msg["List-Unsubscribe"] == "<https://shop.test/u/tok42>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in msg.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert received.part("text/plain") == outgoing().text + "\n"
    assert "<b>Grüner Tee</b>" in received.part("text/html")
    assert b"\n.hidden line" in received.raw  # the server undid the dot-stuffing


def test_payload_is_dot_stuffed_crlf_without_terminator() -> None:
    payload = smtp_payload(build_mime(outgoing(), "a@b.test"))
    assert b"\r\n..hidden line" in payload
    assert b"\r\n..\r\n" in payload  # the lone "." of the text
    assert b"\n" not in payload.replace(b"\r\n", b"")
    assert payload.endswith(b"\r\n")
    assert not payload.endswith(b"\r\n.\r\n")


def test_commit_refused_delivers_nothing(smtp_server: FakeSmtp) -> None:
    commit = Commit(result=False)
    with pytest.raises(FenceLost):
        channel_for(smtp_server).send(outgoing(), commit=commit)
    assert commit.calls == 1
    time.sleep(0.2)  # give the server time to (not) record anything
    assert smtp_server.messages == []


def test_commit_raising_delivers_nothing_and_propagates(smtp_server: FakeSmtp) -> None:
    def commit() -> bool:
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError, match="database went away"):
        channel_for(smtp_server).send(outgoing(), commit=commit)
    time.sleep(0.2)
    assert smtp_server.messages == []


def test_rcpt_rejected_is_permanent_and_never_commits(smtp_server: FakeSmtp) -> None:
    smtp_server.mode = SmtpMode.REJECT_RCPT
    commit = Commit()
    with pytest.raises(ChannelError) as info:
        channel_for(smtp_server).send(outgoing(), commit=commit)
    assert info.value.transient is False
    assert info.value.code == "550"
    assert commit.calls == 0


@pytest.mark.parametrize(
    ("mode", "transient", "code"),
    [(SmtpMode.DATA_451, True, "451"), (SmtpMode.DATA_554, False, "554")],
)
def test_refusal_at_end_of_data(
    smtp_server: FakeSmtp, mode: SmtpMode, transient: bool, code: str
) -> None:
    smtp_server.mode = mode
    commit = Commit()
    with pytest.raises(ChannelError) as info:
        channel_for(smtp_server).send(outgoing(), commit=commit)
    assert (info.value.transient, info.value.code) == (transient, code)
    assert info.value.committed is True
    assert commit.calls == 1
    assert smtp_server.messages == []


def test_connection_refused_is_transient() -> None:
    closed = FakeSmtp()  # a free port nobody listens on
    commit = Commit()
    with pytest.raises(ChannelError) as info:
        channel_for(closed).send(outgoing(), commit=commit)
    assert info.value.transient is True
    assert commit.calls == 0


@pytest.mark.parametrize(("mode", "commits"), [(SmtpMode.HANG, 0), (SmtpMode.HANG_AFTER_DATA, 1)])
def test_hanging_server_times_out_as_transient(
    smtp_server: FakeSmtp, mode: SmtpMode, commits: int
) -> None:
    smtp_server.mode = mode
    commit = Commit()
    started = time.monotonic()
    with pytest.raises(ChannelError) as info:
        channel_for(smtp_server, smtp_timeout_seconds=0.5).send(outgoing(), commit=commit)
    assert time.monotonic() - started < 3
    assert info.value.transient is True
    assert info.value.committed is bool(commits)
    assert commit.calls == commits


def test_login_with_the_configured_user() -> None:
    with FakeSmtp(auth=("mailer", "s3cret")) as server:
        channel_for(server, smtp_username="mailer", smtp_password="s3cret").send(
            outgoing(), commit=Commit()
        )
        assert len(server.messages) == 1

        with pytest.raises(ChannelError) as info:
            channel_for(server, smtp_username="mailer", smtp_password="wrong").send(
                outgoing(), commit=Commit()
            )
        assert (info.value.transient, info.value.code) == (False, "535")

        with pytest.raises(ChannelError) as info:  # no login where the server requires one
            channel_for(server).send(outgoing(), commit=Commit())
        assert info.value.code == "530"
        assert len(server.messages) == 1


def test_starttls_required_but_not_offered_sends_nothing(smtp_server: FakeSmtp) -> None:
    commit = Commit()
    with pytest.raises(ChannelError) as info:
        channel_for(smtp_server, smtp_starttls=True).send(outgoing(), commit=commit)
    assert info.value.transient is False
    assert "STARTTLS" in str(info.value)
    assert commit.calls == 0
    assert smtp_server.messages == []


def test_from_addr_of_the_message_wins(smtp_server: FakeSmtp) -> None:
    channel_for(smtp_server).send(
        outgoing(from_addr="Other Shop <hello@other.example>"), commit=Commit()
    )
    [received] = smtp_server.messages
    assert received.mail_from == "hello@other.example"
    assert received.message["From"] == "Other Shop <hello@other.example>"


def test_extra_headers_cannot_replace_the_channels_own() -> None:
    with pytest.raises(ValueError, match="Message-ID"):
        SmtpEmail(host="127.0.0.1", from_addr="a@b.test").send(
            outgoing(headers={"Message-ID": "<x@y>"}), commit=Commit()
        )


def test_factory_picks_smtp_only_with_a_host(smtp_server: FakeSmtp) -> None:
    assert isinstance(email_channel_from_settings(settings_for(None)), ConsoleEmail)
    channel = channel_for(smtp_server, smtp_starttls=True, smtp_timeout_seconds=2.5)
    assert (channel.name, channel.host, channel.port) == ("smtp", "127.0.0.1", smtp_server.port)
    assert (channel.starttls, channel.timeout) == (True, 2.5)


def test_console_commits_then_records(caplog: pytest.LogCaptureFixture) -> None:
    console = email_channel_from_settings(settings_for(None))
    assert isinstance(console, ConsoleEmail)
    assert console.name == "console"
    commit = Commit()
    with caplog.at_level("INFO", logger="cart_admin.channels.email"):
        provider_id = console.send(outgoing(), commit=commit)
    assert provider_id == "console:<int-42.step-0@cart-admin.test>"
    assert commit.calls == 1
    assert list(console.outbox) == [outgoing()]
    [line] = [r.getMessage() for r in caplog.records]
    assert "ana@example.org" in line and "Your cart is waiting" in line
    assert "Grüner Tee" not in line  # never the body

    with pytest.raises(FenceLost):
        console.send(outgoing(message_id="<other@test>"), commit=Commit(result=False))
    assert len(console.outbox) == 1


def test_console_outbox_is_bounded() -> None:
    console = ConsoleEmail()
    for n in range(250):
        console.send(outgoing(message_id=f"<{n}@test>"), commit=Commit())
    assert len(console.outbox) == 200
    assert console.outbox[0].message_id == "<50@test>"


def test_standalone_server_records_deliveries_to_a_file(tmp_path: Path) -> None:
    record = tmp_path / "deliveries.jsonl"
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.smtp_server", "--port", str(port), "--record", record],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == f"listening on 127.0.0.1:{port}"
        channel = SmtpEmail(host="127.0.0.1", port=port, from_addr="a@b.test", starttls=False)
        channel.send(outgoing(), commit=Commit())
        with pytest.raises(FenceLost):
            channel.send(outgoing(message_id="<fenced@test>"), commit=Commit(result=False))
        channel.send(outgoing(message_id="<second@test>", subject="Again"), commit=Commit())
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
    lines = [json.loads(line) for line in record.read_text().splitlines()]
    assert lines == [
        {
            "message_id": "<int-42.step-0@cart-admin.test>",
            "to": "Ana Müller <ana@example.org>",
            "subject": "Your cart is waiting — 10% off",
        },
        {
            "message_id": "<second@test>",
            "to": "Ana Müller <ana@example.org>",
            "subject": "Again",
        },
    ]
