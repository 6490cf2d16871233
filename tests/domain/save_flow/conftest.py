"""A shop with one shopper and a filled cart, and the clock-driven simulator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from cart_admin.domain.save_flow.config import SaveFlowConfig, save_config
from cart_admin.models import Cart, Company, Customer, LandingPage, Product
from tests.domain.save_flow.harness import Sim
from tests.factories import make_cart, make_company, make_customer, make_landing_page, make_product

T0 = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)  # 10:00 in New York (EDT)


@dataclass
class Shop:
    company: Company
    page: LandingPage
    product: Product
    customer: Customer
    cart: Cart


def quiet_off(**changes) -> SaveFlowConfig:
    """Defaults with quiet hours, frequency caps and the holdout off: every stage at its own
    delay, for every cart."""
    data = {
        "holdoutPercent": 0,
        "blackoutHours": {"start": 0, "end": 0},
        "frequencyCaps": {"emailHours": 0, "smsHours": 0, "smsAbandonmentWindowHours": 0},
        **changes,
    }
    return SaveFlowConfig.model_validate(data)


def configure(session: Session, company: Company, config: SaveFlowConfig) -> None:
    save_config(session, company.id, config)
    session.commit()


def make_shop(
    session: Session,
    *,
    timezone: str = "America/New_York",
    shipping: str = "0.00",
    at: datetime = T0,
    **customer_fields,
) -> Shop:
    company = make_company(session, support_email="help@acme.example")
    page = make_landing_page(session, company, store_url="/demo/store/spring")
    product = make_product(session, company, name="Ethiopia Guji", price="18.00",
                           review_count=412, rating="4.80")  # fmt: skip
    fields = {"phone": "+15555550100", "email_consent": True, "sms_consent": True,
              **customer_fields}  # fmt: skip
    customer = make_customer(session, company, first_name="Ada", timezone=timezone, **fields)
    cart = make_cart(session, company, customer, items=[(product, 2)], landing_page=page,
                     created_at=at, shipping_total=shipping)  # fmt: skip
    session.commit()
    return Shop(company, page, product, customer, cart)


@pytest.fixture
def shop(session: Session) -> Shop:
    return make_shop(session)


@pytest.fixture
def sim(engine) -> Sim:
    return Sim(engine, now=T0)
