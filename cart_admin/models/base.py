"""Field helpers shared by the tables, so each table reads as its own columns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from cart_admin.models.types import JSONType, Money, UTCDateTime, new_id, utcnow

ID_LENGTH = 24


def id_field() -> Any:
    return Field(default_factory=new_id, primary_key=True, max_length=ID_LENGTH)


def fk(target: str, *, nullable: bool = False, index: bool = True) -> Any:
    """A foreign key to `table.id`."""
    return Field(
        default=None if nullable else ...,
        foreign_key=f"{target}.id",
        max_length=ID_LENGTH,
        index=index,
        nullable=nullable,
    )


def company_fk() -> Any:
    """Every tenant row's owner."""
    return fk("companies", index=True)


def money(default: Any = ..., *, nullable: bool = False) -> Any:
    return Field(default=default, sa_type=Money, nullable=nullable)


def json_field(factory: Any = dict) -> Any:
    return Field(default_factory=factory, sa_type=JSONType, nullable=False)


def json_nullable() -> Any:
    return Field(default=None, sa_type=JSONType, nullable=True)


def timestamp(*, nullable: bool = True, index: bool = False, now: bool = False) -> Any:
    """An aware UTC timestamp: optional, required, or defaulting to the current time."""
    if now:
        return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=nullable, index=index)
    default = None if nullable else ...
    return Field(default=default, sa_type=UTCDateTime, nullable=nullable, index=index)


class Timestamped(SQLModel):
    """created_at / updated_at, aware UTC."""

    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(
        default_factory=utcnow,
        sa_type=UTCDateTime,
        nullable=False,
        sa_column_kwargs={"onupdate": utcnow},
    )
