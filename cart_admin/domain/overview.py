"""The Overview page's figures, aggregated in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col

from cart_admin.models import Cart, CartSaveAttempt, CartSaveStatus, CartStatus
from cart_admin.models.types import to_money

RUNNING_STATUSES = (
    CartSaveStatus.IN_PROGRESS,
    CartSaveStatus.ACTIVE,
    CartSaveStatus.PENDING,
    CartSaveStatus.PAUSED,
)


@dataclass(frozen=True)
class OverviewFigures:
    """Headline numbers for a period ending at `end`."""

    start: datetime
    end: datetime
    carts: int
    abandoned: int
    in_recovery: int
    recovered: int
    revenue_recovered: Decimal

    @property
    def abandonment_rate(self) -> float:
        return self.abandoned / self.carts if self.carts else 0.0

    @property
    def recovery_rate(self) -> float:
        return self.recovered / self.abandoned if self.abandoned else 0.0


def overview_figures(
    session: Session, *, company_id: str, now: datetime, days: int = 30
) -> OverviewFigures:
    """Carts created in the window, how many were abandoned, are being worked, came back.

    A cart is recovered when it was abandoned and later converted; its grand total is the
    revenue recovered. "In recovery" counts running save attempts (holdouts excluded).
    """
    start = now - timedelta(days=days)
    in_window = sa.and_(
        col(Cart.company_id) == company_id,
        col(Cart.created_at) >= start,
        col(Cart.created_at) < now,
    )
    recovered_case = sa.and_(
        col(Cart.abandoned_at).is_not(None), col(Cart.status) == CartStatus.CONVERTED
    )
    row = session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count(col(Cart.abandoned_at)),
            sa.func.sum(sa.case((recovered_case, 1), else_=0)),
            sa.func.sum(sa.case((recovered_case, Cart.grand_total), else_=0)),
        ).where(in_window)
    ).one()
    in_recovery = session.execute(
        sa.select(sa.func.count())
        .select_from(CartSaveAttempt)
        .join(Cart, col(Cart.id) == col(CartSaveAttempt.cart_id))
        .where(
            in_window,
            col(CartSaveAttempt.status).in_(RUNNING_STATUSES),
            col(CartSaveAttempt.is_holdout).is_(False),
        )
    ).scalar_one()
    return OverviewFigures(
        start=start,
        end=now,
        carts=row[0],
        abandoned=row[1],
        in_recovery=in_recovery,
        recovered=int(row[2] or 0),
        revenue_recovered=to_money(row[3] or 0),
    )
