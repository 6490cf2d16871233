"""What the real-time interventions did: per kind, how many were shown and what became of them
(counted in SQL, for the Checkout help page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, func

from cart_admin.models import CheckoutIntervention
from cart_admin.models import InterventionType as K

KINDS = (K.EXIT_INTENT, K.FREE_SHIPPING_OFFER, K.DISCOUNT_HELP, K.CHECKOUT_HELP,
         K.PERCENTAGE_DISCOUNT)  # fmt: skip


@dataclass(frozen=True)
class KindStats:
    type: K
    shown: int
    accepted: int
    dismissed: int
    converted: int

    @property
    def conversion_rate(self) -> float:
        return self.converted / self.shown if self.shown else 0.0


def intervention_stats(session: Session, company_id: str, since: datetime) -> list[KindStats]:
    """Every kind, shown since `since`: accepted and dismissed as answered, converted when
    the cart was bought afterwards (whatever the answer)."""
    rows = session.execute(
        sa.select(
            col(CheckoutIntervention.type),
            func.count(),
            func.count(col(CheckoutIntervention.accepted_at)),
            func.count(col(CheckoutIntervention.dismissed_at)),
            func.count(col(CheckoutIntervention.converted_at)),
        )
        .where(
            col(CheckoutIntervention.company_id) == company_id,
            col(CheckoutIntervention.created_at) >= since,
        )
        .group_by(col(CheckoutIntervention.type))
    ).all()
    found = {K(kind): (shown, accepted, dismissed, converted or 0)
             for kind, shown, accepted, dismissed, converted in rows}  # fmt: skip
    return [KindStats(kind, *found.get(kind, (0, 0, 0, 0))) for kind in KINDS]
