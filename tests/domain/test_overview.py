"""The Overview figures (cart_admin.domain.overview) against rows inserted with known values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session

from cart_admin.domain.overview import overview_figures
from cart_admin.models import CartSaveStatus, CartStatus
from tests.factories import make_attempt, make_cart, make_company, make_customer, make_product

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture
def shop(session: Session):
    return make_company(session, "Acme Coffee")


def _cart(
    session,
    company,
    customer=None,
    *,
    age,
    status,
    items=(),
    abandoned=False,
    converted=False,
    **kw,
):
    created = NOW - age
    return make_cart(
        session,
        company,
        customer,
        status=status,
        items=items,
        created_at=created,
        abandoned_at=created + timedelta(minutes=45) if abandoned else None,
        converted_at=created + timedelta(hours=6) if converted else None,
        **kw,
    )


def test_empty_company(session, shop):
    figures = overview_figures(session, company_id=shop.id, now=NOW)
    assert (figures.start, figures.end) == (NOW - 30 * DAY, NOW)
    assert (figures.carts, figures.abandoned, figures.in_recovery, figures.recovered) == (
        0,
        0,
        0,
        0,
    )
    assert figures.revenue_recovered == Decimal("0.00")
    assert (figures.abandonment_rate, figures.recovery_rate) == (0.0, 0.0)


def test_figures_count_what_was_inserted(session, shop):
    other = make_company(session, "Other shop")
    customer = make_customer(session, shop)
    cent = make_product(session, shop, price="0.10")
    odd = make_product(session, shop, price="0.20")
    big = make_product(session, shop, price="1234567.89")
    mug = make_product(session, shop, price="12.50")
    foreign_mug = make_product(session, other, price="12.50")

    _cart(session, shop, age=DAY, status=CartStatus.ACTIVE, items=[(mug, 1)])
    running = _cart(
        session, shop, age=2 * DAY, status=CartStatus.ABANDONED, items=[(mug, 3)], abandoned=True
    )
    paused = _cart(
        session, shop, age=3 * DAY, status=CartStatus.ABANDONED, items=[(mug, 1)], abandoned=True
    )
    expired = _cart(
        session, shop, age=6 * DAY, status=CartStatus.EXPIRED, items=[(mug, 2)], abandoned=True
    )
    # Recovered: abandoned, then converted. Totals chosen to trip binary floating point.
    won_small = _cart(
        session,
        shop,
        customer,
        age=4 * DAY,
        status=CartStatus.CONVERTED,
        items=[(cent, 1), (odd, 1)],
        abandoned=True,
        converted=True,
    )
    won_big = _cart(
        session,
        shop,
        age=10 * DAY,
        status=CartStatus.CONVERTED,
        items=[(big, 1), (cent, 3)],
        abandoned=True,
        converted=True,
        shipping_total="0.01",
        tax_total="0.10",
        discount_total="0.30",
    )
    # Converted without being abandoned: a sale, not a recovery.
    _cart(session, shop, age=5 * DAY, status=CartStatus.CONVERTED, items=[(mug, 4)], converted=True)
    # Boundaries: created exactly at the window's start is in; exactly at `now` is out.
    edge = _cart(
        session,
        shop,
        age=30 * DAY,
        status=CartStatus.CONVERTED,
        items=[(odd, 1)],
        abandoned=True,
        converted=True,
    )
    _cart(
        session,
        shop,
        age=timedelta(0),
        status=CartStatus.ABANDONED,
        items=[(mug, 1)],
        abandoned=True,
    )
    # Out of the window, or another company's:
    old = _cart(
        session,
        shop,
        age=30 * DAY + timedelta(seconds=1),
        status=CartStatus.CONVERTED,
        items=[(mug, 1)],
        abandoned=True,
        converted=True,
    )
    _cart(session, shop, age=-DAY, status=CartStatus.ABANDONED, items=[(mug, 1)], abandoned=True)
    foreign = _cart(
        session,
        other,
        age=DAY,
        status=CartStatus.CONVERTED,
        items=[(foreign_mug, 1)],
        abandoned=True,
        converted=True,
    )

    make_attempt(session, running, status=CartSaveStatus.IN_PROGRESS)
    # A second, holdout attempt on the same cart (PENDING: only one may be IN_PROGRESS or PAUSED)
    make_attempt(session, running, status=CartSaveStatus.PENDING, is_holdout=True)
    make_attempt(session, paused, status=CartSaveStatus.PAUSED)
    make_attempt(session, expired, status=CartSaveStatus.PENDING)
    make_attempt(session, expired, status=CartSaveStatus.ACTIVE)
    make_attempt(session, expired, status=CartSaveStatus.EXPIRED)
    make_attempt(session, won_small, status=CartSaveStatus.COMPLETED)
    make_attempt(session, won_big, status=CartSaveStatus.CONVERTED)
    make_attempt(session, edge, status=CartSaveStatus.EXHAUSTED)
    make_attempt(session, paused, status=CartSaveStatus.CANCELLED)
    make_attempt(session, old, status=CartSaveStatus.IN_PROGRESS)
    make_attempt(session, foreign, status=CartSaveStatus.IN_PROGRESS)

    assert won_small.grand_total == Decimal("0.30")
    assert won_big.grand_total == Decimal("1234568.00")
    assert edge.grand_total == Decimal("0.20")

    figures = overview_figures(session, company_id=shop.id, now=NOW)

    assert figures.carts == 8
    assert figures.abandoned == 6  # running, paused, expired, won_small, won_big, edge
    assert figures.in_recovery == 4  # running, paused, expired x2 (PENDING, ACTIVE)
    assert figures.recovered == 3  # won_small, won_big, edge
    assert figures.revenue_recovered == Decimal("1234568.50")
    assert isinstance(figures.revenue_recovered, Decimal)
    assert str(figures.revenue_recovered) == "1234568.50"
    assert figures.abandonment_rate == 6 / 8
    assert figures.recovery_rate == 3 / 6


@pytest.mark.parametrize(
    ("days", "carts", "abandoned", "in_recovery", "recovered", "revenue"),
    [
        (1, 0, 0, 0, 0, "0.00"),
        (2, 1, 0, 0, 0, "0.00"),
        (3, 2, 1, 1, 0, "0.00"),
        (7, 4, 3, 1, 1, "33.33"),
        (365, 5, 4, 1, 2, "66.67"),
    ],
)
def test_window_follows_days(
    session, shop, days, carts, abandoned, in_recovery, recovered, revenue
):
    third = make_product(session, shop, price="33.33")
    third_up = make_product(session, shop, price="33.34")
    _cart(session, shop, age=DAY + timedelta(hours=1), status=CartStatus.ACTIVE)
    running = _cart(
        session, shop, age=2 * DAY + timedelta(hours=1), status=CartStatus.ABANDONED, abandoned=True
    )
    make_attempt(session, running)
    _cart(
        session,
        shop,
        age=5 * DAY,
        status=CartStatus.CONVERTED,
        items=[(third, 1)],
        abandoned=True,
        converted=True,
    )
    _cart(session, shop, age=6 * DAY, status=CartStatus.ABANDONED, abandoned=True)
    _cart(
        session,
        shop,
        age=100 * DAY,
        status=CartStatus.CONVERTED,
        items=[(third_up, 1)],
        abandoned=True,
        converted=True,
    )

    figures = overview_figures(session, company_id=shop.id, now=NOW, days=days)

    assert figures.start == NOW - days * DAY
    assert (figures.carts, figures.abandoned, figures.in_recovery, figures.recovered) == (
        carts,
        abandoned,
        in_recovery,
        recovered,
    )
    assert figures.revenue_recovered == Decimal(revenue)
