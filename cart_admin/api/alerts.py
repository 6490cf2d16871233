"""`GET /api/momentum/cart-save/analytics/alerts`: the deployment plan's §10 alerts as they
stand (each rule measured now over its window, which ends the rule's settle time before now:
`measuredFrom`/`measuredTo`) and their history, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from cart_admin.api.deps import AdminRoute, CurrentPrincipal, NowDep, SessionDep
from cart_admin.domain.analytics.alerts import (
    SPECS,
    WINDOW_DAYS,
    RuleStatus,
    alert_history,
    current_status,
    duration,
    resolved_for_lack_of_data,
)
from cart_admin.models import AlertEvent

router = APIRouter(
    prefix="/api/momentum/cart-save/analytics", tags=["analytics"], route_class=AdminRoute
)


def _rate(value: float) -> float:
    return round(value, 4)


def _rule(status: RuleStatus) -> dict:
    m, event = status.measurement, status.open_event
    return {
        "rule": m.spec.rule,
        "title": m.spec.title,
        "state": m.state,
        "value": _rate(m.value) if m.sample else None,
        "threshold": m.spec.threshold,
        "firesWhen": "above" if m.spec.fires_above else "below",
        "hits": m.hits,
        "sample": m.sample,
        "minSample": m.spec.min_sample,
        "sampleOf": m.spec.counts,
        "windowDays": m.window_days,
        "measuredFrom": m.start.isoformat(),  # what began from here...
        "measuredTo": m.end.isoformat(),  # ...until here (excluded), the settle before now
        "settleSeconds": int(m.spec.settle.total_seconds()),
        "openSince": event.opened_at.isoformat() if event else None,
        "openEventId": event.id if event else None,
    }


def _resolved_by(event: AlertEvent) -> str | None:
    """RECOVERED: the rate came back; NOT_ENOUGH_DATA: its rule had too little data for over
    a week (the last rate is then the last one measured, maybe still breaching)."""
    if event.resolved_at is None:
        return None
    return "NOT_ENOUGH_DATA" if resolved_for_lack_of_data(event) else "RECOVERED"


def _event(event: AlertEvent, now: datetime) -> dict:
    return {
        "id": event.id,
        "rule": event.rule,
        "title": SPECS[event.rule].title,
        "openedAt": event.opened_at.isoformat(),
        "resolvedAt": event.resolved_at.isoformat() if event.resolved_at else None,
        "resolvedBy": _resolved_by(event),
        "durationSeconds": int(duration(event, now).total_seconds()),  # until now while open
        "threshold": event.threshold,
        "windowDays": event.window_days,
        "openingValue": _rate(event.value),
        "openingSample": event.sample_size,
        "worstValue": _rate(event.worst_value),
        "lastValue": _rate(event.last_value),
        "lastSample": event.last_sample_size,
        "lastEvaluatedAt": event.last_evaluated_at.isoformat(),
    }


@router.get("/alerts")
def alerts(
    principal: CurrentPrincipal,
    session: SessionDep,
    now: NowDep,
    limit: Annotated[int, Query(ge=1, le=500, description="History rows, newest first")] = 100,
) -> dict:
    """Each alert rule's state now (firing, ok, or not enough data) and the alert history."""
    company = principal.company_id
    return {
        "measuredAt": now.isoformat(),
        "windowDays": WINDOW_DAYS,
        "rules": [_rule(s) for s in current_status(session, company_id=company, now=now)],
        "history": [
            _event(e, now) for e in alert_history(session, company_id=company, limit=limit)
        ],
    }
