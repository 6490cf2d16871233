"""Cart theme endpoints: read, patch (live or draft), publish, preview, reset, presets."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from cart_admin.api.app import create_api
from cart_admin.domain.theming import PRESET_IDS
from cart_admin.models import LandingPage, UserRole
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
    page = make_landing_page(session, company, cart_theme={"preset": "espresso"})
    key = make_api_key(session, company)
    api = TestClient(create_api(), headers={"Authorization": f"Bearer {key}"})
    return SimpleNamespace(
        company=company, page=page, api=api, base=f"/api/landing-pages/{page.id}"
    )


def _stored(session: Session, page_id: str) -> LandingPage:
    session.expire_all()
    return session.get(LandingPage, page_id)


def test_presets_are_nine_resolved_themes_passing_contrast(shop) -> None:
    body = shop.api.get("/api/landing-pages/cart-themes/presets").json()

    assert [p["id"] for p in body] == list(PRESET_IDS)
    for preset in body:
        assert preset["css_variables"]["--ca-color-background"].startswith("#")
        checks = preset["contrast"]
        assert all(not checks[k]["warning"] and checks[k]["ratio"] >= 4.5 for k in checks)


def test_patch_merges_into_the_live_theme(session, shop) -> None:
    response = shop.api.patch(f"{shop.base}/cart-theme", json={"colors": {"button": "#0A7"}})

    assert response.status_code == 200
    body = response.json()
    assert body["overrides"] == {"preset": "espresso", "colors": {"button": "#00aa77"}}
    assert body["published"]["theme"]["colors"]["button"] == "#00aa77"
    assert body["published"]["css_variables"]["--ca-color-button"] == "#00aa77"
    assert _stored(session, shop.page.id).cart_theme == body["overrides"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"colors": {"text": "red;}body{display:none"}}, "colors.text"),
        ({"shape": {"radius_px": 99}}, "shape.radius_px"),
        ({"typography": {"font": "Comic Sans"}}, "typography.font"),
        ({"preset": "neon"}, "preset"),
        ({"texts": {"title": "x" * 500}}, "texts.title"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_bad_values_are_field_errors_and_nothing_changes(session, shop, changes, field) -> None:
    response = shop.api.patch(f"{shop.base}/cart-theme", json=changes)

    assert response.status_code == 422
    body = response.json()
    assert body["detail"].startswith("Invalid theme: ")
    assert field in [e["field"] for e in body["errors"]]
    assert _stored(session, shop.page.id).cart_theme == {"preset": "espresso"}


def test_not_an_object_or_malformed_is_422(shop) -> None:
    assert shop.api.patch(f"{shop.base}/cart-theme", json=["x"]).status_code == 422
    malformed = shop.api.patch(
        f"{shop.base}/cart-theme", content=b"{", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 422 and "Malformed JSON" in malformed.json()["detail"]


def test_draft_then_publish(session, shop) -> None:
    draft = shop.api.patch(
        f"{shop.base}/cart-theme", params={"draft": True}, json={"layout": {"side": "left"}}
    ).json()

    assert draft["has_draft"] is True
    assert draft["draft"]["theme"]["layout"]["side"] == "left"
    assert draft["published"]["theme"]["layout"]["side"] == "right"  # the storefront: unchanged
    preview = shop.api.get(f"{shop.base}/cart-theme/preview").json()
    assert preview["css_variables"]["--ca-drawer-side"] == "left"
    assert "--ca-drawer-side: left;" in preview["css"]

    published = shop.api.post(f"{shop.base}/cart-theme/publish").json()

    assert published["has_draft"] is False
    assert published["overrides"]["layout"] == {"side": "left"}
    assert published["published_at"] is not None
    assert _stored(session, shop.page.id).cart_theme_draft is None


def test_reset_returns_to_the_defaults(session, shop) -> None:
    body = shop.api.delete(f"{shop.base}/cart-theme").json()

    assert body["overrides"] == {} and body["published"]["preset"] is None
    assert _stored(session, shop.page.id).cart_theme == {}


def test_another_companys_page_is_404_and_analysts_cannot_write(session, shop) -> None:
    other = make_landing_page(session, make_company(session, "Other"))
    assert shop.api.get(f"/api/landing-pages/{other.id}/cart-theme").status_code == 404
    assert shop.api.patch(f"/api/landing-pages/{other.id}/cart-theme", json={}).status_code == 404

    analyst = make_user(session, shop.company, role=UserRole.ANALYST)
    api = TestClient(
        create_api(), cookies={"cart_admin_session": make_login_session(session, analyst)}
    )
    assert api.get(f"{shop.base}/cart-theme").status_code == 200
    assert (
        api.patch(f"{shop.base}/cart-theme", json={"colors": {"text": "#000"}}).status_code == 403
    )


def test_generate_without_a_key_uses_the_palette_generator(shop, monkeypatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    body = shop.api.post(
        "/api/landing-pages/cart-themes/generate",
        json={"description": "warm artisanal coffee shop"},
    ).json()

    assert body["source"] == "palette"
    assert all(c["ratio"] >= 4.5 for c in body["contrast"].values())
    assert set(body["overrides"]) == {"colors", "typography", "shape"}
    # The overrides are what a page stores: saving them is accepted as they are.
    saved = shop.api.patch(
        f"{shop.base}/cart-theme", params={"replace": True}, json=body["overrides"]
    )
    assert saved.status_code == 200


def test_generate_with_a_key_asks_claude(shop, monkeypatch, anthropic_server) -> None:
    from cart_admin.settings import get_settings

    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", anthropic_server.base_url)
    get_settings.cache_clear()
    palette = shop.api.post(
        "/api/landing-pages/cart-themes/generate", json={"brand_color": "#1d4ed8"}
    ).json()  # the fake has no reply queued: 500 -> palette fallback with a note
    assert palette["source"] == "palette" and any("Claude" in n for n in palette["notes"])

    anthropic_server.reply_json(
        {
            "colors": {**palette["theme"]["colors"], "button": "#1d4ed8", "button_text": "#ffffff"},
            "typography": palette["theme"]["typography"],
            "shape": palette["theme"]["shape"],
        }
    )
    body = shop.api.post(
        "/api/landing-pages/cart-themes/generate", json={"description": "ocean surf shop"}
    ).json()

    assert body["source"] == "ai"
    assert body["theme"]["colors"]["button"] == "#1d4ed8"
    assert "ocean surf shop" in anthropic_server.requests[-1].prompt


@pytest.mark.parametrize(
    ("request_body", "field"),
    [({}, "__root__"), ({"brand_color": "url(x)"}, "brand_color"), ({"mood": "x"}, "mood")],
)
def test_generate_rejects_bad_requests(shop, request_body, field) -> None:
    response = shop.api.post("/api/landing-pages/cart-themes/generate", json=request_body)

    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]
