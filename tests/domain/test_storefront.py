"""The shopper's cart in the domain: stock holds, checkout URL, conversion."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session, col, select

from cart_admin.domain import storefront as shop
from cart_admin.domain.tenancy import NotFound
from cart_admin.models import (
    CartItem,
    CartStatus,
    DiscountCode,
    DiscountKind,
    Inventory,
    InventoryHold,
    LandingPageStatus,
)
from cart_admin.models.types import utcnow
from tests.factories import (
    make_company,
    make_discount_code,
    make_landing_page,
    make_product,
)


@pytest.fixture
def store(session: Session) -> shop.Storefront:
    company = make_company(session)
    page = make_landing_page(
        session, company, cart_theme={"triggers": {"urgency": {"hold_minutes": 20}}}
    )
    return shop.storefront_for_key(session, public_key=page.public_key)


def _stock(session: Session, product) -> tuple[int, int]:
    session.expire_all()
    row = session.exec(select(Inventory).where(col(Inventory.product_id) == product.id)).one()
    return row.available, row.reserved


def _holds(session: Session, cart) -> list[InventoryHold]:
    session.expire_all()
    return list(
        session.exec(
            select(InventoryHold)
            .where(col(InventoryHold.cart_id) == cart.id)
            .order_by(col(InventoryHold.created_at))
        ).all()
    )


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("https://shop.example/checkout", "https://shop.example/checkout?cart=TOK"),
        ("https://shop.example/checkout?lang=fr", "https://shop.example/checkout?lang=fr&cart=TOK"),
        ("https://shop.example/co?a=1&b=2#pay", "https://shop.example/co?a=1&b=2&cart=TOK#pay"),
        (None, "/checkout?cart=TOK"),
    ],
)
def test_checkout_url_appends_the_token(base, expected) -> None:
    assert shop.checkout_url(base, "TOK") == expected


def test_checkout_url_encodes_the_token() -> None:
    assert shop.checkout_url("https://s.example/c", "a b&c") == "https://s.example/c?cart=a+b%26c"


def test_unpublished_or_unknown_page_is_not_a_storefront(session: Session) -> None:
    company = make_company(session)
    draft = make_landing_page(session, company, status=LandingPageStatus.DRAFT)

    with pytest.raises(NotFound):
        shop.storefront_for_key(session, public_key=draft.public_key)
    with pytest.raises(NotFound):
        shop.storefront_for_key(session, public_key="pk_nobody")


def test_hold_follows_the_line(session: Session, store) -> None:
    product = make_product(session, store.company, available=10)
    t0 = utcnow()
    cart = shop.create_cart(session, store=store, now=t0)

    shop.add_item(session, store=store, cart=cart, product_id=product.id, quantity=2, now=t0)
    session.commit()
    [hold] = _holds(session, cart)
    assert (hold.quantity, hold.expires_at, hold.released_at) == (
        2,
        t0 + timedelta(minutes=20),
        None,
    )
    assert _stock(session, product) == (8, 2)

    t1 = t0 + timedelta(minutes=5)
    shop.set_quantity(session, store=store, cart=cart, product_id=product.id, quantity=5, now=t1)
    session.commit()
    [hold] = _holds(session, cart)
    assert (hold.quantity, hold.expires_at) == (5, t1 + timedelta(minutes=20))
    assert _stock(session, product) == (5, 5)

    t2 = t1 + timedelta(minutes=1)
    shop.remove_item(session, store=store, cart=cart, product_id=product.id, now=t2)
    session.commit()
    [hold] = _holds(session, cart)
    assert hold.released_at == t2
    assert _stock(session, product) == (10, 0)


def test_the_last_unit_goes_to_one_cart_only(session: Session, store) -> None:
    product = make_product(session, store.company, available=1)
    now = utcnow()
    first = shop.create_cart(session, store=store, now=now)
    second = shop.create_cart(session, store=store, now=now)
    shop.add_item(session, store=store, cart=first, product_id=product.id, quantity=1, now=now)
    session.commit()

    with pytest.raises(shop.CartError, match="sold out"):
        shop.add_item(session, store=store, cart=second, product_id=product.id, quantity=1, now=now)
    session.rollback()

    assert _stock(session, product) == (0, 1)
    assert _holds(session, second) == []


def test_convert_sells_the_held_units_and_spends_the_code(session: Session, store) -> None:
    product = make_product(session, store.company, available=5, price="30.00")
    code = make_discount_code(session, store.company, code="ONCE", max_uses=1)
    now = utcnow()
    cart = shop.create_cart(session, store=store, now=now)
    shop.add_item(session, store=store, cart=cart, product_id=product.id, quantity=2, now=now)
    shop.apply_discount(session, store=store, cart=cart, code="once", now=now)
    session.commit()

    later = now + timedelta(minutes=3)
    shop.convert_cart(session, cart=cart, now=later)
    shop.convert_cart(session, cart=cart, now=later + timedelta(minutes=1))  # idempotent
    session.commit()

    assert cart.status is CartStatus.CONVERTED and cart.converted_at == later
    assert _stock(session, product) == (3, 0)
    assert all(h.released_at == later for h in _holds(session, cart))
    assert session.get(DiscountCode, code.id).uses == 1


def test_an_expired_cart_cannot_be_converted(session: Session, store) -> None:
    cart = shop.create_cart(session, store=store, now=utcnow())
    cart.status = CartStatus.EXPIRED
    session.commit()

    with pytest.raises(shop.CartClosed):
        shop.convert_cart(session, cart=cart, now=utcnow())


def test_a_closed_cart_takes_no_changes(session: Session, store) -> None:
    product = make_product(session, store.company, available=5)
    now = utcnow()
    cart = shop.create_cart(session, store=store, now=now)
    shop.add_item(session, store=store, cart=cart, product_id=product.id, quantity=1, now=now)
    shop.convert_cart(session, cart=cart, now=now)
    session.commit()

    for change in (
        lambda: shop.add_item(
            session, store=store, cart=cart, product_id=product.id, quantity=1, now=now
        ),
        lambda: shop.set_quantity(
            session, store=store, cart=cart, product_id=product.id, quantity=3, now=now
        ),
        lambda: shop.remove_item(session, store=store, cart=cart, product_id=product.id, now=now),
        lambda: shop.remove_discount(session, store=store, cart=cart, now=now),
        lambda: shop.start_checkout(session, store=store, cart=cart, now=now),
    ):
        with pytest.raises(shop.CartClosed):
            change()
        session.rollback()


def test_reading_a_converted_cart_keeps_its_code_and_totals(session: Session, store) -> None:
    product = make_product(session, store.company, available=5, price="40.00")
    make_discount_code(
        session, store.company, code="ONCE", kind=DiscountKind.FIXED, value="10.00", max_uses=1
    )
    now = utcnow()
    cart = shop.create_cart(session, store=store, now=now)
    shop.add_item(session, store=store, cart=cart, product_id=product.id, quantity=1, now=now)
    shop.apply_discount(session, store=store, cart=cart, code="ONCE", now=now)
    shop.convert_cart(session, cart=cart, now=now)
    session.commit()
    before = (cart.discount_code, cart.discount_total, cart.grand_total)
    assert before[:2] == ("ONCE", Decimal("10.00"))

    priced = shop.reprice(session, store=store, cart=cart, now=now + timedelta(minutes=1))
    session.commit()

    assert priced.notice is None
    assert (cart.discount_code, cart.discount_total, cart.grand_total) == before


def test_a_price_change_does_not_rewrite_a_converted_cart(session: Session, store) -> None:
    product = make_product(session, store.company, available=5, price="40.00")
    now = utcnow()
    cart = shop.create_cart(session, store=store, now=now)
    shop.add_item(session, store=store, cart=cart, product_id=product.id, quantity=1, now=now)
    shop.convert_cart(session, cart=cart, now=now)
    session.commit()
    paid = cart.grand_total

    product.price = Decimal("99.00")
    session.add(product)
    session.commit()
    shop.reprice(session, store=store, cart=cart, now=now + timedelta(minutes=1))
    session.commit()

    line = session.exec(select(CartItem).where(col(CartItem.cart_id) == cart.id)).one()
    assert line.unit_price == Decimal("40.00")
    assert cart.grand_total == paid
