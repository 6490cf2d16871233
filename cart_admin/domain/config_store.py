"""The company's settings row (`cart_save_flow_configs`) that each settings blob lives on, and
the per-field error map every settings form and endpoint shows."""

from __future__ import annotations

from pydantic import ValidationError
from sqlmodel import Session, col, select

from cart_admin.models import CartSaveFlowConfig


def settings_row(session: Session, company_id: str) -> CartSaveFlowConfig | None:
    return session.exec(
        select(CartSaveFlowConfig).where(col(CartSaveFlowConfig.company_id) == company_id)
    ).first()


def settings_row_for_update(session: Session, company_id: str) -> CartSaveFlowConfig:
    return settings_row(session, company_id) or CartSaveFlowConfig(company_id=company_id)


def field_errors(exc: ValidationError, *, fallback: str) -> dict[str, str]:
    """`{"aiCapabilities.maxDiscountPercent": "message"}`: each field's first problem."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or fallback
        errors.setdefault(field, error["msg"].removeprefix("Value error, "))
    return errors
