"""Claude's complementary ranking: the real client against the fake Messages API, a real
database, and the shared cache that keeps the drawer from waiting on the model twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlmodel import Session, select

from cart_admin.channels.ai import AICompleter, TokenUsage
from cart_admin.domain.ai_budget import cost_usd
from cart_admin.domain.theming.model import ThemeUpsells
from cart_admin.domain.upsell import (
    AIComplementRanker,
    CoPurchaseRanker,
    recommend_upsells,
)
from cart_admin.domain.upsell.ai_ranking import (
    PENDING_FRESH,
    RANKINGS_PER_HOUR,
    RETRY_FAILED_AFTER,
    _claim,
    _Job,
    cache_key,
    drain,
)
from cart_admin.models import AIRankingCache, AIUsage, ContentSettings
from cart_admin.models.enums import AIPurpose, CartUpsellType
from cart_admin.models.types import utcnow
from cart_admin.settings import PROJECT_ROOT
from tests.factories import make_cart, make_company, make_product
from tests.fakes.anthropic_server import FakeAnthropicServer

MODEL = "claude-haiku-4-5"
RULE_ORDER = ["Grinder", "Mug", "Filter", "Scoop"]  # by sales: the candidates' numbers 1-4


@pytest.fixture(autouse=True)
def _no_background_request_outlives_the_test(db_url, anthropic_server):
    """Torn down before the database and the fake server: background work ends first."""
    yield
    assert drain(timeout=30), "a background ranking was still running"


@pytest.fixture
def shop(session: Session) -> SimpleNamespace:
    company = make_company(session)
    beans = make_product(
        session, company, name="Coffee beans", category="coffee", price="18.00", available=9
    )
    sales = {"Grinder": 40, "Mug": 30, "Filter": 20, "Scoop": 10}
    products = {
        name: make_product(
            session,
            company,
            name=name,
            description=f"A {name.lower()} for home brewing",
            category="equipment",
            price="12.50",
            sales_count=n,
            available=5,
        )
        for name, n in sales.items()
    }
    cart = make_cart(session, company, items=[(beans, 1)])
    return SimpleNamespace(
        company=company,
        beans=beans,
        products=products,
        candidates=list(products.values()),
        cart=cart,
    )


def _ranker(
    session: Session,
    shop: SimpleNamespace,
    server: FakeAnthropicServer,
    *,
    cart_id: str | None = None,
    wait: float = 10.0,
    now: datetime | None = None,
    request_timeout: float = 10.0,
) -> AIComplementRanker:
    return AIComplementRanker(
        session,
        company_id=shop.company.id,
        completer=AICompleter(api_key="test-key", model=MODEL, base_url=server.base_url),
        fallback=CoPurchaseRanker(
            session, company_id=shop.company.id, exclude_cart_id=cart_id or shop.cart.id
        ),
        wait_seconds=wait,
        now=now or utcnow(),
        request_timeout=request_timeout,
    )


def _rank(ranker: AIComplementRanker, shop: SimpleNamespace) -> list[str]:
    return [p.name for p in ranker.rank([shop.beans], shop.candidates)]


def _picks(*numbers: int) -> dict:
    return {"picks": [{"number": n, "reason": f"goes with coffee ({n})"} for n in numbers]}


def _cache_row(session: Session, shop: SimpleNamespace) -> AIRankingCache | None:
    session.expire_all()
    key = cache_key(MODEL, [shop.beans.id], [c.id for c in shop.candidates])
    return session.exec(
        select(AIRankingCache).where(
            AIRankingCache.company_id == shop.company.id, AIRankingCache.key == key
        )
    ).first()


def _usage(session: Session, shop: SimpleNamespace) -> list[AIUsage]:
    session.expire_all()
    return list(session.exec(select(AIUsage).where(AIUsage.company_id == shop.company.id)).all())


# --- Claude's order -------------------------------------------------------------------------


def test_claudes_picks_come_first_then_the_rule_order(session, shop, anthropic_server) -> None:
    anthropic_server.reply_json(_picks(3, 1))

    assert _rank(_ranker(session, shop, anthropic_server), shop) == [
        "Filter",
        "Grinder",
        "Mug",
        "Scoop",
    ]

    [request] = anthropic_server.requests
    assert request.model == MODEL
    assert "- Coffee beans" in request.prompt
    assert "1. Grinder - A grinder for home brewing (equipment, $12.50)" in request.prompt
    assert "4. Scoop - A scoop for home brewing (equipment, $12.50)" in request.prompt
    assert "3 candidates" in request.prompt and "reason" in request.prompt
    row = _cache_row(session, shop)
    assert row is not None and row.status == "ready"
    assert row.ranked_ids == [shop.products["Filter"].id, shop.products["Grinder"].id]
    [usage] = _usage(session, shop)
    assert (usage.purpose, usage.outcome, usage.model) == (AIPurpose.UPSELL_RANKING, "ok", MODEL)
    assert usage.input_tokens > 0 and usage.output_tokens > 0
    spent = TokenUsage(usage.input_tokens, usage.output_tokens)
    assert usage.cost_usd == cost_usd(MODEL, spent) > Decimal("0")


def test_the_drawer_shows_claudes_top_three(session, shop, anthropic_server) -> None:
    anthropic_server.reply_json(_picks(4, 3))

    [rec] = recommend_upsells(
        session,
        cart=shop.cart,
        free_shipping_threshold=None,
        upsell_settings=ThemeUpsells(types=(CartUpsellType.COMPLEMENTARY,)),
        ranker=_ranker(session, shop, anthropic_server),
    )

    assert [p.name for p in rec.products] == ["Scoop", "Filter", "Grinder"]


def test_unknown_and_repeated_numbers_are_ignored(session, shop, anthropic_server) -> None:
    anthropic_server.reply_json(_picks(9, 2, 2, 0, -1, 4, 2))

    assert _rank(_ranker(session, shop, anthropic_server), shop) == [
        "Mug",
        "Scoop",
        "Grinder",
        "Filter",
    ]
    row = _cache_row(session, shop)
    assert row is not None
    assert row.ranked_ids == [shop.products["Mug"].id, shop.products["Scoop"].id]


def test_a_ready_ranking_is_shared_by_carts_with_the_same_contents(
    session, shop, anthropic_server
) -> None:
    anthropic_server.reply_json(_picks(2))
    assert _rank(_ranker(session, shop, anthropic_server), shop)[0] == "Mug"

    other_cart = make_cart(session, shop.company, items=[(shop.beans, 3)])
    again = _ranker(session, shop, anthropic_server, cart_id=other_cart.id, wait=0.01)

    assert _rank(again, shop) == ["Mug", "Grinder", "Filter", "Scoop"]
    assert len(anthropic_server.requests) == 1
    assert len(_usage(session, shop)) == 1


def test_another_process_uses_the_same_cached_ranking(
    session, shop, anthropic_server, db_url
) -> None:
    anthropic_server.reply_json(_picks(4))
    assert _rank(_ranker(session, shop, anthropic_server), shop)[0] == "Scoop"

    script = """
import json, sys
from sqlmodel import Session
from cart_admin.channels.ai import AICompleter
from cart_admin.db import engine_for
from cart_admin.domain.upsell import AIComplementRanker, CoPurchaseRanker
from cart_admin.domain.upsell.ai_ranking import drain
from cart_admin.models import Product
from cart_admin.models.types import utcnow

args = json.loads(sys.argv[1])
with Session(engine_for(args["url"])) as session:
    beans = session.get(Product, args["beans"])
    candidates = [session.get(Product, i) for i in args["candidates"]]
    ranker = AIComplementRanker(
        session,
        company_id=args["company"],
        completer=AICompleter(api_key="k", model=args["model"], base_url=args["base_url"]),
        fallback=CoPurchaseRanker(session, company_id=args["company"]),
        wait_seconds=0.01,
        now=utcnow(),
    )
    print(json.dumps([p.name for p in ranker.rank([beans], candidates)]))
    drain()
"""
    args = {
        "url": db_url,
        "beans": shop.beans.id,
        "candidates": [c.id for c in shop.candidates],
        "company": shop.company.id,
        "model": MODEL,
        "base_url": anthropic_server.base_url,
    }
    done = subprocess.run(
        [sys.executable, "-c", script, json.dumps(args)],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": db_url},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    assert json.loads(done.stdout.strip().splitlines()[-1]) == [
        "Scoop",
        "Grinder",
        "Mug",
        "Filter",
    ]
    assert len(anthropic_server.requests) == 1


# --- failures: the rule ranking answers -----------------------------------------------------


@pytest.mark.parametrize("reply", ["not json {", '{"ranking": ["Mug"]}', '{"picks": "Mug"}'])
def test_a_malformed_reply_leaves_the_rule_order(session, shop, anthropic_server, reply) -> None:
    anthropic_server.reply_text(reply)

    assert _rank(_ranker(session, shop, anthropic_server), shop) == RULE_ORDER

    row = _cache_row(session, shop)
    assert row is not None and row.status == "failed"
    [usage] = _usage(session, shop)
    assert usage.outcome == "invalid"
    assert usage.input_tokens > 0 and usage.cost_usd > 0  # a bad reply still cost tokens


@pytest.mark.parametrize("status", [429, 500])
def test_http_errors_leave_the_rule_order(session, shop, anthropic_server, status) -> None:
    anthropic_server.reply_status(status)

    assert _rank(_ranker(session, shop, anthropic_server), shop) == RULE_ORDER

    row = _cache_row(session, shop)
    assert row is not None and row.status == "failed"
    [usage] = _usage(session, shop)
    assert (usage.outcome, usage.input_tokens, usage.output_tokens) == ("error", 0, 0)
    assert usage.cost_usd == 0


def test_a_failure_is_retried_after_a_few_minutes_not_on_every_request(
    session, shop, anthropic_server
) -> None:
    now = utcnow()
    anthropic_server.reply_status(500)
    assert _rank(_ranker(session, shop, anthropic_server, now=now), shop) == RULE_ORDER

    soon = now + RETRY_FAILED_AFTER - timedelta(seconds=5)
    assert _rank(_ranker(session, shop, anthropic_server, now=soon), shop) == RULE_ORDER
    assert len(anthropic_server.requests) == 1

    anthropic_server.reply_json(_picks(2))
    later = now + RETRY_FAILED_AFTER + timedelta(seconds=5)
    assert _rank(_ranker(session, shop, anthropic_server, now=later), shop)[0] == "Mug"
    assert len(anthropic_server.requests) == 2
    assert [u.outcome for u in sorted(_usage(session, shop), key=lambda u: u.created_at)] == [
        "error",
        "ok",
    ]


def test_a_fresh_pending_row_means_someone_is_asking(session, shop, anthropic_server) -> None:
    now = utcnow()
    key = cache_key(MODEL, [shop.beans.id], [c.id for c in shop.candidates])
    pending = AIRankingCache(
        company_id=shop.company.id, key=key, status="pending", created_at=now, updated_at=now
    )
    session.add(pending)
    session.commit()

    assert _rank(_ranker(session, shop, anthropic_server, now=now), shop) == RULE_ORDER
    assert anthropic_server.requests == []

    # A pending row nobody finished (its process died) is taken over once it is stale.
    anthropic_server.reply_json(_picks(3))
    stale = now + PENDING_FRESH + timedelta(seconds=1)
    assert _rank(_ranker(session, shop, anthropic_server, now=stale), shop)[0] == "Filter"
    assert len(anthropic_server.requests) == 1


def test_only_one_claim_wins(session, shop, anthropic_server) -> None:
    """Two processes asking for the same contents at once: the database picks one."""
    job = _Job(
        engine=session.get_bind(),
        completer=AICompleter(api_key="k", model=MODEL, base_url=anthropic_server.base_url),
        company_id=shop.company.id,
        key="k" * 64,
        prompt="",
        numbered=(),
        now=utcnow(),
        started=time.monotonic(),
        timeout=1.0,
    )
    assert _claim(job) is True
    assert _claim(job) is False


def test_concurrent_requests_for_one_cart_make_one_request(
    session, shop, anthropic_server, engine
) -> None:
    anthropic_server.reply_slowly(0.5, _picks(2))
    results: list[list[str]] = []

    def drawer() -> None:
        with Session(engine) as own:
            results.append(_rank(_ranker(own, shop, anthropic_server, wait=2.0), shop))

    threads = [threading.Thread(target=drawer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert len(results) == 4
    assert ["Mug", "Grinder", "Filter", "Scoop"] in results  # the one that asked waited for it
    assert all(r in (RULE_ORDER, ["Mug", "Grinder", "Filter", "Scoop"]) for r in results)
    assert len(anthropic_server.requests) == 1


# --- the wait budget ------------------------------------------------------------------------


def test_a_slow_reply_does_not_hold_the_drawer_and_serves_the_next_request(
    session, shop, anthropic_server
) -> None:
    anthropic_server.reply_slowly(1.5, _picks(4, 1))

    started = time.monotonic()
    first = _rank(_ranker(session, shop, anthropic_server, wait=0.2), shop)
    elapsed = time.monotonic() - started

    assert first == RULE_ORDER
    assert elapsed < 1.5  # it answered before Claude did
    assert drain(timeout=30)
    second = _rank(_ranker(session, shop, anthropic_server, wait=0.2), shop)
    assert second == ["Scoop", "Grinder", "Mug", "Filter"]
    assert len(anthropic_server.requests) == 1
    assert [u.outcome for u in _usage(session, shop)] == ["ok"]


def test_a_hang_past_the_request_timeout_is_a_failure(session, shop, anthropic_server) -> None:
    anthropic_server.reply_slowly(5.0, _picks(1))

    ranker = _ranker(session, shop, anthropic_server, wait=0.1, request_timeout=0.5)
    assert _rank(ranker, shop) == RULE_ORDER
    assert drain(timeout=30)

    row = _cache_row(session, shop)
    assert row is not None and row.status == "failed"
    assert [(u.outcome, u.input_tokens) for u in _usage(session, shop)] == [("error", 0)]


# --- no budget, no request ------------------------------------------------------------------


def test_a_spent_budget_makes_no_request(session, shop, anthropic_server) -> None:
    now = utcnow()
    session.add(ContentSettings(company_id=shop.company.id, monthly_token_budget=5_000))
    for _ in range(2):
        session.add(
            AIUsage(
                company_id=shop.company.id,
                purpose=AIPurpose.CONTENT,
                model=MODEL,
                input_tokens=2_000,
                output_tokens=500,
                created_at=now,
            )
        )
    session.commit()
    anthropic_server.reply_json(_picks(2))

    assert _rank(_ranker(session, shop, anthropic_server, now=now), shop) == RULE_ORDER
    assert anthropic_server.requests == []
    assert _cache_row(session, shop) is None


def test_ai_switched_off_makes_no_request(session, shop, anthropic_server) -> None:
    session.add(ContentSettings(company_id=shop.company.id, ai_enabled=False))
    session.commit()
    anthropic_server.reply_json(_picks(2))

    assert _rank(_ranker(session, shop, anthropic_server), shop) == RULE_ORDER
    assert anthropic_server.requests == []


def test_no_candidates_no_request(session, shop, anthropic_server) -> None:
    ranker = _ranker(session, shop, anthropic_server)

    assert ranker.rank([shop.beans], []) == []
    assert anthropic_server.requests == []


def test_an_hours_rankings_are_capped_per_company(session, shop, anthropic_server) -> None:
    """Drawers are public: cycling cart contents cannot spend the company's tokens."""
    now = utcnow()
    for n in range(RANKINGS_PER_HOUR):
        session.add(AIRankingCache(company_id=shop.company.id, key=f"{n:064x}", status="ready",
                                   created_at=now - timedelta(minutes=30)))  # fmt: skip
    session.commit()
    anthropic_server.reply_json(_picks(2))
    assert _rank(_ranker(session, shop, anthropic_server, now=now), shop) == RULE_ORDER
    assert anthropic_server.requests == []
    later = now + timedelta(minutes=31)  # the hour has passed for all of them
    assert _rank(_ranker(session, shop, anthropic_server, now=later), shop) != RULE_ORDER
    assert len(anthropic_server.requests) == 1


def test_rankings_untouched_for_a_week_are_pruned(session, shop) -> None:
    from cart_admin.domain.upsell.ai_ranking import prune_cache

    now = utcnow()
    for n, age in enumerate((timedelta(days=8), timedelta(days=6), timedelta(0))):
        session.add(AIRankingCache(company_id=shop.company.id, key=f"{n:064x}", status="ready",
                                   created_at=now - age, updated_at=now - age))  # fmt: skip
    session.commit()
    assert prune_cache(session, now=now) == 1
    session.commit()
    kept = session.exec(select(AIRankingCache.key)).all()
    assert sorted(kept) == [f"{1:064x}", f"{2:064x}"]
