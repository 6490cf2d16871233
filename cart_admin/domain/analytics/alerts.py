"""The deployment plan's alerts (§10), measured per company over a trailing window, and their
history: an `AlertEvent` opens when a rule starts breaching, follows it while it breaches and
resolves when it recovers.

| rule | rate | fires | sample needed |
| --- | --- | --- | --- |
| RECOVERY_RATE_LOW | recovered / abandoned carts | below 20% | 20 abandoned carts |
| VOICE_FAILURE_HIGH | failed / attempted recovery calls | above 10% | 10 calls |
| CHURN_FALSE_POSITIVES_HIGH | dismissed-then-bought / churn interventions | above 30% | 10 |

Each rate counts what began in the last `WINDOW_DAYS` days up to `now`: carts abandoned,
calls dialled, interventions shown. Under its minimum sample a rule has "not enough data": it
neither opens an event nor resolves an open one.

- Recovery rate: the dashboard's own (`recovery_summary`): a cart abandoned in the window is
  recovered when it was bought after it was abandoned. Carts abandoned in the last days may
  still be recovered: the rate of a young window only rises.
- Voice failure: the voice report's own (`VoiceAnalytics.failure_rate`): a call fails when it
  failed technically: Twilio refused the dial or reported the call `failed` (a bad number, a
  carrier error), or our record of it was lost in a crash (`UNKNOWN`). A shopper who was busy
  or did not pick up is not a failure of the call (that is the answer rate). Console calls,
  never dialled, are not counted.
- Churn false positive: a real-time intervention a churn signal called for (chat offers, made
  because the shopper asked, are not detections) that the shopper dismissed and whose cart was
  bought anyway: we interrupted a shopper who was going to buy.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from cart_admin.domain.analytics.recovery import recovery_summary
from cart_admin.domain.voice.reports import voice_analytics
from cart_admin.models import (
    AlertEvent,
    AlertRule,
    Cart,
    CartStatus,
    CheckoutIntervention,
    CheckoutInterventionStatus,
    Company,
)
from cart_admin.models.types import new_id

log = logging.getLogger(__name__)

WINDOW_DAYS = 7


@dataclass(frozen=True)
class RuleSpec:
    """One alert's threshold and the sample it needs. The company's own values may later
    become settings; these are the deployment plan's."""

    rule: AlertRule
    title: str
    threshold: float  # a fraction: 0.2 is 20%
    fires_above: bool  # False: fires below the threshold
    min_sample: int
    counts: str  # what the sample counts, plural: "abandoned carts"
    hits: str  # what happened to those the rate counts: "recovered"

    def breached(self, value: float) -> bool:
        return value > self.threshold if self.fires_above else value < self.threshold

    def worse(self, a: float, b: float) -> float:
        """The one further past the threshold."""
        return max(a, b) if self.fires_above else min(a, b)


RULES: tuple[RuleSpec, ...] = (
    RuleSpec(AlertRule.RECOVERY_RATE_LOW, "Recovery rate", 0.20, False, 20,
             "abandoned carts", "recovered"),
    RuleSpec(AlertRule.VOICE_FAILURE_HIGH, "Voice call failure rate", 0.10, True, 10,
             "calls", "failed"),
    RuleSpec(AlertRule.CHURN_FALSE_POSITIVES_HIGH, "Churn detection false positives", 0.30, True,
             10, "interventions", "dismissed, then bought anyway"),
)  # fmt: skip
SPECS: dict[AlertRule, RuleSpec] = {spec.rule: spec for spec in RULES}


class AlertState(StrEnum):
    FIRING = "FIRING"
    OK = "OK"
    NOT_ENOUGH_DATA = "NOT_ENOUGH_DATA"


@dataclass(frozen=True)
class Measurement:
    spec: RuleSpec
    hits: int  # recovered carts, failed calls, false positives
    sample: int  # abandoned carts, calls, interventions
    window_days: int

    @property
    def value(self) -> float:
        return self.hits / self.sample if self.sample else 0.0

    @property
    def state(self) -> AlertState:
        if self.sample < self.spec.min_sample:
            return AlertState.NOT_ENOUGH_DATA
        return AlertState.FIRING if self.spec.breached(self.value) else AlertState.OK


# --- the three rates, each (hits, sample) for [start, end) --------------------------------

Counter = Callable[[Session, str, datetime, datetime], tuple[int, int]]


def _recovered(session: Session, company_id: str, start: datetime, end: datetime):
    summary = recovery_summary(session, company_id=company_id, start=start, end=end)
    return summary.recovered, summary.abandoned


def _failed_calls(session: Session, company_id: str, start: datetime, end: datetime):
    calls = voice_analytics(session, company_id, start, end)
    return calls.failed, calls.calls_attempted


def _false_positives(session: Session, company_id: str, start: datetime, end: datetime):
    bought_anyway = sa.and_(
        col(CheckoutIntervention.status) == CheckoutInterventionStatus.DISMISSED,
        sa.or_(
            col(CheckoutIntervention.converted_at).is_not(None),
            col(Cart.status) == CartStatus.CONVERTED,
        ),
    )
    shown, wrong = session.execute(
        sa.select(sa.func.count(), sa.func.count(sa.case((bought_anyway, 1))))
        .select_from(CheckoutIntervention)
        .join(Cart, col(Cart.id) == col(CheckoutIntervention.cart_id))
        .where(
            col(CheckoutIntervention.company_id) == company_id,
            col(CheckoutIntervention.signal).is_not(None),
            col(CheckoutIntervention.created_at) >= start,
            col(CheckoutIntervention.created_at) < end,
        )
    ).one()
    return int(wrong), int(shown)


COUNTERS: dict[AlertRule, Counter] = {
    AlertRule.RECOVERY_RATE_LOW: _recovered,
    AlertRule.VOICE_FAILURE_HIGH: _failed_calls,
    AlertRule.CHURN_FALSE_POSITIVES_HIGH: _false_positives,
}


def measure(
    session: Session, *, company_id: str, now: datetime, window_days: int = WINDOW_DAYS
) -> list[Measurement]:
    """Every rule's rate for the `window_days` days before `now`, in the order of RULES."""
    start = now - timedelta(days=window_days)
    out = []
    for spec in RULES:
        hits, sample = COUNTERS[spec.rule](session, company_id, start, now)
        out.append(Measurement(spec, int(hits), int(sample), window_days))
    return out


# --- evaluation: the events ---------------------------------------------------------------


@dataclass(frozen=True)
class EvaluationCounts:
    """What one evaluation did, over every company and rule."""

    opened: int = 0
    still_firing: int = 0
    resolved: int = 0
    ok: int = 0
    not_enough_data: int = 0


def _open_event(company_id: str, rule: AlertRule) -> sa.ColumnElement[bool]:
    return sa.and_(
        col(AlertEvent.company_id) == company_id,
        col(AlertEvent.rule) == rule,
        col(AlertEvent.resolved_at).is_(None),
    )


def _insert_open(session: Session, company_id: str, m: Measurement, now: datetime):
    """INSERT the open event unless one is open already (the partial unique index decides,
    so two workers at the same moment open one); a row back when this one opened it."""
    table = AlertEvent.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(
            id=new_id(),
            company_id=company_id,
            rule=m.spec.rule,
            value=m.value,
            threshold=m.spec.threshold,
            sample_size=m.sample,
            window_days=m.window_days,
            opened_at=now,
            last_evaluated_at=now,
            last_value=m.value,
            last_sample_size=m.sample,
            worst_value=m.value,
        )
        .on_conflict_do_nothing(
            index_elements=["company_id", "rule"], index_where=table.c.resolved_at.is_(None)
        )
        .returning(table.c.id)  # psycopg's rowcount is -1 for this statement
    )
    return session.execute(statement).first()


def _apply(session: Session, company_id: str, m: Measurement, now: datetime) -> str:
    """Bring the (company, rule) event in line with a measurement; the counter it adds to."""
    state = m.state
    if state is AlertState.NOT_ENOUGH_DATA:
        return "not_enough_data"
    last = {"last_value": m.value, "last_sample_size": m.sample, "last_evaluated_at": now}
    if state is AlertState.OK:
        closed = session.execute(
            sa.update(AlertEvent)
            .where(_open_event(company_id, m.spec.rule))
            .values(resolved_at=now, **last)
            .returning(col(AlertEvent.id))
        ).first()
        if closed is not None:
            log.info("alert resolved: %s for company %s at %.1f%%",
                     m.spec.rule, company_id, m.value * 100)  # fmt: skip
        return "resolved" if closed is not None else "ok"
    if _insert_open(session, company_id, m, now) is not None:
        log.warning(
            "alert opened: %s for company %s: %.1f%% (%s %.0f%%) over %d %s in %d days",
            m.spec.rule, company_id, m.value * 100,
            "above" if m.spec.fires_above else "below", m.spec.threshold * 100,
            m.sample, m.spec.counts, m.window_days,
        )  # fmt: skip
        return "opened"
    worst = col(AlertEvent.worst_value)
    further = worst < m.value if m.spec.fires_above else worst > m.value
    session.execute(
        sa.update(AlertEvent)
        .where(_open_event(company_id, m.spec.rule))
        .values(worst_value=sa.case((further, m.value), else_=worst), **last)
    )
    return "still_firing"


def evaluate_alerts(
    session: Session, *, now: datetime, window_days: int = WINDOW_DAYS
) -> EvaluationCounts:
    """Measure every rule of every company and open, follow or resolve its event.

    Safe in several workers at once: opening is an INSERT the unique index arbitrates, the
    rest conditional UPDATEs of the open row; companies and rules go in one order in every
    worker, so their row locks cannot deadlock. The caller commits.
    """
    tally = dict.fromkeys(EvaluationCounts.__dataclass_fields__, 0)
    companies = session.exec(select(Company.id).order_by(col(Company.id))).all()
    for company_id in companies:
        for m in measure(session, company_id=company_id, now=now, window_days=window_days):
            tally[_apply(session, company_id, m, now)] += 1
    return EvaluationCounts(**tally)


# --- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleStatus:
    """A rule as it stands: measured now, and its open event if the last evaluation left one."""

    measurement: Measurement
    open_event: AlertEvent | None


def current_status(
    session: Session, *, company_id: str, now: datetime, window_days: int = WINDOW_DAYS
) -> list[RuleStatus]:
    opened = {
        event.rule: event
        for event in session.exec(
            select(AlertEvent).where(
                col(AlertEvent.company_id) == company_id, col(AlertEvent.resolved_at).is_(None)
            )
        ).all()
    }
    return [
        RuleStatus(m, opened.get(m.spec.rule))
        for m in measure(session, company_id=company_id, now=now, window_days=window_days)
    ]


def duration(event: AlertEvent, now: datetime) -> timedelta:
    """How long it fired: until it resolved, or until `now` while it is open."""
    return (event.resolved_at or now) - event.opened_at


def alert_history(session: Session, *, company_id: str, limit: int = 100) -> list[AlertEvent]:
    """The company's events, the newest opened first (open ones included)."""
    return list(
        session.exec(
            select(AlertEvent)
            .where(col(AlertEvent.company_id) == company_id)
            .order_by(col(AlertEvent.opened_at).desc(), col(AlertEvent.id).desc())
            .limit(limit)
        ).all()
    )
