"""The database itself refuses impossible values, whatever code writes them."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from cart_admin.models import CartItem, Inventory
from tests.factories import make_cart, make_company, make_product


@pytest.mark.parametrize(
    ("quantity", "unit_price"), [(0, Decimal("1.00")), (-2, Decimal("1.00")), (1, Decimal("-1"))]
)
def test_cart_item_needs_positive_quantity_and_price(session: Session, quantity, unit_price):
    company = make_company(session)
    product = make_product(session, company)
    cart = make_cart(session, company)
    session.add(
        CartItem(
            company_id=company.id,
            cart_id=cart.id,
            product_id=product.id,
            quantity=quantity,
            unit_price=unit_price,
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        session.commit()


def test_stock_cannot_go_negative(session: Session) -> None:
    company = make_company(session)
    product = make_product(session, company, available=1)
    with pytest.raises(sa.exc.IntegrityError):
        session.execute(
            sa.update(Inventory)
            .where(Inventory.product_id == product.id)
            .values(available=Inventory.available - 2)
        )
        session.commit()


def test_cart_totals_cannot_be_negative(session: Session) -> None:
    company = make_company(session)
    cart = make_cart(session, company)
    cart.grand_total = Decimal("-0.01")
    session.add(cart)
    with pytest.raises(sa.exc.IntegrityError):
        session.commit()
