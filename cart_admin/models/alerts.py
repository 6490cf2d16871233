"""Monitoring: each spell of a deployment-plan §10 alert, from the evaluation that opened it
to the one that saw it recover."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from cart_admin.models.base import fk, id_field, timestamp
from cart_admin.models.enums import AlertRule
from cart_admin.models.types import enum_column

OPEN = sa.text("resolved_at IS NULL")


class AlertEvent(SQLModel, table=True):
    """One alert of one company, open (`resolved_at` null) while its rule breaches.

    At most one open event per (company, rule), enforced by a partial unique index on both
    databases, so evaluations running at the same moment in several workers open one. Rates
    are fractions (0.125 is 12.5%).
    """

    __tablename__ = "alert_events"
    __table_args__ = (
        sa.Index(
            "uq_alert_events_one_open",
            "company_id",
            "rule",
            unique=True,
            sqlite_where=OPEN,
            postgresql_where=OPEN,
        ),
        sa.Index("ix_alert_events_company_opened", "company_id", "opened_at"),
    )

    id: str = id_field()
    company_id: str = fk("companies", index=False)  # the indexes below lead with it
    rule: AlertRule = Field(sa_type=enum_column(AlertRule))
    value: float  # the rate that opened it
    threshold: float
    sample_size: int  # carts, calls or interventions the opening rate was measured on
    window_days: int
    opened_at: datetime = timestamp(nullable=False)
    resolved_at: datetime | None = timestamp()
    last_evaluated_at: datetime = timestamp(nullable=False)  # when `last_value` was measured
    last_value: float
    last_sample_size: int
    worst_value: float  # the furthest past the threshold while it was open
