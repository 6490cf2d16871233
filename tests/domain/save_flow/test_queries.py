"""The admin's attempt list and one attempt's timeline, on SQLite and PostgreSQL."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session

from cart_admin.domain.save_flow.queries import AttemptFilters, attempt_timeline, list_attempts
from cart_admin.domain.tenancy import NotFound
from cart_admin.models import (
    CartAbandonmentReason,
    CartIntervention,
    CartSaveAttempt,
    CartSaveStage,
    CartSaveStatus,
    Channel,
    Company,
    InterventionStatus,
)
from tests.factories import make_attempt, make_cart, make_company, make_customer, make_product

T0 = datetime(2026, 6, 10, 14, 0, tzinfo=UTC)


@dataclass
class Attempts:
    company: Company
    other: Company
    ada: CartSaveAttempt  # $36, pattern interrupt, e-mail sent, opened
    bo: CartSaveAttempt  # $90, nuclear offer, e-mail + SMS, shipping cost
    guest: CartSaveAttempt  # $18 guest cart, holdout, completed
    foreign: CartSaveAttempt  # another company's


def _message(session: Session, attempt: CartSaveAttempt, stage: CartSaveStage, channel: Channel,
             at: datetime, **fields) -> CartIntervention:  # fmt: skip
    row = CartIntervention(
        company_id=attempt.company_id,
        cart_id=attempt.cart_id,
        cart_save_attempt_id=attempt.id,
        stage=stage,
        channel=channel,
        channels=[str(channel)],
        tracking_token=secrets.token_hex(8),
        scheduled_at=at,
        **fields,
    )
    session.add(row)
    session.commit()
    return row


@pytest.fixture
def attempts(session: Session) -> Attempts:
    company = make_company(session)
    other = make_company(session)
    product = make_product(session, company, name="Ethiopia Guji", price="18.00")
    ada = make_customer(session, company, first_name="Ada", last_name="Lovelace",
                        email="ada@mail.example")  # fmt: skip
    bo = make_customer(session, company, first_name="Bo", last_name="Diddley",
                       email="bo@mail.example")  # fmt: skip

    cart_a = make_cart(session, company, ada, items=[(product, 2)], abandoned_at=T0)
    a = make_attempt(session, cart_a, stage=CartSaveStage.PATTERN_INTERRUPT, started_at=T0)
    a.stage_history = [
        {"stage": "BROWSE_REMINDER", "enteredAt": T0.isoformat(), "previousStage": None},
        {"stage": "PATTERN_INTERRUPT", "enteredAt": (T0 + timedelta(minutes=15)).isoformat(),
         "previousStage": "BROWSE_REMINDER"},
    ]  # fmt: skip
    session.add(a)
    _message(session, a, CartSaveStage.BROWSE_REMINDER, Channel.IN_APP,
             T0 + timedelta(minutes=15), status=InterventionStatus.SENT,
             sent_at=T0 + timedelta(minutes=15))  # fmt: skip
    _message(session, a, CartSaveStage.PATTERN_INTERRUPT, Channel.EMAIL, T0 + timedelta(hours=1),
             status=InterventionStatus.OPENED, sent_at=T0 + timedelta(hours=1),
             opened_at=T0 + timedelta(hours=2),
             content={"subject": "You left Ethiopia Guji behind", "headline": "Your cart is saved",
                      "body": "Hi Ada, here is what you picked."})  # fmt: skip

    cart_b = make_cart(session, company, bo, items=[(product, 5)], abandoned_at=T0,
                       created_at=T0 + timedelta(hours=1))  # fmt: skip
    b = make_attempt(session, cart_b, stage=CartSaveStage.NUCLEAR_OFFER,
                     started_at=T0 + timedelta(hours=1))  # fmt: skip
    b.diagnosis_reason = CartAbandonmentReason.SHIPPING_COST
    session.add(b)
    _message(session, b, CartSaveStage.NUCLEAR_OFFER, Channel.EMAIL, T0 + timedelta(days=1),
             status=InterventionStatus.SENT, sent_at=T0 + timedelta(days=1), offer_code="SAVE-ABCD",
             offer_included={"label": "30% off", "code": "SAVE-ABCD"})  # fmt: skip
    _message(session, b, CartSaveStage.NUCLEAR_OFFER, Channel.SMS, T0 + timedelta(days=1),
             status=InterventionStatus.FAILED, error_message="TwilioError: unreachable",
             response_data={"deferred": "quiet hours",
                            "deferredUntil": (T0 + timedelta(hours=18)).isoformat()})  # fmt: skip

    cart_g = make_cart(session, company, items=[(product, 1)], abandoned_at=T0,
                       created_at=T0 + timedelta(hours=2))  # fmt: skip
    cart_g.email = "walk-in@mail.example"
    session.add(cart_g)
    g = make_attempt(session, cart_g, status=CartSaveStatus.COMPLETED, is_holdout=True,
                     started_at=T0 + timedelta(hours=2))  # fmt: skip

    foreign_product = make_product(session, other, price="99.00")
    foreign_cart = make_cart(session, other, items=[(foreign_product, 1)], abandoned_at=T0)
    foreign = make_attempt(session, foreign_cart, stage=CartSaveStage.NUCLEAR_OFFER,
                           started_at=T0 + timedelta(hours=3))  # fmt: skip
    _message(session, foreign, CartSaveStage.NUCLEAR_OFFER, Channel.SMS, T0,
             status=InterventionStatus.SENT, sent_at=T0)  # fmt: skip
    session.commit()
    return Attempts(company, other, a, b, g, foreign)


def _ids(session: Session, attempts: Attempts, **filters) -> list[str]:
    page = list_attempts(session, attempts.company.id, AttemptFilters(**filters))
    return [row.id for row in page.rows]


def test_list_is_newest_first_with_counts(session: Session, attempts: Attempts) -> None:
    page = list_attempts(session, attempts.company.id)
    assert page.total == 3
    assert [r.id for r in page.rows] == [attempts.guest.id, attempts.bo.id, attempts.ada.id]
    guest, bo, ada = page.rows
    assert (ada.customer_name, ada.customer_email) == ("Ada Lovelace", "ada@mail.example")
    assert (ada.cart_value, ada.messages_sent, ada.stage) == (
        Decimal("36.00"),
        2,
        CartSaveStage.PATTERN_INTERRUPT,
    )
    assert bo.messages_sent == 1  # the failed SMS was never sent
    assert bo.reason is CartAbandonmentReason.SHIPPING_COST
    assert (guest.customer_name, guest.customer_email) == ("Guest", "walk-in@mail.example")
    assert guest.is_holdout and guest.messages_sent == 0


def test_filters(session: Session, attempts: Attempts) -> None:
    a, b, g = attempts.ada.id, attempts.bo.id, attempts.guest.id
    assert _ids(session, attempts, stage=CartSaveStage.NUCLEAR_OFFER) == [b]
    assert _ids(session, attempts, status=CartSaveStatus.COMPLETED) == [g]
    assert _ids(session, attempts, channel=Channel.SMS) == [b]
    assert _ids(session, attempts, channel=Channel.EMAIL) == [b, a]
    assert _ids(session, attempts, reason=CartAbandonmentReason.SHIPPING_COST) == [b]
    assert _ids(session, attempts, min_value=Decimal("30")) == [b, a]
    assert _ids(session, attempts, max_value=Decimal("36")) == [g, a]
    assert _ids(session, attempts, min_value=Decimal("30"), max_value=Decimal("50")) == [a]
    assert _ids(session, attempts, search="LOVELACE") == [a]
    assert _ids(session, attempts, search="bo@mail") == [b]
    assert _ids(session, attempts, search="ada lovelace") == [a]
    assert _ids(session, attempts, search="walk-in") == [g]  # a guest's cart e-mail
    assert _ids(session, attempts, search="%") == []  # wildcards are literal
    assert _ids(session, attempts, search="nobody") == []


def test_the_dashboard_drill_down_filters(session: Session, attempts: Attempts) -> None:
    a, b, g = attempts.ada.id, attempts.bo.id, attempts.guest.id
    # Reached a stage = sent a message of it (Bo's failed SMS alone would not count).
    assert _ids(session, attempts, reached_stage=CartSaveStage.BROWSE_REMINDER) == [a]
    assert _ids(session, attempts, reached_stage=CartSaveStage.NUCLEAR_OFFER) == [b]
    assert _ids(session, attempts, reached_stage=CartSaveStage.WINBACK_SEQUENCE) == []
    # Started in [from, before): Ada at T0, Bo an hour later, the guest two hours later.
    hour = timedelta(hours=1)
    assert _ids(session, attempts, started_from=T0 + hour) == [g, b]
    assert _ids(session, attempts, started_before=T0 + hour) == [a]
    assert _ids(session, attempts, started_from=T0, started_before=T0 + 2 * hour) == [b, a]
    assert _ids(session, attempts, holdout=True) == [g]
    assert _ids(session, attempts, holdout=False) == [b, a]


def test_paging_counts_every_match(session: Session, attempts: Attempts) -> None:
    first = list_attempts(session, attempts.company.id, limit=2, offset=0)
    second = list_attempts(session, attempts.company.id, limit=2, offset=2)
    assert (first.total, second.total) == (3, 3)
    assert [r.id for r in first.rows] == [attempts.guest.id, attempts.bo.id]
    assert [r.id for r in second.rows] == [attempts.ada.id]
    filtered = list_attempts(
        session, attempts.company.id, AttemptFilters(channel=Channel.EMAIL), limit=1
    )
    assert (filtered.total, len(filtered.rows)) == (2, 1)


def test_other_companies_are_invisible(session: Session, attempts: Attempts) -> None:
    other = list_attempts(session, attempts.other.id)
    assert [r.id for r in other.rows] == [attempts.foreign.id]
    with pytest.raises(NotFound):
        attempt_timeline(session, attempts.company.id, attempts.foreign.id)
    with pytest.raises(NotFound):
        attempt_timeline(session, attempts.other.id, attempts.ada.id)
    with pytest.raises(NotFound):
        attempt_timeline(session, attempts.company.id, "not-an-id")


def test_timeline(session: Session, attempts: Attempts) -> None:
    ada = attempt_timeline(session, attempts.company.id, attempts.ada.id)
    assert (ada.customer_name, ada.customer_email) == ("Ada Lovelace", "ada@mail.example")
    assert [(line.name, line.quantity, line.unit_price) for line in ada.lines] == [
        ("Ethiopia Guji", 2, Decimal("18.00"))
    ]
    assert [s.stage for s in ada.stages] == [
        CartSaveStage.BROWSE_REMINDER,
        CartSaveStage.PATTERN_INTERRUPT,
    ]
    assert ada.stages[1].previous is CartSaveStage.BROWSE_REMINDER
    assert ada.stages[1].entered_at == T0 + timedelta(minutes=15)
    browse, email = ada.messages
    assert (browse.channel, email.channel) == (Channel.IN_APP, Channel.EMAIL)
    assert email.subject == "You left Ethiopia Guji behind"
    assert email.body == "Hi Ada, here is what you picked."
    assert email.opened_at == T0 + timedelta(hours=2)

    bo = attempt_timeline(session, attempts.company.id, attempts.bo.id)
    by_channel = {m.channel: m for m in bo.messages}
    assert (by_channel[Channel.EMAIL].offer_code, by_channel[Channel.EMAIL].offer_label) == (
        "SAVE-ABCD",
        "30% off",
    )
    sms = by_channel[Channel.SMS]
    assert sms.status is InterventionStatus.FAILED
    assert sms.error == "TwilioError: unreachable"
    assert sms.deferred == "quiet hours until Jun 11, 08:00 UTC"
