"""Drive the save flow with an injected clock: jump from one due time to the next, no sleeping."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from cart_admin.channels.email import ConsoleEmail
from cart_admin.channels.sms import ConsoleSms
from cart_admin.domain.save_flow import delivery, detection
from cart_admin.domain.save_flow.content import TEMPLATES, ContentWriter
from cart_admin.models import Cart, CartIntervention, CartStatus, InterventionStatus


@dataclass
class Sim:
    engine: sa.Engine
    now: datetime
    email: ConsoleEmail = field(default_factory=ConsoleEmail)
    sms: ConsoleSms = field(default_factory=ConsoleSms)
    log: list[tuple[datetime, str, dict]] = field(default_factory=list)
    abandonment_minutes: int = 30
    writer: ContentWriter = TEMPLATES

    @property
    def delivery(self) -> delivery.Delivery:
        return delivery.Delivery(
            email=self.email, sms=self.sms, base_url="https://app.example", writer=self.writer
        )

    def tick(self) -> dict[str, int]:
        with Session(self.engine, expire_on_commit=False) as session:
            detection.detect_abandoned(session, now=self.now)
            detection.rescue_stalled(session, now=self.now)
            session.commit()
        counts = delivery.run_due(
            self.engine, self.delivery, worker="test-worker", now_fn=lambda: self.now
        )
        self.log.append((self.now, "tick", counts))
        return counts

    def next_due(self) -> datetime | None:
        """The next moment something happens: a due message or a cart going quiet."""
        with Session(self.engine) as session:
            due = session.exec(
                select(sa.func.min(CartIntervention.scheduled_at)).where(
                    col(CartIntervention.status) == InterventionStatus.SCHEDULED
                )
            ).one()
            quiet = session.exec(
                select(sa.func.min(Cart.last_activity_at)).where(
                    col(Cart.status) == CartStatus.ACTIVE, col(Cart.item_count) > 0
                )
            ).one()
        if quiet is not None:
            idle = quiet + timedelta(minutes=self.abandonment_minutes, seconds=1)
            due = min(due, idle) if due else idle
        return due

    def run_until(self, end: datetime) -> None:
        """Tick at every due time up to `end` (and once at `end`)."""
        for _ in range(500):
            self.tick()
            due = self.next_due()
            if due is None or due > end:
                break
            self.now = max(due, self.now + timedelta(seconds=1))
        self.now = max(self.now, end)
        self.tick()

    def advance(self, delta: timedelta) -> None:
        self.run_until(self.now + delta)
