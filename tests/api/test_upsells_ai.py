"""The drawer's recommendations with Claude's ranking: settings point the real client at the
fake Messages API; the drawer never waits on the model longer than AI_UPSELL_WAIT_SECONDS."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from cart_admin.api.app import create_api
from cart_admin.domain.upsell.ai_ranking import drain
from cart_admin.models import AIRankingCache, AIUsage
from cart_admin.models.content import DEFAULT_MONTHLY_TOKEN_BUDGET
from cart_admin.models.enums import AIPurpose
from cart_admin.models.types import utcnow
from cart_admin.settings import get_settings
from tests.factories import make_company, make_landing_page, make_product

RULE_ORDER = ["Grinder", "Mug", "Filter"]  # the top three by sales; numbers 1-4 with Scoop


@pytest.fixture(autouse=True)
def _no_background_request_outlives_the_test(db_url, anthropic_server):
    """Torn down before the database and the fake server: background work ends first."""
    yield
    assert drain(timeout=30), "a background ranking was still running"


@pytest.fixture
def drawer(session: Session) -> SimpleNamespace:
    company = make_company(session)
    page = make_landing_page(session, company)
    beans = make_product(session, company, name="Coffee beans", category="coffee", available=9)
    for name, sales in {"Grinder": 40, "Mug": 30, "Filter": 20, "Scoop": 10}.items():
        make_product(session, company, name=name, category="gear", sales_count=sales, available=5)
    api = TestClient(create_api())
    base = f"/api/public/{page.public_key}"
    token = api.post(f"{base}/carts").json()["token"]
    added = api.post(f"{base}/carts/{token}/items", json={"product_id": beans.id})
    assert added.status_code == 200
    return SimpleNamespace(company=company, api=api, token=token)


@pytest.fixture
def claude(monkeypatch, anthropic_server):
    """Settings with an API key and the fake server's address, as in production."""
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", anthropic_server.base_url)
    get_settings.cache_clear()
    yield anthropic_server
    get_settings.cache_clear()


def _complementary(drawer: SimpleNamespace) -> list[str]:
    response = drawer.api.get(
        f"/api/momentum/cart-upsell/{drawer.token}/recommendations",
        params={"excludeTypes": "FREE_SHIPPING_ADD,SHIPPING_PROTECTION"},
    )
    assert response.status_code == 200
    [rec] = response.json()
    assert rec["type"] == "COMPLEMENTARY"
    return [p["name"] for p in rec["products"]]


def _picks(*numbers: int) -> dict:
    return {"picks": [{"number": n, "reason": "brewed together"} for n in numbers]}


def test_without_a_key_the_rule_ranking_answers(drawer, monkeypatch, anthropic_server) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    get_settings.cache_clear()

    assert _complementary(drawer) == RULE_ORDER
    assert anthropic_server.requests == []


def test_claudes_picks_reorder_the_complementary_products(session, drawer, claude) -> None:
    claude.reply_json(_picks(4, 2))

    assert _complementary(drawer) == ["Scoop", "Mug", "Grinder"]

    [request] = claude.requests
    assert request.model == get_settings().anthropic_fast_model
    assert "- Coffee beans" in request.prompt and "4. Scoop" in request.prompt
    [usage] = session.exec(select(AIUsage).where(AIUsage.company_id == drawer.company.id)).all()
    assert usage.purpose == AIPurpose.UPSELL_RANKING and usage.outcome == "ok"
    assert usage.input_tokens > 0 and usage.cost_usd > 0
    # Cached: the drawer's next request asks nobody.
    assert _complementary(drawer) == ["Scoop", "Mug", "Grinder"]
    assert len(claude.requests) == 1


@pytest.mark.parametrize("status", [429, 500])
def test_claude_errors_leave_the_rule_ranking(drawer, claude, status) -> None:
    claude.reply_status(status)

    assert _complementary(drawer) == RULE_ORDER
    assert _complementary(drawer) == RULE_ORDER  # failed: not asked again at once
    assert len(claude.requests) == 1


def test_a_malformed_reply_leaves_the_rule_ranking(drawer, claude) -> None:
    claude.reply_text("Sure! I'd suggest the mug.")

    assert _complementary(drawer) == RULE_ORDER


def test_a_hang_answers_within_the_wait_and_the_next_request_gets_claudes_order(
    session, drawer, claude, monkeypatch
) -> None:
    monkeypatch.setenv("AI_UPSELL_WAIT_SECONDS", "0.3")
    get_settings.cache_clear()
    claude.reply_slowly(2.0, _picks(3))

    started = time.monotonic()
    first = _complementary(drawer)
    elapsed = time.monotonic() - started

    assert first == RULE_ORDER
    assert elapsed < 2.0  # answered before Claude did
    assert drain(timeout=30)
    row = session.exec(
        select(AIRankingCache).where(AIRankingCache.company_id == drawer.company.id)
    ).one()
    assert row.status == "ready"  # in the database: every process shares it
    assert _complementary(drawer) == ["Filter", "Grinder", "Mug"]
    assert len(claude.requests) == 1


def test_a_spent_budget_sends_nothing_to_claude(session, drawer, claude) -> None:
    session.add(
        AIUsage(
            company_id=drawer.company.id,
            purpose=AIPurpose.CONTENT,
            model="claude-sonnet-4-6",
            input_tokens=DEFAULT_MONTHLY_TOKEN_BUDGET,
            output_tokens=1,
            created_at=utcnow(),
        )
    )
    session.commit()
    claude.reply_json(_picks(4))

    assert _complementary(drawer) == RULE_ORDER
    assert claude.requests == []
