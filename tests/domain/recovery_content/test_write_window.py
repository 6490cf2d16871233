"""While the words are written (Claude may take tens of seconds), the world may change: the
send checks again, in its own transaction, that the shopper still wants the message."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from cart_admin.channels.email import SmtpEmail
from cart_admin.channels.sms import TwilioSms
from cart_admin.domain.save_flow import engine as flow
from cart_admin.domain.save_flow.content import TEMPLATES, ContentContext, InterventionContent
from cart_admin.models import (
    CartIntervention,
    CartSaveAttempt,
    CartSaveStatus,
    Channel,
    Customer,
    InterventionStatus,
)
from cart_admin.models import CartSaveStage as S
from cart_admin.models.types import utcnow
from tests.domain.save_flow.conftest import T0, configure, make_shop, quiet_off
from tests.domain.save_flow.harness import Sim


@dataclass
class SlowWriter:
    """The templates' words, but something happens in the database while they are written
    (as it may during a real request to Claude)."""

    engine: Engine
    meanwhile: str  # "unsubscribe" | "pause" | "withdraw sms consent"
    stage: S
    name: str = "slow"
    done: list[str] = field(default_factory=list)

    def write(self, ctx: ContentContext) -> InterventionContent:
        if ctx.stage is self.stage and not self.done:  # the first message of the stage
            self.done.append(self.meanwhile)
            with Session(self.engine) as s:
                attempt = s.exec(select(CartSaveAttempt)).one()
                customer = s.get(Customer, attempt.customer_id)
                if self.meanwhile == "unsubscribe":
                    customer.unsubscribed_at = utcnow()
                elif self.meanwhile == "withdraw sms consent":
                    customer.sms_consent = False
                else:
                    flow.pause(s, attempt, now=T0 + timedelta(hours=24))
                s.add(customer)
                s.commit()
        return TEMPLATES.write(ctx)


def _wire(sim: Sim, smtp, twilio) -> None:
    sim.email = SmtpEmail(host="127.0.0.1", port=smtp.port, from_addr="Acme <shop@acme.example>",
                          starttls=False, timeout=2)  # fmt: skip
    sim.sms = TwilioSms(
        account_sid=twilio.account_sid, auth_token=twilio.auth_token,
        from_number="+15555550999", base_url=twilio.base_url, timeout=2,
    )  # fmt: skip


@pytest.mark.parametrize("meanwhile", ["unsubscribe", "pause", "withdraw sms consent"])
def test_nothing_is_sent_that_the_shopper_stopped_wanting_while_it_was_written(
    session, engine, smtp_server, twilio_server, meanwhile
):
    shop = make_shop(session)
    configure(session, shop.company, quiet_off())
    sim = Sim(engine, now=T0, writer=SlowWriter(engine, meanwhile, S.NUCLEAR_OFFER))
    _wire(sim, smtp_server, twilio_server)
    sim.run_until(T0 + timedelta(hours=23))
    mails_before = len(smtp_server.messages)
    sim.run_until(T0 + timedelta(hours=24, minutes=35))  # the nuclear offer: e-mail + SMS

    with Session(engine) as s:
        rows = s.exec(
            select(CartIntervention).where(col(CartIntervention.stage) == S.NUCLEAR_OFFER)
        ).all()
        attempt = s.exec(select(CartSaveAttempt)).one()
    sms_sent = [m for m in twilio_server.messages]
    if meanwhile == "withdraw sms consent":
        # The e-mail still goes; the SMS, whose consent went while it was written, does not.
        assert len(smtp_server.messages) == mails_before + 1 and sms_sent == []
        sms = next(r for r in rows if r.channel is Channel.SMS)
        assert sms.status is InterventionStatus.CANCELLED and "consent" in sms.error_message
        return
    assert len(smtp_server.messages) == mails_before and sms_sent == []
    assert all(r.sent_at is None for r in rows)
    if meanwhile == "pause":
        assert attempt.status is CartSaveStatus.PAUSED
        assert all(r.status is InterventionStatus.SCHEDULED for r in rows)  # waits, not lost
    else:
        assert all(r.status is InterventionStatus.CANCELLED for r in rows)
