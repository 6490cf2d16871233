"""The product-catalog routes: config, listing, add / remove / reorder, tenancy, roles, 422s.

The router is not wired into `create_api()` yet; these tests include it themselves.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from cart_admin.api.app import create_api
from cart_admin.api.deps import SESSION_COOKIE
from cart_admin.models import LandingPage, LandingPageProduct, ProductStatus, UserRole
from tests.factories import (
    make_api_key,
    make_company,
    make_landing_page,
    make_login_session,
    make_page_products,
    make_product,
    make_user,
)


def _app() -> FastAPI:
    api = create_api()
    return api


@pytest.fixture
def shop(session: Session) -> SimpleNamespace:
    company = make_company(session, "Acme Coffee")
    page = make_landing_page(session, company)
    p = SimpleNamespace(
        mug=make_product(
            session, company, name="Ceramic Mug", price="8.50", category="Gear", sales_count=9
        ),
        beans=make_product(
            session,
            company,
            name="Espresso Beans",
            sku="ESP-1",
            price="12.00",
            category="Coffee",
            tags=["dark"],
            available=4,
        ),
        grinder=make_product(
            session, company, name="Burr Grinder", price="99.00", category="Gear", available=0
        ),
        draft=make_product(session, company, name="Draft Kettle", status=ProductStatus.DRAFT),
    )
    other = make_company(session, "Rival Roasters")
    rival = SimpleNamespace(
        page=make_landing_page(session, other),
        product=make_product(session, other, name="Rival Beans"),
    )
    key = make_api_key(session, company)
    api = TestClient(_app(), headers={"Authorization": f"Bearer {key}"})
    return SimpleNamespace(company=company, page=page, p=p, rival=rival, api=api)


def _url(page_id: str, rest: str = "/product-catalog") -> str:
    return f"/api/landing-pages/{page_id}{rest}"


def _state(engine, page_id: str) -> tuple[dict, list[tuple[str, int]]]:
    """The page's stored config and (product id, sort_order) rows, on a fresh session."""
    with Session(engine) as fresh:
        config = fresh.get(LandingPage, page_id).product_catalog
        rows = fresh.exec(
            select(LandingPageProduct.product_id, LandingPageProduct.sort_order)
            .where(col(LandingPageProduct.landing_page_id) == page_id)
            .order_by(col(LandingPageProduct.sort_order))
        ).all()
        return config, [(pid, order) for pid, order in rows]


def _field_errors(response) -> list[str]:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["detail"].startswith("Invalid request: ")
    return [e["field"] for e in body["errors"]]


# --- configuration ---------------------------------------------------------------------


def test_read_default_catalog(shop):
    response = shop.api.get(_url(shop.page.id))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "config": {
            "mode": "all",
            "categories": [],
            "tags": [],
            "sort": "manual",
            "hide_out_of_stock": False,
        },
        "products": [],
    }


def test_patch_config_then_list(shop, engine):
    response = shop.api.patch(
        _url(shop.page.id), json={"mode": "category", "categories": ["gear"], "sort": "price_desc"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["config"]["categories"] == ["gear"]
    response = shop.api.patch(_url(shop.page.id), json={"hide_out_of_stock": True})
    assert response.json()["config"] == {
        "mode": "category",
        "categories": ["gear"],
        "tags": [],
        "sort": "price_desc",
        "hide_out_of_stock": True,
    }
    assert _state(engine, shop.page.id)[0] == response.json()["config"]
    listed = shop.api.get(_url(shop.page.id, "/products")).json()
    assert [p["name"] for p in listed["items"]] == ["Ceramic Mug"]  # the grinder is sold out


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"mode": "category"}, ["categories"]),
        ({"mode": "tag", "tags": []}, ["tags"]),
        ({"mode": "some"}, ["mode"]),
        ({"mode": None}, ["mode"]),
        ({"sort": "random", "hide_out_of_stock": "maybe"}, ["sort", "hide_out_of_stock"]),
        ({"categories": ["ok", "  "]}, ["categories.1"]),
        ({"tags": "gift"}, ["tags"]),
        ({"colour": "red"}, ["colour"]),
        ([], ["body"]),
    ],
)
def test_patch_invalid_config_is_422_with_field_errors(shop, engine, body, fields):
    before = _state(engine, shop.page.id)
    response = shop.api.patch(_url(shop.page.id), json=body)
    assert _field_errors(response) == fields
    assert _state(engine, shop.page.id) == before


def test_patch_malformed_json_is_a_readable_422(shop):
    response = shop.api.patch(
        _url(shop.page.id), content=b"{bad", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"].startswith("Malformed JSON")


# --- listing ---------------------------------------------------------------------------


def test_list_products_sorts_filters_and_paginates(shop):
    get = shop.api.get
    url = _url(shop.page.id, "/products")
    listed = get(url).json()
    assert [p["name"] for p in listed["items"]] == ["Burr Grinder", "Ceramic Mug", "Espresso Beans"]
    assert (listed["total"], listed["limit"], listed["offset"]) == (3, 50, 0)
    assert listed["items"][2]["available"] == 4
    assert listed["items"][1]["available"] is None
    by_price = get(url, params={"sort": "price_asc"}).json()["items"]
    assert [p["name"] for p in by_price] == ["Ceramic Mug", "Espresso Beans", "Burr Grinder"]
    page2 = get(url, params={"sort": "price_desc", "limit": 1, "offset": 1}).json()
    assert ([p["name"] for p in page2["items"]], page2["total"]) == (["Espresso Beans"], 3)
    searched = get(url, params={"search": "esp-"}).json()
    assert [p["name"] for p in searched["items"]] == ["Espresso Beans"]
    gear = get(url, params={"category": "GEAR", "sort": "best_selling"}).json()
    assert [p["name"] for p in gear["items"]] == ["Ceramic Mug", "Burr Grinder"]


def test_selected_products_in_the_merchants_order(session, shop):
    p = shop.p
    make_page_products(session, shop.page, [p.beans, p.draft, p.mug])
    catalog_body = shop.api.get(_url(shop.page.id)).json()
    assert catalog_body["config"]["mode"] == "selected"
    assert [x["name"] for x in catalog_body["products"]] == [
        "Espresso Beans",
        "Draft Kettle",
        "Ceramic Mug",
    ]
    listed = shop.api.get(_url(shop.page.id, "/products")).json()
    assert [x["name"] for x in listed["items"]] == ["Espresso Beans", "Ceramic Mug"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "query.limit"),
        ({"limit": 201}, "query.limit"),
        ({"offset": -1}, "query.offset"),
        ({"sort": "cheapest"}, "query.sort"),
        ({"search": "x" * 201}, "query.search"),
        ({"category": "x" * 101}, "query.category"),
    ],
)
def test_list_products_bad_query_is_422(shop, params, field):
    assert _field_errors(shop.api.get(_url(shop.page.id, "/products"), params=params)) == [field]


# --- add / remove / reorder ------------------------------------------------------------


def test_add_remove_reorder_round_trip(shop, engine):
    p = shop.p
    add = shop.api.post(
        _url(shop.page.id, "/product-catalog/products"),
        json={"product_ids": [p.mug.id, p.beans.id, p.grinder.id]},
    )
    assert add.status_code == 200, add.text
    assert [x["id"] for x in add.json()["products"]] == [p.mug.id, p.beans.id, p.grinder.id]
    assert add.json()["config"]["mode"] == "selected"

    again = shop.api.post(
        _url(shop.page.id, "/product-catalog/products"),
        json={"product_ids": [p.beans.id, p.draft.id]},
    )
    assert [x["id"] for x in again.json()["products"]] == [
        p.mug.id,
        p.beans.id,
        p.grinder.id,
        p.draft.id,
    ]

    removed = shop.api.request(
        "DELETE",
        _url(shop.page.id, "/product-catalog/products"),
        json={"product_ids": [p.beans.id]},
    )
    assert removed.status_code == 200, removed.text
    assert [x["id"] for x in removed.json()["products"]] == [p.mug.id, p.grinder.id, p.draft.id]

    order = [p.draft.id, p.mug.id, p.grinder.id]
    reordered = shop.api.post(
        _url(shop.page.id, "/product-catalog/reorder"), json={"product_ids": order}
    )
    assert reordered.status_code == 200, reordered.text
    assert [x["id"] for x in reordered.json()["products"]] == order
    assert _state(engine, shop.page.id)[1] == [(pid, i) for i, pid in enumerate(order)]


def test_add_unknown_or_foreign_ids_is_422_naming_them(session, shop, engine):
    make_page_products(session, shop.page, [shop.p.mug])
    before = _state(engine, shop.page.id)
    bad = ["ffffffffffffffffffffffff", shop.rival.product.id]
    response = shop.api.post(
        _url(shop.page.id, "/product-catalog/products"),
        json={"product_ids": [shop.p.beans.id, *bad]},
    )
    assert response.status_code == 422
    assert response.json() == {"detail": f"Unknown products: {', '.join(bad)}."}
    assert _state(engine, shop.page.id) == before


def test_remove_unknown_id_is_422_and_changes_nothing(session, shop, engine):
    make_page_products(session, shop.page, [shop.p.mug, shop.p.beans])
    before = _state(engine, shop.page.id)
    response = shop.api.request(
        "DELETE",
        _url(shop.page.id, "/product-catalog/products"),
        json={"product_ids": [shop.p.mug.id, shop.rival.product.id]},
    )
    assert response.status_code == 422
    assert shop.rival.product.id in response.json()["detail"]
    assert _state(engine, shop.page.id) == before


def test_reorder_not_listing_exactly_the_selection_is_422(session, shop, engine):
    p = shop.p
    make_page_products(session, shop.page, [p.mug, p.beans])
    before = _state(engine, shop.page.id)
    response = shop.api.post(
        _url(shop.page.id, "/product-catalog/reorder"),
        json={"product_ids": [p.beans.id, p.grinder.id]},
    )
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "The order must list each of the page's 2 selected products once: "
        f"missing {p.mug.id}; not on the page {p.grinder.id}."
    )
    assert _state(engine, shop.page.id) == before


@pytest.mark.parametrize(
    ("path", "method", "body", "fields"),
    [
        ("/product-catalog/products", "POST", {"product_ids": []}, ["product_ids"]),
        ("/product-catalog/products", "POST", {}, ["product_ids"]),
        ("/product-catalog/products", "POST", {"product_ids": ["a"] * 201}, ["product_ids"]),
        ("/product-catalog/products", "POST", {"product_ids": ["x" * 25]}, ["product_ids.0"]),
        ("/product-catalog/products", "POST", {"product_ids": [1]}, ["product_ids.0"]),
        ("/product-catalog/products", "DELETE", {"product_ids": "abc"}, ["product_ids"]),
        ("/product-catalog/products", "DELETE", {"ids": ["a"]}, ["product_ids", "ids"]),
        ("/product-catalog/reorder", "POST", {"product_ids": None}, ["product_ids"]),
        ("/product-catalog/reorder", "POST", {"product_ids": ["a"] * 1001}, ["product_ids"]),
    ],
)
def test_bad_bodies_are_422_with_field_errors(shop, engine, path, method, body, fields):
    before = _state(engine, shop.page.id)
    response = shop.api.request(method, _url(shop.page.id, path), json=body)
    assert _field_errors(response) == fields
    assert _state(engine, shop.page.id) == before


# --- tenancy, roles, authentication -----------------------------------------------------

ROUTES = [
    ("GET", "/product-catalog", None),
    ("PATCH", "/product-catalog", {"sort": "name"}),
    ("GET", "/products", None),
    ("POST", "/product-catalog/products", {"product_ids": ["ffffffffffffffffffffffff"]}),
    ("DELETE", "/product-catalog/products", {"product_ids": ["ffffffffffffffffffffffff"]}),
    ("POST", "/product-catalog/reorder", {"product_ids": []}),
]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
@pytest.mark.parametrize("which", ["rival", "unknown", "malformed"])
def test_another_companys_page_is_404(shop, engine, method, path, body, which):
    page_id = {
        "rival": shop.rival.page.id,
        "unknown": "ffffffffffffffffffffffff",
        "malformed": "../x",
    }[which]
    before = _state(engine, shop.rival.page.id)
    response = shop.api.request(method, _url(page_id, path), json=body)
    assert response.status_code == 404, response.text
    assert _state(engine, shop.rival.page.id) == before


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_analysts_read_but_cannot_write(session, shop, engine, method, path, body):
    make_page_products(session, shop.page, [shop.p.mug])
    analyst = make_user(session, shop.company, role=UserRole.ANALYST)
    api = TestClient(_app(), cookies={SESSION_COOKIE: make_login_session(session, analyst)})
    before = _state(engine, shop.page.id)
    if body and path.endswith("/reorder"):
        body = {"product_ids": [shop.p.mug.id]}
    response = api.request(method, _url(shop.page.id, path), json=body)
    assert response.status_code == (200 if method == "GET" else 403), response.text
    assert _state(engine, shop.page.id) == before


@pytest.mark.parametrize("role", [UserRole.OWNER, UserRole.MARKETER])
def test_owners_and_marketers_write_by_cookie(session, shop, role):
    user = make_user(session, shop.company, role=role)
    api = TestClient(_app(), cookies={SESSION_COOKIE: make_login_session(session, user)})
    response = api.post(
        _url(shop.page.id, "/product-catalog/products"), json={"product_ids": [shop.p.mug.id]}
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_no_credentials_is_401(shop, method, path, body):
    response = TestClient(_app()).request(method, _url(shop.page.id, path), json=body)
    assert response.status_code == 401


# --- OpenAPI ----------------------------------------------------------------------------


def test_openapi_documents_the_routes_and_their_models(shop):
    spec = shop.api.get("/api/openapi.json").json()
    paths = spec["paths"]
    base = "/api/landing-pages/{page_id}"

    def model(path: str, method: str) -> str:
        ok = paths[base + path][method]["responses"]["200"]
        return ok["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]

    assert model("/product-catalog", "get") == "ProductCatalogOut"
    assert model("/product-catalog", "patch") == "ProductCatalogOut"
    assert model("/products", "get") == "Page_ProductPublic_"
    for path, method in [("/products", "post"), ("/products", "delete"), ("/reorder", "post")]:
        assert model("/product-catalog" + path, method) == "ProductCatalogOut"
    assert all(
        "catalog" in op["tags"]
        for path, ops in paths.items()
        if path.startswith(base + "/product")
        for op in ops.values()
    )
    schemas = spec["components"]["schemas"]
    assert schemas["ProductCatalog"]["properties"]["sort"]["enum"] == [
        "manual",
        "price_asc",
        "price_desc",
        "name",
        "best_selling",
        "newest",
    ]
