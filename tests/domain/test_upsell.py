"""Cart upsells: each type appears exactly when its facts hold; offers are priced by the server."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from cart_admin.domain.theming.model import ThemeUpsells
from cart_admin.domain.upsell import (
    OfferNotFound,
    UpsellError,
    UpsellRecommendation,
    co_purchase_counts,
    get_offer_for_cart,
    recommend_upsells,
    record_accepted,
    record_declined,
    record_presented,
)
from cart_admin.models import Cart, CartUpsellOffer, Company, Product
from cart_admin.models.enums import BundleStatus, CartStatus, CartUpsellType, ProductStatus
from cart_admin.models.types import utcnow
from tests.factories import make_bundle, make_cart, make_company, make_product, set_stock

T = CartUpsellType
ALL_TYPES = (
    T.FREE_SHIPPING_ADD,
    T.COMPLEMENTARY,
    T.BUNDLE_UPGRADE,
    T.SUBSCRIPTION,
    T.SHIPPING_PROTECTION,
)
EVERYTHING = ThemeUpsells(enabled=True, max_shown=4, types=ALL_TYPES)


def _recommend(
    session: Session,
    cart: Cart,
    *,
    threshold: Decimal | str | None = None,
    settings: ThemeUpsells = EVERYTHING,
    max_recommendations: int = 4,
    **kwargs,
) -> list[UpsellRecommendation]:
    return recommend_upsells(
        session,
        cart=cart,
        free_shipping_threshold=Decimal(threshold) if threshold is not None else None,
        upsell_settings=settings,
        max_recommendations=max_recommendations,
        **kwargs,
    )


def _by_type(recs: Sequence[UpsellRecommendation]) -> dict[CartUpsellType, UpsellRecommendation]:
    return {r.type: r for r in recs}


def _names(rec: UpsellRecommendation) -> list[str]:
    return [p.name for p in rec.products]


@pytest.fixture
def company(session: Session) -> Company:
    return make_company(session)


# --- gating ------------------------------------------------------------------------------------


def test_disabled_settings_recommend_nothing(session: Session, company: Company) -> None:
    item = make_product(session, company, price="80.00", available=5, tags=["subscribable"])
    make_product(session, company, price="30.00", available=5)
    cart = make_cart(session, company, items=[(item, 1)])
    off = ThemeUpsells(enabled=False, max_shown=4, types=ALL_TYPES)

    assert _recommend(session, cart, threshold="100", settings=off) == []
    assert (
        _recommend(
            session, cart, threshold="100", settings=EVERYTHING.model_copy(update={"max_shown": 0})
        )
        == []
    )
    assert len(_recommend(session, cart, threshold="100")) == 4


def test_empty_cart_gets_nothing(session: Session, company: Company) -> None:
    make_product(session, company, price="30.00", available=5)
    cart = make_cart(session, company, shipping_total="60.00")

    assert _recommend(session, cart, threshold="50") == []


# --- FREE_SHIPPING_ADD ---------------------------------------------------------------------------


def test_free_shipping_offers_cheapest_products_covering_the_gap(
    session: Session, company: Company
) -> None:
    item = make_product(session, company, name="Beans", price="30.00", available=5)
    for name, price in [("Mug", "25.00"), ("Filter", "20.00"), ("Grinder", "40.00")]:
        make_product(session, company, name=name, price=price, available=5)
    make_product(session, company, name="Kettle", price="60.00", available=5)
    make_product(session, company, name="Too cheap", price="19.99", available=5)
    make_product(session, company, name="Sold out", price="20.00", available=0)
    make_product(session, company, name="No stock row", price="20.00")
    make_product(
        session, company, name="Draft", price="20.00", available=5, status=ProductStatus.DRAFT
    )
    make_product(session, make_company(session), name="Other shop", price="20.00", available=5)
    cart = make_cart(session, company, items=[(item, 1)])

    rec = _by_type(_recommend(session, cart, threshold="50"))[T.FREE_SHIPPING_ADD]

    assert rec.priority == 1
    assert rec.message == "Add $20.00 more for FREE shipping!"
    assert rec.amount_to_threshold == Decimal("20.00")
    assert _names(rec) == ["Filter", "Mug", "Grinder"]
    assert rec.products[0].price == Decimal("20.00")


def test_free_shipping_falls_back_to_products_closest_to_the_gap(
    session: Session, company: Company
) -> None:
    item = make_product(session, company, price="10.00", available=5)
    for name, price in [("A", "5.00"), ("B", "12.00"), ("C", "8.00"), ("D", "1.00")]:
        make_product(session, company, name=name, price=price, available=5)
    cart = make_cart(session, company, items=[(item, 1)])

    rec = _by_type(_recommend(session, cart, threshold="50"))[T.FREE_SHIPPING_ADD]

    assert rec.message == "Add $40.00 more for FREE shipping!"
    assert _names(rec) == ["B", "C", "A"]


def test_free_shipping_measures_after_discounts_by_default(
    session: Session, company: Company
) -> None:
    item = make_product(session, company, price="60.00", available=5)
    make_product(session, company, name="Socks", price="9.00", available=5)
    cart = make_cart(session, company, items=[(item, 1)], discount_total="15.00")

    after = _by_type(_recommend(session, cart, threshold="50"))
    before = _by_type(
        _recommend(session, cart, threshold="50", free_shipping_measured="before_discounts")
    )

    assert after[T.FREE_SHIPPING_ADD].message == "Add $5.00 more for FREE shipping!"
    assert _names(after[T.FREE_SHIPPING_ADD]) == ["Socks"]
    assert T.FREE_SHIPPING_ADD not in before


@pytest.mark.parametrize("threshold", [None, "50.00", "49.99"])
def test_no_free_shipping_offer_without_a_gap(
    session: Session, company: Company, threshold: str | None
) -> None:
    item = make_product(session, company, price="50.00", available=5)
    make_product(session, company, price="10.00", available=5)
    cart = make_cart(session, company, items=[(item, 1)])

    assert T.FREE_SHIPPING_ADD not in _by_type(_recommend(session, cart, threshold=threshold))


# --- COMPLEMENTARY -------------------------------------------------------------------------------


def test_complementary_only_offers_sellable_products_of_the_company(
    session: Session, company: Company
) -> None:
    item = make_product(session, company, name="Beans", available=5)
    make_product(session, company, name="Mug", available=1)
    make_product(session, company, name="Sold out", available=0)
    make_product(session, company, name="No stock row")
    make_product(session, company, name="Archived", available=5, status=ProductStatus.ARCHIVED)
    make_product(session, make_company(session), name="Other shop", available=5, sales_count=999)
    cart = make_cart(session, company, items=[(item, 1)])

    rec = _by_type(_recommend(session, cart))[T.COMPLEMENTARY]

    assert rec.priority == 2
    assert rec.message == "Complete your order"
    assert _names(rec) == ["Mug"]


def test_no_complementary_offer_without_candidates(session: Session, company: Company) -> None:
    item = make_product(session, company, available=5)
    mug = make_product(session, company, available=3)
    cart = make_cart(session, company, items=[(item, 1)])
    assert T.COMPLEMENTARY in _by_type(_recommend(session, cart))

    set_stock(session, mug, 0)

    assert T.COMPLEMENTARY not in _by_type(_recommend(session, cart))


def _converted(session: Session, company: Company, *products: Product) -> Cart:
    return make_cart(
        session,
        company,
        status=CartStatus.CONVERTED,
        converted_at=utcnow(),
        items=[(p, 1) for p in products],
    )


def test_co_purchase_beats_category_beats_sales(session: Session, company: Company) -> None:
    beans = make_product(session, company, name="Beans", category="coffee", available=5)
    bought_with = make_product(session, company, name="Filter", category="paper", available=5)
    bought_more = make_product(session, company, name="Scale", category="tools", available=5)
    make_product(session, company, name="Espresso", category="coffee", available=5, sales_count=5)
    make_product(
        session, company, name="Bestseller", category="toys", available=5, sales_count=10_000
    )
    _converted(session, company, beans, bought_with)
    _converted(session, company, beans, bought_more)
    _converted(session, company, beans, bought_more)
    # Not evidence: carts that were not bought.
    for status in (CartStatus.ABANDONED, CartStatus.ACTIVE, CartStatus.EXPIRED):
        make_cart(session, company, status=status, items=[(beans, 1), (bought_with, 1)])
        make_cart(session, company, status=status, items=[(beans, 1), (bought_with, 1)])
    cart = make_cart(session, company, items=[(beans, 2)])

    rec = _by_type(_recommend(session, cart))[T.COMPLEMENTARY]

    assert _names(rec) == ["Scale", "Filter", "Espresso"]
    assert co_purchase_counts(session, company_id=company.id, product_ids=[beans.id]) == {
        bought_more.id: 2,
        bought_with.id: 1,
    }


def test_co_purchase_counts_are_company_scoped(session: Session, company: Company) -> None:
    beans = make_product(session, company, available=5)
    other = make_company(session)
    foreign = make_product(session, other, available=5)
    # Even a (corrupt) converted cart of another company holding our product is not evidence.
    _converted(session, other, beans, foreign)

    assert co_purchase_counts(session, company_id=company.id, product_ids=[beans.id]) == {}


def test_same_category_beats_sales_without_co_purchases(session: Session, company: Company) -> None:
    beans = make_product(session, company, category="coffee", available=5)
    make_product(session, company, name="Popular", category="toys", available=5, sales_count=500)
    make_product(session, company, name="Decaf", category="coffee", available=5, sales_count=1)
    make_product(session, company, name="Quiet", category="toys", available=5, sales_count=0)
    cart = make_cart(session, company, items=[(beans, 1)])

    assert _names(_by_type(_recommend(session, cart))[T.COMPLEMENTARY]) == [
        "Decaf",
        "Popular",
        "Quiet",
    ]


class _ReversedRanker:
    def __init__(self, extra: Product | None = None) -> None:
        self.extra = extra
        self.seen: list[tuple[list[str], list[str]]] = []

    def rank(self, cart_products, candidates):
        self.seen.append(([p.name for p in cart_products], sorted(c.name for c in candidates)))
        ranked = sorted(candidates, key=lambda c: c.name, reverse=True)
        return ([self.extra] if self.extra else []) + ranked + ranked


def test_a_custom_ranker_orders_but_cannot_add_products(session: Session, company: Company) -> None:
    beans = make_product(session, company, name="Beans", available=5)
    for name in ["A", "B", "C", "D"]:
        make_product(session, company, name=name, available=5)
    in_cart_twice = make_product(session, make_company(session), name="Foreign", available=5)
    cart = make_cart(session, company, items=[(beans, 1)])
    ranker = _ReversedRanker(extra=in_cart_twice)

    rec = _by_type(_recommend(session, cart, ranker=ranker))[T.COMPLEMENTARY]

    assert _names(rec) == ["D", "C", "B"]
    assert ranker.seen == [(["Beans"], ["A", "B", "C", "D"])]


# --- BUNDLE_UPGRADE ------------------------------------------------------------------------------


def test_bundle_offer_lists_missing_items_and_savings(session: Session, company: Company) -> None:
    beans = make_product(session, company, name="Beans", price="20.00", available=5)
    mug = make_product(session, company, name="Mug", price="15.00", available=5)
    filt = make_product(session, company, name="Filter", price="5.00", available=5)
    bundle = make_bundle(
        session,
        company,
        name="Starter kit",
        items=[(beans, 1), (mug, 2), (filt, 1)],
        bundle_price="45.00",  # regular 55.00: saves 10.00
    )
    cart = make_cart(session, company, items=[(beans, 1), (mug, 1)])

    rec = _by_type(_recommend(session, cart))[T.BUNDLE_UPGRADE]

    assert rec.priority == 3
    assert rec.message == "Add 2 more items to save $10.00"
    [offer] = rec.bundles
    assert (offer.id, offer.name, offer.bundle_price) == (
        bundle.id,
        "Starter kit",
        Decimal("45.00"),
    )
    assert (offer.regular_price, offer.savings) == (Decimal("55.00"), Decimal("10.00"))
    needed = [(i.product.name, i.quantity) for i in offer.items_needed]
    assert needed == [("Filter", 1), ("Mug", 1)]  # by name


def test_bundles_need_more_than_five_dollars_savings_best_first(
    session: Session, company: Company
) -> None:
    beans = make_product(session, company, price="20.00", available=5)
    mug = make_product(session, company, price="15.00", available=5)
    make_bundle(
        session, company, name="Exactly 5", items=[(beans, 1), (mug, 1)], bundle_price="30.00"
    )
    make_bundle(
        session, company, name="Saves 6", items=[(beans, 1), (mug, 1)], bundle_price="29.00"
    )
    make_bundle(
        session, company, name="Saves 9", items=[(beans, 1), (mug, 1)], bundle_price="26.00"
    )
    cart = make_cart(session, company, items=[(beans, 1)])

    rec = _by_type(_recommend(session, cart))[T.BUNDLE_UPGRADE]

    assert [b.name for b in rec.bundles] == ["Saves 9", "Saves 6"]
    assert rec.message == "Add 1 more item to save $9.00"


def test_no_bundle_offer_when_its_facts_do_not_hold(session: Session, company: Company) -> None:
    beans = make_product(session, company, price="20.00", available=5)
    mug = make_product(session, company, price="15.00", available=5)
    sold_out = make_product(session, company, price="15.00", available=0)
    draft = make_product(session, company, price="15.00", available=5, status=ProductStatus.DRAFT)
    unrelated = make_product(session, company, price="15.00", available=5)
    other = make_company(session)
    make_bundle(
        session,
        company,
        name="Inactive",
        items=[(beans, 1), (mug, 1)],
        bundle_price="10.00",
        status=BundleStatus.INACTIVE,
    )
    make_bundle(
        session, company, name="Not started", items=[(mug, 1), (unrelated, 1)], bundle_price="10.00"
    )
    make_bundle(
        session, company, name="Sold out", items=[(beans, 1), (sold_out, 1)], bundle_price="10.00"
    )
    make_bundle(
        session, company, name="Draft item", items=[(beans, 1), (draft, 1)], bundle_price="10.00"
    )
    make_bundle(session, company, name="Already complete", items=[(beans, 1)], bundle_price="5.00")
    make_bundle(
        session, other, name="Other shop", items=[(beans, 1), (mug, 1)], bundle_price="10.00"
    )
    cart = make_cart(session, company, items=[(beans, 1)])

    assert T.BUNDLE_UPGRADE not in _by_type(_recommend(session, cart))


# --- SUBSCRIPTION / SHIPPING_PROTECTION ----------------------------------------------------------


def test_subscription_offer_needs_a_subscribable_product(
    session: Session, company: Company
) -> None:
    plain = make_product(session, company, name="Mug", available=5, tags=["ceramic"])
    beans = make_product(session, company, name="Beans", available=5, tags=["Subscribable"])

    without = _by_type(_recommend(session, make_cart(session, company, items=[(plain, 1)])))
    with_it = _by_type(
        _recommend(session, make_cart(session, company, items=[(plain, 1), (beans, 1)]))
    )

    assert T.SUBSCRIPTION not in without
    rec = with_it[T.SUBSCRIPTION]
    assert (rec.priority, rec.discount_percent) == (4, 15)
    assert rec.message == "Subscribe & save 15% on every order"
    assert _names(rec) == ["Beans"]


@pytest.mark.parametrize(("shipping", "shown"), [("0.00", False), ("0.01", True)])
def test_shipping_protection_over_fifty_dollars(
    session: Session, company: Company, shipping: str, shown: bool
) -> None:
    item = make_product(session, company, price="50.00", available=5)
    cart = make_cart(session, company, items=[(item, 1)], shipping_total=shipping)

    rec = _by_type(_recommend(session, cart)).get(T.SHIPPING_PROTECTION)

    assert (rec is not None) is shown
    if rec is not None:
        assert (rec.priority, rec.price) == (5, Decimal("4.99"))
        assert rec.message == "Protect your order for just $4.99"


def test_no_shipping_protection_once_accepted(session: Session, company: Company) -> None:
    item = make_product(session, company, price="80.00", available=5)
    cart = make_cart(session, company, items=[(item, 1)])
    now = utcnow()
    offer = record_presented(session, cart=cart, upsell_type=T.SHIPPING_PROTECTION, now=now)
    assert T.SHIPPING_PROTECTION in _by_type(_recommend(session, cart))

    record_accepted(session, offer=offer, now=now)
    session.commit()

    assert T.SHIPPING_PROTECTION not in _by_type(_recommend(session, cart))


# --- ordering, limits, filters -------------------------------------------------------------------


@pytest.fixture
def rich_cart(session: Session, company: Company) -> Cart:
    """A cart for which all five types hold."""
    beans = make_product(
        session, company, name="Beans", price="60.00", available=5, tags=["subscribable"]
    )
    mug = make_product(session, company, name="Mug", price="30.00", available=5)
    make_bundle(session, company, items=[(beans, 1), (mug, 1)], bundle_price="70.00")
    return make_cart(session, company, items=[(beans, 1)])


def test_sorted_by_priority_and_limited(session: Session, rich_cart: Cart) -> None:
    recs = _recommend(session, rich_cart, threshold="100", max_recommendations=10)
    three = _recommend(session, rich_cart, threshold="100", max_recommendations=3)
    two_shown = _recommend(
        session,
        rich_cart,
        threshold="100",
        settings=EVERYTHING.model_copy(update={"max_shown": 2}),
        max_recommendations=3,
    )

    assert [r.type for r in recs] == list(ALL_TYPES[:4])  # max_shown is 4
    assert [r.priority for r in recs] == [1, 2, 3, 4]
    assert [r.type for r in three] == list(ALL_TYPES[:3])
    assert [r.type for r in two_shown] == list(ALL_TYPES[:2])


def test_excluded_and_disallowed_types_are_left_out(session: Session, rich_cart: Cart) -> None:
    excluded = _recommend(
        session, rich_cart, threshold="100", exclude_types=[T.FREE_SHIPPING_ADD, T.BUNDLE_UPGRADE]
    )
    allowed = _recommend(
        session,
        rich_cart,
        threshold="100",
        settings=ThemeUpsells(max_shown=4, types=(T.SHIPPING_PROTECTION, T.SUBSCRIPTION)),
    )
    default_theme = _recommend(session, rich_cart, threshold="100", settings=ThemeUpsells())

    assert [r.type for r in excluded] == [T.COMPLEMENTARY, T.SUBSCRIPTION, T.SHIPPING_PROTECTION]
    assert [r.type for r in allowed] == [T.SUBSCRIPTION, T.SHIPPING_PROTECTION]
    assert [r.type for r in default_theme] == [T.FREE_SHIPPING_ADD, T.COMPLEMENTARY]


def test_another_companys_catalog_is_never_recommended(
    session: Session, company: Company, rich_cart: Cart
) -> None:
    other = make_company(session)
    foreign = [
        make_product(session, other, price=price, available=50, sales_count=10_000, category=None)
        for price in ["5.00", "40.00", "45.00"]
    ]
    ours = set(session.exec(select(Product.id).where(Product.company_id == company.id)).all())

    recs = _recommend(session, rich_cart, threshold="100", max_recommendations=10)

    shown = {p.id for r in recs for p in r.products}
    shown |= {i.product.id for r in recs for b in r.bundles for i in b.items_needed}
    assert shown and shown <= ours
    assert not shown & {p.id for p in foreign}


# --- offers ------------------------------------------------------------------------------------


def test_presented_product_offer_is_priced_by_the_server(
    session: Session, company: Company
) -> None:
    item = make_product(session, company, available=5)
    mug = make_product(
        session, company, price="12.00", compare_at_price=Decimal("15.00"), available=5
    )
    cart = make_cart(session, company, items=[(item, 1)])
    now = utcnow()

    offer = record_presented(
        session, cart=cart, upsell_type=T.COMPLEMENTARY, product_id=mug.id, now=now
    )
    session.commit()

    assert (offer.company_id, offer.cart_id, offer.product_id) == (company.id, cart.id, mug.id)
    assert (offer.original_price, offer.offer_price, offer.savings) == (
        Decimal("15.00"),
        Decimal("12.00"),
        Decimal("3.00"),
    )
    assert offer.presented_at == now
    assert get_offer_for_cart(session, offer_id=offer.id, cart=cart).id == offer.id


def test_presented_bundle_subscription_and_protection_prices(
    session: Session, company: Company
) -> None:
    beans = make_product(session, company, price="20.00", available=5, tags=["subscribable"])
    mug = make_product(session, company, price="15.00", available=5)
    bundle = make_bundle(session, company, items=[(beans, 2), (mug, 1)], bundle_price="48.00")
    cart = make_cart(session, company, items=[(beans, 2)])
    now = utcnow()

    def prices(**kw):
        o = record_presented(session, cart=cart, now=now, **kw)
        return (o.original_price, o.offer_price, o.savings)

    assert prices(upsell_type=T.BUNDLE_UPGRADE, bundle_id=bundle.id) == (
        Decimal("55.00"),
        Decimal("48.00"),
        Decimal("7.00"),
    )
    assert prices(upsell_type=T.SUBSCRIPTION) == (
        Decimal("40.00"),
        Decimal("34.00"),
        Decimal("6.00"),
    )
    assert prices(upsell_type=T.SUBSCRIPTION, product_id=beans.id) == (
        Decimal("20.00"),
        Decimal("17.00"),
        Decimal("3.00"),
    )
    assert prices(upsell_type=T.SHIPPING_PROTECTION) == (
        Decimal("4.99"),
        Decimal("4.99"),
        Decimal("0.00"),
    )
    session.commit()


def test_presented_offer_rejects_what_the_cart_cannot_have(
    session: Session, company: Company
) -> None:
    item = make_product(session, company, available=5)
    draft = make_product(session, company, available=5, status=ProductStatus.DRAFT)
    other = make_company(session)
    foreign = make_product(session, other, available=5)
    foreign_bundle = make_bundle(session, other, items=[(foreign, 2)], bundle_price="1.00")
    inactive = make_bundle(
        session, company, items=[(item, 2)], bundle_price="1.00", status=BundleStatus.INACTIVE
    )
    cart = make_cart(session, company, items=[(item, 1)])
    closed = make_cart(session, company, items=[(item, 1)], status=CartStatus.CONVERTED)
    now = utcnow()
    cases = [
        (cart, dict(upsell_type=T.COMPLEMENTARY, product_id=foreign.id), "Unknown product"),
        (cart, dict(upsell_type=T.COMPLEMENTARY, product_id="nope"), "Unknown product"),
        (cart, dict(upsell_type=T.FREE_SHIPPING_ADD, product_id=draft.id), "not available"),
        (cart, dict(upsell_type=T.COMPLEMENTARY), "needs a product"),
        (cart, dict(upsell_type=T.BUNDLE_UPGRADE, bundle_id=foreign_bundle.id), "Unknown bundle"),
        (cart, dict(upsell_type=T.BUNDLE_UPGRADE, bundle_id=inactive.id), "not available"),
        (cart, dict(upsell_type=T.BUNDLE_UPGRADE, product_id=item.id), "not a product"),
        (cart, dict(upsell_type=T.SUBSCRIPTION), "Nothing in this cart"),
        (cart, dict(upsell_type=T.SUBSCRIPTION, product_id=item.id), "cannot be subscribed"),
        (cart, dict(upsell_type=T.WARRANTY, product_id=item.id), "not offered"),
        (closed, dict(upsell_type=T.SHIPPING_PROTECTION), "closed"),
        (cart, dict(upsell_type="FREE_LUNCH"), "Unknown upsell type"),
    ]
    for target, kwargs, message in cases:
        with pytest.raises(UpsellError, match=message):
            record_presented(session, cart=target, now=now, **kwargs)
    session.rollback()
    assert session.exec(select(CartUpsellOffer)).all() == []


def test_accept_and_decline_are_idempotent_and_exclusive(
    session: Session, company: Company
) -> None:
    item = make_product(session, company, price="80.00", available=5)
    cart = make_cart(session, company, items=[(item, 1)])
    t0 = utcnow()
    t1 = t0 + timedelta(minutes=1)
    taken = record_presented(session, cart=cart, upsell_type=T.SHIPPING_PROTECTION, now=t0)
    refused = record_presented(session, cart=cart, upsell_type=T.SHIPPING_PROTECTION, now=t0)
    session.commit()

    record_accepted(session, offer=taken, now=t0)
    again = record_accepted(session, offer=taken, now=t1)
    record_declined(session, offer=refused, now=t0)
    record_declined(session, offer=refused, now=t1)
    session.commit()

    assert again.accepted_at == t0 and again.declined_at is None
    assert refused.declined_at == t0 and refused.accepted_at is None
    with pytest.raises(UpsellError, match="already accepted"):
        record_declined(session, offer=taken, now=t1)
    with pytest.raises(UpsellError, match="already declined"):
        record_accepted(session, offer=refused, now=t1)


def test_offer_lookup_is_scoped_to_the_cart(session: Session, company: Company) -> None:
    item = make_product(session, company, price="80.00", available=5)
    cart = make_cart(session, company, items=[(item, 1)])
    other_cart = make_cart(session, company, items=[(item, 1)])
    offer = record_presented(session, cart=cart, upsell_type=T.SHIPPING_PROTECTION, now=utcnow())
    session.commit()

    for target, offer_id in [(other_cart, offer.id), (cart, "missing")]:
        with pytest.raises(OfferNotFound):
            get_offer_for_cart(session, offer_id=offer_id, cart=target)
    with pytest.raises(LookupError):
        get_offer_for_cart(session, offer_id=offer.id, cart=other_cart)
