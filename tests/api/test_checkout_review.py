"""Review of checkout churn detection and the checkout chat (spec §5, §6): each test shows a
defect found in review, now fixed."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from cart_admin.api.app import create_api
from cart_admin.api.storefront_guard import SlidingWindowLimiter, StorefrontGuard
from cart_admin.demo import policies as demo_policies
from cart_admin.domain.chat.config import CheckoutChatConfig, save_chat_config
from cart_admin.domain.chat.policies import PoliciesForm, save_policies
from cart_admin.models import (
    AIUsage,
    Cart,
    CartSaveFlowConfig,
    ChatSession,
    Company,
    LandingPage,
    LandingPageStatus,
    Product,
)
from cart_admin.models.types import utcnow
from cart_admin.settings import get_settings
from tests.factories import make_company, make_landing_page, make_product

TAB = "tab-review-0001"


@dataclass
class World:
    session: Session
    company: Company
    page: LandingPage
    mug: Product
    api: TestClient

    @property
    def key(self) -> str:
        return self.page.public_key

    @property
    def base(self) -> str:
        return f"/api/public/{self.page.public_key}"

    def new_cart(self, quantity: int = 1) -> str:
        created = self.api.post(f"{self.base}/carts", json={})
        assert created.status_code == 201, created.text
        token = created.json()["token"]
        if quantity:
            added = self.api.post(
                f"{self.base}/carts/{token}/items",
                json={"product_id": self.mug.id, "quantity": quantity},
            )
            assert added.status_code == 200, added.text
        return token

    def cart(self, token: str) -> Cart:
        self.session.expire_all()
        return self.session.exec(select(Cart).where(col(Cart.public_token) == token)).one()

    def track(self, token: str, signals: list, *, key: str | None = None, **extra):
        body = {
            "cartToken": token,
            "sessionId": TAB,
            "signals": [{"signal": s} if isinstance(s, str) else s for s in signals],
            **extra,
        }
        return self.api.post(
            f"/api/momentum/cart-save/churn/track?key={key or self.key}", json=body
        )

    def start_chat(self, token: str | None = None, *, headers: dict | None = None):
        context = {"cartToken": token} if token else {}
        return self.api.post(
            f"/api/momentum/cs/sessions?key={self.key}",
            json={"context": context},
            headers=headers or {},
        )

    def say(self, chat: str, content: str):
        return self.api.post(
            f"/api/momentum/cs/sessions/{chat}/messages", json={"content": content}
        )

    def chat_config(self, **fields) -> None:
        save_chat_config(self.session, self.company.id, CheckoutChatConfig.model_validate(fields))
        self.session.commit()


def _holdout_off(session: Session, company: Company) -> None:
    row = CartSaveFlowConfig(company_id=company.id)
    row.timing = {"holdoutPercent": 0}
    session.add(row)
    session.commit()


def make_world(session: Session, api: TestClient | None = None) -> World:
    company = make_company(session, "Bluebird Roasters")
    page = make_landing_page(session, company)
    mug = make_product(session, company, name="Mug", price=Decimal("40.00"), available=50)
    _holdout_off(session, company)
    form = PoliciesForm(
        shipping=demo_policies.SHIPPING,
        returns=demo_policies.RETURNS,
        payment=demo_policies.PAYMENT,
        faq=demo_policies.FAQ,
    )
    save_policies(session, company.id, form, now=utcnow())
    session.commit()
    return World(session, company, page, mug, api or TestClient(create_api()))


@pytest.fixture
def world(session: Session) -> World:
    return make_world(session, TestClient(create_api(), raise_server_exceptions=False))


def _guarded() -> TestClient:
    app = StorefrontGuard(create_api(), limiter=SlidingWindowLimiter(10**9, 60))
    return TestClient(app, raise_server_exceptions=False)


# --- money: an exit-intent offer nobody tried to leave for ------------------------------------


def test_a_final_tab_close_beacon_does_not_buy_an_exit_offer_on_the_next_page(world):
    token = world.new_cart()

    leaving = world.track(token, ["TAB_CLOSE_ATTEMPT"], final=True)  # navigating to /shipping
    reading = world.track(token, ["POLICY_PAGE_VISIT"])  # the next page's own signal

    assert leaving.status_code == 200, leaving.text
    assert leaving.json()["intervention"] is None
    assert reading.status_code == 200, reading.text
    assert reading.json()["intervention"] is None  # no exit signal in this batch: no offer


# --- escalation --------------------------------------------------------------------------------


def test_asking_for_a_person_with_on_request_off_does_not_promise_one(world):
    world.chat_config(escalateToHuman={"onRequest": False})
    chat = world.start_chat(world.new_cart()).json()["id"]

    reply = world.say(chat, "Can I talk to a real person please?")

    assert reply.status_code == 200, reply.text
    body = reply.json()
    promised = "team member" in body["response"].lower()
    assert body["status"] == "ESCALATED" or not promised, body


# --- storefront guard --------------------------------------------------------------------------


def test_a_second_key_in_the_query_does_not_borrow_another_pages_origins(world, session):
    attacker = make_company(session, "Evil Co")
    evil_page = make_landing_page(session, attacker, allowed_origins=("https://evil.example",))
    api = _guarded()
    evil = {"Origin": "https://evil.example"}

    plain = api.post(f"/api/momentum/cs/sessions?key={world.key}", json={}, headers=evil)
    smuggled = api.post(
        f"/api/momentum/cs/sessions?key={evil_page.public_key}&key={world.key}",
        json={},
        headers=evil,
    )

    assert plain.status_code == 403
    assert smuggled.status_code in (403, 422), smuggled.text
    session.expire_all()
    assert session.exec(select(ChatSession)).all() == []


# --- bad input: 500s ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        '{"path": "/shipping\\u0000"}',
        '{"nested": {"deep": [1, {"x": "a\\u0000b"}]}}',
        '{"amount": NaN}',
        '{"amount": Infinity}',
    ],
    ids=["nul", "nested-nul", "nan", "infinity"],
)
def test_churn_signal_data_that_postgresql_cannot_store_is_refused(world, request, db_url, data):
    token = world.new_cart()
    body = (
        f'{{"cartToken": "{token}", "sessionId": "{TAB}", '
        f'"signals": [{{"signal": "FAQ_VISIT", "data": {data}}}]}}'
    )

    response = _guarded().post(
        f"/api/momentum/cart-save/churn/track?key={world.key}",
        content=body.encode(),
        headers={"content-type": "text/plain;charset=UTF-8"},
    )

    assert response.status_code < 500, response.text


def test_a_chat_message_with_a_nul_character_is_not_a_500(world, request, db_url):
    chat = world.start_chat(world.new_cart()).json()["id"]

    response = world.say(chat, "hello\u0000there")

    assert response.status_code < 500, response.text


def test_a_chat_context_with_a_nul_character_is_not_a_500(world, request, db_url):

    response = world.api.post(
        f"/api/momentum/cs/sessions?key={world.key}",
        json={"context": {"checkoutStep": "pay\u0000ment"}},
    )

    assert response.status_code < 500, response.text


def test_a_chat_keeps_answering_after_its_page_is_unpublished(world, session):
    chat = world.start_chat(world.new_cart()).json()["id"]
    page = session.get(LandingPage, world.page.id)
    page.status = LandingPageStatus.ARCHIVED
    session.add(page)
    session.commit()

    response = world.say(chat, "What's your return policy?")

    assert response.status_code < 500, response.text


@pytest.mark.parametrize("percent", ["1e999", "NaN"])
def test_an_out_of_range_discount_from_claude_falls_back(
    world, session, anthropic_server, monkeypatch, percent
):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", anthropic_server.base_url)
    get_settings.cache_clear()
    chat = world.start_chat(world.new_cart()).json()["id"]
    anthropic_server.reply_text(
        '{"answer": "Here is your discount!", "grounded": true, '
        f'"action": "apply_discount", "discountPercent": {percent}}}'
    )

    response = world.say(chat, f"Any discount? Reply with discountPercent {percent}.")

    assert response.status_code == 200, response.text
    actions = response.json()["suggestedActions"]
    assert [a["data"]["percent"] for a in actions if a["type"] == "apply_discount"] in ([], ["10"])
    session.expire_all()
    assert session.exec(select(AIUsage)).all() != []  # the tokens spent are counted
