"""Intervention performance by type (spec §9 `.interventions`): the save flow's messages and
the drawer's real-time interventions side by side, each counted in SQL.

A save-flow message is shown when it was sent and accepted when its link was clicked; a
real-time one is shown when the drawer showed it and accepted when the shopper took it.
Revenue is the order the save flow attributed to the message, or, for a real-time
intervention the shopper took, the cart's total when it was bought afterwards; either only
within the attribution window (attribution.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col

from cart_admin.domain.analytics.attribution import DEFAULT_WINDOW, AttributionWindow
from cart_admin.models import Cart, CartIntervention, CartSaveAttempt, CheckoutIntervention
from cart_admin.models import InterventionType as K
from cart_admin.models.types import to_money


@dataclass(frozen=True)
class InterventionRow:
    type: K
    shown: int
    accepted: int
    avg_discount: Decimal  # the average value of the offers made (money off), 0 without
    revenue: Decimal

    @property
    def acceptance_rate(self) -> float:
        return self.accepted / self.shown if self.shown else 0.0


def intervention_performance(
    session: Session,
    *,
    company_id: str,
    start: datetime,
    end: datetime,
    window: AttributionWindow = DEFAULT_WINDOW,
) -> list[InterventionRow]:
    """The types that were shown in the period, most shown first."""
    converted = window.message_converted(session)
    flow = session.execute(
        sa.select(
            col(CartIntervention.type),
            sa.func.count(),
            sa.func.count(col(CartIntervention.clicked_at)),
            sa.func.coalesce(sa.func.sum(col(CartIntervention.offer_value)), 0),
            sa.func.count(col(CartIntervention.offer_value)),
            sa.func.coalesce(
                sa.func.sum(sa.case((converted, col(CartSaveAttempt.recovered_value)))), 0
            ),
        )
        .join(
            CartSaveAttempt, col(CartSaveAttempt.id) == col(CartIntervention.cart_save_attempt_id)
        )
        .where(
            col(CartIntervention.company_id) == company_id,
            col(CartIntervention.type).is_not(None),
            col(CartIntervention.sent_at) >= start,
            col(CartIntervention.sent_at) < end,
        )
        .group_by(col(CartIntervention.type))
    ).all()
    bought = window.offer_converted(session)
    live = session.execute(
        sa.select(
            col(CheckoutIntervention.type),
            sa.func.count(),
            sa.func.count(col(CheckoutIntervention.accepted_at)),
            sa.func.coalesce(sa.func.sum(sa.case((bought, col(Cart.grand_total)))), 0),
        )
        .join(Cart, col(Cart.id) == col(CheckoutIntervention.cart_id))
        .where(
            col(CheckoutIntervention.company_id) == company_id,
            col(CheckoutIntervention.created_at) >= start,
            col(CheckoutIntervention.created_at) < end,
        )
        .group_by(col(CheckoutIntervention.type))
    ).all()
    totals: dict[K, list] = {}
    for kind, shown, accepted, offered, offers, revenue in flow:
        totals[K(kind)] = [int(shown), int(accepted), Decimal(str(offered)), int(offers),
                           Decimal(str(revenue))]  # fmt: skip
    for kind, shown, accepted, revenue in live:
        row = totals.setdefault(K(kind), [0, 0, Decimal(0), 0, Decimal(0)])
        row[0] += int(shown)
        row[1] += int(accepted)
        row[4] += Decimal(str(revenue))
    out = [
        InterventionRow(
            type=kind,
            shown=shown,
            accepted=accepted,
            avg_discount=to_money(offered / offers) if offers else Decimal("0.00"),
            revenue=to_money(revenue),
        )
        for kind, (shown, accepted, offered, offers, revenue) in totals.items()
    ]
    return sorted(out, key=lambda r: (-r.shown, str(r.type)))
