"""The deployment plan's alerts (§10), measured per company over a trailing window, and their
history: an `AlertEvent` opens when a rule starts breaching, follows it while it breaches and
resolves when it recovers.

| rule | rate | fires | sample needed | settle |
| --- | --- | --- | --- | --- |
| RECOVERY_RATE_LOW | recovered / abandoned carts | below 20% | 20 abandoned carts | 3 days |
| VOICE_FAILURE_HIGH | failed / attempted recovery calls | above 10% | 10 calls | none |
| CHURN_FALSE_POSITIVES_HIGH | bought anyway / churn interventions | above 30% | 10 | 1 day |

Each rate counts what began in `WINDOW_DAYS` days: carts abandoned, calls dialled,
interventions shown. The window ends the rule's `settle` before `now`: what began later may
not have its outcome yet, and counting it reads the rate low (a recovery, a purchase after a
dismissed offer, both come later), so the recovery alert would fire on a healthy shop and the
false-positive one miss a real problem. Outcomes count as they stand at `now`. Under its
minimum sample a rule has "not enough data": it neither opens an event nor resolves an open
one, unless that lasts more than `QUIET_LIMIT` (`_resolve_quiet` says why).

- Recovery rate: the dashboard's own (`recovery_summary`): a cart abandoned in the window is
  recovered when it was bought after it was abandoned. The save flow works on a cart for
  `SAVE_FLOW_LENGTH` (its last stage's delay, 3 days by default): carts younger than that are
  still being saved (on the demo a window ending now reads about 5 points lower than one
  ending 3 or 4 days ago), so the window ends that long ago. The win-back drip after the last
  stage brings back few (about one recovery in twenty on the demo) and is not waited for.
- Voice failure: the voice report's own (`VoiceAnalytics.failure_rate`): a call fails when it
  failed technically: Twilio refused the dial or reported the call `failed` (a bad number, a
  carrier error), or our record of it was lost in a crash (`UNKNOWN`). A shopper who was busy
  or did not pick up is not a failure of the call (that is the answer rate). Console calls,
  never dialled, are not counted. A failure is known within minutes: the window ends now.
- Churn false positive: a real-time intervention a churn signal called for (chat offers, made
  because the shopper asked, are not detections) that the shopper dismissed and whose cart was
  bought anyway: we interrupted a shopper who was going to buy. The purchase may come later the
  same day: the window ends the attribution window's default (1 day) ago.
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

from cart_admin.domain.analytics.attribution import DEFAULT_HOURS
from cart_admin.domain.analytics.recovery import recovery_summary
from cart_admin.domain.save_flow.stages import STAGES
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
# How long the save flow works on a cart: from the abandonment to its last stage, by the
# stages' default delays (a company may set its own; the alerts keep to the defaults).
SAVE_FLOW_LENGTH = timedelta(minutes=max(stage.delay_minutes for stage in STAGES))
# An open event whose rule has had too little data for longer than this resolves.
QUIET_LIMIT = timedelta(days=7)


def settle_text(settle: timedelta) -> str:
    """How long a rule waits, as people say it: "3 days", "1 day", "36 hours"."""
    hours = settle / timedelta(hours=1)
    if hours % 24:
        return f"{hours:g} hours"
    days = int(hours // 24)
    return f"{days} day{'' if days == 1 else 's'}"


@dataclass(frozen=True)
class RuleSpec:
    """One alert's threshold, the sample it needs and how long its outcomes take to be known.
    The company's own values may later become settings; these are the deployment plan's."""

    rule: AlertRule
    title: str
    threshold: float  # a fraction: 0.2 is 20%
    fires_above: bool  # False: fires below the threshold
    min_sample: int
    counts: str  # what the sample counts, plural: "abandoned carts"
    hits: str  # what happened to those the rate counts: "recovered"
    dated_by: str  # what the window's dates are of: "carts abandoned"
    # The window ends this long before now: what began later may not have its outcome yet.
    settle: timedelta = timedelta(0)

    def window(self, now: datetime, days: int = WINDOW_DAYS) -> tuple[datetime, datetime]:
        """The [start, end) this rule measures when evaluated at `now`."""
        end = now - self.settle
        return end - timedelta(days=days), end

    def breached(self, value: float) -> bool:
        return value > self.threshold if self.fires_above else value < self.threshold

    def worse(self, a: float, b: float) -> float:
        """The one further past the threshold."""
        return max(a, b) if self.fires_above else min(a, b)


RULES: tuple[RuleSpec, ...] = (
    RuleSpec(AlertRule.RECOVERY_RATE_LOW, "Recovery rate", 0.20, False, 20,
             "abandoned carts", "recovered", "carts abandoned", settle=SAVE_FLOW_LENGTH),
    RuleSpec(AlertRule.VOICE_FAILURE_HIGH, "Voice call failure rate", 0.10, True, 10,
             "calls", "failed", "calls dialled"),
    RuleSpec(AlertRule.CHURN_FALSE_POSITIVES_HIGH, "Churn detection false positives", 0.30, True,
             10, "interventions", "dismissed, then bought anyway", "interventions shown",
             settle=timedelta(hours=DEFAULT_HOURS)),
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
    start: datetime  # the window measured: [start, end), `spec.settle` before the evaluation
    end: datetime

    @property
    def window_days(self) -> int:
        return (self.end - self.start) // timedelta(days=1)

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
    """Every rule's rate for the `window_days` days ending its `settle` before `now`, in the
    order of RULES."""
    out = []
    for spec in RULES:
        start, end = spec.window(now, window_days)
        hits, sample = COUNTERS[spec.rule](session, company_id, start, end)
        out.append(Measurement(spec, int(hits), int(sample), start, end))
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


def _resolve_quiet(session: Session, company_id: str, m: Measurement, now: datetime) -> bool:
    """Resolve the open event of a rule that has had too little data for over `QUIET_LIMIT`.

    Too small a sample neither opens nor resolves, so a short lull cannot flap an alert. But
    when the volume stopped (voice switched off, checkout offers turned off, a shop gone quiet)
    the rate it opened on can no longer be measured, let alone mended: an alert nobody can act
    on should not stay open forever. `last_evaluated_at` moves only when a rate was measured,
    so it is when the rule last had enough data; the last rate stays as it was measured.
    """
    closed = session.execute(
        sa.update(AlertEvent)
        .where(
            _open_event(company_id, m.spec.rule),
            col(AlertEvent.last_evaluated_at) < now - QUIET_LIMIT,
        )
        .values(resolved_at=now)
        .returning(col(AlertEvent.last_evaluated_at))
    ).first()
    if closed is not None:
        log.info("alert resolved: %s for company %s: not enough data since %s",
                 m.spec.rule, company_id, closed[0].isoformat())  # fmt: skip
    return closed is not None


def resolved_for_lack_of_data(event: AlertEvent) -> bool:
    """Resolved because its rule had too little data, not because the rate recovered: a
    recovery is measured when it resolves, a quiet spell is not."""
    return event.resolved_at is not None and event.resolved_at > event.last_evaluated_at


def _apply(session: Session, company_id: str, m: Measurement, now: datetime) -> str:
    """Bring the (company, rule) event in line with a measurement; the counter it adds to."""
    state = m.state
    if state is AlertState.NOT_ENOUGH_DATA:
        return "resolved" if _resolve_quiet(session, company_id, m, now) else "not_enough_data"
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
            "alert opened: %s for company %s: %.1f%% (%s %.0f%%) over %d %s in the %d days "
            "ending %s",
            m.spec.rule, company_id, m.value * 100,
            "above" if m.spec.fires_above else "below", m.spec.threshold * 100,
            m.sample, m.spec.counts, m.window_days,
            f"{settle_text(m.spec.settle)} ago" if m.spec.settle else "now",
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
