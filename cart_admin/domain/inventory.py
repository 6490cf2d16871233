"""Stock holds: units a cart reserves for a while (the drawer's real countdown)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col

from cart_admin.models import Inventory, InventoryHold


def release_expired_holds(session: Session, *, now: datetime, limit: int = 500) -> int:
    """Release holds past their expiry and give their units back; returns how many.

    Each hold is released by one conditional UPDATE, so two workers running this at the
    same moment never give the same units back twice.
    """
    due = session.execute(
        sa.select(col(InventoryHold.id), col(InventoryHold.product_id), col(InventoryHold.quantity))
        .where(col(InventoryHold.released_at).is_(None), col(InventoryHold.expires_at) <= now)
        .order_by(col(InventoryHold.expires_at))
        .limit(limit)
    ).all()
    # SQLite's two-argument max() is PostgreSQL's greatest().
    greatest = sa.func.max if session.get_bind().dialect.name == "sqlite" else sa.func.greatest
    released = 0
    for hold_id, product_id, quantity in due:
        result: sa.CursorResult = session.execute(  # type: ignore[assignment]
            sa.update(InventoryHold)
            .where(col(InventoryHold.id) == hold_id, col(InventoryHold.released_at).is_(None))
            .values(released_at=now)
        )
        claimed = result.rowcount
        if not claimed:
            continue  # another worker released it first
        session.execute(
            sa.update(Inventory)
            .where(col(Inventory.product_id) == product_id)
            .values(
                reserved=greatest(Inventory.reserved - quantity, 0),
                available=Inventory.available + quantity,
            )
        )
        released += 1
    return released
