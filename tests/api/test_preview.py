"""Drawer previews: preset thumbnails (public) and a page's draft theme (admin only)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from cart_admin.api.app import create_api
from cart_admin.api.public_schemas import CartOut
from cart_admin.domain.auth import SESSION_COOKIE
from cart_admin.domain.preview import preview_script, sample_cart, sample_recommendations
from cart_admin.domain.theming import PRESET_IDS, css_variables, resolve_theme
from tests.factories import (
    make_api_key,
    make_company,
    make_landing_page,
    make_login_session,
    make_user,
)

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def _app() -> TestClient:
    api = create_api()
    return TestClient(api)


def _config(body: str) -> dict:
    match = re.search(r"const CONFIG = (\{.*?\});\n", body)
    assert match, "config not inlined"
    return json.loads(match.group(1))


@pytest.fixture
def world(session: Session) -> SimpleNamespace:
    company = make_company(session, currency="EUR")
    page = make_landing_page(
        session,
        company,
        cart_theme={"preset": "espresso"},
        cart_theme_draft={"preset": "espresso", "colors": {"button": "#00aa77"}},
    )
    plain = make_landing_page(session, company, cart_theme={"preset": "dark"})
    other = make_company(session, name="Other Co")
    other_page = make_landing_page(session, other)
    user = make_user(session, company)
    return SimpleNamespace(
        page=page,
        plain=plain,
        other_page=other_page,
        key=make_api_key(session, company),
        cookie=make_login_session(session, user),
    )


# ---- the sample cart


def test_sample_cart_follows_the_cart_contract() -> None:
    cart = sample_cart(resolve_theme({}).theme, "EUR", now=NOW)

    CartOut.model_validate(cart)
    assert cart["currency"] == "EUR"
    assert 2 <= len(cart["items"]) <= 3
    assert all(i["image_url"] for i in cart["items"])
    assert any(i["compare_at_price"] for i in cart["items"])
    fs = cart["free_shipping"]
    assert not fs["qualifies"] and 0 < fs["progress"] < 1
    facts = cart["triggers"]
    assert facts["control"] is False
    assert facts["urgency"]["expires_at"] > NOW.isoformat()
    assert facts["trust_signals"] and facts["free_shipping"] and facts["loss_aversion"]
    items = facts["items"].values()
    assert any("scarcity" in i for i in items)
    assert any("social_proof" in i for i in items)
    assert any("anchoring" in i for i in items)
    assert not any("viewers" in i for i in items)  # live viewers are off by default


def test_sample_cart_is_deterministic() -> None:
    theme = resolve_theme({"preset": "bold"}).theme
    assert sample_cart(theme, now=NOW) == sample_cart(theme, now=NOW)


def test_sample_cart_honours_the_theme_trigger_switches() -> None:
    viewers = resolve_theme({"triggers": {"live_viewers": {"enabled": True}}}).theme
    assert any("viewers" in i for i in sample_cart(viewers, now=NOW)["triggers"]["items"].values())

    off = resolve_theme(
        {
            "triggers": {
                "scarcity": {"enabled": False},
                "urgency": {"enabled": False},
                "social_proof": {"show_ratings": False},
                "trust_signals": {"enabled": False},
                "free_shipping": {"enabled": False},
                "live_viewers": {"enabled": True, "min_viewers": 50},
                "control_share_percent": 50,
            }
        }
    ).theme
    facts = sample_cart(off, now=NOW)["triggers"]
    assert facts["control"] is False  # a preview always shows the treatment
    assert "urgency" not in facts and "trust_signals" not in facts
    assert facts["free_shipping"] is False
    for item in facts["items"].values():
        assert not {"scarcity", "social_proof", "viewers"} & set(item)
    low = resolve_theme({"triggers": {"scarcity": {"show_below_stock": 2}}}).theme
    assert not any("scarcity" in i for i in sample_cart(low, now=NOW)["triggers"]["items"].values())


def test_sample_recommendations_keep_to_the_themes_upsell_types() -> None:
    theme = resolve_theme({"upsells": {"types": ["FREE_SHIPPING_ADD"]}}).theme
    assert {r["type"] for r in sample_recommendations(theme)} == {"FREE_SHIPPING_ADD"}


def test_preview_script_inlines_preview_config() -> None:
    theme = resolve_theme({"preset": "luxury"}).theme
    script = preview_script(
        theme, parent_origin="https://admin.example", start_open=True, api_base="https://x/"
    )
    config = _config(script)
    assert config["preview"] is True and config["startOpen"] is True
    assert config["parentOrigin"] == "https://admin.example"
    assert config["sample"]["token"] == "preview"
    assert config["sampleRecommendations"]
    assert "__CART_ADMIN_" not in script and "</" not in script
    assert "function previewReq(" in script
    for name, value in css_variables(theme).items():
        assert f"{name}: {value};" in script


def test_the_storefront_script_does_not_carry_the_preview_code(session) -> None:
    company = make_company(session)
    page = make_landing_page(session, company)
    body = _app().get(f"/embed/{page.public_key}.js", headers={"Accept-Encoding": "identity"})

    assert body.status_code == 200
    assert "function previewReq(" not in body.text and "cart-admin:applied" not in body.text
    assert _config(body.text)["preview"] is False


# ---- presets (public)


@pytest.mark.parametrize("preset_id", PRESET_IDS)
def test_preset_preview_is_an_html_page_with_the_presets_css(session, preset_id) -> None:
    response = _app().get(f"/preview/presets/{preset_id}")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    body = response.text
    theme = resolve_theme({"preset": preset_id}).theme
    for name, value in css_variables(theme).items():
        assert f"{name}: {value};" in body
    config = _config(body)
    assert config["preview"] is True and config["startOpen"] is True
    assert config["parentOrigin"] == "http://testserver"


def test_unknown_preset_is_a_404_page(session) -> None:
    response = _app().get("/preview/presets/neon")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"


# ---- a landing page's theme (admin only)


def test_page_preview_shows_the_draft_theme(world) -> None:
    response = _app().get(
        f"/preview/landing-pages/{world.page.id}",
        headers={"Authorization": f"Bearer {world.key}"},
    )

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert "--ca-color-button: #00aa77;" in response.text
    config = _config(response.text)
    assert config["currency"] == "EUR" and config["sample"]["currency"] == "EUR"
    assert config["parentOrigin"] == "http://testserver"


def test_page_preview_without_draft_shows_the_live_theme_by_session_cookie(world) -> None:
    app = _app()
    app.cookies.set(SESSION_COOKIE, world.cookie)
    response = app.get(f"/preview/landing-pages/{world.plain.id}")

    assert response.status_code == 200
    dark = css_variables(resolve_theme({"preset": "dark"}).theme)
    assert f"--ca-color-button: {dark['--ca-color-button']};" in response.text


def test_another_companys_page_is_404(world) -> None:
    response = _app().get(
        f"/preview/landing-pages/{world.other_page.id}",
        headers={"Authorization": f"Bearer {world.key}"},
    )
    assert response.status_code == 404


def test_page_preview_needs_login(world) -> None:
    response = _app().get(f"/preview/landing-pages/{world.page.id}")
    assert response.status_code == 401
