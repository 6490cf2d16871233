"""A local fake of Twilio's REST API for the real ``twilio`` client.

A real HTTP server on 127.0.0.1 (a free port, ``http.server`` in a thread) that answers
like Twilio, with form-encoded parameters and HTTP basic auth checked against the configured
SID and token (401, code 20003, otherwise):

- ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``: 201 and a message resource with a
  fresh ``SM...`` SID and status "queued"; 400 (21604) without To, Body or From.
- ``POST /2010-04-01/Accounts/{AccountSid}/Calls.json``: 201 and a call resource with a
  fresh ``CA...`` SID, status "queued" and direction "outbound-api"; 400 without To
  (21201), From (21213), or all of Url, Twiml and ApplicationSid (21205).

Every request is recorded (``requests``; ``messages`` and ``calls`` are the ones that
created something). ``form`` keeps one value per parameter, ``form_lists`` every value of a
repeated one (``StatusCallbackEvent``). ``server.mode`` switches failures for every
resource: Twilio's 400 error bodies (21211 invalid number, 21610 unsubscribed), 429, 500,
or no answer at all. Point the client at ``server.base_url`` (``TWILIO_API_BASE_URL``).
More resources are routes in ``_ROUTES``.

Use the ``twilio_server`` fixture by importing it into a test module::

    from tests.fakes.twilio_server import FakeTwilio, TwilioMode, twilio_server  # noqa: F401
"""

from __future__ import annotations

import base64
import json
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from enum import Enum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import pytest

HANG_SECONDS = 60.0  # the server's stop ends the wait sooner
POLL_SECONDS = 0.05  # how soon stop() ends serve_forever (its default: 0.5 s per test)
API_VERSION = "2010-04-01"


class TwilioMode(Enum):
    ACCEPT = "accept"
    INVALID_NUMBER = "invalid-number"  # 400, code 21211
    UNSUBSCRIBED = "unsubscribed"  # 400, code 21610
    RATE_LIMITED = "rate-limited"  # 429, code 20429
    SERVER_ERROR = "server-error"  # 500, code 20500
    HANG = "hang"  # reads the request, never answers


_FAILURES: dict[TwilioMode, tuple[int, int, str]] = {
    TwilioMode.INVALID_NUMBER: (400, 21211, "The 'To' number is not a valid phone number."),
    TwilioMode.UNSUBSCRIBED: (400, 21610, "Attempt to send to unsubscribed recipient"),
    TwilioMode.RATE_LIMITED: (429, 20429, "Too Many Requests"),
    TwilioMode.SERVER_ERROR: (500, 20500, "Internal Server Error"),
}


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    account_sid: str
    auth: tuple[str, str] | None  # (user, password) of the basic auth header
    form: dict[str, str]  # the last value of each parameter
    status: int  # what the fake answered (0: no answer)
    form_lists: dict[str, list[str]] = field(default_factory=dict)  # every value, in order


@dataclass
class FakeTwilio:
    account_sid: str = "AC" + "0" * 32
    auth_token: str = "fake-auth-token"
    mode: TwilioMode = TwilioMode.ACCEPT
    requests: list[RecordedRequest] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _stopping: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def messages(self) -> list[RecordedRequest]:
        """The Messages.json requests that created a message."""
        return [r for r in self.requests if r.path.endswith("/Messages.json") and r.status == 201]

    @property
    def calls(self) -> list[RecordedRequest]:
        """The Calls.json requests that created a call."""
        return [r for r in self.requests if r.path.endswith("/Calls.json") and r.status == 201]

    # Lifecycle -----------------------------------------------------------------------
    def start(self) -> FakeTwilio:
        self._stopping.clear()
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # ends hanging requests
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # Serving -------------------------------------------------------------------------
    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _answer(
        self,
        method: str,
        path: str,
        auth: tuple[str, str] | None,
        form: dict[str, str],
        form_lists: dict[str, list[str]] | None = None,
    ) -> tuple[int, dict[str, Any]] | None:
        """Status and JSON body of the answer; None: do not answer."""
        for route_method, pattern, resource in _ROUTES:
            match = pattern.fullmatch(path)
            if match is None or route_method != method:
                continue
            account_sid = match["account_sid"]
            if auth != (self.account_sid, self.auth_token) or account_sid != self.account_sid:
                status, body = 401, _error(401, 20003, "Authenticate")
            elif self.mode is TwilioMode.HANG:
                status, body = 0, {}
            elif self.mode in _FAILURES:
                status, code, message = _FAILURES[self.mode]
                body = _error(status, code, message)
            else:
                status, body = resource(self, account_sid, form)
            lists = form_lists if form_lists is not None else {k: [v] for k, v in form.items()}
            self._record(RecordedRequest(method, path, account_sid, auth, form, status, lists))
            return None if status == 0 else (status, body)
        return 404, _error(404, 20404, f"The requested resource {path} was not found")


def _error(status: int, code: int, message: str) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def _create_message(fake: FakeTwilio, account_sid: str, form: dict[str, str]) -> tuple[int, dict]:
    missing = [name for name in ("To", "Body") if not form.get(name)]
    if missing or not (form.get("From") or form.get("MessagingServiceSid")):
        return 400, _error(400, 21604, f"A required parameter is missing: {missing or 'From'}")
    sid = "SM" + uuid.uuid4().hex
    now = formatdate(usegmt=True)
    uri = f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}.json"
    return 201, {
        "sid": sid,
        "account_sid": account_sid,
        "api_version": API_VERSION,
        "to": form["To"],
        "from": form.get("From"),
        "messaging_service_sid": form.get("MessagingServiceSid"),
        "body": form["Body"],
        "status": "queued",
        "direction": "outbound-api",
        "num_segments": "1",
        "num_media": "0",
        "price": None,
        "price_unit": "USD",
        "error_code": None,
        "error_message": None,
        "date_created": now,
        "date_updated": now,
        "date_sent": None,
        "uri": uri,
        "subresource_uris": {"media": uri.removesuffix(".json") + "/Media.json"},
    }


def _create_call(fake: FakeTwilio, account_sid: str, form: dict[str, str]) -> tuple[int, dict]:
    if not form.get("To"):
        return 400, _error(400, 21201, "No 'To' number is specified")
    if not form.get("From"):
        return 400, _error(400, 21213, "No 'From' number is specified")
    if not (form.get("Url") or form.get("Twiml") or form.get("ApplicationSid")):
        return 400, _error(
            400, 21205, "Url parameter is required. Please provide a Url, Twiml or ApplicationSid."
        )
    sid = "CA" + uuid.uuid4().hex
    now = formatdate(usegmt=True)
    uri = f"/{API_VERSION}/Accounts/{account_sid}/Calls/{sid}.json"
    base = uri.removesuffix(".json")
    return 201, {
        "sid": sid,
        "account_sid": account_sid,
        "api_version": API_VERSION,
        "parent_call_sid": None,
        "to": form["To"],
        "to_formatted": form["To"],
        "from": form["From"],
        "from_formatted": form["From"],
        "phone_number_sid": "PN" + uuid.uuid4().hex,
        "status": "queued",
        "direction": "outbound-api",
        "answered_by": None,
        "start_time": None,
        "end_time": None,
        "duration": None,
        "price": None,
        "price_unit": "USD",
        "forwarded_from": None,
        "group_sid": None,
        "caller_name": None,
        "queue_time": "0",
        "trunk_sid": None,
        "annotation": None,
        "date_created": now,
        "date_updated": now,
        "uri": uri,
        "subresource_uris": {
            name: f"{base}/{name.title().replace('_', '')}.json"
            for name in (
                "feedback",
                "notifications",
                "recordings",
                "streams",
                "payments",
                "user_defined_message_subscriptions",
                "user_defined_messages",
                "events",
                "siprec",
                "transcriptions",
            )
        },
    }


_Resource = Callable[[FakeTwilio, str, dict[str, str]], tuple[int, dict]]
_ACCOUNT = rf"/{API_VERSION}/Accounts/(?P<account_sid>AC[0-9a-fA-F]{{32}})"
_ROUTES: list[tuple[str, re.Pattern[str], _Resource]] = [
    ("POST", re.compile(_ACCOUNT + r"/Messages\.json"), _create_message),
    ("POST", re.compile(_ACCOUNT + r"/Calls\.json"), _create_call),
]


def _basic_auth(header: str | None) -> tuple[str, str] | None:
    if not header or not header.startswith("Basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return user, password


def _handler_for(fake: FakeTwilio) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            pass

        def _handle(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode("utf-8", errors="replace")
            pairs = parse_qsl(raw, keep_blank_values=True)
            form_lists: dict[str, list[str]] = {}
            for name, value in pairs:
                form_lists.setdefault(name, []).append(value)
            auth = _basic_auth(self.headers.get("Authorization"))
            answer = fake._answer(method, self.path.split("?")[0], auth, dict(pairs), form_lists)
            if answer is None:
                fake._stopping.wait(HANG_SECONDS)
                self.close_connection = True
                return
            status, payload = answer
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            self._handle("POST")

        def do_GET(self) -> None:
            self._handle("GET")

    return Handler


@pytest.fixture
def twilio_server() -> Iterator[FakeTwilio]:
    """A running fake Twilio API; its ``base_url`` goes to ``TWILIO_API_BASE_URL``."""
    with FakeTwilio() as server:
        yield server
