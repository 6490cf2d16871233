"""The demo data generator: sizes, determinism, and that the story it tells is coherent.

Each test seeds once (a few seconds on SQLite) and then checks one area of the data.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel, select

from cart_admin.db import engine_for
from cart_admin.demo import DEMO_EMAIL, DEMO_PASSWORD, database_is_empty, reset_demo, seed_demo
from cart_admin.demo.catalog import BUNDLES, PRODUCTS
from cart_admin.demo.flow import FLOW, STAGE_DELAYS
from cart_admin.demo.generator import build_world
from cart_admin.demo.images import ASSETS_DIR, write_images
from cart_admin.domain.auth import authenticate
from cart_admin.models import (
    Cart,
    CartIntervention,
    CartItem,
    CartSaveAttempt,
    CartStatus,
    CartTriggerImpression,
    CartUpsellOffer,
    CartVoiceCall,
    Customer,
    Inventory,
    InventoryHold,
    Product,
    User,
)
from tests.conftest import BACKENDS, PG_URL
from tests.worker.flow_rows import fresh_database

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
BRANCH_TYPES = {
    "TOO_EXPENSIVE": {"PERCENTAGE_DISCOUNT"},
    "SHIPPING_COST": {"FREE_SHIPPING"},
    "NEED_MORE_INFO": {"REVIEWS_SHOWCASE", "PRODUCT_FAQ"},
    "COMPARING_OPTIONS": {"PRICE_MATCH", "COMPARISON_CHART"},
    "SAVING_FOR_LATER": {"WISHLIST_SAVE"},
}


@pytest.fixture(scope="module", params=BACKENDS)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sqlite_template
) -> Iterator[Session]:
    """The demo seeded once per database for the tests that only read it (seeding takes
    seconds, ~20 s on PostgreSQL); in a database of its own, beside the per-test ones."""
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            path = tmp_path_factory.mktemp("demo") / "demo.db"
            shutil.copy(sqlite_template, path)
            url = f"sqlite:///{path}"
        else:
            name = f"{make_url(PG_URL).database}_demo"
            url = stack.enter_context(fresh_database(PG_URL, name))
        with Session(engine_for(url), expire_on_commit=False) as session:
            assert database_is_empty(session)
            seed_demo(session, now=NOW)
            session.commit()
            yield session
        engine_for(url).dispose()


def _all(session: Session, model: type[SQLModel]) -> list:
    return list(session.exec(select(model)).all())


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def test_seed_gives_a_realistic_shop_of_the_expected_size(demo: Session) -> None:
    session = demo
    assert not database_is_empty(session)
    carts = _all(session, Cart)
    customers = _all(session, Customer)
    attempts = _all(session, CartSaveAttempt)
    abandoned = [c for c in carts if c.abandoned_at]

    assert len(customers) == 500
    assert 20 <= len(_all(session, Product)) <= 30
    assert 4000 <= len(carts) <= 6000
    assert 0.10 <= _share(sum(c.customer_id is None for c in carts), len(carts)) <= 0.20
    assert 0.65 <= _share(len(abandoned), len(carts)) <= 0.78
    direct = sum(c.converted_at is not None and c.abandoned_at is None for c in carts)
    assert 0.22 <= _share(direct, len(carts)) <= 0.32
    assert 1 <= sum(c.status is CartStatus.ACTIVE for c in carts) <= 20
    assert (
        0.10 <= _share(sum(c.converted_at is not None for c in abandoned), len(abandoned)) <= 0.20
    )

    assert len(attempts) == len(abandoned)
    holdouts = [a for a in attempts if a.is_holdout]
    contacted = [a for a in attempts if not a.is_holdout]
    assert 0.07 <= _share(len(holdouts), len(attempts)) <= 0.13
    held_rate = _share(sum(a.status == "COMPLETED" for a in holdouts), len(holdouts))
    contacted_rate = _share(sum(a.status == "COMPLETED" for a in contacted), len(contacted))
    assert 0.02 <= held_rate <= 0.09 and 0.15 <= contacted_rate <= 0.22

    assert 100 <= len(_all(session, CartVoiceCall)) <= 200
    upsells = _all(session, CartUpsellOffer)
    assert 0.33 <= _share(len({u.cart_id for u in upsells}), len(carts)) <= 0.47
    assert 0.10 <= _share(sum(u.accepted_at is not None for u in upsells), len(upsells)) <= 0.18
    impressions = _all(session, CartTriggerImpression)
    assert 0.70 <= _share(len({i.cart_id for i in impressions}), len(carts)) <= 0.90

    assert 0.80 <= _share(sum(c.email_consent for c in customers), 500) <= 0.90
    assert 0.38 <= _share(sum(c.sms_consent for c in customers), 500) <= 0.52
    assert 0.15 <= _share(sum(c.voice_consent for c in customers), 500) <= 0.25
    assert 0.01 <= _share(sum(c.unsubscribed_at is not None for c in customers), 500) <= 0.06
    assert all(c.phone for c in customers if c.voice_consent and c.voice_consent_at)
    assert len({c.timezone for c in customers}) == 10

    roles = {u.email: u.role.value for u in _all(session, User)}
    assert roles[DEMO_EMAIL] == "owner" and sorted(roles.values()) == [
        "analyst",
        "marketer",
        "owner",
    ]
    assert (
        authenticate(session, email=DEMO_EMAIL, password=DEMO_PASSWORD, now=NOW).email == DEMO_EMAIL
    )


def _digest(session: Session) -> str:
    """Every row of every table (but the salted password hash), in a stable order."""
    digest = hashlib.sha256()
    for table in SQLModel.metadata.sorted_tables:
        columns = [c for c in table.c if c.name != "password_hash"]
        for row in session.execute(sa.select(*columns).order_by(table.c.id)):
            digest.update(json.dumps(list(row), default=str, sort_keys=True).encode())
    return digest.hexdigest()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the generator, not the database
def test_same_seed_and_now_give_identical_data(session: Session) -> None:
    reset_demo(session, now=NOW)
    session.commit()
    first = _digest(session)
    reset_demo(session, now=NOW)
    session.commit()
    assert _digest(session) == first
    company_id = session.exec(select(Cart.company_id)).first()
    assert build_world(now=NOW, seed=7, password_hash="x").company_id != company_id


def test_carts_money_and_customers_are_coherent(demo: Session) -> None:
    session = demo
    company_id = session.exec(select(Cart.company_id)).first()
    for table in SQLModel.metadata.sorted_tables:
        if "company_id" in table.c:
            ids = set(session.execute(sa.select(table.c.company_id).distinct()).scalars())
            assert ids <= {company_id}, table.name
        for column in table.c:
            is_money = isinstance(column.type, sa.Numeric) and column.type.scale == 2
            if is_money and not isinstance(column.type, sa.Float):
                for value in session.execute(sa.select(column)).scalars():
                    assert value is None or value.as_tuple().exponent == -2, column

    products = {p.id: p for p in _all(session, Product)}
    items = defaultdict(list)
    for item in _all(session, CartItem):
        items[item.cart_id].append(item)
        assert item.unit_price == products[item.product_id].price
        assert item.product_snapshot["price"] == str(item.unit_price)
    for cart in _all(session, Cart):
        lines = items[cart.id]
        assert 1 <= len(lines) <= 4 and cart.item_count == sum(i.quantity for i in lines)
        assert cart.subtotal == sum(i.unit_price * i.quantity for i in lines)
        assert (
            cart.grand_total
            == cart.subtotal - cart.discount_total + cart.shipping_total + cart.tax_total
        )
        assert cart.tax_total == ((cart.subtotal - cart.discount_total) * Decimal("0.08")).quantize(
            Decimal("0.01"), rounding="ROUND_HALF_UP"
        )
        if cart.subtotal >= 50:
            assert cart.shipping_total == 0
        assert cart.created_at <= cart.last_activity_at <= NOW
        if cart.abandoned_at:
            assert (
                timedelta(minutes=30)
                <= cart.abandoned_at - cart.last_activity_at
                <= timedelta(hours=1)
            )
        if cart.converted_at:
            assert cart.status is CartStatus.CONVERTED and cart.converted_at <= NOW
            assert cart.abandoned_at is None or cart.abandoned_at < cart.converted_at
        if cart.status is CartStatus.EXPIRED:
            assert cart.expired_at == cart.abandoned_at + timedelta(days=30) <= NOW
        if cart.status is CartStatus.ABANDONED:
            assert cart.abandoned_at > NOW - timedelta(days=30)

    holds = _all(session, InventoryHold)
    active = {c.id for c in _all(session, Cart) if c.status is CartStatus.ACTIVE}
    assert holds and all(h.cart_id in active and h.expires_at > NOW for h in holds)
    reserved = Counter()
    for hold in holds:
        reserved[hold.product_id] += hold.quantity
    for stock in _all(session, Inventory):
        assert stock.reserved == reserved[stock.product_id] <= stock.available
    levels = [s.available for s in _all(session, Inventory)]
    assert sum(0 < n <= 5 for n in levels) >= 3 and 1 <= levels.count(0) <= 2

    _check_customer_history(session)


def _check_customer_history(session: Session) -> None:
    converted = defaultdict(list)
    first_cart = {}
    for cart in _all(session, Cart):
        if cart.customer_id:
            first_cart[cart.customer_id] = min(
                first_cart.get(cart.customer_id, NOW), cart.created_at
            )
            if cart.converted_at:
                converted[cart.customer_id].append(cart)
    for customer in _all(session, Customer):
        orders = converted[customer.id]
        assert customer.created_at <= first_cart.get(customer.id, NOW)
        assert customer.order_count >= len(orders)
        assert customer.lifetime_value >= sum(c.grand_total for c in orders)
        if orders:
            assert customer.last_order_at == max(c.converted_at for c in orders)
            assert customer.first_order_at <= min(c.converted_at for c in orders)
        assert (customer.order_count == 0) == (customer.first_order_at is None)


def test_save_flow_follows_the_stages_consents_and_offers(demo: Session) -> None:
    session = demo
    carts = {c.id: c for c in _all(session, Cart)}
    customers = {c.id: c for c in _all(session, Customer)}
    by_attempt = defaultdict(list)
    for intervention in _all(session, CartIntervention):
        by_attempt[intervention.cart_save_attempt_id].append(intervention)
    slots: defaultdict[str, set] = defaultdict(set)
    answered = surveyed = 0
    for attempt in _all(session, CartSaveAttempt):
        cart = carts[attempt.cart_id]
        customer = customers.get(attempt.customer_id)
        reached = _check_history(attempt, cart)
        interventions = sorted(by_attempt[attempt.id], key=lambda i: i.scheduled_at)
        if attempt.is_holdout:
            assert not interventions
        _check_outcome(attempt, cart, interventions)
        for intervention in interventions:
            _check_intervention(intervention, attempt, reached, cart, customer)
            if intervention.offer_code:  # a stage's channels carry the same single-use code
                slots[intervention.offer_code].add(
                    (attempt.id, intervention.stage, intervention.step)
                )
        order = [FLOW.index(i.stage) for i in interventions]
        assert order == sorted(order)
        if any(i.stage == "DIAGNOSIS_SURVEY" and i.delivered_at for i in interventions):
            surveyed += 1
            answered += attempt.diagnosis_reason is not None
        _check_branch(attempt, interventions)
    assert slots and all(len(owners) == 1 for owners in slots.values())
    assert 0.3 <= _share(answered, surveyed) <= 0.5


def _check_history(attempt: CartSaveAttempt, cart: Cart) -> list[str]:
    stages = [h["stage"] for h in attempt.stage_history]
    assert stages == [s.value for s in FLOW[: len(stages)]]
    for index, entry in enumerate(attempt.stage_history):
        expected = cart.abandoned_at + timedelta(minutes=STAGE_DELAYS[FLOW[index]])
        assert datetime.fromisoformat(entry["enteredAt"]) == expected <= NOW
        assert entry["previousStage"] == (stages[index - 1] if index else None)
    assert attempt.current_stage == (stages[-1] if stages else FLOW[0].value)
    assert attempt.started_at == cart.abandoned_at
    assert attempt.cart_value > 0 and 0 <= attempt.customer_risk_score <= 100
    return stages


def _check_outcome(attempt: CartSaveAttempt, cart: Cart, interventions: list) -> None:
    converting = [i for i in interventions if i.status == "CONVERTED"]
    if attempt.status == "COMPLETED":
        assert cart.status is CartStatus.CONVERTED and cart.converted_at == attempt.completed_at
        assert all(i.converted_at == cart.converted_at for i in converting) and len(converting) <= 1
        with_offer = attempt.outcome == "SAVED_WITH_DISCOUNT"
        assert with_offer == (attempt.accepted_offer is not None)
        assert with_offer == (cart.discount_code is not None)
        if with_offer:
            assert cart.discount_code == attempt.accepted_offer["code"]
        assert attempt.recovered_value == cart.grand_total
    else:
        assert not converting and cart.converted_at is None
        expected = {"EXPIRED": CartStatus.EXPIRED, "EXHAUSTED": CartStatus.ABANDONED}
        assert cart.status is expected.get(attempt.status, CartStatus.ABANDONED)
    if attempt.status == "EXHAUSTED":
        assert attempt.outcome == "EXHAUSTED" and attempt.current_stage == "WINBACK_SEQUENCE"
    if attempt.status == "IN_PROGRESS":
        assert attempt.outcome is None and attempt.scheduled_at > NOW
        assert all(
            i.scheduled_at == attempt.scheduled_at for i in interventions if i.status == "SCHEDULED"
        )


def _check_intervention(intervention, attempt, reached, cart, customer) -> None:
    if intervention.status == "SCHEDULED":
        assert FLOW.index(intervention.stage) == len(reached) and intervention.sent_at is None
        assert intervention.scheduled_at > NOW
        return
    assert intervention.stage in reached
    moments = [
        intervention.scheduled_at,
        intervention.sent_at,
        intervention.delivered_at,
        intervention.opened_at,
        intervention.clicked_at,
        intervention.converted_at,
    ]
    present = [m for m in moments if m is not None]
    assert present == sorted(present) and present[-1] <= NOW
    channels = set(intervention.channels)
    if "EMAIL" in channels:
        if customer is None:
            assert cart.email
        else:
            assert customer.email_consent and customer.unsubscribed_at is None
    if "SMS" in channels:
        assert customer and customer.sms_consent and customer.phone and not customer.unsubscribed_at


def _check_branch(attempt: CartSaveAttempt, interventions: list) -> None:
    branch = [i for i in interventions if i.stage == "BRANCHING_INTERVENTION"]
    for intervention in branch:
        allowed = BRANCH_TYPES.get(attempt.diagnosis_reason or "", {"CART_REMINDER"})
        assert intervention.type in allowed
        if intervention.type == "PERCENTAGE_DISCOUNT" and intervention.sent_at:
            assert intervention.offer_code.startswith("SAVE10-")
    for intervention in interventions:
        if intervention.stage == "NUCLEAR_OFFER" and intervention.offer_included:
            assert 10 <= intervention.offer_included["value"] <= 30


def test_voice_calls_only_reach_consenting_shoppers_in_calling_hours(demo: Session) -> None:
    session = demo
    attempts = {a.id: a for a in _all(session, CartSaveAttempt)}
    customers = {c.id: c for c in _all(session, Customer)}
    carts = {c.id: c for c in _all(session, Cart)}
    calls = _all(session, CartVoiceCall)
    for call in calls:
        attempt, customer = attempts[call.cart_save_attempt_id], customers[call.customer_id]
        assert not attempt.is_holdout and attempt.cart_value >= 100
        assert customer.voice_consent and customer.phone == call.to_phone
        assert customer.unsubscribed_at is None
        local = call.initiated_at.astimezone(ZoneInfo(customer.timezone))
        local_end = call.completed_at.astimezone(ZoneInfo(customer.timezone))
        assert 9 <= local.hour < 20 and local_end.hour < 20 and local_end.date() == local.date()
        assert "NUCLEAR_OFFER" in [h["stage"] for h in attempt.stage_history]
        assert call.voice_call_id.startswith("CA") and len(call.voice_call_id) == 34
        assert (call.answered_at is None) == (call.outcome == "NO_ANSWER")
        assert call.status == "COMPLETED" or call.outcome == "NO_ANSWER"
        assert (call.transcript is None) == (call.outcome == "NO_ANSWER")
        if call.outcome in ("RECOVERED", "DISCOUNT_ACCEPTED"):
            cart = carts[call.cart_id]
            assert call.completed_at < cart.converted_at <= call.completed_at + timedelta(hours=1)
    recovering = sum(c.outcome in ("RECOVERED", "DISCOUNT_ACCEPTED") for c in calls)
    assert 0.08 <= _share(recovering, len(calls)) <= 0.28
    voice_interventions = [i for i in _all(session, CartIntervention) if "VOICE" in i.channels]
    assert len(voice_interventions) == len(calls)


def test_upsells_and_triggers_only_state_true_facts(demo: Session) -> None:
    session = demo
    carts = {c.id: c for c in _all(session, Cart)}
    products = {p.id: p for p in _all(session, Product)}
    stock = {s.product_id: s.available for s in _all(session, Inventory)}
    in_cart = defaultdict(set)
    for item in _all(session, CartItem):
        in_cart[item.cart_id].add(item.product_id)

    def truths(cart_id: str) -> set[str]:
        cart_products = [products[p] for p in in_cart[cart_id]]
        facts = {"LOSS_AVERSION", "AUTHORITY", "COMMITMENT", "ENDOWMENT", "CURIOSITY"}
        facts |= {"RECIPROCITY", "EXCLUSIVITY", "URGENCY"}  # offers and holds, checked below
        facts |= {"SCARCITY"} if any(0 < stock[p.id] <= 5 for p in cart_products) else set()
        facts |= {"SOCIAL_PROOF"} if any(p.review_count for p in cart_products) else set()
        facts |= {"ANCHORING"} if any(p.compare_at_price for p in cart_products) else set()
        facts |= {"PERSONALIZATION"} if carts[cart_id].customer_id else set()
        facts |= {"GOAL_GRADIENT"} if carts[cart_id].subtotal < 50 else set()
        return facts

    for upsell in _all(session, CartUpsellOffer):
        assert upsell.savings == upsell.original_price - upsell.offer_price >= 0
        moments = [upsell.presented_at, upsell.viewed_at, upsell.clicked_at, upsell.accepted_at]
        present = [m for m in moments if m is not None]
        assert present == sorted(present) and present[-1] <= NOW
        if upsell.accepted_at and upsell.product_id:
            assert upsell.product_id in in_cart[upsell.cart_id]
        assert set(upsell.triggers_used) <= truths(upsell.cart_id)
    for intervention in _all(session, CartIntervention):
        assert set(intervention.triggers_used) <= truths(intervention.cart_id)

    direct: dict[str, dict[str, bool]] = defaultdict(dict)  # variant -> cart -> bought at once
    for impression in _all(session, CartTriggerImpression):
        cart = carts[impression.cart_id]
        assert impression.trigger in truths(cart.id) - {"CURIOSITY", "EXCLUSIVITY"}
        if impression.trigger == "URGENCY":
            assert cart.status is CartStatus.ACTIVE
        assert impression.control == (impression.variant == "control")
        assert impression.converted_at == cart.converted_at
        assert cart.created_at <= impression.impressed_at <= cart.last_activity_at
        if "productId" in impression.context:
            assert impression.context["productId"] in in_cart[cart.id]
        direct[impression.variant][cart.id] = cart.abandoned_at is None and bool(cart.converted_at)
    rate = {variant: _share(sum(c.values()), len(c)) for variant, c in direct.items()}
    assert 0.1 <= _share(len(direct["control"]), sum(map(len, direct.values()))) <= 0.25
    assert rate["treatment"] > rate["control"]


def test_pictures_are_local_small_and_committed(tmp_path) -> None:
    written = write_images(tmp_path)
    assert len(written) == len(PRODUCTS) + len(BUNDLES)
    for path in written:
        svg = path.read_text(encoding="utf-8")
        assert len(svg.encode()) < 4096 and "http" not in svg.replace("http://www.w3.org", "")
        committed = ASSETS_DIR / path.relative_to(tmp_path)
        assert committed.read_text(encoding="utf-8") == svg, (
            "run `python -m cart_admin.demo images`"
        )
    for spec in (*PRODUCTS, *BUNDLES):
        assert (ASSETS_DIR / spec.image_url.lstrip("/")).is_file()
