"""Cart arithmetic: subtotal, discount, shipping, tax, total and free-shipping progress.

Pure Decimal functions; the only place cart totals are computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from cart_admin.models import DiscountKind
from cart_admin.models.types import to_money

ZERO = Decimal("0.00")
FreeShippingBasis = Literal["before_discounts", "after_discounts"]


@dataclass(frozen=True)
class Line:
    unit_price: Decimal
    quantity: int

    @property
    def total(self) -> Decimal:
        return to_money(self.unit_price * self.quantity)


@dataclass(frozen=True)
class Discount:
    kind: DiscountKind
    value: Decimal


@dataclass(frozen=True)
class FreeShipping:
    """Where the cart stands against the free-shipping threshold (the drawer's bar)."""

    threshold: Decimal
    basis: FreeShippingBasis
    amount: Decimal  # what is measured against the threshold
    remaining: Decimal
    progress: float  # 0..1
    qualifies: bool
    lost_by_discount: bool  # the subtotal reaches it, the discount takes the cart below


@dataclass(frozen=True)
class Totals:
    item_count: int
    subtotal: Decimal
    discount_total: Decimal
    shipping_total: Decimal
    tax_total: Decimal
    grand_total: Decimal
    free_shipping: FreeShipping | None


def discount_amount(discount: Discount | None, subtotal: Decimal) -> Decimal:
    if discount is None or discount.kind is DiscountKind.FREE_SHIPPING:
        return ZERO
    if discount.kind is DiscountKind.PERCENT:
        return min(to_money(subtotal * discount.value / 100), subtotal)
    return min(to_money(discount.value), subtotal)


def free_shipping_status(
    *, subtotal: Decimal, discount: Decimal, threshold: Decimal, basis: FreeShippingBasis
) -> FreeShipping:
    amount = subtotal - discount if basis == "after_discounts" else subtotal
    qualifies = amount >= threshold
    progress = 1.0 if threshold <= 0 else min(float(amount / threshold), 1.0)
    return FreeShipping(
        threshold=to_money(threshold),
        basis=basis,
        amount=to_money(amount),
        remaining=to_money(max(threshold - amount, ZERO)),
        progress=round(progress, 4),
        qualifies=qualifies,
        lost_by_discount=not qualifies and subtotal >= threshold,
    )


def price_cart(
    lines: list[Line],
    *,
    discount: Discount | None,
    shipping_rate: Decimal,
    tax_rate: Decimal,
    free_shipping_threshold: Decimal | None,
    free_shipping_basis: FreeShippingBasis = "after_discounts",
) -> Totals:
    """Totals of a cart. Tax is charged on the discounted subtotal, not on shipping."""
    subtotal = to_money(sum((line.total for line in lines), ZERO))
    item_count = sum(line.quantity for line in lines)
    off = discount_amount(discount, subtotal)
    progress = (
        free_shipping_status(
            subtotal=subtotal,
            discount=off,
            threshold=free_shipping_threshold,
            basis=free_shipping_basis,
        )
        if free_shipping_threshold is not None
        else None
    )
    free = (
        item_count == 0
        or (discount is not None and discount.kind is DiscountKind.FREE_SHIPPING)
        or (progress is not None and progress.qualifies)
    )
    shipping = ZERO if free else to_money(shipping_rate)
    tax = to_money((subtotal - off) * tax_rate)
    return Totals(
        item_count=item_count,
        subtotal=subtotal,
        discount_total=off,
        shipping_total=shipping,
        tax_total=tax,
        grand_total=to_money(subtotal - off + shipping + tax),
        free_shipping=progress,
    )
