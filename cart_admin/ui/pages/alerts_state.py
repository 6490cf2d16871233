"""The Alerts page's state: each rule measured now (over the days it has settled), and the
history of its events."""

from __future__ import annotations

from datetime import datetime, timedelta

import reflex as rx

from cart_admin.db import session_scope
from cart_admin.domain.analytics.alerts import (
    SPECS,
    WINDOW_DAYS,
    AlertState,
    Measurement,
    RuleStatus,
    alert_history,
    current_status,
    duration,
    resolved_for_lack_of_data,
    settle_text,
)
from cart_admin.models import AlertEvent
from cart_admin.models.types import utcnow
from cart_admin.ui import format as fmt
from cart_admin.ui.state import AuthState

STATE_LABELS = {
    AlertState.FIRING: "Firing",
    AlertState.OK: "OK",
    AlertState.NOT_ENOUGH_DATA: "Not enough data",
}


def span(length: timedelta) -> str:
    """A duration as people say it: "45 min", "3 h 30 min", "2 d 4 h"."""
    minutes = max(int(length.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


def _threshold(fires_above: bool, threshold: float) -> str:
    return f"{'above' if fires_above else 'below'} {threshold * 100:g}%"


def _detail(m: Measurement) -> str:
    spec = m.spec
    if not m.sample:
        return f"No {spec.counts} in these {m.window_days} days"
    return f"{fmt.count(m.hits)} of {fmt.count(m.sample)} {spec.counts} {spec.hits}"


def _day(value: datetime) -> str:
    return value.strftime("%b %d")


def _window(m: Measurement) -> str:
    """The days measured: "Carts abandoned Nov 12 – Nov 19, settled 3 days", or up to now."""
    spec = m.spec
    began = spec.dated_by[:1].upper() + spec.dated_by[1:]
    if not spec.settle:
        return f"{began} {_day(m.start)} – now"
    return f"{began} {_day(m.start)} – {_day(m.end)}, settled {settle_text(spec.settle)}"


def rule_row(status: RuleStatus) -> dict[str, str]:
    m, event = status.measurement, status.open_event
    spec = m.spec
    return {
        "rule": str(spec.rule),
        "title": spec.title,
        "state": str(m.state),
        "state_label": STATE_LABELS[m.state],
        "value": fmt.percent(m.value) if m.sample else "—",
        "threshold": "Fires " + _threshold(spec.fires_above, spec.threshold),
        "detail": _detail(m),
        "window": _window(m),
        "minimum": f"Needs at least {spec.min_sample} {spec.counts}",
        "open_since": f"Open since {fmt.when(event.opened_at)}" if event else "",
    }


def _resolved_note(event: AlertEvent) -> str:
    """Why an event resolved when it was not because its rate recovered."""
    if not resolved_for_lack_of_data(event):
        return ""
    return f"Not enough data since {fmt.when(event.last_evaluated_at)}"


def history_row(event: AlertEvent, now: datetime) -> dict[str, str]:
    spec = SPECS[event.rule]
    return {
        "id": event.id,
        "title": spec.title,
        "threshold": _threshold(spec.fires_above, event.threshold),
        "opened": fmt.when(event.opened_at),
        "resolved": fmt.when(event.resolved_at) if event.resolved_at else "",
        "resolved_note": _resolved_note(event),
        "duration": span(duration(event, now)),
        "opening": f"{fmt.percent(event.value)} of {fmt.count(event.sample_size)}",
        "worst": fmt.percent(event.worst_value),
        "last": f"{fmt.percent(event.last_value)} of {fmt.count(event.last_sample_size)}",
    }


class AlertsState(rx.State):
    rules: list[dict[str, str]] = []
    history: list[dict[str, str]] = []
    firing: int = 0
    measured_at: str = ""
    window_days: int = WINDOW_DAYS

    @rx.event
    async def load(self):
        principal = (await self.get_state(AuthState)).principal()
        if principal is None:
            return
        now = utcnow()
        with session_scope() as session:
            statuses = current_status(session, company_id=principal.company_id, now=now)
            events = alert_history(session, company_id=principal.company_id)
            self.rules = [rule_row(s) for s in statuses]
            self.history = [history_row(e, now) for e in events]
        self.firing = sum(s.measurement.state is AlertState.FIRING for s in statuses)
        self.measured_at = fmt.when(now)
