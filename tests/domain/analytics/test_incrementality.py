"""Incrementality on a hand-built set of attempts, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session

from cart_admin.domain.analytics.incrementality import incrementality
from cart_admin.models.types import utcnow
from tests.factories import make_attempt, make_cart, make_company

NOW = utcnow()
START, END = NOW - timedelta(days=30), NOW


def _attempt(session: Session, company, *, holdout: bool, recovered: str | None, days_ago=3):
    attempt = make_attempt(
        session,
        make_cart(session, company),
        is_holdout=holdout,
        started_at=NOW - timedelta(days=days_ago),
    )
    attempt.recovered_value = Decimal(recovered) if recovered else None
    session.add(attempt)
    session.flush()


def test_treated_against_holdout(session: Session) -> None:
    company, other = make_company(session), make_company(session)
    for value in ("50.00", "30.00", None, None):  # treated: 2 of 4 back, $80
        _attempt(session, company, holdout=False, recovered=value)
    for value in ("20.00", None):  # holdout: 1 of 2 back, $20
        _attempt(session, company, holdout=True, recovered=value)
    _attempt(session, company, holdout=False, recovered="999.00", days_ago=40)  # before
    _attempt(session, other, holdout=False, recovered="999.00")  # another company

    result = incrementality(session, company_id=company.id, start=START, end=END)

    assert (result.treated.carts, result.treated.recovered) == (4, 2)
    assert result.treated.revenue == Decimal("80.00")
    assert result.treated.revenue_sq == pytest.approx(2500 + 900)
    assert (result.holdout.carts, result.holdout.recovered) == (2, 1)
    assert result.holdout.revenue == Decimal("20.00")
    assert result.rate.difference == 0.0  # 50% against 50%
    # Revenue per cart: 20.00 against 10.00, so 10.00 × 4 treated carts = 40.00 earned.
    assert result.incremental_revenue == Decimal("40.00")
    # Variances 600 ((3400 - 80²/4)/3) and 200 ((400 - 20²/2)/1): SE sqrt(600/4 + 200/2)
    # = 15.811; 10 ± 30.990 per cart, × 4 = -83.96 .. 163.96.
    assert result.incremental_revenue_interval == (Decimal("-83.96"), Decimal("163.96"))
    assert result.rate.too_small and result.revenue_per_cart.too_small


def test_an_empty_period_has_zeros_and_no_division_by_zero(session: Session) -> None:
    company = make_company(session)

    result = incrementality(session, company_id=company.id, start=START, end=END)

    assert (result.treated.carts, result.holdout.carts) == (0, 0)
    assert result.incremental_revenue == Decimal("0.00")
    assert result.rate.p_value == 1.0 and result.rate.too_small


def test_a_period_without_any_recovery(session: Session) -> None:
    company = make_company(session)
    for holdout in (False, False, True):
        _attempt(session, company, holdout=holdout, recovered=None)

    result = incrementality(session, company_id=company.id, start=START, end=END)

    assert result.treated.recovery_rate == 0.0 and result.holdout.recovery_rate == 0.0
    assert result.rate.lift is None
    assert result.incremental_revenue == Decimal("0.00")
