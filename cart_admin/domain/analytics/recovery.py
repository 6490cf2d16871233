"""Recovery performance for a period (spec §9 `CartIntelligenceMetrics.recovery`, `.channels`,
`.stages`), each one aggregate query.

A cart counts in the period it was abandoned in; it is recovered when it was bought after it
was abandoned. A message counts in the period it was sent in; it converted when the save flow
attributed the order to it (its code, or its link clicked before the order) and the order came
within the attribution window (attribution.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col

from cart_admin.domain.analytics.attribution import DEFAULT_WINDOW, AttributionWindow, hours_between
from cart_admin.domain.save_flow.stages import STAGES
from cart_admin.models import (
    Cart,
    CartIntervention,
    CartSaveAttempt,
    CartSaveStage,
    CartStatus,
    Channel,
)
from cart_admin.models.types import to_money


@dataclass(frozen=True)
class RecoverySummary:
    abandoned: int
    recovered: int
    recovery_value: Decimal
    avg_hours_to_recovery: float | None  # None: nothing recovered, so no time to measure

    @property
    def recovery_rate(self) -> float:
        return self.recovered / self.abandoned if self.abandoned else 0.0


def recovery_summary(
    session: Session,
    *,
    company_id: str,
    start: datetime,
    end: datetime,
    recovered_before: datetime | None = None,
) -> RecoverySummary:
    """`recovered_before` counts only the purchases made by then: a past period as it stood at
    the age the current one has now, so a trend compares like with like."""
    recovered = sa.and_(
        col(Cart.status) == CartStatus.CONVERTED,
        col(Cart.converted_at).is_not(None),
        col(Cart.converted_at) >= col(Cart.abandoned_at),
        col(Cart.converted_at) < recovered_before if recovered_before is not None else sa.true(),
    )
    hours = hours_between(session, col(Cart.converted_at), col(Cart.abandoned_at))
    row = session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count(sa.case((recovered, 1))),
            sa.func.coalesce(sa.func.sum(sa.case((recovered, col(Cart.grand_total)))), 0),
            sa.func.avg(sa.case((recovered, hours))),
        ).where(
            col(Cart.company_id) == company_id,
            col(Cart.abandoned_at) >= start,
            col(Cart.abandoned_at) < end,
        )
    ).one()
    abandoned, count, value, avg_hours = row
    return RecoverySummary(
        abandoned=int(abandoned),
        recovered=int(count),
        recovery_value=to_money(Decimal(str(value))),
        avg_hours_to_recovery=round(float(avg_hours), 2) if avg_hours is not None else None,
    )


@dataclass(frozen=True)
class ChannelRow:
    channel: Channel
    attempts: int  # messages sent
    conversions: int  # orders attributed to them
    revenue: Decimal

    @property
    def conversion_rate(self) -> float:
        return self.conversions / self.attempts if self.attempts else 0.0


def by_channel(
    session: Session,
    *,
    company_id: str,
    start: datetime,
    end: datetime,
    window: AttributionWindow = DEFAULT_WINDOW,
) -> list[ChannelRow]:
    """Every channel, in a fixed order, zeros included."""
    converted = window.message_converted(session)
    attempt = col(CartIntervention.cart_save_attempt_id)
    rows = session.execute(
        sa.select(
            col(CartIntervention.channel),
            sa.func.count(),
            sa.func.count(sa.case((converted, 1))),
            sa.func.coalesce(
                sa.func.sum(sa.case((converted, col(CartSaveAttempt.recovered_value)))), 0
            ),
        )
        .join(CartSaveAttempt, col(CartSaveAttempt.id) == attempt)
        .where(
            col(CartIntervention.company_id) == company_id,
            col(CartIntervention.sent_at) >= start,
            col(CartIntervention.sent_at) < end,
        )
        .group_by(col(CartIntervention.channel))
    ).all()
    found = {Channel(c): (int(n), int(k), to_money(Decimal(str(v)))) for c, n, k, v in rows}
    return [ChannelRow(c, *found.get(c, (0, 0, Decimal("0.00")))) for c in Channel]


@dataclass(frozen=True)
class StageRow:
    stage: CartSaveStage
    reached: int  # attempts that sent this stage's message
    converted: int  # attempts whose order this stage's message brought

    @property
    def conversion_rate(self) -> float:
        return self.converted / self.reached if self.reached else 0.0


def by_stage(
    session: Session,
    *,
    company_id: str,
    start: datetime,
    end: datetime,
    window: AttributionWindow = DEFAULT_WINDOW,
) -> list[StageRow]:
    """The funnel of the seven stages, for attempts started in the period."""
    attempt = col(CartIntervention.cart_save_attempt_id)
    converted = window.message_converted(session)
    rows = session.execute(
        sa.select(
            col(CartIntervention.stage),
            sa.func.count(
                sa.distinct(sa.case((col(CartIntervention.sent_at).is_not(None), attempt)))
            ),
            sa.func.count(sa.distinct(sa.case((converted, attempt)))),
        )
        .join(CartSaveAttempt, col(CartSaveAttempt.id) == attempt)
        .where(
            col(CartSaveAttempt.company_id) == company_id,
            col(CartSaveAttempt.started_at) >= start,
            col(CartSaveAttempt.started_at) < end,
        )
        .group_by(col(CartIntervention.stage))
    ).all()
    found = {CartSaveStage(s): (int(r), int(c)) for s, r, c in rows}
    return [StageRow(spec.stage, *found.get(spec.stage, (0, 0))) for spec in STAGES]
