"""E-mail delivery over SMTP, recorded in the database at the one safe moment.

The caller passes two callbacks. ``commit`` records the message as SENT, fenced on the
caller's lease, *without* making it durable yet (the row stays locked in an open transaction),
and returns False when another worker has taken the message over. ``confirm`` makes that
record durable (the database COMMIT). ``SmtpEmail.send``:

1. connects (TCP_NODELAY: the end of DATA is not held back by delayed ACKs), EHLO, STARTTLS
   (required unless ``smtp_starttls`` is off; a server that does not offer it is a permanent
   error rather than a reason to send in clear), AUTH when a username is set;
2. MAIL FROM, RCPT TO (5xx: permanent error, 4xx: transient), DATA (expects 354);
3. sends the dot-stuffed message with CRLF line endings, *without* the final ``.\r\n``;
4. calls ``commit()``. If it refuses (or raises), the socket is closed without the terminator:
   an SMTP server discards a message whose DATA never ended, so nothing was delivered and
   ``FenceLost`` (or the commit's own exception) is raised;
5. writes the terminator ``.\r\n`` corked (held in the kernel, see ``_cork``), calls
   ``confirm()`` at once, uncorks, then reads the server's reply (250, or an error that is
   transient for 4xx and permanent for 5xx), then QUIT. If ``confirm`` fails, the connection
   is reset, which discards the corked terminator.

A worker killed before step 5 delivered nothing and recorded nothing (the database rolls the
open transaction back), so the message is sent again later, once. A worker killed after its
COMMIT reached the database still delivers (closing a socket flushes what is corked). Only a
kill in the microseconds between queueing the terminator and handing COMMIT to the database
can lead to a second copy; no kill can lose a message that the database calls SENT. An error
after the terminator carries ``committed=True``: the server may or may not have the message.

``ConsoleEmail`` is the channel without SMTP settings: it records, logs one line and keeps
the last messages in memory. ``email_channel_from_settings`` picks one of the two.
"""

from __future__ import annotations

import logging
import re
import smtplib
import socket
import ssl
import struct
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, parseaddr
from typing import TYPE_CHECKING, Protocol

from cart_admin.channels.base import ChannelError, FenceLost

if TYPE_CHECKING:
    from cart_admin.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 10.0
OUTBOX_SIZE = 200

# Set by the channel itself; a caller's extra header must not duplicate one of these.
_OWN_HEADERS = frozenset(
    {"from", "to", "subject", "date", "message-id", "mime-version", "content-type"}
)
_LINE_START_DOT = re.compile(rb"^\.", re.MULTILINE)


@dataclass(frozen=True)
class OutgoingEmail:
    to: str
    subject: str
    text: str  # text/plain part
    html: str  # text/html part
    message_id: str  # full "<...@...>", chosen by the caller, the same on every retry
    headers: Mapping[str, str] = field(default_factory=dict)  # e.g. List-Unsubscribe
    from_addr: str | None = None  # defaults to the channel's sender (settings.smtp_from)


def _nothing() -> None:
    """A ``confirm`` for callers whose ``commit`` is already durable."""


class EmailChannel(Protocol):
    name: str  # "smtp" or "console"

    def send(
        self,
        message: OutgoingEmail,
        *,
        commit: Callable[[], bool],
        confirm: Callable[[], None] = _nothing,
    ) -> str:
        """Deliver ``message``: ``commit`` just before it is final, ``confirm`` right after."""
        ...


def build_mime(message: OutgoingEmail, from_addr: str) -> EmailMessage:
    """The multipart/alternative message (text, then HTML) with every header set.

    Parts are quoted-printable so the message is 7-bit clean on any server, while non-ASCII
    text survives.
    """
    mime = EmailMessage(policy=SMTP_POLICY)
    mime["From"] = message.from_addr or from_addr
    mime["To"] = message.to
    mime["Subject"] = message.subject
    mime["Date"] = formatdate(usegmt=True)
    mime["Message-ID"] = message.message_id
    for name, value in message.headers.items():
        if name.lower() in _OWN_HEADERS:
            raise ValueError(f"header {name} is set by the channel")
        mime[name] = value
    mime.set_content(message.text, cte="quoted-printable")
    mime.add_alternative(message.html, subtype="html", cte="quoted-printable")
    return mime


def smtp_payload(mime: EmailMessage) -> bytes:
    """The DATA bytes: CRLF line endings, leading dots doubled, ending in CRLF, no terminator."""
    data = mime.as_bytes(policy=SMTP_POLICY)
    data = re.sub(rb"\r?\n", b"\r\n", data)
    data = _LINE_START_DOT.sub(b"..", data)
    return data if data.endswith(b"\r\n") else data + b"\r\n"


def _address(value: str) -> str:
    """The bare address of ``Name <addr>`` for the envelope."""
    return parseaddr(value)[1] or value


def _refused(step: str, code: int, reply: bytes | str, *, committed: bool = False) -> ChannelError:
    text = reply.decode("utf-8", errors="replace") if isinstance(reply, bytes) else reply
    return ChannelError(
        f"SMTP {step} refused: {code} {text}",
        transient=400 <= code < 500,
        code=str(code),
        committed=committed,
    )


@contextmanager
def _smtp_errors(step: str, *, committed: bool = False) -> Iterator[None]:
    """Turn smtplib's and the socket's exceptions into ChannelError."""
    try:
        yield
    except smtplib.SMTPResponseException as exc:
        raise _refused(step, exc.smtp_code, exc.smtp_error, committed=committed) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise ChannelError(f"SMTP {step}: {exc}", transient=False, committed=committed) from exc
    except ssl.SSLCertVerificationError as exc:
        message = f"SMTP {step}: the server's certificate did not verify"
        raise ChannelError(message, transient=False, committed=committed) from exc
    except OSError as exc:  # timeouts, refused or dropped connections, SMTPServerDisconnected
        message = f"SMTP {step} failed: {type(exc).__name__}: {exc}"
        raise ChannelError(message, transient=True, committed=committed) from exc


def _cork(smtp: smtplib.SMTP, on: bool) -> None:
    """TCP_CORK (Linux) holds the terminator in the kernel while the database commits.

    Writing it uncorked would wake the SMTP server, which on a busy host takes the CPU from
    this process for milliseconds before it can send its COMMIT: a kill then would leave a
    delivered message unrecorded. Corked, nothing wakes until the COMMIT is out, and if the
    process dies in between, closing the socket still flushes the terminator (so the
    server's copy and the database's record differ only in a window of microseconds).
    """
    option = getattr(socket, "TCP_CORK", None)
    if option is not None and smtp.sock is not None:
        with suppress(OSError):
            smtp.sock.setsockopt(socket.IPPROTO_TCP, option, 1 if on else 0)


def _abort(smtp: smtplib.SMTP) -> None:
    """Reset the connection: unsent (corked) bytes are discarded, not flushed."""
    if smtp.sock is not None:
        with suppress(OSError):
            smtp.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    _drop(smtp)


def _drop(smtp: smtplib.SMTP) -> None:
    """Close the connection mid-DATA: without the terminator, the server discards the message."""
    with suppress(OSError):
        smtp.close()


class SmtpEmail:
    """Sends through an SMTP server with the commit protocol of the module docstring."""

    name = "smtp"

    def __init__(
        self,
        *,
        host: str,
        port: int = 587,
        username: str = "",
        password: str = "",
        from_addr: str,
        starttls: bool = True,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        if not host:
            raise ValueError("an SMTP host is required")
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.from_addr = from_addr
        self.starttls = starttls
        self.timeout = timeout

    def send(
        self,
        message: OutgoingEmail,
        *,
        commit: Callable[[], bool],
        confirm: Callable[[], None] = _nothing,
    ) -> str:
        """Deliver ``message``; ``commit`` runs once, after the body and before its end, and
        ``confirm`` right after the end is written."""
        mime = build_mime(message, self.from_addr)
        payload = smtp_payload(mime)
        sender = _address(str(mime["From"]))
        with _smtp_errors("connect"):
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if smtp.sock is not None:
                smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            self._open_data(smtp, sender, _address(message.to), payload)
            try:
                committed = commit()
            except BaseException:
                _drop(smtp)
                raise
            if not committed:
                _drop(smtp)
                raise FenceLost(f"commit refused for {message.message_id}; nothing sent")
            with _smtp_errors("end of DATA"):
                _cork(smtp, True)  # the terminator waits in the kernel: no wake-up yet
                smtp.send(b".\r\n")
            try:
                confirm()
            except BaseException:
                _abort(smtp)  # the record failed: discard the corked terminator, send nothing
                raise
            with _smtp_errors("end of DATA", committed=True):
                _cork(smtp, False)
            with _smtp_errors("end of DATA", committed=True):
                code, reply = smtp.getreply()
            if code != 250:
                raise _refused("end of DATA", code, reply, committed=True)
            with suppress(smtplib.SMTPException, OSError):
                smtp.quit()
        finally:
            _drop(smtp)
        return message.message_id

    def _open_data(self, smtp: smtplib.SMTP, sender: str, recipient: str, payload: bytes) -> None:
        """Everything up to (not including) the end of DATA."""
        with _smtp_errors("EHLO"):
            code, reply = smtp.ehlo()
            if code != 250:
                raise _refused("EHLO", code, reply)
        if self.starttls:
            if not smtp.has_extn("starttls"):
                message = "the SMTP server does not offer STARTTLS, which is required"
                raise ChannelError(message, transient=False)
            with _smtp_errors("STARTTLS"):
                smtp.starttls(context=ssl.create_default_context())
                code, reply = smtp.ehlo()
                if code != 250:
                    raise _refused("EHLO", code, reply)
        if self.username:
            with _smtp_errors("AUTH"):
                smtp.login(self.username, self.password)
        with _smtp_errors("MAIL FROM"):
            code, reply = smtp.mail(sender)
            if code != 250:
                raise _refused("MAIL FROM", code, reply)
        with _smtp_errors("RCPT TO"):
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                raise _refused("RCPT TO", code, reply)
        with _smtp_errors("DATA"):
            code, reply = smtp.docmd("DATA")
            if code != 354:
                raise _refused("DATA", code, reply)
            smtp.send(payload)


class ConsoleEmail:
    """The channel without an SMTP server: commits, logs one line, keeps the last messages."""

    name = "console"

    def __init__(self) -> None:
        self.outbox: deque[OutgoingEmail] = deque(maxlen=OUTBOX_SIZE)

    def send(
        self,
        message: OutgoingEmail,
        *,
        commit: Callable[[], bool],
        confirm: Callable[[], None] = _nothing,
    ) -> str:
        if not commit():
            raise FenceLost(f"commit refused for {message.message_id}; nothing sent")
        confirm()
        log.info("console e-mail to %s: %s", message.to, message.subject)
        self.outbox.append(message)
        return "console:" + message.message_id


def email_channel_from_settings(settings: Settings) -> EmailChannel:
    """SMTP when a host is configured, the console channel otherwise."""
    if not settings.smtp_host:
        return ConsoleEmail()
    return SmtpEmail(
        host=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password,
        from_addr=settings.smtp_from,
        starttls=settings.smtp_starttls,
        timeout=settings.smtp_timeout_seconds,
    )
