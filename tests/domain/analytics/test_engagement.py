"""Trigger lift against the control group and upsell performance, counted by hand, on SQLite
and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session

from cart_admin.domain.analytics.engagement import (
    order_value_lift,
    trigger_performance,
    upsell_performance,
)
from cart_admin.domain.analytics.stats import compare_rates
from cart_admin.models import BehavioralTrigger as T
from cart_admin.models import CartStatus, CartTriggerImpression, CartUpsellOffer, TriggerPlacement
from cart_admin.models import CartUpsellType as U
from cart_admin.models.types import utcnow
from tests.factories import make_cart, make_company, make_product

NOW = utcnow()
START, END = NOW - timedelta(days=30), NOW


def _impressions(session, company, trigger, *, n, interacted=0, converted=0, control=False,
                 days_ago=2) -> None:  # fmt: skip
    at = NOW - timedelta(days=days_ago)
    for i in range(n):  # each on its own cart: carts and impressions agree
        cart = make_cart(session, company)
        session.add(
            CartTriggerImpression(
                company_id=company.id,
                cart_id=cart.id,
                session_id="s",
                trigger=trigger,
                placement=TriggerPlacement.CART_ITEM,
                control=control,
                impressed_at=at,
                interacted_at=at if i < interacted else None,
                converted_at=at if i < converted else None,
            )
        )
    session.flush()


def test_trigger_lift_against_control(session: Session) -> None:
    company = make_company(session)
    _impressions(session, company, T.SCARCITY, n=40, interacted=12, converted=10)
    _impressions(session, company, T.SCARCITY, n=40, converted=5, control=True)
    _impressions(session, company, T.SCARCITY, n=9, converted=9, days_ago=60)  # before
    _impressions(session, make_company(session), T.SCARCITY, n=5, converted=5)  # not ours

    rows = {r.trigger: r for r in trigger_performance(session, company_id=company.id,
                                                      start=START, end=END)}  # fmt: skip

    assert list(rows) == list(T)
    scarcity = rows[T.SCARCITY]
    assert (scarcity.impressions, scarcity.interactions, scarcity.conversions) == (40, 12, 10)
    assert (scarcity.control_impressions, scarcity.control_conversions) == (40, 5)
    assert (scarcity.carts, scarcity.control_carts) == (40, 40)
    assert scarcity.conversion_rate == 0.25
    assert scarcity.lift == compare_rates(10, 40, 5, 40)
    assert scarcity.lift.lift == 1.0  # 25% against 12.5%: twice the conversion
    assert not scarcity.lift.significant  # p 0.15 with 40 a side: not proven
    untouched = rows[T.URGENCY]
    assert (untouched.impressions, untouched.lift.too_small, untouched.lift.lift) == (0, True, None)


def test_upsell_performance(session: Session) -> None:
    company = make_company(session)
    cart = make_cart(session, company, status=CartStatus.CONVERTED, converted_at=NOW)

    def offer(kind: U, price: str, *, accepted: bool, days_ago: int = 1) -> None:
        at = NOW - timedelta(days=days_ago)
        session.add(
            CartUpsellOffer(
                company_id=company.id, cart_id=cart.id, type=kind,
                original_price=Decimal(price), offer_price=Decimal(price),
                presented_at=at, accepted_at=at if accepted else None,
            )
        )  # fmt: skip

    offer(U.COMPLEMENTARY, "12.50", accepted=True)
    offer(U.COMPLEMENTARY, "9.00", accepted=False)
    offer(U.WARRANTY, "5.00", accepted=False)
    offer(U.COMPLEMENTARY, "99.00", accepted=True, days_ago=40)  # before the period
    session.flush()

    rows = {r.type: r for r in upsell_performance(session, company_id=company.id,
                                                  start=START, end=END)}  # fmt: skip

    assert list(rows) == list(U)
    complementary = rows[U.COMPLEMENTARY]
    assert (complementary.presented, complementary.accepted) == (2, 1)
    assert complementary.revenue == Decimal("12.50")
    assert complementary.acceptance_rate == 0.5
    assert (rows[U.WARRANTY].presented, rows[U.WARRANTY].revenue) == (1, Decimal("0.00"))
    assert rows[U.SUBSCRIPTION].acceptance_rate == 0.0


def test_order_value_with_and_without_an_upsell(session: Session) -> None:
    company = make_company(session)
    mug = make_product(session, company, name="Mug", price="20.00")
    at = NOW - timedelta(days=2)
    bought = {"with": [], "without": []}
    # Two carts bought with an accepted upsell, two with a declined one, one with none.
    for qty, took in ((2, True), (3, True), (1, False), (1, False), (4, None)):
        cart = make_cart(session, company, items=[(mug, qty)], status=CartStatus.CONVERTED,
                         created_at=at, converted_at=at + timedelta(hours=1))  # fmt: skip
        bought["with" if took else "without"].append(cart.grand_total)
        if took is not None:
            session.add(
                CartUpsellOffer(
                    company_id=company.id, cart_id=cart.id, type=U.COMPLEMENTARY,
                    original_price=Decimal("5"), offer_price=Decimal("5"), presented_at=at,
                    accepted_at=at if took else None,
                )
            )  # fmt: skip
    make_cart(session, company, items=[(mug, 9)], status=CartStatus.ABANDONED, created_at=at)
    session.flush()

    aov = order_value_lift(session, company_id=company.id, start=START, end=END)

    with_avg = sum(bought["with"]) / 2
    without_avg = sum(bought["without"]) / 3
    assert (aov.orders_with, aov.orders_without) == (2, 3)
    assert aov.with_upsell == with_avg.quantize(Decimal("0.01"))
    assert aov.without_upsell == without_avg.quantize(Decimal("0.01"))
    assert aov.lift == pytest.approx(float(aov.with_upsell / aov.without_upsell) - 1)
    assert aov.lift > 0  # 2.5 mugs a cart against 2: a bigger order with the upsell
    empty = order_value_lift(session, company_id=make_company(session).id, start=START, end=END)
    assert empty.lift is None


def test_upsell_revenue_counts_carts_bought_after_accepting(session: Session) -> None:
    company = make_company(session)
    at = NOW - timedelta(days=2)
    for status in (CartStatus.CONVERTED, CartStatus.ABANDONED):
        cart = make_cart(session, company, status=status, created_at=at,
                         converted_at=at + timedelta(hours=1)
                         if status is CartStatus.CONVERTED else None)  # fmt: skip
        session.add(
            CartUpsellOffer(
                company_id=company.id, cart_id=cart.id, type=U.COMPLEMENTARY,
                original_price=Decimal("15"), offer_price=Decimal("12.50"), presented_at=at,
                accepted_at=at,
            )
        )  # fmt: skip
    session.flush()
    rows = {r.type: r for r in upsell_performance(session, company_id=company.id,
                                                  start=START, end=END)}  # fmt: skip
    assert (rows[U.COMPLEMENTARY].accepted, rows[U.COMPLEMENTARY].revenue) == (2, Decimal("12.50"))
