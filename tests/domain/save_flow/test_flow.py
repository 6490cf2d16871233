"""The 7-stage flow driven by an injected clock: stages, timing, branches, pauses, endings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from cart_admin.domain import storefront as shop_domain
from cart_admin.domain.save_flow import engine as flow
from cart_admin.domain.save_flow import links
from cart_admin.domain.save_flow.config import SaveFlowConfig
from cart_admin.domain.save_flow.stages import STAGES
from cart_admin.models import (
    Cart,
    CartAbandonmentReason,
    CartIntervention,
    CartSaveAttempt,
    CartSaveOutcome,
    CartSaveStage,
    CartSaveStatus,
    CartStatus,
    Channel,
    DiscountCode,
    InterventionStatus,
)
from tests.domain.save_flow.conftest import T0, configure, make_shop, quiet_off
from tests.factories import make_cart

S = CartSaveStage


def rows(session: Session, cart_id: str) -> list[CartIntervention]:
    session.expire_all()
    return list(
        session.exec(
            select(CartIntervention)
            .where(col(CartIntervention.cart_id) == cart_id)
            .order_by(
                col(CartIntervention.scheduled_at),
                col(CartIntervention.step),
                col(CartIntervention.channel),
            )
        ).all()
    )


def attempt_of(session: Session, cart_id: str) -> CartSaveAttempt:
    session.expire_all()
    return session.exec(select(CartSaveAttempt).where(CartSaveAttempt.cart_id == cart_id)).one()


def test_a_quiet_cart_goes_through_all_seven_stages_at_their_delays(session, shop, sim):
    configure(session, shop.company, quiet_off())
    sim.run_until(T0 + timedelta(days=20))

    attempt = attempt_of(session, shop.cart.id)
    abandoned = T0 + timedelta(minutes=30)  # 30 minutes without activity
    assert [h["stage"] for h in attempt.stage_history] == [s.stage for s in STAGES]
    assert (
        attempt.status is CartSaveStatus.EXHAUSTED and attempt.outcome is CartSaveOutcome.EXHAUSTED
    )
    sent = [(r.stage, r.step, r.channel, r.sent_at) for r in rows(session, shop.cart.id)
            if r.status is InterventionStatus.SENT]  # fmt: skip
    winback = [abandoned + timedelta(minutes=4320) + timedelta(days=3.5) * i for i in range(5)]
    assert sent == [
        (S.BROWSE_REMINDER, 0, Channel.IN_APP, abandoned + timedelta(minutes=15)),
        (S.PATTERN_INTERRUPT, 0, Channel.EMAIL, abandoned + timedelta(minutes=60)),
        (S.DIAGNOSIS_SURVEY, 0, Channel.EMAIL, abandoned + timedelta(minutes=180)),
        (S.BRANCHING_INTERVENTION, 0, Channel.EMAIL, abandoned + timedelta(minutes=360)),
        (S.NUCLEAR_OFFER, 0, Channel.EMAIL, abandoned + timedelta(minutes=1440)),
        (S.NUCLEAR_OFFER, 0, Channel.SMS, abandoned + timedelta(minutes=1440)),
        (S.LOSS_VISUALIZATION, 0, Channel.EMAIL, abandoned + timedelta(minutes=2880)),
        *[(S.WINBACK_SEQUENCE, i, Channel.EMAIL, at) for i, at in enumerate(winback[:3])],
    ]
    # maxAttemptsPerCart (10) ends the sequence: the last two win-back e-mails are cancelled.
    cancelled = [r for r in rows(session, shop.cart.id) if r.status is InterventionStatus.CANCELLED]
    assert [(r.stage, r.step) for r in cancelled] == [
        (S.WINBACK_SEQUENCE, 3),
        (S.WINBACK_SEQUENCE, 4),
    ]
    assert cancelled[0].error_message == "maxAttemptsPerCart reached."
    assert len(sim.email.outbox) == 8 and len(sim.sms.outbox) == 1
    subjects = [m.subject for m in sim.email.outbox]
    assert subjects[0] == "You left Ethiopia Guji behind"
    assert subjects[1] == "What's holding you back?"
    assert subjects[3].startswith("Our best offer: 30% off")


def test_default_caps_and_quiet_hours_shape_the_schedule(session, shop, sim):
    """Defaults: one e-mail per 16 h, quiet 22-08 in New York. The survey e-mail would wait
    past the branch's due time, so it is skipped; the branch waits for the cap and the night."""
    configure(session, shop.company, SaveFlowConfig(holdout_percent=0))
    sim.run_until(T0 + timedelta(days=4))
    by_stage = {(r.stage, r.channel): r for r in rows(session, shop.cart.id)}
    pattern = by_stage[S.PATTERN_INTERRUPT, Channel.EMAIL]
    survey = by_stage[S.DIAGNOSIS_SURVEY, Channel.EMAIL]
    branch = by_stage[S.BRANCHING_INTERVENTION, Channel.EMAIL]
    assert pattern.sent_at == T0 + timedelta(minutes=90)
    assert survey.status is InterventionStatus.CANCELLED
    assert survey.error_message == "Frequency cap: the next stage comes first."
    # cap clears 16 h after 15:30 UTC = 07:30 UTC = 03:30 in New York: quiet until 08:00 EDT
    assert branch.sent_at == T0.replace(hour=12) + timedelta(days=1)
    assert branch.response_data["deferred"] == "quiet hours"


@pytest.mark.parametrize(
    ("zone", "abandon_hour_utc", "expected_local_hour"),
    [
        ("America/Los_Angeles", 6, 8),  # 22:30 in LA the evening before: waits for 08:00
        ("Europe/Berlin", 22, 8),  # 23:30 in Berlin
        ("Asia/Tokyo", 14, 8),  # 23:30 in Tokyo
    ],
)
def test_quiet_hours_follow_the_shoppers_own_time_zone(
    session, engine, zone, abandon_hour_utc, expected_local_hour
):
    from zoneinfo import ZoneInfo

    from tests.domain.save_flow.harness import Sim

    start = T0.replace(hour=abandon_hour_utc) - timedelta(minutes=60)
    shop = make_shop(session, timezone=zone, at=start)
    configure(session, shop.company, quiet_off(blackoutHours={"start": 22, "end": 8}))
    sim = Sim(engine, now=start)
    sim.run_until(start + timedelta(hours=14))
    email = next(r for r in rows(session, shop.cart.id) if r.stage is S.PATTERN_INTERRUPT)
    local = email.sent_at.astimezone(ZoneInfo(zone))
    assert (local.hour, local.minute) == (expected_local_hour, 0)
    assert email.response_data["deferred"] == "quiet hours"  # delayed, not dropped
    in_app = next(r for r in rows(session, shop.cart.id) if r.stage is S.BROWSE_REMINDER)
    assert in_app.sent_at == start + timedelta(minutes=45)  # the drawer is not an interruption


@pytest.mark.parametrize(
    ("reason", "kind", "offer", "words"),
    [
        (
            CartAbandonmentReason.TOO_EXPENSIVE,
            "PERCENTAGE_DISCOUNT",
            "10% off",
            "Here's 10% off your order",
        ),
        (CartAbandonmentReason.SHIPPING_COST, "FREE_SHIPPING", "Free shipping", "Free shipping"),
        (CartAbandonmentReason.NEED_MORE_INFO, "REVIEWS_SHOWCASE", None, "412 customers"),
        (CartAbandonmentReason.COMPARING_OPTIONS, "UNIQUE_VALUE", None, "choose us"),
        (CartAbandonmentReason.SAVING_FOR_LATER, "WISHLIST_SAVE", None, "saved your cart"),
        (CartAbandonmentReason.JUST_BROWSING, "WISHLIST_SAVE", None, "whenever you're ready"),
        (CartAbandonmentReason.PAYMENT_ISSUES, "LIVE_CHAT", None, "trouble paying"),
        (
            CartAbandonmentReason.OTHER,
            "PERCENTAGE_DISCOUNT",
            "10% off",
            "Here's 10% off to help you decide",
        ),
    ],
)
def test_a_survey_answer_sends_its_branch_right_away(session, engine, reason, kind, offer, words):
    from tests.domain.save_flow.harness import Sim

    shop = make_shop(session, shipping="5.99")
    configure(session, shop.company, quiet_off())
    sim = Sim(engine, now=T0)
    sim.run_until(T0 + timedelta(hours=4))  # the survey went out at 3 h 30
    survey = next(r for r in rows(session, shop.cart.id) if r.stage is S.DIAGNOSIS_SURVEY)
    assert survey.status is InterventionStatus.SENT and "/s/" in survey.content["surveyUrl"]
    links.answer_survey(session, survey, reason=reason, comment="hmm", now=sim.now)
    session.commit()
    sim.tick()
    branch = next(r for r in rows(session, shop.cart.id) if r.stage is S.BRANCHING_INTERVENTION)
    assert branch.sent_at == sim.now  # not at 6 h: the shopper is listening now
    assert branch.type == kind
    assert (branch.offer_included or {}).get("label") == offer
    message = sim.email.outbox[-1]
    assert words in message.text
    if offer:
        code = session.exec(
            select(DiscountCode).where(DiscountCode.code == branch.offer_code)
        ).one()
        assert code.cart_id == shop.cart.id and code.max_uses == 1 and code.expires_at is not None
        assert branch.offer_code in message.text
    attempt = attempt_of(session, shop.cart.id)
    assert attempt.diagnosis_reason is reason and attempt.diagnosis_answers["comment"] == "hmm"


def test_unsubscribing_stops_email_and_sms_but_not_the_drawer(session, shop, sim):
    configure(session, shop.company, quiet_off())
    sim.run_until(T0 + timedelta(hours=2))
    pattern = next(r for r in rows(session, shop.cart.id) if r.stage is S.PATTERN_INTERRUPT)
    links.unsubscribe(session, pattern, now=sim.now)
    session.commit()
    sent_before = len(sim.email.outbox)
    sim.run_until(T0 + timedelta(days=20))
    assert len(sim.email.outbox) == sent_before and not sim.sms.outbox
    later = [
        r for r in rows(session, shop.cart.id) if r.scheduled_at > sim.now - timedelta(days=19)
    ]
    email_sms = [r for r in later if r.channel in (Channel.EMAIL, Channel.SMS)]
    assert email_sms and all(r.status is InterventionStatus.CANCELLED for r in email_sms)
    assert {r.error_message for r in email_sms} <= {"Unsubscribed.", "No e-mail consent."}


def test_a_purchase_mid_flow_ends_it_and_nothing_more_is_sent(session, shop, sim):
    configure(session, shop.company, quiet_off())
    sim.run_until(T0 + timedelta(hours=5))
    assert len(sim.email.outbox) == 2
    session.expire_all()
    cart = session.get(Cart, shop.cart.id)
    shop_domain.convert_cart(session, cart=cart, now=sim.now)
    session.commit()
    sim.run_until(T0 + timedelta(days=20))
    assert len(sim.email.outbox) == 2 and not sim.sms.outbox
    attempt = attempt_of(session, shop.cart.id)
    assert attempt.status is CartSaveStatus.COMPLETED
    assert attempt.outcome is CartSaveOutcome.SAVED_WITHOUT_DISCOUNT
    assert attempt.recovered_value == cart.grand_total
    converted = [r for r in rows(session, shop.cart.id) if r.converted_at is not None]
    assert [r.stage for r in converted] == [S.DIAGNOSIS_SURVEY]  # the last message sent


def test_buying_with_the_flow_code_is_a_save_with_discount(session, shop, sim):
    configure(session, shop.company, quiet_off())
    sim.run_until(T0 + timedelta(hours=26))  # the nuclear offer went out at 24 h 30
    nuclear = next(r for r in rows(session, shop.cart.id) if r.stage is S.NUCLEAR_OFFER)
    store = shop_domain.storefront_for_key(session, public_key=shop.page.public_key)
    session.expire_all()
    cart = session.get(Cart, shop.cart.id)
    priced = shop_domain.apply_discount(session, store=store, cart=cart, code=nuclear.offer_code,
                                        now=sim.now)  # fmt: skip
    assert priced.totals.discount_total == cart.subtotal * 30 / 100
    attempt = attempt_of(session, shop.cart.id)
    assert attempt.status is CartSaveStatus.PAUSED  # the shopper is back in the drawer
    shop_domain.convert_cart(session, cart=cart, now=sim.now)
    session.commit()
    attempt = attempt_of(session, shop.cart.id)
    assert attempt.outcome is CartSaveOutcome.SAVED_WITH_DISCOUNT
    assert attempt.accepted_offer["code"] == nuclear.offer_code
    # The code was single-use and bound to this cart.
    other = make_cart(session, shop.company, shop.customer, items=[(shop.product, 1)])
    with pytest.raises(Exception, match="belongs to another cart"):
        shop_domain.apply_discount(session, store=store, cart=other, code=nuclear.offer_code,
                                   now=sim.now)  # fmt: skip


def test_a_purchase_on_another_cart_of_the_same_shopper_stops_the_flow(session, shop, sim):
    configure(session, shop.company, quiet_off())
    sim.run_until(T0 + timedelta(hours=2))
    other = make_cart(session, shop.company, shop.customer, items=[(shop.product, 1)],
                      created_at=sim.now)  # fmt: skip
    shop_domain.convert_cart(session, cart=other, now=sim.now)
    session.commit()
    sent = len(sim.email.outbox)
    sim.run_until(T0 + timedelta(days=20))
    assert len(sim.email.outbox) == sent
    attempt = attempt_of(session, shop.cart.id)
    assert attempt.outcome is CartSaveOutcome.CANCELLED
    assert attempt.attempt_metadata["completionNote"] == "The shopper bought on another cart."


def test_the_conversion_check_runs_right_before_the_send(session, shop, sim):
    """Even when the purchase is recorded without the flow hearing of it (e.g. another
    process), the message due next is cancelled at send time."""
    configure(session, shop.company, quiet_off())
    sim.run_until(T0 + timedelta(hours=2))
    other = make_cart(
        session, shop.company, shop.customer, items=[(shop.product, 1)], created_at=sim.now,
        status=CartStatus.CONVERTED, converted_at=sim.now,
    )  # fmt: skip
    session.commit()
    sim.run_until(T0 + timedelta(hours=4))
    survey = next(r for r in rows(session, shop.cart.id) if r.stage is S.DIAGNOSIS_SURVEY)
    assert survey.status is InterventionStatus.CANCELLED
    assert survey.error_message == "The shopper bought on another cart."
    assert other.id


def test_returning_shopper_pauses_the_flow_and_it_resumes_shifted(session, shop, sim):
    configure(session, shop.company, quiet_off())
    sim.run_until(T0 + timedelta(minutes=50))  # abandoned at 30, browse reminder at 45
    store = shop_domain.storefront_for_key(session, public_key=shop.page.public_key)
    session.expire_all()
    cart = session.get(Cart, shop.cart.id)
    shop_domain.set_quantity(session, store=store, cart=cart, product_id=shop.product.id,
                             quantity=3, now=sim.now)  # fmt: skip
    session.commit()
    assert attempt_of(session, shop.cart.id).status is CartSaveStatus.PAUSED
    sim.run_until(T0 + timedelta(minutes=79))  # active: nothing is sent
    assert not sim.email.outbox
    sim.run_until(T0 + timedelta(hours=3))  # quiet again at 1 h 20: resumed, shifted by 50 min
    attempt = attempt_of(session, shop.cart.id)
    assert attempt.status is CartSaveStatus.IN_PROGRESS
    pattern = next(r for r in rows(session, shop.cart.id) if r.stage is S.PATTERN_INTERRUPT)
    assert pattern.sent_at == T0 + timedelta(minutes=90 + 30)


def test_once_per_cart(session, shop):
    first = flow.initiate(session, cart=shop.cart, now=T0)
    session.commit()
    assert flow.initiate(session, cart=shop.cart, now=T0 + timedelta(hours=1)).id == first.id
    duplicate = CartSaveAttempt(
        company_id=shop.company.id, cart_id=shop.cart.id, current_stage=S.BROWSE_REMINDER,
        cart_value=shop.cart.grand_total,
    )  # fmt: skip
    session.add(duplicate)
    with pytest.raises(Exception, match=r"(?i)unique"):
        session.flush()
    session.rollback()


def test_the_holdout_group_is_measured_but_never_contacted(session, engine):
    from tests.domain.save_flow.harness import Sim

    shop = make_shop(session)
    configure(session, shop.company, quiet_off(holdoutPercent=50))  # 10 by default
    carts = [make_cart(session, shop.company, None, items=[(shop.product, 1)], created_at=T0)
             for _ in range(30)]  # fmt: skip
    for cart in carts:
        cart.email = f"{cart.id}@guest.example"
    session.commit()
    Sim(engine, now=T0).run_until(T0 + timedelta(days=1))
    attempts = session.exec(select(CartSaveAttempt)).all()
    held = [a for a in attempts if a.is_holdout]
    assert 5 <= len(held) <= 25
    assert all(a.is_holdout == (flow.holdout_bucket(a.cart_id) < 50) for a in attempts)
    contacted = {r.cart_save_attempt_id for r in session.exec(select(CartIntervention)).all()}
    assert contacted.isdisjoint({a.id for a in held})
    assert contacted == {a.id for a in attempts if not a.is_holdout}


def test_a_cart_found_late_starts_at_the_stage_whose_window_is_open(session, shop):
    shop.cart.last_activity_at = T0 - timedelta(hours=8, minutes=30)
    shop.cart.abandoned_at = T0 - timedelta(hours=8)  # detection was off for hours
    session.commit()
    attempt = flow.initiate(session, cart=shop.cart, now=T0)
    assert attempt.current_stage is S.BRANCHING_INTERVENTION  # 8 h: between 6 h and 24 h
    checkout = make_cart(session, shop.company, shop.customer, items=[(shop.product, 1)],
                         created_at=T0)  # fmt: skip
    checkout.checkout_started_at = T0
    assert flow.initiate(session, cart=checkout, now=T0).current_stage is S.PATTERN_INTERRUPT


def test_a_guest_who_unsubscribes_gets_nothing_more(session, engine):
    from tests.domain.save_flow.harness import Sim

    shop = make_shop(session)
    configure(session, shop.company, quiet_off())
    guest = make_cart(session, shop.company, None, items=[(shop.product, 1)], created_at=T0)
    guest.email = "Guest@Mail.example"
    session.commit()
    sim = Sim(engine, now=T0)
    sim.run_until(T0 + timedelta(hours=2))
    first = next(r for r in rows(session, guest.id) if r.channel is Channel.EMAIL)
    assert first.status is InterventionStatus.SENT
    links.unsubscribe(session, first, now=sim.now)
    session.commit()
    before = [m for m in sim.email.outbox if m.to == guest.email]
    sim.run_until(T0 + timedelta(days=20))
    assert [m for m in sim.email.outbox if m.to == guest.email] == before
    cutoff = sim.now - timedelta(days=19)
    later = [r for r in rows(session, guest.id)
             if r.channel is Channel.EMAIL and r.scheduled_at > cutoff]  # fmt: skip
    assert later and {r.error_message for r in later} <= {"No e-mail consent.", "Unsubscribed."}


def test_a_purchase_while_the_cart_sat_idle_stops_the_flow(session, shop, sim):
    """Bought on another cart 10 minutes after leaving this one (before it counted as
    abandoned): nothing is sent about this cart."""
    configure(session, shop.company, quiet_off())
    other = make_cart(
        session, shop.company, shop.customer, items=[(shop.product, 1)], created_at=T0,
        status=CartStatus.CONVERTED, converted_at=T0 + timedelta(minutes=10),
    )  # fmt: skip
    session.commit()
    sim.run_until(T0 + timedelta(days=3))
    assert not sim.email.outbox and not sim.sms.outbox
    attempt = attempt_of(session, shop.cart.id)
    assert attempt.outcome is CartSaveOutcome.CANCELLED and other.id


def test_a_purchase_after_the_last_message_still_counts(session, shop, sim):
    """The flow sent everything (EXHAUSTED); a purchase within a week is its result."""
    configure(session, shop.company, quiet_off(stages={"winbackSequence": {"enabled": False}}))
    sim.run_until(T0 + timedelta(hours=50))
    attempt = attempt_of(session, shop.cart.id)
    assert attempt.status is CartSaveStatus.EXHAUSTED
    nuclear = next(r for r in rows(session, shop.cart.id) if r.stage is S.NUCLEAR_OFFER)
    store = shop_domain.storefront_for_key(session, public_key=shop.page.public_key)
    session.expire_all()
    cart = session.get(Cart, shop.cart.id)
    shop_domain.apply_discount(session, store=store, cart=cart, code=nuclear.offer_code,
                               now=sim.now)  # fmt: skip
    shop_domain.convert_cart(session, cart=cart, now=sim.now)
    session.commit()
    attempt = attempt_of(session, shop.cart.id)
    assert attempt.status is CartSaveStatus.COMPLETED
    assert attempt.outcome is CartSaveOutcome.SAVED_WITH_DISCOUNT
    assert attempt.recovered_value == cart.grand_total
