"""SMS delivery through Twilio's REST API with the real ``twilio`` client.

``TwilioSms`` sends one message per call, without retries (the caller's scheduler retries,
and a retried HTTP request could send the SMS twice). Twilio's HTTP errors become
``ChannelError``: 429 and 5xx are transient, other 4xx permanent with Twilio's numeric code
(21211 invalid number, 21610 unsubscribed); timeouts and connection errors are transient.
A timeout after the request went out is ambiguous: Twilio may have queued the message.

``ConsoleSms`` is the channel without Twilio credentials: it logs one line and keeps the
last messages in memory. ``sms_channel_from_settings`` picks one of the two.
"""

from __future__ import annotations

import logging
import socket
import uuid
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit, urlunsplit

import requests
from twilio.base import values
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from cart_admin.channels.base import ChannelError

if TYPE_CHECKING:
    from cart_admin.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 10.0
OUTBOX_SIZE = 200


@dataclass(frozen=True)
class OutgoingSms:
    to: str  # E.164
    body: str
    status_callback: str | None = None


class SmsChannel(Protocol):
    name: str  # "twilio" or "console"

    def send(self, message: OutgoingSms) -> str:
        """Deliver ``message``; the provider's message SID."""
        ...


class _BaseUrlHttpClient(TwilioHttpClient):
    """Sends every request to ``base_url`` instead of Twilio's hosts (local fakes in tests).

    The ``twilio`` library hard-codes ``https://api.twilio.com``; its documented extension
    point is a custom ``http_client`` passed to ``Client``, which sees each absolute URL
    just before it is requested. Keeping Twilio's path (``/2010-04-01/Accounts/...``) and
    swapping the origin covers every resource (Messages, Calls) of every Twilio domain.
    """

    def __init__(self, base_url: str, *, timeout: float) -> None:
        super().__init__(timeout=timeout)
        base = urlsplit(base_url.rstrip("/"))
        if not base.scheme or not base.netloc:
            raise ValueError(f"not an absolute URL: {base_url!r}")
        self._base = base

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        parts = urlsplit(url)
        path = self._base.path + parts.path
        url = urlunsplit((self._base.scheme, self._base.netloc, path, parts.query, ""))
        return super().request(
            method, url, params, data, headers, auth, timeout, allow_redirects=allow_redirects
        )


def _rest_error(exc: TwilioRestException | TwilioServiceException) -> ChannelError:
    status = int(exc.status)
    code = str(exc.code) if exc.code is not None else None
    message = getattr(exc, "msg", None) or getattr(exc, "title", "") or "error"
    return ChannelError(
        f"Twilio refused the message (HTTP {status}, code {code}): {message}",
        transient=status == 429 or status >= 500,
        code=code,
    )


def _never_connected(exc: requests.RequestException) -> bool:
    """True when the request cannot have reached Twilio (refused, DNS, no route)."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, (ConnectionRefusedError, socket.gaierror)):
            return True
        if type(cause).__name__ in ("NewConnectionError", "NameResolutionError"):
            return True
        cause = (
            cause.__cause__
            or cause.__context__
            or (cause.args[0] if cause.args and isinstance(cause.args[0], BaseException) else None)
        )
    return False


class TwilioSms:
    """Sends SMS with ``twilio.rest.Client``: one attempt, a timeout, errors as ChannelError."""

    name = "twilio"

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        if not (account_sid and auth_token and from_number):
            raise ValueError("an account SID, auth token and sender number are required")
        self.from_number = from_number
        http_client = (
            _BaseUrlHttpClient(base_url, timeout=timeout)
            if base_url
            else TwilioHttpClient(timeout=timeout)
        )
        self._client = Client(account_sid, auth_token, http_client=http_client)

    def send(self, message: OutgoingSms) -> str:
        """Create the message at Twilio; its SID. Raises ChannelError on any failure."""
        try:
            created = self._client.messages.create(
                to=message.to,
                from_=self.from_number,
                body=message.body,
                status_callback=message.status_callback or values.unset,
            )
        except (TwilioRestException, TwilioServiceException) as exc:
            raise _rest_error(exc) from exc
        except requests.ConnectTimeout as exc:  # never connected: nothing was sent
            raise ChannelError("could not reach Twilio in time", transient=True) from exc
        except requests.Timeout as exc:
            raise ChannelError(
                "Twilio did not answer in time", transient=True, code="timeout"
            ) from exc
        except requests.RequestException as exc:
            message_ = f"could not reach Twilio: {type(exc).__name__}"
            # A connection that failed after the request went out (reset, closed while
            # waiting) may have created the message: the same "outcome unknown" as a timeout.
            code = None if _never_connected(exc) else "timeout"
            raise ChannelError(message_, transient=True, code=code) from exc
        except TwilioException as exc:
            message_ = f"Twilio request failed: {type(exc).__name__}: {exc}"
            raise ChannelError(message_, transient=True) from exc
        if not created.sid:
            raise ChannelError("Twilio's reply has no message SID", transient=True)
        return str(created.sid)


class ConsoleSms:
    """The channel without Twilio: logs one line, keeps the last messages, invents a SID."""

    name = "console"

    def __init__(self) -> None:
        self.outbox: deque[OutgoingSms] = deque(maxlen=OUTBOX_SIZE)

    def send(self, message: OutgoingSms) -> str:
        log.info("console SMS to %s (%d characters)", message.to, len(message.body))
        self.outbox.append(message)
        return "console:SM" + uuid.uuid4().hex


def sms_channel_from_settings(settings: Settings) -> SmsChannel:
    """Twilio when its account SID, auth token and sender number are all set; console otherwise."""
    if not (
        settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_phone_number
    ):
        return ConsoleSms()
    return TwilioSms(
        account_sid=settings.twilio_account_sid,
        auth_token=settings.twilio_auth_token,
        from_number=settings.twilio_phone_number,
        base_url=settings.twilio_api_base_url or None,
        timeout=settings.twilio_timeout_seconds,
    )
