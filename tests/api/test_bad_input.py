"""Hostile or odd input gets a 4xx with a message on both databases, never a 500."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from cart_admin.api.app import create_api
from cart_admin.models import LandingPage
from tests.factories import (
    make_api_key,
    make_company,
    make_landing_page,
    make_login_session,
    make_user,
)


@pytest.fixture
def shop(session: Session) -> SimpleNamespace:
    company = make_company(session)
    page = make_landing_page(session, company, name="Main shop")
    key = make_api_key(session, company)
    api = TestClient(create_api(), headers={"Authorization": f"Bearer {key}"})
    return SimpleNamespace(company=company, page=page, api=api, session=session)


def _unchanged(session: Session, page: LandingPage) -> None:
    session.expire_all()
    assert session.get(LandingPage, page.id).name == "Main shop"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "a\u0000b"}, "name"),
        ({"name": "   "}, "name"),
        ({"allowed_origins": ["https://a\u0000.example"]}, "allowed_origins"),
        ({"checkout_url": "https://shop.example/" + "x" * 600}, "checkout_url"),
    ],
)
def test_landing_page_patch_rejects_what_the_database_could_not_store(shop, body, field):
    response = shop.api.patch(f"/api/landing-pages/{shop.page.id}", json=body)

    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    _unchanged(shop.session, shop.page)


@pytest.mark.parametrize("name", ["   ", "", "x" * 101, "a\u0000b"])
def test_api_key_name_is_validated_like_in_the_dashboard(shop, name):
    response = shop.api.post("/api/api-keys", json={"name": name})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "name"


@pytest.mark.parametrize(
    "path", ["/api/products/%00abc", "/api/carts/x'--", "/api/customers/" + "f" * 300]
)
def test_ids_we_never_issue_are_simply_not_found(shop, path):
    response = shop.api.get(path)

    assert response.status_code == 404
    assert "not found" in response.json()["detail"]


@pytest.mark.parametrize("query", ["offset=100000000000000000000", "offset=-1", "limit=abc"])
def test_paging_out_of_range_is_422(shop, query):
    assert shop.api.get(f"/api/products?{query}").status_code == 422


def test_cookie_write_from_the_configured_app_url_passes_a_proxy(session, shop, monkeypatch):
    """Behind a proxy the Host header is internal; APP_URL's origin is still our own."""
    from cart_admin.settings import get_settings

    monkeypatch.setenv("APP_URL", "https://admin.shop.example")
    get_settings.cache_clear()
    token = make_login_session(session, make_user(session, shop.company))
    api = TestClient(create_api(), cookies={"cart_admin_session": token})

    ours = api.patch(
        f"/api/landing-pages/{shop.page.id}",
        json={"name": "Renamed"},
        headers={"Origin": "https://admin.shop.example", "Host": "10.0.0.7:8000"},
    )
    theirs = api.patch(
        f"/api/landing-pages/{shop.page.id}",
        json={"name": "Hijacked"},
        headers={"Origin": "https://evil.example", "Host": "10.0.0.7:8000"},
    )

    assert ours.status_code == 200
    assert theirs.status_code == 403
