"""Discount codes: which codes a cart may use."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlmodel import Session, col, select

from cart_admin.domain.pricing import Discount
from cart_admin.models import Cart, DiscountCode

MAX_CODE_LENGTH = 64


class DiscountError(ValueError):
    """A code the cart cannot use; the message is for the shopper."""


def normalize_code(code: str) -> str:
    return code.strip().upper()


def find_usable_code(
    session: Session, *, cart: Cart, code: str, subtotal: Decimal, now: datetime
) -> DiscountCode:
    """The company's code if this cart may use it now; DiscountError saying why not."""
    wanted = normalize_code(code)
    if not wanted or len(wanted) > MAX_CODE_LENGTH:
        raise DiscountError("Enter a discount code.")
    row = session.exec(
        select(DiscountCode).where(
            col(DiscountCode.company_id) == cart.company_id, col(DiscountCode.code) == wanted
        )
    ).first()
    if row is None or not row.is_active:
        raise DiscountError(f"The code {wanted} is not valid.")
    if row.cart_id is not None and row.cart_id != cart.id:
        raise DiscountError(f"The code {wanted} belongs to another cart.")
    if row.expires_at is not None and row.expires_at <= now:
        raise DiscountError(f"The code {wanted} has expired.")
    if row.max_uses is not None and row.uses >= row.max_uses:
        raise DiscountError(f"The code {wanted} has already been used.")
    if row.min_subtotal is not None and subtotal < row.min_subtotal:
        raise DiscountError(f"The code {wanted} needs a subtotal of at least {row.min_subtotal}.")
    return row


def as_discount(row: DiscountCode | None) -> Discount | None:
    return Discount(kind=row.kind, value=row.value) if row is not None else None
