"""Save-flow attempts of a period: by status, outcome and abandonment reason, and the daily
timeline of abandoned and recovered carts (each one aggregate query)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col

from cart_admin.models import (
    Cart,
    CartAbandonmentReason,
    CartSaveAttempt,
    CartSaveOutcome,
    CartSaveStatus,
    CartStatus,
)


def _in_period(company_id: str, start: datetime, end: datetime):
    return sa.and_(
        col(CartSaveAttempt.company_id) == company_id,
        col(CartSaveAttempt.started_at) >= start,
        col(CartSaveAttempt.started_at) < end,
    )


def counts(session: Session, company_id: str, start: datetime, end: datetime) -> dict:
    """Total and holdout attempts, by status and by outcome (every value, zeros included)."""
    rows = session.execute(
        sa.select(
            col(CartSaveAttempt.status),
            col(CartSaveAttempt.outcome),
            col(CartSaveAttempt.is_holdout),
            sa.func.count(),
        )
        .where(_in_period(company_id, start, end))
        .group_by(
            col(CartSaveAttempt.status),
            col(CartSaveAttempt.outcome),
            col(CartSaveAttempt.is_holdout),
        )
    ).all()
    by_status = dict.fromkeys((str(s) for s in CartSaveStatus), 0)
    by_outcome = dict.fromkeys((str(o) for o in CartSaveOutcome), 0)
    total = holdout = 0
    for status, outcome, is_holdout, n in rows:
        total += n
        holdout += n if is_holdout else 0
        by_status[str(status)] += n
        if outcome is not None:
            by_outcome[str(outcome)] += n
    return {"total": total, "holdout": holdout, "byStatus": by_status, "byOutcome": by_outcome}


def by_reason(session: Session, company_id: str, start: datetime, end: datetime) -> list[dict]:
    """Treated attempts by abandonment reason (the survey's answer, or the flow's inference):
    how many, and how many came back."""
    reason = col(CartSaveAttempt.diagnosis_reason)
    rows = session.execute(
        sa.select(reason, sa.func.count(), sa.func.count(col(CartSaveAttempt.recovered_value)))
        .where(_in_period(company_id, start, end), col(CartSaveAttempt.is_holdout).is_(False))
        .group_by(reason)
    ).all()
    found = {str(r) if r is not None else "UNKNOWN": (int(n), int(k)) for r, n, k in rows}
    out = []
    for key in [*(str(r) for r in CartAbandonmentReason), "UNKNOWN"]:
        n, recovered = found.get(key, (0, 0))
        rate = round(recovered / n, 4) if n else 0.0
        out.append({"reason": key, "attempts": n, "recovered": recovered, "recoveryRate": rate})
    return out


def day_of(session: Session, column):
    """The UTC day of a timestamp, as SQL that both databases group by."""
    if session.get_bind().dialect.name == "postgresql":
        return sa.func.to_char(sa.func.timezone("UTC", column), "YYYY-MM-DD")
    return sa.func.date(column)


def timeline(session: Session, company_id: str, start: datetime, end: datetime) -> list[dict]:
    """Per day of abandonment: carts abandoned and carts of those recovered."""
    day = day_of(session, col(Cart.abandoned_at))
    recovered = sa.and_(
        col(Cart.status) == CartStatus.CONVERTED, col(Cart.converted_at) >= col(Cart.abandoned_at)
    )
    rows = session.execute(
        sa.select(day, sa.func.count(), sa.func.count(sa.case((recovered, 1))))
        .where(
            col(Cart.company_id) == company_id,
            col(Cart.abandoned_at) >= start,
            col(Cart.abandoned_at) < end,
        )
        .group_by(day)
        .order_by(day)
    ).all()
    return [
        {"date": str(d), "abandoned": int(n), "recovered": int(k),
         "recoveryRate": round(k / n, 4) if n else 0.0}
        for d, n, k in rows
    ]  # fmt: skip
