"""Recommendations: which upsell types a cart qualifies for, and with what."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import Literal

from sqlmodel import Session, col, select

from cart_admin.domain.theming.model import ThemeUpsells
from cart_admin.domain.upsell.model import (
    BUNDLES_SHOWN,
    COMPLEMENTARY_MESSAGE,
    MIN_BUNDLE_SAVINGS,
    PRIORITY,
    PRODUCTS_SHOWN,
    SHIPPING_PROTECTION_MESSAGE,
    SHIPPING_PROTECTION_MIN_TOTAL,
    SHIPPING_PROTECTION_PRICE,
    SUBSCRIPTION_DISCOUNT_PERCENT,
    SUBSCRIPTION_MESSAGE,
    SUBSCRIPTION_TAG,
    BundleItemNeeded,
    UpsellBundle,
    UpsellProduct,
    UpsellRecommendation,
)
from cart_admin.domain.upsell.queries import _bundle_contents, _cart_lines, _offerable
from cart_admin.domain.upsell.ranking import (
    ComplementRanker,
    CoPurchaseRanker,
    _complement_candidates,
)
from cart_admin.models import Cart, CartUpsellOffer, Product, ProductBundle, ProductBundleItem
from cart_admin.models.enums import BundleStatus, CartUpsellType, ProductStatus
from cart_admin.models.types import to_money

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
    product_ids: Collection[str] | None = None,
) -> list[UpsellRecommendation]:
    """The cart's upsells, by priority, at most `min(max_recommendations, max_shown)`.

    `product_ids` limits product suggestions to those (the landing page's catalog).

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
                session,
                cart,
                cart_products,
                free_shipping_threshold,
                free_shipping_measured,
                product_ids,
            )
        )
    if CartUpsellType.COMPLEMENTARY in wanted:
        found.extend(_complementary(session, cart, cart_products, ranker, product_ids))
    if CartUpsellType.BUNDLE_UPGRADE in wanted:
        found.extend(_bundle_upgrade(session, cart, lines))
    if CartUpsellType.SUBSCRIPTION in wanted:
        found.extend(_subscription(cart_products))
    if CartUpsellType.SHIPPING_PROTECTION in wanted:
        found.extend(_shipping_protection(session, cart))
    found.sort(key=lambda r: r.priority)
    return found[:limit]


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
    only: Collection[str] | None = None,
) -> list[UpsellRecommendation]:
    gap = free_shipping_gap(cart, threshold, measured)
    if gap is None:
        return []
    offerable = _offerable(cart, (p.id for p in cart_products), only)
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


def _complementary(
    session: Session,
    cart: Cart,
    cart_products: Sequence[Product],
    ranker: ComplementRanker | None,
    only: Collection[str] | None = None,
) -> list[UpsellRecommendation]:
    candidates = _complement_candidates(session, cart, cart_products, only)
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
