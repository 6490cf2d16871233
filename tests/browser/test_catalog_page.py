"""The product catalog page: add, remove, and drag-and-drop ordering that persists."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, col, select

from cart_admin.db import engine_for
from cart_admin.demo.generator import DEMO_EMAIL, DEMO_PASSWORD
from cart_admin.models import LandingPage, LandingPageProduct
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def _order(live_app, page_id: str) -> list[str]:
    with Session(engine_for(live_app.database_url)) as session:
        return list(
            session.exec(
                select(LandingPageProduct.product_id)
                .where(col(LandingPageProduct.landing_page_id) == page_id)
                .order_by(col(LandingPageProduct.sort_order))
            ).all()
        )


def test_drag_to_reorder_persists_after_reload(live_app, page) -> None:
    with Session(engine_for(live_app.database_url)) as session:
        gifts = session.exec(
            select(LandingPage).where(col(LandingPage.slug) == "holiday-gifts")
        ).one()
    before = _order(live_app, gifts.id)
    page.goto(f"{live_app.base_url}/login")
    page.locator("#email").fill(DEMO_EMAIL)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("#login-submit").click()
    expect(page.locator("#kpi-carts")).not_to_have_text("—", timeout=30_000)
    page.goto(f"{live_app.base_url}/catalog?page={gifts.id}")
    items = page.locator("#catalog-selected [data-catalog-item]")
    expect(items).to_have_count(len(before), timeout=20_000)

    items.nth(0).drag_to(items.nth(2), target_position={"x": 20, "y": 40})

    expected = [before[1], before[2], before[0], *before[3:]]
    expect(items.nth(2)).to_have_attribute("data-catalog-item", before[0], timeout=10_000)
    assert _order(live_app, gifts.id) == expected
    page.reload()
    expect(items.first).to_have_attribute("data-catalog-item", expected[0], timeout=20_000)
    assert [items.nth(i).get_attribute("data-catalog-item") for i in range(3)] == expected[:3]
    screenshot(page, "catalog", full_page=False)

    page.get_by_role("button", name="Move up").nth(1).click()  # keyboard-friendly arrows
    expect(items.first).to_have_attribute("data-catalog-item", expected[1], timeout=10_000)


def test_category_mode_search_and_paging_of_what_the_storefront_shows(live_app, page) -> None:
    import httpx

    with Session(engine_for(live_app.database_url)) as session:
        shop = session.exec(select(LandingPage).where(col(LandingPage.slug) == "shop")).one()
    page.goto(f"{live_app.base_url}/login")
    page.locator("#email").fill(DEMO_EMAIL)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("#login-submit").click()
    expect(page.locator("#kpi-carts")).not_to_have_text("—", timeout=30_000)
    page.goto(f"{live_app.base_url}/catalog?page={shop.id}")
    expect(page.locator("#shown-total")).to_contain_text("26 products", timeout=20_000)
    expect(page.locator("#shown-next")).to_be_enabled()  # 26 products: three pages of 12

    page.locator("#shown-search").fill("ethiopia")
    expect(page.locator("#shown-total")).to_contain_text("2 products", timeout=10_000)
    page.locator("#shown-search").fill("")

    page.locator("#catalog-mode").click()
    page.get_by_role("option", name="category").click()
    expect(page.locator("#catalog-error")).to_contain_text("category", timeout=10_000)
    page.locator("#catalog-labels").fill("Brewing Gear")
    page.locator("#catalog-labels-save").click()
    expect(page.locator("#shown-total")).to_contain_text("6 products", timeout=10_000)

    listed = httpx.get(f"{live_app.base_url}/api/public/{shop.public_key}/products").json()
    assert len(listed["items"]) == 6
    assert {p["category"] for p in listed["items"]} == {"Brewing Gear"}

    with Session(engine_for(live_app.database_url)) as session:  # leave the shop as it was
        restored = session.get(LandingPage, shop.id)
        restored.product_catalog = {}
        session.add(restored)
        session.commit()
