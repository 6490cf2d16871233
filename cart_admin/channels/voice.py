"""Outbound phone calls through Twilio's Calls API with the real ``twilio`` client.

``TwilioVoice`` places one call per ``place``, without retries: Twilio requests
``answer_url`` (POST) when the call is answered, with synchronous answering-machine
detection (``MachineDetection=DetectMessageEnd``) so that request carries ``AnsweredBy``,
and posts every progress event (initiated, ringing, answered, completed) to
``status_callback``.

A call placed twice rings a customer twice, so the errors say whether one may have been
placed. Every failure is a ``ChannelError``:

- ``code="timeout"``, transient: the outcome is UNKNOWN and the caller must not redial.
  The request went out and no usable answer came back: a read timeout, a connection reset or
  closed after sending, any HTTP 5xx answer (Twilio may have created the call before
  failing), or a 2xx answer without a call SID.
- transient, ``code`` = Twilio's numeric code ("20429"): HTTP 429, the call was not placed
  and may be tried again later.
- transient, ``code=None``: the connection was never made (refused, DNS, connect timeout),
  so nothing was placed.
- permanent (``transient=False``) with Twilio's code: any other 4xx answer, e.g. 21211
  invalid number, 21215 / 13227 geographic permissions, 20003 wrong credentials.

``ConsoleVoice`` is the channel without Twilio credentials: it logs one line and keeps the
last calls in memory. ``voice_channel_from_settings`` picks one of the two.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import requests
from twilio.base import values
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from cart_admin.channels.base import ChannelError
from cart_admin.channels.sms import _BaseUrlHttpClient, _never_connected, _rest_error

if TYPE_CHECKING:
    from cart_admin.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 10.0
OUTBOX_SIZE = 200
STATUS_CALLBACK_EVENTS = ("initiated", "ringing", "answered", "completed")
OUTCOME_UNKNOWN = "timeout"  # ChannelError.code when the call may have been placed


@dataclass(frozen=True)
class OutgoingCall:
    to: str  # E.164
    answer_url: str  # our TwiML webhook Twilio requests (POST) when the call is answered
    status_callback: str  # our status webhook (POST)
    ring_seconds: int = 30  # how long it rings before no-answer
    machine_detection: bool = True


class VoiceChannel(Protocol):
    name: str  # "twilio" or "console"

    def place(self, call: OutgoingCall) -> str:
        """Place ``call``; the provider's Call SID."""
        ...


def _call_error(exc: TwilioRestException | TwilioServiceException) -> ChannelError:
    """Twilio's error answer as a ChannelError; a 5xx is an unknown outcome, never a retry."""
    error = _rest_error(exc)
    status = int(exc.status)
    message = getattr(exc, "msg", None) or getattr(exc, "title", "") or "error"
    if status >= 500:
        return ChannelError(
            f"Twilio failed (HTTP {status}, code {error.code}), the call may have been placed:"
            f" {message}",
            transient=True,
            code=OUTCOME_UNKNOWN,
        )
    return ChannelError(
        f"Twilio refused the call (HTTP {status}, code {error.code}): {message}",
        transient=error.transient,
        code=error.code,
    )


class TwilioVoice:
    """Places calls with ``twilio.rest.Client``: one attempt, a timeout, errors as ChannelError."""

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
            raise ValueError("an account SID, auth token and caller number are required")
        self.from_number = from_number
        http_client = (
            _BaseUrlHttpClient(base_url, timeout=timeout)
            if base_url
            else TwilioHttpClient(timeout=timeout)
        )
        self._client = Client(account_sid, auth_token, http_client=http_client)

    def place(self, call: OutgoingCall) -> str:
        """Create the call at Twilio; its SID. Raises ChannelError on any failure."""
        try:
            created = self._client.calls.create(
                to=call.to,
                from_=self.from_number,
                url=call.answer_url,
                method="POST",
                status_callback=call.status_callback,
                status_callback_method="POST",
                status_callback_event=list(STATUS_CALLBACK_EVENTS),
                timeout=call.ring_seconds,
                machine_detection="DetectMessageEnd" if call.machine_detection else values.unset,
            )
        except (TwilioRestException, TwilioServiceException) as exc:
            raise _call_error(exc) from exc
        except requests.ConnectTimeout as exc:  # never connected: nothing was sent
            raise ChannelError("could not reach Twilio in time", transient=True) from exc
        except requests.Timeout as exc:
            raise ChannelError(
                "Twilio did not answer in time, the call may have been placed",
                transient=True,
                code=OUTCOME_UNKNOWN,
            ) from exc
        except requests.RequestException as exc:
            if _never_connected(exc):
                message = f"could not reach Twilio: {type(exc).__name__}"
                raise ChannelError(message, transient=True) from exc
            # Reset or closed after the request went out: Twilio may have placed the call.
            message = f"lost Twilio's answer, the call may have been placed: {type(exc).__name__}"
            raise ChannelError(message, transient=True, code=OUTCOME_UNKNOWN) from exc
        except (TwilioException, json.JSONDecodeError) as exc:  # an unreadable answer
            message = f"Twilio's answer is unreadable, the call may have been placed: {exc}"
            raise ChannelError(message, transient=True, code=OUTCOME_UNKNOWN) from exc
        if not created.sid:
            raise ChannelError(
                "Twilio's reply has no call SID, the call may have been placed",
                transient=True,
                code=OUTCOME_UNKNOWN,
            )
        return str(created.sid)


class ConsoleVoice:
    """The channel without Twilio: logs one line, keeps the last calls, invents a SID."""

    name = "console"

    def __init__(self) -> None:
        self.outbox: deque[OutgoingCall] = deque(maxlen=OUTBOX_SIZE)

    def place(self, call: OutgoingCall) -> str:
        log.info("console call to %s (answer webhook %s)", call.to, call.answer_url)
        self.outbox.append(call)
        return "console:CA" + uuid.uuid4().hex


def voice_channel_from_settings(settings: Settings) -> VoiceChannel:
    """Twilio when its account SID, auth token and caller number are all set; console otherwise."""
    if not (
        settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_phone_number
    ):
        return ConsoleVoice()
    return TwilioVoice(
        account_sid=settings.twilio_account_sid,
        auth_token=settings.twilio_auth_token,
        from_number=settings.twilio_phone_number,
        base_url=settings.twilio_api_base_url or None,
        timeout=settings.twilio_timeout_seconds,
    )
