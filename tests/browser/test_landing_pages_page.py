"""The real app in headless Chromium: create and edit a landing page from its dialog."""

from __future__ import annotations

import re
from decimal import Decimal

import httpx
import pytest
from playwright.sync_api import expect
from sqlmodel import Session, col, select

from cart_admin.db import engine_for
from cart_admin.demo.generator import DEMO_EMAIL, DEMO_PASSWORD
from cart_admin.models import Company, LandingPage, Product, ProductStatus, UserRole
from tests.browser.conftest import screenshot
from tests.factories import DEFAULT_PASSWORD, make_user

pytestmark = pytest.mark.browser


def _log_in(page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/")
    expect(page).to_have_url(re.compile(r"/login"), timeout=30_000)
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("#login-submit").click()
    expect(page).not_to_have_url(re.compile(r"/login"), timeout=30_000)


def _open_landing_pages(page, base_url: str) -> None:
    page.get_by_role("link", name="Landing pages").click()
    expect(page).to_have_url(re.compile(r"/landing-pages|/landing"), timeout=15_000)
    expect(page.get_by_text("Open demo store").first).to_be_visible(timeout=15_000)


def _page_row(database_url: str, slug: str) -> LandingPage | None:
    with Session(engine_for(database_url)) as session:
        return session.exec(select(LandingPage).where(LandingPage.slug == slug)).first()


def test_writer_creates_and_edits_a_landing_page(live_app, page) -> None:
    base = live_app.base_url
    _log_in(page, base, DEMO_EMAIL, DEMO_PASSWORD)
    _open_landing_pages(page, base)

    # Create.
    page.locator("#new-page").click()
    expect(page.get_by_role("dialog")).to_contain_text("New landing page")
    page.locator("#page-form-name").fill("Summer sale")
    page.locator("#page-form-slug").fill("summer-sale")
    page.locator("#page-form-origins").fill(
        "https://Summer.example\nhttps://summer.example, http://localhost:4000"
    )
    page.locator("#page-form-checkout").fill("https://summer.example/checkout")
    page.locator("#page-form-store").fill("https://summer.example/shop")
    screenshot(page, "landing-pages-form", full_page=False)  # the dialog is fixed
    page.locator("#page-form-save").click()
    expect(page.get_by_role("dialog")).to_have_count(0, timeout=15_000)

    created = _page_row(live_app.database_url, "summer-sale")
    assert created is not None
    assert created.allowed_origins == ["https://summer.example", "http://localhost:4000"]
    assert created.checkout_url == "https://summer.example/checkout"
    assert created.store_url == "https://summer.example/shop"
    key = created.public_key
    card = page.locator("#page-summer-sale")
    expect(card.get_by_text(f"/embed/{key}.js")).to_be_visible(timeout=15_000)
    expect(card).to_contain_text("https://summer.example, http://localhost:4000")
    expect(card.locator(".free-shipping")).to_have_text("$50.00")  # the default rule
    expect(card.locator(".store-url")).to_have_text("https://summer.example/shop")
    screenshot(page, "landing-pages-created")

    with page.context.expect_page() as opened:
        card.get_by_role("link", name="Open demo store").click()
    store = opened.value
    store.wait_for_load_state()
    assert store.url.endswith("/demo/store/summer-sale")
    expect(store.get_by_role("heading", name="Summer sale")).to_be_visible()
    store.close()

    # Edit with a bad slug, then a slug another page uses: field messages, nothing changed.
    page.locator("#edit-page-summer-sale").click()
    expect(page.get_by_role("dialog")).to_contain_text("Edit landing page")
    expect(page.locator("#page-form-slug")).to_have_value("summer-sale")
    expect(page.locator("#page-form-store")).to_have_value("https://summer.example/shop")
    page.locator("#page-form-name").fill("Renamed")
    page.locator("#page-form-slug").fill("Not A Slug")
    page.locator("#page-form-save").click()
    expect(page.locator("#page-form-error-slug")).to_contain_text("lower-case", timeout=15_000)
    page.locator("#page-form-slug").fill("shop")
    page.locator("#page-form-save").click()
    expect(page.locator("#page-form-error-slug")).to_contain_text(
        "already uses /shop", timeout=15_000
    )
    page.locator("#page-form-threshold").fill("12.345")
    page.locator("#page-form-store").fill("https://elsewhere.example/shop")
    page.locator("#page-form-save").click()
    expect(page.locator("#page-form-error-threshold")).to_contain_text(
        "2 decimal places", timeout=15_000
    )
    expect(page.locator("#page-form-error-store")).to_contain_text(
        "not one of the allowed origins", timeout=15_000
    )
    screenshot(page, "landing-pages-form-errors", full_page=False)  # the dialog is fixed
    unchanged = _page_row(live_app.database_url, "summer-sale")
    assert unchanged is not None
    assert (unchanged.name, unchanged.cart_theme) == ("Summer sale", {})
    assert unchanged.store_url == "https://summer.example/shop"

    # A good edit: the new threshold is the storefront cart's free-shipping rule.
    page.locator("#page-form-slug").fill("summer-sale")
    page.locator("#page-form-threshold").fill("120")
    page.locator("#page-form-store").fill("/demo/store/summer-sale")
    page.locator("#page-form-save").click()
    expect(page.get_by_role("dialog")).to_have_count(0, timeout=15_000)
    expect(card.locator(".free-shipping")).to_have_text("$120.00", timeout=15_000)
    expect(card).to_contain_text("Renamed")
    expect(card.locator(".store-url")).to_have_text("/demo/store/summer-sale")
    screenshot(page, "landing-pages-edited")

    edited = _page_row(live_app.database_url, "summer-sale")
    assert edited is not None and edited.name == "Renamed" and edited.public_key == key
    assert edited.store_url == "/demo/store/summer-sale"
    with Session(engine_for(live_app.database_url)) as session:
        company_id = session.exec(select(Company.id)).one()
        product = session.exec(
            select(Product)
            .where(
                Product.company_id == company_id,
                Product.status == ProductStatus.ACTIVE,
                col(Product.price) < Decimal("120"),
            )
            .order_by(col(Product.price))
        ).first()
    assert product is not None
    cart = httpx.post(f"{base}/api/public/{key}/carts", timeout=15)
    assert cart.status_code == 201, cart.text
    assert cart.json()["free_shipping"]["threshold"] == "120.00"
    token = cart.json()["token"]
    added = httpx.post(
        f"{base}/api/public/{key}/carts/{token}/items",
        json={"product_id": product.id, "quantity": 1},
        timeout=15,
    )
    assert added.status_code == 200, added.text
    shipping = added.json()["free_shipping"]
    assert shipping["threshold"] == "120.00"
    assert Decimal(shipping["remaining"]) == Decimal("120.00") - product.price
    assert shipping["qualifies"] is False


def test_analysts_see_no_buttons(live_app, page) -> None:
    with Session(engine_for(live_app.database_url)) as session:
        company = session.exec(select(Company)).one()
        analyst = make_user(session, company, role=UserRole.ANALYST, name="Ana Lyst")
        email = analyst.email
    _log_in(page, live_app.base_url, email, DEFAULT_PASSWORD)
    _open_landing_pages(page, live_app.base_url)

    expect(page.get_by_text("Embed snippet").first).to_be_visible()
    expect(page.locator("#new-page")).to_have_count(0)
    expect(page.locator(".edit-page")).to_have_count(0)
