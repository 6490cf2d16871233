"""Alembic environment: the URL comes from the app's settings, the schema from the models."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlmodel import SQLModel

import cart_admin.models  # noqa: F401  (registers every table)
from cart_admin.db import engine_for
from cart_admin.settings import get_settings

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata


def _url() -> str:
    return config.attributes.get("database_url") or get_settings().database_url


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        with engine_for(_url()).connect() as connection:
            _run(connection)
    else:
        _run(connection)


def _run(connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:  # batch mode rebuilds tables; rows referencing them must not block it
        _pragma(connection, "PRAGMA foreign_keys=OFF")
    try:
        _migrate(connection)
    finally:
        if sqlite:
            _pragma(connection, "PRAGMA foreign_keys=ON")


def _pragma(connection, statement: str) -> None:
    """Outside any transaction (SQLite ignores this pragma inside one)."""
    if connection.in_transaction():
        connection.commit()
    connection.exec_driver_sql(statement)
    connection.commit()


def _migrate(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite needs table rebuilds
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
