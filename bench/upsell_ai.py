"""Upsell ranking benchmark: latency of the drawer's recommendations endpoint.

    python bench/upsell_ai.py [--requests 200] [--slow-requests 30] [--database-url URL]

Calls `GET /api/momentum/cart-upsell/{token}/recommendations` in-process (FastAPI's
TestClient, no network hop) over a fresh SQLite database (or the PostgreSQL database given,
which it wipes) with a 40-product catalog, and prints median and p99 latency for:

- rule: no ANTHROPIC_API_KEY, the co-purchase ranking only;
- AI cached: a key is set and Claude's ranking of this cart is already in the cache;
- AI 0.3 s: every request misses the cache and a local fake Messages API answers after
  0.3 s (under AI_UPSELL_WAIT_SECONDS, so the request waits for it);

each with its ratio to the rule path.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SLOW_REPLY_SECONDS = 0.3


def _prepare(url: str) -> None:
    import sqlalchemy as sa
    from alembic import command
    from alembic.config import Config

    from cart_admin.db import engine_for

    if url.startswith("postgresql"):
        with engine_for(url).begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = url
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")


def _shop(url: str):
    """A company with a landing page, 40 products in stock, and one cart holding two."""
    from decimal import Decimal

    from fastapi.testclient import TestClient
    from sqlmodel import Session

    from cart_admin.api.app import create_api
    from cart_admin.db import engine_for
    from cart_admin.models import Company, Inventory, LandingPage, Product

    with Session(engine_for(url), expire_on_commit=False) as session:
        company = Company(name="Bench Coffee", slug="bench-coffee")
        session.add(company)
        session.flush()
        page = LandingPage(
            company_id=company.id,
            name="Bench",
            slug="bench",
            public_key="pk_bench",
            allowed_origins=["https://shop.example"],
        )
        products = [
            Product(
                company_id=company.id,
                sku=f"B-{i}",
                name=f"Product {i}",
                description=f"Something for coffee lovers, number {i}",
                category=("coffee", "gear", "tea", "gifts")[i % 4],
                price=Decimal("9.99") + i,
                sales_count=100 - i,
            )
            for i in range(40)
        ]
        session.add(page)
        session.add_all(products)
        session.flush()
        session.add_all(
            Inventory(company_id=company.id, product_id=p.id, available=50) for p in products
        )
        session.commit()
    api = TestClient(create_api())
    token = api.post("/api/public/pk_bench/carts").json()["token"]
    for product in products[:2]:
        api.post(f"/api/public/pk_bench/carts/{token}/items", json={"product_id": product.id})
    return api, token


def _timed(api, token: str, n: int, before=None) -> list[float]:
    path = f"/api/momentum/cart-upsell/{token}/recommendations"
    times = []
    for _ in range(n):
        if before is not None:
            before()
        started = time.perf_counter()
        response = api.get(path)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
    return times


def _summary(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p99 * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--slow-requests", type=int, default=30)
    parser.add_argument("--database-url", default="", help="a PostgreSQL database to wipe")
    args = parser.parse_args()

    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='cart-admin-bench-')}/b.db"
    os.environ["DATABASE_URL"] = url
    os.environ.pop("ANTHROPIC_API_KEY", None)
    os.environ["SCHEDULER"] = "off"
    import sqlalchemy as sa

    from cart_admin.db import engine_for
    from cart_admin.domain.upsell.ai_ranking import drain
    from cart_admin.models import AIRankingCache
    from cart_admin.settings import get_settings
    from tests.fakes.anthropic_server import FakeAnthropicServer

    get_settings.cache_clear()
    url = get_settings().database_url
    _prepare(url)
    api, token = _shop(url)
    picks = {"picks": [{"number": n, "reason": "goes well"} for n in (5, 2, 9)]}

    def clear_cache() -> None:
        with engine_for(url).begin() as conn:
            conn.execute(sa.delete(AIRankingCache))

    results: dict[str, list[float]] = {}
    _timed(api, token, 20)  # warm up
    results["rule"] = _timed(api, token, args.requests)

    with FakeAnthropicServer() as server:
        os.environ["ANTHROPIC_API_KEY"] = "bench-key"
        os.environ["ANTHROPIC_BASE_URL"] = server.base_url
        get_settings.cache_clear()
        server.reply_json(picks)
        _timed(api, token, 20)  # the first asks Claude, the rest read the cache
        assert drain()
        assert len(server.requests) == 1, "the cached path asked Claude again"
        results["AI cached"] = _timed(api, token, args.requests)

        for _ in range(args.slow_requests):
            server.reply_slowly(SLOW_REPLY_SECONDS, picks)
        results[f"AI {SLOW_REPLY_SECONDS} s"] = _timed(
            api, token, args.slow_requests, before=clear_cache
        )
        assert drain()

    base, _ = _summary(results["rule"])
    dialect = url.split(":", 1)[0].split("+", 1)[0]
    print(f"recommendations endpoint on {dialect}, in-process")
    for name, times in results.items():
        median, p99 = _summary(times)
        print(
            f"{name:>10}: median {median:7.2f} ms   p99 {p99:7.2f} ms   "
            f"x{median / base:.2f} of rule   ({len(times)} requests)"
        )


if __name__ == "__main__":
    main()
