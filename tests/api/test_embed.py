"""GET /embed/{public_key}.js (the storefront's one script tag) and the demo storefront."""

from __future__ import annotations

import gzip
import html
import json
import re
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from cart_admin.api.app import create_api
from cart_admin.models import LandingPageStatus, ProductStatus
from tests.factories import make_company, make_landing_page, make_product

PLAIN = {"Accept-Encoding": "identity"}
XSS = "</script><script>alert(1)</script>"


@pytest.fixture
def shop(session: Session) -> SimpleNamespace:
    company = make_company(session)
    page = make_landing_page(session, company, slug="demo-shop", name="Demo & Co")
    api = TestClient(create_api())
    return SimpleNamespace(
        company=company, page=page, api=api, session=session, url=f"/embed/{page.public_key}.js"
    )


def _set_theme(shop, theme: dict) -> None:
    shop.page.cart_theme = theme
    shop.session.add(shop.page)
    shop.session.commit()


def _config(body: str) -> dict:
    match = re.search(r"const CONFIG = (\{.*?\});\n", body)
    assert match, "config not inlined"
    return json.loads(match.group(1))


def test_the_script_is_javascript_with_the_pages_config_and_theme(shop) -> None:
    response = shop.api.get(shop.url, headers=PLAIN)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/javascript")
    body = response.text
    assert "__CART_ADMIN_CONFIG__" not in body and "__CART_ADMIN_CSS__" not in body
    assert f'"publicKey":"{shop.page.public_key}"' in body
    assert "--ca-color-button: #4f46e5;" in body
    assert ":host {" in body
    config = _config(body)
    assert config["publicKey"] == shop.page.public_key
    assert config["currency"] == "USD"
    assert config["apiBase"] == "http://testserver"
    assert config["texts"]["title"] == "Your cart"
    assert config["preview"] is False
    assert response.headers["x-content-type-options"] == "nosniff"


def test_etag_no_cache_and_304(shop) -> None:
    first = shop.api.get(shop.url, headers=PLAIN)
    etag = first.headers["etag"]

    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    assert first.headers["cache-control"] == "no-cache"
    assert "Accept-Encoding" in first.headers["vary"]
    assert shop.api.get(shop.url, headers=PLAIN).headers["etag"] == etag  # stable

    cached = shop.api.get(shop.url, headers={**PLAIN, "If-None-Match": etag})
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached.headers["etag"] == etag

    stale = shop.api.get(shop.url, headers={**PLAIN, "If-None-Match": '"0000"'})
    assert stale.status_code == 200


def test_gzip_when_asked_decompresses_to_the_same_script(shop) -> None:
    plain = shop.api.get(shop.url, headers=PLAIN).content

    with shop.api.stream("GET", shop.url, headers={"Accept-Encoding": "gzip"}) as response:
        assert response.status_code == 200
        assert response.headers["content-encoding"] == "gzip"
        raw = b"".join(response.iter_raw())

    assert raw != plain and len(raw) < len(plain)
    assert gzip.decompress(raw) == plain
    assert "content-encoding" not in shop.api.get(shop.url, headers=PLAIN).headers


def test_a_theme_change_changes_the_etag_and_the_css(shop) -> None:
    before = shop.api.get(shop.url, headers=PLAIN)

    _set_theme(shop, {"colors": {"button": "#123456"}, "texts": {"title": "Your bag"}})
    after = shop.api.get(shop.url, headers={**PLAIN, "If-None-Match": before.headers["etag"]})

    assert after.status_code == 200
    assert after.headers["etag"] != before.headers["etag"]
    assert "--ca-color-button: #123456;" in after.text
    assert "--ca-color-button: #4f46e5;" not in after.text
    assert _config(after.text)["texts"]["title"] == "Your bag"


def test_a_hostile_text_cannot_break_out_of_the_script(shop) -> None:
    _set_theme(shop, {"texts": {"title": XSS, "empty_message": "a & b <!-- c \u2028 d"}})

    body = shop.api.get(shop.url, headers=PLAIN).text

    assert "<script>alert(1)" not in body
    assert "</script>" not in body
    assert "<!--" not in body
    assert "\u2028" not in body
    assert "\\u003c/script\\u003e\\u003cscript\\u003ealert(1)" in body
    texts = _config(body)["texts"]
    assert texts["title"] == XSS  # the shopper still sees the text
    assert texts["empty_message"] == "a & b <!-- c \u2028 d"


def test_an_invalid_stored_theme_falls_back_to_the_defaults(shop) -> None:
    _set_theme(shop, {"colors": {"button": "not a colour"}})

    response = shop.api.get(shop.url, headers=PLAIN)

    assert response.status_code == 200
    assert "--ca-color-button: #4f46e5;" in response.text


@pytest.mark.parametrize("status", [LandingPageStatus.DRAFT])
def test_unknown_or_unpublished_key_is_a_404_js_comment(shop, status) -> None:
    draft = make_landing_page(shop.session, shop.company, status=status)

    for url in ("/embed/pk_nobody.js", f"/embed/{draft.public_key}.js"):
        response = shop.api.get(url)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/javascript")
        assert response.text.startswith("/*") and response.text.endswith("*/")

    assert shop.api.get("/embed/bad%20key.js").status_code == 422


# --- demo storefront ---------------------------------------------------------------------------


def test_demo_store_escapes_names_and_embeds_the_script(shop) -> None:
    make_product(shop.session, shop.company, name=XSS, price="9.50")
    make_product(shop.session, shop.company, name="Mug", price="24.99")
    make_product(shop.session, shop.company, name="Hidden", status=ProductStatus.ARCHIVED)
    shop.page.name = f"Shop {XSS}"
    shop.session.add(shop.page)
    shop.session.commit()

    response = shop.api.get("/demo/store/demo-shop")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "<script>alert(1)" not in page
    assert html.escape(XSS) in page
    assert "<h2>Mug</h2>" in page and "$24.99" in page
    assert "Hidden" not in page
    assert page.count(f'<script src="/embed/{shop.page.public_key}.js" async></script>') == 1
    assert page.count("<script") == 1  # nothing but the embed tag


def test_demo_store_unknown_or_unpublished_slug_is_404(shop) -> None:
    make_landing_page(shop.session, shop.company, slug="draft-shop", status=LandingPageStatus.DRAFT)

    assert shop.api.get("/demo/store/no-such-shop").status_code == 404
    assert shop.api.get("/demo/store/draft-shop").status_code == 404
    assert shop.api.get("/demo/store/Bad_Slug").status_code == 422


def test_compacting_is_safe_for_the_drawer_sources() -> None:
    """The served script drops indentation and comment lines; that is only safe while no
    string spans lines (no template literals) and no code line starts with `//`."""
    from cart_admin.domain.embed import EMBED_DIR

    for name in ("drawer.js", "churn.js", "chat.js"):
        source = (EMBED_DIR / name).read_text()
        assert "`" not in source, name
        assert not any(line.rstrip().endswith("\\") for line in source.splitlines()), name


def test_the_served_script_stays_small(shop) -> None:
    """The budget of the one script tag: at most 18 KB gzipped (the churn signals and
    interventions included); the checkout chat loads on demand, at most 4 KB gzipped."""
    with shop.api.stream("GET", shop.url, headers={"Accept-Encoding": "gzip"}) as response:
        raw = b"".join(response.iter_raw())
    assert len(raw) <= 18 * 1024, len(raw)
    with shop.api.stream(
        "GET", "/embed/parts/chat.js", headers={"Accept-Encoding": "gzip"}
    ) as response:
        assert response.status_code == 200
        chat = b"".join(response.iter_raw())
    assert len(chat) <= 4 * 1024, len(chat)


def test_cart_theming_flag_off_serves_the_default_theme(shop, monkeypatch) -> None:
    from cart_admin.settings import get_settings

    _set_theme(shop, {"preset": "dark"})
    themed = shop.api.get(shop.url, headers=PLAIN).text
    monkeypatch.setenv("ENABLE_CART_THEMING", "false")
    get_settings.cache_clear()
    try:
        flag_off = shop.api.get(shop.url, headers=PLAIN).text
        presets = shop.api.get("/api/landing-pages/cart-themes/presets")
        assert presets.status_code in (401, 404)  # switched off (or not logged in) either way
    finally:
        monkeypatch.delenv("ENABLE_CART_THEMING")
        get_settings.cache_clear()
    _set_theme(shop, {})
    assert flag_off == shop.api.get(shop.url, headers=PLAIN).text != themed
