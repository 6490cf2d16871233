"""`GET /api/momentum/cart-save/analytics/alerts` on a hand-built shop (SQLite and PostgreSQL):
each rule's state with its numbers and the days it measured (ending its settle time ago), the
history newest first and why an event resolved, an analyst may read it, another company's
alerts never show, a bad limit is a 422."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from cart_admin.api.app import create_api
from cart_admin.api.deps import get_now
from cart_admin.domain.analytics.alerts import evaluate_alerts
from cart_admin.domain.auth import SESSION_COOKIE
from cart_admin.models import AlertEvent, AlertRule, CartStatus, UserRole
from cart_admin.models.types import utcnow
from tests.factories import (
    make_api_key,
    make_cart,
    make_company,
    make_login_session,
    make_user,
)

URL = "/api/momentum/cart-save/analytics/alerts"
NOW = utcnow().replace(microsecond=0)


def _client(session: Session, company) -> TestClient:
    key = make_api_key(session, company)
    api = create_api()
    api.dependency_overrides[get_now] = lambda: NOW
    return TestClient(api, headers={"Authorization": f"Bearer {key}"})


def _abandoned(session: Session, company, n: int, *, recovered: int) -> None:
    """Carts abandoned 5 days ago: in the recovery rule's window (10 to 3 days ago)."""
    at = NOW - timedelta(days=5)
    for i in range(n):
        make_cart(
            session, company, created_at=at - timedelta(hours=1), abandoned_at=at,
            status=CartStatus.CONVERTED if i < recovered else CartStatus.ABANDONED,
            converted_at=at + timedelta(hours=3) if i < recovered else None,
        )  # fmt: skip


def _resolved_event(session: Session, company, rule: AlertRule) -> AlertEvent:
    """A spell of 3 h 30 min two weeks ago: opened at 12.5%, worst 14%, resolved at 9%."""
    opened = NOW - timedelta(days=14)
    event = AlertEvent(
        company_id=company.id, rule=rule, value=0.125, threshold=0.10, sample_size=16,
        window_days=7, opened_at=opened, resolved_at=opened + timedelta(hours=3, minutes=30),
        last_evaluated_at=opened + timedelta(hours=3, minutes=30), last_value=0.09,
        last_sample_size=22, worst_value=0.14,
    )  # fmt: skip
    session.add(event)
    session.commit()
    return event


def test_states_and_history(session: Session) -> None:
    company, other = make_company(session), make_company(session)
    _abandoned(session, company, 20, recovered=3)  # 15%: below 20%
    _abandoned(session, other, 20, recovered=0)
    past = _resolved_event(session, company, AlertRule.VOICE_FAILURE_HIGH)
    _resolved_event(session, other, AlertRule.VOICE_FAILURE_HIGH)
    opened_at = NOW - timedelta(hours=2)
    evaluate_alerts(session, now=opened_at)  # opens both companies' recovery alerts
    session.commit()
    open_event = session.exec(
        select(AlertEvent).where(
            AlertEvent.company_id == company.id, col(AlertEvent.resolved_at).is_(None)
        )
    ).one()

    api = _client(session, company)
    response = api.get(URL)

    assert response.status_code == 200
    body = response.json()
    assert (body["measuredAt"], body["windowDays"]) == (NOW.isoformat(), 7)
    assert body["rules"] == [
        {
            "rule": "RECOVERY_RATE_LOW", "title": "Recovery rate", "state": "FIRING",
            "value": 0.15, "threshold": 0.2, "firesWhen": "below", "hits": 3, "sample": 20,
            "minSample": 20, "sampleOf": "abandoned carts", "windowDays": 7,
            "measuredFrom": (NOW - timedelta(days=10)).isoformat(),
            "measuredTo": (NOW - timedelta(days=3)).isoformat(), "settleSeconds": 3 * 86400,
            "openSince": opened_at.isoformat(), "openEventId": open_event.id,
        },
        {
            "rule": "VOICE_FAILURE_HIGH", "title": "Voice call failure rate",
            "state": "NOT_ENOUGH_DATA", "value": None, "threshold": 0.1, "firesWhen": "above",
            "hits": 0, "sample": 0, "minSample": 10, "sampleOf": "calls", "windowDays": 7,
            "measuredFrom": (NOW - timedelta(days=7)).isoformat(),
            "measuredTo": NOW.isoformat(), "settleSeconds": 0,
            "openSince": None, "openEventId": None,
        },
        {
            "rule": "CHURN_FALSE_POSITIVES_HIGH", "title": "Churn detection false positives",
            "state": "NOT_ENOUGH_DATA", "value": None, "threshold": 0.3, "firesWhen": "above",
            "hits": 0, "sample": 0, "minSample": 10, "sampleOf": "interventions",
            "windowDays": 7, "measuredFrom": (NOW - timedelta(days=8)).isoformat(),
            "measuredTo": (NOW - timedelta(days=1)).isoformat(), "settleSeconds": 86400,
            "openSince": None, "openEventId": None,
        },
    ]  # fmt: skip
    assert body["history"] == [
        {
            "id": open_event.id, "rule": "RECOVERY_RATE_LOW", "title": "Recovery rate",
            "openedAt": opened_at.isoformat(), "resolvedAt": None, "resolvedBy": None,
            "durationSeconds": 7200,
            "threshold": 0.2, "windowDays": 7, "openingValue": 0.15, "openingSample": 20,
            "worstValue": 0.15, "lastValue": 0.15, "lastSample": 20,
            "lastEvaluatedAt": opened_at.isoformat(),
        },
        {
            "id": past.id, "rule": "VOICE_FAILURE_HIGH", "title": "Voice call failure rate",
            "openedAt": past.opened_at.isoformat(),
            "resolvedAt": (past.opened_at + timedelta(hours=3, minutes=30)).isoformat(),
            "resolvedBy": "RECOVERED", "durationSeconds": 12600, "threshold": 0.1,
            "windowDays": 7, "openingValue": 0.125,
            "openingSample": 16, "worstValue": 0.14, "lastValue": 0.09, "lastSample": 22,
            "lastEvaluatedAt": (past.opened_at + timedelta(hours=3, minutes=30)).isoformat(),
        },
    ]  # fmt: skip

    assert [e["id"] for e in api.get(URL, params={"limit": 1}).json()["history"]] == [open_event.id]


def test_an_event_resolved_for_lack_of_data(session: Session) -> None:
    company = make_company(session)
    event = _resolved_event(session, company, AlertRule.VOICE_FAILURE_HIGH)
    event.last_evaluated_at = event.opened_at  # measured once, then no call for over a week
    event.resolved_at = event.opened_at + timedelta(days=7, hours=1)
    session.add(event)
    session.commit()

    [row] = _client(session, company).get(URL).json()["history"]
    assert (row["resolvedBy"], row["lastEvaluatedAt"], row["durationSeconds"]) == (
        "NOT_ENOUGH_DATA", event.opened_at.isoformat(), 7 * 86400 + 3600)  # fmt: skip


def test_an_analyst_reads_them(session: Session) -> None:
    company = make_company(session)
    analyst = make_user(session, company, role=UserRole.ANALYST)
    api = TestClient(create_api(), cookies={SESSION_COOKIE: make_login_session(session, analyst)})
    response = api.get(URL)

    assert response.status_code == 200, response.text
    assert [r["state"] for r in response.json()["rules"]] == ["NOT_ENOUGH_DATA"] * 3
    assert response.json()["history"] == []


def test_a_bad_limit_is_a_422(session: Session) -> None:
    company = make_company(session)
    api = _client(session, company)
    for bad in ("0", "501", "many"):
        response = api.get(URL, params={"limit": bad})
        assert response.status_code == 422, bad
        assert response.json()["detail"].startswith("Invalid request: query.limit:"), bad
