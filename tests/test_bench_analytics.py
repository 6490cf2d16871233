"""bench/analytics.py cannot rot: its generator on a tiny shop (2,000 carts) and its
measurement of every analytics endpoint over real HTTP, on the PostgreSQL test database (the
generator is PostgreSQL SQL; skipped without TEST_DATABASE_URL)."""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, datetime, timedelta
from types import ModuleType

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

from cart_admin.db import engine_for
from cart_admin.models.types import utcnow
from cart_admin.settings import PROJECT_ROOT
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs TEST_DATABASE_URL (PostgreSQL)")

CARTS = 2000


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bench_analytics", PROJECT_ROOT / "bench" / "analytics.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _orphans(conn: sa.Connection) -> dict[str, int]:
    """Rows whose foreign key points nowhere (the generator loads with the FK triggers off)."""
    found = {}
    for table in SQLModel.metadata.sorted_tables:
        for fk in table.foreign_keys:
            child, parent = fk.parent, fk.column
            n = conn.execute(
                sa.text(
                    f'SELECT count(*) FROM "{table.name}" AS c WHERE c."{child.name}" IS NOT NULL '
                    f'AND NOT EXISTS (SELECT 1 FROM "{parent.table.name}" AS p '
                    f'WHERE p."{parent.name}" = c."{child.name}")'
                )
            ).scalar_one()
            if n:
                found[f"{table.name}.{child.name}"] = n
    return found


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_generates_a_shop_and_measures_every_endpoint(db_url: str) -> None:
    bench = _bench()
    now = utcnow().replace(microsecond=0)
    data = bench.generate(db_url, CARTS, now=now, log=lambda line: None)

    company = bench.COMPANY_IDS["a"]
    assert data.rows["carts"] == CARTS + CARTS // bench.SECOND_COMPANY_SHARE
    with engine_for(db_url).connect() as conn:
        assert _orphans(conn) == {}
        carts, abandoned, oldest = conn.execute(
            sa.text(
                "SELECT count(*), count(abandoned_at), min(created_at) FROM carts "
                "WHERE company_id = :c"
            ),
            {"c": company},
        ).one()
        attempts, holdout, recovered = conn.execute(
            sa.text(
                "SELECT count(*), count(*) FILTER (WHERE is_holdout), "
                "count(recovered_value) FROM cart_save_attempts WHERE company_id = :c"
            ),
            {"c": company},
        ).one()
        channels = set(
            conn.execute(sa.text("SELECT DISTINCT channel FROM cart_interventions")).scalars()
        )
    # The demo's proportions: ~70% abandoned, one attempt each, a 10% holdout, some recovered.
    assert carts == CARTS and attempts == abandoned and 0.6 < abandoned / carts < 0.8
    assert 0.05 < holdout / attempts < 0.16 and 0.08 < recovered / attempts < 0.3
    assert oldest >= now - timedelta(days=365)
    assert channels == {"EMAIL", "SMS", "PUSH", "VOICE", "IN_APP"}
    for table in ("checkout_interventions", "cart_trigger_impressions", "cart_upsell_offers",
                  "cart_voice_calls", "discount_codes"):  # fmt: skip
        assert data.rows[table] > 0, table

    ranges = bench.ranges_ending(now.date(), [30, 365])
    with bench.Server() as server:
        results = bench.measure(server.port, bench.api_key(db_url), ranges, repeat=1)
    assert set(results) == {*bench.ENDPOINTS, bench.BASELINE}
    assert all(
        t.status == 200 and len(t.samples) == 1 for r in results.values() for t in r.values()
    )
    # The endpoints count this company's rows only, the baseline the same carts as SQL.
    first, _ = ranges[365]
    start = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
    with engine_for(db_url).connect() as conn:
        in_range = conn.execute(
            sa.text(
                "SELECT count(*) FILTER (WHERE created_at >= :s), "
                "count(*) FILTER (WHERE abandoned_at >= :s) FROM carts WHERE company_id = :c"
            ),
            {"c": company, "s": start},
        ).one()
    assert results[bench.BASELINE][365].body == {"carts": in_range[0]}
    assert (
        results["cart-save/analytics/overview"][365].body["recovery"]["totalAbandoned"]
        == (in_range[1])
    )
    sql = bench.sql_count_times(db_url, ranges, 1)
    assert sql[365][1] == in_range[0]
    lines = bench.report(results, sql, [30, 365])
    assert len(lines) == 2 + len(bench.ENDPOINTS) + 1 + 2
