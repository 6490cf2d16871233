"""The Alembic chain builds exactly the models' schema, and every step rolls back cleanly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from cart_admin.db import engine_for
from tests.conftest import BACKENDS, PG_URL, alembic_config


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it (PostgreSQL: a throwaway database beside the test one)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    base = make_url(PG_URL).set(drivername="postgresql+psycopg")
    name = f"{base.database}_migrations"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    yield url
    engine_for(url).dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _schema_diff(url: str) -> list:
    with engine_for(url).connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, SQLModel.metadata)


def _tables(url: str) -> set[str]:
    return set(sa.inspect(engine_for(url)).get_table_names())


def test_head_matches_models(empty_url: str) -> None:
    command.upgrade(alembic_config(empty_url), "head")

    assert _schema_diff(empty_url) == []
    assert _tables(empty_url) == set(SQLModel.metadata.tables) | {"alembic_version"}


def test_every_revision_upgrades_and_downgrades(empty_url: str) -> None:
    cfg = alembic_config(empty_url)
    revisions = list(reversed(list(ScriptDirectory.from_config(cfg).walk_revisions())))

    for revision in revisions:  # one step at a time, oldest first
        command.upgrade(cfg, revision.revision)
    for revision in reversed(revisions):
        command.downgrade(cfg, revision.down_revision or "base")

    assert _tables(empty_url) <= {"alembic_version"}
    command.upgrade(cfg, "head")  # and back up again after a full rollback
    assert _schema_diff(empty_url) == []


def test_deployment_plan_indexes_exist(empty_url: str) -> None:
    command.upgrade(alembic_config(empty_url), "head")
    inspector = sa.inspect(engine_for(empty_url))
    indexes = {
        index["name"]: (table, index["column_names"])
        for table in inspector.get_table_names()
        for index in inspector.get_indexes(table)
    }

    assert indexes["idx_cart_save_attempts_company_status"] == (
        "cart_save_attempts",
        ["company_id", "status"],
    )
    assert indexes["idx_cart_save_attempts_cart_status"] == (
        "cart_save_attempts",
        ["cart_id", "status"],
    )
    assert indexes["idx_cart_save_attempts_created"] == ("cart_save_attempts", ["created_at"])
    assert indexes["idx_cart_interventions_attempt"] == (
        "cart_interventions",
        ["cart_save_attempt_id"],
    )
    assert indexes["idx_cart_interventions_status"] == (
        "cart_interventions",
        ["status", "scheduled_at"],
    )
    assert indexes["idx_landing_page_products_order"] == (
        "landing_page_products",
        ["landing_page_id", "sort_order"],
    )


def test_every_tenant_table_has_company_id() -> None:
    untenanted = {"companies"}
    for name, table in SQLModel.metadata.tables.items():
        if name in untenanted:
            continue
        assert "company_id" in table.c, f"{name} has no company_id"
        assert not table.c.company_id.nullable, f"{name}.company_id is nullable"


def test_check_constraints_match_the_models(empty_url: str) -> None:
    """Autogenerate cannot compare CHECK constraints, so compare their names here."""
    command.upgrade(alembic_config(empty_url), "head")
    inspector = sa.inspect(engine_for(empty_url))
    for name, table in SQLModel.metadata.tables.items():
        expected = {c.name for c in table.constraints if isinstance(c, sa.CheckConstraint)}
        actual = {c["name"] for c in inspector.get_check_constraints(name)}
        assert actual == expected, name


def test_0004_round_trip_with_data_keeps_every_channel(empty_url: str) -> None:
    """Downgrading with rows that reference rebuilt tables works (SQLite), and upgrading turns
    an old multi-channel intervention into one row per channel, nothing dropped."""
    from sqlmodel import Session, select

    from cart_admin.models import (
        CartIntervention,
        CartSaveStage,
        Channel,
        LandingPage,
    )
    from cart_admin.models.types import utcnow
    from tests.factories import (
        make_attempt,
        make_cart,
        make_company,
        make_landing_page,
        make_product,
    )

    cfg = alembic_config(empty_url)
    command.upgrade(cfg, "head")
    engine = engine_for(empty_url)
    with Session(engine) as session:
        company = make_company(session)
        page = make_landing_page(session, company, store_url="/demo/store/x")
        cart = make_cart(session, company, items=[(make_product(session, company), 1)],
                         landing_page=page)  # fmt: skip
        attempt = make_attempt(session, cart)
        session.add(CartIntervention(
            company_id=company.id, cart_id=cart.id, cart_save_attempt_id=attempt.id,
            stage=CartSaveStage.NUCLEAR_OFFER, channel=Channel.EMAIL, channels=["EMAIL"],
            scheduled_at=utcnow(), tracking_token="t" * 22,
        ))  # fmt: skip
        session.commit()
        attempt_id, page_id = attempt.id, page.id

    command.downgrade(cfg, "0003")
    with engine.begin() as conn:  # what an older version wrote: both channels in one row
        conn.execute(sa.text("UPDATE cart_interventions SET channels = :c"),
                     {"c": '["EMAIL", "SMS"]'})  # fmt: skip
    command.upgrade(cfg, "head")

    with Session(engine) as session:
        rows = session.exec(
            select(CartIntervention).where(CartIntervention.cart_save_attempt_id == attempt_id)
        ).all()
        assert sorted((r.channel, r.channels, r.step) for r in rows) == [
            (Channel.EMAIL, ["EMAIL"], 0),
            (Channel.SMS, ["SMS"], 0),
        ]
        assert len({r.tracking_token for r in rows}) == 2 and len({r.id for r in rows}) == 2
        assert session.get(LandingPage, page_id).store_url is None  # the column came back empty
    assert _schema_diff(empty_url) == []


def test_0007_checkout_assistance_round_trip_and_its_unique_keys(empty_url: str) -> None:
    """The churn and chat tables hold the rules the code relies on (each intervention kind
    once per cart, one price offer per cart while NULL slots never collide, one message per
    seq); downgrading drops them but keeps the settings row, and upgrading again gives that
    row empty (default) churn and chat settings."""
    from decimal import Decimal

    from sqlalchemy.exc import IntegrityError
    from sqlmodel import Session

    from cart_admin.domain.chat.config import load_chat_config
    from cart_admin.domain.churn.config import load_churn_config
    from cart_admin.domain.save_flow.config import load_config
    from cart_admin.models import (
        ChatMessage,
        ChatRole,
        ChatSession,
        CheckoutChurnEvent,
        CheckoutChurnSignal,
        CheckoutIntervention,
        InterventionType,
        StorePolicies,
    )
    from cart_admin.models.types import utcnow
    from tests.checkout_world import save_churn, set_holdout
    from tests.factories import make_cart, make_company, make_product

    cfg = alembic_config(empty_url)
    command.upgrade(cfg, "head")
    engine = engine_for(empty_url)
    with Session(engine) as session:
        company = make_company(session)
        cart = make_cart(session, company, items=[(make_product(session, company), 1)])
        set_holdout(session, company, 5)
        save_churn(session, company, exitIntentDiscountPercent=5)
        company_id, cart_id = company.id, cart.id

        def intervention(kind: InterventionType, slot: str | None) -> CheckoutIntervention:
            return CheckoutIntervention(company_id=company_id, cart_id=cart_id, session_id="tab",
                                        type=kind, action="X", price_slot=slot)  # fmt: skip

        def refused(*rows) -> bool:
            try:
                with session.begin_nested():
                    session.add_all(rows)
            except IntegrityError:
                return True
            return False

        session.add_all([
            intervention(InterventionType.CHECKOUT_HELP, None),
            intervention(InterventionType.DISCOUNT_HELP, None),  # NULL slots never collide
            intervention(InterventionType.EXIT_INTENT, "PRICE"),
            CheckoutChurnEvent(company_id=company_id, cart_id=cart_id, session_id="tab",
                               signal=CheckoutChurnSignal.IDLE_TIMEOUT, occurred_at=utcnow()),
            StorePolicies(company_id=company_id, shipping="We ship."),
        ])  # fmt: skip
        session.commit()
        chat = ChatSession(company_id=company_id, token="t" * 32, cart_id=cart_id)
        session.add(chat)
        session.commit()
        message = ChatMessage(company_id=company_id, chat_session_id=chat.id, seq=1,
                              role=ChatRole.ASSISTANT, content="Hi")  # fmt: skip
        session.add(message)
        session.commit()

        assert refused(intervention(InterventionType.FREE_SHIPPING_OFFER, "PRICE"))
        assert refused(intervention(InterventionType.CHECKOUT_HELP, None))
        assert refused(ChatMessage(company_id=company_id, chat_session_id=chat.id, seq=1,
                                   role=ChatRole.USER, content="again"))  # fmt: skip
        assert refused(ChatSession(company_id=company_id, token="t" * 32))
        assert refused(StorePolicies(company_id=company_id))
        session.commit()

    command.downgrade(cfg, "0006")
    tables = _tables(empty_url)
    assert not tables & {"checkout_churn_events", "checkout_interventions", "chat_sessions",
                         "chat_messages", "store_policies"}  # fmt: skip
    columns = {
        c["name"] for c in sa.inspect(engine_for(empty_url)).get_columns("cart_save_flow_configs")
    }
    assert {"churn", "chat"}.isdisjoint(columns) and "timing" in columns

    command.upgrade(cfg, "head")
    engine.dispose()
    with Session(engine_for(empty_url)) as session:
        assert load_config(session, company_id).holdout_percent == 5  # the row survived
        assert load_churn_config(session, company_id).exit_intent_discount_percent == Decimal(10)
        assert load_chat_config(session, company_id).ai_capabilities.max_discount_percent == 10
    assert _schema_diff(empty_url) == []
