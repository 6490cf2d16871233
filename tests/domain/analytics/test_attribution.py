"""The attribution window, on SQLite and PostgreSQL: a message's or an offer's revenue counts
only when the order came within the window of the shopper's touch (the click, else the send;
the acceptance, else the showing)."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session

from cart_admin.domain.analytics.attribution import AttributionWindow
from cart_admin.domain.analytics.interventions import intervention_performance
from cart_admin.domain.analytics.recovery import by_channel, by_stage
from cart_admin.domain.save_flow.engine import new_tracking_token
from cart_admin.models import CartIntervention, CartSaveStage, Channel, CheckoutIntervention
from cart_admin.models import CheckoutInterventionStatus as Status
from cart_admin.models import InterventionType as K
from cart_admin.models.types import utcnow
from tests.factories import make_attempt, make_cart, make_company, make_product

NOW = utcnow().replace(microsecond=0)
START, END = NOW - timedelta(days=30), NOW
H = timedelta(hours=1)


@pytest.fixture
def shop(session: Session):
    """Four e-mails, each on its own $30 cart whose order the flow attributed to it:
    clicked, bought 20 h after the click;  clicked 2 days after sending, bought 3 h later;
    clicked, bought 30 h after the click;  never clicked (its code typed), bought 5 h after.
    And three exit offers: accepted and bought 2 h later; accepted, bought 50 h later;
    dismissed, bought an hour later (the offer did not make that sale)."""
    company = make_company(session)
    mug = make_product(session, company, name="Mug", price="30.00")
    steps = itertools.count()

    def email(*, sent_days: int, click_after: timedelta | None, bought_after: timedelta):
        cart = make_cart(session, company, items=[(mug, 1)])
        attempt = make_attempt(session, cart, started_at=NOW - timedelta(days=sent_days))
        attempt.recovered_value = cart.grand_total
        session.add(attempt)
        sent = NOW - timedelta(days=sent_days)
        touch = sent + click_after if click_after is not None else sent
        session.add(
            CartIntervention(
                company_id=company.id, cart_id=cart.id, cart_save_attempt_id=attempt.id,
                stage=CartSaveStage.PATTERN_INTERRUPT, channel=Channel.EMAIL, channels=["EMAIL"],
                step=next(steps), tracking_token=new_tracking_token(), type=K.CART_REMINDER,
                scheduled_at=sent, sent_at=sent,
                clicked_at=touch if click_after is not None else None,
                converted_at=touch + bought_after,
            )
        )  # fmt: skip
        session.flush()

    email(sent_days=10, click_after=H, bought_after=20 * H)
    email(sent_days=10, click_after=48 * H, bought_after=3 * H)
    email(sent_days=10, click_after=H, bought_after=30 * H)
    email(sent_days=10, click_after=None, bought_after=5 * H)

    def offer(*, accepted: bool, bought_after: timedelta):
        cart = make_cart(session, company, items=[(mug, 2)])
        shown = NOW - timedelta(days=6)
        session.add(
            CheckoutIntervention(
                company_id=company.id, cart_id=cart.id, session_id="tab-00000001",
                type=K.EXIT_INTENT, action="APPLY_DISCOUNT",
                status=Status.CONVERTED if accepted else Status.DISMISSED, created_at=shown,
                accepted_at=shown + H if accepted else None,
                dismissed_at=None if accepted else shown + H,
                converted_at=shown + H + bought_after,
            )
        )  # fmt: skip
        session.flush()

    offer(accepted=True, bought_after=2 * H)
    offer(accepted=True, bought_after=50 * H)
    offer(accepted=False, bought_after=H)
    return company


def test_one_day_after_the_touch_by_default(session: Session, shop) -> None:
    email = next(
        r for r in by_channel(session, company_id=shop.id, start=START, end=END)
        if r.channel is Channel.EMAIL
    )  # fmt: skip
    # The 20 h, the 3 h after a late click, and the 5 h after sending: the 30 h one is out.
    assert (email.attempts, email.conversions, email.revenue) == (4, 3, Decimal("90.00"))
    stage = next(
        r for r in by_stage(session, company_id=shop.id, start=START, end=END)
        if r.stage is CartSaveStage.PATTERN_INTERRUPT
    )  # fmt: skip
    assert (stage.reached, stage.converted) == (4, 3)

    rows = {r.type: r for r in intervention_performance(session, company_id=shop.id,
                                                        start=START, end=END)}  # fmt: skip
    assert rows[K.CART_REMINDER].revenue == Decimal("90.00")
    assert rows[K.EXIT_INTENT].revenue == Decimal("60.00")  # the 2 h one; not 50 h after


def test_a_wider_window_counts_the_later_orders(session: Session, shop) -> None:
    three_days = AttributionWindow(72)
    email = next(
        r for r in by_channel(session, company_id=shop.id, start=START, end=END,
                              window=three_days)
        if r.channel is Channel.EMAIL
    )  # fmt: skip
    assert (email.conversions, email.revenue) == (4, Decimal("120.00"))
    performance = intervention_performance(
        session, company_id=shop.id, start=START, end=END, window=three_days
    )
    rows = {r.type: r for r in performance}
    assert rows[K.EXIT_INTENT].revenue == Decimal("120.00")


def test_a_narrow_window(session: Session, shop) -> None:
    four_hours = AttributionWindow(4)
    email = next(
        r for r in by_channel(session, company_id=shop.id, start=START, end=END,
                              window=four_hours)
        if r.channel is Channel.EMAIL
    )  # fmt: skip
    assert (email.conversions, email.revenue) == (1, Decimal("30.00"))  # the 3 h one only


@pytest.mark.parametrize(("hours", "label"), [(24, "1-day click"), (168, "7-day click"),
                                              (36, "36-hour click")])  # fmt: skip
def test_labels(hours: int, label: str) -> None:
    assert AttributionWindow(hours).label == label


@pytest.mark.parametrize("hours", [0, -1, 721])
def test_out_of_range_windows_are_refused(hours: int) -> None:
    with pytest.raises(ValueError, match="1 to 720 hours"):
        AttributionWindow(hours)
