"""The storefront guard on the checkout assistance paths, through the real ASGI stack: the
keyed paths (`churn/track`, `churn/escalate`, `cs/sessions`, the page's key in `?key=`) and
the chat's token paths get the page's CORS, the rate limit and the body limit; a beacon's
`text/plain` body on the churn paths is read as the JSON it is."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from cart_admin.api.storefront_guard import MAX_BODY_BYTES, SlidingWindowLimiter, StorefrontGuard
from cart_admin.models import CartSaveAttempt, ChatMessage, ChatSession
from tests.checkout_world import EXIT, TAB, Shop, make_checkout_shop, shared_api
from tests.factories import make_landing_page

ALLOWED = "https://shop.example"  # the factory page's allowed origin
FOREIGN = "https://evil.example"
BEACON = {"content-type": "text/plain;charset=UTF-8"}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def shop(session: Session) -> Shop:
    guarded = TestClient(StorefrontGuard(shared_api()), raise_server_exceptions=False)
    return make_checkout_shop(session, api=guarded)


def _track_body(token: str, signals=EXIT, **extra) -> bytes:
    payload = {"cartToken": token, "sessionId": TAB,
               "signals": [{"signal": s} for s in signals], **extra}  # fmt: skip
    return json.dumps(payload).encode()


def _track(shop: Shop, body: bytes, headers: dict, key: str | None = None):
    path = f"/api/momentum/cart-save/churn/track?key={key or shop.key}"
    return shop.api.post(path, content=body, headers=headers)


def _preflight(api: TestClient, path: str, origin: str, method: str = "POST"):
    return api.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "content-type",
        },
    )


# --- beacons -----------------------------------------------------------------------------------


def test_a_beacons_text_plain_body_on_track_is_read_as_json(shop):
    token = shop.new_cart()

    response = _track(shop, _track_body(token), BEACON | {"Origin": ALLOWED})

    assert response.status_code == 200, response.text
    assert response.json()["riskScore"] == 45
    assert response.json()["intervention"]["type"] == "EXIT_INTENT"
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert len(shop.events(token)) == 2


def test_a_closing_pages_beacon_without_origin_is_recorded(shop):
    token = shop.new_cart()

    response = _track(shop, _track_body(token, final=True), {"content-type": "text/plain"})

    assert response.status_code == 200
    assert response.json() == {"riskScore": 45, "recorded": 2, "intervention": None}
    assert "access-control-allow-origin" not in response.headers


def test_a_text_plain_escalation_is_read_as_json(shop):
    token = shop.new_cart()
    body = json.dumps({"cartToken": token, "sessionId": TAB, "to": "SAVE_FLOW"}).encode()

    response = shop.api.post(
        f"/api/momentum/cart-save/churn/escalate?key={shop.key}",
        content=body,
        headers=BEACON | {"Origin": ALLOWED},
    )

    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert len(shop.session.exec(select(CartSaveAttempt)).all()) == 1


def test_a_text_plain_beacon_that_is_not_json_is_422(shop):
    token = shop.new_cart()

    response = _track(shop, b"signals=MOUSE_EXIT_INTENT", BEACON | {"Origin": ALLOWED})

    assert response.status_code == 422
    assert shop.events(token) == []


def test_text_plain_is_read_as_json_only_on_the_churn_paths(shop):
    token = shop.new_cart()
    body = json.dumps({"product_id": shop.mug.id, "quantity": 1}).encode()

    response = shop.api.post(f"{shop.base}/carts/{token}/items", content=body, headers=BEACON)

    assert response.status_code == 422
    assert shop.cart(token).item_count == 1  # unchanged


def test_an_oversize_beacon_is_413(shop):
    token = shop.new_cart()
    body = _track_body(token, pad="a" * MAX_BODY_BYTES)

    response = _track(shop, body, BEACON | {"Origin": ALLOWED})

    assert response.status_code == 413
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert shop.events(token) == []


# --- origins -----------------------------------------------------------------------------------


def test_a_foreign_origin_is_refused_on_the_keyed_paths_and_changes_nothing(shop):
    token = shop.new_cart()
    foreign = {"Origin": FOREIGN}

    tracked = _track(shop, _track_body(token), BEACON | foreign)
    escalated = shop.api.post(
        f"/api/momentum/cart-save/churn/escalate?key={shop.key}",
        json={"cartToken": token, "sessionId": TAB, "to": "HUMAN"},
        headers=foreign,
    )
    started = shop.api.post(f"/api/momentum/cs/sessions?key={shop.key}", json={}, headers=foreign)

    for response in (tracked, escalated, started):
        assert response.status_code == 403
        assert "access-control-allow-origin" not in response.headers
        assert response.json()["detail"] == "This origin may not use this storefront."
    assert shop.events(token) == []
    assert shop.session.exec(select(ChatSession)).all() == []


def test_the_key_in_the_query_decides_whose_origins_apply(shop, session):
    token = shop.new_cart()
    other = make_landing_page(session, shop.company, allowed_origins=("https://other.example",))

    theirs_origin = BEACON | {"Origin": "https://other.example"}

    mine = _track(shop, _track_body(token), theirs_origin)
    no_key = shop.api.post(
        "/api/momentum/cart-save/churn/track",
        content=_track_body(token),
        headers=BEACON | {"Origin": ALLOWED},
    )
    theirs = _track(shop, _track_body(token), theirs_origin, other.public_key)

    assert mine.status_code == 403 and no_key.status_code == 403
    assert theirs.status_code == 404  # their origin, their key: but not their cart
    assert theirs.headers["access-control-allow-origin"] == "https://other.example"


def test_an_allowed_origin_gets_cors_on_every_chat_path(shop):
    headers = {"Origin": ALLOWED}
    started = shop.api.post(
        f"/api/momentum/cs/sessions?key={shop.key}",
        json={"context": {"cartToken": shop.new_cart()}},
        headers=headers,
    )
    chat = started.json()["id"]
    base = f"/api/momentum/cs/sessions/{chat}"

    posted = shop.api.post(f"{base}/messages", json={"content": "Do you accept PayPal?"},
                           headers=headers)  # fmt: skip
    polled = shop.api.get(f"{base}/messages?after=1", headers=headers)
    escalated = shop.api.post(f"{base}/escalate", headers=headers)
    missing = shop.api.get("/api/momentum/cs/sessions/" + "A" * 32 + "/messages")

    for response in (started, posted, polled, escalated):
        assert response.status_code in (200, 201), response.text
        assert response.headers["access-control-allow-origin"] == ALLOWED
        assert "Origin" in response.headers["vary"]
    assert "PayPal" in posted.json()["response"]
    assert missing.status_code == 404


def test_a_foreign_origin_is_refused_on_a_chats_token_path(shop):
    chat = shop.api.post(f"/api/momentum/cs/sessions?key={shop.key}", json={}).json()["id"]

    response = shop.api.post(
        f"/api/momentum/cs/sessions/{chat}/messages",
        json={"content": "Do you accept PayPal?"},
        headers={"Origin": FOREIGN},
    )

    assert response.status_code == 403
    assert len(shop.session.exec(select(ChatMessage)).all()) == 1  # the welcome only


# --- preflight ---------------------------------------------------------------------------------


def test_preflights_follow_the_pages_origins(shop):
    chat = shop.api.post(f"/api/momentum/cs/sessions?key={shop.key}", json={}).json()["id"]
    paths = [
        f"/api/momentum/cart-save/churn/track?key={shop.key}",
        f"/api/momentum/cart-save/churn/escalate?key={shop.key}",
        f"/api/momentum/cs/sessions?key={shop.key}",
        f"/api/momentum/cs/sessions/{chat}/messages",
        f"/api/momentum/cs/sessions/{chat}/actions",
    ]

    for path in paths:
        allowed = _preflight(shop.api, path, ALLOWED)
        assert allowed.status_code == 204, path
        assert allowed.headers["access-control-allow-origin"] == ALLOWED
        methods = {m.strip() for m in allowed.headers["access-control-allow-methods"].split(",")}
        assert {"GET", "POST", "OPTIONS"} <= methods
        assert "content-type" in allowed.headers["access-control-allow-headers"].lower()
        refused = _preflight(shop.api, path, FOREIGN)
        assert refused.status_code == 403, path
        assert "access-control-allow-origin" not in refused.headers
    unknown_chat = "/api/momentum/cs/sessions/" + "A" * 32 + "/messages"
    assert _preflight(shop.api, unknown_chat, ALLOWED).status_code == 403
    assert _preflight(shop.api, "/api/momentum/cs/sessions?key=pk_nope", ALLOWED).status_code == 403


def test_the_admin_settings_paths_are_not_storefront_paths(shop):
    """`churn/config` shares the prefix of `churn/track`: the guard must leave it to the admin
    API (no CORS for a shop's origin, whatever key it names)."""
    response = _preflight(shop.api, f"/api/momentum/cart-save/churn/config?key={shop.key}", ALLOWED)

    assert "access-control-allow-origin" not in response.headers


# --- rate limit --------------------------------------------------------------------------------


def test_the_rate_limit_counts_per_page_key_and_per_chat(session):
    shop = make_checkout_shop(session)
    other = make_landing_page(session, shop.company)
    limiter = SlidingWindowLimiter(limit=3, window=60, clock=FakeClock())
    api = TestClient(StorefrontGuard(shared_api(), limiter=limiter))
    token = shop.new_cart()  # through the unguarded client

    answers = [
        api.post(f"/api/momentum/cart-save/churn/track?key={shop.key}", content=_track_body(token),
                 headers=BEACON).status_code
        for _ in range(4)
    ]  # fmt: skip
    elsewhere = api.post(f"/api/momentum/cs/sessions?key={other.public_key}", json={})
    chat = elsewhere.json()["id"]
    in_chat = [api.get(f"/api/momentum/cs/sessions/{chat}/messages").status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    assert elsewhere.status_code == 201  # another page's key has its own budget
    assert in_chat == [200, 200, 200, 429]  # and each chat its own
