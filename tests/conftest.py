"""Shared fixtures: a migrated database per test, on SQLite and (with TEST_DATABASE_URL) PostgreSQL.

SQLite tests copy a template file migrated once per run; PostgreSQL tests migrate the given
database once and truncate every table before each test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlmodel import Session, SQLModel

import cart_admin.models  # noqa: F401
from cart_admin.db import engine_for
from cart_admin.settings import PROJECT_ROOT, get_settings
from tests.fakes.anthropic_server import anthropic_server  # noqa: F401  (a shared fixture)
from tests.fakes.smtp_server import smtp_server  # noqa: F401  (a shared fixture)
from tests.fakes.twilio_server import twilio_server  # noqa: F401  (a shared fixture)

PG_URL = os.environ.get("TEST_DATABASE_URL", "")

# Reflex needs the project's Node/bun (scripts/setup.sh) even when pytest runs directly.
_TOOLS_BIN = PROJECT_ROOT / ".tools" / "node_modules" / ".bin"
if _TOOLS_BIN.is_dir() and str(_TOOLS_BIN) not in os.environ["PATH"]:
    os.environ["PATH"] = f"{_TOOLS_BIN}{os.pathsep}{os.environ['PATH']}"
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])

# Never the real services: a developer's .env or shell may hold live credentials, and an
# environment variable (even empty) wins over .env. Tests that need a channel point it at a
# local fake with monkeypatch.
for _name in (
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "SMTP_HOST",
    "SMTP_USERNAME",
    "SMTP_PASSWORD",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_API_BASE_URL",
):
    os.environ[_name] = ""


def alembic_config(url: str) -> Config:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.attributes["database_url"] = url
    cfg.attributes["configure_logger"] = False
    return cfg


def migrate(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate(f"sqlite:///{path}")
    engine_for(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture(scope="session")
def pg_migrated() -> str:
    url = get_settings().model_validate({"database_url": PG_URL}).database_url
    engine = engine_for(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    migrate(url)
    return url


_resets = 0


def _truncate_all(url: str) -> None:
    """Empty every table. A test leaves a few rows: DELETE (children first, one round trip)
    takes about 1 ms where TRUNCATE takes ~280 ms. But DELETE leaves dead rows, and foreign
    key checks scan them, so after a test that wrote many rows, and every 100 tests, TRUNCATE
    starts the tables afresh."""
    global _resets
    _resets += 1
    tables = list(reversed(SQLModel.metadata.sorted_tables))
    big = " + ".join(
        f'(SELECT count(*) FROM (SELECT 1 FROM "{name}" LIMIT 301) AS t)'
        for name in ("carts", "cart_items", "cart_interventions", "products")
    )
    with engine_for(url).begin() as conn:
        rows = conn.exec_driver_sql(f"SELECT {big}").scalar_one()
        if rows > 300 or _resets % 100 == 0:
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        else:
            conn.exec_driver_sql("; ".join(f'DELETE FROM "{t.name}"' for t in tables))


@pytest.fixture(params=BACKENDS)
def db_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path, monkeypatch
) -> Iterator[str]:
    """A migrated, empty database; DATABASE_URL points at it for code that reads settings."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(sqlite_template, path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_migrated")
        _truncate_all(url)
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()
    if request.param == "sqlite":
        engine_for(url).dispose()


@pytest.fixture
def engine(db_url: str) -> sa.Engine:
    return engine_for(db_url)


@pytest.fixture
def session(engine: sa.Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as s:
        yield s
