"""Incrementality: what the save flow adds over doing nothing, measured against its holdout.

Carts whose attempt started in the period are split by the holdout flag the flow set when it
started (the same share, drawn by a hash of the cart). Holdout carts are never contacted, so
their recovery rate is what would have come back anyway. The difference in recovery rate, and
in recovered revenue per cart times the treated carts, is what the flow earned: the figure
other tools cannot give, shown first on the dashboard with its 95% interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col

from cart_admin.domain.analytics.stats import (
    MeanDifference,
    Moments,
    RateComparison,
    compare_means,
    compare_rates,
)
from cart_admin.models import CartSaveAttempt
from cart_admin.models.types import to_money


@dataclass(frozen=True)
class Group:
    carts: int
    recovered: int
    revenue: Decimal
    revenue_sq: float  # sum of squared per-cart recovered revenue (for the interval)

    @property
    def recovery_rate(self) -> float:
        return self.recovered / self.carts if self.carts else 0.0

    @property
    def moments(self) -> Moments:
        return Moments(self.carts, float(self.revenue), self.revenue_sq)


@dataclass(frozen=True)
class Incrementality:
    treated: Group
    holdout: Group
    rate: RateComparison  # treated against holdout
    revenue_per_cart: MeanDifference

    @property
    def incremental_recoveries(self) -> float:
        return self.rate.difference * self.treated.carts

    @property
    def incremental_revenue(self) -> Decimal:
        return to_money(Decimal(str(self.revenue_per_cart.difference * self.treated.carts)))

    @property
    def comparable(self) -> bool:
        """Both groups have carts: without a holdout there is nothing to measure against."""
        return self.treated.carts > 0 and self.holdout.carts > 0

    @property
    def incremental_revenue_interval(self) -> tuple[Decimal, Decimal]:
        n = self.treated.carts
        low, high = self.revenue_per_cart.ci_low * n, self.revenue_per_cart.ci_high * n
        return (to_money(Decimal(str(low))), to_money(Decimal(str(high))))


def incrementality(
    session: Session, *, company_id: str, start: datetime, end: datetime
) -> Incrementality:
    """Treated against holdout for the attempts started in [start, end), in one query."""
    value = sa.func.coalesce(col(CartSaveAttempt.recovered_value), 0)
    rows = session.execute(
        sa.select(
            col(CartSaveAttempt.is_holdout),
            sa.func.count(),
            sa.func.count(col(CartSaveAttempt.recovered_value)),
            sa.func.coalesce(sa.func.sum(value), 0),
            sa.func.coalesce(sa.func.sum(value * value), 0),
        )
        .where(
            col(CartSaveAttempt.company_id) == company_id,
            col(CartSaveAttempt.started_at) >= start,
            col(CartSaveAttempt.started_at) < end,
        )
        .group_by(col(CartSaveAttempt.is_holdout))
    ).all()
    groups = {
        bool(holdout): Group(int(n), int(recovered), to_money(Decimal(str(revenue))), float(sq))
        for holdout, n, recovered, revenue, sq in rows
    }
    empty = Group(0, 0, Decimal("0.00"), 0.0)
    treated, holdout = groups.get(False, empty), groups.get(True, empty)
    return Incrementality(
        treated=treated,
        holdout=holdout,
        rate=compare_rates(treated.recovered, treated.carts, holdout.recovered, holdout.carts),
        revenue_per_cart=compare_means(treated.moments, holdout.moments),
    )
