"""The dashboard's figures drawn from hand-made rows: the days without carts, the order bars
are drawn in (a click's pointNumber maps back to its key), the intervals and the lift axis."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from cart_admin.domain.analytics.engagement import TriggerRow
from cart_admin.domain.analytics.incrementality import Group, Incrementality
from cart_admin.domain.analytics.recovery import ChannelRow, StageRow
from cart_admin.domain.analytics.stats import compare_means, compare_rates, wilson_interval
from cart_admin.domain.save_flow.stages import STAGES
from cart_admin.models import BehavioralTrigger, Channel
from cart_admin.ui import charts
from cart_admin.ui.pages.analytics_state import CHANNEL_KEYS, STAGE_KEYS

START, END = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 5, tzinfo=UTC)


def test_the_timeline_has_every_day_and_no_rate_without_carts() -> None:
    fig = charts.timeline_figure(
        [{"date": "2026-11-01", "abandoned": 4, "recovered": 1, "recoveryRate": 0.25},
         {"date": "2026-11-03", "abandoned": 10, "recovered": 3, "recoveryRate": 0.3}],
        START, END,
    )  # fmt: skip
    abandoned, recovered, rate = fig.data
    assert [str(d) for d in abandoned.x] == ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"]
    assert list(abandoned.y) == [4, 0, 10, 0]
    assert list(recovered.y) == [1, 0, 3, 0]
    assert list(rate.y) == [25.0, None, 30.0, None]  # a day without carts has no rate
    assert rate.yaxis == "y2"


def test_the_funnel_draws_the_seven_stages_in_the_order_clicks_map_to() -> None:
    rows = [
        StageRow(spec.stage, reached=100 - i * 10, converted=i) for i, spec in enumerate(STAGES)
    ]
    reached, converted = charts.funnel_figure(rows).data
    assert list(reached.y) == [f"{i}. {spec.title}" for i, spec in enumerate(STAGES, start=1)]
    assert list(reached.x) == [r.reached for r in rows]
    assert list(converted.x) == [r.converted for r in rows]
    assert [str(spec.stage) for spec in STAGES] == STAGE_KEYS


def test_channels_in_the_order_clicks_map_to() -> None:
    rows = [ChannelRow(c, attempts=10, conversions=2, revenue=Decimal("12.50")) for c in Channel]
    (bars,) = charts.channels_figure(rows, "1-day click").data
    assert len(bars.x) == len(CHANNEL_KEYS) == len(Channel)
    assert list(bars.y) == [12.5] * len(Channel)
    assert "1-day click" in bars.hovertemplate


def test_reasons_without_attempts_are_left_out_and_keys_follow_the_bars() -> None:
    reasons = [
        {"reason": "SHIPPING_COST", "attempts": 8, "recovered": 2, "recoveryRate": 0.25},
        {"reason": "JUST_BROWSING", "attempts": 0, "recovered": 0, "recoveryRate": 0.0},
        {"reason": "UNKNOWN", "attempts": 20, "recovered": 5, "recoveryRate": 0.25},
    ]
    attempts, _ = charts.reasons_figure(reasons).data
    assert list(attempts.y) == ["Shipping cost", "Unknown"]
    assert charts.reason_keys(reasons) == ["SHIPPING_COST", "UNKNOWN"]


def test_the_incrementality_bars_carry_wilson_intervals() -> None:
    treated, holdout = (
        Group(400, 80, Decimal("4000"), 60000.0),
        Group(100, 5, Decimal("250"), 15000.0),
    )
    inc = Incrementality(treated, holdout, compare_rates(80, 400, 5, 100),
                         compare_means(treated.moments, holdout.moments))  # fmt: skip
    (bars,) = charts.incrementality_figure(inc).data
    assert list(bars.x) == pytest.approx([5.0, 20.0])  # holdout first, then the flow
    low, high = wilson_interval(80, 400)
    assert bars.error_x.arrayminus[1] == pytest.approx((0.2 - low) * 100)
    assert bars.error_x.array[1] == pytest.approx((high - 0.2) * 100)


def _trigger(name: BehavioralTrigger, shown: int, won: int, control: int, control_won: int):
    return TriggerRow(name, shown, shown, won, control, control_won,
                      compare_rates(won, shown, control_won, control))  # fmt: skip


def test_a_too_small_trigger_does_not_stretch_the_lift_axis() -> None:
    rows = [
        _trigger(BehavioralTrigger.SOCIAL_PROOF, 400, 160, 100, 30),  # +10 points, sized
        _trigger(BehavioralTrigger.URGENCY, 1, 0, 0, 0),  # an interval ~100 points wide
    ]
    fig = charts.trigger_lift_figure(rows)
    low, high = fig.layout.xaxis.range
    sized = rows[0].lift
    edge = max(abs(sized.ci_low), abs(sized.ci_high)) * 100 * 1.15
    assert (low, high) == pytest.approx((-edge, edge))
    assert edge < 40
    (points,) = fig.data
    assert list(points.marker.color) == [charts.ACCENT, charts.GRAY]  # not significant; too small
