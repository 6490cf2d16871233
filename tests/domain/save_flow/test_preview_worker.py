"""The preview and the real worker agree: the sample cart run through detection and delivery
on a database, on an injected clock, gets the same messages at the same moments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from cart_admin.domain.save_flow.config import SaveFlowConfig, parse_config, save_config
from cart_admin.domain.save_flow.preview import SampleShopper, preview_schedule
from cart_admin.models import CartIntervention, Channel, InterventionStatus
from tests.domain.save_flow.harness import Sim
from tests.factories import make_cart, make_company, make_customer, make_product

ABANDONED = datetime(2026, 6, 10, 14, 0, tzinfo=UTC)  # 10:00 AM in New York


def _worker_run(session: Session, engine, config: SaveFlowConfig) -> list[tuple]:
    sample = SampleShopper()
    company = make_company(session, "Acme Coffee")
    save_config(session, company.id, config)
    session.commit()
    customer = make_customer(
        session,
        company,
        first_name=sample.first_name,
        last_name=sample.last_name,
        email=sample.email,
        phone=sample.phone,
        timezone=sample.timezone,
        email_consent=True,
        sms_consent=True,
    )
    products = [
        (make_product(session, company, name=item.name, price=str(item.unit_price)), item.quantity)
        for item in sample.items
    ]
    idle_from = ABANDONED - timedelta(minutes=config.abandonment_minutes)
    make_cart(
        session,
        company,
        customer,
        items=products,
        created_at=idle_from,
        shipping_total=sample.shipping_total,
    )
    sim = Sim(engine, now=ABANDONED + timedelta(seconds=1))
    sim.run_until(ABANDONED + timedelta(days=30))
    session.expire_all()
    rows = session.exec(select(CartIntervention).order_by(col(CartIntervention.created_at))).all()
    return sorted(
        (
            row.stage,
            row.step,
            row.channel,
            row.sent_at,
            row.content.get("subject") if row.sent_at and row.channel is Channel.EMAIL else None,
            (row.offer_included or {}).get("label") if row.sent_at else None,
        )
        for row in rows
        if row.status is not InterventionStatus.SCHEDULED
    )


def _preview(config: SaveFlowConfig) -> list[tuple]:
    messages = preview_schedule(config, abandoned_at=ABANDONED, company_name="Acme Coffee")
    return sorted(
        (
            m.stage,
            m.step,
            m.channel,
            m.at if m.sent else None,
            m.subject or None if m.sent else None,
            m.offer or None if m.sent else None,
        )
        for m in messages
    )


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"maxAttemptsPerCart": 4, "stages": {"patternInterrupt": {"channels": ["EMAIL", "SMS"]}}},
        {"frequencyCaps": {"emailHours": 2}, "blackoutHours": {"start": 20, "end": 9}},
    ],
    ids=["defaults", "sms-and-limit", "short-cap"],
)
def test_the_preview_matches_the_worker(session: Session, engine, changes: dict) -> None:
    config = parse_config({"holdoutPercent": 0, **changes})
    worker = _worker_run(session, engine, config)
    preview = _preview(config)
    assert worker == preview
    assert sum(1 for row in worker if row[3] is not None) >= 4
