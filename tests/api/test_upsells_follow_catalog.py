"""The drawer's product suggestions come from the landing page's catalog only."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient
from sqlmodel import Session

from cart_admin.api.app import create_api
from tests.factories import (
    make_company,
    make_landing_page,
    make_page_products,
    make_product,
    set_stock,
)


def test_complementary_and_free_shipping_suggestions_stay_in_the_catalog(session: Session):
    company = make_company(session)
    page = make_landing_page(session, company, allowed_origins=["https://shop.example"])
    in_cart = make_product(session, company, name="Beans", price=Decimal("20.00"))
    listed = make_product(session, company, name="Mug", price=Decimal("40.00"))
    unlisted = make_product(session, company, name="Kettle", price=Decimal("45.00"))
    for product in (in_cart, listed, unlisted):
        set_stock(session, product, 50)
    make_page_products(session, page, [in_cart, listed])
    page.product_catalog = {"mode": "selected"}
    session.add(page)
    session.commit()
    api = TestClient(create_api())
    base = f"/api/public/{page.public_key}"
    token = api.post(f"{base}/carts").json()["token"]
    assert (
        api.post(f"{base}/carts/{token}/items", json={"product_id": in_cart.id}).status_code == 200
    )

    recommendations = api.get(
        f"/api/momentum/cart-upsell/{token}/recommendations", params={"maxRecommendations": 5}
    ).json()

    suggested = {p["id"] for r in recommendations for p in r["products"]}
    assert listed.id in suggested
    assert unlisted.id not in suggested
