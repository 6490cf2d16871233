"""The recovery dashboard's state: the chosen period and attribution window, the report's
figures as display strings, and the Plotly figures (drawn by `ui.charts`). Every number comes
from `domain.analytics.report`, the same object the API, the CSV files and the PDF use."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from urllib.parse import urlencode

import plotly.graph_objects as go
import reflex as rx

from cart_admin.db import session_scope
from cart_admin.domain.analytics.attribution import AttributionWindow
from cart_admin.domain.analytics.exports import pdf_report, table_csv
from cart_admin.domain.analytics.periods import Period, PeriodError, day_range, last_days
from cart_admin.domain.analytics.report import TABLES, Report, build_report
from cart_admin.domain.analytics.success import Trend
from cart_admin.domain.save_flow.stages import STAGES
from cart_admin.models import Channel
from cart_admin.models.types import utcnow
from cart_admin.ui import charts
from cart_admin.ui import format as fmt
from cart_admin.ui.state import AuthState

PRESETS = ["7", "30", "90"]
WINDOWS = [("24", "1-day click"), ("72", "3-day click"), ("168", "7-day click")]
ATTEMPTS = "/recovery/attempts"
STAGE_KEYS = [spec.stage.value for spec in STAGES]
CHANNEL_KEYS = [c.value for c in Channel]
EMPTY = go.Figure()


def _kpi(label: str, value: str, trend: Trend, change: str, *, target: str = "",
         lower_is_better: bool = False) -> dict[str, str]:  # fmt: skip
    """A KPI card: its arrow follows the trend, its colour says whether that is good news."""
    direction = trend.direction
    if direction == "flat":
        tone = "flat"
    else:
        tone = "good" if (direction == "up") != lower_is_better else "bad"
    return {"label": label, "value": value, "target": target, "direction": direction,
            "change": f"{change} vs previous period", "tone": tone}  # fmt: skip


def _hours_kpi(now: float | None, before: float | None) -> dict[str, str]:
    """Time to recovery: none when nothing came back (not a faster recovery), and a trend
    only when both periods had one."""
    value = "—" if now is None else f"{now:.1f} h"
    if now is None or before is None:
        return _kpi("Time to recovery", value, Trend(0.0, 0.0), "nothing to compare")
    return _kpi("Time to recovery", value, Trend(now, before), f"{now - before:+.1f} h",
                lower_is_better=True)  # fmt: skip


def _relative(trend: Trend) -> str:
    if trend.change is None:
        return "new" if trend.current else "no change"
    return f"{trend.change:+.0%}" if trend.change else "no change"


class AnalyticsState(rx.State):
    preset: str = "30"  # "7", "30", "90", or "custom" when the dates were picked
    date_from: str = ""
    date_to: str = ""
    window: str = "24"
    error: str = ""
    loaded: bool = False
    window_label: str = "1-day click"

    # The incrementality headline.
    incremental_revenue: str = "—"
    incremental_interval: str = ""
    treated_rate: str = "—"
    holdout_rate: str = "—"
    verdict: str = ""
    verdict_tone: str = "gray"

    kpis: list[dict[str, str]] = []
    targets: list[dict[str, str]] = []
    voice: list[dict[str, str]] = []
    channels: list[dict[str, str]] = []
    interventions: list[dict[str, str]] = []
    triggers: list[dict[str, str]] = []
    upsells: list[dict[str, str]] = []
    order_value_text: str = ""
    reason_keys: list[str] = []

    fig_incrementality: go.Figure = EMPTY
    fig_timeline: go.Figure = EMPTY
    fig_funnel: go.Figure = EMPTY
    fig_channels: go.Figure = EMPTY
    fig_reasons: go.Figure = EMPTY
    fig_triggers: go.Figure = EMPTY
    fig_upsells: go.Figure = EMPTY

    def _period(self) -> Period:
        now = utcnow()
        if self.preset in PRESETS:
            return last_days(int(self.preset), now)
        try:
            start, end = date.fromisoformat(self.date_from), date.fromisoformat(self.date_to)
        except ValueError:
            raise PeriodError("Pick both dates.") from None
        return day_range(start, end, now)

    def _window(self) -> AttributionWindow:
        return AttributionWindow(int(self.window) if self.window.isdigit() else 24)

    def _report(self, company_id: str) -> Report:
        period = self._period()
        with session_scope() as session:
            return build_report(session, company_id=company_id, start=period.start,
                                end=period.end, window=self._window())  # fmt: skip

    @rx.event
    async def load(self):
        auth = await self.get_state(AuthState)
        if not auth.company_id:
            return
        try:
            report = self._report(auth.company_id)
        except PeriodError as refused:
            self.error = str(refused)
            return
        self.error = ""
        self._show(report, auth.company_currency)
        self.loaded = True

    def _show(self, r: Report, currency: str) -> None:
        money = lambda value: fmt.money(value, currency)  # noqa: E731
        period = Period(r.start, r.end)
        self.date_from, self.date_to = period.first_day.isoformat(), period.last_day.isoformat()
        self.window_label = r.window.label
        inc = r.incrementality
        low, high = inc.incremental_revenue_interval
        self.incremental_revenue = money(inc.incremental_revenue) if inc.comparable else "—"
        self.incremental_interval = (
            f"95% interval {money(low)} to {money(high)}"
            if inc.comparable
            else "No holdout carts in this period: nothing to compare against"
        )
        self.treated_rate = f"{inc.treated.recovery_rate:.1%}"
        self.holdout_rate = f"{inc.holdout.recovery_rate:.1%}"
        if not inc.comparable:
            self.verdict, self.verdict_tone = "Nothing to compare against", "gray"
        elif inc.rate.too_small or inc.revenue_per_cart.too_small:
            self.verdict = (
                f"Too few carts to be sure yet: {inc.holdout.recovered:,} of "
                f"{inc.holdout.carts:,} holdout carts came back"
            )
            self.verdict_tone = "gray"
        elif inc.rate.significant:
            self.verdict = f"Significant: p = {inc.rate.p_value:.3f}"
            self.verdict_tone = "green" if inc.rate.difference > 0 else "red"
        else:
            self.verdict, self.verdict_tone = (
                f"Not significant (p = {inc.rate.p_value:.2f})",
                "amber",
            )

        now, before = r.figures, r.previous
        rec, rec_before = r.recovery, r.previous_recovery
        rate = Trend(rec.recovery_rate, rec_before.recovery_rate)
        value = Trend(float(rec.recovery_value), float(rec_before.recovery_value))
        count = Trend(rec.recovered, rec_before.recovered)
        self.kpis = [
            _kpi("Recovery rate", f"{rate.current:.1%}", rate,
                 f"{(rate.current - rate.previous) * 100:+.1f} pt", target="target 20%"),
            _kpi("Recovered revenue", money(rec.recovery_value), value, _relative(value)),
            _kpi("Carts recovered", fmt.count(rec.recovered), count, _relative(count)),
            _hours_kpi(rec.avg_hours_to_recovery, rec_before.avg_hours_to_recovery),
        ]  # fmt: skip
        previous = {m.key: m.value for m in before.metrics()}
        self.targets = [
            {
                "label": m.label,
                "value": money(m.value) if m.key == "avgCartValue" else f"{m.value:.1%}",
                "target": money(m.target) if m.key == "avgCartValue" else f"{m.target:.0%}",
                "baseline": "" if m.baseline is None else (
                    money(m.baseline) if m.key == "avgCartValue" else f"{m.baseline:.0%}"),
                "met": "true" if m.met else "",
                "direction": Trend(m.value, previous[m.key]).direction,
                "tone": ("good" if (m.value < previous[m.key]) == m.lower_is_better else "bad")
                if m.value != previous[m.key] else "flat",
            }
            for m in now.metrics()
            if m.key != "recoveryRate"  # its own KPI card, above
        ]  # fmt: skip
        v = r.voice
        self.voice = [
            {"label": "Calls placed", "value": fmt.count(v.calls_initiated)},
            {"label": "Answered", "value": f"{fmt.count(v.calls_answered)} ({v.answer_rate:.0%})"},
            {"label": "Completed", "value": fmt.count(v.calls_completed)},
            {"label": "Carts recovered", "value": fmt.count(v.carts_recovered)},
            {"label": "Average call", "value": f"{v.avg_call_duration:.0f} s"},
            {"label": f"Revenue ({r.window.label})", "value": money(v.revenue_recovered)},
            {"label": "Failure rate", "value": f"{v.failure_rate:.1%}"},
        ]  # fmt: skip
        self.channels = [
            {"channel": charts.CHANNEL_NAMES.get(str(c.channel), str(c.channel)),
             "sent": fmt.count(c.attempts), "orders": fmt.count(c.conversions),
             "rate": f"{c.conversion_rate:.1%}", "revenue": money(c.revenue)}
            for c in r.channels
        ]  # fmt: skip
        self.interventions = [
            {"type": charts.words(str(i.type)), "shown": fmt.count(i.shown),
             "accepted": fmt.count(i.accepted), "rate": f"{i.acceptance_rate:.1%}",
             "discount": money(i.avg_discount) if i.avg_discount else "—",
             "revenue": money(i.revenue)}
            for i in r.interventions
        ]  # fmt: skip
        self.triggers = [
            {"trigger": charts.words(str(t.trigger)), "shown": fmt.count(t.carts),
             "rate": f"{t.lift.rate_a:.1%}", "control": f"{t.lift.rate_b:.1%}",
             "control_n": fmt.count(t.control_carts),
             "lift": "—" if t.lift.lift is None else f"{t.lift.lift:+.0%}",
             "verdict": "too small" if t.lift.too_small else (
                 "significant" if t.lift.significant else "not significant")}
            for t in r.triggers if t.impressions or t.control_impressions
        ]  # fmt: skip
        self.upsells = [
            {"type": charts.words(str(u.type)), "presented": fmt.count(u.presented),
             "accepted": fmt.count(u.accepted), "rate": f"{u.acceptance_rate:.1%}",
             "revenue": money(u.revenue)}
            for u in r.upsells if u.presented
        ]  # fmt: skip
        aov = r.order_value
        self.order_value_text = (
            f"Orders with an accepted upsell average {money(aov.with_upsell)} against "
            f"{money(aov.without_upsell)} without ({aov.lift:+.0%})."
            if aov.lift is not None
            else "Not enough orders with and without an upsell to compare order values."
        )
        self.reason_keys = charts.reason_keys(r.reasons)
        self.fig_incrementality = charts.incrementality_figure(inc)
        self.fig_timeline = charts.timeline_figure(r.timeline, r.start, r.end)
        self.fig_funnel = charts.funnel_figure(r.stages)
        self.fig_channels = charts.channels_figure(r.channels, r.window.label, currency)
        self.fig_reasons = charts.reasons_figure(r.reasons)
        self.fig_triggers = charts.trigger_lift_figure(r.triggers)
        self.fig_upsells = charts.upsells_figure(r.upsells, currency)

    # --- the controls ------------------------------------------------------------------------

    @rx.event
    def set_preset(self, value: str | list[str]):
        value = value if isinstance(value, str) else (value[0] if value else "30")
        if value in PRESETS:
            self.preset = value
            return AnalyticsState.load

    @rx.event
    def set_date_from(self, value: str):
        self.date_from, self.preset = value, "custom"
        return AnalyticsState.load

    @rx.event
    def set_date_to(self, value: str):
        self.date_to, self.preset = value, "custom"
        return AnalyticsState.load

    @rx.event
    def set_window(self, value: str):
        if value in dict(WINDOWS):
            self.window = value
            return AnalyticsState.load

    # --- drill-down: a bar's attempts ----------------------------------------------------------

    def _attempts_link(self, **filters: str) -> str:
        return f"{ATTEMPTS}?" + urlencode({**filters, "from": self.date_from, "to": self.date_to})

    @staticmethod
    def _index(points: list[dict]) -> int | None:
        if not points:
            return None
        number = points[0].get("pointNumber", points[0].get("pointIndex"))
        return number if isinstance(number, int) else None

    @rx.event
    def open_stage(self, points: list[dict]):
        i = self._index(points)
        if i is not None and 0 <= i < len(STAGE_KEYS):
            return rx.redirect(self._attempts_link(reached=STAGE_KEYS[i], holdout="false"))

    @rx.event
    def open_channel(self, points: list[dict]):
        i = self._index(points)
        if i is not None and 0 <= i < len(CHANNEL_KEYS):
            return rx.redirect(self._attempts_link(channel=CHANNEL_KEYS[i]))

    @rx.event
    def open_reason(self, points: list[dict]):
        i = self._index(points)
        if i is not None and 0 <= i < len(self.reason_keys):
            return rx.redirect(self._attempts_link(reason=self.reason_keys[i], holdout="false"))

    # --- exports -----------------------------------------------------------------------------

    async def _download(self, build: Callable[[Report, str, str], tuple[str | bytes, str, str]]):
        """Build a file from a fresh report of the chosen days (a refused range is a toast)."""
        auth = await self.get_state(AuthState)
        if not auth.company_id:
            return None
        try:
            report = self._report(auth.company_id)
        except PeriodError as refused:
            return rx.toast.error(str(refused))
        data, filename, mime_type = build(report, auth.company_name, auth.company_currency)
        return rx.download(data=data, filename=filename, mime_type=mime_type)

    @rx.event
    async def download_csv(self, table: str):
        if table not in TABLES:
            return rx.toast.error("No such table.")
        name = f"recovery-{table}-{self.date_from}-to-{self.date_to}.csv"
        return await self._download(lambda r, _, __: (table_csv(r, table), name, "text/csv"))

    @rx.event
    async def download_pdf(self):
        name = f"recovery-report-{self.date_from}-to-{self.date_to}.pdf"
        return await self._download(
            lambda r, company, currency: (
                pdf_report(r, company_name=company, currency=currency, generated_at=utcnow()),
                name,
                "application/pdf",
            )
        )
