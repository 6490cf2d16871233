"""A recovery e-mail's link on the real app: the cart comes back in the drawer with its code,
and the save flow's in-drawer message greets the returning shopper once."""

from __future__ import annotations

import secrets
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, col, select

from cart_admin.db import engine_for
from cart_admin.models import (
    Cart,
    CartIntervention,
    CartItem,
    CartSaveAttempt,
    CartSaveStage,
    CartStatus,
    Channel,
    DiscountCode,
    DiscountKind,
    InterventionStatus,
    LandingPage,
    LandingPageProduct,
    Product,
)
from cart_admin.models.types import utcnow
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def _sent(session: Session, attempt, cart: Cart, channel: Channel, stage, **fields):
    row = CartIntervention(
        company_id=cart.company_id, cart_id=cart.id, cart_save_attempt_id=attempt.id,
        stage=stage, channel=channel, channels=[str(channel)], status=InterventionStatus.SENT,
        scheduled_at=utcnow(), sent_at=utcnow(), tracking_token=secrets.token_urlsafe(16)[:22],
        **fields,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row


def _abandoned_cart_with_messages(live_app) -> tuple[str, str, str, str]:
    """(cart token, e-mail link token, in-app message token, code) in the live database."""
    now = utcnow()
    with Session(engine_for(live_app.database_url), expire_on_commit=False) as session:
        page = session.exec(select(LandingPage).where(col(LandingPage.slug) == "shop")).one()
        product = session.exec(
            select(Product)
            .join(LandingPageProduct, col(LandingPageProduct.product_id) == col(Product.id))
            .where(col(LandingPageProduct.landing_page_id) == page.id)
            .order_by(col(Product.price))
        ).first()
        cart = Cart(
            company_id=page.company_id, landing_page_id=page.id, status=CartStatus.ABANDONED,
            public_token=f"ct_{secrets.token_hex(8)}", item_count=2, subtotal=product.price * 2,
            grand_total=product.price * 2, last_activity_at=now - timedelta(hours=3),
            abandoned_at=now - timedelta(hours=2, minutes=30),
        )  # fmt: skip
        session.add(cart)
        session.flush()
        session.add(CartItem(company_id=cart.company_id, cart_id=cart.id, product_id=product.id,
                             product_snapshot={"name": product.name}, quantity=2,
                             unit_price=product.price))  # fmt: skip
        attempt = CartSaveAttempt(
            company_id=cart.company_id, cart_id=cart.id, cart_value=cart.grand_total,
            current_stage=CartSaveStage.PATTERN_INTERRUPT, started_at=cart.abandoned_at,
        )  # fmt: skip
        session.add(attempt)
        session.flush()
        code = DiscountCode(company_id=cart.company_id, code=f"SAVE-{secrets.token_hex(4).upper()}",
                            kind=DiscountKind.PERCENT, value=Decimal("10"), cart_id=cart.id,
                            max_uses=1, expires_at=now + timedelta(days=2))  # fmt: skip
        session.add(code)
        email = _sent(session, attempt, cart, Channel.EMAIL, CartSaveStage.PATTERN_INTERRUPT,
                      offer_code=code.code)  # fmt: skip
        note = _sent(session, attempt, cart, Channel.IN_APP, CartSaveStage.BROWSE_REMINDER,
                     content={"headline": "Welcome back!", "body": "Your picks are still here.",
                              "cta": "Show my cart"})  # fmt: skip
        session.commit()
        return cart.public_token, email.tracking_token, note.tracking_token, code.code


def test_recovery_link_restores_the_cart_with_its_code(live_app, page) -> None:
    token, link, note, code = _abandoned_cart_with_messages(live_app)

    page.goto(f"{live_app.base_url}/r/{link}")
    page.wait_for_url("**/demo/store/shop**")
    assert "ca_cart" not in page.url  # the drawer took the token and tidied the address bar
    drawer = page.locator('[data-ca="drawer"]')
    expect(drawer).to_be_visible()
    expect(page.locator('[data-ca="item"]')).to_have_count(1)
    expect(page.locator('[data-ca="code-remove"]')).to_have_attribute(
        "aria-label", f"Remove discount code {code}"
    )
    message = page.locator('[data-ca="message"]')
    expect(message).to_contain_text("Welcome back!")
    screenshot(page, "recovery-link-drawer", full_page=False)
    page.locator('[data-ca="message-dismiss"]').click()
    expect(message).to_have_count(0)

    page.reload()
    page.wait_for_function("window.MomentumCart && window.MomentumCart.ready")
    page.evaluate("MomentumCart.ready")
    page.evaluate("MomentumCart.open()")
    expect(page.locator('[data-ca="item"]')).to_have_count(1)
    expect(page.locator('[data-ca="message"]')).to_have_count(0)  # once per visit

    with Session(engine_for(live_app.database_url)) as session:
        cart = session.exec(select(Cart).where(col(Cart.public_token) == token)).one()
        assert cart.discount_code == code
        rows = {r.tracking_token: r for r in session.exec(select(CartIntervention).where(
            col(CartIntervention.cart_id) == cart.id)).all()}  # fmt: skip
        assert rows[link].clicked_at is not None
        assert rows[note].opened_at is not None and rows[note].response_type == "DISMISSED"
