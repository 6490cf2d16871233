"""Analytics endpoints of both spec files: `cart-intelligence/overview|recovery|triggers|upsells`
(spec §9) and `cart-save/analytics/overview|attempts` (deployment plan §4). Every figure is
computed in SQL for `?from=&to=` (UTC days, both included; default the last 30 days)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlmodel import Session

from cart_admin.api.deps import AdminRoute, CurrentPrincipal, NowDep, SessionDep
from cart_admin.api.periods import Period, PeriodDep
from cart_admin.domain.analytics import attempts as attempt_report
from cart_admin.domain.analytics.attribution import DEFAULT_HOURS, MAX_HOURS, AttributionWindow
from cart_admin.domain.analytics.engagement import (
    order_value_lift,
    trigger_performance,
    upsell_performance,
)
from cart_admin.domain.analytics.incrementality import incrementality
from cart_admin.domain.analytics.interventions import intervention_performance
from cart_admin.domain.analytics.recovery import by_channel, by_stage, recovery_summary
from cart_admin.domain.analytics.stats import RateComparison
from cart_admin.domain.analytics.success import Trend, period_figures
from cart_admin.domain.voice.reports import voice_analytics

intelligence = APIRouter(
    prefix="/api/momentum/cart-intelligence", tags=["analytics"], route_class=AdminRoute
)
cart_save = APIRouter(
    prefix="/api/momentum/cart-save/analytics", tags=["analytics"], route_class=AdminRoute
)


def attribution_window(
    hours: Annotated[int, Query(alias="attributionHours", ge=1, le=MAX_HOURS)] = DEFAULT_HOURS,
) -> AttributionWindow:
    """`?attributionHours=`: how long after a click an order still counts as a message's."""
    return AttributionWindow(hours)


WindowDep = Annotated[AttributionWindow, Depends(attribution_window)]


def _attribution(window: AttributionWindow) -> dict:
    return {"windowHours": window.hours, "label": window.label}


def _money(value) -> str:
    return f"{value:.2f}"


def _rate(value: float) -> float:
    return round(value, 4)


def _comparison(c: RateComparison) -> dict:
    return {
        "rateTreated": _rate(c.rate_a),
        "rateControl": _rate(c.rate_b),
        "difference": _rate(c.difference),
        "lift": _rate(c.lift) if c.lift is not None else None,
        "ci95": [_rate(c.ci_low), _rate(c.ci_high)],
        "pValue": _rate(c.p_value),
        "significant": c.significant,
        "sampleTooSmall": c.too_small,
    }


def _trend(current: float, previous: float) -> dict:
    t = Trend(current, previous)
    change = t.change
    return {
        "current": _rate(current),
        "previous": _rate(previous),
        "change": _rate(change) if change is not None else None,
        "direction": t.direction,
    }


def _period(p: Period) -> dict:
    return {"start": p.start.isoformat(), "end": p.end.isoformat()}


def _incrementality(session: Session, company_id: str, p: Period) -> dict:
    inc = incrementality(session, company_id=company_id, start=p.start, end=p.end)
    low, high = inc.incremental_revenue_interval
    return {
        "treated": {
            "carts": inc.treated.carts,
            "recovered": inc.treated.recovered,
            "recoveryRate": _rate(inc.treated.recovery_rate),
            "revenue": _money(inc.treated.revenue),
        },
        "holdout": {
            "carts": inc.holdout.carts,
            "recovered": inc.holdout.recovered,
            "recoveryRate": _rate(inc.holdout.recovery_rate),
            "revenue": _money(inc.holdout.revenue),
        },
        "recoveryRate": _comparison(inc.rate),
        "incrementalRecoveries": round(inc.incremental_recoveries, 1),
        # Without carts in both groups there is nothing to measure: no figure, no interval.
        "incrementalRevenue": _money(inc.incremental_revenue) if inc.comparable else None,
        "incrementalRevenueCi95": [_money(low), _money(high)] if inc.comparable else None,
        "sampleTooSmall": inc.rate.too_small or inc.revenue_per_cart.too_small,
    }


def _recovery(session: Session, company_id: str, p: Period) -> dict:
    summary = recovery_summary(session, company_id=company_id, start=p.start, end=p.end)
    return {
        "totalAbandoned": summary.abandoned,
        "totalRecovered": summary.recovered,
        "recoveryRate": _rate(summary.recovery_rate),
        "recoveryValue": _money(summary.recovery_value),
        "avgTimeToRecovery": summary.avg_hours_to_recovery,
    }


def _channels(
    session: Session, company_id: str, p: Period, window: AttributionWindow
) -> list[dict]:
    return [
        {
            "channel": str(r.channel),
            "attempts": r.attempts,
            "conversions": r.conversions,
            "conversionRate": _rate(r.conversion_rate),
            "revenue": _money(r.revenue),
        }
        for r in by_channel(session, company_id=company_id, start=p.start, end=p.end, window=window)
    ]


def _stages(session: Session, company_id: str, p: Period, window: AttributionWindow) -> list[dict]:
    return [
        {
            "stage": str(r.stage),
            "reached": r.reached,
            "converted": r.converted,
            "conversionRate": _rate(r.conversion_rate),
        }
        for r in by_stage(session, company_id=company_id, start=p.start, end=p.end, window=window)
    ]


def _interventions(
    session: Session, company_id: str, p: Period, window: AttributionWindow
) -> list[dict]:
    return [
        {
            "type": str(r.type),
            "shown": r.shown,
            "accepted": r.accepted,
            "acceptanceRate": _rate(r.acceptance_rate),
            "avgDiscount": _money(r.avg_discount),
            "revenue": _money(r.revenue),
        }
        for r in intervention_performance(
            session, company_id=company_id, start=p.start, end=p.end, window=window
        )
    ]


def _triggers(session: Session, company_id: str, p: Period) -> list[dict]:
    return [
        {
            "trigger": str(r.trigger),
            "impressions": r.impressions,
            "interactions": r.interactions,
            "conversions": r.conversions,
            "carts": r.carts,
            "controlImpressions": r.control_impressions,
            "controlCarts": r.control_carts,
            "controlConversions": r.control_conversions,
            "liftVsControl": _rate(r.lift.lift) if r.lift.lift is not None else None,
            "test": _comparison(r.lift),
        }
        for r in trigger_performance(session, company_id=company_id, start=p.start, end=p.end)
    ]


def _upsells(session: Session, company_id: str, p: Period) -> list[dict]:
    return [
        {
            "type": str(r.type),
            "presented": r.presented,
            "accepted": r.accepted,
            "acceptanceRate": _rate(r.acceptance_rate),
            "revenue": _money(r.revenue),
        }
        for r in upsell_performance(session, company_id=company_id, start=p.start, end=p.end)
    ]


def _voice(session: Session, company_id: str, p: Period, window: AttributionWindow) -> dict:
    v = voice_analytics(session, company_id, p.start, p.end, window)
    return {
        "callsInitiated": v.calls_initiated,
        "callsAnswered": v.calls_answered,
        "callsCompleted": v.calls_completed,
        "cartsRecovered": v.carts_recovered,
        "avgCallDuration": round(v.avg_call_duration, 1),
        "revenueRecovered": _money(v.revenue_recovered),
        "failureRate": _rate(v.failure_rate),
    }


@intelligence.get("/overview")
def overview(
    principal: CurrentPrincipal,
    session: SessionDep,
    period: PeriodDep,
    window: WindowDep,
    now: NowDep,
) -> dict:
    """Every `CartIntelligenceMetrics` figure, the success metrics with their targets, the
    save flow's incrementality against its holdout, and trends against the period before."""
    company = principal.company_id
    current = period_figures(session, company_id=company, start=period.start, end=period.end)
    # The period before as it stood at this one's age (its carts had no more time to come back).
    age = min(now, period.end) - period.start
    previous = period.previous
    before = period_figures(
        session,
        company_id=company,
        start=previous.start,
        end=previous.end,
        recovered_before=previous.start + age,
    )
    return {
        "period": _period(period),
        "attribution": _attribution(window),
        "incrementality": _incrementality(session, company, period),
        "metrics": {
            "recovery": _recovery(session, company, period),
            "channels": _channels(session, company, period, window),
            "stages": _stages(session, company, period, window),
            "interventions": _interventions(session, company, period, window),
            "triggers": _triggers(session, company, period),
            "upsells": _upsells(session, company, period),
            "voice": _voice(session, company, period, window),
        },
        "successMetrics": [
            {
                "key": m.key,
                "label": m.label,
                "value": _rate(m.value),
                "baseline": m.baseline,
                "target": m.target,
                "lowerIsBetter": m.lower_is_better,
                "met": m.met,
            }
            for m in current.metrics()
        ],
        "trends": {
            "recoveryRate": _trend(
                current.rate(current.recovered, current.abandoned),
                before.rate(before.recovered, before.abandoned),
            ),
            "avgCartValue": _trend(current.avg_cart_value, before.avg_cart_value),
            "upsellAcceptance": _trend(
                current.rate(current.upsells_accepted, current.upsells_presented),
                before.rate(before.upsells_accepted, before.upsells_presented),
            ),
        },
    }


@intelligence.get("/recovery")
def recovery(
    principal: CurrentPrincipal, session: SessionDep, period: PeriodDep, window: WindowDep
) -> dict:
    """Recovery by channel, stage and intervention, and the daily timeline."""
    company = principal.company_id
    return {
        "period": _period(period),
        "attribution": _attribution(window),
        "summary": _recovery(session, company, period),
        "byChannel": _channels(session, company, period, window),
        "byStage": _stages(session, company, period, window),
        "byIntervention": _interventions(session, company, period, window),
        "byReason": attempt_report.by_reason(session, company, period.start, period.end),
        "recoveryTimeline": attempt_report.timeline(session, company, period.start, period.end),
    }


@intelligence.get("/triggers")
def triggers(principal: CurrentPrincipal, session: SessionDep, period: PeriodDep) -> dict:
    """Each trigger's conversion against the control group, with its z-test."""
    return {
        "period": _period(period),
        "performance": _triggers(session, principal.company_id, period),
    }


@intelligence.get("/upsells")
def upsells(principal: CurrentPrincipal, session: SessionDep, period: PeriodDep) -> dict:
    """Upsells by type (presented, accepted, revenue of carts then bought), and the average
    order value with an accepted upsell against without one."""
    aov = order_value_lift(
        session, company_id=principal.company_id, start=period.start, end=period.end
    )
    return {
        "period": _period(period),
        "byType": _upsells(session, principal.company_id, period),
        "avgOrderValueLift": {
            "withUpsell": _money(aov.with_upsell),
            "withoutUpsell": _money(aov.without_upsell),
            "ordersWithUpsell": aov.orders_with,
            "ordersWithoutUpsell": aov.orders_without,
            "lift": _rate(aov.lift) if aov.lift is not None else None,
        },
    }


@cart_save.get("/overview")
def save_flow_overview(
    principal: CurrentPrincipal, session: SessionDep, period: PeriodDep, window: WindowDep
) -> dict:
    """The save flow's own report: recovery, incrementality, channels and the stage funnel."""
    company = principal.company_id
    return {
        "period": _period(period),
        "attribution": _attribution(window),
        "recovery": _recovery(session, company, period),
        "incrementality": _incrementality(session, company, period),
        "byChannel": _channels(session, company, period, window),
        "byStage": _stages(session, company, period, window),
    }


@cart_save.get("/attempts")
def attempts(principal: CurrentPrincipal, session: SessionDep, period: PeriodDep) -> dict:
    """Attempts started in the period by status, outcome and abandonment reason."""
    company = principal.company_id
    return {
        "period": _period(period),
        **attempt_report.counts(session, company, period.start, period.end),
        "byReason": attempt_report.by_reason(session, company, period.start, period.end),
    }
