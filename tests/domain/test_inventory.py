"""Expired inventory holds give their units back exactly once."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from cart_admin.domain.inventory import release_expired_holds
from cart_admin.models import Inventory, InventoryHold
from cart_admin.models.types import utcnow
from tests.factories import make_cart, make_company, make_product


def _hold(session: Session, cart, product, *, quantity: int, expires_in: timedelta):
    hold = InventoryHold(
        company_id=cart.company_id,
        cart_id=cart.id,
        product_id=product.id,
        quantity=quantity,
        expires_at=utcnow() + expires_in,
    )
    session.add(hold)
    session.commit()
    return hold


def test_releases_only_expired_holds_and_returns_units(session: Session) -> None:
    company = make_company(session)
    product = make_product(session, company, available=10)
    stock = session.exec(select(Inventory).where(Inventory.product_id == product.id)).one()
    stock.reserved = 5
    session.add(stock)
    session.commit()
    cart = make_cart(session, company)
    expired = _hold(session, cart, product, quantity=3, expires_in=timedelta(minutes=-1))
    live = _hold(session, cart, product, quantity=2, expires_in=timedelta(minutes=10))
    now = utcnow()

    released = release_expired_holds(session, now=now)
    session.commit()

    assert released == 1
    session.refresh(stock)
    assert (stock.available, stock.reserved) == (13, 2)
    assert session.get(InventoryHold, expired.id).released_at == now
    assert session.get(InventoryHold, live.id).released_at is None


def test_running_twice_releases_nothing_more(session: Session) -> None:
    company = make_company(session)
    product = make_product(session, company, available=0)
    cart = make_cart(session, company)
    _hold(session, cart, product, quantity=1, expires_in=timedelta(seconds=-5))

    assert release_expired_holds(session, now=utcnow()) == 1
    session.commit()
    assert release_expired_holds(session, now=utcnow()) == 0
    stock = session.exec(select(Inventory).where(Inventory.product_id == product.id)).one()
    assert (stock.available, stock.reserved) == (1, 0)
