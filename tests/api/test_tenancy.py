"""Company isolation: one company's credentials never see or change another company's rows."""

from __future__ import annotations

import re
import secrets
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from cart_admin.api.app import create_api
from cart_admin.api.deps import SESSION_COOKIE
from cart_admin.domain.auth import token_digest
from cart_admin.models import (
    ApiKey,
    Cart,
    CartSaveAttempt,
    CartVoiceCall,
    ChatMessage,
    ChatSession,
    ChatSessionStatus,
    Customer,
    LandingPage,
    Product,
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
STOREFRONT_PREFIXES = (
    "/api/public/",
    "/api/momentum/cart-triggers/",
    "/api/momentum/cart-upsell/",
    "/api/momentum/cart-save/churn/track",  # the page's key in ?key=
    "/api/momentum/cart-save/churn/escalate",
    "/api/momentum/cs/sessions",  # the checkout chat's own token
    "/embed/",
    "/r/",
    "/s/",
    "/u/",
)  # fmt: skip  (the shopper's links too)
PATHS = create_api().openapi()["paths"]
# Path parameters that name a slot, not a row (the content page's stage and A/B variant, an
# analytics export's table).
SLOT_PARAMS = {"{stage}", "{variant}", "{table}.csv"}
ID_ENDPOINTS = sorted(
    (method.upper(), path)
    for path, item in PATHS.items()
    if "{" in path
    and not path.startswith(STOREFRONT_PREFIXES)
    and any(part.startswith("{") and part not in SLOT_PARAMS for part in path.split("/"))
    for method in item
    if method in HTTP_METHODS
)
PARAM_MODEL = {
    "page_id": LandingPage,
    "product_id": Product,
    "customer_id": Customer,
    "cart_id": Cart,
    "key_id": ApiKey,
    "attempt_id": CartSaveAttempt,
    "call_id": CartVoiceCall,
    "chat_id": ChatSession,
}
# The voice endpoints word their 404 their own way (`reports.get_call`, `record_outcome`),
# and so does the checkout chat inbox (`inbox.conversation`).
NOT_FOUND_DETAIL = {"call_id": "No such call.", "chat_id": "No such conversation."}
BODIES = {
    ("PATCH", "/api/landing-pages/{page_id}"): {
        "name": "Taken over",
        "allowed_origins": ["https://evil.example"],
    },
    ("PATCH", "/api/landing-pages/{page_id}/cart-theme"): {"preset": "dark"},
    ("PATCH", "/api/landing-pages/{page_id}/product-catalog"): {"sort": "name"},
    ("POST", "/api/landing-pages/{page_id}/product-catalog/reorder"): {"product_ids": []},
    ("POST", "/api/momentum/cart-save/attempts/{attempt_id}/diagnosis"): {"reason": "OTHER"},
    ("POST", "/api/momentum/cart-save/attempts/{attempt_id}/complete"): {"outcome": "CANCELLED"},
    ("POST", "/api/momentum/cart-save/voice/outcome/{call_id}"): {"outcome": "DECLINED"},
    ("POST", "/api/momentum/cs/conversations/{chat_id}/reply"): {"content": "Taken over"},
}


# Bodies naming the caller's own product (filled in per tenant).
PRODUCT_BODY_PATHS = {
    ("POST", "/api/landing-pages/{page_id}/product-catalog/products"),
    ("DELETE", "/api/landing-pages/{page_id}/product-catalog/products"),
}


def _body(method: str, path: str, tenant) -> dict | None:
    if (method, path) in PRODUCT_BODY_PATHS:
        return {"product_ids": [tenant.ids["product_id"]]}
    return BODIES.get((method, path))


def _tenant(session: Session, name: str) -> SimpleNamespace:
    company = make_company(session, name)
    owner = make_user(session, company)
    page = make_landing_page(session, company, name=f"{name} page")
    product = make_product(session, company, name=f"{name} mug")
    customer = make_customer(session, company, last_name=name)
    cart = make_cart(session, company, customer, items=[(product, 1)], landing_page=page)
    attempt = make_attempt(session, cart)
    call = CartVoiceCall(  # a call that is over
        company_id=company.id, cart_save_attempt_id=attempt.id, cart_id=cart.id,
        customer_id=customer.id, voice_call_id=f"CA{name}", to_phone="+15555550100",
        status=VoiceCallStatus.COMPLETED, completed_at=utcnow(), duration=30,
        outcome=VoiceCallOutcome.ESCALATED,
    )  # fmt: skip
    session.add(call)
    chat = ChatSession(  # a checkout chat handed to a person
        company_id=company.id, token=secrets.token_urlsafe(24), cart_id=cart.id,
        landing_page_id=page.id, status=ChatSessionStatus.ESCALATED, needs_reply=True,
    )  # fmt: skip
    session.add(chat)
    session.commit()
    key = make_api_key(session, company, name=f"{name} key")
    key_id = session.exec(select(ApiKey.id).where(ApiKey.key_hash == token_digest(key))).one()
    return SimpleNamespace(
        company=company,
        owner=owner,
        key=key,
        ids={
            "page_id": page.id,
            "product_id": product.id,
            "customer_id": customer.id,
            "cart_id": cart.id,
            "key_id": key_id,
            "attempt_id": attempt.id,
            "call_id": call.id,
            "chat_id": chat.id,
        },
    )


@pytest.fixture
def tenants(session: Session) -> tuple[SimpleNamespace, SimpleNamespace]:
    return _tenant(session, "Alpha"), _tenant(session, "Bravo")


def _api(key: str) -> TestClient:
    return TestClient(create_api(), headers={"Authorization": f"Bearer {key}"})


def _snapshot(engine, b: SimpleNamespace) -> dict:
    """Every column of B's rows, read straight from the database."""
    with Session(engine) as fresh:
        return {
            name: fresh.get(PARAM_MODEL[name], row_id).model_dump()
            for name, row_id in b.ids.items()
        }


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/api/landing-pages", "page_id"),
        ("/api/products", "product_id"),
        ("/api/customers", "customer_id"),
        ("/api/carts", "cart_id"),
        ("/api/api-keys", "key_id"),
    ],
)
def test_listings_show_only_the_callers_rows(tenants, path, param):
    for me in tenants:
        response = _api(me.key).get(path)
        assert response.status_code == 200
        body = response.json()
        paged = isinstance(body, dict)
        items = body["items"] if paged else body
        assert [i["id"] for i in items] == [me.ids[param]]
        if paged:
            assert body["total"] == 1


def test_overview_and_me_are_per_company(tenants):
    a, b = tenants
    assert _api(a.key).get("/api/me").json()["company_name"] == "Alpha"
    assert _api(b.key).get("/api/me").json()["company_name"] == "Bravo"
    assert _api(a.key).get("/api/overview").json()["carts"] == 1


def test_id_endpoints_list_is_complete():
    assert ID_ENDPOINTS == [
        ("DELETE", "/api/api-keys/{key_id}"),
        ("DELETE", "/api/landing-pages/{page_id}/cart-theme"),
        ("DELETE", "/api/landing-pages/{page_id}/product-catalog/products"),
        ("GET", "/api/carts/{cart_id}"),
        ("GET", "/api/customers/{customer_id}"),
        ("GET", "/api/landing-pages/{page_id}"),
        ("GET", "/api/landing-pages/{page_id}/cart-theme"),
        ("GET", "/api/landing-pages/{page_id}/cart-theme/preview"),
        ("GET", "/api/landing-pages/{page_id}/product-catalog"),
        ("GET", "/api/landing-pages/{page_id}/products"),
        ("GET", "/api/momentum/cart-save/attempts/{attempt_id}/status"),
        ("GET", "/api/momentum/cart-save/voice/calls/{call_id}"),
        ("GET", "/api/momentum/cs/conversations/{chat_id}"),
        ("GET", "/api/products/{product_id}"),
        ("PATCH", "/api/landing-pages/{page_id}"),
        ("PATCH", "/api/landing-pages/{page_id}/cart-theme"),
        ("PATCH", "/api/landing-pages/{page_id}/product-catalog"),
        ("POST", "/api/carts/{cart_id}/convert"),
        ("POST", "/api/landing-pages/{page_id}/cart-theme/publish"),
        ("POST", "/api/landing-pages/{page_id}/product-catalog/products"),
        ("POST", "/api/landing-pages/{page_id}/product-catalog/reorder"),
        ("POST", "/api/momentum/cart-save/attempts/{attempt_id}/complete"),
        ("POST", "/api/momentum/cart-save/attempts/{attempt_id}/diagnosis"),
        ("POST", "/api/momentum/cart-save/attempts/{attempt_id}/execute"),
        ("POST", "/api/momentum/cart-save/attempts/{attempt_id}/progress"),
        ("POST", "/api/momentum/cart-save/voice/outcome/{call_id}"),
        ("POST", "/api/momentum/cs/conversations/{chat_id}/close"),
        ("POST", "/api/momentum/cs/conversations/{chat_id}/reply"),
    ]


@pytest.mark.parametrize(("method", "path"), ID_ENDPOINTS)
def test_another_companys_id_is_not_found(tenants, engine, method, path):
    a, b = tenants
    (param,) = re.findall(r"{(\w+)}", path)
    before = _snapshot(engine, b)

    response = _api(a.key).request(method, path.format(**b.ids), json=_body(method, path, a))

    assert response.status_code == 404
    model_name = PARAM_MODEL[param].__name__
    detail = NOT_FOUND_DETAIL.get(param, f"{model_name} {b.ids[param]!r} not found")
    assert response.json() == {"detail": detail}
    assert _snapshot(engine, b) == before
    # The same request on A's own row is fine, so the 404 is about ownership only.
    if method != "DELETE":
        own = _api(a.key).request(method, path.format(**a.ids), json=_body(method, path, a))
        assert own.status_code == 200, own.text


def test_revoking_another_companys_key_leaves_it_working(tenants, engine):
    a, b = tenants
    response = _api(a.key).delete(f"/api/api-keys/{b.ids['key_id']}")
    assert response.status_code == 404
    with Session(engine) as fresh:
        assert fresh.get(ApiKey, b.ids["key_id"]).revoked_at is None
    me = _api(b.key).get("/api/me")
    assert me.status_code == 200
    assert me.json()["company_id"] == b.company.id


def test_session_cookie_is_scoped_to_the_users_company(tenants, session, engine):
    a, b = tenants
    token = make_login_session(session, a.owner)
    api = TestClient(create_api(), cookies={SESSION_COOKIE: token})
    before = _snapshot(engine, b)
    assert api.get(f"/api/landing-pages/{b.ids['page_id']}").status_code == 404
    assert (
        api.patch(f"/api/landing-pages/{b.ids['page_id']}", json={"name": "x"}).status_code == 404
    )
    assert api.delete(f"/api/api-keys/{b.ids['key_id']}").status_code == 404
    assert [p["id"] for p in api.get("/api/landing-pages").json()] == [a.ids["page_id"]]
    assert _snapshot(engine, b) == before


def test_voice_bodies_naming_another_companys_rows_are_not_found(tenants, engine):
    """voice/initiate and voice/simulate name their rows in the body; the call log and the
    analytics count the caller's calls only."""
    a, b = tenants
    voice = "/api/momentum/cart-save/voice"
    before = _snapshot(engine, b)
    api = _api(a.key)
    for path, body, model, param in (
        ("/initiate", {"attemptId": b.ids["attempt_id"]}, "CartSaveAttempt", "attempt_id"),
        ("/initiate", {"cartId": b.ids["cart_id"]}, "Cart", "cart_id"),
        ("/simulate", {"cartId": b.ids["cart_id"]}, "Cart", "cart_id"),
    ):
        response = api.post(voice + path, json=body)
        assert response.status_code == 404, (path, body)
        assert response.json() == {"detail": f"{model} {b.ids[param]!r} not found"}
    assert _snapshot(engine, b) == before
    for me in tenants:
        calls = _api(me.key).get(f"{voice}/calls").json()
        assert [c["id"] for c in calls["calls"]] == [me.ids["call_id"]] and calls["total"] == 1
        stats = _api(me.key).get(f"{voice}/analytics").json()
        assert stats["calls_initiated"] == 1 and stats["by_outcome"] == {"ESCALATED": 1}


# --- checkout assistance: settings, policies and the inbox are per company --------------------

CS = "/api/momentum/cs"
CHURN_CONFIG = "/api/momentum/cart-save/churn/config"


def test_checkout_settings_policies_and_inbox_are_per_company(tenants):
    a, b = tenants
    api_a, api_b = _api(a.key), _api(b.key)
    assert api_a.put(CHURN_CONFIG, json={"exitIntentDiscountPercent": 5}).status_code == 200
    assert api_a.put(f"{CS}/config", json={"welcomeMessage": "Alpha here"}).status_code == 200
    assert api_a.put(f"{CS}/policies", json={"shipping": "Alpha ships."}).status_code == 200

    assert api_a.get(CHURN_CONFIG).json()["exitIntentDiscountPercent"] == "5"
    assert api_b.get(CHURN_CONFIG).json()["exitIntentDiscountPercent"] == "10"
    assert api_b.get(f"{CS}/config").json()["welcomeMessage"].startswith("Hi!")
    assert api_b.get(f"{CS}/policies").json()["shipping"] == ""
    for me in tenants:
        inbox = _api(me.key).get(f"{CS}/conversations").json()
        assert [c["id"] for c in inbox["conversations"]] == [me.ids["chat_id"]]
        assert inbox["waiting"] == 1


def test_checkout_settings_and_the_inbox_are_per_company_in_the_domain(tenants, session):
    """The same isolation, below the admin endpoints: A's settings never reach B's rows."""
    from decimal import Decimal

    from cart_admin.domain.chat import inbox
    from cart_admin.domain.chat.config import (
        CheckoutChatConfig,
        load_chat_config,
        save_chat_config,
    )
    from cart_admin.domain.chat.policies import PoliciesForm, load_policies, save_policies
    from cart_admin.domain.churn.config import ChurnConfig, load_churn_config, save_churn_config
    from cart_admin.domain.tenancy import NotFound

    a, b = tenants
    save_churn_config(session, a.company.id, ChurnConfig(exit_intent_discount_percent=5))
    save_chat_config(session, a.company.id, CheckoutChatConfig(welcome_message="Alpha here"))
    save_policies(session, a.company.id, PoliciesForm(shipping="Alpha ships."), now=utcnow())
    session.commit()

    assert load_churn_config(session, a.company.id).exit_intent_discount_percent == 5
    assert load_churn_config(session, b.company.id).exit_intent_discount_percent == Decimal(10)
    assert load_chat_config(session, b.company.id).welcome_message.startswith("Hi!")
    assert load_policies(session, b.company.id).shipping == ""
    for me in tenants:
        listed = inbox.conversations(session, me.company.id)
        assert [c.id for c in listed] == [me.ids["chat_id"]]
        assert inbox.waiting_count(session, me.company.id) == 1
    with pytest.raises(NotFound):
        inbox.conversation(session, a.company.id, b.ids["chat_id"])
    assert session.exec(select(ChatMessage)).all() == []
