"""The save-flow endpoints: config round trip and field errors, initiate once, progress,
diagnosis, execute (real console channels), complete, both spec paths, roles, the flag."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from cart_admin.api.app import create_api
from cart_admin.domain.save_flow.config import SaveFlowConfig, save_config
from cart_admin.models import CartSaveFlowConfig, UserRole
from cart_admin.settings import get_settings
from tests.factories import (
    make_api_key,
    make_cart,
    make_company,
    make_customer,
    make_landing_page,
    make_product,
    make_user,
)

BASE = "/api/momentum/cart-save"


@pytest.fixture
def shop(session: Session) -> SimpleNamespace:
    company = make_company(session, "Acme Coffee")
    owner = make_user(session, company)
    page = make_landing_page(session, company)
    product = make_product(session, company, name="Kenya AA", price="21.00")
    customer = make_customer(session, company, email_consent=True, sms_consent=True,
                             phone="+15555550123", timezone="UTC")  # fmt: skip
    cart = make_cart(session, company, customer, items=[(product, 2)], landing_page=page)
    save_config(session, company.id, SaveFlowConfig(holdout_percent=0,
                blackout_hours={"start": 0, "end": 0}))  # fmt: skip
    session.commit()
    key = make_api_key(session, company, created_by=owner)
    api = TestClient(create_api(), headers={"Authorization": f"Bearer {key}"})
    return SimpleNamespace(company=company, cart=cart, api=api, session=session, owner=owner)


def test_config_defaults_round_trip_and_field_errors(shop, engine):
    got = shop.api.get(f"{BASE}/config").json()
    assert got["stages"]["nuclearOffer"] == {
        "enabled": True, "delayMinutes": 1440, "maxDiscountPercent": 30.0, "includeGift": False,
        "voiceCallEnabled": False, "minCartValueForVoice": "100", "channels": ["EMAIL", "SMS"],
    }  # fmt: skip
    assert got["maxAttemptsPerCart"] == 10 and got["respectUnsubscribe"] is True
    assert got["blackoutHours"] == {"start": 0, "end": 0}
    got["stages"]["patternInterrupt"]["delayMinutes"] = 90
    saved = shop.api.put(f"{BASE}/config", json=got)
    assert saved.status_code == 200, saved.text
    assert shop.api.get(f"{BASE}/config").json()["stages"]["patternInterrupt"]["delayMinutes"] == 90

    bad = {**got, "stages": {**got["stages"], "diagnosisSurvey": {
        **got["stages"]["diagnosisSurvey"], "delayMinutes": 30}}}  # fmt: skip
    bad["blackoutHours"] = {"start": 25, "end": 8}
    response = shop.api.put(f"{BASE}/config", json=bad)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert "blackoutHours.start" in fields
    again = shop.api.put(f"{BASE}/config", json={**got, "stages": bad["stages"]})
    assert again.json()["errors"] == [{
        "field": "stages.diagnosisSurvey.delayMinutes",
        "message": "Must be later than Pattern interrupt (90 min).",
    }]  # fmt: skip
    assert shop.api.put(f"{BASE}/config", json={"bogus": 1}).status_code == 422
    with Session(engine) as fresh:  # nothing of the refused bodies was stored
        row = fresh.exec(select(CartSaveFlowConfig)).one()
        assert row.stages["patternInterrupt"]["delayMinutes"] == 90
        assert row.stages["diagnosisSurvey"]["delayMinutes"] == 180


def test_initiate_once_execute_diagnose_and_complete(shop):
    first = shop.api.post(f"{BASE}/initiate", json={"cartId": shop.cart.id})
    assert first.status_code == 201, first.text
    attempt = first.json()
    assert attempt["current_stage"] == "BROWSE_REMINDER" and attempt["status"] == "IN_PROGRESS"
    assert [i["channel"] for i in attempt["interventions"]] == ["IN_APP"]
    again = shop.api.post(f"{BASE}/initiate", json={"cartId": shop.cart.id}).json()
    assert again["id"] == attempt["id"]

    executed = shop.api.post(f"{BASE}/attempts/{attempt['id']}/execute").json()
    assert executed["results"] == [{"outcome": "sent", "detail": "IN_APP"}]
    assert executed["attempt"]["current_stage"] == "PATTERN_INTERRUPT"  # advanced after sending

    progressed = shop.api.post(f"{BASE}/{attempt['id']}/progress", json={}).json()
    assert progressed["current_stage"] == "DIAGNOSIS_SURVEY"
    diagnosed = shop.api.post(
        f"{BASE}/attempts/{attempt['id']}/diagnosis", json={"reason": "SHIPPING_COST"}
    ).json()
    assert diagnosed["diagnosis_reason"] == "SHIPPING_COST"
    assert diagnosed["current_stage"] == "BRANCHING_INTERVENTION"
    status = shop.api.get(f"{BASE}/attempts/{attempt['id']}/status").json()
    assert status == shop.api.get(f"{BASE}/{attempt['id']}").json()  # the spec's other path

    done = shop.api.post(f"{BASE}/{attempt['id']}/complete", json={"outcome": "CANCELLED"})
    assert done.json()["status"] == "CANCELLED"
    assert all(i["status"] in ("SENT", "CANCELLED") for i in done.json()["interventions"])
    refused = shop.api.post(f"{BASE}/attempts/{attempt['id']}/complete",
                            json={"outcome": "CONVERTED"})  # fmt: skip
    assert refused.status_code == 409 and "ended" in refused.json()["detail"]


def test_bad_input_gets_clear_4xx(shop):
    assert shop.api.post(f"{BASE}/initiate", json={"cartId": "nothex"}).status_code == 422
    missing = shop.api.post(f"{BASE}/initiate", json={"cartId": "0" * 24})
    assert missing.status_code == 404
    reason = shop.api.post(f"{BASE}/initiate", json={"cartId": shop.cart.id, "reason": "BORED"})
    assert reason.status_code == 422 and reason.json()["errors"][0]["field"] == "reason"
    empty = make_cart(shop.session, shop.company, None)
    refused = shop.api.post(f"{BASE}/initiate", json={"cartId": empty.id})
    assert refused.status_code == 409 and refused.json()["detail"] == "This cart is empty."
    outcome = shop.api.post(f"{BASE}/{'a' * 24}/complete", json={"outcome": "MAYBE"})
    assert outcome.status_code == 422


def test_analysts_read_but_cannot_change_the_flow(shop, session):
    from cart_admin.domain.auth import SESSION_COOKIE
    from tests.factories import make_login_session

    analyst = make_user(session, shop.company, role=UserRole.ANALYST)
    api = TestClient(create_api(), cookies={SESSION_COOKIE: make_login_session(session, analyst)})
    assert api.get(f"{BASE}/config").status_code == 200
    same_site = {"Origin": "http://testserver"}
    assert api.put(f"{BASE}/config", json={}, headers=same_site).status_code == 403
    assert api.post(f"{BASE}/initiate", json={"cartId": shop.cart.id},
                    headers=same_site).status_code == 403  # fmt: skip


def test_the_feature_flag_switches_the_endpoints_off(shop, monkeypatch):
    monkeypatch.setenv("ENABLE_MI_CART_SAVE", "false")
    get_settings.cache_clear()
    try:
        response = shop.api.get(f"{BASE}/config")
        assert response.status_code == 404
        assert "ENABLE_MI_CART_SAVE" in response.json()["detail"]
    finally:
        get_settings.cache_clear()


def test_the_theming_flag_switches_the_theme_endpoints_off(shop, monkeypatch):
    monkeypatch.setenv("ENABLE_CART_THEMING", "false")
    get_settings.cache_clear()
    try:
        response = shop.api.get("/api/landing-pages/cart-themes/presets")
        assert response.status_code == 404
        assert "ENABLE_CART_THEMING=false" in response.json()["detail"]
        assert shop.api.get(f"{BASE}/config").status_code == 200  # the other flags are separate
    finally:
        get_settings.cache_clear()
