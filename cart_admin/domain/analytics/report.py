"""The whole recovery report of one period in one object: what the dashboard draws, the CSV
files and the PDF hold. Each part is one of the aggregate queries of this package; building
the report runs them all once, so the page, the files and the API agree figure for figure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from cart_admin.domain.analytics import attempts as attempt_report
from cart_admin.domain.analytics.attribution import DEFAULT_WINDOW, AttributionWindow
from cart_admin.domain.analytics.engagement import (
    OrderValueLift,
    TriggerRow,
    UpsellRow,
    order_value_lift,
    trigger_performance,
    upsell_performance,
)
from cart_admin.domain.analytics.incrementality import Incrementality, incrementality
from cart_admin.domain.analytics.interventions import InterventionRow, intervention_performance
from cart_admin.domain.analytics.recovery import (
    ChannelRow,
    RecoverySummary,
    StageRow,
    by_channel,
    by_stage,
    recovery_summary,
)
from cart_admin.domain.analytics.success import PeriodFigures, period_figures
from cart_admin.domain.save_flow.stages import BY_STAGE
from cart_admin.domain.voice.reports import VoiceAnalytics, voice_analytics
from cart_admin.models.types import utcnow


@dataclass(frozen=True)
class Report:
    start: datetime
    end: datetime  # exclusive
    window: AttributionWindow
    incrementality: Incrementality
    recovery: RecoverySummary
    previous_recovery: RecoverySummary  # the period of the same length just before
    figures: PeriodFigures
    previous: PeriodFigures  # the period of the same length just before, for trends
    channels: list[ChannelRow]
    stages: list[StageRow]
    interventions: list[InterventionRow]
    reasons: list[dict]
    timeline: list[dict]
    triggers: list[TriggerRow]
    upsells: list[UpsellRow]
    order_value: OrderValueLift
    voice: VoiceAnalytics


def build_report(
    session: Session,
    *,
    company_id: str,
    start: datetime,
    end: datetime,
    window: AttributionWindow = DEFAULT_WINDOW,
    now: datetime | None = None,
) -> Report:
    """The period before is taken as it stood at the age this one has `now`: its carts had no
    more time to come back than this period's have had (else every trend of a running period
    points down)."""
    as_of = min(now or utcnow(), end)
    span: dict[str, Any] = {"company_id": company_id, "start": start, "end": end}
    before: dict[str, Any] = {
        "company_id": company_id,
        "start": start - (end - start),
        "end": start,
    }
    return Report(
        start=start,
        end=end,
        window=window,
        incrementality=incrementality(session, **span),
        recovery=recovery_summary(session, **span),
        previous_recovery=recovery_summary(
            session, **before, recovered_before=as_of - (end - start)
        ),
        figures=period_figures(session, **span),
        previous=period_figures(session, **before, recovered_before=as_of - (end - start)),
        channels=by_channel(session, **span, window=window),
        stages=by_stage(session, **span, window=window),
        interventions=intervention_performance(session, **span, window=window),
        reasons=attempt_report.by_reason(session, company_id, start, end),
        timeline=attempt_report.timeline(session, company_id, start, end),
        triggers=trigger_performance(session, **span),
        upsells=upsell_performance(session, **span),
        order_value=order_value_lift(session, **span),
        voice=voice_analytics(session, company_id, start, end, window),
    )


# --- the tables, as the CSV files and the page's tables hold them -----------------------------

Table = tuple[list[str], list[list[Any]]]


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def channels_table(r: Report) -> Table:
    head = ["channel", "messages_sent", "attributed_orders", "conversion_rate",
            f"revenue_{r.window.hours}h_click"]  # fmt: skip
    rows = [[str(c.channel), c.attempts, c.conversions, _pct(c.conversion_rate), c.revenue]
            for c in r.channels]  # fmt: skip
    return head, rows


def stages_table(r: Report) -> Table:
    head = ["stage", "title", "attempts_reached", "converted", "conversion_rate"]
    rows = [[str(s.stage), BY_STAGE[s.stage].title, s.reached, s.converted,
             _pct(s.conversion_rate)] for s in r.stages]  # fmt: skip
    return head, rows


def interventions_table(r: Report) -> Table:
    head = ["type", "shown", "accepted", "acceptance_rate", "avg_discount",
            f"revenue_{r.window.hours}h_click"]  # fmt: skip
    rows = [[str(i.type), i.shown, i.accepted, _pct(i.acceptance_rate), i.avg_discount,
             i.revenue] for i in r.interventions]  # fmt: skip
    return head, rows


def reasons_table(r: Report) -> Table:
    head = ["reason", "attempts", "recovered", "recovery_rate"]
    rows = [[x["reason"], x["attempts"], x["recovered"], _pct(x["recoveryRate"])]
            for x in r.reasons]  # fmt: skip
    return head, rows


def timeline_table(r: Report) -> Table:
    head = ["date", "abandoned", "recovered", "recovery_rate"]
    rows = [[d["date"], d["abandoned"], d["recovered"], _pct(d["recoveryRate"])]
            for d in r.timeline]  # fmt: skip
    return head, rows


def triggers_table(r: Report) -> Table:
    head = ["trigger", "impressions", "carts", "interactions", "conversions", "conversion_rate",
            "control_impressions", "control_carts", "control_conversions", "control_rate", "lift",
            "ci95_low", "ci95_high", "p_value", "significant", "sample_too_small"]  # fmt: skip
    rows = [[str(t.trigger), t.impressions, t.carts, t.interactions, t.conversions,
             _pct(t.lift.rate_a), t.control_impressions, t.control_carts, t.control_conversions,
             _pct(t.lift.rate_b), _pct(t.lift.lift), _pct(t.lift.ci_low), _pct(t.lift.ci_high),
             _pct(t.lift.p_value), t.lift.significant, t.lift.too_small]
            for t in r.triggers]  # fmt: skip
    return head, rows


def upsells_table(r: Report) -> Table:
    head = ["type", "presented", "accepted", "acceptance_rate", "revenue"]
    rows = [[str(u.type), u.presented, u.accepted, _pct(u.acceptance_rate), u.revenue]
            for u in r.upsells]  # fmt: skip
    return head, rows


def success_table(r: Report) -> Table:
    head = ["metric", "value", "previous_period", "baseline", "target", "met"]
    before = {m.key: m.value for m in r.previous.metrics()}
    rows = [[m.label, f"{m.value:.4f}", f"{before[m.key]:.4f}",
             "" if m.baseline is None else m.baseline, m.target, m.met]
            for m in r.figures.metrics()]  # fmt: skip
    return head, rows


TABLES: dict[str, Callable[[Report], Table]] = {
    "success-metrics": success_table,
    "timeline": timeline_table,
    "stages": stages_table,
    "channels": channels_table,
    "reasons": reasons_table,
    "interventions": interventions_table,
    "triggers": triggers_table,
    "upsells": upsells_table,
}
