"""Cart upsells (spec §4): what to offer a cart, and the record of what was offered.

`recommend_upsells` reads the cart's own lines and its company's catalog and returns at most
a few recommendations, best priority first:

1. FREE_SHIPPING_ADD   - the cart is under the free-shipping threshold: products covering the gap
2. COMPLEMENTARY       - in-stock products bought together with the cart's (pluggable ranker)
3. BUNDLE_UPGRADE      - active bundles the cart has started, saving more than $5
4. SUBSCRIPTION        - the cart holds a product tagged "subscribable": subscribe & save 15%
5. SHIPPING_PROTECTION - the grand total is over $50: protect the order for $4.99

Offers (`CartUpsellOffer`) are priced from the server's rows only; the storefront names a type
and a product or bundle, never a price. Nothing here commits: the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from cart_admin.domain.theming.model import ThemeUpsells
from cart_admin.models import (
    Cart,
    CartItem,
    CartUpsellOffer,
    Inventory,
    Product,
    ProductBundle,
    ProductBundleItem,
)
from cart_admin.models.enums import (
    BundleStatus,
    CartStatus,
    CartUpsellType,
    ProductStatus,
    UpsellPosition,
)
from cart_admin.models.types import to_money

PRIORITY: dict[CartUpsellType, int] = {
    CartUpsellType.FREE_SHIPPING_ADD: 1,
    CartUpsellType.COMPLEMENTARY: 2,
    CartUpsellType.BUNDLE_UPGRADE: 3,
    CartUpsellType.SUBSCRIPTION: 4,
    CartUpsellType.SHIPPING_PROTECTION: 5,
}
PRODUCTS_SHOWN = 3  # products per FREE_SHIPPING_ADD / COMPLEMENTARY recommendation
BUNDLES_SHOWN = 3
CANDIDATE_POOL = 20  # candidates handed to the ranker, per source (co-purchase, category, sales)
MIN_BUNDLE_SAVINGS = Decimal("5.00")  # strictly more than this
SUBSCRIPTION_TAG = "subscribable"
SUBSCRIPTION_DISCOUNT_PERCENT = 15
SHIPPING_PROTECTION_PRICE = Decimal("4.99")
SHIPPING_PROTECTION_MIN_TOTAL = Decimal("50.00")  # strictly more than this

COMPLEMENTARY_MESSAGE = "Complete your order"
SUBSCRIPTION_MESSAGE = f"Subscribe & save {SUBSCRIPTION_DISCOUNT_PERCENT}% on every order"
SHIPPING_PROTECTION_MESSAGE = f"Protect your order for just ${SHIPPING_PROTECTION_PRICE}"

_CLOSED_CART_STATUSES = (CartStatus.CONVERTED, CartStatus.EXPIRED)


# Offers whose acceptance adds their product to the cart.
PRODUCT_OFFER_TYPES = frozenset(
    {
        CartUpsellType.FREE_SHIPPING_ADD,
        CartUpsellType.COMPLEMENTARY,
        CartUpsellType.PREMIUM_VERSION,
        CartUpsellType.QUANTITY_DISCOUNT,
    }
)


class UpsellError(Exception):
    """An upsell request that cannot be honoured; the message is safe to show the caller."""


class OfferNotFound(UpsellError, LookupError):
    """No such offer for this cart (unknown id, or another cart's offer)."""


# --- what a recommendation carries (plain values, safe to serialise) ----------------------


@dataclass(frozen=True, slots=True)
class UpsellProduct:
    id: str
    name: str
    price: Decimal
    compare_at_price: Decimal | None
    image_url: str | None

    @classmethod
    def of(cls, product: Product) -> UpsellProduct:
        return cls(
            id=product.id,
            name=product.name,
            price=to_money(product.price),
            compare_at_price=(
                to_money(product.compare_at_price) if product.compare_at_price is not None else None
            ),
            image_url=product.image_url,
        )


@dataclass(frozen=True, slots=True)
class BundleItemNeeded:
    product: UpsellProduct
    quantity: int


@dataclass(frozen=True, slots=True)
class UpsellBundle:
    id: str
    name: str
    bundle_price: Decimal
    regular_price: Decimal  # sum of its items' prices x quantities
    savings: Decimal
    items_needed: tuple[BundleItemNeeded, ...]  # what the cart still lacks

    @property
    def units_needed(self) -> int:
        return sum(item.quantity for item in self.items_needed)


@dataclass(frozen=True, slots=True)
class UpsellRecommendation:
    type: CartUpsellType
    priority: int
    message: str
    products: tuple[UpsellProduct, ...] = ()
    bundles: tuple[UpsellBundle, ...] = ()  # BUNDLE_UPGRADE, best savings first
    price: Decimal | None = None  # SHIPPING_PROTECTION
    discount_percent: int | None = None  # SUBSCRIPTION
    amount_to_threshold: Decimal | None = None  # FREE_SHIPPING_ADD


# --- complementary ranking ------------------------------------------------------------------


class ComplementRanker(Protocol):
    """Orders candidate products by how well they complement the cart (best first).

    May drop candidates; products it returns that were not candidates are ignored.
    """

    def rank(
        self, cart_products: Sequence[Product], candidates: Sequence[Product]
    ) -> list[Product]: ...


class CoPurchaseRanker:
    """Products bought together (in CONVERTED carts) with the cart's products first, then
    products sharing a category with the cart, then best sellers."""

    def __init__(self, session: Session, *, company_id: str, exclude_cart_id: str | None = None):
        self._session = session
        self._company_id = company_id
        self._exclude_cart_id = exclude_cart_id

    def rank(
        self, cart_products: Sequence[Product], candidates: Sequence[Product]
    ) -> list[Product]:
        counts = co_purchase_counts(
            self._session,
            company_id=self._company_id,
            product_ids=[p.id for p in cart_products],
            candidate_ids=[c.id for c in candidates],
            exclude_cart_id=self._exclude_cart_id,
        )
        categories = {p.category for p in cart_products if p.category}
        return sorted(
            candidates,
            key=lambda c: (
                -counts.get(c.id, 0),
                0 if c.category in categories else 1,
                -c.sales_count,
                c.name,
                c.id,
            ),
        )


def co_purchase_counts(
    session: Session,
    *,
    company_id: str,
    product_ids: Collection[str],
    candidate_ids: Collection[str] | None = None,
    exclude_cart_id: str | None = None,
    limit: int | None = None,
) -> dict[str, int]:
    """How many CONVERTED carts of the company held each other product together with any of
    `product_ids` (one SQL aggregate); restricted to `candidate_ids` when given."""
    if not product_ids or (candidate_ids is not None and not candidate_ids):
        return {}
    mine = aliased(CartItem)
    other = aliased(CartItem)
    n = sa.func.count(sa.distinct(col(other.cart_id))).label("n")
    query = (
        sa.select(col(other.product_id), n)
        .select_from(mine)
        .join(Cart, col(Cart.id) == col(mine.cart_id))
        .join(
            other,
            sa.and_(
                col(other.cart_id) == col(mine.cart_id),
                col(other.product_id) != col(mine.product_id),
            ),
        )
        .where(
            col(Cart.company_id) == company_id,
            col(Cart.status) == CartStatus.CONVERTED,
            col(mine.product_id).in_(list(product_ids)),
            col(other.product_id).not_in(list(product_ids)),
        )
        .group_by(col(other.product_id))
        .order_by(n.desc(), col(other.product_id))
    )
    if candidate_ids is not None:
        query = query.where(col(other.product_id).in_(list(candidate_ids)))
    if exclude_cart_id is not None:
        query = query.where(col(Cart.id) != exclude_cart_id)
    if limit is not None:
        query = query.limit(limit)
    return {product_id: int(count) for product_id, count in session.execute(query).all()}


# --- recommendations --------------------------------------------------------------------------


def recommend_upsells(
    session: Session,
    *,
    cart: Cart,
    free_shipping_threshold: Decimal | None,
    upsell_settings: ThemeUpsells,
    max_recommendations: int = 3,
    exclude_types: Collection[CartUpsellType] = (),
    ranker: ComplementRanker | None = None,
    free_shipping_measured: Literal["before_discounts", "after_discounts"] = "after_discounts",
) -> list[UpsellRecommendation]:
    """The cart's upsells, by priority, at most `min(max_recommendations, max_shown)`.

    Only types the theme allows and the caller did not exclude are computed. An empty cart
    gets none (there is nothing to build on).
    """
    limit = min(max_recommendations, upsell_settings.max_shown)
    if not upsell_settings.enabled or limit <= 0:
        return []
    wanted = set(upsell_settings.types) - set(exclude_types)
    if not wanted & PRIORITY.keys():
        return []
    lines = _cart_lines(session, cart)
    if not lines:
        return []
    cart_products = [product for product, _ in lines]

    found: list[UpsellRecommendation] = []
    if CartUpsellType.FREE_SHIPPING_ADD in wanted and free_shipping_threshold is not None:
        found.extend(
            _free_shipping(
                session, cart, cart_products, free_shipping_threshold, free_shipping_measured
            )
        )
    if CartUpsellType.COMPLEMENTARY in wanted:
        found.extend(_complementary(session, cart, cart_products, ranker))
    if CartUpsellType.BUNDLE_UPGRADE in wanted:
        found.extend(_bundle_upgrade(session, cart, lines))
    if CartUpsellType.SUBSCRIPTION in wanted:
        found.extend(_subscription(cart_products))
    if CartUpsellType.SHIPPING_PROTECTION in wanted:
        found.extend(_shipping_protection(session, cart))
    found.sort(key=lambda r: r.priority)
    return found[:limit]


def _cart_lines(session: Session, cart: Cart) -> list[tuple[Product, int]]:
    """The cart's products (of its own company) with their quantities, in line order."""
    rows = session.exec(
        select(Product, CartItem.quantity)
        .join(CartItem, col(CartItem.product_id) == col(Product.id))
        .where(
            col(CartItem.cart_id) == cart.id,
            col(CartItem.company_id) == cart.company_id,
            col(Product.company_id) == cart.company_id,
        )
        .order_by(col(CartItem.created_at), col(CartItem.id))
    ).all()
    return [(product, quantity) for product, quantity in rows]


def _offerable(cart: Cart, exclude_ids: Iterable[str]) -> SelectOfScalar[Product]:
    """ACTIVE, in-stock products of the cart's company that are not in the cart."""
    return (
        select(Product)
        .join(Inventory, col(Inventory.product_id) == col(Product.id))
        .where(
            col(Product.company_id) == cart.company_id,
            col(Product.status) == ProductStatus.ACTIVE,
            col(Inventory.available) > 0,
            col(Product.id).not_in(list(exclude_ids)),
        )
    )


def free_shipping_gap(
    cart: Cart,
    threshold: Decimal | None,
    measured: Literal["before_discounts", "after_discounts"] = "after_discounts",
) -> Decimal | None:
    """How much more the cart needs for free shipping; None when there is no threshold or the
    cart already qualifies."""
    if threshold is None:
        return None
    basis = cart.subtotal
    if measured == "after_discounts":
        basis = cart.subtotal - cart.discount_total
    gap = to_money(threshold) - to_money(max(basis, Decimal("0")))
    return gap if gap > 0 else None


def _free_shipping(
    session: Session,
    cart: Cart,
    cart_products: Sequence[Product],
    threshold: Decimal,
    measured: Literal["before_discounts", "after_discounts"],
) -> list[UpsellRecommendation]:
    gap = free_shipping_gap(cart, threshold, measured)
    if gap is None:
        return []
    offerable = _offerable(cart, (p.id for p in cart_products))
    covering = session.exec(
        offerable.where(col(Product.price) >= gap)
        .order_by(col(Product.price), col(Product.sales_count).desc(), col(Product.id))
        .limit(PRODUCTS_SHOWN)
    ).all()
    products = list(covering)
    if not products:  # nothing covers the gap alone: the ones closest to it
        products = list(
            session.exec(
                offerable.order_by(
                    col(Product.price).desc(), col(Product.sales_count).desc(), col(Product.id)
                ).limit(PRODUCTS_SHOWN)
            ).all()
        )
    return [
        UpsellRecommendation(
            type=CartUpsellType.FREE_SHIPPING_ADD,
            priority=PRIORITY[CartUpsellType.FREE_SHIPPING_ADD],
            message=f"Add ${gap:.2f} more for FREE shipping!",
            products=tuple(UpsellProduct.of(p) for p in products),
            amount_to_threshold=gap,
        )
    ]


def _complement_candidates(
    session: Session, cart: Cart, cart_products: Sequence[Product]
) -> list[Product]:
    """The pool the ranker picks from: offerable products that were bought with the cart's,
    that share its categories, and the best sellers (up to CANDIDATE_POOL of each)."""
    cart_ids = [p.id for p in cart_products]
    offerable = _offerable(cart, cart_ids)
    by_sales = (col(Product.sales_count).desc(), col(Product.id))
    pool: dict[str, Product] = {}

    co_bought = co_purchase_counts(
        session,
        company_id=cart.company_id,
        product_ids=cart_ids,
        exclude_cart_id=cart.id,
        limit=CANDIDATE_POOL * 5,  # some of them may be out of stock or inactive now
    )
    if co_bought:
        rows = session.exec(offerable.where(col(Product.id).in_(list(co_bought)))).all()
        rows = sorted(rows, key=lambda p: -co_bought[p.id])[:CANDIDATE_POOL]
        pool.update((p.id, p) for p in rows)
    categories = sorted({p.category for p in cart_products if p.category})
    if categories:
        rows = session.exec(
            offerable.where(col(Product.category).in_(categories))
            .order_by(*by_sales)
            .limit(CANDIDATE_POOL)
        ).all()
        pool.update((p.id, p) for p in rows)
    rows = session.exec(offerable.order_by(*by_sales).limit(CANDIDATE_POOL)).all()
    pool.update((p.id, p) for p in rows)
    return list(pool.values())


def _complementary(
    session: Session,
    cart: Cart,
    cart_products: Sequence[Product],
    ranker: ComplementRanker | None,
) -> list[UpsellRecommendation]:
    candidates = _complement_candidates(session, cart, cart_products)
    if not candidates:
        return []
    ranker = ranker or CoPurchaseRanker(
        session, company_id=cart.company_id, exclude_cart_id=cart.id
    )
    allowed = {c.id: c for c in candidates}
    chosen: list[Product] = []
    for product in ranker.rank(list(cart_products), list(candidates)):
        # A ranker (an AI one, later) can only pick among the candidates, once each.
        if product.id in allowed and all(product.id != c.id for c in chosen):
            chosen.append(allowed[product.id])
        if len(chosen) == PRODUCTS_SHOWN:
            break
    if not chosen:
        return []
    return [
        UpsellRecommendation(
            type=CartUpsellType.COMPLEMENTARY,
            priority=PRIORITY[CartUpsellType.COMPLEMENTARY],
            message=COMPLEMENTARY_MESSAGE,
            products=tuple(UpsellProduct.of(p) for p in chosen),
        )
    ]


def _bundle_message(bundle: UpsellBundle) -> str:
    n = bundle.units_needed
    return f"Add {n} more item{'' if n == 1 else 's'} to save ${bundle.savings:.2f}"


def _bundle_contents(
    session: Session, company_id: str, bundle_ids: Collection[str]
) -> dict[str, list[tuple[Product, int, int]]]:
    """Each bundle's (product, quantity, available units) rows; a bundle with any product
    outside the company is left out entirely."""
    rows = session.exec(
        select(ProductBundleItem, Product, Inventory.available)
        .join(Product, col(Product.id) == col(ProductBundleItem.product_id))
        .join(Inventory, col(Inventory.product_id) == col(Product.id), isouter=True)
        .where(col(ProductBundleItem.bundle_id).in_(list(bundle_ids)))
        .order_by(col(ProductBundleItem.bundle_id), col(Product.name), col(Product.id))
    ).all()
    contents: dict[str, list[tuple[Product, int, int]]] = {}
    foreign: set[str] = set()
    for item, product, available in rows:
        if product.company_id != company_id or item.company_id != company_id:
            foreign.add(item.bundle_id)
        contents.setdefault(item.bundle_id, []).append((product, item.quantity, available or 0))
    return {bundle_id: rows for bundle_id, rows in contents.items() if bundle_id not in foreign}


def _bundle_upgrade(
    session: Session, cart: Cart, lines: Sequence[tuple[Product, int]]
) -> list[UpsellRecommendation]:
    in_cart = {product.id: quantity for product, quantity in lines}
    bundles = session.exec(
        select(ProductBundle)
        .where(
            col(ProductBundle.company_id) == cart.company_id,
            col(ProductBundle.status) == BundleStatus.ACTIVE,
            col(ProductBundle.id).in_(
                select(ProductBundleItem.bundle_id).where(
                    col(ProductBundleItem.company_id) == cart.company_id,
                    col(ProductBundleItem.product_id).in_(list(in_cart)),
                )
            ),
        )
        .order_by(col(ProductBundle.id))
    ).all()
    if not bundles:
        return []
    contents = _bundle_contents(session, cart.company_id, [b.id for b in bundles])
    offers: list[UpsellBundle] = []
    for bundle in bundles:
        items = contents.get(bundle.id)
        if not items:
            continue
        regular = to_money(sum((p.price * qty for p, qty, _ in items), Decimal("0")))
        savings = regular - to_money(bundle.bundle_price)
        if savings <= MIN_BUNDLE_SAVINGS:
            continue
        needed: list[BundleItemNeeded] = []
        buyable = True
        for product, quantity, available in items:
            missing = quantity - in_cart.get(product.id, 0)
            if missing <= 0:
                continue
            if product.status != ProductStatus.ACTIVE or available < missing:
                buyable = False
                break
            needed.append(BundleItemNeeded(product=UpsellProduct.of(product), quantity=missing))
        if not buyable or not needed:  # cannot be completed, or the cart already has it all
            continue
        offers.append(
            UpsellBundle(
                id=bundle.id,
                name=bundle.name,
                bundle_price=to_money(bundle.bundle_price),
                regular_price=regular,
                savings=savings,
                items_needed=tuple(needed),
            )
        )
    if not offers:
        return []
    offers.sort(key=lambda b: (-b.savings, b.units_needed, b.name, b.id))
    offers = offers[:BUNDLES_SHOWN]
    return [
        UpsellRecommendation(
            type=CartUpsellType.BUNDLE_UPGRADE,
            priority=PRIORITY[CartUpsellType.BUNDLE_UPGRADE],
            message=_bundle_message(offers[0]),
            bundles=tuple(offers),
        )
    ]


def is_subscribable(product: Product) -> bool:
    return any(str(tag).strip().lower() == SUBSCRIPTION_TAG for tag in product.tags or ())


def _subscription(cart_products: Sequence[Product]) -> list[UpsellRecommendation]:
    subscribable = [p for p in cart_products if is_subscribable(p)]
    if not subscribable:
        return []
    return [
        UpsellRecommendation(
            type=CartUpsellType.SUBSCRIPTION,
            priority=PRIORITY[CartUpsellType.SUBSCRIPTION],
            message=SUBSCRIPTION_MESSAGE,
            products=tuple(UpsellProduct.of(p) for p in subscribable),
            discount_percent=SUBSCRIPTION_DISCOUNT_PERCENT,
        )
    ]


def has_shipping_protection(session: Session, *, cart: Cart) -> bool:
    """Whether the cart already accepted shipping protection."""
    return (
        session.exec(
            select(CartUpsellOffer.id)
            .where(
                col(CartUpsellOffer.cart_id) == cart.id,
                col(CartUpsellOffer.type) == CartUpsellType.SHIPPING_PROTECTION,
                col(CartUpsellOffer.accepted_at).is_not(None),
            )
            .limit(1)
        ).first()
        is not None
    )


def _shipping_protection(session: Session, cart: Cart) -> list[UpsellRecommendation]:
    if to_money(cart.grand_total) <= SHIPPING_PROTECTION_MIN_TOTAL:
        return []
    if has_shipping_protection(session, cart=cart):
        return []
    return [
        UpsellRecommendation(
            type=CartUpsellType.SHIPPING_PROTECTION,
            priority=PRIORITY[CartUpsellType.SHIPPING_PROTECTION],
            message=SHIPPING_PROTECTION_MESSAGE,
            price=SHIPPING_PROTECTION_PRICE,
        )
    ]


# --- offer records ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Pricing:
    original: Decimal
    offer: Decimal
    message: str

    @property
    def savings(self) -> Decimal:
        return max(self.original - self.offer, Decimal("0.00"))


def _company_product(session: Session, cart: Cart, product_id: str | None) -> Product:
    if not product_id:
        raise UpsellError("This upsell needs a product.")
    product = session.get(Product, product_id)
    if product is None or product.company_id != cart.company_id:
        raise UpsellError("Unknown product.")
    if product.status != ProductStatus.ACTIVE:
        raise UpsellError("This product is not available.")
    return product


def _product_pricing(product: Product, message: str) -> _Pricing:
    price = to_money(product.price)
    compare_at = to_money(product.compare_at_price) if product.compare_at_price else None
    original = compare_at if compare_at is not None and compare_at > price else price
    return _Pricing(original=original, offer=price, message=message)


def _bundle_pricing(session: Session, cart: Cart, bundle_id: str | None) -> _Pricing:
    if not bundle_id:
        raise UpsellError("This upsell needs a bundle.")
    bundle = session.get(ProductBundle, bundle_id)
    if bundle is None or bundle.company_id != cart.company_id:
        raise UpsellError("Unknown bundle.")
    if bundle.status != BundleStatus.ACTIVE:
        raise UpsellError("This bundle is not available.")
    items = _bundle_contents(session, cart.company_id, [bundle.id]).get(bundle.id)
    if not items:
        raise UpsellError("This bundle is not available.")
    if any(p.status != ProductStatus.ACTIVE for p, _, _ in items):
        raise UpsellError("This bundle is not available.")
    regular = to_money(sum((p.price * qty for p, qty, _ in items), Decimal("0")))
    offer = to_money(bundle.bundle_price)
    savings = max(regular - offer, Decimal("0.00"))
    return _Pricing(
        original=regular, offer=offer, message=f"Save ${savings:.2f} with {bundle.name}"
    )


def _subscription_pricing(session: Session, cart: Cart, product_id: str | None) -> _Pricing:
    if product_id is not None:
        product = _company_product(session, cart, product_id)
        if not is_subscribable(product):
            raise UpsellError("This product cannot be subscribed to.")
        base = to_money(product.price)
    else:
        lines = [(p, q) for p, q in _cart_lines(session, cart) if is_subscribable(p)]
        if not lines:
            raise UpsellError("Nothing in this cart can be subscribed to.")
        base = to_money(sum((p.price * q for p, q in lines), Decimal("0")))
    offer = to_money(base * (100 - SUBSCRIPTION_DISCOUNT_PERCENT) / 100)
    return _Pricing(original=base, offer=offer, message=SUBSCRIPTION_MESSAGE)


def _pricing(
    session: Session,
    cart: Cart,
    upsell_type: CartUpsellType,
    product_id: str | None,
    bundle_id: str | None,
) -> _Pricing:
    if upsell_type == CartUpsellType.BUNDLE_UPGRADE:
        if product_id is not None:
            raise UpsellError("A bundle upsell names a bundle, not a product.")
        return _bundle_pricing(session, cart, bundle_id)
    if bundle_id is not None:
        raise UpsellError("Only a bundle upsell names a bundle.")
    if upsell_type == CartUpsellType.FREE_SHIPPING_ADD:
        product = _company_product(session, cart, product_id)
        return _product_pricing(product, "Add it for FREE shipping!")
    if upsell_type == CartUpsellType.COMPLEMENTARY:
        product = _company_product(session, cart, product_id)
        return _product_pricing(product, COMPLEMENTARY_MESSAGE)
    if upsell_type == CartUpsellType.SUBSCRIPTION:
        return _subscription_pricing(session, cart, product_id)
    if upsell_type == CartUpsellType.SHIPPING_PROTECTION:
        if product_id is not None:
            raise UpsellError("Shipping protection names no product.")
        price = SHIPPING_PROTECTION_PRICE
        return _Pricing(original=price, offer=price, message=SHIPPING_PROTECTION_MESSAGE)
    raise UpsellError(f"{upsell_type.value} upsells are not offered.")


def record_presented(
    session: Session,
    *,
    cart: Cart,
    upsell_type: CartUpsellType,
    product_id: str | None = None,
    bundle_id: str | None = None,
    position: UpsellPosition = UpsellPosition.CART_DRAWER,
    now: datetime,
) -> CartUpsellOffer:
    """Record that an upsell was shown in the cart, priced from the server's rows (flushed,
    not committed). Raises UpsellError for a closed cart, an unsupported type, or a product or
    bundle that is not the cart's company's or not ACTIVE."""
    try:
        upsell_type = CartUpsellType(upsell_type)
    except ValueError:
        raise UpsellError("Unknown upsell type.") from None
    if cart.status in _CLOSED_CART_STATUSES:
        raise UpsellError("This cart is closed.")
    pricing = _pricing(session, cart, upsell_type, product_id, bundle_id)
    offer = CartUpsellOffer(
        company_id=cart.company_id,
        cart_id=cart.id,
        product_id=product_id,
        bundle_id=bundle_id,
        type=upsell_type,
        position=position,
        original_price=pricing.original,
        offer_price=pricing.offer,
        savings=pricing.savings,
        message=pricing.message,
        presented_at=now,
    )
    session.add(offer)
    session.flush()
    return offer


def _decide(
    session: Session, offer: CartUpsellOffer, *, accept: bool, now: datetime
) -> CartUpsellOffer:
    """Set accepted_at or declined_at once, with one conditional UPDATE (race-safe)."""
    target = "accepted_at" if accept else "declined_at"
    session.flush()
    session.execute(
        sa.update(CartUpsellOffer)
        .where(
            col(CartUpsellOffer.id) == offer.id,
            col(CartUpsellOffer.accepted_at).is_(None),
            col(CartUpsellOffer.declined_at).is_(None),
        )
        .values({target: now})
        .execution_options(synchronize_session=False)
    )
    session.refresh(offer)
    if accept and offer.declined_at is not None:
        raise UpsellError("This offer was already declined.")
    if not accept and offer.accepted_at is not None:
        raise UpsellError("This offer was already accepted.")
    return offer


def record_accepted(session: Session, *, offer: CartUpsellOffer, now: datetime) -> CartUpsellOffer:
    """Mark the offer accepted (again: no change). Raises UpsellError if it was declined."""
    return _decide(session, offer, accept=True, now=now)


def record_declined(session: Session, *, offer: CartUpsellOffer, now: datetime) -> CartUpsellOffer:
    """Mark the offer declined (again: no change). Raises UpsellError if it was accepted."""
    return _decide(session, offer, accept=False, now=now)


def get_offer_for_cart(session: Session, *, offer_id: str, cart: Cart) -> CartUpsellOffer:
    """The cart's offer; OfferNotFound (an UpsellError and a LookupError) for any other."""
    offer = session.get(CartUpsellOffer, offer_id)
    if offer is None or offer.cart_id != cart.id or offer.company_id != cart.company_id:
        raise OfferNotFound("Unknown offer.")
    return offer


def products_to_add(
    session: Session, *, offer: CartUpsellOffer, cart: Cart
) -> list[tuple[str, int]]:
    """What accepting the offer puts in the cart: its product, or the bundle's missing items.

    Subscription, protection and warranty offers change no line (nothing to add).
    """
    if offer.bundle_id:
        in_cart = {product.id for product, _ in _cart_lines(session, cart)}
        items = session.exec(
            select(ProductBundleItem).where(col(ProductBundleItem.bundle_id) == offer.bundle_id)
        ).all()
        return [(i.product_id, i.quantity) for i in items if i.product_id not in in_cart]
    if offer.product_id and offer.type in PRODUCT_OFFER_TYPES:
        return [(offer.product_id, 1)]
    return []
