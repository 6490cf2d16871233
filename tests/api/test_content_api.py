"""The content endpoints: settings and usage, previews (template, pinned, Claude through the
real client and the local fake), spec §8 generation with offer caps, pinned versions with
field errors, A/B stats, the trigger library, roles."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from cart_admin.api.app import create_api
from cart_admin.models import AIUsage, ContentVersion, UserRole
from cart_admin.models.enums import AIPurpose
from cart_admin.models.types import utcnow
from cart_admin.settings import get_settings
from tests.domain.recovery_content.claude import prompt_model
from tests.factories import (
    make_api_key,
    make_cart,
    make_company,
    make_customer,
    make_landing_page,
    make_product,
    make_user,
)

BASE = "/api/momentum/content"


@pytest.fixture
def shop(session: Session) -> SimpleNamespace:
    company = make_company(session, "Bluebird Coffee")
    owner = make_user(session, company)
    page = make_landing_page(session, company)
    kenya = make_product(session, company, name="Kenya Nyeri AA", price="21.00",
                         review_count=412, rating="4.80", available=3)  # fmt: skip
    make_product(session, company, name="Glass French Press", price="34.00")
    customer = make_customer(session, company, first_name="Ada", timezone="UTC")
    cart = make_cart(session, company, customer, items=[(kenya, 2)], landing_page=page,
                     shipping_total="6.00")  # fmt: skip
    session.commit()
    key = make_api_key(session, company, created_by=owner)
    api = TestClient(create_api(), headers={"Authorization": f"Bearer {key}"})
    return SimpleNamespace(company=company, cart=cart, api=api, owner=owner)


@pytest.fixture
def with_claude(monkeypatch, anthropic_server):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", anthropic_server.base_url)
    get_settings.cache_clear()
    yield anthropic_server
    get_settings.cache_clear()


def test_settings_round_trip_with_field_errors(shop):
    got = shop.api.get(f"{BASE}/settings").json()
    assert got["brandVoice"] == "friendly" and got["aiEnabled"] is True
    assert got["monthlyTokenBudget"] == 2_000_000 and got["smsMaxSegments"] == 2
    assert got["usage"]["tokens"] == 0 and got["aiConfigured"] is False
    change = {"brandVoice": "playful", "aiEnabled": True, "monthlyTokenBudget": 50_000,
              "smsMaxSegments": 1, "stageStyles": {"NUCLEAR_OFFER": {"tone": "bold",
              "urgency": "high"}}, "experiments": {"PATTERN_INTERRUPT": 30}}  # fmt: skip
    assert shop.api.put(f"{BASE}/settings", json=change).status_code == 200
    again = shop.api.get(f"{BASE}/settings").json()
    assert again["brandVoice"] == "playful" and again["smsMaxSegments"] == 1
    assert again["stageStyles"] == {"NUCLEAR_OFFER": {"tone": "bold", "urgency": "high"}}
    assert again["experiments"] == {"PATTERN_INTERRUPT": 30}

    bad = shop.api.put(f"{BASE}/settings", json={"brandVoice": "shouty", "smsMaxSegments": 0,
                                                 "experiments": {"NUCLEAR_OFFER": 120},
                                                 "stageStyles": {"NOPE": {}}})  # fmt: skip
    assert bad.status_code == 422
    errors = bad.json()["errors"]
    assert set(errors) >= {"brandVoice", "smsMaxSegments", "experiments.NUCLEAR_OFFER"}
    assert shop.api.get(f"{BASE}/settings").json()["brandVoice"] == "playful"  # unchanged


def test_preview_without_a_key_shows_the_template_checked(shop):
    got = shop.api.post(f"{BASE}/preview", json={"stage": "NUCLEAR_OFFER", "ai": True}).json()
    assert got["cart"].startswith(shop.cart.email or "guest")
    assert got["offer"] == "30% off" and got["code"] == "SAVE-PREVIEW"
    template = got["template"]
    assert template["failures"] == [] and "SAVE-PREVIEW" in template["body"]
    assert template["smsSegments"] <= 2 and template["smsText"].endswith("Reply STOP to opt out.")
    assert got["ai"] is None and "ANTHROPIC_API_KEY" in got["aiNotes"][0]
    assert {t["trigger"] for t in got["triggers"]} <= {"EXCLUSIVITY", "URGENCY", "SCARCITY"}
    assert "Kenya Nyeri AA x 2: $21.00" in template["emailText"]


def test_preview_with_claude_records_preview_usage(shop, with_claude, engine):
    with_claude.responder = prompt_model()
    got = shop.api.post(f"{BASE}/preview", json={"stage": "NUCLEAR_OFFER", "ai": True}).json()
    assert got["ai"]["writer"] == "ai" and got["ai"]["failures"] == []
    assert "SAVE-PREVIEW" in got["ai"]["body"] and "30% off" in got["ai"]["sms"]
    with Session(engine) as s:
        (row,) = s.exec(select(AIUsage)).all()
    assert row.purpose is AIPurpose.CONTENT_PREVIEW and row.company_id == shop.company.id
    usage = shop.api.get(f"{BASE}/usage").json()
    assert usage["requests"] == 1 and usage["byPurpose"][0]["purpose"] == "CONTENT_PREVIEW"


def test_preview_without_ai_asks_nothing(shop, with_claude):
    got = shop.api.post(f"{BASE}/preview", json={"stage": "PATTERN_INTERRUPT"}).json()
    assert got["ai"] is None and with_claude.requests == []


def test_preview_of_another_companys_cart_is_404(shop, session):
    other = make_company(session, "Other")
    cart = make_cart(session, other, items=[(make_product(session, other), 1)])
    session.commit()
    got = shop.api.post(f"{BASE}/preview", json={"stage": "NUCLEAR_OFFER", "cartId": cart.id})
    assert got.status_code == 404


def test_pin_a_version_with_placeholders_and_see_it_previewed(shop, engine):
    version = {"subject": "{first_name}, {offer} on your cart", "headline": "Our best offer",
               "body": "Hi {first_name}, use {code} for {offer} by {expiry}.",
               "cta": "Claim it", "sms": "{company}: {code} = {offer}"}  # fmt: skip
    put = shop.api.put(f"{BASE}/versions/NUCLEAR_OFFER/B", json=version)
    assert put.status_code == 200, put.text
    got = shop.api.post(f"{BASE}/preview", json={"stage": "NUCLEAR_OFFER"}).json()
    pinned = got["pinned"]["B"]
    assert pinned["subject"] == "Ada, 30% off on your cart" and pinned["failures"] == []
    assert pinned["sms"] == "Bluebird Coffee: SAVE-PREVIEW = 30% off"
    listed = shop.api.get(f"{BASE}/versions").json()
    assert [(v["stage"], v["variant"]) for v in listed["versions"]] == [("NUCLEAR_OFFER", "B")]
    assert "first_name" in listed["placeholders"]

    bad = shop.api.put(f"{BASE}/versions/PATTERN_INTERRUPT/A",
                       json={**version, "sms": "{company}: {coupon}", "cta": ""})  # fmt: skip
    assert bad.status_code == 422
    errors = bad.json()["errors"]
    assert "Unknown placeholder {coupon}" in errors["sms"] and errors["cta"] == "Required."
    no_offer = shop.api.put(f"{BASE}/versions/PATTERN_INTERRUPT/A", json=version)
    assert "makes no offer" in no_offer.json()["errors"]["subject"]

    assert shop.api.delete(f"{BASE}/versions/NUCLEAR_OFFER/B").status_code == 204
    assert shop.api.delete(f"{BASE}/versions/NUCLEAR_OFFER/B").status_code == 404
    with Session(engine) as s:
        assert s.exec(select(ContentVersion)).all() == []
    assert shop.api.put(f"{BASE}/versions/NUCLEAR_OFFER/C", json=version).status_code == 422


def test_branching_versions_are_per_reason(shop):
    version = {"subject": "About shipping", "headline": "Shipping, sorted",
               "body": "Hi {first_name}, {help} Use {code}: {offer}.", "cta": "Complete order",
               "sms": "{company}: {code} for {offer}"}  # fmt: skip
    put = shop.api.put(f"{BASE}/versions/BRANCHING_INTERVENTION/A?reason=SHIPPING_COST",
                       json=version)  # fmt: skip
    assert put.json()["reason"] == "SHIPPING_COST"
    shipping = shop.api.post(
        f"{BASE}/preview", json={"stage": "BRANCHING_INTERVENTION", "reason": "SHIPPING_COST"}
    ).json()
    assert shipping["pinned"]["A"]["body"].startswith("Hi Ada, Free shipping on your order.")
    price = shop.api.post(
        f"{BASE}/preview", json={"stage": "BRANCHING_INTERVENTION", "reason": "TOO_EXPENSIVE"}
    ).json()
    assert price["pinned"] == {}  # fmt: skip


def test_generate_every_content_type_from_templates(shop):
    for kind in ("ABANDONMENT_EMAIL_1", "ABANDONMENT_EMAIL_2", "ABANDONMENT_EMAIL_3",
                 "ABANDONMENT_SMS", "DISCOUNT_SMS", "ABANDONMENT_PUSH", "RETURN_VISITOR_MODAL",
                 "EXIT_INTENT_MODAL"):  # fmt: skip
        got = shop.api.post(f"{BASE}/generate", json={"type": kind, "cartId": shop.cart.id})
        assert got.status_code == 200, (kind, got.text)
        body = got.json()
        assert body["type"] == kind and body["writer"] == "template" and body["failures"] == []
        assert body["subject"] and body["headline"] and body["body"] and body["cta"]["text"]
        assert f"ca_cart={shop.cart.public_token}" in body["cta"]["url"]
    welcome = shop.api.post(f"{BASE}/generate", json={"type": "RETURN_VISITOR_MODAL"}).json()
    assert welcome["headline"] == "Welcome back, Ada!"


def test_generate_with_an_offer_within_the_caps_only(shop):
    ok = shop.api.post(f"{BASE}/generate", json={
        "type": "DISCOUNT_SMS", "cartId": shop.cart.id,
        "offer": {"discountPercent": 20, "freeShipping": True}}).json()  # fmt: skip
    assert ok["offer"] == "20% off + free shipping" and "20% off" in ok["sms"]
    too_much = shop.api.post(f"{BASE}/generate", json={
        "type": "DISCOUNT_SMS", "offer": {"discountPercent": 45}})  # fmt: skip
    assert too_much.status_code == 422
    assert "at most 30" in too_much.json()["errors"]["offer.discountPercent"]
    bad_type = shop.api.post(f"{BASE}/generate", json={"type": "FAX"})
    assert bad_type.status_code == 422


def test_generate_with_claude_uses_the_type_brief(shop, with_claude):
    with_claude.responder = prompt_model()
    got = shop.api.post(
        f"{BASE}/generate",
        json={"type": "ABANDONMENT_EMAIL_1", "style": {"brandVoice": "professional"}},
    )
    assert got.json()["writer"] == "ai" and got.json()["tokenUsage"]["requests"] == 1
    (request,) = with_claude.requests
    assert "left items in their cart 1 hour ago" in request.texts[0]
    assert "professional brand voice" in request.system


def test_variant_stats_and_trigger_library(shop):
    stats = shop.api.get(f"{BASE}/variants/NUCLEAR_OFFER").json()
    assert stats["splitPercent"] == 0
    assert [v["variant"] for v in stats["variants"]] == ["A", "B"]
    assert stats["variants"][0]["sent"] == 0 and stats["variants"][0]["conversionRate"] is None
    library = shop.api.get(f"{BASE}/triggers").json()
    assert len(library) == 13 and library[0]["needs"]


def test_an_analyst_reads_but_cannot_change_or_spend(shop, session):
    from cart_admin.domain.auth import SESSION_COOKIE
    from tests.factories import make_login_session

    analyst = make_user(session, shop.company, role=UserRole.ANALYST)
    same_site = {"Origin": "http://testserver"}
    api = TestClient(create_api(), headers=same_site,
                     cookies={SESSION_COOKIE: make_login_session(session, analyst)})  # fmt: skip
    assert api.get(f"{BASE}/settings").status_code == 200
    assert api.post(f"{BASE}/preview", json={"stage": "NUCLEAR_OFFER"}).status_code == 200
    for method, path, body in [
        ("PUT", f"{BASE}/settings", {}),
        ("POST", f"{BASE}/preview", {"stage": "NUCLEAR_OFFER", "ai": True}),
        ("POST", f"{BASE}/generate", {"type": "ABANDONMENT_SMS"}),
        ("PUT", f"{BASE}/versions/NUCLEAR_OFFER/A", {"subject": "x", "headline": "x",
                                                      "body": "x", "cta": "x", "sms": "x"}),
        ("DELETE", f"{BASE}/versions/NUCLEAR_OFFER/A", None),
    ]:  # fmt: skip
        assert api.request(method, path, json=body).status_code == 403, (method, path)


def test_usage_counts_this_month_only(shop, engine):
    with Session(engine) as s:
        s.add(
            AIUsage(
                company_id=shop.company.id,
                purpose=AIPurpose.CONTENT,
                model="m",
                input_tokens=10,
                output_tokens=5,
                created_at=utcnow() - timedelta(days=40),
            )
        )
        s.add(
            AIUsage(
                company_id=shop.company.id,
                purpose=AIPurpose.UPSELL_RANKING,
                model="m",
                input_tokens=7,
                output_tokens=3,
                outcome="error",
                created_at=utcnow(),
            )
        )
        s.commit()  # fmt: skip
    usage = shop.api.get(f"{BASE}/usage").json()
    assert usage["tokens"] == 10 and usage["requests"] == 1 and usage["failedRequests"] == 1


def test_versions_and_settings_are_per_company(shop, session):
    other = make_company(session, "Other Coffee")
    owner = make_user(session, other)
    session.commit()
    key = make_api_key(session, other, created_by=owner)
    theirs = TestClient(create_api(), headers={"Authorization": f"Bearer {key}"})
    version = {"subject": "Theirs", "headline": "Theirs", "body": "Hi {first_name}",
               "cta": "Go", "sms": "{company}: hi"}  # fmt: skip
    assert theirs.put(f"{BASE}/versions/PATTERN_INTERRUPT/A", json=version).status_code == 200
    assert theirs.put(f"{BASE}/settings", json={"brandVoice": "urgent"}).status_code == 200
    assert shop.api.get(f"{BASE}/versions").json()["versions"] == []
    assert shop.api.get(f"{BASE}/settings").json()["brandVoice"] == "friendly"
    assert shop.api.delete(f"{BASE}/versions/PATTERN_INTERRUPT/A").status_code == 404
    got = shop.api.post(f"{BASE}/preview", json={"stage": "PATTERN_INTERRUPT"}).json()
    assert got["pinned"] == {}
    assert len(theirs.get(f"{BASE}/versions").json()["versions"]) == 1


def test_a_new_store_previews_on_a_sample_cart(session):
    company = make_company(session, "Fresh Start Tea")
    owner = make_user(session, company)
    session.commit()
    key = make_api_key(session, company, created_by=owner)
    api = TestClient(create_api(), headers={"Authorization": f"Bearer {key}"})
    empty = api.post(f"{BASE}/preview", json={"stage": "PATTERN_INTERRUPT"}).json()
    assert empty["cart"] == "Sample cart" and empty["items"][0]["name"] == "Sample product"
    assert empty["template"]["failures"] == []
    make_product(session, company, name="Jasmine Pearls", price="14.00")
    session.commit()
    stocked = api.post(f"{BASE}/preview", json={"stage": "NUCLEAR_OFFER"}).json()
    assert [i["name"] for i in stocked["items"]] == ["Jasmine Pearls"]
    assert stocked["template"]["failures"] == [] and stocked["offer"] == "30% off"


def test_a_gift_only_offer_reads_as_a_sentence(shop):
    body = {"type": "ABANDONMENT_EMAIL_3", "offer": {"giftWithPurchase": "a tote bag"}}
    got = shop.api.post(f"{BASE}/generate", json=body).json()
    assert got["offer"] == "a tote bag" and "A tote bag." in got["body"]
    assert got["failures"] == []
