"""Churn tracking benchmark: sustained throughput and latency of the drawer's signal beacon.

    python bench/churn.py [--backend sqlite|postgres|both] [--seconds 10] [--concurrency 8]
        [--carts 200] [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432]

Measures `POST /api/momentum/cart-save/churn/track?key=<page public key>` on loopback, once
per database:

- sqlite: a migrated file in a temporary folder;
- postgres: a fresh database `bench_churn_<random>` on `--postgres-url`'s server, created
  from template0 (the admin connection goes to template1; the databases `postgres` and `test`
  are never touched) and dropped at the end.

Each is seeded with the demo merchant (`cart_admin.demo.generator.seed_demo`: ~5,000 carts,
18,000 save-flow interventions, so the tables and their indexes are not empty), then
`--carts` open carts with 1-3 items are created through the public API
(`POST /api/public/{key}/carts`, `.../carts/{token}/items`) on the demo's `shop` page.

The server is uvicorn (one process, as one web worker; access log off) on 127.0.0.1 in a
subprocess, so the client's threads do not share its interpreter lock. It serves
`create_api()` wrapped in the `StorefrontGuard` production has (origin check against the
page's allowed origins, body limit, text/plain read as JSON), but built with a permissive
`SlidingWindowLimiter(limit=10**9, window=60)` instead of the default 240 requests/min per
client: the bench measures the endpoint, not the limiter.

The client is `--concurrency` threads, each with one keep-alive connection (stdlib
`http.client`: lighter than httpx, so on a small machine the client takes less CPU from the
server and the database it shares the cores with), sending what
churn.js sends: `text/plain;charset=UTF-8` bodies with `Origin:` the storefront's (so the
guard does its per-request origin lookup), 1-5 signals from a realistic mix with the data the
drawer attaches, across the carts. A tab session lasts 3-40 batches and ends with a
`final: true` beacon carrying TAB_CLOSE_ATTEMPT (what the drawer sends on pagehide); the next
batch for that cart starts a new session id, so the 500-events-per-session cap never turns
the endpoint into a no-op. A 2 s warm-up precedes each measurement of `--seconds`.

The baseline is a bare FastAPI `POST /bench/bare` route added to the same app in the same
server process (outside the guard's storefront paths): it parses the same JSON bodies (sent
as application/json) and returns a small JSON. Same client, concurrency and duration.

Printed per database: requests/s, events/s (the sum of the responses' `recorded`; for the
baseline, the signals it parsed), p50 and p99 latency of both, the ratios churn/track to the
baseline, and the checkout_churn_events and checkout_interventions rows the run wrote (the
events must equal the sum of `recorded` over warm-up and measurement).

The server is CPU-bound in both measurements (one Python process), so the absolute figures
follow the machine and whatever else runs on it; the ratios, measured minutes apart in the
same process with the same client, move less.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import Body

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432"
ORIGIN = "https://bluebird-roasters.example"  # listed in the demo page's allowed origins
WARMUP_SECONDS = 2.0
TRACK_PATH = "/api/momentum/cart-save/churn/track?key={key}"
BARE_PATH = "/bench/bare"

# What the drawer reports most often first; the data it attaches (see cart_admin/embed/churn.js).
MIX: list[tuple[str, int, Callable[[random.Random], dict]]] = [
    ("TAB_SWITCHING", 24, lambda r: {"awaySeconds": r.randint(4, 600)}),
    ("IDLE_TIMEOUT", 14, lambda r: {"seconds": 120}),
    ("MOUSE_EXIT_INTENT", 12, lambda r: {"touch": True} if r.random() < 0.4 else {}),
    ("LONG_FORM_TIME", 8, lambda r: {"minutes": round(r.uniform(5, 12), 1)}),
    ("DISCOUNT_CODE_FAILURE", 8, lambda r: {"attempt": 1, "length": r.randint(4, 12)}),
    ("SHIPPING_COST_SHOCK", 6, lambda r: {"itemsRemoved": 1, "shippingCost": "6.95"}),
    ("POLICY_PAGE_VISIT", 6, lambda r: {"path": r.choice(["/policies/refund", "/shipping"])}),
    ("FAQ_VISIT", 5, lambda r: {"path": "/pages/faq"}),
    ("BACK_BUTTON", 5, lambda r: {}),
    ("FORM_FIELD_ERRORS", 5, lambda r: {"field": r.choice(["zip", "email", "phone"])}),
    ("DISCOUNT_HUNTING", 3, lambda r: {"attempts": 2}),
    ("ADDRESS_ISSUES", 2, lambda r: {"reason": "unverified"}),
    ("PAYMENT_DECLINED", 2, lambda r: {"code": "card_declined"}),
]


# --- databases -------------------------------------------------------------------------------


def _pg_admin(server_url: str):
    import sqlalchemy as sa

    return sa.create_engine(f"{server_url}/template1", isolation_level="AUTOCOMMIT")


def _postgres_reachable(server_url: str) -> bool:
    import sqlalchemy as sa

    engine = _pg_admin(server_url)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return True
    except Exception:
        return False
    finally:
        engine.dispose()


def _create_postgres(server_url: str) -> str:
    import sqlalchemy as sa

    name = f"bench_churn_{secrets.token_hex(4)}"
    engine = _pg_admin(server_url)
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
    engine.dispose()
    return f"{server_url}/{name}"


def _drop_postgres(url: str) -> None:
    import sqlalchemy as sa

    server_url, name = url.rsplit("/", 1)
    assert name.startswith("bench_churn_"), name
    engine = _pg_admin(server_url)
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def _seed(url: str) -> tuple[str, float]:
    """Migrate and seed the demo merchant; the shop page's public key and the seconds taken."""
    from alembic import command
    from alembic.config import Config
    from sqlmodel import Session, col, select

    from cart_admin.db import engine_for
    from cart_admin.demo.generator import seed_demo
    from cart_admin.models import LandingPage
    from cart_admin.models.types import utcnow

    started = time.perf_counter()
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = url
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")
    engine = engine_for(url)
    with Session(engine) as session:
        seed_demo(session, now=utcnow())
        session.commit()
    with Session(engine) as session:
        key = session.exec(
            select(LandingPage.public_key).where(col(LandingPage.slug) == "shop")
        ).one()
    return key, time.perf_counter() - started


def _row_counts(url: str) -> tuple[int, int]:
    from sqlmodel import Session, func, select

    from cart_admin.db import engine_for
    from cart_admin.models import CheckoutChurnEvent, CheckoutIntervention

    engine = engine_for(url)
    with Session(engine) as session:
        events = session.exec(select(func.count()).select_from(CheckoutChurnEvent)).one()
        shown = session.exec(select(func.count()).select_from(CheckoutIntervention)).one()
    engine.dispose()
    return events, shown


# --- the server ------------------------------------------------------------------------------


def _bare(body: Annotated[dict[str, Any], Body()]) -> dict[str, int]:
    """The baseline: FastAPI parses the JSON body (in its thread pool, as churn/track's)."""
    return {"riskScore": 0, "recorded": len(body.get("signals", []))}


def _serve(port: int) -> None:
    """The server process: the API behind the storefront guard, plus the bare baseline route."""
    import uvicorn

    from cart_admin.api.app import create_api
    from cart_admin.api.storefront_guard import SlidingWindowLimiter, StorefrontGuard

    api = create_api()
    api.add_api_route(BARE_PATH, _bare, methods=["POST"])
    guard = StorefrontGuard(api, limiter=SlidingWindowLimiter(limit=10**9, window=60))
    uvicorn.run(guard, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_server(url: str) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SCHEDULER": "off",
        "DEMO_DATA": "false",
        "LOG_LEVEL": "WARNING",
        "ENABLE_CHURN_DETECTION": "true",
    }
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(port)], cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/health")
            if conn.getresponse().status == 200:
                conn.close()
                return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start within 60 s")


def _stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# --- the client ------------------------------------------------------------------------------


def _post(conn: http.client.HTTPConnection, path: str, body: bytes, headers: dict) -> tuple:
    conn.request("POST", path, body=body, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def _make_carts(port: int, key: str, count: int, workers: int) -> list[str]:
    """`count` open carts with 1-3 items each, through the public API."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", f"/api/public/{key}/products")
    catalog = json.loads(conn.getresponse().read())["items"]
    conn.close()
    # Products with stock to spare; one of each in a cart, and a sold-out answer skipped.
    products = [p["id"] for p in catalog if p.get("available") is None or p["available"] >= 40]
    json_headers = {"Content-Type": "application/json", "Origin": ORIGIN}
    tokens: list[str] = []
    lock = threading.Lock()

    def run(worker: int) -> None:
        rng = random.Random(1000 + worker)
        client = http.client.HTTPConnection("127.0.0.1", port)
        for _ in range(worker, count, workers):
            status, data = _post(client, f"/api/public/{key}/carts", b"", json_headers)
            assert status == 201, (status, data)
            token = json.loads(data)["token"]
            for product in rng.sample(products, rng.randint(1, 3)):
                body = json.dumps({"product_id": product, "quantity": 1}).encode()
                path = f"/api/public/{key}/carts/{token}/items"
                status, data = _post(client, path, body, json_headers)
                assert status == 200 or b"sold out" in data, (status, data)
            with lock:
                tokens.append(token)
        client.close()

    threads = [threading.Thread(target=run, args=(w,)) for w in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(tokens)


@dataclass
class Tab:
    """One cart's current browser tab: its session id and how many batches it has left."""

    session_id: str
    left: int


@dataclass
class Shopper:
    """One client thread's share of the carts and the batches it sends about them."""

    carts: list[str]
    rng: random.Random
    tabs: dict[str, Tab] = field(default_factory=dict)
    turn: int = 0

    def batch(self) -> dict:
        token = self.carts[self.turn % len(self.carts)]
        self.turn += 1
        tab = self.tabs.get(token)
        if tab is None or tab.left <= 0:
            tab = self.tabs[token] = Tab(secrets.token_urlsafe(12), self.rng.randint(3, 40))
        tab.left -= 1
        names = [name for name, _, _ in MIX]
        weights = [weight for _, weight, _ in MIX]
        picked = self.rng.choices(range(len(MIX)), weights, k=self.rng.randint(1, 5))
        signals = [{"signal": names[i], "data": MIX[i][2](self.rng)} for i in picked]
        final = tab.left == 0
        if final:
            signals.append({"signal": "TAB_CLOSE_ATTEMPT", "data": {}})
        return {"cartToken": token, "sessionId": tab.session_id, "signals": signals, "final": final}


@dataclass
class Result:
    seconds: float = 0.0
    requests: int = 0
    events: int = 0
    interventions: int = 0
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _load(port: int, path: str, content_type: str, shoppers: list[Shopper], seconds: float):
    """Every shopper's thread posts batches back to back for `seconds`."""
    headers = {"Content-Type": content_type, "Origin": ORIGIN}
    total = Result()
    lock = threading.Lock()
    start_line = threading.Barrier(len(shoppers) + 1)
    ends: list[float] = []

    def run(shopper: Shopper) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        mine = Result()
        start_line.wait()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            body = json.dumps(shopper.batch(), separators=(",", ":")).encode()
            began = time.perf_counter()
            status, data = _post(conn, path, body, headers)
            mine.latencies.append(time.perf_counter() - began)
            if status != 200:
                mine.errors.append(f"{status} {data[:200]!r}")
                continue
            answer = json.loads(data)
            mine.requests += 1
            mine.events += answer["recorded"]
            mine.interventions += answer.get("intervention") is not None
        conn.close()
        with lock:
            ends.append(time.perf_counter())
            total.requests += mine.requests
            total.events += mine.events
            total.interventions += mine.interventions
            total.errors += mine.errors
            total.latencies += mine.latencies

    threads = [threading.Thread(target=run, args=(s,)) for s in shoppers]
    for thread in threads:
        thread.start()
    start_line.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    total.seconds = max(ends) - began
    return total


# --- one database ----------------------------------------------------------------------------


def _bench(url: str, args: argparse.Namespace) -> None:
    kind = url.split(":", 1)[0].split("+", 1)[0]
    began = time.perf_counter()
    key, seeding = _seed(url)
    events_before, shown_before = _row_counts(url)
    proc, port = _start_server(url)
    try:
        carts = _make_carts(port, key, args.carts, args.concurrency)
        shoppers = [
            Shopper(carts[w :: args.concurrency], random.Random(w)) for w in range(args.concurrency)
        ]
        track = TRACK_PATH.format(key=key)
        beacon = "text/plain;charset=UTF-8"
        warm = _load(port, track, beacon, shoppers, WARMUP_SECONDS)
        churn = _load(port, track, beacon, shoppers, args.seconds)
        _load(port, BARE_PATH, "application/json", shoppers, WARMUP_SECONDS)
        bare = _load(port, BARE_PATH, "application/json", shoppers, args.seconds)
    finally:
        _stop_server(proc)
    events_after, shown_after = _row_counts(url)
    events, shown = events_after - events_before, shown_after - shown_before
    recorded = warm.events + churn.events

    print(
        f"\n{kind}: {len(carts)} carts, concurrency {args.concurrency}, {args.seconds:g} s each "
        f"(seed {seeding:.1f} s, run {time.perf_counter() - began:.1f} s)"
    )
    print(f"  {'':22s} {'req/s':>9s} {'events/s':>10s} {'p50 ms':>8s} {'p99 ms':>8s}")
    for name, result in (("churn/track", churn), ("bare FastAPI POST", bare)):
        print(
            f"  {name:22s} {result.requests / result.seconds:9,.0f} "
            f"{result.events / result.seconds:10,.0f} "
            f"{result.percentile(0.5) * 1000:8.2f} {result.percentile(0.99) * 1000:8.2f}"
        )
    c_rate, b_rate = churn.requests / churn.seconds, bare.requests / bare.seconds
    print(
        f"  {'ratio track/bare':22s} {c_rate / b_rate:9.2f} "
        f"{(churn.events / churn.seconds) / (bare.events / bare.seconds):10.2f} "
        f"{churn.percentile(0.5) / bare.percentile(0.5):7.1f}x "
        f"{churn.percentile(0.99) / bare.percentile(0.99):7.1f}x"
    )
    print(
        f"  rows written: {events:,} checkout_churn_events "
        f"({'=' if events == recorded else '!='} {recorded:,} recorded), "
        f"{shown:,} checkout_interventions "
        f"({warm.interventions + churn.interventions:,} answered)"
    )
    for name, result in (("churn/track", churn), ("bare", bare), ("warm-up", warm)):
        if result.errors:
            print(f"  {name}: {len(result.errors)} errors, first: {result.errors[0]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default=None)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--carts", type=int, default=200)
    parser.add_argument("--postgres-url", default=DEFAULT_PG, help="server URL, no database")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        _serve(args.serve)
        return
    server_url = args.postgres_url.rstrip("/")
    backend = args.backend
    if backend is None:
        backend = "both" if _postgres_reachable(server_url) else "sqlite"
        if backend == "sqlite":
            print(f"PostgreSQL not reachable at {server_url}: SQLite only")
    started = time.perf_counter()
    if backend in ("sqlite", "both"):
        folder = tempfile.mkdtemp(prefix="cart-admin-churn-")
        try:
            _bench(f"sqlite:///{folder}/bench.db", args)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    if backend in ("postgres", "both"):
        url = _create_postgres(server_url)
        try:
            _bench(url, args)
        finally:
            from cart_admin.db import engine_for

            engine_for(url).dispose()
            _drop_postgres(url)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
