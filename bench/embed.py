"""Embed benchmark: script size, time to an interactive drawer, and serving throughput.

    python bench/embed.py [--requests 2000]

Serves the API (embed, public cart API, demo store) and a static file from one uvicorn
server on 127.0.0.1 over a fresh demo database, then prints:
- the script's size raw and gzipped (goal: <= 18 KB gzipped, churn signals included);
- time from the script tag starting to load until `MomentumCart.ready` resolves, in headless
  Chromium (median of several loads);
- requests/s of GET /embed/{key}.js against GET of a plain static file from the same server,
  and their ratio (measured in the same process, same client, same connection count).
"""

from __future__ import annotations

import argparse
import gzip
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _prepare_database() -> str:
    folder = tempfile.mkdtemp(prefix="cart-admin-bench-")
    url = f"sqlite:///{folder}/bench.db"
    os.environ["DATABASE_URL"] = url
    from alembic import command
    from alembic.config import Config
    from sqlmodel import Session

    from cart_admin.db import engine_for
    from cart_admin.demo.generator import seed_demo
    from cart_admin.models.types import utcnow

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = url
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")
    with Session(engine_for(url)) as session:
        seed_demo(session, now=utcnow())
        session.commit()
    return url


def _serve(port: int):
    import uvicorn
    from starlette.staticfiles import StaticFiles

    from cart_admin.api.app import create_api
    from cart_admin.api.storefront_guard import StorefrontGuard

    api = create_api()
    api.mount("/", StaticFiles(directory=str(ROOT / "assets")), name="assets")
    server = uvicorn.Server(
        uvicorn.Config(StorefrontGuard(api), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return server


def _throughput(url: str, total: int, workers: int = 8) -> float:
    import httpx

    per_worker = total // workers

    def run(_: int) -> None:
        with httpx.Client(headers={"Accept-Encoding": "gzip"}) as client:
            for _ in range(per_worker):
                response = client.get(url)
                assert response.status_code == 200, response.status_code

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(run, range(workers)))
    return per_worker * workers / (time.perf_counter() - start)


def _time_to_interactive(base: str, loads: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for _ in range(loads):
            context = browser.new_context()
            page = context.new_page()
            page.goto(f"{base}/demo/store/shop", wait_until="domcontentloaded")
            page.wait_for_function("window.MomentumCart && window.MomentumCart.ready")
            elapsed = page.evaluate(
                """async () => {
                    await MomentumCart.ready;
                    const done = performance.now();
                    const entry = performance.getEntriesByType('resource')
                        .find((e) => e.name.includes('/embed/'));
                    return done - entry.startTime;
                }"""
            )
            results.append(elapsed)
            context.close()
        browser.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--loads", type=int, default=7)
    args = parser.parse_args()

    _prepare_database()
    from sqlmodel import Session, col, select

    from cart_admin.db import get_engine
    from cart_admin.models import LandingPage

    with Session(get_engine()) as session:
        key = session.exec(
            select(LandingPage.public_key).where(col(LandingPage.slug) == "shop")
        ).one()
    port = _free_port()
    server = _serve(port)
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        raw = httpx.get(f"{base}/embed/{key}.js", headers={"Accept-Encoding": "identity"}).content
        zipped = len(gzip.compress(raw, compresslevel=9))
        print(f"embed script: {len(raw):,} B raw, {zipped:,} B gzipped (goal <= 18,432 B)")

        times = _time_to_interactive(base, args.loads)
        print(
            f"script tag to interactive drawer: median {statistics.median(times):.0f} ms "
            f"(min {min(times):.0f}, max {max(times):.0f}; {len(times)} loads)"
        )

        static = _throughput(f"{base}/favicon.svg", args.requests)
        embed = _throughput(f"{base}/embed/{key}.js", args.requests)
        print(f"GET static file: {static:,.0f} req/s")
        print(f"GET /embed/{{key}}.js: {embed:,.0f} req/s  (ratio to static: {embed / static:.2f})")
    finally:
        server.should_exit = True


if __name__ == "__main__":
    main()
