"""The spec §1 success metrics against their targets, and trends, counted by hand."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session

from cart_admin.domain.analytics.success import Trend, period_figures
from cart_admin.models import CartStatus, CartUpsellOffer
from cart_admin.models import CartUpsellType as U
from cart_admin.models.types import utcnow
from tests.factories import make_cart, make_company, make_product

NOW = utcnow()
START, END = NOW - timedelta(days=30), NOW


def test_success_metrics_of_a_period(session: Session) -> None:
    company = make_company(session)
    mug = make_product(session, company, name="Mug", price="40.00")
    at = NOW - timedelta(days=3)
    # 10 carts: 7 abandoned (2 of them bought back), 3 bought straight; 8 reached checkout.
    plans = [("abandoned", False)] * 5 + [("recovered", True)] * 2 + [("bought", True)] * 3
    for index, (kind, converted) in enumerate(plans):
        cart = make_cart(
            session, company, items=[(mug, 1 + (kind == "bought"))], created_at=at,
            status=CartStatus.CONVERTED if converted else CartStatus.ABANDONED,
            abandoned_at=at if kind != "bought" else None,
            converted_at=at + timedelta(hours=1) if converted else None,
        )  # fmt: skip
        if index >= 2:
            cart.checkout_started_at = at
            session.add(cart)
    make_cart(session, company, created_at=NOW - timedelta(days=40))  # before the period
    upsell_cart = make_cart(session, company, created_at=at)
    for accepted in (True, False, False, False):
        session.add(
            CartUpsellOffer(
                company_id=company.id, cart_id=upsell_cart.id, type=U.COMPLEMENTARY,
                original_price=Decimal("5"), offer_price=Decimal("5"), presented_at=at,
                accepted_at=at if accepted else None,
            )
        )  # fmt: skip
    session.flush()

    figures = period_figures(session, company_id=company.id, start=START, end=END)

    assert (figures.carts, figures.abandoned, figures.recovered) == (11, 7, 2)
    assert (figures.orders, figures.checkout_starts) == (5, 8)
    assert figures.revenue == 2 * Decimal("40.00") + 3 * Decimal("80.00")  # before tax: 320
    metrics = {m.key: m for m in figures.metrics()}
    assert metrics["abandonmentRate"].value == pytest.approx(7 / 11)
    assert not metrics["abandonmentRate"].met  # 64% against the 55% target
    assert metrics["recoveryRate"].value == pytest.approx(2 / 7) and metrics["recoveryRate"].met
    assert metrics["avgCartValue"].value == pytest.approx(64.0) and metrics["avgCartValue"].met
    assert metrics["upsellAcceptance"].value == 0.25
    assert metrics["checkoutCompletion"].value == pytest.approx(5 / 8)


def test_an_empty_period_and_trends(session: Session) -> None:
    company = make_company(session)
    figures = period_figures(session, company_id=company.id, start=START, end=END)
    assert [m.value for m in figures.metrics()] == [0.0] * 5
    assert (Trend(0.3, 0.2).direction, Trend(0.3, 0.2).change) == ("up", pytest.approx(0.5))
    assert (Trend(0.0, 0.0).direction, Trend(0.1, 0.0).change) == ("flat", None)


def test_recovery_counts_the_carts_abandoned_in_the_period(session: Session) -> None:
    """As the recovery summary does: one recovery rate on the whole dashboard."""
    from cart_admin.domain.analytics.recovery import recovery_summary

    company = make_company(session)
    mug = make_product(session, company, name="Mug", price="40.00")
    # Created before the period, abandoned and bought back inside it.
    make_cart(session, company, items=[(mug, 1)], created_at=START - timedelta(hours=2),
              status=CartStatus.CONVERTED, abandoned_at=START + timedelta(hours=1),
              converted_at=START + timedelta(hours=5))  # fmt: skip
    # Created in the period, abandoned after it ended: not abandoned in this period.
    make_cart(session, company, items=[(mug, 1)], created_at=END - timedelta(hours=1),
              status=CartStatus.ABANDONED, abandoned_at=END + timedelta(hours=1))  # fmt: skip
    make_cart(session, company, items=[(mug, 1)], created_at=NOW - timedelta(days=2),
              status=CartStatus.ABANDONED, abandoned_at=NOW - timedelta(days=2))  # fmt: skip

    figures = period_figures(session, company_id=company.id, start=START, end=END)
    summary = recovery_summary(session, company_id=company.id, start=START, end=END)

    assert (figures.carts, figures.abandoned, figures.recovered) == (2, 2, 1)
    assert (summary.abandoned, summary.recovered) == (2, 1)
    assert figures.orders == 0  # the recovered cart was created before the period
    metrics = {m.key: m.value for m in figures.metrics()}
    assert metrics["recoveryRate"] == summary.recovery_rate == 0.5
