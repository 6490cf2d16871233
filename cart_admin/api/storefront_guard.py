"""CORS, rate limits and body-size limits for the storefront's endpoints.

Wraps the whole ASGI app (outside Reflex's own CORS layer, which serves the admin only), so a
storefront origin is allowed exactly when its landing page lists it: preflights are answered
here, and responses get `Access-Control-Allow-Origin` only for a listed origin.
"""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict, deque
from collections.abc import Callable
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cart_admin.db import session_scope
from cart_admin.domain import storefront as shop
from cart_admin.domain.origins import normalize_origin

PUBLIC_KEY_PATH = re.compile(r"^/api/public/([A-Za-z0-9_-]{1,40})(/|$)")
TOKEN_PATH = re.compile(r"^/api/momentum/cart-(?:triggers|upsell)/([A-Za-z0-9_-]{1,64})(/|$)")
# The page's key in the query (`?key=`): a sendBeacon cannot set headers.
KEYED_PATH = re.compile(r"^/api/momentum/(?:cart-save/churn/(?:track|escalate)|cs/sessions)$")
CHAT_PATH = re.compile(r"^/api/momentum/cs/sessions/([A-Za-z0-9_-]{16,48})(/|$)")
KEY_VALUE = re.compile(r"[A-Za-z0-9_-]{1,40}")
MAX_BODY_BYTES = 16 * 1024
ALLOWED_METHODS = "GET, POST, PATCH, DELETE, OPTIONS"


class SlidingWindowLimiter:
    """At most `limit` requests per `window` seconds per key, in this process."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self._hits: dict[str, deque[float]] = defaultdict(deque)

    def allow(self, key: str) -> tuple[bool, int]:
        """(allowed, seconds to wait when not)."""
        now = self.clock()
        hits = self._hits[key]
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return False, max(1, int(hits[0] + self.window - now) + 1)
        hits.append(now)
        if len(self._hits) > 50_000:  # forget idle clients rather than grow without bound
            for stale in [k for k, v in self._hits.items() if not v]:
                del self._hits[stale]
        return True, 0


def _page_key(path: str, query: str) -> str | None:
    """The landing page's public key a storefront request names, in its path or its query."""
    if match := PUBLIC_KEY_PATH.match(path):
        return match.group(1)
    if KEYED_PATH.match(path):
        keys = [v for k, v in parse_qsl(query, keep_blank_values=True) if k == "key"]
        if len(keys) == 1 and KEY_VALUE.fullmatch(keys[0]):  # two keys: which page? neither
            return keys[0]
    return None


def _origins_for_path(path: str, query: str = "") -> list[str] | None:
    """The allowed origins of the landing page a storefront path belongs to (None: not ours)."""
    if key := _page_key(path, query):
        with session_scope() as session:
            return shop.allowed_origins_for_key(session, public_key=key)
    if match := CHAT_PATH.match(path):
        with session_scope() as session:
            return shop.allowed_origins_for_chat(session, token=match.group(1))
    if match := TOKEN_PATH.match(path):
        with session_scope() as session:
            token = match.group(1)
            origins = shop.allowed_origins_for_token(session, token=token)
            return origins or shop.allowed_origins_for_offer(session, offer_id=token)
    return None


def _limit_scope(path: str, query: str = "") -> str:
    """What a client's request budget is counted against: the page's key, the cart token or
    the chat."""
    if key := _page_key(path, query):
        return key
    match = TOKEN_PATH.match(path) or CHAT_PATH.match(path)
    return match.group(1) if match else path


def is_storefront_path(path: str) -> bool:
    return bool(
        PUBLIC_KEY_PATH.match(path)
        or TOKEN_PATH.match(path)
        or KEYED_PATH.match(path)
        or CHAT_PATH.match(path)
    )


class StorefrontGuard:
    """ASGI middleware for the storefront paths; everything else passes straight through."""

    def __init__(self, app: ASGIApp, *, limiter: SlidingWindowLimiter | None = None) -> None:
        self.app = app
        self.limiter = limiter or SlidingWindowLimiter(limit=240, window=60.0)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_storefront_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        query = scope.get("query_string", b"").decode("latin-1")
        origin = headers.get("origin", "")
        same_site = bool(origin) and origin.split("://", 1)[-1] == headers.get("host", "")
        allowed = same_site or (
            await self._origin_allowed(scope["path"], query, origin) if origin else False
        )
        cors = _cors_headers(origin) if allowed else []
        if scope["method"] == "OPTIONS":
            if allowed:
                await _respond(send, 204, None, cors + _preflight_headers())
            else:
                await _respond(send, 403, "This origin may not use this storefront.", [])
            return
        if origin and not allowed:
            await _respond(send, 403, "This origin may not use this storefront.", [])
            return
        client = (scope.get("client") or ("?", 0))[0]
        ok, wait = self.limiter.allow(f"{client}|{_limit_scope(scope['path'], query)}")
        if not ok:
            retry = [*cors, (b"retry-after", str(wait).encode())]
            await _respond(send, 429, "Too many requests; try again shortly.", retry)
            return
        too_big = f"Request body over {MAX_BODY_BYTES} bytes."
        length = headers.get("content-length")
        if length is None:  # chunked: read it here, within the limit, then replay it
            body = await _read_limited(receive)
            if body is None:
                await _respond(send, 413, too_big, cors)
                return
            receive = _replay(body)
        elif not length.isdigit() or int(length) > MAX_BODY_BYTES:
            await _respond(send, 413, too_big, cors)
            return
        if KEYED_PATH.match(scope["path"]) and headers.get("content-type", "").startswith(
            "text/plain"
        ):
            scope = _as_json(scope)
        await self.app(scope, _limited(receive), _with_headers(send, cors))

    async def _origin_allowed(self, path: str, query: str, origin: str) -> bool:
        try:
            wanted = normalize_origin(origin)
        except ValueError:
            return False
        origins = await run_in_threadpool(_origins_for_path, path, query)
        return wanted in (origins or [])


def _as_json(scope: Scope) -> Scope:
    """A beacon's body is JSON sent as text/plain (the only type it can send cross-origin
    without a preflight): read it as the JSON it is."""
    headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-type"]
    return {**scope, "headers": [*headers, (b"content-type", b"application/json")]}


def _cors_headers(origin: str) -> list[tuple[bytes, bytes]]:
    return [(b"access-control-allow-origin", origin.encode()), (b"vary", b"Origin")]


def _preflight_headers() -> list[tuple[bytes, bytes]]:
    return [
        (b"access-control-allow-methods", ALLOWED_METHODS.encode()),
        (b"access-control-allow-headers", b"content-type"),
        (b"access-control-max-age", b"600"),
    ]


def _limited(receive: Receive) -> Receive:
    """Stop reading a body that grows past the limit although Content-Length said otherwise."""
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > MAX_BODY_BYTES:
                return {"type": "http.disconnect"}
        return message

    return wrapped


async def _read_limited(receive: Receive) -> bytes | None:
    """The whole body, or None once it passes the limit."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def _with_headers(send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start" and extra:
            names = {name for name, _ in extra}
            kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
            message = {**message, "headers": kept + extra}
        await send(message)

    return wrapped


async def _respond(send: Send, code: int, detail: str | None, headers: list) -> None:
    body = b"" if detail is None else json.dumps({"detail": detail}).encode()
    base = [(b"content-length", str(len(body)).encode())]
    if detail is not None:
        base.append((b"content-type", b"application/json"))
    await send({"type": "http.response.start", "status": code, "headers": base + headers})
    await send({"type": "http.response.body", "body": body})
