"""Behavioural triggers: only true facts, switchable by the theme, a deterministic control."""

from __future__ import annotations

import secrets
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session, col, select

from cart_admin.domain import storefront as shop
from cart_admin.domain import triggers
from cart_admin.domain.theming import resolve_theme
from cart_admin.models import (
    BehavioralTrigger,
    CartTriggerImpression,
    InventoryHold,
    TriggerPlacement,
)
from cart_admin.models.types import utcnow
from tests.factories import (
    make_company,
    make_heartbeat,
    make_landing_page,
    make_product,
)

NO_CONTROL = {"control_share_percent": 0}


def _store(session: Session, trigger_overrides: dict | None = None, **page_fields):
    company = make_company(session)
    theme = {"triggers": {**NO_CONTROL, **(trigger_overrides or {})}}
    page = make_landing_page(session, company, cart_theme=theme, **page_fields)
    return company, shop.storefront_for_key(session, public_key=page.public_key)


def _cart_with(session: Session, store, *products_qty, now=None):
    now = now or utcnow()
    cart = shop.create_cart(session, store=store, now=now)
    for product, qty in products_qty:
        shop.add_item(session, store=store, cart=cart, product_id=product.id, quantity=qty, now=now)
    session.commit()
    return cart


def _facts(session: Session, store, cart, *, now=None, viewer=None):
    now = now or utcnow()
    priced = shop.reprice(session, store=store, cart=cart, now=now)
    return triggers.cart_triggers(
        session,
        theme=store.theme,
        cart=cart,
        lines=priced.items,
        totals=priced.totals,
        now=now,
        viewer_session=viewer,
    )


# --- pure -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "level"),
    [
        (0, "critical"),
        (120, "critical"),
        (121, "high"),
        (300, "high"),
        (301, "medium"),
        (600, "medium"),
        (601, "low"),
        (3600, "low"),
    ],
)
def test_urgency_levels_follow_the_spec(seconds, level) -> None:
    assert triggers.urgency_level(seconds) == level


def test_control_group_is_deterministic_and_matches_the_share() -> None:
    tokens = [secrets.token_urlsafe(24) for _ in range(2000)]
    for share in (10, 25, 50):
        members = [t for t in tokens if triggers.in_control_group(t, share)]
        assert abs(len(members) / len(tokens) * 100 - share) <= 3, share
        # the same token always lands in the same group
        assert all(triggers.in_control_group(t, share) for t in members)
    assert not any(triggers.in_control_group(t, 0) for t in tokens)


def test_control_group_grows_monotonically_with_the_share() -> None:
    """A cart in the control group at 10 % stays there at 20 % (bucket < share)."""
    tokens = [secrets.token_urlsafe(24) for _ in range(500)]
    at_10 = {t for t in tokens if triggers.in_control_group(t, 10)}
    at_20 = {t for t in tokens if triggers.in_control_group(t, 20)}
    assert at_10 <= at_20


# --- facts from the database ------------------------------------------------------------------


def test_scarcity_only_when_stock_is_low_and_positive(session: Session) -> None:
    company, store = _store(session, {"scarcity": {"show_below_stock": 5}})
    low = make_product(session, company, available=7)  # 7 - 2 held = 5 left: shown
    plenty = make_product(session, company, available=9)  # 9 - 2 = 7 left: not shown
    last = make_product(session, company, available=1)  # 1 - 1 = 0 left: sold out, not shown
    untracked = make_product(session, company)  # no inventory row: not shown
    cart = _cart_with(session, store, (low, 2), (plenty, 2), (last, 1), (untracked, 1))

    items = _facts(session, store, cart)["items"]

    assert items.get(low.id, {}).get("scarcity") == 5
    for product in (plenty, last, untracked):
        assert "scarcity" not in items.get(product.id, {})


def test_social_proof_only_with_reviews(session: Session) -> None:
    company, store = _store(session)
    reviewed = make_product(session, company, rating=Decimal("4.80"), review_count=2847)
    unreviewed = make_product(session, company, rating=Decimal("5.00"), review_count=0)
    cart = _cart_with(session, store, (reviewed, 1), (unreviewed, 1))

    items = _facts(session, store, cart)["items"]

    assert items[reviewed.id]["social_proof"] == {"rating": "4.80", "review_count": 2847}
    assert "social_proof" not in items.get(unreviewed.id, {})


def test_anchoring_only_when_compare_at_is_higher(session: Session) -> None:
    company, store = _store(session)
    higher = make_product(session, company, price="24.99", compare_at_price=Decimal("29.99"))
    equal = make_product(session, company, price="24.99", compare_at_price=Decimal("24.99"))
    lower = make_product(session, company, price="24.99", compare_at_price=Decimal("20.00"))
    none = make_product(session, company, price="24.99")
    cart = _cart_with(session, store, (higher, 1), (equal, 1), (lower, 1), (none, 1))

    items = _facts(session, store, cart)["items"]

    assert items[higher.id]["anchoring"] == "29.99"
    for product in (equal, lower, none):
        assert "anchoring" not in items.get(product.id, {})


@pytest.mark.parametrize(
    ("minutes_left", "level"),
    [(1, "critical"), (2, "critical"), (4, "high"), (5, "high"), (9, "medium"), (14, "low")],
)
def test_urgency_counts_down_to_the_live_hold(session: Session, minutes_left, level) -> None:
    company, store = _store(session, {"urgency": {"hold_minutes": 15}})
    product = make_product(session, company, available=10)
    start = utcnow()
    cart = _cart_with(session, store, (product, 1), now=start)
    later = start + timedelta(minutes=15 - minutes_left)

    facts = _facts(session, store, cart, now=later)

    assert facts["urgency"]["level"] == level
    assert facts["urgency"]["expires_at"] == (start + timedelta(minutes=15)).isoformat()


def test_no_urgency_without_a_live_hold(session: Session) -> None:
    company, store = _store(session)
    tracked = make_product(session, company, available=10)
    start = utcnow()
    cart = _cart_with(session, store, (tracked, 1), now=start)

    expired = _facts(session, store, cart, now=start + timedelta(minutes=16))
    assert "urgency" not in expired

    hold = session.exec(select(InventoryHold).where(col(InventoryHold.cart_id) == cart.id)).one()
    hold.released_at = start
    session.add(hold)
    session.commit()
    assert "urgency" not in _facts(session, store, cart, now=start + timedelta(minutes=1))

    empty = _cart_with(session, store)
    assert "urgency" not in _facts(session, store, empty)


def test_viewers_only_other_recent_sessions_at_or_above_the_minimum(session: Session) -> None:
    company, store = _store(session, {"live_viewers": {"enabled": True, "min_viewers": 3}})
    popular = make_product(session, company)
    quiet = make_product(session, company)
    now = utcnow()
    for tab in ("tab-a1", "tab-a2", "tab-a3"):
        make_heartbeat(session, popular, session_id=tab, last_seen_at=now - timedelta(seconds=30))
    make_heartbeat(session, popular, session_id="mine-000", last_seen_at=now)
    make_heartbeat(
        session, popular, session_id="stale-01", last_seen_at=now - timedelta(seconds=61)
    )
    for tab in ("tab-b1", "tab-b2"):
        make_heartbeat(session, quiet, session_id=tab, last_seen_at=now)
    make_heartbeat(session, quiet, session_id="mine-000", last_seen_at=now)
    cart = _cart_with(session, store, (popular, 1), (quiet, 1), now=now)

    items = _facts(session, store, cart, now=now, viewer="mine-000")["items"]

    assert items.get(popular.id, {}).get("viewers") == 3  # not mine, not the stale tab
    assert "viewers" not in items.get(quiet.id, {})  # 2 others < 3


def test_viewer_counts_exclude_the_asking_session(session: Session) -> None:
    company = make_company(session)
    product = make_product(session, company)
    now = utcnow()
    make_heartbeat(session, product, session_id="me-12345", last_seen_at=now)
    make_heartbeat(session, product, session_id="you-1234", last_seen_at=now)

    assert triggers.viewer_counts(
        session, product_ids=[product.id], now=now, exclude_session="me-12345"
    ) == {product.id: 1}
    assert (
        triggers.viewer_counts(
            session, product_ids=[product.id], now=now + timedelta(seconds=61), exclude_session=None
        )
        == {}
    )


def test_record_heartbeat_refreshes_one_row_per_tab(session: Session) -> None:
    company = make_company(session)
    product = make_product(session, company)
    now = utcnow()
    for seconds in (0, 20, 40):
        triggers.record_heartbeat(
            session,
            company_id=company.id,
            session_id="tab-1234",
            product_ids=[product.id],
            now=now + timedelta(seconds=seconds),
        )
    session.commit()

    counts = triggers.viewer_counts(
        session, product_ids=[product.id], now=now + timedelta(seconds=90), exclude_session=None
    )
    assert counts == {product.id: 1}  # seen at +40 s, still within a minute at +90 s


def _everything_on(session: Session):
    company, store = _store(
        session,
        {"live_viewers": {"enabled": True, "min_viewers": 1}, "scarcity": {"show_below_stock": 5}},
    )
    product = make_product(
        session,
        company,
        available=3,
        price="24.99",
        compare_at_price=Decimal("29.99"),
        rating=Decimal("4.50"),
        review_count=10,
    )
    make_heartbeat(session, product, session_id="other-tab")
    return company, store, product


def test_everything_true_and_switched_on_is_shown(session: Session) -> None:
    _company, store, product = _everything_on(session)
    cart = _cart_with(session, store, (product, 1))

    facts = _facts(session, store, cart)

    assert facts["control"] is False
    assert "urgency" in facts
    assert facts["free_shipping"] is True
    assert facts["trust_signals"] == ["secure_checkout", "free_returns", "support_24_7"]
    assert facts["loss_aversion"] is True
    assert facts["items"][product.id] == {
        "scarcity": 2,
        "social_proof": {"rating": "4.50", "review_count": 10},
        "anchoring": "29.99",
        "viewers": 1,
    }


@pytest.mark.parametrize(
    ("override", "gone"),
    [
        ({"scarcity": {"enabled": False}}, "scarcity"),
        ({"social_proof": {"enabled": False}}, "social_proof"),
        ({"social_proof": {"show_ratings": False}}, "social_proof"),
        ({"anchoring": {"enabled": False}}, "anchoring"),
        ({"anchoring": {"show_compare_at_price": False}}, "anchoring"),
        ({"live_viewers": {"enabled": False}}, "viewers"),
    ],
)
def test_each_item_trigger_is_switched_off_by_the_theme(session: Session, override, gone) -> None:
    _company, store, product = _everything_on(session)
    page = store.page
    theme = dict(page.cart_theme)
    theme["triggers"] = {**theme["triggers"], **override}
    if "live_viewers" not in override:
        theme["triggers"]["live_viewers"] = {"enabled": True, "min_viewers": 1}
    page.cart_theme = theme
    session.add(page)
    session.commit()
    store = shop.storefront_for_key(session, public_key=page.public_key)
    cart = _cart_with(session, store, (product, 1))

    item = _facts(session, store, cart)["items"].get(product.id, {})

    assert gone not in item
    assert len(item) == 3  # the other three facts remain


@pytest.mark.parametrize(
    ("override", "key", "off"),
    [
        ({"urgency": {"enabled": False}}, "urgency", None),
        ({"free_shipping": {"enabled": False}}, "free_shipping", False),
        ({"trust_signals": {"enabled": False}}, "trust_signals", None),
        ({"loss_aversion": {"enabled": False}}, "loss_aversion", False),
        ({"loss_aversion": {"show_on_remove": False}}, "loss_aversion", False),
    ],
)
def test_each_cart_trigger_is_switched_off_by_the_theme(
    session: Session, override, key, off
) -> None:
    company, store = _store(session, override)
    product = make_product(session, company, available=10)
    cart = _cart_with(session, store, (product, 1))

    facts = _facts(session, store, cart)

    assert facts.get(key) == off


def _control_token(share: int, inside: bool) -> str:
    while True:
        token = secrets.token_urlsafe(24)
        if triggers.in_control_group(token, share) is inside:
            return token


def test_a_control_cart_shows_nothing_and_lists_what_it_would_have_seen(session: Session) -> None:
    _company, store, product = _everything_on(session)
    store.page.cart_theme = {
        "triggers": {"control_share_percent": 50, "live_viewers": {"enabled": True}}
    }
    session.add(store.page)
    session.commit()
    store = shop.storefront_for_key(session, public_key=store.page.public_key)
    cart = _cart_with(session, store, (product, 1))
    cart.public_token = _control_token(50, inside=True)
    session.add(cart)
    session.commit()

    facts = _facts(session, store, cart)
    assert set(facts) == {"control", "eligible"} and facts["control"] is True
    # Nothing to show, but what it would have seen, so the drawer can record control impressions.
    eligible = {(e["trigger"], e["placement"], e.get("product_id")) for e in facts["eligible"]}
    assert ("URGENCY", "CART_HEADER", None) in eligible
    assert ("SCARCITY", "CART_ITEM", product.id) in eligible

    cart.public_token = _control_token(50, inside=False)
    session.add(cart)
    session.commit()
    assert _facts(session, store, cart)["control"] is False


def test_impressions_record_control_or_variant(session: Session) -> None:
    company = make_company(session)
    page = make_landing_page(
        session, company, cart_theme={"triggers": {"control_share_percent": 50}}
    )
    store = shop.storefront_for_key(session, public_key=page.public_key)
    theme = resolve_theme(page.cart_theme).theme
    now = utcnow()
    rows = {}
    for inside in (True, False):
        cart = shop.create_cart(session, store=store, now=now)
        cart.public_token = _control_token(50, inside=inside)
        rows[inside] = triggers.record_impression(
            session,
            cart=cart,
            theme=theme,
            trigger=BehavioralTrigger.SCARCITY,
            placement=TriggerPlacement.CART_ITEM,
            variant="bold",
            session_id="",
            context={},
            now=now,
        )
    session.commit()

    assert (rows[True].control, rows[True].variant) == (True, "control")
    assert (rows[False].control, rows[False].variant) == (False, "bold")
    assert rows[False].session_id == rows[False].session_id[:64]


def test_interaction_is_scoped_to_the_cart(session: Session) -> None:
    _company, store = _store(session)
    now = utcnow()
    mine = shop.create_cart(session, store=store, now=now)
    other = shop.create_cart(session, store=store, now=now)
    row = triggers.record_impression(
        session,
        cart=mine,
        theme=store.theme,
        trigger=BehavioralTrigger.URGENCY,
        placement=TriggerPlacement.CART_HEADER,
        variant=None,
        session_id="tab-1",
        context={},
        now=now,
    )
    session.commit()

    with pytest.raises(triggers.TriggerError):
        triggers.record_interaction(session, cart=other, impression_id=row.id, now=now)
    with pytest.raises(triggers.TriggerError):
        triggers.record_interaction(session, cart=mine, impression_id="f" * 30, now=now)

    later = now + timedelta(seconds=5)
    triggers.record_interaction(session, cart=mine, impression_id=row.id, now=later)
    triggers.record_interaction(
        session, cart=mine, impression_id=row.id, now=later + later.resolution
    )
    session.commit()
    session.expire_all()
    assert session.get(CartTriggerImpression, row.id).interacted_at == later
