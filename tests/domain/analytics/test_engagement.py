"""Trigger lift against the control group and upsell performance, counted by hand, on SQLite
and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlmodel import Session

from cart_admin.domain.analytics.engagement import trigger_performance, upsell_performance
from cart_admin.domain.analytics.stats import compare_rates
from cart_admin.models import BehavioralTrigger as T
from cart_admin.models import CartTriggerImpression, CartUpsellOffer, TriggerPlacement
from cart_admin.models import CartUpsellType as U
from cart_admin.models.types import utcnow
from tests.factories import make_cart, make_company

NOW = utcnow()
START, END = NOW - timedelta(days=30), NOW


def _impressions(session, company, trigger, *, n, interacted=0, converted=0, control=False,
                 days_ago=2) -> None:  # fmt: skip
    cart = make_cart(session, company)
    at = NOW - timedelta(days=days_ago)
    for i in range(n):
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
    assert scarcity.conversion_rate == 0.25
    assert scarcity.lift == compare_rates(10, 40, 5, 40)
    assert scarcity.lift.lift == 1.0  # 25% against 12.5%: twice the conversion
    assert not scarcity.lift.significant  # p 0.15 with 40 a side: not proven
    untouched = rows[T.URGENCY]
    assert (untouched.impressions, untouched.lift.too_small, untouched.lift.lift) == (0, True, None)


def test_upsell_performance(session: Session) -> None:
    company = make_company(session)
    cart = make_cart(session, company)

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
