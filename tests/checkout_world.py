"""A shop for the checkout assistance tests (churn detection, real-time offers, the chat).

Carts are made through the real public API, so their totals (a $40 mug, $5.99 flat shipping
below the $50 free-shipping threshold, 8 % tax) are what the storefront computed. The save
flow's holdout is 0 % unless a test asks for it: a test about the holdout picks a cart the
hash puts in the group.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from cart_admin.api.app import create_api
from cart_admin.demo import policies as demo_policies
from cart_admin.domain.chat.config import CheckoutChatConfig, save_chat_config
from cart_admin.domain.chat.policies import PoliciesForm, save_policies
from cart_admin.domain.churn.config import ChurnConfig, save_churn_config
from cart_admin.domain.save_flow.engine import holdout_bucket
from cart_admin.models import (
    Cart,
    CartSaveFlowConfig,
    CheckoutChurnEvent,
    CheckoutIntervention,
    Company,
    DiscountCode,
    LandingPage,
    Product,
)
from cart_admin.models.types import utcnow
from tests.factories import make_company, make_landing_page, make_product

TAB = "tab-00000001"
OTHER_TAB = "tab-00000002"
MUG_PRICE = Decimal("40.00")
EXIT = ["MOUSE_EXIT_INTENT", "TAB_SWITCHING"]  # risk 30 + 15: over the threshold of 40
# The weights these tests count with, saved on every test company, so the expected scores do
# not move when the defaults are tuned (the defaults have their own test).
WEIGHTS = {
    "PAYMENT_DECLINED": 30, "MULTIPLE_PAYMENT_ATTEMPTS": 25, "PAYMENT_METHOD_SWITCH": 10,
    "SHIPPING_COST_SHOCK": 35, "TAX_SHOCK": 20, "DISCOUNT_CODE_FAILURE": 15,
    "DISCOUNT_HUNTING": 25, "POLICY_PAGE_VISIT": 10, "FAQ_VISIT": 5, "TAB_SWITCHING": 15,
    "LONG_FORM_TIME": 20, "FORM_FIELD_ERRORS": 15, "ADDRESS_ISSUES": 20,
    "MOUSE_EXIT_INTENT": 30, "BACK_BUTTON": 20, "TAB_CLOSE_ATTEMPT": 40, "IDLE_TIMEOUT": 10,
}  # fmt: skip


@dataclass
class Shop:
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

    # --- carts -------------------------------------------------------------------------------

    def new_cart(self, quantity: int = 1, product: Product | None = None) -> str:
        """A cart holding `quantity` of the product (the mug), made through the public API."""
        created = self.api.post(f"{self.base}/carts", json={})
        assert created.status_code == 201, created.text
        token = created.json()["token"]
        if quantity:
            added = self.api.post(
                f"{self.base}/carts/{token}/items",
                json={"product_id": (product or self.mug).id, "quantity": quantity},
            )
            assert added.status_code == 200, added.text
        return token

    def cart(self, token: str) -> Cart:
        self.session.expire_all()
        return self.session.exec(select(Cart).where(col(Cart.public_token) == token)).one()

    def holdout_cart(self, percent: float = 50) -> str:
        """A cart in the save flow's holdout group, with the holdout at `percent`."""
        set_holdout(self.session, self.company, percent)
        for _ in range(60):  # each cart is in with probability percent/100
            token = self.new_cart()
            if holdout_bucket(self.cart(token).id) < percent:
                return token
        raise AssertionError("no cart fell in the holdout group")

    # --- the endpoints -----------------------------------------------------------------------

    def track(self, token: str, signals, *, tab: str = TAB, final: bool = False, **extra):
        body = {"cartToken": token, "sessionId": tab, "signals": _signals(signals), **extra}
        if final:
            body["final"] = True
        return self.api.post(f"/api/momentum/cart-save/churn/track?key={self.key}", json=body)

    def respond(self, token: str, intervention_id: str, body: dict):
        return self.api.post(
            f"{self.base}/carts/{token}/interventions/{intervention_id}", json=body
        )

    def escalate(self, token: str, to: str, *, tab: str = TAB):
        body = {"cartToken": token, "sessionId": tab, "to": to}
        return self.api.post(f"/api/momentum/cart-save/churn/escalate?key={self.key}", json=body)

    def start_chat(self, token: str | None = None, **context):
        if token is not None:
            context["cartToken"] = token
        return self.api.post(f"/api/momentum/cs/sessions?key={self.key}", json={"context": context})

    def say(self, chat: str, content: str):
        return self.api.post(
            f"/api/momentum/cs/sessions/{chat}/messages", json={"content": content}
        )

    def act(self, chat: str, message_id: str, kind: str, **extra):
        body = {"messageId": message_id, "type": kind, **extra}
        return self.api.post(f"/api/momentum/cs/sessions/{chat}/actions", json=body)

    # --- what the database holds -------------------------------------------------------------

    def interventions(self, token: str) -> list[CheckoutIntervention]:
        self.session.expire_all()
        cart = self.cart(token)
        return list(
            self.session.exec(
                select(CheckoutIntervention)
                .where(col(CheckoutIntervention.cart_id) == cart.id)
                .order_by(col(CheckoutIntervention.created_at), col(CheckoutIntervention.id))
            ).all()
        )

    def codes(self, token: str) -> list[DiscountCode]:
        """The discount codes bound to this cart."""
        cart = self.cart(token)
        return list(
            self.session.exec(
                select(DiscountCode).where(col(DiscountCode.cart_id) == cart.id)
            ).all()
        )

    def all_codes(self) -> list[DiscountCode]:
        self.session.expire_all()
        return list(
            self.session.exec(
                select(DiscountCode).where(col(DiscountCode.company_id) == self.company.id)
            ).all()
        )

    def events(self, token: str, tab: str | None = None) -> list[CheckoutChurnEvent]:
        self.session.expire_all()
        query = select(CheckoutChurnEvent).where(
            col(CheckoutChurnEvent.cart_id) == self.cart(token).id
        )
        if tab is not None:
            query = query.where(col(CheckoutChurnEvent.session_id) == tab)
        return list(self.session.exec(query).all())

    # --- settings ----------------------------------------------------------------------------

    def churn(self, **fields) -> ChurnConfig:
        """Save the company's churn settings (camelCase fields; the test weights unless given)."""
        return save_churn(self.session, self.company, **fields)

    def chat_config(self, **fields) -> CheckoutChatConfig:
        config = CheckoutChatConfig.model_validate(fields)
        save_chat_config(self.session, self.company.id, config)
        self.session.commit()
        return config

    def cap(self, percent: str | int) -> None:
        """The checkout discount cap (the chat's `aiCapabilities.maxDiscountPercent`)."""
        self.chat_config(aiCapabilities={"maxDiscountPercent": str(percent)})


def save_churn(session: Session, company: Company, **fields) -> ChurnConfig:
    """The company's churn settings from camelCase `fields`, with the test weights."""
    config = ChurnConfig.model_validate({"weights": WEIGHTS, **fields})
    save_churn_config(session, company.id, config)
    session.commit()
    return config


@lru_cache(maxsize=1)
def shared_api() -> FastAPI:
    """One app for all these tests: a new app pays 0.1-0.2 s on its first request (FastAPI
    sets each route up lazily), and an app keeps nothing between requests (the database and
    the settings are read per request)."""
    return create_api()


def _signals(signals) -> list[dict]:
    return [{"signal": s} if isinstance(s, str) else s for s in signals]


def set_holdout(session: Session, company: Company, percent: float) -> None:
    """The save flow's holdout percent, where load_config reads it (the row's `timing`)."""
    row = session.exec(
        select(CartSaveFlowConfig).where(col(CartSaveFlowConfig.company_id) == company.id)
    ).first() or CartSaveFlowConfig(company_id=company.id)
    row.timing = {**row.timing, "holdoutPercent": percent}
    session.add(row)
    session.commit()


def demo_policies_form() -> PoliciesForm:
    return PoliciesForm(
        shipping=demo_policies.SHIPPING,
        returns=demo_policies.RETURNS,
        payment=demo_policies.PAYMENT,
        faq=demo_policies.FAQ,
    )


def make_checkout_shop(
    session: Session, *, policies: bool = True, api: TestClient | None = None, **company
) -> Shop:
    company_row = make_company(session, "Bluebird Roasters", **company)
    page = make_landing_page(session, company_row)
    mug = make_product(session, company_row, name="Mug", price=MUG_PRICE, available=50)
    set_holdout(session, company_row, 0)
    save_churn(session, company_row)
    if policies:
        save_policies(session, company_row.id, demo_policies_form(), now=utcnow())
        session.commit()
    return Shop(session, company_row, page, mug, api or TestClient(shared_api()))
