"""Read-side queries over carts used by the dashboard."""

from __future__ import annotations

from sqlmodel import Session, col, select

from cart_admin.models import Cart, Customer


def recent_carts(
    session: Session, *, company_id: str, limit: int = 8
) -> list[tuple[Cart, Customer | None]]:
    """The newest carts with their customers (outer join: guests have none)."""
    query = (
        select(Cart, Customer)
        .join(Customer, col(Customer.id) == col(Cart.customer_id), isouter=True)
        .where(Cart.company_id == company_id)
        .order_by(col(Cart.last_activity_at).desc(), col(Cart.id))
        .limit(limit)
    )
    return list(session.exec(query).all())
