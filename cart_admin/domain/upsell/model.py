"""Upsell values: constants, errors and the plain dataclasses a recommendation carries."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from cart_admin.models import Product
from cart_admin.models.enums import CartStatus, CartUpsellType
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
