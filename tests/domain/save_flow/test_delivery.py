"""Delivery through the real clients (SMTP against a local server, Twilio against a local fake):
what a shopper receives, retries with backoff, FAILED with the error kept, and the fence that
stops a worker whose lease ran out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from cart_admin.channels.base import FenceLost
from cart_admin.channels.email import SmtpEmail
from cart_admin.channels.sms import TwilioSms
from cart_admin.domain.save_flow import delivery
from cart_admin.models import (
    CartIntervention,
    CartSaveAttempt,
    CartSaveStage,
    Channel,
    InterventionStatus,
)
from tests.domain.save_flow.conftest import T0, configure, make_shop, quiet_off
from tests.domain.save_flow.harness import Sim
from tests.fakes.smtp_server import SmtpMode
from tests.fakes.twilio_server import TwilioMode

S = CartSaveStage


def _real(sim: Sim, smtp, twilio) -> None:
    sim.email = SmtpEmail(host="127.0.0.1", port=smtp.port, from_addr="Acme <shop@acme.example>",
                          starttls=False, timeout=2)  # fmt: skip
    sim.sms = TwilioSms(
        account_sid=twilio.account_sid, auth_token=twilio.auth_token,
        from_number="+15555550999", base_url=twilio.base_url, timeout=2,
    )  # fmt: skip


def _rows(engine, stage: S) -> list[CartIntervention]:
    with Session(engine) as s:
        return list(s.exec(select(CartIntervention).where(col(CartIntervention.stage) == stage)))


def test_the_shopper_receives_a_complete_email_and_sms(session, engine, smtp_server, twilio_server):
    shop = make_shop(session, shipping="5.99")
    configure(session, shop.company, quiet_off())
    sim = Sim(engine, now=T0)
    _real(sim, smtp_server, twilio_server)
    sim.run_until(T0 + timedelta(hours=25))  # through the nuclear offer (e-mail + SMS)

    first = smtp_server.messages[0]
    row = _rows(engine, S.PATTERN_INTERRUPT)[0]
    assert first.rcpt_tos == [shop.customer.email]
    assert first.message["Subject"] == "You left Ethiopia Guji behind"
    assert first.message["Message-ID"] == f"<{row.id}.{row.tracking_token[:8]}@cart-admin>"
    unsubscribe = f"https://app.example/u/{row.tracking_token}"
    assert first.message["List-Unsubscribe"] == (
        f"<{unsubscribe}>, <mailto:help@acme.example?subject=unsubscribe>"
    )
    assert first.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert first.message["Reply-To"] == "help@acme.example"
    text, html = first.part("text/plain"), first.part("text/html")
    recovery = f"https://app.example/r/{row.tracking_token}"
    assert "Ethiopia Guji x 2: $18.00" in text and recovery in text and unsubscribe in text
    assert recovery in html and f"https://app.example/t/o/{row.tracking_token}.gif" in html
    assert "Ethiopia Guji &times; 2" in html

    survey = smtp_server.messages[1]
    assert "/s/" in survey.part("text/plain")
    assert survey.part("text/html").count("?reason=") == 8  # one button per reason

    (sms,) = twilio_server.messages
    nuclear_sms = next(r for r in _rows(engine, S.NUCLEAR_OFFER) if r.channel is Channel.SMS)
    assert sms.form["To"] == "+15555550100" and sms.form["From"] == "+15555550999"
    assert sms.form["Body"].startswith("Acme Coffee: our best offer on your cart. Use code SAVE-")
    assert sms.form["Body"].endswith(f"/r/{nuclear_sms.tracking_token} Reply STOP to opt out.")
    assert nuclear_sms.response_data["providerId"].startswith("SM")


def test_transient_errors_retry_with_backoff_then_fail_and_the_flow_moves_on(
    session, engine, smtp_server, twilio_server
):
    shop = make_shop(session)
    configure(session, shop.company, quiet_off())
    sim = Sim(engine, now=T0)
    _real(sim, smtp_server, twilio_server)
    sim.run_until(T0 + timedelta(minutes=80))  # in-app reminder only
    smtp_server.mode = SmtpMode.DATA_451
    sim.run_until(T0 + timedelta(minutes=90))  # the pattern-interrupt e-mail is refused
    (row,) = _rows(engine, S.PATTERN_INTERRUPT)
    assert row.status is InterventionStatus.SCHEDULED and row.delivery_attempts == 1
    assert row.scheduled_at == T0 + timedelta(minutes=91)  # 1 minute later
    assert "451" in row.error_message and row.sent_at is None
    sim.run_until(T0 + timedelta(minutes=91))
    (row,) = _rows(engine, S.PATTERN_INTERRUPT)
    assert row.delivery_attempts == 2 and row.scheduled_at == T0 + timedelta(minutes=96)
    sim.run_until(T0 + timedelta(minutes=96))
    (row,) = _rows(engine, S.PATTERN_INTERRUPT)
    assert row.status is InterventionStatus.FAILED and row.delivery_attempts == 3
    assert "451" in row.error_message
    assert not smtp_server.messages  # refused at the end of DATA: nothing was delivered
    with Session(engine) as s:  # the flow went on to the survey
        assert s.exec(select(CartSaveAttempt)).one().current_stage is S.DIAGNOSIS_SURVEY

    smtp_server.mode = SmtpMode.REJECT_RCPT  # permanent: no retry
    sim.run_until(T0 + timedelta(hours=4))
    (survey,) = _rows(engine, S.DIAGNOSIS_SURVEY)
    assert survey.status is InterventionStatus.FAILED and survey.delivery_attempts == 1


def test_an_sms_timeout_is_not_retried(session, engine, smtp_server, twilio_server):
    """Twilio may have accepted a request that timed out: at most once, never twice."""
    shop = make_shop(session)
    configure(session, shop.company, quiet_off())
    sim = Sim(engine, now=T0)
    _real(sim, smtp_server, twilio_server)
    twilio_server.mode = TwilioMode.HANG
    sim.run_until(T0 + timedelta(hours=25))
    sms = next(r for r in _rows(engine, S.NUCLEAR_OFFER) if r.channel is Channel.SMS)
    assert sms.status is InterventionStatus.FAILED and sms.delivery_attempts == 1
    assert len(twilio_server.requests) == 1


def test_a_worker_whose_lease_ran_out_cannot_send(session, engine, smtp_server, twilio_server):
    shop = make_shop(session)
    configure(session, shop.company, quiet_off())
    sim = Sim(engine, now=T0)
    _real(sim, smtp_server, twilio_server)
    sim.run_until(T0 + timedelta(minutes=80))
    due = T0 + timedelta(minutes=90)
    with Session(engine) as s:
        (slow,) = delivery.claim_due(s, worker="slow", now=due, lease=timedelta(seconds=30))
    later = due + timedelta(seconds=31)  # the slow worker stalled past its lease
    with Session(engine) as s:
        (fast,) = delivery.claim_due(s, worker="fast", now=later)
    assert fast.intervention_id == slow.intervention_id and fast.token == slow.token + 1

    stale = delivery.execute(engine, slow, sim.delivery, now=later)
    assert stale.outcome == "lost" and not smtp_server.messages
    fresh = delivery.execute(engine, fast, sim.delivery, now=later)
    assert fresh.outcome == "sent" and len(smtp_server.messages) == 1
    with Session(engine) as s:
        claims = delivery.claim_due(s, worker="third", now=later + timedelta(minutes=5))
    assert slow.intervention_id not in {c.intervention_id for c in claims}


def test_a_fence_lost_between_preparing_and_sending_delivers_nothing(
    session, engine, smtp_server, twilio_server
):
    """The lease can also run out while the message is being prepared: the fenced commit
    before the end of DATA refuses, and the server discards the unfinished message."""
    shop = make_shop(session)
    configure(session, shop.company, quiet_off())
    sim = Sim(engine, now=T0)
    _real(sim, smtp_server, twilio_server)
    sim.run_until(T0 + timedelta(minutes=80))
    due = T0 + timedelta(minutes=90)
    with Session(engine) as s:
        (claim,) = delivery.claim_due(s, worker="w1", now=due)
    original = sim.email.send

    def steal_then_send(message, **callbacks):
        with Session(engine) as s:  # another worker takes the row over mid-send
            delivery.claim_due(s, worker="w2", now=due + timedelta(hours=1))
        return original(message, **callbacks)

    sim.email.send = steal_then_send  # type: ignore[method-assign]
    result = delivery.execute(engine, claim, sim.delivery, now=due)
    assert result.outcome == "lost" and not smtp_server.messages
    (row,) = _rows(engine, S.PATTERN_INTERRUPT)
    assert row.status is InterventionStatus.SCHEDULED and row.lease_owner == "w2"


def test_an_email_whose_end_got_no_answer_is_not_sent_again(
    session, engine, smtp_server, twilio_server
):
    """After the end of DATA the server may have the message: at most once, never twice."""
    shop = make_shop(session)
    configure(session, shop.company, quiet_off())
    sim = Sim(engine, now=T0)
    _real(sim, smtp_server, twilio_server)
    sim.run_until(T0 + timedelta(minutes=80))
    smtp_server.mode = SmtpMode.HANG_AFTER_DATA
    sim.run_until(T0 + timedelta(minutes=100))
    (row,) = _rows(engine, S.PATTERN_INTERRUPT)
    assert row.status is InterventionStatus.FAILED and row.delivery_attempts == 1
    assert "end of DATA" in row.error_message


def test_commit_holds_and_confirm_commits_around_the_end_of_data(smtp_server):
    """The order the delivery guarantee rests on: commit (the fenced record) before the
    terminator, confirm (the durable commit) after it and before the reply is read."""
    calls: list[tuple[str, int]] = []
    channel = SmtpEmail(host="127.0.0.1", port=smtp_server.port, from_addr="a@b.example",
                        starttls=False, timeout=2)  # fmt: skip
    from cart_admin.channels.email import OutgoingEmail

    message = OutgoingEmail(to="c@d.example", subject="s", text="t", html="<p>h</p>",
                            message_id="<x.1@cart-admin>")  # fmt: skip
    channel.send(
        message,
        commit=lambda: calls.append(("commit", len(smtp_server.messages))) or True,
        confirm=lambda: calls.append(("confirm", 0)),
    )
    assert calls == [("commit", 0), ("confirm", 0)]
    assert len(smtp_server.messages) == 1


def test_an_unexpected_error_is_retried_then_failed_and_the_flow_moves_on(
    session, engine, smtp_server, twilio_server
):
    """Not a channel error (a bug, bad data, a content writer that breaks): the row is retried
    like a transient error, then FAILED; it never loops, and the flow moves on."""
    from cart_admin.domain.save_flow.content import TEMPLATES

    class BrokenWriter:
        name = "broken"

        def write(self, ctx):
            if ctx.stage is S.PATTERN_INTERRUPT:
                raise RuntimeError("the writer broke")
            return TEMPLATES.write(ctx)

    shop = make_shop(session)
    configure(session, shop.company, quiet_off())
    sim = Sim(engine, now=T0)
    _real(sim, smtp_server, twilio_server)
    sim.writer = BrokenWriter()
    sim.run_until(T0 + timedelta(hours=4))
    (row,) = _rows(engine, S.PATTERN_INTERRUPT)
    assert row.status is InterventionStatus.FAILED and row.delivery_attempts == 3
    assert "the writer broke" in row.error_message
    assert [m.message["Subject"] for m in smtp_server.messages] == ["What's holding you back?"]


def test_two_workers_preparing_for_one_shopper_send_once_within_the_cap(
    session, engine, smtp_server, twilio_server
):
    """Two carts of one shopper come due together and two workers prepare both before either
    sends: the caps were checked apart, so the second send checks again, under the shopper's
    lock, sees the first, and is prepared again (deferred) instead of sent."""
    from cart_admin.domain.save_flow.config import SaveFlowConfig
    from tests.factories import make_cart

    shop = make_shop(session)
    config = SaveFlowConfig.model_validate({"holdoutPercent": 0,
                                            "blackoutHours": {"start": 0, "end": 0}})  # fmt: skip
    configure(session, shop.company, config)
    second = make_cart(session, shop.company, shop.customer, items=[(shop.product, 1)],
                       created_at=T0)  # fmt: skip
    session.commit()
    sim = Sim(engine, now=T0)
    _real(sim, smtp_server, twilio_server)
    sim.run_until(T0 + timedelta(minutes=80))  # both in-app reminders; e-mails due at 1 h 30
    due = T0 + timedelta(minutes=90)
    with Session(engine) as s:
        first, other = delivery.claim_due(s, worker="w1", now=due)
    a = delivery.prepare(engine, first, sim.delivery, now=due)
    b = delivery.prepare(engine, other, sim.delivery, now=due)
    assert isinstance(a, delivery._Prepared) and isinstance(b, delivery._Prepared)
    assert a.email is not None and b.email is not None  # both passed the caps on their own

    assert delivery._send_email(engine, first, sim.delivery, a, due).outcome == "sent"
    with pytest.raises(FenceLost):
        delivery._send_email(engine, other, sim.delivery, b, due)
    assert len(smtp_server.messages) == 1
    with Session(engine) as s:
        again = delivery.claim_due(s, worker="w2", now=due)  # handed back at once
    assert [c.intervention_id for c in again] == [other.intervention_id]
    result = delivery.execute(engine, again[0], sim.delivery, now=due)
    assert result.outcome in ("cancelled", "deferred"), result  # skipped or waiting: not sent
    assert len(smtp_server.messages) == 1 and second.id
