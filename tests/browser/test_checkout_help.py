"""Checkout help on the demo storefront, in headless Chromium against the real app: the
exit-intent offer, the free-shipping notice, the chat answering from the policies, and a
conversation handed to a person and answered from the admin Inbox."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, col, select

from cart_admin.db import engine_for
from cart_admin.demo import policies
from cart_admin.demo.store import DEMO_EMAIL, DEMO_PASSWORD
from cart_admin.models import (
    Cart,
    CartSaveFlowConfig,
    CheckoutIntervention,
    CheckoutInterventionStatus,
    DiscountCode,
    Inventory,
    LandingPage,
    LandingPageProduct,
    Product,
    ProductStatus,
)
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

SLUG = "shop"


def _db(live_app) -> Session:
    return Session(engine_for(live_app.database_url), expire_on_commit=False)


@pytest.fixture
def no_holdout(live_app) -> Iterator[None]:
    """Every cart in the treated group (the demo keeps 10% as a holdout that sees nothing)."""
    with _db(live_app) as session:
        row = session.exec(select(CartSaveFlowConfig)).one()
        before = dict(row.timing)
        row.timing = {**before, "holdoutPercent": 0}
        row.churn, row.chat = {}, {}
        session.add(row)
        session.commit()
    yield
    with _db(live_app) as session:
        row = session.exec(select(CartSaveFlowConfig)).one()
        row.timing = before
        session.add(row)
        session.commit()


def _cheap_products(live_app, count: int) -> list[Product]:
    with _db(live_app) as session:
        rows = session.exec(
            select(Product)
            .join(Inventory, col(Inventory.product_id) == col(Product.id))
            .join(LandingPageProduct, col(LandingPageProduct.product_id) == col(Product.id))
            .join(LandingPage, col(LandingPage.id) == col(LandingPageProduct.landing_page_id))
            .where(
                col(LandingPage.slug) == SLUG,
                col(Product.price) <= Decimal("20"),
                col(Inventory.available) > 20,
                col(Product.status) == ProductStatus.ACTIVE,
            )
            .order_by(col(Product.price))
        ).all()
    assert len(rows) >= count
    return list(rows[:count])


def _open_store(page: Page, live_app) -> None:
    page.goto(f"{live_app.base_url}/demo/store/{SLUG}")
    page.wait_for_function("window.MomentumCart && window.MomentumCart.ready")
    page.evaluate("MomentumCart.ready")


def _ca(page: Page, name: str):
    return page.locator(f'[data-ca="{name}"]')


def _add(page: Page, *products: Product) -> None:
    ids = [p.id for p in products]
    page.evaluate("async (ids) => { for (const id of ids) await MomentumCart.add(id, 1); }", ids)
    expect(_ca(page, "item")).to_have_count(len(products))


def _cart(live_app, page: Page) -> Cart:
    with _db(live_app) as session:
        key = session.exec(select(LandingPage).where(col(LandingPage.slug) == SLUG)).one()
        token = page.evaluate(f"localStorage.getItem('cart_admin:{key.public_key}')")
        return session.exec(select(Cart).where(col(Cart.public_token) == token)).one()


def _interventions(live_app, cart: Cart) -> list[CheckoutIntervention]:
    with _db(live_app) as session:
        return list(
            session.exec(
                select(CheckoutIntervention).where(col(CheckoutIntervention.cart_id) == cart.id)
            ).all()
        )


def _pointer_out_through_the_top(page: Page) -> None:
    page.mouse.move(640, 300)
    page.mouse.move(640, 5, steps=4)
    page.mouse.move(640, -5)


def test_exit_intent_offer_appears_once_and_applies_the_discount(live_app, page, no_holdout):
    (product,) = _cheap_products(live_app, 1)
    _open_store(page, live_app)
    _add(page, product)
    _ca(page, "close").click()

    _pointer_out_through_the_top(page)
    offer = _ca(page, "exit-offer")
    expect(offer).to_be_visible()
    expect(offer).to_contain_text("get 10% off")
    screenshot(page, "checkout-help-exit-offer", full_page=False)
    _ca(page, "offer-accept").click()

    expect(_ca(page, "drawer")).to_be_visible()
    expect(_ca(page, "discount")).to_be_visible()
    cart = _cart(live_app, page)
    expected = (product.price * Decimal("0.10")).quantize(Decimal("0.01"))
    expect(_ca(page, "discount")).to_have_text(f"\u2212${expected}")
    (row,) = _interventions(live_app, cart)
    assert row.status is CheckoutInterventionStatus.ACCEPTED
    with _db(live_app) as session:
        code = session.get(DiscountCode, row.discount_code_id)
        assert code is not None and code.cart_id == cart.id and code.value == Decimal("10.00")
        assert session.get(Cart, cart.id).discount_code == code.code

    # Leaving again: the cart had its offer; nothing more shows.
    _ca(page, "close").click()
    page.mouse.move(640, 400)
    time.sleep(5.5)  # the drawer sends one exit signal per 5 s
    _pointer_out_through_the_top(page)
    page.wait_for_timeout(1500)
    expect(_ca(page, "exit-offer")).to_have_count(0)
    assert len(_interventions(live_app, cart)) == 1


def test_removing_items_after_seeing_shipping_brings_free_shipping(live_app, page, no_holdout):
    first, second = _cheap_products(live_app, 2)
    _open_store(page, live_app)
    _add(page, first, second)
    expect(_ca(page, "shipping")).not_to_have_text("Free")

    page.locator(f'[data-ca="item"][data-product-id="{second.id}"] [data-ca="remove"]').click()
    anyway = _ca(page, "remove-anyway")  # the loss-aversion question, when the cart has one
    if anyway.count():
        anyway.click()
    expect(_ca(page, "item")).to_have_count(1)

    notice = _ca(page, "shipping-offer")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("free shipping on us")
    screenshot(page, "checkout-help-free-shipping", full_page=False)
    notice.locator('[data-ca="offer-accept"]').click()
    expect(_ca(page, "shipping")).to_have_text("Free")
    (row,) = _interventions(live_app, _cart(live_app, page))
    assert row.type == "FREE_SHIPPING_OFFER" and row.status is CheckoutInterventionStatus.ACCEPTED


def test_chat_answers_a_quick_question_from_the_policy_text(live_app, page, no_holdout):
    (product,) = _cheap_products(live_app, 1)
    _open_store(page, live_app)
    _add(page, product)
    _ca(page, "chat-open").click()
    chat = _ca(page, "chat")
    expect(chat).to_be_visible()
    expect(chat).to_contain_text("I'm here to help you complete your order")

    chat.locator('[data-ca="chat-quick"]', has_text="return policy").click()
    answers = chat.locator('[data-ca="chat-message"][data-role="assistant"]')
    expect(answers).to_have_count(2)
    # The company's own words: the demo's returns policy, first sentence.
    expect(answers.nth(1)).to_contain_text(policies.RETURNS.split(".")[0])
    expect(chat.locator('[data-ca="chat-quick"]')).to_have_count(0)

    _ca(page, "chat-input").fill("What's the shipping cost to my area?")
    _ca(page, "chat-send").click()
    expect(answers).to_have_count(3)
    expect(answers.nth(2)).to_contain_text("Shipping on your cart is $")
    screenshot(page, "checkout-help-chat", full_page=False)


def _log_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/login")
    page.locator("#email").fill(DEMO_EMAIL)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("#login-submit").click()
    expect(page.locator("#kpi-carts")).not_to_have_text("—", timeout=30_000)


def test_talk_to_a_human_reaches_the_inbox_and_the_reply_reaches_the_drawer(
    live_app, browser, no_holdout
):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    shop, admin = context.new_page(), context.new_page()
    try:
        (product,) = _cheap_products(live_app, 1)
        _open_store(shop, live_app)
        _add(shop, product)
        _ca(shop, "chat-open").click()
        question = f"Can I talk to a human about a gift note? ({time.time_ns()})"
        _ca(shop, "chat-input").fill(question)
        _ca(shop, "chat-send").click()
        chat = _ca(shop, "chat")
        expect(chat.locator('[data-role="system"]')).to_contain_text("team member")

        _log_in(admin, live_app.base_url)
        admin.goto(f"{live_app.base_url}/recovery/inbox")
        row = admin.locator(".inbox-row", has_text=question)
        expect(row).to_be_visible(timeout=20_000)
        expect(row).to_contain_text("Asked for a person")
        row.click()
        expect(admin.locator("#inbox-thread")).to_contain_text(question)
        reply = "Of course: we'll add a handwritten card with your note."
        admin.locator("#inbox-reply").fill(reply)
        admin.locator("#inbox-send").click()
        expect(admin.locator('.inbox-message[data-role="agent"]')).to_contain_text(reply)
        screenshot(admin, "checkout-help-inbox", full_page=False)

        agent = chat.locator('[data-ca="chat-message"][data-role="agent"]')
        expect(agent).to_contain_text(reply, timeout=15_000)  # the drawer polls every 4 s
        expect(agent).to_contain_text("Maya \u00b7 team")
    finally:
        context.close()


def test_settings_page_refuses_a_cap_over_50_and_saves_policies(live_app, page, no_holdout):
    _log_in(page, live_app.base_url)
    page.goto(f"{live_app.base_url}/recovery/checkout-help")
    expect(page.locator("#field-churn-exitIntentThreshold")).to_have_value("40", timeout=20_000)
    page.locator("#checkout-tab-chat").click()
    cap = page.locator("#field-chat-aiCapabilities-maxDiscountPercent")
    cap.fill("60")
    expect(page.locator("#field-chat-aiCapabilities-maxDiscountPercent-error")).to_have_text(
        "Must be at most 50."
    )
    page.locator("#checkout-save").click()
    expect(page.locator("#checkout-errors")).to_contain_text("Nothing was saved")
    cap.fill("12")
    page.locator("#checkout-tab-policies").click()
    faq = page.locator("#field-policies-faq")
    faq.fill(faq.input_value() + "\n\nQ: Do you sell gift cards?\nA: Yes, from $25 to $200.")
    page.wait_for_timeout(600)  # the field's debounce
    page.locator("#checkout-save").click()
    expect(page.locator("#checkout-notice")).to_contain_text("Saved")
    with _db(live_app) as session:
        row = session.exec(select(CartSaveFlowConfig)).one()
        assert row.chat["aiCapabilities"]["maxDiscountPercent"] == "12"
    page.reload()
    page.locator("#checkout-tab-policies").click()
    expect(page.locator("#field-policies-faq")).to_contain_text("Do you sell gift cards?")
