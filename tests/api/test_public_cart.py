"""The storefront's public cart API end to end: real rows, exact money, nothing half-changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from cart_admin.api.app import create_api
from cart_admin.models import (
    Cart,
    CartItem,
    CartStatus,
    CartTriggerImpression,
    DiscountCode,
    DiscountKind,
    Inventory,
    InventoryHold,
    LandingPageProduct,
    LandingPageStatus,
    ProductStatus,
)
from cart_admin.models.types import utcnow
from tests.factories import (
    make_api_key,
    make_company,
    make_discount_code,
    make_landing_page,
    make_product,
)

HOLD_MINUTES = 25


@pytest.fixture
def shop(session: Session) -> SimpleNamespace:
    company = make_company(session)
    page = make_landing_page(
        session,
        company,
        checkout_url="https://shop.example/checkout?lang=fr",
        cart_theme={
            "triggers": {"control_share_percent": 0, "urgency": {"hold_minutes": HOLD_MINUTES}}
        },
    )
    mug = make_product(
        session, company, name="Mug", price="24.99", available=10, compare_at_price=Decimal("29.99")
    )
    beans = make_product(session, company, name="Beans", price="12.50", available=3)
    free = make_product(session, company, name="Sticker", price="1.00")  # stock not tracked
    api = TestClient(create_api())
    base = f"/api/public/{page.public_key}"
    return SimpleNamespace(
        company=company,
        page=page,
        mug=mug,
        beans=beans,
        free=free,
        api=api,
        base=base,
        session=session,
    )


def _new_cart(shop) -> str:
    response = shop.api.post(f"{shop.base}/carts", json={})
    assert response.status_code == 201, response.text
    return response.json()["token"]


def _add(shop, token: str, product, quantity: int = 1):
    return shop.api.post(
        f"{shop.base}/carts/{token}/items", json={"product_id": product.id, "quantity": quantity}
    )


def _cart_row(session: Session, token: str) -> Cart:
    session.expire_all()
    return session.exec(select(Cart).where(col(Cart.public_token) == token)).one()


def _state(session: Session, token: str) -> dict:
    """Everything a failed change must leave as it was, read back from the database."""
    cart = _cart_row(session, token)
    lines = session.exec(select(CartItem).where(col(CartItem.cart_id) == cart.id)).all()
    holds = session.exec(select(InventoryHold).where(col(InventoryHold.cart_id) == cart.id)).all()
    stock = session.exec(select(Inventory).where(col(Inventory.company_id) == cart.company_id))
    return {
        "cart": (
            cart.status,
            cart.item_count,
            cart.subtotal,
            cart.discount_total,
            cart.shipping_total,
            cart.tax_total,
            cart.grand_total,
            cart.discount_code,
            cart.checkout_started_at,
        ),
        "lines": sorted((i.product_id, i.quantity, i.unit_price) for i in lines),
        "holds": sorted((h.product_id, h.quantity, h.expires_at, h.released_at) for h in holds),
        "stock": sorted((s.product_id, s.available, s.reserved) for s in stock.all()),
    }


def _stock(session: Session, product) -> tuple[int, int]:
    session.expire_all()
    row = session.exec(select(Inventory).where(col(Inventory.product_id) == product.id)).one()
    return row.available, row.reserved


def _holds(session: Session, token: str, product) -> list[InventoryHold]:
    cart = _cart_row(session, token)
    return list(
        session.exec(
            select(InventoryHold).where(
                col(InventoryHold.cart_id) == cart.id, col(InventoryHold.product_id) == product.id
            )
        ).all()
    )


def _close_to(value: datetime, expected: datetime, seconds: float = 10) -> bool:
    return abs((value - expected).total_seconds()) <= seconds


# --- create, add, change, remove ---------------------------------------------------------------


def test_create_gives_an_empty_cart_with_a_token(shop) -> None:
    response = shop.api.post(f"{shop.base}/carts", json={})

    assert response.status_code == 201
    body = response.json()
    assert len(body["token"]) >= 30
    assert body["status"] == "ACTIVE" and body["currency"] == "USD"
    assert body["items"] == [] and body["item_count"] == 0
    for key in ("subtotal", "discount_total", "shipping_total", "tax_total", "grand_total"):
        assert body[key] == "0.00"
    assert body["hold_expires_at"] is None
    assert body["checkout_url"] == f"https://shop.example/checkout?lang=fr&cart={body['token']}"
    assert _cart_row(shop.session, body["token"]).landing_page_id == shop.page.id


def test_two_carts_get_different_tokens(shop) -> None:
    assert _new_cart(shop) != _new_cart(shop)


def test_add_prices_from_the_server_and_totals_are_exact(shop) -> None:
    token = _new_cart(shop)

    response = _add(shop, token, shop.mug, 2)

    assert response.status_code == 200, response.text
    body = response.json()
    [line] = body["items"]
    assert line["product_id"] == shop.mug.id and line["name"] == "Mug"
    assert (line["unit_price"], line["quantity"], line["line_total"]) == ("24.99", 2, "49.98")
    assert line["compare_at_price"] == "29.99"
    assert line["available"] == 8
    assert body["item_count"] == 2
    assert (body["subtotal"], body["discount_total"]) == ("49.98", "0.00")
    assert (body["shipping_total"], body["tax_total"], body["grand_total"]) == (
        "5.99",
        "4.00",
        "59.97",
    )
    assert body["free_shipping"] == {
        "threshold": "50.00",
        "basis": "after_discounts",
        "amount": "49.98",
        "remaining": "0.02",
        "progress": 0.9996,
        "qualifies": False,
        "lost_by_discount": False,
    }
    row = _cart_row(shop.session, token)
    assert (row.subtotal, row.tax_total, row.grand_total) == (
        Decimal("49.98"),
        Decimal("4.00"),
        Decimal("59.97"),
    )


def test_a_client_price_is_refused_and_changes_nothing(shop) -> None:
    token = _new_cart(shop)
    _add(shop, token, shop.mug, 1)
    before = _state(shop.session, token)

    response = shop.api.post(
        f"{shop.base}/carts/{token}/items",
        json={"product_id": shop.beans.id, "quantity": 1, "price": "0.01"},
    )

    assert response.status_code == 422
    assert "price" in response.json()["detail"]
    assert [e["field"] for e in response.json()["errors"]] == ["price"]
    assert _state(shop.session, token) == before


def test_adding_again_increments_the_line(shop) -> None:
    token = _new_cart(shop)
    _add(shop, token, shop.mug, 1)

    body = _add(shop, token, shop.mug, 2).json()

    assert [(i["product_id"], i["quantity"]) for i in body["items"]] == [(shop.mug.id, 3)]
    assert body["subtotal"] == "74.97"
    assert body["shipping_total"] == "0.00"  # over the 50.00 threshold
    assert body["tax_total"] == "6.00"  # 74.97 * 0.08 = 5.9976
    assert body["grand_total"] == "80.97"
    assert _stock(shop.session, shop.mug) == (7, 3)
    assert [h.quantity for h in _holds(shop.session, token, shop.mug)] == [3]


def test_patch_quantity_delete_and_zero_removes(shop) -> None:
    token = _new_cart(shop)
    _add(shop, token, shop.mug, 1)
    _add(shop, token, shop.beans, 1)

    patched = shop.api.patch(f"{shop.base}/carts/{token}/items/{shop.mug.id}", json={"quantity": 4})
    assert patched.status_code == 200
    assert {i["product_id"]: i["quantity"] for i in patched.json()["items"]} == {
        shop.mug.id: 4,
        shop.beans.id: 1,
    }
    assert patched.json()["subtotal"] == "112.46"

    zero = shop.api.patch(f"{shop.base}/carts/{token}/items/{shop.beans.id}", json={"quantity": 0})
    assert zero.status_code == 200
    assert [i["product_id"] for i in zero.json()["items"]] == [shop.mug.id]
    assert _stock(shop.session, shop.beans) == (3, 0)

    deleted = shop.api.delete(f"{shop.base}/carts/{token}/items/{shop.mug.id}")
    assert deleted.status_code == 200
    body = deleted.json()
    assert body["items"] == [] and body["grand_total"] == "0.00" and body["item_count"] == 0
    assert _stock(shop.session, shop.mug) == (10, 0)
    assert (
        shop.session.exec(
            select(CartItem).where(col(CartItem.cart_id) == _cart_row(shop.session, token).id)
        ).all()
        == []
    )


def test_changing_a_line_not_in_the_cart_is_refused(shop) -> None:
    token = _new_cart(shop)
    _add(shop, token, shop.mug, 1)
    before = _state(shop.session, token)

    for response in (
        shop.api.patch(f"{shop.base}/carts/{token}/items/{shop.beans.id}", json={"quantity": 2}),
        shop.api.delete(f"{shop.base}/carts/{token}/items/{shop.beans.id}"),
    ):
        assert response.status_code == 422
        assert response.json()["detail"] == "This product is not in the cart."
    assert _state(shop.session, token) == before


def test_a_price_change_in_the_catalog_reaches_the_cart(shop) -> None:
    token = _new_cart(shop)
    _add(shop, token, shop.mug, 1)
    shop.mug.price = Decimal("20.00")
    shop.session.add(shop.mug)
    shop.session.commit()

    body = shop.api.get(f"{shop.base}/carts/{token}").json()

    assert body["items"][0]["unit_price"] == "20.00"
    assert body["subtotal"] == "20.00"
    assert body["grand_total"] == "27.59"  # 20.00 + 5.99 + 1.60


# --- stock and holds ---------------------------------------------------------------------------


def test_more_than_available_is_refused_and_nothing_changes(shop) -> None:
    token = _new_cart(shop)
    _add(shop, token, shop.mug, 1)
    _add(shop, token, shop.beans, 1)
    before = _state(shop.session, token)

    too_many = _add(shop, token, shop.beans, 3)  # 1 in the cart + 3 > 3 in stock

    assert too_many.status_code == 422
    assert too_many.json()["detail"] == "Only 3 of Beans left."
    assert _state(shop.session, token) == before
    assert _stock(shop.session, shop.beans) == (2, 1)

    patched = shop.api.patch(
        f"{shop.base}/carts/{token}/items/{shop.beans.id}", json={"quantity": 4}
    )
    assert patched.status_code == 422
    assert patched.json()["detail"] == "Only 3 of Beans left."
    assert _state(shop.session, token) == before


def test_untracked_products_are_never_out_of_stock(shop) -> None:
    token = _new_cart(shop)

    body = _add(shop, token, shop.free, 99).json()

    assert body["items"][0]["available"] is None
    assert body["items"][0]["quantity"] == 99
    assert _holds(shop.session, token, shop.free)[0].quantity == 99


def test_a_hold_per_line_expires_after_the_theme_minutes_and_renews(shop) -> None:
    token = _new_cart(shop)

    body = _add(shop, token, shop.mug, 1).json()
    [hold] = _holds(shop.session, token, shop.mug)
    assert hold.quantity == 1 and hold.released_at is None
    assert _close_to(hold.expires_at, utcnow() + timedelta(minutes=HOLD_MINUTES))
    assert datetime.fromisoformat(body["hold_expires_at"]) == hold.expires_at
    assert body["triggers"]["urgency"]["level"] == "low"

    first_expiry = hold.expires_at
    _add(shop, token, shop.beans, 2)
    shop.api.patch(f"{shop.base}/carts/{token}/items/{shop.mug.id}", json={"quantity": 3})
    [renewed] = _holds(shop.session, token, shop.mug)
    assert renewed.id == hold.id and renewed.quantity == 3
    assert renewed.expires_at >= first_expiry

    shop.api.delete(f"{shop.base}/carts/{token}/items/{shop.mug.id}")
    [released] = _holds(shop.session, token, shop.mug)
    assert released.released_at is not None
    assert _stock(shop.session, shop.mug) == (10, 0)
    assert [h.quantity for h in _holds(shop.session, token, shop.beans)] == [2]


def test_a_second_cart_cannot_take_the_last_unit(shop) -> None:
    first, second = _new_cart(shop), _new_cart(shop)
    assert _add(shop, first, shop.beans, 3).status_code == 200
    before = _state(shop.session, second)

    response = _add(shop, second, shop.beans, 1)

    assert response.status_code == 422
    assert response.json()["detail"] == "Beans is sold out."
    assert _state(shop.session, second) == before
    assert _stock(shop.session, shop.beans) == (0, 3)

    shop.api.patch(f"{shop.base}/carts/{first}/items/{shop.beans.id}", json={"quantity": 2})
    assert _add(shop, second, shop.beans, 1).status_code == 200
    assert _stock(shop.session, shop.beans) == (0, 3)


# --- discount codes ----------------------------------------------------------------------------


def test_a_valid_code_applies_and_can_be_removed(shop) -> None:
    make_discount_code(
        shop.session, shop.company, code="SAVE10", kind=DiscountKind.PERCENT, value="10"
    )
    token = _new_cart(shop)
    _add(shop, token, shop.mug, 2)  # 49.98

    applied = shop.api.post(f"{shop.base}/carts/{token}/discount", json={"code": " save10 "})

    assert applied.status_code == 200, applied.text
    body = applied.json()
    assert body["discount_code"] == "SAVE10"
    assert body["discount_total"] == "5.00"  # 4.998
    assert body["tax_total"] == "3.60"  # 44.98 * 0.08 = 3.5984
    assert body["shipping_total"] == "5.99"
    assert body["grand_total"] == "54.57"
    assert _cart_row(shop.session, token).discount_code == "SAVE10"

    removed = shop.api.delete(f"{shop.base}/carts/{token}/discount").json()
    assert removed["discount_code"] is None and removed["grand_total"] == "59.97"


def test_free_shipping_and_fixed_codes(shop) -> None:
    make_discount_code(
        shop.session, shop.company, code="SHIPFREE", kind=DiscountKind.FREE_SHIPPING, value="0"
    )
    make_discount_code(
        shop.session, shop.company, code="FIVE", kind=DiscountKind.FIXED, value="5.00"
    )
    token = _new_cart(shop)
    _add(shop, token, shop.beans, 1)  # 12.50

    ship = shop.api.post(f"{shop.base}/carts/{token}/discount", json={"code": "SHIPFREE"}).json()
    assert (ship["discount_total"], ship["shipping_total"], ship["grand_total"]) == (
        "0.00",
        "0.00",
        "13.50",
    )

    five = shop.api.post(f"{shop.base}/carts/{token}/discount", json={"code": "five"}).json()
    assert (five["discount_code"], five["discount_total"], five["tax_total"]) == (
        "FIVE",
        "5.00",
        "0.60",
    )
    assert five["grand_total"] == "14.09"  # 7.50 + 5.99 + 0.60


def _bad_codes(shop, token: str) -> list[tuple[str, str]]:
    other = Cart(
        company_id=shop.company.id, public_token=f"other-{token[:20]}", landing_page_id=shop.page.id
    )
    shop.session.add(other)
    shop.session.commit()
    past = utcnow() - timedelta(minutes=1)
    make_discount_code(shop.session, shop.company, code="OLD", expires_at=past)
    make_discount_code(shop.session, shop.company, code="SPENT", max_uses=1, uses=1)
    make_discount_code(shop.session, shop.company, code="THEIRS", cart_id=other.id)
    make_discount_code(shop.session, shop.company, code="BIG", min_subtotal=Decimal("100.00"))
    make_discount_code(shop.session, shop.company, code="OFF", is_active=False)
    stranger = make_company(shop.session, "Other shop")
    make_discount_code(shop.session, stranger, code="ELSEWHERE")
    return [
        ("NOPE", "The code NOPE is not valid."),
        ("OLD", "The code OLD has expired."),
        ("SPENT", "The code SPENT has already been used."),
        ("THEIRS", "The code THEIRS belongs to another cart."),
        ("BIG", "The code BIG needs a subtotal of at least 100.00."),
        ("OFF", "The code OFF is not valid."),
        ("ELSEWHERE", "The code ELSEWHERE is not valid."),
        ("   ", "Enter a discount code."),
    ]


def test_unusable_codes_are_refused_with_a_message_and_change_nothing(shop) -> None:
    token = _new_cart(shop)
    _add(shop, token, shop.mug, 2)
    cases = _bad_codes(shop, token)
    before = _state(shop.session, token)

    for code, message in cases:
        response = shop.api.post(f"{shop.base}/carts/{token}/discount", json={"code": code})
        assert response.status_code == 422, code
        assert response.json()["detail"] == message
        assert _state(shop.session, token) == before, code


def test_a_code_that_stops_applying_is_removed_with_a_notice(shop) -> None:
    make_discount_code(
        shop.session,
        shop.company,
        code="BIG20",
        kind=DiscountKind.FIXED,
        value="20.00",
        min_subtotal=Decimal("60.00"),
    )
    token = _new_cart(shop)
    _add(shop, token, shop.mug, 3)  # 74.97
    applied = shop.api.post(f"{shop.base}/carts/{token}/discount", json={"code": "BIG20"}).json()
    assert applied["discount_total"] == "20.00" and applied["notice"] is None

    body = shop.api.patch(
        f"{shop.base}/carts/{token}/items/{shop.mug.id}", json={"quantity": 2}
    ).json()

    assert body["discount_code"] is None
    assert body["discount_total"] == "0.00"
    assert body["notice"] == (
        "The code BIG20 needs a subtotal of at least 60.00. It was removed from your cart."
    )
    assert body["grand_total"] == "59.97"
    assert _cart_row(shop.session, token).discount_code is None


# --- checkout and conversion -------------------------------------------------------------------


def test_checkout_returns_the_page_url_with_the_token(shop) -> None:
    token = _new_cart(shop)
    _add(shop, token, shop.mug, 1)

    response = shop.api.post(f"{shop.base}/carts/{token}/checkout")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["checkout_url"] == f"https://shop.example/checkout?lang=fr&cart={token}"
    assert body["cart"]["token"] == token and body["cart"]["grand_total"] == "32.98"
    started = _cart_row(shop.session, token).checkout_started_at
    assert started is not None and _close_to(started, utcnow())


def test_an_empty_cart_cannot_check_out(shop) -> None:
    token = _new_cart(shop)

    response = shop.api.post(f"{shop.base}/carts/{token}/checkout")

    assert response.status_code == 422
    assert response.json()["detail"] == "The cart is empty."
    assert _cart_row(shop.session, token).checkout_started_at is None


def test_convert_sells_holds_spends_the_code_and_closes_the_cart(shop) -> None:
    code = make_discount_code(shop.session, shop.company, code="ONCE", max_uses=1)
    key = make_api_key(shop.session, shop.company)
    admin = TestClient(create_api(), headers={"Authorization": f"Bearer {key}"})
    token = _new_cart(shop)
    _add(shop, token, shop.mug, 2)
    _add(shop, token, shop.beans, 1)
    shop.api.post(f"{shop.base}/carts/{token}/discount", json={"code": "ONCE"})
    impression = shop.api.post(
        f"/api/momentum/cart-triggers/{token}/impression",
        json={"trigger": "SCARCITY", "placement": "CART_ITEM"},
    ).json()
    shop.api.post(f"{shop.base}/carts/{token}/checkout")
    cart_id = _cart_row(shop.session, token).id

    response = admin.post(f"/api/carts/{cart_id}/convert")

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "CONVERTED"
    cart = _cart_row(shop.session, token)
    assert cart.status is CartStatus.CONVERTED and cart.converted_at is not None
    assert _stock(shop.session, shop.mug) == (8, 0)  # available unchanged, reserved sold
    assert _stock(shop.session, shop.beans) == (2, 0)
    holds = _holds(shop.session, token, shop.mug) + _holds(shop.session, token, shop.beans)
    assert all(h.released_at == cart.converted_at for h in holds)
    assert shop.session.get(DiscountCode, code.id).uses == 1
    row = shop.session.get(CartTriggerImpression, impression["id"])
    assert row.converted_at == cart.converted_at

    again = admin.post(f"/api/carts/{cart_id}/convert")
    assert again.status_code == 200
    shop.session.expire_all()
    assert shop.session.get(DiscountCode, code.id).uses == 1
    assert _stock(shop.session, shop.mug) == (8, 0)
    assert _cart_row(shop.session, token).converted_at == cart.converted_at


def test_convert_needs_the_companys_key(shop) -> None:
    token = _new_cart(shop)
    cart_id = _cart_row(shop.session, token).id
    stranger = make_company(shop.session, "Other shop")
    key = make_api_key(shop.session, stranger)

    assert shop.api.post(f"/api/carts/{cart_id}/convert").status_code == 401
    other = TestClient(create_api(), headers={"Authorization": f"Bearer {key}"})
    assert other.post(f"/api/carts/{cart_id}/convert").status_code == 404
    assert _cart_row(shop.session, token).status is CartStatus.ACTIVE


def test_a_converted_cart_refuses_changes_with_409(shop) -> None:
    key = make_api_key(shop.session, shop.company)
    admin = TestClient(create_api(), headers={"Authorization": f"Bearer {key}"})
    make_discount_code(shop.session, shop.company, code="LATER")
    token = _new_cart(shop)
    _add(shop, token, shop.mug, 1)
    admin.post(f"/api/carts/{_cart_row(shop.session, token).id}/convert")
    before = _state(shop.session, token)
    cart_path = f"{shop.base}/carts/{token}"

    responses = [
        _add(shop, token, shop.beans, 1),
        _add(shop, token, shop.mug, 1),
        shop.api.patch(f"{cart_path}/items/{shop.mug.id}", json={"quantity": 2}),
        shop.api.delete(f"{cart_path}/items/{shop.mug.id}"),
        shop.api.post(f"{cart_path}/discount", json={"code": "LATER"}),
        shop.api.delete(f"{cart_path}/discount"),
        shop.api.post(f"{cart_path}/checkout"),
    ]

    for response in responses:
        assert response.status_code == 409, response.request.url
        assert "closed" in response.json()["detail"]
    assert _state(shop.session, token) == before


def test_an_abandoned_cart_becomes_active_again_on_a_change(shop) -> None:
    token = _new_cart(shop)
    _add(shop, token, shop.mug, 1)
    cart = _cart_row(shop.session, token)
    cart.status = CartStatus.ABANDONED
    shop.session.add(cart)
    shop.session.commit()

    assert _add(shop, token, shop.mug, 1).json()["status"] == "ACTIVE"


# --- catalog -----------------------------------------------------------------------------------


def test_catalog_lists_the_pages_products_in_the_merchants_order(shop) -> None:
    everything = shop.api.get(f"{shop.base}/products").json()["items"]
    assert [p["name"] for p in everything] == ["Beans", "Mug", "Sticker"]  # by name

    for order, product in enumerate([shop.mug, shop.free]):
        shop.session.add(
            LandingPageProduct(
                company_id=shop.company.id,
                landing_page_id=shop.page.id,
                product_id=product.id,
                sort_order=order,
            )
        )
    shop.session.commit()
    chosen = shop.api.get(f"{shop.base}/products").json()["items"]
    assert [p["name"] for p in chosen] == ["Mug", "Sticker"]
    assert chosen[0]["price"] == "24.99" and chosen[0]["available"] == 10


# --- bad input: 4xx with a detail, never 5xx, the cart unchanged -------------------------------


def _bad_requests(shop, token: str, other_token: str, draft_key: str, foreign_id: str):
    cart = f"{shop.base}/carts/{token}"
    mug = shop.mug.id
    return [
        # unknown / unpublished public key
        ("GET", "/api/public/pk_unknown/products", None, 404),
        ("POST", "/api/public/pk_unknown/carts", {}, 404),
        ("GET", f"/api/public/pk_unknown/carts/{token}", None, 404),
        ("POST", f"/api/public/pk_unknown/carts/{token}/items", {"product_id": mug}, 404),
        ("GET", f"/api/public/{draft_key}/products", None, 404),
        ("POST", f"/api/public/{draft_key}/carts", {}, 404),
        ("GET", f"/api/public/{draft_key}/carts/{token}", None, 404),
        ("POST", f"/api/public/{draft_key}/heartbeat", {"session_id": "tab-1234"}, 404),
        ("GET", "/api/public/bad key!/products", None, 422),
        ("GET", "/api/public/" + "k" * 41 + "/products", None, 422),
        # wrong, unknown and another page's token
        ("GET", f"{shop.base}/carts/unknown-token", None, 404),
        ("GET", f"{shop.base}/carts/{other_token}", None, 404),
        ("POST", f"{shop.base}/carts/{other_token}/items", {"product_id": mug}, 404),
        ("PATCH", f"{shop.base}/carts/{other_token}/items/{mug}", {"quantity": 1}, 404),
        ("DELETE", f"{shop.base}/carts/{other_token}/items/{mug}", None, 404),
        ("POST", f"{shop.base}/carts/{other_token}/discount", {"code": "X"}, 404),
        ("DELETE", f"{shop.base}/carts/{other_token}/discount", None, 404),
        ("POST", f"{shop.base}/carts/{other_token}/checkout", None, 404),
        ("GET", f"{shop.base}/carts/" + "t" * 65, None, 422),
        ("GET", f"{shop.base}/carts/bad%20token", None, 422),
        # unknown or another company's product, inactive product
        ("POST", f"{cart}/items", {"product_id": "0" * 24}, 422),
        ("POST", f"{cart}/items", {"product_id": foreign_id}, 422),
        ("POST", f"{cart}/items", {"product_id": shop.inactive.id}, 422),
        # quantities
        ("POST", f"{cart}/items", {"product_id": mug, "quantity": 0}, 422),
        ("POST", f"{cart}/items", {"product_id": mug, "quantity": -1}, 422),
        ("POST", f"{cart}/items", {"product_id": mug, "quantity": 100}, 422),
        ("POST", f"{cart}/items", {"product_id": mug, "quantity": 10**30}, 422),
        ("POST", f"{cart}/items", {"product_id": mug, "quantity": 1.5}, 422),
        ("POST", f"{cart}/items", {"product_id": mug, "quantity": "lots"}, 422),
        ("POST", f"{cart}/items", {"product_id": mug, "quantity": 99}, 422),  # 1 in cart + 99
        ("PATCH", f"{cart}/items/{mug}", {"quantity": -1}, 422),
        ("PATCH", f"{cart}/items/{mug}", {"quantity": 100}, 422),
        ("PATCH", f"{cart}/items/{mug}", {"quantity": 10**30}, 422),
        ("PATCH", f"{cart}/items/{mug}", {}, 422),
        # non-hex and oversize ids
        ("POST", f"{cart}/items", {"product_id": "not-hex"}, 422),
        ("POST", f"{cart}/items", {"product_id": "'; drop table carts; --"}, 422),
        ("POST", f"{cart}/items", {"product_id": "a" * 25}, 422),
        ("POST", f"{cart}/items", {"product_id": ""}, 422),
        ("POST", f"{cart}/items", {}, 422),
        ("PATCH", f"{cart}/items/XYZ", {"quantity": 1}, 422),
        ("DELETE", f"{cart}/items/not-hex", None, 422),
        ("DELETE", f"{cart}/items/" + "a" * 25, None, 422),
        # bodies of the wrong shape
        ("POST", f"{cart}/items", [mug], 422),
        ("POST", f"{cart}/items", "just a string", 422),
        ("POST", f"{cart}/discount", {"code": ""}, 422),
        ("POST", f"{cart}/discount", {"code": "C" * 65}, 422),
        ("POST", f"{cart}/discount", {"code": 42}, 422),
        ("POST", f"{cart}/discount", {"code": "X", "amount": "100"}, 422),
        ("POST", f"{shop.base}/heartbeat", {"session_id": "short"}, 422),
        ("POST", f"{shop.base}/heartbeat", {"session_id": "bad session!"}, 422),
        ("POST", f"{shop.base}/heartbeat", {"session_id": "tab-1234", "product_ids": ["x"]}, 422),
        (
            "POST",
            f"{shop.base}/heartbeat",
            {"session_id": "tab-1234", "product_ids": ["a"] * 51},
            422,
        ),
    ]


def test_bad_input_gets_a_4xx_with_detail_and_changes_nothing(shop) -> None:
    token = _new_cart(shop)
    _add(shop, token, shop.mug, 1)
    other_page = make_landing_page(shop.session, shop.company)
    other_token = TestClient(create_api()).post(f"/api/public/{other_page.public_key}/carts").json()
    draft = make_landing_page(shop.session, shop.company, status=LandingPageStatus.DRAFT)
    stranger = make_company(shop.session, "Other shop")
    foreign = make_product(shop.session, stranger, available=10)
    shop.inactive = make_product(shop.session, shop.company, status=ProductStatus.ARCHIVED)
    before = _state(shop.session, token)
    api = TestClient(create_api(), raise_server_exceptions=False)

    wrong = []
    for method, path, body, expected in _bad_requests(
        shop, token, other_token["token"], draft.public_key, foreign.id
    ):
        response = api.request(method, path, json=body)
        if response.status_code != expected or not response.json().get("detail"):
            wrong.append((method, path, body, response.status_code, response.text[:200]))

    assert wrong == []

    assert _state(shop.session, token) == before
    assert _stock(shop.session, foreign) == (10, 0)


@pytest.mark.parametrize(
    "raw", [b"{", b'{"product_id": ', b"\xff\xfe", b"null", b"", b'{"product_id": "ab"}garbage']
)
def test_malformed_json_is_a_422_with_detail(shop, raw) -> None:
    token = _new_cart(shop)
    _add(shop, token, shop.mug, 1)
    before = _state(shop.session, token)
    api = TestClient(create_api(), raise_server_exceptions=False)

    response = api.post(
        f"{shop.base}/carts/{token}/items",
        content=raw,
        headers={"content-type": "application/json"},
    )

    assert 400 <= response.status_code < 500, response.text
    assert response.json()["detail"]
    assert _state(shop.session, token) == before


def test_all_money_in_the_cart_json_has_two_decimals(shop) -> None:
    token = _new_cart(shop)
    body = _add(shop, token, shop.free, 3).json()

    for key in ("subtotal", "discount_total", "shipping_total", "tax_total", "grand_total"):
        assert Decimal(body[key]).as_tuple().exponent == -2, key
    assert (body["subtotal"], body["tax_total"], body["grand_total"]) == ("3.00", "0.24", "9.23")


def test_datetimes_are_utc(shop) -> None:
    token = _new_cart(shop)
    body = _add(shop, token, shop.mug, 1).json()

    assert datetime.fromisoformat(body["hold_expires_at"]).utcoffset() == UTC.utcoffset(None)


def test_reading_a_converted_cart_keeps_what_was_paid(shop) -> None:
    make_discount_code(
        shop.session, shop.company, code="ONCE", kind=DiscountKind.FIXED, value="10.00", max_uses=1
    )
    key = make_api_key(shop.session, shop.company)
    admin = TestClient(create_api(), headers={"Authorization": f"Bearer {key}"})
    token = _new_cart(shop)
    _add(shop, token, shop.mug, 1)
    paid = shop.api.post(f"{shop.base}/carts/{token}/discount", json={"code": "ONCE"}).json()
    admin.post(f"/api/carts/{_cart_row(shop.session, token).id}/convert")

    body = shop.api.get(f"{shop.base}/carts/{token}").json()

    assert body["status"] == "CONVERTED"
    assert body["notice"] is None
    assert (body["discount_code"], body["grand_total"]) == ("ONCE", paid["grand_total"])
    row = _cart_row(shop.session, token)
    assert row.discount_code == "ONCE"
    assert row.grand_total == Decimal(paid["grand_total"])
