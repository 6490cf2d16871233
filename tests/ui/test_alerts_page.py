"""What the Alerts page writes for a rule (with the days it measured) and an event, and that
the page renders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cart_admin.domain.analytics.alerts import SPECS, Measurement, RuleStatus
from cart_admin.models import AlertEvent, AlertRule
from cart_admin.ui.pages.alerts_state import history_row, rule_row, span

OPENED = datetime(2026, 11, 20, 10, 17, tzinfo=UTC)
NOW = datetime(2026, 11, 22, 10, 17, tzinfo=UTC)


def _measured(rule: AlertRule, hits: int, sample: int) -> Measurement:
    spec = SPECS[rule]
    return Measurement(spec, hits, sample, *spec.window(NOW))


@pytest.mark.parametrize(
    ("length", "text"),
    [
        (timedelta(seconds=59), "0 min"),
        (timedelta(minutes=45), "45 min"),
        (timedelta(hours=3), "3 h"),
        (timedelta(hours=3, minutes=30), "3 h 30 min"),
        (timedelta(days=2), "2 d"),
        (timedelta(days=2, hours=4, minutes=10), "2 d 4 h"),
    ],
)
def test_span(length: timedelta, text: str) -> None:
    assert span(length) == text


def test_a_firing_rule_with_its_open_event() -> None:
    spec = SPECS[AlertRule.CHURN_FALSE_POSITIVES_HIGH]
    event = AlertEvent(company_id="c", rule=spec.rule, value=0.4, threshold=0.3, sample_size=10,
                       window_days=7, opened_at=OPENED, last_evaluated_at=OPENED, last_value=0.4,
                       last_sample_size=10, worst_value=0.4)  # fmt: skip

    row = rule_row(RuleStatus(_measured(spec.rule, 4, 13), event))

    assert row == {
        "rule": "CHURN_FALSE_POSITIVES_HIGH",
        "title": "Churn detection false positives",
        "state": "FIRING",
        "state_label": "Firing",
        "value": "30.8%",
        "threshold": "Fires above 30%",
        "detail": "4 of 13 interventions dismissed, then bought anyway",
        "window": "Interventions shown Nov 14 – Nov 21, settled 1 day",
        "minimum": "Needs at least 10 interventions",
        "open_since": "Open since Nov 20, 10:17 UTC",
    }


def test_a_rule_without_data() -> None:
    row = rule_row(RuleStatus(_measured(AlertRule.VOICE_FAILURE_HIGH, 0, 0), None))

    assert (row["state_label"], row["value"], row["detail"], row["open_since"]) == (
        "Not enough data", "—", "No calls in these 7 days", "")  # fmt: skip
    assert row["window"] == "Calls dialled Nov 15 – now"  # a failure is known at once


def test_the_recovery_rate_says_it_waits_for_the_save_flow() -> None:
    row = rule_row(RuleStatus(_measured(AlertRule.RECOVERY_RATE_LOW, 64, 317), None))

    assert (row["state"], row["value"], row["detail"], row["window"]) == (
        "OK", "20.2%", "64 of 317 abandoned carts recovered",
        "Carts abandoned Nov 12 – Nov 19, settled 3 days")  # fmt: skip


def test_history_rows_open_and_resolved() -> None:
    def event(resolved: datetime | None, measured: datetime | None = None) -> AlertEvent:
        """Resolved by a recovery, measured as it resolved; or last `measured` then."""
        return AlertEvent(company_id="c", rule=AlertRule.RECOVERY_RATE_LOW, value=0.15,
                          threshold=0.2, sample_size=20, window_days=7, opened_at=OPENED,
                          resolved_at=resolved, last_evaluated_at=measured or resolved or OPENED,
                          last_value=0.28, last_sample_size=25, worst_value=0.12)  # fmt: skip

    now = OPENED + timedelta(days=1, hours=2)
    resolved = history_row(event(OPENED + timedelta(hours=3, minutes=30)), now)
    still_open = history_row(event(None), now)

    assert {k: v for k, v in resolved.items() if k != "id"} == {
        "title": "Recovery rate",
        "threshold": "below 20%",
        "opened": "Nov 20, 10:17 UTC",
        "resolved": "Nov 20, 13:47 UTC",
        "resolved_note": "",
        "duration": "3 h 30 min",
        "opening": "15.0% of 20",
        "worst": "12.0%",
        "last": "28.0% of 25",
    }
    assert (still_open["resolved"], still_open["duration"]) == ("", "1 d 2 h")
    assert still_open["resolved_note"] == ""

    quiet = event(OPENED + timedelta(days=7, hours=1), measured=OPENED)  # no data since
    assert history_row(quiet, now)["resolved_note"] == "Not enough data since Nov 20, 10:17 UTC"


def test_the_page_renders() -> None:
    from cart_admin.ui.nav import NAV_ITEMS
    from cart_admin.ui.pages.alerts import alerts

    assert "alert-history" in str(alerts())
    [item] = [i for i in NAV_ITEMS if i.route == "/analytics/alerts"]
    assert (item.label, item.section, item.order, item.icon) == ("Alerts", "Analytics", 41, "bell")
