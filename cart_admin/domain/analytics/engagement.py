"""What the drawer's behavioural triggers and upsells did in a period (spec §9 `.triggers`,
`.upsells`), each one aggregate query.

A trigger's lift compares the conversion of carts that saw it with the control carts that
would have (the drawer records those as impressions with `control`), with a z-test that says
whether the difference is real, or that the sample is too small to tell.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col

from cart_admin.domain.analytics.stats import RateComparison, compare_rates
from cart_admin.models import BehavioralTrigger, CartTriggerImpression, CartUpsellOffer
from cart_admin.models import CartUpsellType as U
from cart_admin.models.types import to_money


@dataclass(frozen=True)
class TriggerRow:
    trigger: BehavioralTrigger
    impressions: int  # shown (treatment)
    interactions: int
    conversions: int  # carts bought after seeing it
    control_impressions: int  # withheld, measured
    control_conversions: int
    lift: RateComparison  # treatment conversion against control conversion

    @property
    def conversion_rate(self) -> float:
        return self.conversions / self.impressions if self.impressions else 0.0


def trigger_performance(
    session: Session, *, company_id: str, start: datetime, end: datetime
) -> list[TriggerRow]:
    """Every trigger, in the enum's order, zeros included."""
    rows = session.execute(
        sa.select(
            col(CartTriggerImpression.trigger),
            col(CartTriggerImpression.control),
            sa.func.count(),
            sa.func.count(col(CartTriggerImpression.interacted_at)),
            sa.func.count(col(CartTriggerImpression.converted_at)),
        )
        .where(
            col(CartTriggerImpression.company_id) == company_id,
            col(CartTriggerImpression.impressed_at) >= start,
            col(CartTriggerImpression.impressed_at) < end,
        )
        .group_by(col(CartTriggerImpression.trigger), col(CartTriggerImpression.control))
    ).all()
    found: dict[tuple[BehavioralTrigger, bool], tuple[int, int, int]] = {
        (BehavioralTrigger(t), bool(c)): (int(n), int(i), int(k)) for t, c, n, i, k in rows
    }
    out = []
    for trigger in BehavioralTrigger:
        shown, interacted, converted = found.get((trigger, False), (0, 0, 0))
        withheld, _, withheld_converted = found.get((trigger, True), (0, 0, 0))
        out.append(
            TriggerRow(
                trigger=trigger,
                impressions=shown,
                interactions=interacted,
                conversions=converted,
                control_impressions=withheld,
                control_conversions=withheld_converted,
                lift=compare_rates(converted, shown, withheld_converted, withheld),
            )
        )
    return out


@dataclass(frozen=True)
class UpsellRow:
    type: U
    presented: int
    accepted: int
    revenue: Decimal  # what the accepted offers added, at their offer price

    @property
    def acceptance_rate(self) -> float:
        return self.accepted / self.presented if self.presented else 0.0


def upsell_performance(
    session: Session, *, company_id: str, start: datetime, end: datetime
) -> list[UpsellRow]:
    """Every upsell type, in the enum's order, zeros included."""
    accepted = col(CartUpsellOffer.accepted_at).is_not(None)
    rows = session.execute(
        sa.select(
            col(CartUpsellOffer.type),
            sa.func.count(),
            sa.func.count(col(CartUpsellOffer.accepted_at)),
            sa.func.coalesce(sa.func.sum(sa.case((accepted, col(CartUpsellOffer.offer_price)))), 0),
        )
        .where(
            col(CartUpsellOffer.company_id) == company_id,
            col(CartUpsellOffer.presented_at) >= start,
            col(CartUpsellOffer.presented_at) < end,
        )
        .group_by(col(CartUpsellOffer.type))
    ).all()
    found = {U(t): (int(n), int(a), to_money(Decimal(str(v)))) for t, n, a, v in rows}
    return [UpsellRow(t, *found.get(t, (0, 0, Decimal("0.00")))) for t in U]
