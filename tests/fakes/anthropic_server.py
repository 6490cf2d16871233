"""A local fake of the Anthropic Messages API for the real ``anthropic`` client.

A real HTTP server on 127.0.0.1 (a free port, ``http.server`` in a thread) that answers
``POST /v1/messages`` from a queue of scripted replies and records every request body.
Point the client at it with ``base_url=server.base_url``; no monkeypatching.

Use the ``anthropic_server`` fixture by importing it into a test module::

    from tests.fakes.anthropic_server import FakeAnthropicServer, anthropic_server  # noqa: F401

or run one directly with ``with FakeAnthropicServer() as server: ...``. With the queue
empty the server answers 500, so an unscripted request fails loudly.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass(frozen=True)
class ScriptedReply:
    status: int = 200
    text: str | None = None  # the text block of a 200 message reply
    error: str = "scripted error"  # the message of a non-200 reply
    stop_reason: str = "end_turn"
    delay: float = 0.0  # seconds to wait before answering (timeouts, slow replies)


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def model(self) -> str:
        return str(self.body.get("model", ""))

    @property
    def system(self) -> str:
        system = self.body.get("system", "")
        if isinstance(system, list):
            return "\n".join(block.get("text", "") for block in system)
        return str(system)

    @property
    def texts(self) -> list[str]:
        """The text of each message, in order (string or text-block content)."""
        out = []
        for message in self.body.get("messages", []):
            content = message.get("content", "")
            if isinstance(content, list):
                content = "\n".join(block.get("text", "") for block in content)
            out.append(str(content))
        return out

    @property
    def prompt(self) -> str:
        """System prompt and all message text joined, for substring checks."""
        return "\n".join([self.system, *self.texts])


@dataclass
class FakeAnthropicServer:
    replies: deque[ScriptedReply] = field(default_factory=deque)
    requests: list[RecordedRequest] = field(default_factory=list)
    # Answers every request once the scripted queue is empty (a model that reads the prompt).
    responder: Callable[[RecordedRequest], ScriptedReply] | None = None
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # Scripting -----------------------------------------------------------------------
    def reply_text(self, text: str) -> None:
        self.replies.append(ScriptedReply(text=text))

    def reply_json(self, value: Any) -> None:
        self.reply_text(json.dumps(value))

    def reply_status(self, status: int, message: str = "scripted error") -> None:
        self.replies.append(ScriptedReply(status=status, error=message))

    def reply_slowly(self, seconds: float, value: Any) -> None:
        """Answer ``value`` as JSON after ``seconds`` (longer than a client's timeout: a hang)."""
        self.replies.append(ScriptedReply(text=json.dumps(value), delay=seconds))

    # Lifecycle -----------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeAnthropicServer:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeAnthropicServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # Serving -------------------------------------------------------------------------
    def _next(self, request: RecordedRequest) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests.append(request)
            reply = self.replies.popleft() if self.replies else None
            number = len(self.requests)
        if reply is None and self.responder is not None:
            reply = self.responder(request)
        if reply is not None and reply.delay:
            time.sleep(reply.delay)
        if reply is None:
            return 500, _error("api_error", "no scripted reply left")
        if reply.status != 200:
            kind = "api_error" if reply.status >= 500 else "invalid_request_error"
            return reply.status, _error(kind, reply.error)
        text = reply.text or ""
        return 200, {
            "id": f"msg_fake_{number}",
            "type": "message",
            "role": "assistant",
            "model": request.model,
            "content": [{"type": "text", "text": text}],
            "stop_reason": reply.stop_reason,
            "stop_sequence": None,
            "usage": {"input_tokens": 100 + number, "output_tokens": max(1, len(text) // 4)},
        }


def _error(kind: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}}


def _handler_for(fake: FakeAnthropicServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            pass

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("request-id", "req_fake")
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if self.path.split("?")[0] != "/v1/messages":
                self._send(404, _error("not_found_error", f"no route {self.path}"))
                return
            try:
                body = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                self._send(400, _error("invalid_request_error", "body is not JSON"))
                return
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, payload = fake._next(RecordedRequest(self.path, headers, body))
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._send(status, payload)  # unless the client gave up waiting (a timeout)

    return Handler


@pytest.fixture
def anthropic_server() -> Iterator[FakeAnthropicServer]:
    """A running fake Messages API; its ``base_url`` goes to the real client."""
    with FakeAnthropicServer() as server:
        yield server
