"""The admin routes themselves: validation, edits, listings, details and the overview."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from cart_admin.api.app import create_api
from cart_admin.models import (
    ApiKey,
    CartSaveStatus,
    CartStatus,
    LandingPage,
    LandingPageStatus,
    ProductStatus,
)
from cart_admin.models.types import utcnow
from tests.factories import (
    make_api_key,
    make_attempt,
    make_cart,
    make_company,
    make_customer,
    make_landing_page,
    make_product,
)


@pytest.fixture
def shop(session: Session) -> SimpleNamespace:
    company = make_company(session, "Acme Coffee")
    page = make_landing_page(
        session,
        company,
        name="Spring sale",
        allowed_origins=["https://shop.example"],
        checkout_url="https://shop.example/checkout",
        cart_theme={"accent": "#ff6600"},
    )
    key = make_api_key(session, company)
    api = TestClient(create_api(), headers={"Authorization": f"Bearer {key}"})
    return SimpleNamespace(company=company, page=page, key=key, api=api)


def _page_row(engine, page_id: str) -> dict:
    with Session(engine) as fresh:
        return fresh.get(LandingPage, page_id).model_dump()


def _errors(response) -> list[str]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert isinstance(body["detail"], str)
    assert body["detail"].startswith("Invalid request: ")
    return [e["field"] for e in body["errors"]]


# --- malformed and invalid bodies -------------------------------------------------------


@pytest.mark.parametrize("raw", [b"{bad", b'{"name": "x",}', b"", b'{"name": "x"'])
@pytest.mark.parametrize("target", ["patch-page", "post-key"])
def test_malformed_json_is_a_readable_422(shop, session, engine, raw, target):
    before = _page_row(engine, shop.page.id)
    method, url = (
        ("PATCH", f"/api/landing-pages/{shop.page.id}")
        if target == "patch-page"
        else ("POST", "/api/api-keys")
    )
    response = shop.api.request(
        method, url, content=raw, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    body = response.json()
    if raw:
        assert "Malformed JSON near position" in body["detail"]
        assert body["errors"] == [
            {"field": "body", "message": body["detail"].removeprefix("Invalid request: ")}
        ]
    else:  # an empty body is a missing body, not malformed JSON
        assert body["errors"][0]["field"] == "body"
    assert _page_row(engine, shop.page.id) == before
    assert len(session.exec(select(ApiKey)).all()) == 1


def test_malformed_json_position_is_reported(shop):
    response = shop.api.patch(
        f"/api/landing-pages/{shop.page.id}",
        content=b'{"name": "ok", oops}',
        headers={"Content-Type": "application/json"},
    )
    assert response.json()["detail"] == "Invalid request: Malformed JSON near position 15."


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": 5}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"status": "LIVE"}, "status"),
        ({"allowed_origins": "https://shop.example"}, "allowed_origins"),
        ({"allowed_origins": [1]}, "allowed_origins.0"),
        ({"allowed_origins": ["ftp://x"]}, "allowed_origins"),
        ({"allowed_origins": ["https://shop.example/path"]}, "allowed_origins"),
        ({"allowed_origins": ["https://shop.example?x=1"]}, "allowed_origins"),
        ({"allowed_origins": ["https://shop.example#top"]}, "allowed_origins"),
        ({"allowed_origins": ["not an origin"]}, "allowed_origins"),
        ({"allowed_origins": [f"https://s{i}.example" for i in range(21)]}, "allowed_origins"),
        ({"checkout_url": "not a url"}, "checkout_url"),
        ({"checkout_url": "javascript:alert(1)"}, "checkout_url"),
        ({"checkout_url": "ftp://shop.example/checkout"}, "checkout_url"),
        ({"store_url": "shop.example/store"}, "store_url"),
        ({"store_url": "javascript:alert(1)"}, "store_url"),
        ({"store_url": "//evil.example/store"}, "store_url"),
        ({"store_url": 5}, "store_url"),
        ({"store_url": "/" + "s" * 500}, "store_url"),
        ({"colour": "red"}, "colour"),
        ({"public_key": "pk_mine"}, "public_key"),
        ({"company_id": "someone-else"}, "company_id"),
        (["name"], "body"),
    ],
)
def test_invalid_landing_page_patch_names_the_field(shop, engine, body, field):
    before = _page_row(engine, shop.page.id)
    response = shop.api.patch(f"/api/landing-pages/{shop.page.id}", json=body)
    assert _errors(response) == [field]
    assert _page_row(engine, shop.page.id) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "name"), ({"name": ""}, "name"), ({"name": 3}, "name"), ({"name": "k", "x": 1}, "x")],
)
def test_invalid_api_key_body_names_the_field(shop, session, body, field):
    response = shop.api.post("/api/api-keys", json=body)
    assert _errors(response) == [field]
    assert len(session.exec(select(ApiKey)).all()) == 1


@pytest.mark.parametrize("field", ["name", "status", "allowed_origins"])
def test_null_for_a_required_page_field_is_a_422(shop, engine, field):
    api = TestClient(
        create_api(),
        headers={"Authorization": f"Bearer {shop.key}"},
        raise_server_exceptions=False,
    )
    before = _page_row(engine, shop.page.id)
    response = api.patch(f"/api/landing-pages/{shop.page.id}", json={field: None})
    assert _page_row(engine, shop.page.id) == before
    assert _errors(response) == [field]


# --- valid edits ------------------------------------------------------------------------


def test_patch_changes_exactly_the_given_fields(shop, engine):
    before = _page_row(engine, shop.page.id)
    response = shop.api.patch(
        f"/api/landing-pages/{shop.page.id}",
        json={
            "allowed_origins": [
                "HTTPS://Shop.Example/",
                "https://shop.example",
                "http://localhost:3000",
                "https://www.shop.example",
                "http://localhost:3000/",
            ]
        },
    )
    assert response.status_code == 200
    body = response.json()
    expected_origins = ["https://shop.example", "http://localhost:3000", "https://www.shop.example"]
    assert body["allowed_origins"] == expected_origins
    assert {k: body[k] for k in ("id", "name", "slug", "public_key", "status", "checkout_url")} == {
        "id": shop.page.id,
        "name": "Spring sale",
        "slug": shop.page.slug,
        "public_key": shop.page.public_key,
        "status": "PUBLISHED",
        "checkout_url": "https://shop.example/checkout",
    }
    after = _page_row(engine, shop.page.id)
    changed = {k for k in after if after[k] != before[k]}
    assert changed == {"allowed_origins", "updated_at"}
    assert after["allowed_origins"] == expected_origins
    assert after["cart_theme"] == {"accent": "#ff6600"}
    assert after["updated_at"] > before["updated_at"]


def test_patch_several_fields_and_clear_checkout_url(shop, engine):
    response = shop.api.patch(
        f"/api/landing-pages/{shop.page.id}",
        json={"name": "Summer sale", "status": "ARCHIVED", "checkout_url": None},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["status"], body["checkout_url"]) == (
        "Summer sale",
        "ARCHIVED",
        None,
    )
    row = _page_row(engine, shop.page.id)
    assert (row["name"], row["status"], row["checkout_url"]) == (
        "Summer sale",
        LandingPageStatus.ARCHIVED,
        None,
    )
    assert row["allowed_origins"] == ["https://shop.example"]


def test_patch_sets_checkout_url(shop, engine):
    response = shop.api.patch(
        f"/api/landing-pages/{shop.page.id}",
        json={"checkout_url": "https://pay.shop.example/checkout?ref=drawer"},
    )
    assert response.status_code == 200
    assert response.json()["checkout_url"] == "https://pay.shop.example/checkout?ref=drawer"
    assert _page_row(engine, shop.page.id)["checkout_url"] == (
        "https://pay.shop.example/checkout?ref=drawer"
    )


@pytest.mark.parametrize(
    "store_url", ["/demo/store/spring-sale", "https://shop.example/store?ref=mail"]
)
def test_patch_sets_and_clears_store_url(shop, engine, store_url):
    url = f"/api/landing-pages/{shop.page.id}"
    response = shop.api.patch(url, json={"store_url": f" {store_url} "})
    assert response.status_code == 200, response.text
    assert response.json()["store_url"] == store_url
    assert _page_row(engine, shop.page.id)["store_url"] == store_url
    assert shop.api.get(url).json()["store_url"] == store_url

    response = shop.api.patch(url, json={"store_url": None})
    assert response.status_code == 200
    assert response.json()["store_url"] is None
    assert _page_row(engine, shop.page.id)["store_url"] is None


def test_empty_patch_changes_nothing(shop, engine):
    before = _page_row(engine, shop.page.id)
    response = shop.api.patch(f"/api/landing-pages/{shop.page.id}", json={})
    assert response.status_code == 200
    after = _page_row(engine, shop.page.id)
    assert {k: v for k, v in after.items() if k != "updated_at"} == {
        k: v for k, v in before.items() if k != "updated_at"
    }


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://shop443.example", "https://shop443.example"),
        ("http://80.example.com", "http://80.example.com"),
        ("https://shop.example:443", "https://shop.example"),
    ],
)
def test_origin_normalisation_matches_the_browsers_origin_header(shop, given, expected):
    response = shop.api.patch(
        f"/api/landing-pages/{shop.page.id}", json={"allowed_origins": [given]}
    )
    assert response.status_code == 200
    assert response.json()["allowed_origins"] == [expected]


def test_landing_page_list_and_detail(shop, session):
    second = make_landing_page(session, shop.company, name="Holiday", allowed_origins=[])
    listed = shop.api.get("/api/landing-pages")
    assert listed.status_code == 200
    assert [p["id"] for p in listed.json()] == [shop.page.id, second.id]
    detail = shop.api.get(f"/api/landing-pages/{second.id}")
    assert detail.status_code == 200
    body = detail.json()
    assert set(body) == {
        "id",
        "name",
        "slug",
        "public_key",
        "status",
        "allowed_origins",
        "checkout_url",
        "store_url",
        "created_at",
        "updated_at",
    }
    assert (body["name"], body["public_key"], body["allowed_origins"]) == (
        "Holiday",
        second.public_key,
        [],
    )


# --- listings: pagination and filters ---------------------------------------------------


def test_products_pagination_and_status_filter(shop, session):
    statuses = [
        ProductStatus.ACTIVE,
        ProductStatus.DRAFT,
        ProductStatus.ACTIVE,
        ProductStatus.ARCHIVED,
        ProductStatus.ACTIVE,
    ]
    products = [
        make_product(
            session,
            shop.company,
            name=f"Mug {i}",
            price=f"{i}.50",
            status=s,
            available=i * 10 if i % 2 else None,
        )
        for i, s in enumerate(statuses, start=1)
    ]
    names = [p.name for p in products]

    def page(**params):
        response = shop.api.get("/api/products", params=params)
        assert response.status_code == 200, response.text
        return response.json()

    first = page(limit=2)
    assert (first["total"], first["limit"], first["offset"]) == (5, 2, 0)
    assert [p["name"] for p in first["items"]] == names[:2]
    assert [p["name"] for p in page(limit=2, offset=2)["items"]] == names[2:4]
    assert [p["name"] for p in page(limit=2, offset=4)["items"]] == names[4:]
    assert page(offset=5) == {"items": [], "total": 5, "limit": 50, "offset": 5}
    assert [p["name"] for p in page()["items"]] == names

    active = page(status="ACTIVE")
    assert active["total"] == 3
    assert [p["name"] for p in active["items"]] == ["Mug 1", "Mug 3", "Mug 5"]
    assert [p["name"] for p in page(status="ACTIVE", limit=1, offset=1)["items"]] == ["Mug 3"]
    assert [p["name"] for p in page(status="DRAFT")["items"]] == ["Mug 2"]

    item = first["items"][0]
    assert (item["price"], item["available"], item["status"]) == ("1.50", 10, "ACTIVE")
    assert first["items"][1]["available"] is None  # no inventory row


def test_product_detail(shop, session):
    product = make_product(
        session,
        shop.company,
        name="Grinder",
        sku="GR-1",
        price="129.00",
        available=7,
        compare_at_price=Decimal("149.00"),
        tags=["kitchen"],
    )
    response = shop.api.get(f"/api/products/{product.id}")
    assert response.status_code == 200
    body = response.json()
    assert {
        k: body[k] for k in ("sku", "name", "price", "compare_at_price", "tags", "available")
    } == {
        "sku": "GR-1",
        "name": "Grinder",
        "price": "129.00",
        "compare_at_price": "149.00",
        "tags": ["kitchen"],
        "available": 7,
    }


def test_customers_pagination(shop, session):
    people = [("Ada", "Baker"), ("Bea", "Adams"), ("Cy", "Baker"), ("Di", "Cole")]
    made = {
        (first, last): make_customer(session, shop.company, first_name=first, last_name=last)
        for first, last in people
    }
    expected = [("Bea", "Adams"), ("Ada", "Baker"), ("Cy", "Baker"), ("Di", "Cole")]

    def names(**params):
        response = shop.api.get("/api/customers", params=params)
        assert response.status_code == 200
        body = response.json()
        assert body["total"] == 4
        return [(c["first_name"], c["last_name"]) for c in body["items"]]

    assert names() == expected
    assert names(limit=3) == expected[:3]
    assert names(limit=3, offset=3) == expected[3:]
    assert names(offset=1, limit=2) == expected[1:3]

    detail = shop.api.get(f"/api/customers/{made[('Di', 'Cole')].id}").json()
    assert (detail["first_name"], detail["lifetime_value"], detail["order_count"]) == (
        "Di",
        "0.00",
        0,
    )


def test_carts_pagination_newest_first_and_status_filter(shop, session):
    now = utcnow()
    statuses = [
        CartStatus.ACTIVE,
        CartStatus.ABANDONED,
        CartStatus.CONVERTED,
        CartStatus.ABANDONED,
        CartStatus.EXPIRED,
    ]
    carts = [
        make_cart(session, shop.company, status=s, created_at=now - timedelta(hours=10 - i))
        for i, s in enumerate(statuses)
    ]
    newest_first = [c.id for c in reversed(carts)]

    def ids(**params):
        response = shop.api.get("/api/carts", params=params)
        assert response.status_code == 200, response.text
        return response.json()

    assert [c["id"] for c in ids()["items"]] == newest_first
    assert [c["id"] for c in ids(limit=2)["items"]] == newest_first[:2]
    assert [c["id"] for c in ids(limit=2, offset=2)["items"]] == newest_first[2:4]
    abandoned = ids(status="ABANDONED")
    assert abandoned["total"] == 2
    assert [c["id"] for c in abandoned["items"]] == [carts[3].id, carts[1].id]
    assert [c["id"] for c in ids(status="ABANDONED", offset=1)["items"]] == [carts[1].id]
    assert ids(status="CONVERTED", limit=1)["total"] == 1


@pytest.mark.parametrize("path", ["/api/products", "/api/customers", "/api/carts"])
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "query.limit"),
        ({"limit": 1000}, "query.limit"),
        ({"limit": 201}, "query.limit"),
        ({"limit": "ten"}, "query.limit"),
        ({"offset": -1}, "query.offset"),
    ],
)
def test_listing_paging_is_validated(shop, path, params, field):
    assert _errors(shop.api.get(path, params=params)) == [field]


@pytest.mark.parametrize("path", ["/api/products", "/api/customers", "/api/carts"])
def test_listing_limit_bounds_are_inclusive(shop, path):
    for limit in (1, 200):
        response = shop.api.get(path, params={"limit": limit})
        assert response.status_code == 200
        assert response.json()["limit"] == limit


@pytest.mark.parametrize("path", ["/api/products", "/api/carts"])
@pytest.mark.parametrize("value", ["NOPE", "active", ""])
def test_unknown_status_filter_is_a_422(shop, path, value):
    assert _errors(shop.api.get(path, params={"status": value})) == ["query.status"]


def test_cart_detail_has_its_lines(shop, session):
    customer = make_customer(session, shop.company)
    mug = make_product(session, shop.company, name="Mug", price="12.50")
    beans = make_product(session, shop.company, name="Beans", price="16.99")
    cart = make_cart(
        session,
        shop.company,
        customer,
        status=CartStatus.ABANDONED,
        items=[(mug, 2), (beans, 3)],
        shipping_total="4.95",
        tax_total="3.10",
        abandoned_at=utcnow(),
        landing_page=shop.page,
    )
    response = shop.api.get(f"/api/carts/{cart.id}")
    assert response.status_code == 200
    body = response.json()
    assert {
        k: body[k]
        for k in (
            "customer_id",
            "landing_page_id",
            "status",
            "item_count",
            "subtotal",
            "shipping_total",
            "tax_total",
            "discount_total",
            "grand_total",
        )
    } == {
        "customer_id": customer.id,
        "landing_page_id": shop.page.id,
        "status": "ABANDONED",
        "item_count": 5,
        "subtotal": "75.97",
        "shipping_total": "4.95",
        "tax_total": "3.10",
        "discount_total": "0.00",
        "grand_total": "84.02",
    }
    assert [(i["product_id"], i["quantity"], i["unit_price"]) for i in body["items"]] == [
        (mug.id, 2, "12.50"),
        (beans.id, 3, "16.99"),
    ]
    assert body["items"][0]["product_snapshot"]["name"] == "Mug"


@pytest.mark.parametrize(
    "path", ["/api/carts/{}", "/api/products/{}", "/api/customers/{}", "/api/landing-pages/{}"]
)
def test_unknown_id_is_404(shop, path):
    response = shop.api.get(path.format("000000000000doesnotexist"))
    assert response.status_code == 404
    assert response.json()["detail"].endswith("'000000000000doesnotexist' not found")


# --- overview ---------------------------------------------------------------------------


def test_overview_figures(shop, session):
    now = utcnow()
    day = timedelta(days=1)
    other = make_company(session, "Other shop")
    mug = make_product(session, shop.company, price="12.50")
    beans = make_product(session, shop.company, price="16.99")
    other_mug = make_product(session, other, price="99.99")

    def cart(
        company=shop.company, *, age, status, items=(), abandoned=False, converted=False, **totals
    ):
        created = now - age
        return make_cart(
            session,
            company,
            status=status,
            items=items,
            created_at=created,
            abandoned_at=created + timedelta(hours=1) if abandoned else None,
            converted_at=created + timedelta(hours=5) if converted else None,
            **totals,
        )

    # In the last 30 days:
    cart(age=1 * day, status=CartStatus.ACTIVE, items=[(mug, 1)])
    running = cart(age=2 * day, status=CartStatus.ABANDONED, items=[(mug, 2)], abandoned=True)
    paused = cart(age=3 * day, status=CartStatus.EXPIRED, items=[(beans, 1)], abandoned=True)
    won_1 = cart(
        age=4 * day,
        status=CartStatus.CONVERTED,
        items=[(mug, 2), (beans, 3)],
        abandoned=True,
        converted=True,
        shipping_total="4.95",
        tax_total="3.10",
    )
    won_2 = cart(
        age=29 * day,
        status=CartStatus.CONVERTED,
        items=[(beans, 1)],
        abandoned=True,
        converted=True,
        discount_total="1.70",
    )
    cart(age=5 * day, status=CartStatus.CONVERTED, items=[(beans, 2)], converted=True)
    # Outside the window, or another company's:
    old = cart(
        age=31 * day, status=CartStatus.CONVERTED, items=[(mug, 9)], abandoned=True, converted=True
    )
    cart(age=-day, status=CartStatus.ABANDONED, items=[(mug, 1)], abandoned=True)  # future
    foreign = cart(
        other,
        age=day,
        status=CartStatus.CONVERTED,
        items=[(other_mug, 1)],
        abandoned=True,
        converted=True,
    )

    make_attempt(session, running, status=CartSaveStatus.IN_PROGRESS)
    # a holdout attempt that did not start on the same cart (only one may run per cart)
    make_attempt(session, running, status=CartSaveStatus.PENDING, is_holdout=True)
    make_attempt(session, paused, status=CartSaveStatus.PAUSED)
    make_attempt(session, won_1, status=CartSaveStatus.COMPLETED)
    make_attempt(session, won_2, status=CartSaveStatus.CANCELLED)
    make_attempt(session, old, status=CartSaveStatus.IN_PROGRESS)
    make_attempt(session, foreign, status=CartSaveStatus.IN_PROGRESS)

    assert won_1.grand_total == Decimal("84.02")
    assert won_2.grand_total == Decimal("15.29")

    response = shop.api.get("/api/overview")
    assert response.status_code == 200
    body = response.json()
    assert {
        k: body[k]
        for k in (
            "carts",
            "abandoned",
            "in_recovery",
            "recovered",
            "revenue_recovered",
            "abandonment_rate",
            "recovery_rate",
        )
    } == {
        "carts": 6,
        "abandoned": 4,
        "in_recovery": 2,
        "recovered": 2,
        "revenue_recovered": "99.31",
        "abandonment_rate": 4 / 6,
        "recovery_rate": 2 / 4,
    }

    week = shop.api.get("/api/overview", params={"days": 3}).json()
    assert (week["carts"], week["abandoned"], week["in_recovery"], week["recovered"]) == (
        2,
        1,
        1,
        0,
    )
    assert week["revenue_recovered"] == "0.00"
    assert week["recovery_rate"] == 0.0

    year = shop.api.get("/api/overview", params={"days": 365}).json()
    assert (year["carts"], year["recovered"], year["revenue_recovered"]) == (7, 3, "211.81")


def test_overview_of_an_empty_shop(shop):
    body = shop.api.get("/api/overview").json()
    assert {k: v for k, v in body.items() if k not in ("start", "end")} == {
        "carts": 0,
        "abandoned": 0,
        "in_recovery": 0,
        "recovered": 0,
        "revenue_recovered": "0.00",
        "abandonment_rate": 0.0,
        "recovery_rate": 0.0,
    }


def test_overview_window_is_days_long(shop):
    body = shop.api.get("/api/overview", params={"days": 7}).json()
    start = datetime.fromisoformat(body["start"])
    end = datetime.fromisoformat(body["end"])
    assert end - start == timedelta(days=7)
    assert abs(end - utcnow()) < timedelta(seconds=30)


@pytest.mark.parametrize("days", [0, -1, 366, "week", 1.5])
def test_overview_days_is_validated(shop, days):
    assert _errors(shop.api.get("/api/overview", params={"days": days})) == ["query.days"]
