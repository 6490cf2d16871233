"""The theme editor: live preview without reload, field errors, publish to the storefront."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, col, select

from cart_admin.db import engine_for
from cart_admin.demo.generator import DEMO_EMAIL, DEMO_PASSWORD
from cart_admin.models import LandingPage
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

GREEN = "rgb(10, 127, 63)"


def _shop(live_app) -> LandingPage:
    with Session(engine_for(live_app.database_url)) as session:
        page = session.exec(select(LandingPage).where(col(LandingPage.slug) == "shop")).one()
        page.cart_theme, page.cart_theme_draft = {"preset": "light"}, None
        session.add(page)
        session.commit()
        session.refresh(page)
        return page


def _log_in(page, base_url: str) -> None:
    page.goto(f"{base_url}/login")
    page.locator("#email").fill(DEMO_EMAIL)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("#login-submit").click()
    expect(page.locator("#kpi-carts")).not_to_have_text("—", timeout=30_000)


def test_edit_preview_live_then_publish(live_app, page) -> None:
    shop = _shop(live_app)
    _log_in(page, live_app.base_url)
    page.goto(f"{live_app.base_url}/themes/editor?page={shop.id}")
    preview = page.frame_locator("#theme-preview")
    checkout = preview.locator('[data-ca="checkout"]')
    expect(checkout).to_be_visible(timeout=20_000)
    frame = page.frame(url=re.compile(r"/preview/landing-pages/"))
    origin_before = frame.evaluate("performance.timeOrigin")

    page.locator("#field-colors-button").fill("#0a7f3f")

    expect(checkout).to_have_css("background-color", GREEN, timeout=10_000)
    assert frame.evaluate("performance.timeOrigin") == origin_before  # no reload
    expect(page.locator("#draft-badge")).to_be_visible()
    expect(page.locator("#draft-diff")).to_contain_text("Button")

    page.locator("#field-colors-text").fill("red;}body{display:none")
    expect(page.locator("#field-colors-text-error")).to_be_visible(timeout=10_000)
    screenshot(page, "theme-editor", full_page=False)

    page.locator("#publish").click()
    expect(page.locator("#editor-notice")).to_contain_text("Published", timeout=10_000)
    with Session(engine_for(live_app.database_url)) as session:
        stored = session.get(LandingPage, shop.id)
        assert stored.cart_theme["colors"]["button"] == "#0a7f3f"
        assert "text" not in stored.cart_theme.get("colors", {})  # the invalid value never saved
        assert stored.cart_theme_draft is None

    store = page.context.new_page()
    store.goto(f"{live_app.base_url}/demo/store/shop")
    store.wait_for_function("window.MomentumCart && window.MomentumCart.ready")
    store.evaluate("MomentumCart.open()")
    expect(store.locator('[data-ca="cart-button"]')).to_be_visible()
    expect(store.locator('[data-ca="drawer"]')).to_be_visible()
    product = store.eval_on_selector(
        "[data-cart-admin-product]", "el => el.dataset.cartAdminProduct"
    )
    store.evaluate("(id) => MomentumCart.add(id, 1)", product)
    expect(store.locator('[data-ca="checkout"]')).to_have_css("background-color", GREEN)


def test_phone_preview_and_undo(live_app, page) -> None:
    shop = _shop(live_app)
    _log_in(page, live_app.base_url)
    page.goto(f"{live_app.base_url}/themes/editor?page={shop.id}")
    preview = page.frame_locator("#theme-preview")
    checkout = preview.locator('[data-ca="checkout"]')
    expect(checkout).to_be_visible(timeout=20_000)
    before = checkout.evaluate("el => getComputedStyle(el).backgroundColor")

    page.locator("#field-colors-button").fill("#0a7f3f")
    expect(checkout).to_have_css("background-color", GREEN, timeout=10_000)
    page.locator("#undo").click()
    expect(checkout).to_have_css("background-color", before, timeout=10_000)

    page.get_by_role("radio", name="Phone").click()
    expect(page.locator("#theme-preview")).to_have_css("width", "375px")
    screenshot(page, "theme-editor-phone", full_page=False)


def test_generate_a_theme_from_a_description(live_app, page) -> None:
    shop = _shop(live_app)
    _log_in(page, live_app.base_url)
    page.goto(f"{live_app.base_url}/themes/editor?page={shop.id}")
    checkout = page.frame_locator("#theme-preview").locator('[data-ca="checkout"]')
    expect(checkout).to_be_visible(timeout=20_000)
    before = checkout.evaluate("el => getComputedStyle(el).backgroundColor")

    page.locator("#generate-brief").fill("calm ocean surf shop")
    page.locator("#generate").click()

    expect(page.locator("#editor-notice")).to_contain_text("Generated (palette)", timeout=15_000)
    expect(page.locator("#draft-badge")).to_be_visible()
    expect(checkout).not_to_have_css("background-color", before, timeout=10_000)
    with Session(engine_for(live_app.database_url)) as session:
        draft = session.get(LandingPage, shop.id).cart_theme_draft
    assert set(draft) == {"colors", "typography", "shape"}
