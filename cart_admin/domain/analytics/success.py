"""The spec's success metrics (§1) with their targets, and trends against the period before.

| metric | before | target | measured as |
| --- | --- | --- | --- |
| cart abandonment rate | ~70% | 55% | of the carts created in the period, those abandoned |
| recovery rate | ~5% | 20% | of the carts abandoned in the period, those bought after |
| average cart value | $45 | $58 | revenue / orders |
| upsell acceptance | n/a | 15% | accepted / presented |
| checkout completion | ~30% | 45% | of the carts that started checkout, those bought |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col

from cart_admin.models import Cart, CartStatus, CartUpsellOffer
from cart_admin.models.types import to_money


@dataclass(frozen=True)
class SuccessMetric:
    key: str
    label: str
    value: float
    baseline: float | None  # "current" in the spec's table: before the programme
    target: float
    lower_is_better: bool = False
    sample: int = 1  # what the rate divides by: with nothing to measure, no target is met

    @property
    def met(self) -> bool:
        if not self.sample:
            return False
        return self.value <= self.target if self.lower_is_better else self.value >= self.target


@dataclass(frozen=True)
class PeriodFigures:
    carts: int
    abandoned: int
    recovered: int
    orders: int
    revenue: Decimal
    checkout_starts: int
    upsells_presented: int
    upsells_accepted: int
    carts_abandoned: int = 0  # of the carts created in the period, those abandoned since
    checkout_orders: int = 0  # of the carts that started checkout, those bought

    def rate(self, part: int, whole: int) -> float:
        return part / whole if whole else 0.0

    @property
    def avg_cart_value(self) -> float:
        return float(self.revenue / self.orders) if self.orders else 0.0

    def metrics(self) -> list[SuccessMetric]:
        return [
            SuccessMetric("abandonmentRate", "Cart abandonment rate",
                          self.rate(self.carts_abandoned, self.carts), 0.70, 0.55,
                          lower_is_better=True, sample=self.carts),
            SuccessMetric("recoveryRate", "Recovery rate",
                          self.rate(self.recovered, self.abandoned), 0.05, 0.20,
                          sample=self.abandoned),
            SuccessMetric("avgCartValue", "Average cart value", self.avg_cart_value, 45.0, 58.0,
                          sample=self.orders),
            SuccessMetric("upsellAcceptance", "Upsell acceptance",
                          self.rate(self.upsells_accepted, self.upsells_presented), None, 0.15,
                          sample=self.upsells_presented),
            SuccessMetric("checkoutCompletion", "Checkout completion",
                          self.rate(self.checkout_orders, self.checkout_starts), 0.30, 0.45,
                          sample=self.checkout_starts),
        ]  # fmt: skip


def period_figures(
    session: Session,
    *,
    company_id: str,
    start: datetime,
    end: datetime,
    recovered_before: datetime | None = None,
) -> PeriodFigures:
    """Carts created in [start, end) and what became of them; abandoned and recovered count
    the carts abandoned in the period, as the recovery summary does, so the dashboard has one
    recovery rate (two queries)."""
    converted = col(Cart.status) == CartStatus.CONVERTED
    created = sa.and_(col(Cart.created_at) >= start, col(Cart.created_at) < end)
    abandoned = sa.and_(col(Cart.abandoned_at) >= start, col(Cart.abandoned_at) < end)
    recovered = sa.and_(
        abandoned,
        converted,
        col(Cart.converted_at) >= col(Cart.abandoned_at),
        col(Cart.converted_at) < recovered_before if recovered_before is not None else sa.true(),
    )
    carts = session.execute(
        sa.select(
            sa.func.count(sa.case((created, 1))),
            sa.func.count(sa.case((abandoned, 1))),
            sa.func.count(sa.case((recovered, 1))),
            sa.func.count(sa.case((sa.and_(created, converted), 1))),
            sa.func.coalesce(
                sa.func.sum(sa.case((sa.and_(created, converted), col(Cart.grand_total)))), 0
            ),
            sa.func.count(
                sa.case((sa.and_(created, col(Cart.checkout_started_at).is_not(None)), 1))
            ),
            sa.func.count(sa.case((sa.and_(created, col(Cart.abandoned_at).is_not(None)), 1))),
            sa.func.count(
                sa.case(
                    (sa.and_(created, converted, col(Cart.checkout_started_at).is_not(None)), 1)
                )
            ),
        ).where(col(Cart.company_id) == company_id, sa.or_(created, abandoned))
    ).one()
    upsells = session.execute(
        sa.select(sa.func.count(), sa.func.count(col(CartUpsellOffer.accepted_at))).where(
            col(CartUpsellOffer.company_id) == company_id,
            col(CartUpsellOffer.presented_at) >= start,
            col(CartUpsellOffer.presented_at) < end,
        )
    ).one()
    total, abandoned, recovered, orders, revenue, starts, created_abandoned, checkout_orders = carts
    return PeriodFigures(
        carts=int(total),
        abandoned=int(abandoned),
        recovered=int(recovered),
        orders=int(orders),
        revenue=to_money(Decimal(str(revenue))),
        checkout_starts=int(starts),
        upsells_presented=int(upsells[0]),
        upsells_accepted=int(upsells[1]),
        carts_abandoned=int(created_abandoned),
        checkout_orders=int(checkout_orders),
    )


@dataclass(frozen=True)
class Trend:
    current: float
    previous: float

    @property
    def change(self) -> float | None:
        """Relative change against the previous period; None when that was 0."""
        return (self.current - self.previous) / self.previous if self.previous else None

    @property
    def direction(self) -> str:
        if self.current > self.previous:
            return "up"
        return "down" if self.current < self.previous else "flat"
