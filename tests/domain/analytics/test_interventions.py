"""Intervention performance by type, save-flow messages and real-time interventions together,
checked by hand on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

from sqlmodel import Session

from cart_admin.domain.analytics.interventions import intervention_performance
from cart_admin.domain.save_flow.engine import new_tracking_token
from cart_admin.models import CartIntervention, CartSaveStage, Channel, CheckoutIntervention
from cart_admin.models import CheckoutInterventionStatus as Status
from cart_admin.models import InterventionType as K
from cart_admin.models.types import utcnow
from tests.factories import make_attempt, make_cart, make_company, make_product

NOW = utcnow()
START, END = NOW - timedelta(days=30), NOW


def test_by_type(session: Session) -> None:
    company = make_company(session)
    mug = make_product(session, company, name="Mug", price="25.00")
    cart = make_cart(session, company, items=[(mug, 2)])
    attempt = make_attempt(session, cart, started_at=NOW - timedelta(days=3))
    attempt.recovered_value = Decimal("50.00")
    session.add(attempt)

    steps = itertools.count()

    def message(kind, *, offer=None, clicked=False, converted=False, days_ago=2) -> None:
        at = NOW - timedelta(days=days_ago)
        session.add(
            CartIntervention(
                company_id=company.id, cart_id=cart.id, cart_save_attempt_id=attempt.id,
                stage=CartSaveStage.NUCLEAR_OFFER, channel=Channel.EMAIL, channels=["EMAIL"],
                step=next(steps), tracking_token=new_tracking_token(),
                type=kind, scheduled_at=at, sent_at=at,
                offer_value=Decimal(offer) if offer else None,
                clicked_at=at if clicked else None, converted_at=at if converted else None,
            )
        )  # fmt: skip
        session.flush()

    message(K.BEST_OFFER, offer="5.00", clicked=True, converted=True)
    message(K.BEST_OFFER, offer="7.00", days_ago=1)
    message(K.CART_REMINDER)
    message(K.BEST_OFFER, offer="99.00", clicked=True, days_ago=45)  # before the period
    bought = make_cart(session, company, items=[(mug, 1)])
    for target, status in ((bought, Status.CONVERTED), (make_cart(session, company), Status.SHOWN)):
        session.add(
            CheckoutIntervention(
                company_id=company.id, cart_id=target.id, session_id="tab-00000001",
                type=K.EXIT_INTENT, action="APPLY_DISCOUNT", status=status,
                created_at=NOW - timedelta(days=1),
                accepted_at=NOW if status is Status.CONVERTED else None,
                converted_at=NOW if status is Status.CONVERTED else None,
            )
        )  # fmt: skip
    session.flush()

    rows = {r.type: r for r in intervention_performance(session, company_id=company.id,
                                                        start=START, end=END)}  # fmt: skip

    assert list(rows) == [K.BEST_OFFER, K.EXIT_INTENT, K.CART_REMINDER]  # most shown first
    best = rows[K.BEST_OFFER]
    assert (best.shown, best.accepted, best.acceptance_rate) == (2, 1, 0.5)
    assert best.avg_discount == Decimal("6.00")  # (5 + 7) / 2
    assert best.revenue == Decimal("50.00")  # the attempt's order, attributed to it
    exit_ = rows[K.EXIT_INTENT]
    assert (exit_.shown, exit_.accepted, exit_.revenue) == (2, 1, bought.grand_total)
    assert (rows[K.CART_REMINDER].avg_discount, rows[K.CART_REMINDER].revenue) == (
        Decimal("0.00"), Decimal("0.00"),
    )  # fmt: skip


def test_an_empty_period(session: Session) -> None:
    company = make_company(session)
    assert intervention_performance(session, company_id=company.id, start=START, end=END) == []
