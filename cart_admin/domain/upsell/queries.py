"""Row reads shared by recommendations and offers (the cart's lines, offerable products,
bundle contents)."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from cart_admin.models import Cart, CartItem, Inventory, Product, ProductBundleItem
from cart_admin.models.enums import ProductStatus


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


def _offerable(
    cart: Cart, exclude_ids: Iterable[str], only: Collection[str] | None = None
) -> SelectOfScalar[Product]:
    """ACTIVE, in-stock products of the cart's company that are not in the cart (and, when
    `only` is given, among those ids: the landing page's catalog)."""
    query = (
        select(Product)
        .join(Inventory, col(Inventory.product_id) == col(Product.id))
        .where(
            col(Product.company_id) == cart.company_id,
            col(Product.status) == ProductStatus.ACTIVE,
            col(Inventory.available) > 0,
            col(Product.id).not_in(list(exclude_ids)),
        )
    )
    return query if only is None else query.where(col(Product.id).in_(list(only)))


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
