"""Recovery performance on a hand-built shop, checked against sums worked out by hand, on
SQLite and PostgreSQL: the summary, the channels and the stage funnel."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session

from cart_admin.domain.analytics.recovery import by_channel, by_stage, recovery_summary
from cart_admin.domain.save_flow.engine import new_tracking_token
from cart_admin.models import CartIntervention as Row
from cart_admin.models import CartSaveStage, CartStatus, Channel
from cart_admin.models.types import utcnow
from tests.factories import make_attempt, make_cart, make_company, make_product

NOW = utcnow().replace(microsecond=0)
START, END = NOW - timedelta(days=30), NOW
S = CartSaveStage


def _cart(session, company, product, *, abandoned_days, converted_hours=None, qty=1):
    abandoned = NOW - timedelta(days=abandoned_days)
    converted = abandoned + timedelta(hours=converted_hours) if converted_hours else None
    return make_cart(
        session,
        company,
        status=CartStatus.CONVERTED if converted else CartStatus.ABANDONED,
        items=[(product, qty)],
        created_at=abandoned - timedelta(minutes=40),
        abandoned_at=abandoned,
        converted_at=converted,
    )


def _message(session, attempt, cart, stage, channel, *, sent_days, converted=False) -> None:
    sent = NOW - timedelta(days=sent_days)
    session.add(
        Row(
            company_id=cart.company_id,
            cart_id=cart.id,
            cart_save_attempt_id=attempt.id,
            stage=stage,
            channel=channel,
            channels=[str(channel)],
            tracking_token=new_tracking_token(),
            scheduled_at=sent,
            sent_at=sent,
            converted_at=sent + timedelta(hours=2) if converted else None,
        )
    )
    session.flush()


@pytest.fixture
def shop(session: Session):
    company = make_company(session)
    mug = make_product(session, company, name="Mug", price="20.00")
    # Four carts abandoned in the period: two bought back after 6 h and 30 h ($20 and $40).
    back_fast = _cart(session, company, mug, abandoned_days=5, converted_hours=6)
    back_slow = _cart(session, company, mug, abandoned_days=9, converted_hours=30, qty=2)
    _cart(session, company, mug, abandoned_days=3)
    lost = _cart(session, company, mug, abandoned_days=12)
    _cart(session, company, mug, abandoned_days=45, converted_hours=2)  # before the period
    _cart(session, make_company(session), mug, abandoned_days=5, converted_hours=1)  # not ours

    fast = make_attempt(session, back_fast, started_at=NOW - timedelta(days=5))
    fast.recovered_value = back_fast.grand_total
    slow = make_attempt(session, back_slow, started_at=NOW - timedelta(days=9))
    slow.recovered_value = back_slow.grand_total
    none = make_attempt(session, lost, started_at=NOW - timedelta(days=12))
    session.add_all([fast, slow, none])
    # fast: e-mail at stage 2 converted it; slow: e-mail then SMS at the Nuclear stage did.
    _message(session, fast, back_fast, S.BROWSE_REMINDER, Channel.IN_APP, sent_days=5)
    _message(session, fast, back_fast, S.PATTERN_INTERRUPT, Channel.EMAIL, sent_days=5,
             converted=True)  # fmt: skip
    _message(session, slow, back_slow, S.PATTERN_INTERRUPT, Channel.EMAIL, sent_days=9)
    _message(session, slow, back_slow, S.NUCLEAR_OFFER, Channel.EMAIL, sent_days=8)
    _message(session, slow, back_slow, S.NUCLEAR_OFFER, Channel.SMS, sent_days=8, converted=True)
    _message(session, none, lost, S.PATTERN_INTERRUPT, Channel.EMAIL, sent_days=12)
    _message(session, none, lost, S.PATTERN_INTERRUPT, Channel.SMS, sent_days=40)  # too early
    return company, back_fast, back_slow


def test_recovery_summary(session: Session, shop) -> None:
    company, fast, slow = shop

    summary = recovery_summary(session, company_id=company.id, start=START, end=END)

    assert (summary.abandoned, summary.recovered) == (4, 2)
    assert summary.recovery_rate == 0.5
    assert summary.recovery_value == fast.grand_total + slow.grand_total
    assert summary.avg_hours_to_recovery == pytest.approx(18.0, abs=0.01)  # (6 + 30) / 2


def test_by_channel(session: Session, shop) -> None:
    company, fast, slow = shop

    rows = {r.channel: r for r in by_channel(session, company_id=company.id, start=START, end=END)}

    assert list(rows) == list(Channel)  # every channel, zeros included
    email, sms, in_app = rows[Channel.EMAIL], rows[Channel.SMS], rows[Channel.IN_APP]
    assert (email.attempts, email.conversions, email.revenue) == (4, 1, fast.grand_total)
    assert email.conversion_rate == 0.25
    assert (sms.attempts, sms.conversions, sms.revenue) == (1, 1, slow.grand_total)
    assert (in_app.attempts, in_app.conversions, in_app.revenue) == (1, 0, Decimal("0.00"))
    assert rows[Channel.VOICE].conversion_rate == 0.0  # nothing sent: no division


def test_stage_funnel(session: Session, shop) -> None:
    company, _, _ = shop

    rows = {r.stage: r for r in by_stage(session, company_id=company.id, start=START, end=END)}

    assert list(rows) == list(S)  # the seven stages in flow order
    assert (rows[S.BROWSE_REMINDER].reached, rows[S.BROWSE_REMINDER].converted) == (1, 0)
    # Three attempts reached Pattern interrupt (the lost cart's SMS counts by its attempt).
    assert (rows[S.PATTERN_INTERRUPT].reached, rows[S.PATTERN_INTERRUPT].converted) == (3, 1)
    nuclear = rows[S.NUCLEAR_OFFER]
    assert (nuclear.reached, nuclear.converted, nuclear.conversion_rate) == (1, 1, 1.0)
    assert rows[S.WINBACK_SEQUENCE].reached == 0


def test_an_empty_period(session: Session) -> None:
    company = make_company(session)
    summary = recovery_summary(session, company_id=company.id, start=START, end=END)
    assert (summary.abandoned, summary.recovered, summary.recovery_rate) == (0, 0, 0.0)
    assert summary.avg_hours_to_recovery is None  # nothing recovered: no time to show
    assert all(r.attempts == 0 for r in by_channel(session, company_id=company.id,
                                                   start=START, end=END))  # fmt: skip
