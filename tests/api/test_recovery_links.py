"""The shopper's links: open pixel, recovery link, survey, unsubscribe; Twilio's STOP webhook."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from twilio.request_validator import RequestValidator

from cart_admin.api.app import create_api
from cart_admin.api.deps import get_now
from cart_admin.models import (
    Cart,
    CartAbandonmentReason,
    CartIntervention,
    CartSaveAttempt,
    CartSaveStage,
    Customer,
    InterventionStatus,
)
from cart_admin.settings import get_settings
from tests.domain.save_flow.conftest import T0, configure, make_shop, quiet_off
from tests.domain.save_flow.harness import Sim


def _row(engine, stage: CartSaveStage) -> CartIntervention:
    with Session(engine) as s:
        return s.exec(select(CartIntervention).where(CartIntervention.stage == stage)).one()


@pytest.fixture
def sent(session: Session, engine) -> SimpleNamespace:
    """A shopper who got the pattern-interrupt and survey e-mails (3 h 30 after leaving)."""
    shop = make_shop(session, shipping="5.99")
    configure(session, shop.company, quiet_off())
    sim = Sim(engine, now=T0)
    sim.run_until(T0 + timedelta(hours=4))
    app = create_api()
    app.dependency_overrides[get_now] = lambda: sim.now  # the links are followed right away
    api = TestClient(app, follow_redirects=False)
    return SimpleNamespace(shop=shop, sim=sim, api=api,
                           email=_row(engine, CartSaveStage.PATTERN_INTERRUPT),
                           survey=_row(engine, CartSaveStage.DIAGNOSIS_SURVEY))  # fmt: skip


def test_open_pixel_records_the_first_open(sent, engine):
    response = sent.api.get(f"/t/o/{sent.email.tracking_token}.gif")
    assert response.status_code == 200 and response.headers["content-type"] == "image/gif"
    assert response.headers["cache-control"] == "no-store"
    row = _row(engine, CartSaveStage.PATTERN_INTERRUPT)
    assert row.opened_at is not None and row.status is InterventionStatus.OPENED
    assert sent.api.get("/t/o/unknowntoken12.gif").status_code == 200  # a pixel either way


def test_recovery_link_restores_the_cart_and_records_the_click(sent, engine):
    response = sent.api.get(f"/r/{sent.email.tracking_token}")
    assert response.status_code == 303
    target = urlsplit(response.headers["location"])
    assert target.path == "/demo/store/spring"
    assert parse_qs(target.query) == {"ca_cart": [sent.shop.cart.public_token], "ca_open": ["1"]}
    row = _row(engine, CartSaveStage.PATTERN_INTERRUPT)
    assert row.clicked_at is not None and row.status is InterventionStatus.CLICKED


def test_recovery_link_hands_the_code_to_the_drawer_and_changes_nothing_else(sent, engine, session):
    """Mail scanners fetch links too: the GET records the click and redirects; the drawer, in
    the shopper's browser, applies the code. The flow is not paused by a scanner."""
    from cart_admin.domain.save_flow import links

    links.answer_survey(session, sent.survey, reason=CartAbandonmentReason.TOO_EXPENSIVE,
                        comment=None, now=sent.sim.now)  # fmt: skip
    session.commit()
    sent.sim.tick()
    branch = _row(engine, CartSaveStage.BRANCHING_INTERVENTION)
    assert branch.offer_code
    response = sent.api.get(f"/r/{branch.tracking_token}")
    assert response.status_code == 303
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["ca_code"] == [branch.offer_code]
    with Session(engine) as fresh:
        cart = fresh.get(Cart, sent.shop.cart.id)
        assert cart.discount_code is None and cart.status.value == "ABANDONED"
        assert fresh.exec(select(CartSaveAttempt)).one().status.value == "IN_PROGRESS"


def test_unknown_or_malformed_tokens_are_a_clear_404(sent):
    response = sent.api.get("/r/abcdefghijklmnop")
    assert response.status_code == 404 and "not valid" in response.text
    assert sent.api.get("/r/<script>").status_code in (404, 422)
    assert sent.api.post("/u/abcdefghijklmnop").status_code == 404


def test_survey_page_answers_with_a_post_only(sent, engine):
    page = sent.api.get(f"/s/{sent.survey.tracking_token}?reason=SHIPPING_COST")
    assert page.status_code == 200 and "What&#x27;s holding you back?" in page.text
    assert 'value="SHIPPING_COST" checked' in page.text
    with Session(engine) as fresh:  # a prefetching scanner changed nothing
        assert fresh.exec(select(CartSaveAttempt)).one().diagnosis_reason is None
    invalid = sent.api.post(f"/s/{sent.survey.tracking_token}", data={"reason": "BORED"})
    assert invalid.status_code == 422 and "Choose one of the answers." in invalid.text
    answer = {"reason": "SHIPPING_COST", "comment": "<b>pricey</b>"}
    answered = sent.api.post(f"/s/{sent.survey.tracking_token}", data=answer)
    assert answered.status_code == 200 and "Thank you" in answered.text
    with Session(engine) as fresh:
        attempt = fresh.exec(select(CartSaveAttempt)).one()
        assert attempt.diagnosis_reason is CartAbandonmentReason.SHIPPING_COST
        assert attempt.diagnosis_answers["comment"] == "<b>pricey</b>"  # stored, shown escaped
        assert attempt.current_stage is CartSaveStage.BRANCHING_INTERVENTION


def test_one_click_unsubscribe(sent, engine):
    confirm = sent.api.get(f"/u/{sent.email.tracking_token}")
    assert confirm.status_code == 200 and "<form method=post" in confirm.text
    with Session(engine) as fresh:
        assert fresh.get(Customer, sent.shop.customer.id).unsubscribed_at is None
    done = sent.api.post(f"/u/{sent.email.tracking_token}",
                         data={"List-Unsubscribe": "One-Click"})  # fmt: skip
    assert done.status_code == 200 and "unsubscribed" in done.text
    with Session(engine) as fresh:
        customer = fresh.get(Customer, sent.shop.customer.id)
        assert customer.unsubscribed_at is not None and not customer.email_consent


def _signed(url: str, params: dict, token: str) -> dict:
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, params)}


def test_twilio_stop_withdraws_sms_consent(sent, engine, monkeypatch):
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "test-auth-token")
    monkeypatch.setenv("APP_URL", "https://carts.example")
    get_settings.cache_clear()
    url = "https://carts.example/api/webhooks/twilio/sms"
    params = {"From": "+15555550100", "Body": " stop ", "MessageSid": "SM" + "0" * 32}
    forged = sent.api.post("/api/webhooks/twilio/sms", data=params,
                           headers=_signed(url, params, "another-token"))  # fmt: skip
    assert forged.status_code == 403
    with Session(engine) as fresh:
        assert fresh.get(Customer, sent.shop.customer.id).sms_consent
    hello = {**params, "Body": "hello"}
    ok = sent.api.post("/api/webhooks/twilio/sms", data=hello,
                       headers=_signed(url, hello, "test-auth-token"))  # fmt: skip
    assert ok.status_code == 200
    stop = sent.api.post("/api/webhooks/twilio/sms", data=params,
                         headers=_signed(url, params, "test-auth-token"))  # fmt: skip
    assert stop.status_code == 200 and stop.text == "<Response/>"
    with Session(engine) as fresh:
        assert not fresh.get(Customer, sent.shop.customer.id).sms_consent
    get_settings.cache_clear()


def test_the_drawer_gets_the_in_app_message_once(sent, engine):
    key, token = sent.shop.page.public_key, sent.shop.cart.public_token
    cart = sent.api.get(f"/api/public/{key}/carts/{token}").json()
    note = _row(engine, CartSaveStage.BROWSE_REMINDER)
    assert cart["message"] == {"id": note.tracking_token, "headline": "Still shopping?",
                               "body": note.content["body"], "cta": "Back to my cart"}  # fmt: skip
    url = f"/api/public/{key}/carts/{token}/messages/{note.tracking_token}"
    assert sent.api.post(url, json={"action": "later"}).status_code == 422
    email_url = f"/api/public/{key}/carts/{token}/messages/{sent.email.tracking_token}"
    assert sent.api.post(email_url, json={"action": "seen"}).status_code == 404  # not in-app
    assert sent.api.post(url, json={"action": "dismissed"}).status_code == 204
    row = _row(engine, CartSaveStage.BROWSE_REMINDER)
    assert row.opened_at is not None and row.response_type == "DISMISSED"
    assert sent.api.get(f"/api/public/{key}/carts/{token}").json()["message"] is None
