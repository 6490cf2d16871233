"""Authentication of the admin API: bearer API keys, the session cookie, roles, key management."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from cart_admin.api.app import create_api
from cart_admin.domain.auth import SESSION_COOKIE, token_digest
from cart_admin.models import (
    ApiKey,
    CartVoiceCall,
    ChatMessage,
    ChatSession,
    ChatSessionStatus,
    LandingPage,
    UserRole,
    VoiceCallOutcome,
    VoiceCallStatus,
)
from cart_admin.models.types import utcnow
from tests.factories import (
    make_api_key,
    make_attempt,
    make_cart,
    make_company,
    make_customer,
    make_landing_page,
    make_login_session,
    make_product,
    make_user,
)

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}
# The storefront's endpoints are public (their own tests live in tests/api/test_public_*.py).
STOREFRONT_PREFIXES = (
    "/api/public/",
    "/api/momentum/cart-triggers/",
    "/api/momentum/cart-upsell/",
    "/api/momentum/cart-save/churn/track",  # the page's key in ?key= (a beacon's request)
    "/api/momentum/cart-save/churn/escalate",
    "/api/momentum/cs/sessions",  # the checkout chat: a page key, then the chat's own token
    "/embed/",
    "/r/",
    "/s/",
    "/u/",
)  # fmt: skip  (the shopper's links too)
ENDPOINTS = sorted(
    (method.upper(), path)
    for path, item in create_api().openapi()["paths"].items()
    if path != "/api/health" and not path.startswith(STOREFRONT_PREFIXES)
    for method in item
    if method in HTTP_METHODS
)
# A valid body for every endpoint that takes one, so only the credentials are wrong.
BODIES = {
    ("PATCH", "/api/landing-pages/{page_id}"): {"name": "Hijacked"},
    ("PATCH", "/api/landing-pages/{page_id}/cart-theme"): {"preset": "dark"},
    ("PATCH", "/api/landing-pages/{page_id}/product-catalog"): {"sort": "name"},
    ("POST", "/api/landing-pages/{page_id}/product-catalog/reorder"): {"product_ids": []},
    ("POST", "/api/landing-pages/{page_id}/product-catalog/products"): {"product_ids": ["0"]},
    ("DELETE", "/api/landing-pages/{page_id}/product-catalog/products"): {"product_ids": ["0"]},
    ("POST", "/api/landing-pages/cart-themes/generate"): {"description": "calm tea shop"},
    ("POST", "/api/api-keys"): {"name": "Hijacked"},
    ("PUT", "/api/momentum/cart-save/config"): {},
    ("POST", "/api/momentum/cart-save/initiate"): {"cartId": "0"},
    ("POST", "/api/momentum/cart-save/attempts/{attempt_id}/progress"): {},
    ("POST", "/api/momentum/cart-save/attempts/{attempt_id}/diagnosis"): {"reason": "OTHER"},
    ("POST", "/api/momentum/cart-save/attempts/{attempt_id}/complete"): {"outcome": "CANCELLED"},
    ("PUT", "/api/momentum/content/settings"): {},
    ("POST", "/api/momentum/content/preview"): {"stage": "NUCLEAR_OFFER"},
    ("POST", "/api/momentum/content/generate"): {"type": "ABANDONMENT_SMS"},
    ("PUT", "/api/momentum/content/versions/{stage}/{variant}"): {
        "subject": "Hi",
        "headline": "Hi",
        "body": "Hi {first_name}",
        "cta": "Go",
        "sms": "{company}: your cart",
    },
    ("PUT", "/api/momentum/cart-save/voice/config"): {},
    ("POST", "/api/momentum/cart-save/voice/initiate"): {"cartId": "0"},
    ("POST", "/api/momentum/cart-save/voice/outcome/{call_id}"): {"outcome": "DECLINED"},
    ("POST", "/api/momentum/cart-save/voice/simulate"): {},
    ("PUT", "/api/momentum/cart-save/churn/config"): {},
    ("PUT", "/api/momentum/cs/config"): {},
    ("PUT", "/api/momentum/cs/policies"): {},
    ("POST", "/api/momentum/cs/conversations/{chat_id}/reply"): {"content": "Hello"},
}
BODYLESS_POSTS = ("/convert", "/publish", "/execute", "/close")
# The checkout assistance admin endpoints (churn settings, chat settings, policies, inbox).
CHECKOUT_ADMIN = [
    e for e in ENDPOINTS if e[1].startswith(("/api/momentum/cs/", "/api/momentum/cart-save/churn/"))
]
NO_CREDENTIALS = "Authentication required: log in, or send an API key as a bearer token."
MALFORMED_HEADER = "Send the API key as 'Authorization: Bearer <key>'."
BAD_KEY = "Invalid or revoked API key."
SAME_ORIGIN = {"Origin": "http://testserver"}


def _midday_zone() -> str:
    """A time zone where it is about noon now: voice/initiate calls only within the
    shopper's call hours (9-20 by default), even when an admin asks."""
    offset = 12 - datetime.now(UTC).hour  # hours ahead of UTC
    return "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"  # Etc/GMT-3 is UTC+3


def client(*, key: str | None = None, cookie: str | None = None) -> TestClient:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    cookies = {SESSION_COOKIE: cookie} if cookie else {}
    return TestClient(create_api(), headers=headers, cookies=cookies)


@pytest.fixture
def world(session: Session) -> SimpleNamespace:
    company = make_company(session, "Acme Coffee")
    owner = make_user(session, company, email="owner@acme.example")
    product = make_product(session, company)
    customer = make_customer(session, company, phone="+15555550100", voice_consent=True,
                             timezone=_midday_zone())  # fmt: skip
    page = make_landing_page(session, company)
    cart = make_cart(session, company, customer, items=[(product, 2)], landing_page=page)
    attempt = make_attempt(session, cart)
    call = CartVoiceCall(  # an earlier call, over
        company_id=company.id, cart_save_attempt_id=attempt.id, cart_id=cart.id,
        customer_id=customer.id, voice_call_id="CA" + "0" * 32, to_phone=customer.phone,
        status=VoiceCallStatus.COMPLETED, completed_at=utcnow(), duration=30,
        outcome=VoiceCallOutcome.CALLBACK_REQUESTED,
    )  # fmt: skip
    session.add(call)
    chat = ChatSession(  # a checkout chat waiting for a person
        company_id=company.id, token=secrets.token_urlsafe(24), cart_id=cart.id,
        landing_page_id=page.id, status=ChatSessionStatus.ESCALATED, needs_reply=True,
    )  # fmt: skip
    session.add(chat)
    session.commit()
    key = make_api_key(session, company, created_by=owner)
    key_id = session.exec(select(ApiKey.id).where(ApiKey.key_hash == token_digest(key))).one()
    return SimpleNamespace(
        company=company,
        owner=owner,
        page=page,
        key=key,
        key_id=key_id,
        path_ids={
            "page_id": page.id,
            "product_id": product.id,
            "customer_id": customer.id,
            "cart_id": cart.id,
            "key_id": key_id,
            "attempt_id": attempt.id,
            "call_id": call.id,
            "chat_id": chat.id,
            "stage": "NUCLEAR_OFFER",
            "variant": "A",
            "table": "channels",
        },
    )


def _fill(path: str, ids: dict[str, str]) -> str:
    return path.format(**ids)


def _credentials(case: str, session: Session, world: SimpleNamespace) -> tuple[dict, dict, str]:
    """(headers, cookies, expected detail) for one kind of bad credentials."""
    if case == "none":
        return {}, {}, NO_CREDENTIALS
    if case == "wrong bearer key":
        return {"Authorization": f"Bearer ca_{secrets.token_urlsafe(32)}"}, {}, BAD_KEY
    if case == "bearer without ca_ prefix":
        return {"Authorization": f"Bearer {secrets.token_urlsafe(32)}"}, {}, BAD_KEY
    if case == "session token as bearer":
        token = make_login_session(session, world.owner)
        return {"Authorization": f"Bearer {token}"}, {}, BAD_KEY
    if case.startswith("malformed: "):
        return {"Authorization": case.removeprefix("malformed: ")}, {}, MALFORMED_HEADER
    if case == "revoked key":
        revoked = make_api_key(session, world.company, revoked=True)
        return {"Authorization": f"Bearer {revoked}"}, {}, BAD_KEY
    if case == "expired session cookie":
        token = make_login_session(
            session, world.owner, now=utcnow() - timedelta(hours=13), ttl=timedelta(hours=12)
        )
        return {}, {SESSION_COOKIE: token}, NO_CREDENTIALS
    if case == "logged-out session cookie":
        token = make_login_session(session, world.owner, revoked=True)
        return {}, {SESSION_COOKIE: token}, NO_CREDENTIALS
    if case == "unknown session cookie":
        return {}, {SESSION_COOKIE: secrets.token_urlsafe(32)}, NO_CREDENTIALS
    if case == "inactive user's session cookie":
        idle = make_user(session, world.company, is_active=False)
        return {}, {SESSION_COOKIE: make_login_session(session, idle)}, NO_CREDENTIALS
    raise AssertionError(case)


def test_the_endpoint_list_covers_the_admin_api():
    assert ENDPOINTS == [
        ("DELETE", "/api/api-keys/{key_id}"),
        ("DELETE", "/api/landing-pages/{page_id}/cart-theme"),
        ("DELETE", "/api/landing-pages/{page_id}/product-catalog/products"),
        ("DELETE", "/api/momentum/content/versions/{stage}/{variant}"),
        ("GET", "/api/api-keys"),
        ("GET", "/api/carts"),
        ("GET", "/api/carts/{cart_id}"),
        ("GET", "/api/customers"),
        ("GET", "/api/customers/{customer_id}"),
        ("GET", "/api/landing-pages"),
        ("GET", "/api/landing-pages/cart-themes/presets"),
        ("GET", "/api/landing-pages/{page_id}"),
        ("GET", "/api/landing-pages/{page_id}/cart-theme"),
        ("GET", "/api/landing-pages/{page_id}/cart-theme/preview"),
        ("GET", "/api/landing-pages/{page_id}/product-catalog"),
        ("GET", "/api/landing-pages/{page_id}/products"),
        ("GET", "/api/me"),
        ("GET", "/api/momentum/cart-intelligence/export/{table}.csv"),
        ("GET", "/api/momentum/cart-intelligence/overview"),
        ("GET", "/api/momentum/cart-intelligence/recovery"),
        ("GET", "/api/momentum/cart-intelligence/report.pdf"),
        ("GET", "/api/momentum/cart-intelligence/triggers"),
        ("GET", "/api/momentum/cart-intelligence/upsells"),
        ("GET", "/api/momentum/cart-save/analytics/alerts"),
        ("GET", "/api/momentum/cart-save/analytics/attempts"),
        ("GET", "/api/momentum/cart-save/analytics/overview"),
        ("GET", "/api/momentum/cart-save/attempts/{attempt_id}/status"),
        ("GET", "/api/momentum/cart-save/churn/config"),
        ("GET", "/api/momentum/cart-save/config"),
        ("GET", "/api/momentum/cart-save/voice/analytics"),
        ("GET", "/api/momentum/cart-save/voice/calls"),
        ("GET", "/api/momentum/cart-save/voice/calls/{call_id}"),
        ("GET", "/api/momentum/cart-save/voice/config"),
        ("GET", "/api/momentum/content/settings"),
        ("GET", "/api/momentum/content/triggers"),
        ("GET", "/api/momentum/content/usage"),
        ("GET", "/api/momentum/content/variants/{stage}"),
        ("GET", "/api/momentum/content/versions"),
        ("GET", "/api/momentum/cs/config"),
        ("GET", "/api/momentum/cs/conversations"),
        ("GET", "/api/momentum/cs/conversations/{chat_id}"),
        ("GET", "/api/momentum/cs/policies"),
        ("GET", "/api/overview"),
        ("GET", "/api/products"),
        ("GET", "/api/products/{product_id}"),
        ("PATCH", "/api/landing-pages/{page_id}"),
        ("PATCH", "/api/landing-pages/{page_id}/cart-theme"),
        ("PATCH", "/api/landing-pages/{page_id}/product-catalog"),
        ("POST", "/api/api-keys"),
        ("POST", "/api/carts/{cart_id}/convert"),
        ("POST", "/api/landing-pages/cart-themes/generate"),
        ("POST", "/api/landing-pages/{page_id}/cart-theme/publish"),
        ("POST", "/api/landing-pages/{page_id}/product-catalog/products"),
        ("POST", "/api/landing-pages/{page_id}/product-catalog/reorder"),
        ("POST", "/api/momentum/cart-save/attempts/{attempt_id}/complete"),
        ("POST", "/api/momentum/cart-save/attempts/{attempt_id}/diagnosis"),
        ("POST", "/api/momentum/cart-save/attempts/{attempt_id}/execute"),
        ("POST", "/api/momentum/cart-save/attempts/{attempt_id}/progress"),
        ("POST", "/api/momentum/cart-save/initiate"),
        ("POST", "/api/momentum/cart-save/voice/initiate"),
        ("POST", "/api/momentum/cart-save/voice/outcome/{call_id}"),
        ("POST", "/api/momentum/cart-save/voice/simulate"),
        ("POST", "/api/momentum/content/generate"),
        ("POST", "/api/momentum/content/preview"),
        ("POST", "/api/momentum/cs/conversations/{chat_id}/close"),
        ("POST", "/api/momentum/cs/conversations/{chat_id}/reply"),
        ("PUT", "/api/momentum/cart-save/churn/config"),
        ("PUT", "/api/momentum/cart-save/config"),
        ("PUT", "/api/momentum/cart-save/voice/config"),
        ("PUT", "/api/momentum/content/settings"),
        ("PUT", "/api/momentum/content/versions/{stage}/{variant}"),
        ("PUT", "/api/momentum/cs/config"),
        ("PUT", "/api/momentum/cs/policies"),
    ]


@pytest.mark.parametrize(
    "case",
    [
        "none",
        "wrong bearer key",
        "bearer without ca_ prefix",
        "session token as bearer",
        "malformed: Basic dXNlcjpwYXNz",
        "malformed: Bearer",
        "malformed: Bearer    ",
        "malformed: Token ca_abc",
        "malformed: ca_abc",
        "revoked key",
        "expired session cookie",
        "logged-out session cookie",
        "unknown session cookie",
        "inactive user's session cookie",
    ],
)
def _refusals(endpoints, case, session, world) -> list[str]:
    """Each endpoint's answer to the case's bad credentials, when it is not the 401 wanted."""
    headers, cookies, detail = _credentials(case, session, world)
    api = TestClient(create_api(), cookies=cookies, raise_server_exceptions=False)
    wrong = []
    for method, path in endpoints:
        body = BODIES.get((method, path))
        bodyless = method in ("GET", "DELETE") or path.endswith(BODYLESS_POSTS)
        assert body is not None or bodyless, f"add a body for {method} {path}"
        response = api.request(
            method, _fill(path, world.path_ids), json=body, headers=headers | SAME_ORIGIN
        )
        got = (
            response.status_code,
            response.headers.get("www-authenticate"),
            response.headers.get("content-type"),
            response.json() if response.content else None,
        )
        want = (401, "Bearer", "application/json", {"detail": detail})
        if got != want:
            wrong.append(f"{method} {path}: {got}")
    return wrong


def _unchanged(engine, world) -> None:
    with Session(engine) as fresh:
        assert fresh.get(LandingPage, world.page.id).name == "Spring sale"
        keys = fresh.exec(select(ApiKey).where(ApiKey.company_id == world.company.id)).all()
        assert sorted(k.name for k in keys) == ["Test key"] * len(keys)
        assert fresh.get(ApiKey, world.key_id).revoked_at is None
        chat = fresh.get(ChatSession, world.path_ids["chat_id"])
        assert (chat.status, chat.needs_reply) == (ChatSessionStatus.ESCALATED, True)
        assert fresh.exec(select(ChatMessage)).all() == []


@pytest.mark.parametrize(
    "case",
    [
        "none",
        "wrong bearer key",
        "bearer without ca_ prefix",
        "session token as bearer",
        "malformed: Basic dXNlcjpwYXNz",
        "malformed: Bearer",
        "malformed: Bearer    ",
        "malformed: Token ca_abc",
        "malformed: ca_abc",
        "revoked key",
        "expired session cookie",
        "logged-out session cookie",
        "unknown session cookie",
        "inactive user's session cookie",
    ],
)
def test_every_admin_endpoint_refuses_bad_credentials(case, world, session, engine):
    others = [e for e in ENDPOINTS if e not in CHECKOUT_ADMIN]
    assert _refusals(others, case, session, world) == []
    # Nothing was changed on the way.
    _unchanged(engine, world)


@pytest.mark.parametrize("case", ["none", "wrong bearer key", "unknown session cookie"])
def test_the_checkout_admin_endpoints_refuse_bad_credentials(case, world, session, engine):
    assert _refusals(CHECKOUT_ADMIN, case, session, world) == []
    _unchanged(engine, world)


def _reach(endpoints, world) -> None:
    api = client(key=world.key)
    # Converting the cart or completing the attempt ends the attempt the others use.
    last = [e for e in endpoints if e[1].endswith("/complete")]
    last += [e for e in endpoints if e[1].endswith("/convert")]
    for method, path in [e for e in endpoints if e not in last] + last:
        if method == "DELETE":
            continue  # would revoke the key used for the rest of the loop
        body = BODIES.get((method, path))
        if path.endswith(("/product-catalog/products", "/product-catalog/reorder")):
            body = {"product_ids": [world.path_ids["product_id"]]}  # added just before reorder
        if path.endswith("/initiate"):
            body = {"cartId": world.path_ids["cart_id"]}
        response = api.request(method, _fill(path, world.path_ids), json=body)
        assert response.status_code in (200, 201), (method, path, response.text)


def test_a_valid_key_reaches_every_admin_endpoint(world):
    """The counterpart of the refusals: the same requests with a good key are not 401."""
    _reach([e for e in ENDPOINTS if e not in CHECKOUT_ADMIN], world)


def test_a_valid_key_reaches_every_checkout_admin_endpoint(world):
    _reach(CHECKOUT_ADMIN, world)


# --- session cookie ---------------------------------------------------------------------


def test_session_cookie_authenticates_reads(session, world):
    token = make_login_session(session, world.owner)
    response = client(cookie=token).get("/api/me")
    assert response.status_code == 200
    assert response.json() == {
        "company_id": world.company.id,
        "company_name": "Acme Coffee",
        "user_id": world.owner.id,
        "email": "owner@acme.example",
        "name": "Ann Admin",
        "role": "owner",
        "via": "session",
    }


def test_api_key_authenticates_as_the_company_without_a_user(world):
    response = client(key=world.key).get("/api/me")
    assert response.status_code == 200
    assert response.json() == {
        "company_id": world.company.id,
        "company_name": "Acme Coffee",
        "user_id": None,
        "email": None,
        "name": None,
        "role": "owner",
        "via": "api_key",
    }


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Referer": "http://evil.example/form.html"},
        {"Origin": "http://testserver.evil.example"},
    ],
    ids=["other-origin", "null-origin", "other-referer", "lookalike-host"],
)
def test_cookie_write_from_another_site_is_refused(session, engine, world, headers):
    token = make_login_session(session, world.owner)
    response = client(cookie=token).patch(
        f"/api/landing-pages/{world.page.id}", json={"name": "Hijacked"}, headers=headers
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "Cross-site request refused."}
    with Session(engine) as fresh:
        assert fresh.get(LandingPage, world.page.id).name == "Spring sale"


@pytest.mark.parametrize(
    "headers",
    [{"Origin": "http://testserver"}, {"Referer": "http://testserver/landing-pages"}, {}],
    ids=["same-origin", "same-referer", "no-origin"],
)
def test_cookie_write_from_our_own_pages_is_accepted(session, engine, world, headers):
    token = make_login_session(session, world.owner)
    response = client(cookie=token).patch(
        f"/api/landing-pages/{world.page.id}", json={"name": "Renamed"}, headers=headers
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Renamed"
    with Session(engine) as fresh:
        assert fresh.get(LandingPage, world.page.id).name == "Renamed"


def test_bearer_write_needs_no_origin_check(world):
    response = client(key=world.key).patch(
        f"/api/landing-pages/{world.page.id}",
        json={"name": "From a script"},
        headers={"Origin": "http://evil.example"},
    )
    assert response.status_code == 200
    assert response.json()["name"] == "From a script"


# --- roles ------------------------------------------------------------------------------


def test_analyst_reads_but_cannot_write(session, engine, world):
    analyst = make_user(session, world.company, role=UserRole.ANALYST)
    api = client(cookie=make_login_session(session, analyst))
    for path in ("/api/me", "/api/overview", "/api/landing-pages", "/api/products", "/api/carts"):
        assert api.get(path).status_code == 200, path
    assert api.get(f"/api/landing-pages/{world.page.id}").status_code == 200
    response = api.patch(
        f"/api/landing-pages/{world.page.id}", json={"name": "Nope"}, headers=SAME_ORIGIN
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "Your role can only read."}
    with Session(engine) as fresh:
        assert fresh.get(LandingPage, world.page.id).name == "Spring sale"


@pytest.mark.parametrize("role", [UserRole.MARKETER, UserRole.ANALYST])
def test_only_owners_manage_api_keys(session, engine, world, role):
    user = make_user(session, world.company, role=role)
    api = client(cookie=make_login_session(session, user))
    only_owner = {"detail": "Only an owner can do this."}

    listed = api.get("/api/api-keys")
    created = api.post("/api/api-keys", json={"name": "Mine"}, headers=SAME_ORIGIN)
    revoked = api.delete(f"/api/api-keys/{world.key_id}", headers=SAME_ORIGIN)

    assert (listed.status_code, listed.json()) == (403, only_owner)
    assert (created.status_code, created.json()) == (403, only_owner)
    assert (revoked.status_code, revoked.json()) == (403, only_owner)
    with Session(engine) as fresh:
        assert len(fresh.exec(select(ApiKey)).all()) == 1
        assert fresh.get(ApiKey, world.key_id).revoked_at is None
    assert client(key=world.key).get("/api/me").status_code == 200


def test_marketer_can_edit_landing_pages(session, world):
    marketer = make_user(session, world.company, role=UserRole.MARKETER)
    api = client(cookie=make_login_session(session, marketer))
    response = api.patch(
        f"/api/landing-pages/{world.page.id}", json={"status": "DRAFT"}, headers=SAME_ORIGIN
    )
    assert response.status_code == 200
    assert response.json()["status"] == "DRAFT"


def test_owner_creates_lists_and_revokes_api_keys(session, engine, world):
    api = client(cookie=make_login_session(session, world.owner))

    created = api.post("/api/api-keys", json={"name": "  Zapier  "}, headers=SAME_ORIGIN)
    assert created.status_code == 201
    body = created.json()
    plaintext = body["key"]
    assert plaintext.startswith("ca_")
    assert len(plaintext) == 3 + 43  # ca_ + token_urlsafe(32)
    assert body["name"] == "Zapier"
    assert body["prefix"] == plaintext[:10]
    assert body["revoked_at"] is None
    assert body["last_used_at"] is None
    assert set(body) == {"id", "name", "prefix", "created_at", "last_used_at", "revoked_at", "key"}

    # Only its SHA-256 is stored; the plaintext appears in no column.
    with Session(engine) as fresh:
        row = fresh.get(ApiKey, body["id"])
        assert row.key_hash == hashlib.sha256(plaintext.encode()).hexdigest()
        assert row.company_id == world.company.id
        assert row.created_by_id == world.owner.id
        assert plaintext not in {str(v) for v in row.model_dump().values()}

    # It works at once as a bearer token.
    me = client(key=plaintext).get("/api/me")
    assert me.status_code == 200
    assert me.json()["company_id"] == world.company.id
    assert me.json()["via"] == "api_key"

    listed = api.get("/api/api-keys")
    assert listed.status_code == 200
    by_id = {k["id"]: k for k in listed.json()}
    assert set(by_id) == {body["id"], world.key_id}
    assert all("key" not in k for k in listed.json())  # never shown again
    assert by_id[body["id"]]["last_used_at"] is not None  # just used above

    revoked = api.delete(f"/api/api-keys/{body['id']}", headers=SAME_ORIGIN)
    assert revoked.status_code == 204
    assert revoked.content == b""
    assert client(key=plaintext).get("/api/me").status_code == 401
    after = {k["id"]: k for k in api.get("/api/api-keys").json()}
    assert after[body["id"]]["revoked_at"] is not None
    assert after[world.key_id]["revoked_at"] is None
    assert client(key=world.key).get("/api/me").status_code == 200

    # Revoking twice is still a 204 and keeps the first revocation time.
    again = api.delete(f"/api/api-keys/{body['id']}", headers=SAME_ORIGIN)
    assert again.status_code == 204
    with Session(engine) as fresh:
        first = fresh.get(ApiKey, body["id"]).revoked_at
    assert first.isoformat().replace("+00:00", "Z") == after[body["id"]]["revoked_at"]


def test_revoking_an_unknown_key_is_404(world):
    response = client(key=world.key).delete("/api/api-keys/nope")
    assert response.status_code == 404
    assert response.json() == {"detail": "ApiKey 'nope' not found"}


def test_an_api_key_can_revoke_itself(world):
    api = client(key=world.key)
    assert api.delete(f"/api/api-keys/{world.key_id}").status_code == 204
    response = api.get("/api/me")
    assert response.status_code == 401
    assert response.json() == {"detail": BAD_KEY}


def test_credentials_are_checked_before_the_body_is_read(world):
    """No credentials is 401 even when the body is malformed JSON (auth runs first)."""
    response = client().patch(
        f"/api/landing-pages/{world.page.id}",
        content=b'{"name": ',
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
