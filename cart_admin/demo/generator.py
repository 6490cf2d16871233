"""Seed (or wipe and reseed) the demo merchant: 90 days of a coffee roaster's cart recovery.

Everything is drawn from one `random.Random(seed)` and dated relative to `now`, so the same
seed and `now` give the same rows, ids included (only the password hash has its own salt).
The data is simulated in memory first and then written with bulk inserts, table by table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from cart_admin.demo import carts, chat, checkout, customers, engagement, recovery, store
from cart_admin.demo.catalog import COMPANY_NAME
from cart_admin.demo.rng import DemoRandom
from cart_admin.demo.store import DEMO_EMAIL, DEMO_PASSWORD
from cart_admin.demo.world import Rows, World
from cart_admin.domain.auth import hash_password
from cart_admin.models import (
    Cart,
    CartIntervention,
    CartItem,
    CartSaveAttempt,
    CartTriggerImpression,
    CartUpsellOffer,
    CartVoiceCall,
    Customer,
    InventoryHold,
    LandingPage,
    Product,
    ProductBundle,
    User,
)

DEFAULT_SEED = 2026
CHUNK_SIZE = 1000

__all__ = [
    "DEFAULT_SEED",
    "DEMO_EMAIL",
    "DEMO_PASSWORD",
    "DemoSummary",
    "build_world",
    "database_is_empty",
    "reset_demo",
    "seed_demo",
]


@dataclass(frozen=True)
class DemoSummary:
    """How much demo data was written."""

    company_id: str
    users: int
    customers: int
    products: int
    bundles: int
    landing_pages: int
    carts: int
    cart_items: int
    inventory_holds: int
    save_attempts: int
    interventions: int
    voice_calls: int
    upsell_offers: int
    trigger_impressions: int

    def describe(self) -> str:
        return (
            f"{self.customers} customers, {self.products} products, {self.carts} carts, "
            f"{self.save_attempts} save attempts, {self.interventions} interventions, "
            f"{self.voice_calls} voice calls"
        )


def build_world(*, now: datetime, seed: int, password_hash: str) -> World:
    """The whole demo shop in memory, with every row ready to insert."""
    world = World(rng=DemoRandom(seed), now=now)
    store.create_store(world, password_hash=password_hash)
    customers.create_customers(world)
    carts.create_carts(world)
    recovery.run_save_flows(world)
    for cart in world.carts:
        engagement.add_impression_rows(world, cart)
    carts.add_cart_rows(world)
    chat.add_chat_rows(world)
    checkout.add_checkout_rows(world)
    store.add_product_rows(world)
    customers.add_customer_rows(world)
    return world


def seed_demo(session: Session, *, now: datetime, seed: int = DEFAULT_SEED) -> DemoSummary:
    """Write the demo merchant into `session` (the caller commits). Expects empty tables."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC).replace(microsecond=0)
    # argon2 is slow on purpose: hash once, every demo user shares the password.
    world = build_world(now=now, seed=seed, password_hash=hash_password(DEMO_PASSWORD))
    _insert(session, world.rows)
    return _summary(world)


def database_is_empty(session: Session) -> bool:
    """True when no table has a row (a fresh, migrated database)."""
    return all(
        session.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first() is None
        for table in SQLModel.metadata.sorted_tables
    )


def reset_demo(session: Session, *, now: datetime, seed: int = DEFAULT_SEED) -> DemoSummary:
    """Delete every row of every table, children first, then seed again."""
    for table in reversed(SQLModel.metadata.sorted_tables):
        session.execute(table.delete())
    return seed_demo(session, now=now, seed=seed)


def _insert(session: Session, rows: Rows) -> None:
    """Bulk inserts in dependency order, a chunk at a time."""
    models = {model.__table__: model for model in rows.by_model}  # type: ignore[attr-defined]
    for table in SQLModel.metadata.sorted_tables:
        model = models.get(table)
        if model is None:
            continue
        values: list[dict[str, Any]] = rows.by_model[model]
        for start in range(0, len(values), CHUNK_SIZE):
            session.execute(sa.insert(model), values[start : start + CHUNK_SIZE])


def _summary(world: World) -> DemoSummary:
    count = world.rows.count
    return DemoSummary(
        company_id=world.company_id,
        users=count(User),
        customers=count(Customer),
        products=count(Product),
        bundles=count(ProductBundle),
        landing_pages=count(LandingPage),
        carts=count(Cart),
        cart_items=count(CartItem),
        inventory_holds=count(InventoryHold),
        save_attempts=count(CartSaveAttempt),
        interventions=count(CartIntervention),
        voice_calls=count(CartVoiceCall),
        upsell_offers=count(CartUpsellOffer),
        trigger_impressions=count(CartTriggerImpression),
    )


def login_hint() -> str:
    return f"{COMPANY_NAME}: log in as {DEMO_EMAIL} / {DEMO_PASSWORD}"
