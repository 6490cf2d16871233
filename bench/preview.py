"""Theme editor benchmark: median time from an editor input to the preview's repaint.

    python bench/preview.py [--changes 15]

Starts the real app (`reflex run --env prod`) on a free port over a fresh demo database,
logs in as the demo owner in headless Chromium, opens the theme editor, and changes the
button colour through its colour picker again and again. For each change it measures, on the
page's shared clock (Date.now in the parent and in the same-origin iframe), the time from the
input to the first animation frame after the preview applied the new theme. The colour picker
has no debounce; the text fields add their 300 ms debounce on top of this.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _seed() -> str:
    from alembic import command
    from alembic.config import Config
    from sqlmodel import Session

    from cart_admin.db import engine_for
    from cart_admin.demo.generator import seed_demo
    from cart_admin.models.types import utcnow

    url = f"sqlite:///{tempfile.mkdtemp(prefix='cart-admin-bench-')}/bench.db"
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = url
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")
    with Session(engine_for(url)) as session:
        seed_demo(session, now=utcnow())
        session.commit()
    return url


def _start_app(url: str, port: int) -> subprocess.Popen:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join(
        [str(ROOT / ".tools/node_modules/.bin"), str(ROOT / ".venv/bin"), env["PATH"]]
    )
    env.update(DATABASE_URL=url, SCHEDULER="off", REFLEX_TELEMETRY_ENABLED="false",
               REFLEX_CHECK_LATEST_VERSION="false")  # fmt: skip
    return subprocess.Popen(
        ["reflex", "run", "--env", "prod", "--frontend-port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


def _wait(base: str, timeout: float = 420) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/login/", timeout=3).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise SystemExit("the app did not start")


def _measure(base: str, changes: int) -> list[float]:
    from playwright.sync_api import expect, sync_playwright

    from cart_admin.demo.generator import DEMO_EMAIL, DEMO_PASSWORD

    timings = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(f"{base}/login")
        page.locator("#email").fill(DEMO_EMAIL)
        page.locator("#password").fill(DEMO_PASSWORD)
        page.locator("#login-submit").click()
        expect(page.locator("#kpi-carts")).not_to_have_text("—", timeout=30_000)
        page.goto(f"{base}/themes/editor")
        expect(page.frame_locator("#theme-preview").locator('[data-ca="checkout"]')).to_be_visible(
            timeout=30_000
        )
        frame = next(f for f in page.frames if "/preview/landing-pages/" in f.url)
        frame.evaluate(
            """() => window.addEventListener('message', (e) => {
                if (e.data && e.data.type === 'cart-admin:theme')
                    requestAnimationFrame(() => requestAnimationFrame(() => {
                        window.__painted = Date.now(); }));
            })"""
        )
        picker = page.locator('input[type="color"]').nth(4)  # the button colour
        for i in range(changes):
            colour = f"#{(i * 37) % 200 + 20:02x}{(i * 91) % 200 + 20:02x}{(i * 53) % 200:02x}"
            frame.evaluate("window.__painted = 0")
            started = page.evaluate("Date.now()")
            picker.fill(colour)
            frame.wait_for_function("window.__painted > 0", timeout=10_000)
            timings.append(frame.evaluate("window.__painted") - started)
        browser.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=15)
    args = parser.parse_args()
    port = _free_port()
    app = _start_app(_seed(), port)
    try:
        base = f"http://localhost:{port}"
        _wait(base)
        timings = _measure(base, args.changes)
    finally:
        os.killpg(app.pid, signal.SIGTERM)
    print(
        f"editor input to preview repaint: median {statistics.median(timings):.0f} ms "
        f"(min {min(timings):.0f}, max {max(timings):.0f}; {len(timings)} changes)"
    )


if __name__ == "__main__":
    main()
