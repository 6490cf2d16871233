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
from cart_admin.models import (
    BehavioralTrigger,
    Cart,
    CartStatus,
    CartTriggerImpression,
    CartUpsellOffer,
)
from cart_admin.models import CartUpsellType as U
from cart_admin.models.types import to_money


@dataclass(frozen=True)
class TriggerRow:
    trigger: BehavioralTrigger
    impressions: int  # times shown (treatment): one per product line and tab
    interactions: int  # carts whose shopper interacted with it
    conversions: int  # carts bought after seeing it
    control_impressions: int  # times withheld, measured
    control_conversions: int  # control carts bought
    lift: RateComparison  # treated carts' conversion against control carts'
    carts: int = 0  # distinct carts shown it
    control_carts: int = 0

    @property
    def conversion_rate(self) -> float:
        return self.conversions / self.carts if self.carts else 0.0


def trigger_performance(
    session: Session, *, company_id: str, start: datetime, end: datetime
) -> list[TriggerRow]:
    """Every trigger, in the enum's order, zeros included. Counted in carts, not impressions:
    the drawer records one impression per product line and tab, and the test needs
    independent shoppers."""
    cart = col(CartTriggerImpression.cart_id)
    did_interact = col(CartTriggerImpression.interacted_at).is_not(None)
    did_convert = col(CartTriggerImpression.converted_at).is_not(None)
    rows = session.execute(
        sa.select(
            col(CartTriggerImpression.trigger),
            col(CartTriggerImpression.control),
            sa.func.count(),
            sa.func.count(sa.distinct(cart)),
            sa.func.count(sa.distinct(sa.case((did_interact, cart)))),
            sa.func.count(sa.distinct(sa.case((did_convert, cart)))),
        )
        .where(
            col(CartTriggerImpression.company_id) == company_id,
            col(CartTriggerImpression.impressed_at) >= start,
            col(CartTriggerImpression.impressed_at) < end,
        )
        .group_by(col(CartTriggerImpression.trigger), col(CartTriggerImpression.control))
    ).all()
    found: dict[tuple[BehavioralTrigger, bool], tuple[int, int, int, int]] = {
        (BehavioralTrigger(t), bool(c)): (int(n), int(k), int(i), int(b))
        for t, c, n, k, i, b in rows
    }
    out = []
    for trigger in BehavioralTrigger:
        shown, carts, interacted, converted = found.get((trigger, False), (0, 0, 0, 0))
        withheld, control_carts, _, control_converted = found.get((trigger, True), (0, 0, 0, 0))
        out.append(
            TriggerRow(
                trigger=trigger,
                impressions=shown,
                interactions=interacted,
                conversions=converted,
                control_impressions=withheld,
                control_conversions=control_converted,
                lift=compare_rates(converted, carts, control_converted, control_carts),
                carts=carts,
                control_carts=control_carts,
            )
        )
    return out


@dataclass(frozen=True)
class UpsellRow:
    type: U
    presented: int
    accepted: int
    revenue: Decimal  # what the accepted offers added to carts then bought, at their offer price

    @property
    def acceptance_rate(self) -> float:
        return self.accepted / self.presented if self.presented else 0.0


def upsell_performance(
    session: Session, *, company_id: str, start: datetime, end: datetime
) -> list[UpsellRow]:
    """Every upsell type, in the enum's order, zeros included. Revenue counts an accepted
    offer only when its cart was bought afterwards."""
    accepted = sa.and_(
        col(CartUpsellOffer.accepted_at).is_not(None),
        col(Cart.status) == CartStatus.CONVERTED,
        col(Cart.converted_at) >= col(CartUpsellOffer.accepted_at),
    )
    rows = session.execute(
        sa.select(
            col(CartUpsellOffer.type),
            sa.func.count(),
            sa.func.count(col(CartUpsellOffer.accepted_at)),
            sa.func.coalesce(sa.func.sum(sa.case((accepted, col(CartUpsellOffer.offer_price)))), 0),
        )
        .join(Cart, col(Cart.id) == col(CartUpsellOffer.cart_id))
        .where(
            col(CartUpsellOffer.company_id) == company_id,
            col(CartUpsellOffer.presented_at) >= start,
            col(CartUpsellOffer.presented_at) < end,
        )
        .group_by(col(CartUpsellOffer.type))
    ).all()
    found = {U(t): (int(n), int(a), to_money(Decimal(str(v)))) for t, n, a, v in rows}
    return [UpsellRow(t, *found.get(t, (0, 0, Decimal("0.00")))) for t in U]


@dataclass(frozen=True)
class OrderValueLift:
    """Average order value of carts bought with an accepted upsell against those bought
    without one (spec §9 `upsells.avgOrderValueLift`)."""

    with_upsell: Decimal
    without_upsell: Decimal
    orders_with: int
    orders_without: int

    @property
    def lift(self) -> float | None:
        if not (self.orders_with and self.orders_without and self.without_upsell):
            return None
        return float(self.with_upsell / self.without_upsell) - 1.0


def order_value_lift(
    session: Session, *, company_id: str, start: datetime, end: datetime
) -> OrderValueLift:
    """Carts bought in the period, split by whether an upsell was accepted in them (one query)."""
    took = (
        sa.exists()
        .where(
            col(CartUpsellOffer.cart_id) == col(Cart.id),
            col(CartUpsellOffer.accepted_at).is_not(None),
        )
        .label("took")
    )
    rows = session.execute(
        sa.select(took, sa.func.count(), sa.func.avg(col(Cart.grand_total)))
        .where(
            col(Cart.company_id) == company_id,
            col(Cart.status) == CartStatus.CONVERTED,
            col(Cart.converted_at) >= start,
            col(Cart.converted_at) < end,
        )
        .group_by(took)
    ).all()
    found = {bool(t): (int(n), to_money(Decimal(str(a or 0)))) for t, n, a in rows}
    (n_with, avg_with), (n_without, avg_without) = (
        found.get(True, (0, Decimal("0.00"))),
        found.get(False, (0, Decimal("0.00"))),
    )
    return OrderValueLift(avg_with, avg_without, n_with, n_without)
