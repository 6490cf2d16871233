"""Company scoping: the one way admin code fetches a row by id."""

from __future__ import annotations

import re
from typing import TypeVar

from sqlmodel import Session, SQLModel

T = TypeVar("T", bound=SQLModel)
ROW_ID = re.compile(r"[0-9a-f]{1,24}")


class NotFound(LookupError):
    """No such row for this company (another company's row is 'not found' too)."""


def get_owned(session: Session, model: type[T], row_id: str, *, company_id: str) -> T:
    """The row with this id if it belongs to the company; NotFound otherwise."""
    if not ROW_ID.fullmatch(row_id):  # not an id we could have issued: don't ask the database
        raise NotFound(f"{model.__name__} {row_id!r} not found")
    row = session.get(model, row_id)
    if row is None or getattr(row, "company_id", None) != company_id:
        raise NotFound(f"{model.__name__} {row_id!r} not found")
    return row
