"""Many due e-mail interventions at once, for the chaos test and the scheduler benchmark.

The rows are what the save flow itself would have left behind for N abandoned carts (one
customer with consent, one cart with one line, one attempt in PATTERN_INTERRUPT, one SCHEDULED
e-mail due in the past), but written with bulk Core inserts: building 10,000 carts through the
flow would take minutes and is not what these runs measure. The company's config switches
quiet hours, frequency caps, the holdout and the later stages off, so every row is sent at
once and the attempt then ends instead of scheduling more messages.

Each run gets its own PostgreSQL database (`fresh_database`), so the workers started against
it never see another test's rows and nothing else is truncated under them.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from pydantic_core import PydanticUndefined
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel, col, select

from cart_admin.db import engine_for
from cart_admin.domain.save_flow.config import parse_config, save_config
from cart_admin.domain.save_flow.stages import STAGES
from cart_admin.models import (
    Cart,
    CartIntervention,
    CartItem,
    CartSaveAttempt,
    CartSaveStage,
    CartSaveStatus,
    CartStatus,
    Channel,
    Company,
    Customer,
    InterventionStatus,
    Product,
)
from cart_admin.models.types import new_id
from cart_admin.settings import Settings

CHUNK = 2000
PRICE = Decimal("24.00")


@contextmanager
def fresh_database(base_url: str, name: str) -> Iterator[str]:
    """A new, migrated database `name` on the server of `base_url`; dropped afterwards."""
    from alembic import command
    from alembic.config import Config

    from cart_admin.settings import PROJECT_ROOT

    server = Settings.model_validate({"database_url": base_url}).database_url
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    admin_url = make_url(server).set(database="postgres")
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
        cfg.attributes["database_url"] = url
        cfg.attributes["configure_logger"] = False
        command.upgrade(cfg, "head")
        yield url
    finally:
        engine_for(url).dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass(frozen=True)
class FlowRows:
    company_id: str
    intervention_ids: list[str]
    message_ids: set[str]  # the Message-ID header each row's e-mail carries


class _Rows:
    """Row dicts for a Core insert with the model's defaults applied, as its constructor would.

    Building SQLModel instances costs about a millisecond each (pydantic inspects every
    default factory), which is most of the setup time at 50,000 rows; dicts cost nothing.
    """

    def __init__(self, model: type[SQLModel]) -> None:
        self.table = model.__table__  # type: ignore[attr-defined]
        attrs = sa.inspect(model).column_attrs
        self.defaults: list[tuple[str, str, Any]] = []  # (field, column key, default)
        self.keys: dict[str, str] = {}
        for name, info in model.model_fields.items():
            key = attrs[name].columns[0].key  # `attempt_metadata` is the column `metadata`
            self.keys[name] = key
            if info.default_factory is not None:
                self.defaults.append((name, key, info.default_factory))
            elif info.default is not PydanticUndefined:
                self.defaults.append((name, key, lambda value=info.default: value))
        self.rows: list[dict] = []

    def add(self, **values: Any) -> dict:
        """A row from field values; returned keyed by field name for the caller's use."""
        row = {name: make() for name, _, make in self.defaults if name not in values}
        row.update(values)
        self.rows.append({self.keys[name]: value for name, value in row.items()})
        return row

    def insert(self, engine: Engine) -> None:
        with engine.begin() as conn:
            for start in range(0, len(self.rows), CHUNK):
                conn.execute(sa.insert(self.table), self.rows[start : start + CHUNK])


def write_fast_config(engine: Engine, company_id: str) -> None:
    """Quiet hours, caps and holdout off; every stage after the pattern interrupt disabled."""
    later = {
        spec.key: {"enabled": False}
        for spec in STAGES
        if spec.stage not in (CartSaveStage.BROWSE_REMINDER, CartSaveStage.PATTERN_INTERRUPT)
    }
    config = parse_config(
        {
            "stages": later,
            "blackoutHours": {"start": 0, "end": 0},
            "frequencyCaps": {"emailHours": 0, "smsHours": 0, "smsAbandonmentWindowHours": 0},
            "holdoutPercent": 0,
            "maxAttemptsPerCart": 50,
        }
    )
    with Session(engine) as session:
        save_config(session, company_id, config)
        session.commit()


def create_due_emails(engine: Engine, count: int, *, now: datetime) -> FlowRows:
    """`count` abandoned carts, each with one due e-mail intervention (see the module doc)."""
    abandoned = now - timedelta(hours=2)
    company = _Rows(Company)
    company_id = company.add(name="Chaos Coffee", slug=f"chaos-{secrets.token_hex(4)}",
                             support_email="help@chaos.example")["id"]  # fmt: skip
    product = _Rows(Product)
    product_id = product.add(company_id=company_id, sku="BEANS-1", name="House beans",
                             price=PRICE)["id"]  # fmt: skip
    company.insert(engine)
    product.insert(engine)
    write_fast_config(engine, company_id)

    customers, carts, items = _Rows(Customer), _Rows(Cart), _Rows(CartItem)
    attempts, interventions = _Rows(CartSaveAttempt), _Rows(CartIntervention)
    ids, message_ids = [], set()
    for n in range(count):
        email = f"shopper{n}@mail.example"
        customer = customers.add(company_id=company_id, first_name=f"Shopper{n}", email=email,
                                 email_consent=True)["id"]  # fmt: skip
        cart = carts.add(
            company_id=company_id, customer_id=customer, public_token=f"ct_{new_id()}",
            status=CartStatus.ABANDONED, email=email, item_count=1, subtotal=PRICE,
            grand_total=PRICE, last_activity_at=abandoned, abandoned_at=abandoned,
        )["id"]  # fmt: skip
        items.add(company_id=company_id, cart_id=cart, product_id=product_id, quantity=1,
                  product_snapshot={"name": "House beans", "sku": "BEANS-1", "price": str(PRICE)},
                  unit_price=PRICE)  # fmt: skip
        attempt = attempts.add(
            company_id=company_id, cart_id=cart, customer_id=customer,
            current_stage=CartSaveStage.PATTERN_INTERRUPT, cart_value=PRICE,
            status=CartSaveStatus.IN_PROGRESS, is_holdout=False, started_at=abandoned,
            attempt_metadata={"abandonedAt": abandoned.isoformat()},
        )["id"]  # fmt: skip
        row = interventions.add(
            company_id=company_id, cart_id=cart, cart_save_attempt_id=attempt,
            stage=CartSaveStage.PATTERN_INTERRUPT, channel=Channel.EMAIL,
            channels=[str(Channel.EMAIL)], step=0, tracking_token=secrets.token_hex(16),
            status=InterventionStatus.SCHEDULED, scheduled_at=now - timedelta(minutes=1),
        )  # fmt: skip
        ids.append(row["id"])
        message_ids.add(f"<{row['id']}.{row['tracking_token'][:8]}@cart-admin>")
    for table in (customers, carts, items, attempts, interventions):
        table.insert(engine)
    # Statistics, as autovacuum keeps them on a table that grew over time: without them the
    # planner takes these 10,000-row tables for empty ones and picks nested loops that turn
    # the workers' queries (rescue_stalled's anti-join: 5 s) into the bottleneck.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("ANALYZE"))
    return FlowRows(company_id=company_id, intervention_ids=ids, message_ids=message_ids)


def status_counts(engine: Engine) -> dict[str, int]:
    """How many interventions are in each status."""
    with Session(engine) as session:
        counts = session.exec(
            select(CartIntervention.status, sa.func.count()).group_by(col(CartIntervention.status))
        ).all()
    return {str(status): n for status, n in counts}
