"""Complementary ranking: the ranker protocol, the co-purchase ranker and its candidates."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from cart_admin.domain.upsell.model import CANDIDATE_POOL
from cart_admin.domain.upsell.queries import _offerable
from cart_admin.models import Cart, CartItem, Product
from cart_admin.models.enums import CartStatus

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


def _complement_candidates(
    session: Session,
    cart: Cart,
    cart_products: Sequence[Product],
    only: Collection[str] | None = None,
) -> list[Product]:
    """The pool the ranker picks from: offerable products that were bought with the cart's,
    that share its categories, and the best sellers (up to CANDIDATE_POOL of each)."""
    cart_ids = [p.id for p in cart_products]
    offerable = _offerable(cart, cart_ids, only)
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
