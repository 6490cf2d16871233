"""StorefrontGuard: per-landing-page CORS, the rate limit and the 16 KB body limit."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from cart_admin.api.app import create_api
from cart_admin.api.storefront_guard import MAX_BODY_BYTES, SlidingWindowLimiter, StorefrontGuard
from cart_admin.models import Cart, CartItem
from tests.factories import make_company, make_landing_page, make_product

ALLOWED = "https://shop.example"
ALSO = "http://localhost:8080"
FOREIGN = "https://evil.example"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def shop(session: Session) -> SimpleNamespace:
    company = make_company(session)
    page = make_landing_page(session, company, allowed_origins=(ALLOWED, ALSO))
    other = make_landing_page(session, company, allowed_origins=("https://other.example",))
    product = make_product(session, company, price="10.00", available=5)
    api = TestClient(StorefrontGuard(create_api()), raise_server_exceptions=False)
    base = f"/api/public/{page.public_key}"
    token = api.post(f"{base}/carts", json={}).json()["token"]
    return SimpleNamespace(
        page=page,
        other=other,
        product=product,
        api=api,
        base=base,
        token=token,
        session=session,
    )


def _lines(session: Session, token: str) -> list[tuple[str, int]]:
    session.expire_all()
    cart = session.exec(select(Cart).where(col(Cart.public_token) == token)).one()
    items = session.exec(select(CartItem).where(col(CartItem.cart_id) == cart.id)).all()
    return [(i.product_id, i.quantity) for i in items]


def _preflight(api: TestClient, path: str, origin: str, method: str = "POST"):
    return api.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "content-type",
        },
    )


# --- CORS --------------------------------------------------------------------------------------


@pytest.mark.parametrize("origin", [ALLOWED, ALSO])
def test_preflight_from_an_allowed_origin(shop, origin) -> None:
    response = _preflight(shop.api, f"{shop.base}/carts/{shop.token}/items", origin)

    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == origin
    methods = {m.strip() for m in response.headers["access-control-allow-methods"].split(",")}
    assert {"GET", "POST", "PATCH", "DELETE", "OPTIONS"} <= methods
    assert "content-type" in response.headers["access-control-allow-headers"].lower()
    assert "Origin" in response.headers.get("vary", "")


@pytest.mark.parametrize(
    "origin",
    [
        FOREIGN,
        "https://other.example",
        "null",
        "https://shop.example.evil.example",
        "http://shop.example",
        "https://shop.example:8443",
    ],
)
def test_preflight_from_another_origin_is_403_without_acao(shop, origin) -> None:
    response = _preflight(shop.api, f"{shop.base}/carts", origin)

    assert response.status_code == 403
    assert "access-control-allow-origin" not in response.headers
    assert response.json()["detail"]


def test_origin_matching_is_normalized(shop) -> None:
    response = _preflight(shop.api, f"{shop.base}/carts", "https://SHOP.example:443")

    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "https://SHOP.example:443"


def test_actual_request_from_a_foreign_origin_is_403_and_changes_nothing(shop) -> None:
    response = shop.api.post(
        f"{shop.base}/carts/{shop.token}/items",
        json={"product_id": shop.product.id, "quantity": 1},
        headers={"Origin": FOREIGN},
    )

    assert response.status_code == 403
    assert "access-control-allow-origin" not in response.headers
    assert _lines(shop.session, shop.token) == []


def test_actual_request_from_an_allowed_origin_gets_acao(shop) -> None:
    response = shop.api.post(
        f"{shop.base}/carts/{shop.token}/items",
        json={"product_id": shop.product.id, "quantity": 2},
        headers={"Origin": ALLOWED},
    )

    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "access-control-allow-credentials" not in response.headers
    assert _lines(shop.session, shop.token) == [(shop.product.id, 2)]


def test_an_error_answer_to_an_allowed_origin_still_carries_acao(shop) -> None:
    response = shop.api.get(f"{shop.base}/carts/no-such-token", headers={"Origin": ALLOWED})

    assert response.status_code == 404
    assert response.headers["access-control-allow-origin"] == ALLOWED


def test_another_pages_origin_is_not_allowed_here(shop) -> None:
    mine = shop.api.get(f"{shop.base}/products", headers={"Origin": "https://other.example"})
    theirs = shop.api.get(
        f"/api/public/{shop.other.public_key}/products", headers={"Origin": "https://other.example"}
    )

    assert mine.status_code == 403
    assert theirs.status_code == 200
    assert theirs.headers["access-control-allow-origin"] == "https://other.example"


def test_same_origin_is_allowed(shop) -> None:
    response = shop.api.get(f"{shop.base}/products", headers={"Origin": "http://testserver"})

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "http://testserver"


def test_requests_without_origin_pass_without_acao(shop) -> None:
    response = shop.api.get(f"{shop.base}/carts/{shop.token}")

    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


def test_unknown_key_gets_no_cors(shop) -> None:
    assert _preflight(shop.api, "/api/public/pk_unknown/carts", ALLOWED).status_code == 403


def test_cart_token_paths_use_the_carts_page_origins(shop) -> None:
    path = f"/api/momentum/cart-triggers/{shop.token}"

    assert _preflight(shop.api, path, ALLOWED, "GET").status_code == 204
    assert _preflight(shop.api, path, FOREIGN, "GET").status_code == 403
    assert shop.api.get(path, headers={"Origin": FOREIGN}).status_code == 403
    allowed = shop.api.get(path, headers={"Origin": ALLOWED})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ALLOWED
    unknown = "/api/momentum/cart-triggers/no-such-token"
    assert _preflight(shop.api, unknown, ALLOWED, "GET").status_code == 403


def test_offer_paths_use_the_offers_cart_origins(shop) -> None:
    shop.api.post(f"{shop.base}/carts/{shop.token}/items", json={"product_id": shop.product.id})
    offer = shop.api.post(
        f"/api/momentum/cart-upsell/{shop.token}/presented",
        json={"type": "SHIPPING_PROTECTION"},
    )
    assert offer.status_code == 201, offer.text
    path = f"/api/momentum/cart-upsell/{offer.json()['id']}/declined"

    assert _preflight(shop.api, path, FOREIGN).status_code == 403
    assert shop.api.post(path, headers={"Origin": FOREIGN}).status_code == 403
    response = shop.api.post(path, headers={"Origin": ALLOWED})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED


# --- rate limit --------------------------------------------------------------------------------


def test_rate_limit_answers_429_with_retry_after_and_the_window_slides(session: Session) -> None:
    company = make_company(session)
    page = make_landing_page(session, company)
    other = make_landing_page(session, company)
    clock = FakeClock()
    limiter = SlidingWindowLimiter(limit=5, window=60, clock=clock)
    api = TestClient(StorefrontGuard(create_api(), limiter=limiter))
    path = f"/api/public/{page.public_key}/products"

    for second in range(5):
        clock.now = 1000.0 + second * 10  # 1000, 1010, ..., 1040
        assert api.get(path).status_code == 200
    clock.now = 1045.0
    refused = api.get(path, headers={"Origin": ALLOWED})
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "16"  # the 1000 hit leaves the window at 1060
    assert refused.headers["access-control-allow-origin"] == ALLOWED
    assert refused.json()["detail"]

    # another landing page has its own budget
    assert api.get(f"/api/public/{other.public_key}/products").status_code == 200

    clock.now = 1060.0  # the first hit (1000) has left the window: one slot free
    assert api.get(path).status_code == 200
    assert api.get(path).status_code == 429
    clock.now = 1070.0  # the 1010 hit leaves
    assert api.get(path).status_code == 200
    clock.now = 1200.0  # everything left
    assert all(api.get(path).status_code == 200 for _ in range(5))
    assert api.get(path).status_code == 429


def test_limiter_alone() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(limit=2, window=10, clock=clock)

    assert limiter.allow("a") == (True, 0)
    assert limiter.allow("a") == (True, 0)
    assert limiter.allow("b") == (True, 0)
    clock.now += 3
    assert limiter.allow("a") == (False, 8)
    clock.now += 7  # the first two hits are exactly `window` old: gone
    assert limiter.allow("a") == (True, 0)


def test_a_foreign_origin_does_not_use_up_the_budget(session: Session) -> None:
    company = make_company(session)
    page = make_landing_page(session, company)
    limiter = SlidingWindowLimiter(limit=2, window=60, clock=FakeClock())
    api = TestClient(StorefrontGuard(create_api(), limiter=limiter))
    path = f"/api/public/{page.public_key}/products"

    for _ in range(5):
        assert api.get(path, headers={"Origin": FOREIGN}).status_code == 403
    assert api.get(path).status_code == 200


# --- body limit --------------------------------------------------------------------------------


def test_oversize_body_is_413_and_changes_nothing(shop) -> None:
    body = (
        b'{"product_id": "'
        + shop.product.id.encode()
        + b'", "pad": "'
        + b"a" * MAX_BODY_BYTES
        + b'"}'
    )

    response = shop.api.post(
        f"{shop.base}/carts/{shop.token}/items",
        content=body,
        headers={"content-type": "application/json", "Origin": ALLOWED},
    )

    assert response.status_code == 413
    assert response.json()["detail"] == f"Request body over {MAX_BODY_BYTES} bytes."
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert _lines(shop.session, shop.token) == []


def test_a_body_just_under_the_limit_reaches_the_app(shop) -> None:
    head = b'{"product_id": "' + shop.product.id.encode() + b'", "quantity": 1'
    body = head + b" " * (MAX_BODY_BYTES - len(head) - 1) + b"}"
    assert len(body) == MAX_BODY_BYTES

    response = shop.api.post(
        f"{shop.base}/carts/{shop.token}/items",
        content=body,
        headers={"content-type": "application/json"},
    )

    assert response.status_code == 200, response.text
    assert _lines(shop.session, shop.token) == [(shop.product.id, 1)]


def _chunks(shop):
    yield b'{"product_id": "' + shop.product.id.encode() + b'", "quantity": 1, "pad": "'
    for _ in range(20):
        yield b"a" * 1024
    yield b'"}'


def test_a_chunked_oversize_body_is_refused_without_a_5xx(shop) -> None:
    response = shop.api.post(
        f"{shop.base}/carts/{shop.token}/items",
        content=_chunks(shop),
        headers={"content-type": "application/json"},
    )

    assert 400 <= response.status_code < 500
    assert response.json()["detail"]
    assert _lines(shop.session, shop.token) == []


def test_a_chunked_oversize_body_is_413(shop) -> None:
    response = shop.api.post(
        f"{shop.base}/carts/{shop.token}/items",
        content=_chunks(shop),
        headers={"content-type": "application/json"},
    )

    assert response.status_code == 413


@pytest.mark.parametrize("length", ["abc", "-1", "99999999999999999999"])
def test_a_bad_content_length_is_refused(shop, length) -> None:
    response = shop.api.post(
        f"{shop.base}/carts/{shop.token}/checkout", headers={"content-length": length}
    )

    assert response.status_code in (400, 413)
    assert _lines(shop.session, shop.token) == []


# --- everything else passes straight through ---------------------------------------------------


def test_non_storefront_paths_are_untouched(session: Session) -> None:
    limiter = SlidingWindowLimiter(limit=1, window=60, clock=FakeClock())
    api = TestClient(StorefrontGuard(create_api(), limiter=limiter))

    for _ in range(3):
        response = api.get("/api/health", headers={"Origin": FOREIGN})
        assert response.status_code == 200
        assert "access-control-allow-origin" not in response.headers
    assert api.options("/api/health", headers={"Origin": FOREIGN}).status_code != 403
