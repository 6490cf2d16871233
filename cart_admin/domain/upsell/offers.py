"""Offer records: pricing an offer from the server's rows, and its accept/decline record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col, select

from cart_admin.domain.upsell.model import (
    _CLOSED_CART_STATUSES,
    COMPLEMENTARY_MESSAGE,
    PRODUCT_OFFER_TYPES,
    SHIPPING_PROTECTION_MESSAGE,
    SHIPPING_PROTECTION_PRICE,
    SUBSCRIPTION_DISCOUNT_PERCENT,
    SUBSCRIPTION_MESSAGE,
    OfferNotFound,
    UpsellError,
)
from cart_admin.domain.upsell.queries import _bundle_contents, _cart_lines
from cart_admin.domain.upsell.rules import is_subscribable
from cart_admin.models import Cart, CartUpsellOffer, Product, ProductBundle, ProductBundleItem
from cart_admin.models.enums import BundleStatus, CartUpsellType, ProductStatus, UpsellPosition
from cart_admin.models.types import to_money

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
