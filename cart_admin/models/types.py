"""Column types shared by every table: ids, aware UTC timestamps, money, JSON, enums."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeDecorator

MONEY_PLACES = Decimal("0.01")


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    """A 24-character, time-ordered, random id (hex ms timestamp + 12 random hex digits)."""
    return f"{int(time.time() * 1000):012x}{os.urandom(6).hex()}"


class UTCDateTime(TypeDecorator):
    """Timestamps stored in UTC and always returned timezone-aware (SQLite drops the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# Money is Decimal with two places, never float.
Money = sa.Numeric(12, 2, asdecimal=True)

# JSON everywhere, JSONB on PostgreSQL; Python None is SQL NULL (not the JSON 'null').
JSONType = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)


def enum_column(enum_cls: type[Enum]) -> sa.Enum:
    """An enum stored as its string value in a VARCHAR (no native type, no migration to extend)."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def to_money(value: Any) -> Decimal:
    """Round any number-like value to cents (half-up, as shops print prices)."""
    from decimal import ROUND_HALF_UP

    return Decimal(str(value)).quantize(MONEY_PLACES, rounding=ROUND_HALF_UP)


def storable_text(value: str) -> str:
    """PostgreSQL stores no NUL character in text or JSON: a validator refuses it up front,
    so bad input is a 422 with a message, never a 500 at the insert."""
    if "\x00" in value:
        raise ValueError("Text may not contain NUL characters.")
    return value
