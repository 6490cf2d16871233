"""A local fake SMTP server (aiosmtpd) for the real ``smtplib`` client.

``FakeSmtp`` listens on 127.0.0.1 (a free port) in a background thread, records every
accepted message (envelope, raw bytes, parsed ``EmailMessage``) and has switchable failure
modes (``server.mode = SmtpMode.REJECT_RCPT`` ...). With ``auth=("user", "password")`` it
advertises AUTH without TLS and requires it. A message whose DATA never ended (the client
closed the connection before ``.\\r\\n``) is never recorded, as on a real server.

In a test, import the fixture into the module (or conftest)::

    from tests.fakes.smtp_server import FakeSmtp, SmtpMode, smtp_server  # noqa: F401

As its own process, for tests that count deliveries across processes::

    python -m tests.fakes.smtp_server --port 2525 --record deliveries.jsonl

prints ``listening on 127.0.0.1:PORT`` once ready and appends one JSON line per accepted
message (``message_id``, ``to``, ``subject``) to the file, flushed at once; it stops on
SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import json
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

HANG_SECONDS = 3600.0  # "forever": the server's stop cancels the wait


class SmtpMode(Enum):
    ACCEPT = "accept"
    REJECT_RCPT = "reject-rcpt"  # 550 to every RCPT TO
    DATA_451 = "data-451"  # transient refusal once the message has arrived
    DATA_554 = "data-554"  # permanent refusal once the message has arrived
    HANG = "hang"  # never answers EHLO
    HANG_AFTER_DATA = "hang-after-data"  # never answers the end of DATA


@dataclass(frozen=True)
class ReceivedMessage:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"] or "")

    def part(self, content_type: str) -> str:
        """The decoded text of the first ``content_type`` part, with ``\n`` line endings."""
        for part in self.message.walk():
            if part.get_content_type() == content_type and isinstance(part, EmailMessage):
                return str(part.get_content()).replace("\r\n", "\n")
        raise KeyError(content_type)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Handler:
    def __init__(self, fake: FakeSmtp) -> None:
        self.fake = fake

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list
    ) -> list[str]:
        if self.fake.mode is SmtpMode.HANG:
            await asyncio.sleep(HANG_SECONDS)
        session.host_name = hostname
        return responses

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list
    ) -> str:
        # Checked here rather than with aiosmtpd's auth_required, which warns without TLS.
        if self.fake.auth is not None and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list
    ) -> str:
        if self.fake.mode is SmtpMode.REJECT_RCPT:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        mode = self.fake.mode
        if mode is SmtpMode.HANG_AFTER_DATA:
            await asyncio.sleep(HANG_SECONDS)
        if mode is SmtpMode.DATA_451:
            return "451 4.3.0 Try again later"
        if mode is SmtpMode.DATA_554:
            return "554 5.7.1 Message rejected"
        raw = bytes(envelope.original_content or envelope.content or b"")
        parsed = email.message_from_bytes(raw, policy=default_policy)
        assert isinstance(parsed, EmailMessage)
        self.fake._record(
            ReceivedMessage(str(envelope.mail_from), list(envelope.rcpt_tos), raw, parsed)
        )
        return "250 OK: queued"


class FakeSmtp:
    """An SMTP server on 127.0.0.1 that records what it accepts; ``mode`` switches failures."""

    def __init__(
        self,
        *,
        port: int = 0,
        auth: tuple[str, str] | None = None,
        record_path: Path | None = None,
    ) -> None:
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.auth = auth
        self.record_path = record_path
        self.mode = SmtpMode.ACCEPT
        self.messages: list[ReceivedMessage] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert self.auth is not None
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        given = (data.login.decode(), data.password.decode())
        return AuthResult(success=given == self.auth, handled=False)

    def _record(self, received: ReceivedMessage) -> None:
        with self._lock:
            self.messages.append(received)
            if self.record_path is not None:
                line = {
                    "message_id": received.message_id,
                    "to": str(received.message["To"] or ""),
                    "subject": str(received.message["Subject"] or ""),
                }
                with self.record_path.open("a", encoding="utf-8") as out:
                    out.write(json.dumps(line) + "\n")
                    out.flush()

    def start(self) -> FakeSmtp:
        options: dict[str, Any] = {}
        if self.auth is not None:
            options = {
                "authenticator": self._authenticate,
                "auth_require_tls": False,
            }
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port, **options)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> FakeSmtp:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@pytest.fixture
def smtp_server() -> Iterator[FakeSmtp]:
    """A running fake SMTP server without AUTH or STARTTLS."""
    with FakeSmtp() as server:
        yield server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=0, help="0: a free port (printed)")
    parser.add_argument("--record", type=Path, help="append one JSON line per message here")
    args = parser.parse_args(argv)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    with FakeSmtp(port=args.port, record_path=args.record) as server:
        print(f"listening on {server.host}:{server.port}", flush=True)
        while not stop.wait(0.5):
            pass
    sys.exit(0)


if __name__ == "__main__":
    main()
