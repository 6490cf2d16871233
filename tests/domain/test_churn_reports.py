"""What the real-time interventions did, per kind, counted in SQL on both databases."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from cart_admin.domain.churn.reports import KINDS, intervention_stats
from cart_admin.models import CheckoutIntervention
from cart_admin.models import CheckoutInterventionStatus as Status
from cart_admin.models import InterventionType as K
from cart_admin.models.types import utcnow
from tests.factories import make_cart, make_company

NOW = utcnow()


def _shown(session: Session, company, kind: K, status: Status, *, days_ago: float = 1) -> None:
    cart = make_cart(session, company)
    at = NOW - timedelta(days=days_ago)
    session.add(
        CheckoutIntervention(
            company_id=company.id,
            cart_id=cart.id,
            session_id="tab-00000001",
            type=kind,
            action="APPLY_DISCOUNT",
            status=status,
            created_at=at,
            accepted_at=at if status in (Status.ACCEPTED, Status.CONVERTED) else None,
            dismissed_at=at if status is Status.DISMISSED else None,
            converted_at=at if status is Status.CONVERTED else None,
        )
    )
    session.flush()


def test_counts_per_kind_in_the_window_and_for_the_company_only(session: Session) -> None:
    company, other = make_company(session), make_company(session)
    _shown(session, company, K.EXIT_INTENT, Status.SHOWN)
    _shown(session, company, K.EXIT_INTENT, Status.DISMISSED)
    _shown(session, company, K.EXIT_INTENT, Status.ACCEPTED)
    _shown(session, company, K.EXIT_INTENT, Status.CONVERTED)  # accepted, then bought
    _shown(session, company, K.FREE_SHIPPING_OFFER, Status.CONVERTED)
    _shown(session, company, K.EXIT_INTENT, Status.CONVERTED, days_ago=40)  # before the window
    _shown(session, other, K.EXIT_INTENT, Status.CONVERTED)  # another company

    stats = {s.type: s for s in intervention_stats(session, company.id, NOW - timedelta(days=30))}

    assert [s for s in KINDS] == list(stats)  # every kind, in a fixed order, zeros included
    exit_ = stats[K.EXIT_INTENT]
    assert (exit_.shown, exit_.accepted, exit_.dismissed, exit_.converted) == (4, 2, 1, 1)
    assert exit_.conversion_rate == 0.25
    assert stats[K.FREE_SHIPPING_OFFER].converted == 1
    help_ = stats[K.CHECKOUT_HELP]
    assert (help_.shown, help_.conversion_rate) == (0, 0.0)  # nothing shown: no division
