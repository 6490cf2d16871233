"""The embedded drawer on the demo storefront, in headless Chromium, against the real app."""

from __future__ import annotations

import re
import secrets
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, col, select

from cart_admin.db import engine_for
from cart_admin.domain.theming import PRESET_IDS
from cart_admin.domain.triggers import in_control_group
from cart_admin.models import (
    Cart,
    CartTriggerImpression,
    Inventory,
    LandingPage,
    LandingPageProduct,
    Product,
    ProductStatus,
)
from cart_admin.models.types import utcnow
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

SLUG = "shop"
CHECKOUT = re.compile(r"^https://bluebird-roasters\.example/checkout\?cart=")


def _db(live_app) -> Session:
    return Session(engine_for(live_app.database_url), expire_on_commit=False)


def _page(live_app) -> LandingPage:
    with _db(live_app) as session:
        return session.exec(select(LandingPage).where(col(LandingPage.slug) == SLUG)).one()


def _set_theme(live_app, overrides: dict) -> None:
    with _db(live_app) as session:
        page = session.exec(select(LandingPage).where(col(LandingPage.slug) == SLUG)).one()
        page.cart_theme = overrides
        session.add(page)
        session.commit()


def _products(live_app, *, max_price: str, count: int) -> list[Product]:
    """Cheap, well-stocked products of the page (so no trigger depends on luck)."""
    with _db(live_app) as session:
        rows = session.exec(
            select(Product)
            .join(Inventory, col(Inventory.product_id) == col(Product.id))
            .join(LandingPageProduct, col(LandingPageProduct.product_id) == col(Product.id))
            .join(LandingPage, col(LandingPage.id) == col(LandingPageProduct.landing_page_id))
            .where(
                col(LandingPage.slug) == SLUG,
                col(Product.price) <= Decimal(max_price),
                col(Inventory.available) > 20,
                col(Product.status) == ProductStatus.ACTIVE,
            )
            .order_by(col(Product.price))
        ).all()
    assert len(rows) >= count
    return list(rows[:count])


def _open_store(page: Page, live_app, *, token: str | None = None) -> None:
    page.route(
        "https://bluebird-roasters.example/**",
        lambda route: route.fulfill(body="<h1>Checkout</h1>", content_type="text/html"),
    )
    if token:
        key = _page(live_app).public_key
        page.add_init_script(f"localStorage.setItem('cart_admin:{key}', '{token}')")
    page.goto(f"{live_app.base_url}/demo/store/{SLUG}")
    page.wait_for_function("window.MomentumCart && window.MomentumCart.ready")
    page.evaluate("MomentumCart.ready")


def _ca(page: Page, name: str):
    return page.locator(f'[data-ca="{name}"]')


def _item(page: Page, product: Product):
    return page.locator(f'[data-ca="item"][data-product-id="{product.id}"]')


def _fresh_treatment_theme(live_app) -> None:
    _set_theme(live_app, {"preset": "espresso", "triggers": {"control_share_percent": 0}})


def test_shopper_journey_through_the_drawer(live_app, page) -> None:
    _fresh_treatment_theme(live_app)
    cheap, other = _products(live_app, max_price="20", count=2)
    _open_store(page, live_app)

    page.evaluate("([a, b]) => MomentumCart.add(a, 1).then(() => MomentumCart.add(b, 1))",
                  [cheap.id, other.id])  # fmt: skip
    expect(_ca(page, "drawer")).to_be_visible()
    expect(_ca(page, "item")).to_have_count(2)
    expect(_ca(page, "count")).to_have_text("2")
    bar = _ca(page, "free-shipping")
    expect(bar).to_contain_text("more for free shipping")
    before = bar.inner_text()

    _item(page, cheap).locator('[data-ca="inc"]').click()  # quantity 2: the bar moves
    expect(_item(page, cheap).locator('[data-ca="qty"]')).to_have_text("2")
    expect(bar).not_to_have_text(before)

    _ca(page, "code-input").fill("NOPE")
    _ca(page, "code-apply").click()
    expect(_ca(page, "code-error")).to_contain_text("The code NOPE is not valid.")
    _ca(page, "code-input").fill("welcome10")
    _ca(page, "code-apply").click()
    expect(_ca(page, "discount")).to_be_visible()
    expect(_ca(page, "code-error")).to_have_count(0)

    _item(page, other).locator('[data-ca="remove"]').click()  # loss aversion asks first
    expect(_ca(page, "keep")).to_be_focused()
    _ca(page, "keep").click()
    expect(_ca(page, "item")).to_have_count(2)
    _item(page, other).locator('[data-ca="remove"]').click()
    _ca(page, "remove-anyway").click()
    expect(_ca(page, "item")).to_have_count(1)
    screenshot(page, "storefront-drawer", full_page=False)

    with _db(live_app) as session:
        cart = session.exec(select(Cart).order_by(col(Cart.created_at).desc())).first()
        assert cart.discount_code == "WELCOME10"
        assert cart.item_count == 2
        expected_total = cart.grand_total
    expect(_ca(page, "total")).to_contain_text(f"{expected_total:,.2f}")

    _ca(page, "checkout").click()
    page.wait_for_url(CHECKOUT)
    assert page.url.endswith(f"cart={cart.public_token}")


def test_keyboard_escape_closes_and_focus_returns(live_app, page) -> None:
    _fresh_treatment_theme(live_app)
    (product,) = _products(live_app, max_price="30", count=1)
    _open_store(page, live_app)
    page.evaluate("(id) => MomentumCart.add(id, 1)", product.id)
    expect(_ca(page, "drawer")).to_be_visible()

    page.keyboard.press("Escape")

    expect(_ca(page, "drawer")).to_be_hidden()
    expect(_ca(page, "cart-button")).to_be_focused()


def test_control_group_sees_no_triggers(live_app, page) -> None:
    _set_theme(live_app, {"preset": "espresso", "triggers": {"control_share_percent": 50}})
    (product,) = _products(live_app, max_price="30", count=1)
    token = next(t for t in (secrets.token_urlsafe(24) for _ in range(500))
                 if in_control_group(t, 50))  # fmt: skip
    landing = _page(live_app)
    with _db(live_app) as session:
        session.add(Cart(company_id=landing.company_id, landing_page_id=landing.id,
                         public_token=token, last_activity_at=utcnow()))  # fmt: skip
        session.commit()
    _open_store(page, live_app, token=token)

    page.evaluate("(id) => MomentumCart.add(id, 1)", product.id)
    expect(_ca(page, "item")).to_have_count(1)
    for trigger in ("urgency", "free-shipping", "social-proof", "anchoring", "trust", "scarcity"):
        expect(_ca(page, trigger)).to_have_count(0)
    # ... but records what it would have seen, as control impressions, to measure lift.
    page.wait_for_timeout(500)
    with _db(live_app) as session:
        cart_id = session.exec(select(Cart.id).where(col(Cart.public_token) == token)).one()
        rows = session.exec(
            select(CartTriggerImpression).where(col(CartTriggerImpression.cart_id) == cart_id)
        ).all()
    assert {r.trigger.value for r in rows} >= {"URGENCY", "GOAL_GRADIENT"}
    assert all(r.control and r.variant == "control" for r in rows)


def test_storefront_css_does_not_leak_in(live_app, page) -> None:
    _fresh_treatment_theme(live_app)
    (product,) = _products(live_app, max_price="30", count=1)
    _open_store(page, live_app)
    page.add_style_tag(content="* { color: red !important; font-family: monospace !important }")
    page.evaluate("(id) => MomentumCart.add(id, 1)", product.id)
    name = _item(page, product).locator(".name")
    expect(name).to_be_visible()

    color = name.evaluate("el => getComputedStyle(el).color")

    assert color != "rgb(255, 0, 0)"
    assert "monospace" not in name.evaluate("el => getComputedStyle(el).fontFamily")


def test_shop_data_is_text_never_html(live_app, page) -> None:
    _fresh_treatment_theme(live_app)
    evil = "<img src=x onerror=alert(1)>"
    landing = _page(live_app)
    with _db(live_app) as session:
        product = Product(company_id=landing.company_id, sku=f"XSS-{secrets.token_hex(3)}",
                          name=evil, price=Decimal("9.00"))  # fmt: skip
        session.add(product)
        session.flush()
        link = LandingPageProduct(
            company_id=landing.company_id, landing_page_id=landing.id, product_id=product.id
        )
        session.add(link)
        session.commit()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    _open_store(page, live_app)

    page.evaluate("(id) => MomentumCart.add(id, 1)", product.id)

    expect(_item(page, product).locator(".name")).to_have_text(evil)
    assert page.locator('[data-ca="item"] img[src="x"]').count() == 0
    page.wait_for_timeout(300)
    assert dialogs == []


@pytest.mark.parametrize("preset", PRESET_IDS)
def test_every_preset_renders_on_the_demo_store(live_app, page, preset) -> None:
    _set_theme(live_app, {"preset": preset, "triggers": {"control_share_percent": 0}})
    products = _products(live_app, max_price="25", count=2)
    _open_store(page, live_app)
    page.evaluate("(ids) => Promise.all(ids.map((id) => MomentumCart.add(id, 1)))",
                  [p.id for p in products])  # fmt: skip
    expect(_ca(page, "item")).to_have_count(2)
    page.wait_for_timeout(400)  # the opening animation
    screenshot(page, f"preset-{preset}", full_page=False)


def test_drawer_fits_a_360px_phone(live_app, browser) -> None:
    _fresh_treatment_theme(live_app)
    (product,) = _products(live_app, max_price="30", count=1)
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    try:
        _open_store(page, live_app)
        page.evaluate("(id) => MomentumCart.add(id, 1)", product.id)
        expect(_ca(page, "item")).to_have_count(1)
        page.wait_for_timeout(400)

        panel = _ca(page, "drawer").bounding_box()
        checkout = _ca(page, "checkout").bounding_box()
        screenshot(page, "storefront-phone", full_page=False)
    finally:
        context.close()
    assert panel is not None and checkout is not None
    assert panel["x"] >= 0 and panel["x"] + panel["width"] <= 360
    assert checkout["y"] + checkout["height"] <= 740  # the checkout button is on screen


def test_drawer_rereads_the_cart_when_opened(live_app, page) -> None:
    """Another tab changed the cart: opening the drawer shows the server's cart."""
    import httpx

    _fresh_treatment_theme(live_app)
    first, second = _products(live_app, max_price="30", count=2)
    _open_store(page, live_app)
    page.evaluate("(id) => MomentumCart.add(id, 1)", first.id)
    expect(_ca(page, "item")).to_have_count(1)
    page.keyboard.press("Escape")
    key = _page(live_app).public_key
    token = page.evaluate(f"localStorage.getItem('cart_admin:{key}')")

    httpx.post(f"{live_app.base_url}/api/public/{key}/carts/{token}/items",
               json={"product_id": second.id, "quantity": 1}).raise_for_status()  # fmt: skip
    page.evaluate("MomentumCart.open()")

    expect(_ca(page, "item")).to_have_count(2)
    expect(_ca(page, "count")).to_have_text("2")


def test_focus_stays_in_the_open_drawer_and_events_fire(live_app, page) -> None:
    _fresh_treatment_theme(live_app)
    (product,) = _products(live_app, max_price="30", count=1)
    _open_store(page, live_app)
    page.evaluate(
        "() => { window.__events = [];"
        " MomentumCart.on('cart:updated', (c) => __events.push(c ? c.item_count : null)); }"
    )
    page.evaluate("(id) => MomentumCart.add(id, 1)", product.id)
    expect(_ca(page, "item")).to_have_count(1)

    inside = []
    for _ in range(30):
        page.keyboard.press("Tab")
        inside.append(
            page.evaluate(
                """() => {
                    const host = document.querySelector('cart-admin-drawer');
                    const active = host.shadowRoot.activeElement;
                    const panel = host.shadowRoot.querySelector('[data-ca="drawer"]');
                    return document.activeElement === host && !!active && panel.contains(active);
                }"""
            )
        )

    assert all(inside)
    assert page.evaluate("window.__events.at(-1)") == 1
    assert _ca(page, "drawer").get_attribute("role") == "dialog"
    assert _ca(page, "drawer").get_attribute("aria-modal") == "true"
