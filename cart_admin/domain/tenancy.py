"""Company scoping: the one way admin code fetches a row by id."""

from __future__ import annotations

from typing import TypeVar

from sqlmodel import Session, SQLModel

T = TypeVar("T", bound=SQLModel)


class NotFound(LookupError):
    """No such row for this company (another company's row is 'not found' too)."""


def get_owned(session: Session, model: type[T], row_id: str, *, company_id: str) -> T:
    """The row with this id if it belongs to the company; NotFound otherwise."""
    row = session.get(model, row_id)
    if row is None or getattr(row, "company_id", None) != company_id:
        raise NotFound(f"{model.__name__} {row_id!r} not found")
    return row
