"""A real Cart Admin process (`reflex run --env prod`) on a free port, and headless Chromium.

The app serves a fresh SQLite database filled by the demo generator, so the pages show
realistic figures that the tests recompute from the same database.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from cart_admin.db import engine_for
from cart_admin.demo.generator import seed_demo
from cart_admin.models.types import utcnow
from cart_admin.settings import PROJECT_ROOT
from tests.conftest import migrate

CHROMIUM = "/usr/bin/chromium"
START_TIMEOUT_S = 420
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


@dataclass(frozen=True)
class LiveApp:
    base_url: str
    database_url: str
    log_path: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _app_env(database_url: str, base_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join(
        [
            str(PROJECT_ROOT / ".tools/node_modules/.bin"),
            str(PROJECT_ROOT / ".venv/bin"),
            env["PATH"],
        ]
    )
    env.update(
        DATABASE_URL=database_url,
        APP_URL=base_url,  # recovery links and e-mails point at this app
        SCHEDULER="off",
        REFLEX_TELEMETRY_ENABLED="false",
        REFLEX_CHECK_LATEST_VERSION="false",
        REFLEX_HTTP_CLIENT_BIND_ADDRESS="0.0.0.0",
    )
    return env


def _wait_until_serving(base_url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"app exited early:\n{log_path.read_text()[-4000:]}")
        try:
            health = httpx.get(f"{base_url}/api/health", timeout=2)
            if health.status_code == 200 and httpx.get(f"{base_url}/login/").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise RuntimeError(f"app did not start in {START_TIMEOUT_S}s:\n{log_path.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: run `make test` (it installs Debian's chromium)")
    folder = tmp_path_factory.mktemp("live")
    database_url = f"sqlite:///{folder / 'live.db'}"
    migrate(database_url)
    with Session(engine_for(database_url)) as session:
        seed_demo(session, now=utcnow())
        session.commit()
    port = _free_port()
    base_url = f"http://localhost:{port}"
    log_path = folder / "app.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            ["reflex", "run", "--env", "prod", "--frontend-port", str(port)],
            cwd=PROJECT_ROOT,
            env=_app_env(database_url, base_url),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_serving(base_url, process, log_path)
        yield LiveApp(base_url, database_url, log_path)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Keep a picture of what the test saw (under test-artifacts/, ignored by git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
