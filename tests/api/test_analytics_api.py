"""The analytics endpoints on a small hand-built shop: the figures, the date range's checks,
an empty company, and another company's rows never counted (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from cart_admin.api.app import create_api
from cart_admin.models import CartStatus
from cart_admin.models.types import utcnow
from tests.factories import make_api_key, make_attempt, make_cart, make_company, make_product

NOW = utcnow()
INTELLIGENCE = "/api/momentum/cart-intelligence"
SAVE = "/api/momentum/cart-save/analytics"


def _client(session: Session, company) -> TestClient:
    return TestClient(
        create_api(), headers={"Authorization": f"Bearer {make_api_key(session, company)}"}
    )


def _abandoned(session, company, product, *, days_ago, recovered: bool, holdout=False) -> None:
    at = NOW - timedelta(days=days_ago)
    cart = make_cart(
        session, company, items=[(product, 1)], created_at=at - timedelta(hours=1),
        status=CartStatus.CONVERTED if recovered else CartStatus.ABANDONED, abandoned_at=at,
        converted_at=at + timedelta(hours=12) if recovered else None,
    )  # fmt: skip
    attempt = make_attempt(session, cart, is_holdout=holdout, started_at=at)
    attempt.recovered_value = cart.grand_total if recovered else None
    session.add(attempt)
    session.commit()


@pytest.fixture
def shop(session: Session):
    company = make_company(session)
    mug = make_product(session, company, name="Mug", price="30.00")
    for recovered in (True, True, False, False):  # treated: 2 of 4 back
        _abandoned(session, company, mug, days_ago=3, recovered=recovered)
    _abandoned(session, company, mug, days_ago=4, recovered=False, holdout=True)  # 0 of 1
    _abandoned(session, company, mug, days_ago=40, recovered=True)  # the period before
    other = make_company(session)
    _abandoned(session, other, make_product(session, other, name="X", price="99.00"),
               days_ago=3, recovered=True)  # fmt: skip
    return company


def test_overview_figures(session: Session, shop) -> None:
    body = _client(session, shop).get(f"{INTELLIGENCE}/overview").json()

    recovery = body["metrics"]["recovery"]
    assert (recovery["totalAbandoned"], recovery["totalRecovered"]) == (5, 2)
    assert recovery["recoveryRate"] == 0.4 and recovery["recoveryValue"] == "60.00"
    assert recovery["avgTimeToRecovery"] == pytest.approx(12.0, abs=0.01)
    inc = body["incrementality"]
    assert (inc["treated"]["carts"], inc["treated"]["recovered"]) == (4, 2)
    assert (inc["holdout"]["carts"], inc["holdout"]["recovered"]) == (1, 0)
    assert inc["incrementalRevenue"] == "60.00"  # (15.00 - 0.00) per cart × 4 treated
    assert inc["sampleTooSmall"] is True
    success = {m["key"]: m for m in body["successMetrics"]}
    assert success["recoveryRate"]["value"] == 0.4 and success["recoveryRate"]["met"]
    assert success["abandonmentRate"]["value"] == 1.0 and not success["abandonmentRate"]["met"]
    # The period before had one cart, abandoned and recovered: 100% then, 40% now.
    assert body["trends"]["recoveryRate"] == {
        "current": 0.4, "previous": 1.0, "change": -0.6, "direction": "down"
    }  # fmt: skip
    assert body["metrics"]["stages"][0]["stage"] == "BROWSE_REMINDER"


def test_the_save_flow_reports(session: Session, shop) -> None:
    api = _client(session, shop)
    attempts = api.get(f"{SAVE}/attempts").json()
    assert (attempts["total"], attempts["holdout"]) == (5, 1)
    assert attempts["byStatus"]["IN_PROGRESS"] == 5
    reasons = {r["reason"]: r for r in attempts["byReason"]}
    assert (reasons["UNKNOWN"]["attempts"], reasons["UNKNOWN"]["recovered"]) == (4, 2)  # treated
    overview = api.get(f"{SAVE}/overview").json()
    assert overview["recovery"]["totalRecovered"] == 2
    timeline = api.get(f"{INTELLIGENCE}/recovery").json()["recoveryTimeline"]
    assert [(d["abandoned"], d["recovered"]) for d in timeline] == [(1, 0), (4, 2)]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-11-30&to=2026-11-01", "'from' is after 'to'."),
        ("from=2024-01-01&to=2026-01-01", "Ask for 366 days at most."),
        ("from=yesterday", "from"),
        ("to=1999-12-31", "to"),
    ],
)
def test_bad_ranges_are_422_with_a_message(session: Session, shop, query, message) -> None:
    for path in ("/overview", "/recovery", "/triggers", "/upsells"):
        response = _client(session, shop).get(f"{INTELLIGENCE}{path}?{query}")
        assert response.status_code == 422, response.text
        assert message in response.text


def test_an_empty_company_has_zeros(session: Session) -> None:
    api = _client(session, make_company(session))
    for path in (f"{INTELLIGENCE}/overview", f"{INTELLIGENCE}/recovery", f"{INTELLIGENCE}/triggers",
                 f"{INTELLIGENCE}/upsells", f"{SAVE}/overview", f"{SAVE}/attempts"):  # fmt: skip
        response = api.get(path)
        assert response.status_code == 200, (path, response.text)
    body = api.get(f"{INTELLIGENCE}/overview?from=2026-01-01&to=2026-01-31").json()
    assert body["period"]["start"].startswith("2026-01-01")
    assert body["metrics"]["recovery"]["recoveryRate"] == 0.0
    # No carts in either group: nothing to compare, so no figure and no interval.
    assert body["incrementality"]["incrementalRevenue"] is None
    assert body["incrementality"]["incrementalRevenueCi95"] is None
    assert Decimal(body["metrics"]["voice"]["revenueRecovered"]) == 0


def test_the_attribution_window_is_named_next_to_the_figures(session: Session, shop) -> None:
    client = _client(session, shop)
    default = client.get(f"{INTELLIGENCE}/overview").json()
    assert default["attribution"] == {"windowHours": 24, "label": "1-day click"}
    wider = client.get(f"{INTELLIGENCE}/recovery?attributionHours=72").json()
    assert wider["attribution"] == {"windowHours": 72, "label": "3-day click"}
    flow = client.get(f"{SAVE}/overview?attributionHours=6").json()
    assert flow["attribution"] == {"windowHours": 6, "label": "6-hour click"}


@pytest.mark.parametrize("hours", ["0", "721", "a-day", "1.5"])
def test_a_bad_attribution_window_is_422(session: Session, shop, hours: str) -> None:
    for path in (f"{INTELLIGENCE}/overview", f"{INTELLIGENCE}/recovery", f"{SAVE}/overview"):
        response = _client(session, shop).get(f"{path}?attributionHours={hours}")
        assert response.status_code == 422, response.text
        assert "attributionHours" in response.text
