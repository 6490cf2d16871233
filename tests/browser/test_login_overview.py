"""The real app in headless Chromium: log in through the page, read the Overview's figures."""

from __future__ import annotations

import re

import httpx
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from sqlmodel import Session, select

from cart_admin.db import engine_for
from cart_admin.demo.generator import DEMO_EMAIL, DEMO_PASSWORD
from cart_admin.domain.overview import overview_figures
from cart_admin.models import AdminSession, ApiKey, Company, LandingPage
from cart_admin.models.types import utcnow
from cart_admin.ui import format as fmt
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def _log_in(page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/")
    expect(page).to_have_url(re.compile(r"/login"), timeout=30_000)
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("#login-submit").click()


def test_wrong_password_shows_a_clear_message(live_app, page) -> None:
    _log_in(page, live_app.base_url, DEMO_EMAIL, "not-the-password")

    expect(page.locator("#login-error")).to_have_text("Wrong e-mail or password.", timeout=15_000)
    expect(page).to_have_url(re.compile(r"/login"))


def test_login_shows_overview_figures_from_the_database(live_app, page) -> None:
    _log_in(page, live_app.base_url, DEMO_EMAIL, DEMO_PASSWORD)

    carts = page.locator("#kpi-carts")
    expect(carts).not_to_have_text("—", timeout=30_000)
    with Session(engine_for(live_app.database_url)) as session:
        company_id = session.exec(select(Company.id)).one()
        figures = overview_figures(session, company_id=company_id, now=utcnow(), days=30)

    expect(carts).to_have_text(fmt.count(figures.carts))
    expect(page.locator("#kpi-abandoned")).to_have_text(fmt.count(figures.abandoned))
    expect(page.locator("#kpi-in-recovery")).to_have_text(fmt.count(figures.in_recovery))
    expect(page.locator("#kpi-recovered")).to_have_text(fmt.count(figures.recovered))
    expect(page.locator("#kpi-revenue")).to_have_text(fmt.money(figures.revenue_recovered))
    assert figures.carts > 1000 and figures.recovered > 0  # the demo history is there
    screenshot(page, "overview")

    # The same browser session authenticates the admin REST API.
    me = page.request.get(f"{live_app.base_url}/api/me")
    assert me.status == 200
    assert me.json()["email"] == DEMO_EMAIL


def test_logout_ends_the_session(live_app, page) -> None:
    _log_in(page, live_app.base_url, DEMO_EMAIL, DEMO_PASSWORD)
    expect(page.locator("#kpi-carts")).not_to_have_text("—", timeout=30_000)
    page.goto(f"{live_app.base_url}/login")  # already logged in: straight back
    expect(page.locator("#kpi-carts")).to_be_visible(timeout=15_000)

    page.locator("#logout").click()
    expect(page).to_have_url(re.compile(r"/login"), timeout=15_000)
    assert page.request.get(f"{live_app.base_url}/api/me").status == 401
    page.goto(f"{live_app.base_url}/")
    expect(page).to_have_url(re.compile(r"/login"), timeout=15_000)


def test_owner_creates_and_revokes_an_api_key(live_app, page) -> None:
    _log_in(page, live_app.base_url, DEMO_EMAIL, DEMO_PASSWORD)
    expect(page.locator("#kpi-carts")).not_to_have_text("—", timeout=30_000)
    page.get_by_role("link", name="API keys").click()
    expect(page).to_have_url(re.compile(r"/settings/api-keys"), timeout=15_000)

    page.locator("#create-key").click()  # no name yet: a form message, nothing created
    expect(page.get_by_text("Give the key a name")).to_be_visible(timeout=15_000)
    page.locator("#new-key-name").fill("Storefront sync")
    page.locator("#create-key").click()
    key = page.locator("#created-key")
    expect(key).to_have_text(re.compile(r"^ca_"), timeout=15_000)
    screenshot(page, "api-keys")
    bearer = {"Authorization": f"Bearer {key.inner_text()}"}
    assert httpx.get(f"{live_app.base_url}/api/me", headers=bearer).json()["via"] == "api_key"

    page.get_by_role("row", name=re.compile("Storefront sync")).get_by_role(
        "button", name="Revoke"
    ).click()
    expect(page.get_by_role("row", name=re.compile("Storefront sync"))).to_contain_text(
        "Revoked", timeout=15_000
    )
    assert httpx.get(f"{live_app.base_url}/api/me", headers=bearer).status_code == 401


def test_a_session_ended_elsewhere_cannot_create_keys(live_app, page) -> None:
    """The page was loaded while logged in; the session then ends (another tab logs out)."""
    _log_in(page, live_app.base_url, DEMO_EMAIL, DEMO_PASSWORD)
    expect(page.locator("#kpi-carts")).not_to_have_text("—", timeout=30_000)
    page.get_by_role("link", name="API keys").click()
    expect(page.locator("#create-key")).to_be_visible(timeout=15_000)
    with Session(engine_for(live_app.database_url)) as session:
        keys_before = session.exec(select(sa.func.count()).select_from(ApiKey)).one()
        session.execute(sa.update(AdminSession).values(revoked_at=utcnow()))
        session.commit()

    page.locator("#new-key-name").fill("Sneaky")
    page.locator("#create-key").click()

    expect(page.get_by_text("Only a logged-in owner can create API keys.")).to_be_visible(
        timeout=15_000
    )
    with Session(engine_for(live_app.database_url)) as session:
        assert session.exec(select(sa.func.count()).select_from(ApiKey)).one() == keys_before


def test_landing_pages_show_the_embed_snippet_and_demo_store(live_app, page) -> None:
    _log_in(page, live_app.base_url, DEMO_EMAIL, DEMO_PASSWORD)
    expect(page.locator("#kpi-carts")).not_to_have_text("—", timeout=30_000)
    page.get_by_role("link", name="Landing pages").click()
    with Session(engine_for(live_app.database_url)) as session:
        key = session.exec(select(LandingPage.public_key).where(LandingPage.slug == "shop")).one()

    expect(page.get_by_text(f"/embed/{key}.js")).to_be_visible(timeout=15_000)
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="Open demo store").first.click()
    store = opened.value
    store.wait_for_load_state()
    assert store.url.endswith("/demo/store/shop")
    expect(store.get_by_role("heading", name="Bluebird Shop")).to_be_visible()


def test_preset_gallery_applies_a_preset_after_confirmation(live_app, page) -> None:
    _log_in(page, live_app.base_url, DEMO_EMAIL, DEMO_PASSWORD)
    expect(page.locator("#kpi-carts")).not_to_have_text("—", timeout=30_000)
    page.get_by_role("link", name="Theme presets").click()
    expect(page.locator("iframe")).to_have_count(9, timeout=15_000)
    page.get_by_role("radio", name="dark").click()  # the style filter
    expect(page.locator("iframe")).to_have_count(1)
    page.get_by_role("radio", name="all").click()
    expect(page.locator("iframe")).to_have_count(9)
    page.wait_for_timeout(1200)  # thumbnails finish opening
    thumbnail = page.frame_locator('iframe[title="Dark preview"]')
    expect(thumbnail.locator('[data-ca="item"]').first).to_be_visible(timeout=15_000)
    screenshot(page, "presets", full_page=False)

    page.get_by_role("button", name="Apply to a landing page…").nth(1).click()  # Dark
    expect(page.get_by_role("alertdialog")).to_contain_text("Apply Dark?")
    page.locator("#confirm-apply").click()

    expect(page.locator("#apply-message")).to_contain_text("Dark is now live on", timeout=15_000)
    with Session(engine_for(live_app.database_url)) as session:
        themes = session.exec(select(LandingPage.cart_theme)).all()
    assert {"preset": "dark"} in themes
