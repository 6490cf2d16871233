"""Cart-scoped spec §11 endpoints: triggers, impressions, interactions, heartbeats, upsells."""

from __future__ import annotations

import secrets
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from cart_admin.api.app import create_api
from cart_admin.domain.triggers import in_control_group
from cart_admin.models import (
    Cart,
    CartItem,
    CartTriggerImpression,
    CartUpsellOffer,
    LandingPageStatus,
)
from cart_admin.models.types import utcnow
from tests.factories import make_company, make_heartbeat, make_landing_page, make_product

MOM = "/api/momentum"


def _page(session: Session, company, triggers: dict | None = None, **fields):
    theme = {"triggers": {"control_share_percent": 0, **(triggers or {})}}
    return make_landing_page(session, company, cart_theme=theme, **fields)


@pytest.fixture
def shop(session: Session) -> SimpleNamespace:
    company = make_company(session)
    page = _page(session, company)
    mug = make_product(
        session,
        company,
        name="Mug",
        price="24.99",
        available=3,
        compare_at_price=Decimal("29.99"),
        rating=Decimal("4.80"),
        review_count=2847,
        category="kitchen",
    )
    grinder = make_product(
        session,
        company,
        name="Grinder",
        price="30.00",
        available=20,
        category="kitchen",
        sales_count=50,
    )
    api = TestClient(create_api())
    return SimpleNamespace(
        company=company, page=page, mug=mug, grinder=grinder, api=api, session=session
    )


def _cart(shop, page=None, *items) -> str:
    base = f"/api/public/{(page or shop.page).public_key}"
    token = shop.api.post(f"{base}/carts", json={}).json()["token"]
    for product, qty in items:
        response = shop.api.post(
            f"{base}/carts/{token}/items", json={"product_id": product.id, "quantity": qty}
        )
        assert response.status_code == 200, response.text
    return token


def _set_token(session: Session, token: str, new: str) -> str:
    cart = session.exec(select(Cart).where(col(Cart.public_token) == token)).one()
    cart.public_token = new
    session.add(cart)
    session.commit()
    return new


def _token_in_group(share: int, inside: bool) -> str:
    while True:
        token = secrets.token_urlsafe(24)
        if in_control_group(token, share) is inside:
            return token


# --- triggers --------------------------------------------------------------------------------


def test_triggers_endpoint_returns_the_true_facts_and_the_config(shop) -> None:
    token = _cart(shop, None, (shop.mug, 1))

    response = shop.api.get(f"{MOM}/cart-triggers/{token}")

    assert response.status_code == 200, response.text
    body = response.json()
    facts = body["triggers"]
    assert facts["control"] is False
    assert facts["urgency"]["level"] == "low"  # a fresh 15-minute hold
    assert facts["items"][shop.mug.id] == {
        "scarcity": 2,
        "social_proof": {"rating": "4.80", "review_count": 2847},
        "anchoring": "29.99",
    }
    assert body["config"]["control_share_percent"] == 0
    assert body["config"]["scarcity"] == {"enabled": True, "show_below_stock": 5}
    assert body["config"]["urgency"]["hold_minutes"] == 15


def test_triggers_in_the_cart_json_match_the_endpoint(shop) -> None:
    token = _cart(shop, None, (shop.mug, 1), (shop.grinder, 1))

    cart = shop.api.get(f"/api/public/{shop.page.public_key}/carts/{token}").json()
    endpoint = shop.api.get(f"{MOM}/cart-triggers/{token}").json()["triggers"]

    assert cart["triggers"]["items"] == endpoint["items"]
    assert shop.grinder.id not in cart["triggers"]["items"]  # 19 left, no reviews, no anchor


@pytest.mark.parametrize(
    ("override", "missing"),
    [
        ({"scarcity": {"enabled": False}}, "scarcity"),
        ({"social_proof": {"enabled": False}}, "social_proof"),
        ({"anchoring": {"enabled": False}}, "anchoring"),
    ],
)
def test_the_theme_switches_item_triggers_off(shop, override, missing) -> None:
    page = _page(shop.session, shop.company, override)
    token = _cart(shop, page, (shop.mug, 1))

    items = shop.api.get(f"{MOM}/cart-triggers/{token}").json()["triggers"]["items"]

    assert missing not in items[shop.mug.id]
    assert len(items[shop.mug.id]) == 2


def test_the_theme_switches_urgency_off(shop) -> None:
    page = _page(shop.session, shop.company, {"urgency": {"enabled": False}})
    token = _cart(shop, page, (shop.mug, 1))

    facts = shop.api.get(f"{MOM}/cart-triggers/{token}").json()["triggers"]

    assert "urgency" not in facts


def test_a_control_cart_shows_nothing_but_what_it_would_have_seen(shop) -> None:
    page = _page(shop.session, shop.company, {"control_share_percent": 50})
    token = _set_token(shop.session, _cart(shop, page, (shop.mug, 1)), _token_in_group(50, True))

    endpoint = shop.api.get(f"{MOM}/cart-triggers/{token}").json()
    cart = shop.api.get(f"/api/public/{page.public_key}/carts/{token}").json()

    for triggers in (endpoint["triggers"], cart["triggers"]):
        assert set(triggers) == {"control", "eligible"} and triggers["control"] is True
    assert endpoint["config"]["control_share_percent"] == 50

    treated = _set_token(shop.session, token, _token_in_group(50, False))
    assert shop.api.get(f"{MOM}/cart-triggers/{treated}").json()["triggers"]["control"] is False


def test_impressions_record_control_or_variant(shop) -> None:
    page = _page(shop.session, shop.company, {"control_share_percent": 50})
    control = _set_token(shop.session, _cart(shop, page), _token_in_group(50, True))
    treated = _set_token(shop.session, _cart(shop, page), _token_in_group(50, False))
    body = {
        "trigger": "SCARCITY",
        "placement": "CART_ITEM",
        "variant": "bold",
        "session_id": "tab-1234",
        "context": {"product_id": shop.mug.id, "stock": 2},
    }

    responses = {
        t: shop.api.post(f"{MOM}/cart-triggers/{t}/impression", json=body)
        for t in (control, treated)
    }

    for response in responses.values():
        assert response.status_code == 201, response.text
    assert responses[control].json()["control"] is True
    assert responses[treated].json()["control"] is False
    shop.session.expire_all()
    rows = {
        t: shop.session.get(CartTriggerImpression, r.json()["id"]) for t, r in responses.items()
    }
    assert (rows[control].control, rows[control].variant) == (True, "control")
    assert (rows[treated].control, rows[treated].variant) == (False, "bold")
    assert rows[treated].context == {"product_id": shop.mug.id, "stock": 2}
    assert rows[treated].session_id == "tab-1234"
    assert rows[treated].interacted_at is None and rows[treated].converted_at is None


def test_impression_without_variant_is_treatment(shop) -> None:
    token = _cart(shop)

    response = shop.api.post(
        f"{MOM}/cart-triggers/{token}/impression",
        json={"trigger": "URGENCY", "placement": "CART_HEADER"},
    )

    row = shop.session.get(CartTriggerImpression, response.json()["id"])
    assert row.variant == "treatment" and row.session_id == token[:64]


@pytest.mark.parametrize(
    "body",
    [
        {"trigger": "NOT_A_TRIGGER", "placement": "CART_ITEM"},
        {"trigger": "SCARCITY", "placement": "NOWHERE"},
        {"trigger": "SCARCITY"},
        {"trigger": "SCARCITY", "placement": "CART_ITEM", "variant": "v" * 33},
        {"trigger": "SCARCITY", "placement": "CART_ITEM", "session_id": "bad id!"},
        {
            "trigger": "SCARCITY",
            "placement": "CART_ITEM",
            "context": {str(i): i for i in range(11)},
        },
        {"trigger": "SCARCITY", "placement": "CART_ITEM", "extra": 1},
    ],
)
def test_bad_impressions_are_422_and_record_nothing(shop, body) -> None:
    token = _cart(shop)

    response = shop.api.post(f"{MOM}/cart-triggers/{token}/impression", json=body)

    assert response.status_code == 422
    assert response.json()["detail"]
    assert shop.session.exec(select(CartTriggerImpression)).all() == []


def test_interaction_sets_interacted_at_once_and_only_for_the_cart(shop) -> None:
    mine, other = _cart(shop), _cart(shop)
    impression = shop.api.post(
        f"{MOM}/cart-triggers/{mine}/impression",
        json={"trigger": "SCARCITY", "placement": "CART_ITEM"},
    ).json()["id"]

    foreign = shop.api.post(
        f"{MOM}/cart-triggers/{other}/interaction", json={"impression_id": impression}
    )
    assert foreign.status_code == 404
    assert foreign.json()["detail"] == "No such impression for this cart."
    shop.session.expire_all()
    assert shop.session.get(CartTriggerImpression, impression).interacted_at is None

    ok = shop.api.post(
        f"{MOM}/cart-triggers/{mine}/interaction", json={"impression_id": impression}
    )
    assert ok.status_code == 200 and ok.json() == {"success": True}
    shop.session.expire_all()
    first = shop.session.get(CartTriggerImpression, impression).interacted_at
    assert first is not None

    again = shop.api.post(
        f"{MOM}/cart-triggers/{mine}/interaction", json={"impression_id": impression}
    )
    assert again.status_code == 200
    shop.session.expire_all()
    assert shop.session.get(CartTriggerImpression, impression).interacted_at == first

    unknown = shop.api.post(
        f"{MOM}/cart-triggers/{mine}/interaction", json={"impression_id": "ab" * 12}
    )
    assert unknown.status_code == 404
    bad = shop.api.post(f"{MOM}/cart-triggers/{mine}/interaction", json={"impression_id": "zz"})
    assert bad.status_code == 422


def test_unknown_or_unpublished_carts_are_404(shop) -> None:
    draft = _page(shop.session, shop.company)
    token = _cart(shop, draft)
    draft.status = LandingPageStatus.DRAFT
    shop.session.add(draft)
    shop.session.commit()
    api = TestClient(create_api(), raise_server_exceptions=False)
    impression = {"trigger": "SCARCITY", "placement": "CART_ITEM"}

    for t in (token, "no-such-token"):
        assert api.get(f"{MOM}/cart-triggers/{t}").status_code == 404
        assert api.post(f"{MOM}/cart-triggers/{t}/impression", json=impression).status_code == 404
        assert (
            api.post(
                f"{MOM}/cart-triggers/{t}/interaction", json={"impression_id": "ab" * 12}
            ).status_code
            == 404
        )
        assert api.get(f"{MOM}/cart-upsell/{t}/recommendations").status_code == 404
        assert (
            api.post(f"{MOM}/cart-upsell/{t}/presented", json={"type": "COMPLEMENTARY"}).status_code
            == 404
        )
    assert api.get(f"{MOM}/cart-triggers/" + "t" * 65).status_code == 422
    assert api.get(f"{MOM}/cart-triggers/bad%20token").status_code == 422


# --- live viewers ------------------------------------------------------------------------------


def test_heartbeat_counts_other_tabs_only_and_ignores_other_companies(shop) -> None:
    stranger = make_company(shop.session, "Other shop")
    theirs = make_product(shop.session, stranger)
    base = f"/api/public/{shop.page.public_key}"
    ids = [shop.mug.id, shop.grinder.id, theirs.id, "ab" * 12]

    first = shop.api.post(f"{base}/heartbeat", json={"session_id": "tab-aaaa", "product_ids": ids})
    assert first.status_code == 200, first.text
    assert first.json() == {"viewers": {shop.mug.id: 0, shop.grinder.id: 0}}

    shop.api.post(
        f"{base}/heartbeat", json={"session_id": "tab-bbbb", "product_ids": [shop.mug.id]}
    )
    again = shop.api.post(f"{base}/heartbeat", json={"session_id": "tab-aaaa", "product_ids": ids})
    assert again.json() == {"viewers": {shop.mug.id: 1, shop.grinder.id: 0}}
    # the other tab sees the first one
    other = shop.api.post(
        f"{base}/heartbeat", json={"session_id": "tab-bbbb", "product_ids": [shop.mug.id]}
    )
    assert other.json() == {"viewers": {shop.mug.id: 1}}

    from cart_admin.models import ProductViewHeartbeat

    shop.session.expire_all()
    rows = shop.session.exec(select(ProductViewHeartbeat)).all()
    assert sorted((r.session_id, r.product_id) for r in rows) == sorted(
        [("tab-aaaa", shop.mug.id), ("tab-aaaa", shop.grinder.id), ("tab-bbbb", shop.mug.id)]
    )
    assert all(r.company_id == shop.company.id for r in rows)


def test_stale_heartbeats_are_not_viewers(shop) -> None:
    base = f"/api/public/{shop.page.public_key}"
    make_heartbeat(
        shop.session, shop.mug, session_id="old-tab1", last_seen_at=utcnow() - timedelta(seconds=90)
    )

    response = shop.api.post(
        f"{base}/heartbeat", json={"session_id": "tab-aaaa", "product_ids": [shop.mug.id]}
    )

    assert response.json() == {"viewers": {shop.mug.id: 0}}


def test_cart_viewers_need_the_theme_minimum_and_exclude_the_asking_tab(shop) -> None:
    page = _page(shop.session, shop.company, {"live_viewers": {"enabled": True, "min_viewers": 3}})
    token = _cart(shop, page, (shop.mug, 1))
    base = f"/api/public/{page.public_key}"
    for tab in ("tab-1111", "tab-2222", "mine-123"):
        make_heartbeat(shop.session, shop.mug, session_id=tab)

    def viewers(viewer: str):
        body = shop.api.get(f"{base}/carts/{token}", params={"viewer": viewer}).json()
        return body["triggers"]["items"][shop.mug.id].get("viewers")

    assert viewers("mine-123") is None  # 2 others < 3
    make_heartbeat(shop.session, shop.mug, session_id="tab-3333")
    assert viewers("mine-123") == 3
    assert viewers("tab-1111") == 3


def test_triggers_endpoint_does_not_count_the_asking_tab(shop) -> None:
    page = _page(shop.session, shop.company, {"live_viewers": {"enabled": True, "min_viewers": 1}})
    token = _cart(shop, page, (shop.mug, 1))
    make_heartbeat(shop.session, shop.mug, session_id="mine-123")

    items = shop.api.get(f"{MOM}/cart-triggers/{token}", params={"viewer": "mine-123"}).json()

    assert "viewers" not in items["triggers"]["items"][shop.mug.id]


def test_viewers_switched_off_by_default(shop) -> None:
    token = _cart(shop, None, (shop.mug, 1))
    for n in range(5):
        make_heartbeat(shop.session, shop.mug, session_id=f"tab-{n:04d}")

    items = shop.api.get(f"{MOM}/cart-triggers/{token}").json()["triggers"]["items"]

    assert "viewers" not in items[shop.mug.id]


# --- upsells -----------------------------------------------------------------------------------


def test_recommendations_respect_max_and_excluded_types(shop) -> None:
    token = _cart(shop, None, (shop.mug, 1))  # 24.99: 25.01 short of free shipping
    path = f"{MOM}/cart-upsell/{token}/recommendations"

    everything = shop.api.get(path)
    assert everything.status_code == 200, everything.text
    types = [r["type"] for r in everything.json()]
    assert set(types) == {"FREE_SHIPPING_ADD", "COMPLEMENTARY"}
    free = next(r for r in everything.json() if r["type"] == "FREE_SHIPPING_ADD")
    assert free["amount_to_threshold"] == "25.01"
    assert [p["name"] for p in free["products"]] == ["Grinder"]
    assert free["products"][0]["price"] == "30.00"

    one = shop.api.get(path, params={"maxRecommendations": 1}).json()
    assert [r["type"] for r in one] == types[:1]

    excluded = shop.api.get(path, params={"excludeTypes": "FREE_SHIPPING_ADD"}).json()
    assert [r["type"] for r in excluded] == ["COMPLEMENTARY"]
    both = shop.api.get(path, params={"excludeTypes": "FREE_SHIPPING_ADD,COMPLEMENTARY"})
    assert both.json() == []


@pytest.mark.parametrize(
    "params",
    [
        {"excludeTypes": "NOT_A_TYPE"},
        {"excludeTypes": "COMPLEMENTARY,nope"},
        {"maxRecommendations": 0},
        {"maxRecommendations": 11},
        {"maxRecommendations": "x"},
        {"excludeTypes": "A," * 200},
    ],
)
def test_bad_recommendation_parameters_are_422(shop, params) -> None:
    token = _cart(shop, None, (shop.mug, 1))

    response = shop.api.get(f"{MOM}/cart-upsell/{token}/recommendations", params=params)

    assert response.status_code == 422
    assert response.json()["detail"]


def test_presented_offer_is_priced_by_the_server_and_accepting_adds_it(shop) -> None:
    token = _cart(shop, None, (shop.mug, 1))

    presented = shop.api.post(
        f"{MOM}/cart-upsell/{token}/presented",
        json={"type": "FREE_SHIPPING_ADD", "product_id": shop.grinder.id},
    )
    assert presented.status_code == 201, presented.text
    offer = presented.json()
    assert offer["product_id"] == shop.grinder.id
    assert offer["original_price"] == "30.00" and offer["offer_price"] == "30.00"
    assert offer["accepted"] is False and offer["declined"] is False

    accepted = shop.api.post(f"{MOM}/cart-upsell/{offer['id']}/accepted")

    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    assert body["success"] is True and body["cartUpdated"] is True
    assert {i["product_id"]: i["quantity"] for i in body["cart"]["items"]} == {
        shop.mug.id: 1,
        shop.grinder.id: 1,
    }
    assert body["cart"]["subtotal"] == "54.99"
    assert body["cart"]["shipping_total"] == "0.00"
    shop.session.expire_all()
    assert shop.session.get(CartUpsellOffer, offer["id"]).accepted_at is not None
    cart = shop.session.exec(select(Cart).where(col(Cart.public_token) == token)).one()
    lines = shop.session.exec(select(CartItem).where(col(CartItem.cart_id) == cart.id)).all()
    assert {(i.product_id, i.unit_price) for i in lines} == {
        (shop.mug.id, Decimal("24.99")),
        (shop.grinder.id, Decimal("30.00")),
    }

    declined_after = shop.api.post(f"{MOM}/cart-upsell/{offer['id']}/declined")
    assert declined_after.status_code == 422


def test_a_client_price_on_presented_is_refused(shop) -> None:
    token = _cart(shop, None, (shop.mug, 1))

    response = shop.api.post(
        f"{MOM}/cart-upsell/{token}/presented",
        json={"type": "COMPLEMENTARY", "product_id": shop.grinder.id, "offer_price": "0.01"},
    )

    assert response.status_code == 422
    assert shop.session.exec(select(CartUpsellOffer)).all() == []


def test_declined_offer_changes_no_line(shop) -> None:
    token = _cart(shop, None, (shop.mug, 1))
    offer = shop.api.post(
        f"{MOM}/cart-upsell/{token}/presented",
        json={"type": "COMPLEMENTARY", "product_id": shop.grinder.id},
    ).json()

    response = shop.api.post(f"{MOM}/cart-upsell/{offer['id']}/declined")

    assert response.status_code == 200 and response.json() == {"success": True}
    shop.session.expire_all()
    assert shop.session.get(CartUpsellOffer, offer["id"]).declined_at is not None
    assert shop.api.post(f"{MOM}/cart-upsell/{offer['id']}/accepted").status_code == 422
    cart = shop.api.get(f"/api/public/{shop.page.public_key}/carts/{token}").json()
    assert [i["product_id"] for i in cart["items"]] == [shop.mug.id]


def test_accepting_an_offer_whose_stock_is_gone_is_422_and_changes_nothing(shop) -> None:
    token = _cart(shop, None, (shop.mug, 1))
    offer = shop.api.post(
        f"{MOM}/cart-upsell/{token}/presented",
        json={"type": "COMPLEMENTARY", "product_id": shop.grinder.id},
    ).json()
    thief = _cart(shop, None, (shop.grinder, 20))
    assert thief

    response = shop.api.post(f"{MOM}/cart-upsell/{offer['id']}/accepted")

    assert response.status_code == 422
    assert response.json()["detail"] == "Grinder is sold out."
    shop.session.expire_all()
    assert shop.session.get(CartUpsellOffer, offer["id"]).accepted_at is None


def test_presented_rejects_what_the_cart_cannot_have(shop) -> None:
    token = _cart(shop, None, (shop.mug, 1))
    stranger = make_company(shop.session, "Other shop")
    theirs = make_product(shop.session, stranger)
    path = f"{MOM}/cart-upsell/{token}/presented"

    for body, status in [
        ({"type": "COMPLEMENTARY", "product_id": theirs.id}, 422),
        ({"type": "COMPLEMENTARY", "product_id": "ab" * 12}, 422),
        ({"type": "COMPLEMENTARY"}, 422),
        ({"type": "NOPE"}, 422),
        ({"type": "COMPLEMENTARY", "product_id": "not-hex"}, 422),
    ]:
        response = shop.api.post(path, json=body)
        assert response.status_code == status, body
        assert response.json()["detail"]
    assert shop.session.exec(select(CartUpsellOffer)).all() == []


def test_unknown_offers_are_404(shop) -> None:
    for action in ("accepted", "declined"):
        response = shop.api.post(f"{MOM}/cart-upsell/{'ab' * 12}/{action}")
        assert response.status_code == 404
        assert response.json()["detail"] == "No such offer."
        assert shop.api.post(f"{MOM}/cart-upsell/not-hex/{action}").status_code == 422
