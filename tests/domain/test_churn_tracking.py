"""`churn.tracking.track` on a real database: the signals a tab reports are kept (at most 500
per tab), scored per tab, and the one intervention they call for is decided and stored in the
same call, under the table's unique keys."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session, col, select

from cart_admin.domain import storefront as shop
from cart_admin.domain.chat.config import CheckoutChatConfig, save_chat_config
from cart_admin.domain.churn import responses, tracking
from cart_admin.domain.churn.tracking import MAX_EVENTS_PER_SESSION, Signal
from cart_admin.domain.save_flow.engine import holdout_bucket
from cart_admin.models import (
    Cart,
    CartStatus,
    CheckoutChurnEvent,
    CheckoutIntervention,
    CheckoutInterventionStatus,
)
from cart_admin.models import CheckoutChurnSignal as C
from cart_admin.models import InterventionType as K
from cart_admin.models.types import utcnow
from tests.checkout_world import OTHER_TAB, TAB, WEIGHTS, save_churn, set_holdout
from tests.factories import make_cart, make_company, make_landing_page, make_product


@pytest.fixture
def world(session: Session):
    company = make_company(session)
    page = make_landing_page(session, company)
    mug = make_product(session, company, name="Mug", price="40.00")
    set_holdout(session, company, 0)
    save_churn(session, company)

    def new_cart(**fields) -> Cart:
        fields.setdefault("shipping_total", "5.99")
        return make_cart(session, company, items=[(mug, 1)], landing_page=page, **fields)

    return company, page, new_cart


def _track(session: Session, cart: Cart, signals, *, tab: str = TAB, final: bool = False, now=None):
    result = tracking.track(
        session,
        cart=cart,
        session_id=tab,
        signals=[Signal(C(s)) for s in signals],
        now=now or utcnow(),
        final=final,
    )
    session.commit()
    return result


def _rows(session: Session, cart: Cart) -> list[CheckoutIntervention]:
    session.expire_all()
    return list(
        session.exec(
            select(CheckoutIntervention).where(col(CheckoutIntervention.cart_id) == cart.id)
        ).all()
    )


def _events(session: Session, cart: Cart, tab: str = TAB) -> int:
    return len(
        session.exec(
            select(CheckoutChurnEvent).where(
                col(CheckoutChurnEvent.cart_id) == cart.id,
                col(CheckoutChurnEvent.session_id) == tab,
            )
        ).all()
    )


# --- recording and scoring ---------------------------------------------------------------------


def test_the_risk_builds_up_over_a_tabs_batches_and_each_tab_counts_its_own(session, world):
    _, _, new_cart = world
    cart = new_cart()

    steps = [
        _track(session, cart, ["FAQ_VISIT"]).risk_score,  # 5
        _track(session, cart, ["FAQ_VISIT"]).risk_score,  # 5 + 2.5
        _track(session, cart, ["FAQ_VISIT", "FAQ_VISIT"]).risk_score,  # at most twice: 10
        _track(session, cart, ["TAB_SWITCHING"]).risk_score,  # + 15
    ]
    other = _track(session, cart, ["FAQ_VISIT"], tab=OTHER_TAB)

    assert steps == [5, 7, 10, 25]
    assert (other.risk_score, other.recorded) == (5, 1)
    assert (_events(session, cart), _events(session, cart, OTHER_TAB)) == (5, 1)
    assert _rows(session, cart) == []  # nothing called for an intervention


def test_the_companys_weights_score_the_session(session, world):
    company, _, new_cart = world
    save_churn(session, company, weights={**WEIGHTS, "FAQ_VISIT": 80})

    assert _track(session, new_cart(), ["FAQ_VISIT", "IDLE_TIMEOUT"]).risk_score == 90


def test_an_event_keeps_the_signal_its_data_and_the_servers_time(session, world):
    _, _, new_cart = world
    cart = new_cart()
    now = utcnow() - timedelta(minutes=3)

    tracking.track(
        session,
        cart=cart,
        session_id=TAB,
        signals=[Signal(C.SHIPPING_COST_SHOCK, {"itemsRemoved": 1, "shippingCost": "5.99"})],
        now=now,
    )
    session.commit()

    [event] = session.exec(select(CheckoutChurnEvent)).all()
    assert (event.company_id, event.cart_id, event.session_id) == (cart.company_id, cart.id, TAB)
    assert event.signal is C.SHIPPING_COST_SHOCK
    assert event.data == {"itemsRemoved": 1, "shippingCost": "5.99"}
    assert event.occurred_at == now


def test_a_batch_keeps_the_order_the_tab_reported(session, world):
    _, _, new_cart = world
    cart = new_cart()
    sent = [signal for _ in range(3) for signal in C][:50]  # every kind, in turn

    _track(session, cart, sent)

    assert tracking.session_signals(session, cart.id, TAB) == sent


def test_at_most_500_events_are_kept_per_tab(session, world):
    _, _, new_cart = world
    cart = new_cart()
    now = utcnow()
    session.add_all(
        CheckoutChurnEvent(
            company_id=cart.company_id,
            cart_id=cart.id,
            session_id=TAB,
            signal=C.FAQ_VISIT,
            occurred_at=now,
        )
        for _ in range(MAX_EVENTS_PER_SESSION - 2)
    )
    session.commit()

    nearly = _track(session, cart, ["IDLE_TIMEOUT"] * 5)
    full = _track(session, cart, ["IDLE_TIMEOUT"])
    other_tab = _track(session, cart, ["IDLE_TIMEOUT"], tab=OTHER_TAB)

    assert (nearly.recorded, full.recorded, other_tab.recorded) == (2, 0, 1)
    assert _events(session, cart) == MAX_EVENTS_PER_SESSION
    assert full.risk_score == nearly.risk_score == 25  # FAQ 10 (twice at most) + idle 10 + 5


# --- the intervention, decided in the same call ------------------------------------------------


def test_an_exit_over_the_threshold_gets_the_exit_offer_stored_before_it_is_returned(
    session, world
):
    _, _, new_cart = world
    cart = new_cart()
    now = utcnow()

    below = _track(session, cart, ["MOUSE_EXIT_INTENT"], now=now)  # 30 < 40
    earlier = _track(session, cart, ["TAB_SWITCHING"], tab=OTHER_TAB, now=now)  # its own tab
    result = _track(session, cart, ["TAB_SWITCHING", "MOUSE_EXIT_INTENT"], now=now)  # 30+15+30

    assert (below.risk_score, below.intervention) == (30, None)
    assert (earlier.risk_score, earlier.intervention) == (15, None)
    shown = result.intervention
    assert result.risk_score == 60 and shown is not None
    [row] = _rows(session, cart)
    assert row.id == shown.id
    assert (row.type, row.action, row.signal) == (
        K.EXIT_INTENT,
        "APPLY_DISCOUNT",
        C.MOUSE_EXIT_INTENT,
    )
    assert (row.discount_percent, row.price_slot, row.risk_score) == (Decimal("10.00"), "PRICE", 60)
    assert (row.session_id, row.status, row.created_at) == (
        TAB,
        CheckoutInterventionStatus.SHOWN,
        now,
    )
    assert row.message == "Wait! Complete your order now and get 10% off!"
    assert row.discount_code_id is None  # nothing applied until the shopper accepts


def test_exit_intent_is_shown_once_per_cart_whatever_the_tab_or_the_answer(session, world):
    _, _, new_cart = world
    cart = new_cart()

    first = _track(session, cart, ["MOUSE_EXIT_INTENT", "TAB_SWITCHING"])
    again = _track(session, cart, ["BACK_BUTTON"])
    second_tab = _track(session, cart, ["TAB_CLOSE_ATTEMPT", "MOUSE_EXIT_INTENT"], tab=OTHER_TAB)
    responses.dismiss(session, first.intervention, now=utcnow())
    session.commit()
    after_dismissal = _track(session, cart, ["TAB_CLOSE_ATTEMPT"], tab="tab-00000003")

    assert first.intervention is not None and first.intervention.type is K.EXIT_INTENT
    assert [again.intervention, second_tab.intervention, after_dismissal.intervention] == [None] * 3
    assert second_tab.risk_score == 70  # scored all the same
    assert [(r.type, r.status) for r in _rows(session, cart)] == [
        (K.EXIT_INTENT, CheckoutInterventionStatus.DISMISSED)
    ]


def test_one_price_offer_per_cart_free_shipping_then_exit_gets_nothing_more(session, world):
    _, _, new_cart = world
    cart = new_cart()

    shipping = _track(session, cart, ["SHIPPING_COST_SHOCK"])
    leaving = _track(session, cart, ["TAB_CLOSE_ATTEMPT", "MOUSE_EXIT_INTENT"])
    hunting = _track(session, cart, ["DISCOUNT_HUNTING"])  # the chat is not a price offer

    assert shipping.intervention.type is K.FREE_SHIPPING_OFFER
    assert shipping.intervention.action == "APPLY_FREE_SHIPPING"
    assert shipping.intervention.discount_percent is None
    assert leaving.intervention is None and leaving.risk_score == 100
    assert hunting.intervention.type is K.DISCOUNT_HELP
    assert sorted((r.type, r.price_slot) for r in _rows(session, cart)) == [
        (K.DISCOUNT_HELP, None),
        (K.FREE_SHIPPING_OFFER, "PRICE"),
    ]


def test_a_cart_that_ships_free_gets_no_free_shipping_offer(session, world):
    _, _, new_cart = world
    cart = new_cart(shipping_total="0.00")

    result = _track(session, cart, ["SHIPPING_COST_SHOCK"])

    assert result.intervention is None and result.risk_score == 35
    assert _rows(session, cart) == []


def test_the_exit_offer_never_exceeds_the_checkout_cap(session, world):
    company, _, new_cart = world
    save_churn(session, company, exitIntentDiscountPercent=40)
    capped = _track(session, new_cart(), ["MOUSE_EXIT_INTENT", "TAB_SWITCHING"]).intervention

    chat = CheckoutChatConfig.model_validate({"aiCapabilities": {"maxDiscountPercent": "7.5"}})
    save_chat_config(session, company.id, chat)
    session.commit()
    lower = _track(session, new_cart(), ["MOUSE_EXIT_INTENT", "TAB_SWITCHING"]).intervention

    chat = CheckoutChatConfig.model_validate({"aiCapabilities": {"maxDiscountPercent": 0}})
    save_chat_config(session, company.id, chat)
    session.commit()
    none = _track(session, new_cart(), ["MOUSE_EXIT_INTENT", "TAB_SWITCHING"])

    assert capped.discount_percent == Decimal("10.00")
    assert capped.message == "Wait! Complete your order now and get 10% off!"
    assert lower.discount_percent == Decimal("7.50")
    assert lower.message == "Wait! Complete your order now and get 7.5% off!"
    assert none.intervention is None and none.risk_score == 45


def test_the_chat_offers_need_the_chat(session, world):
    company, _, new_cart = world
    save_chat_config(session, company.id, CheckoutChatConfig(enabled=False))
    session.commit()
    cart = new_cart()

    assert _track(session, cart, ["DISCOUNT_HUNTING"]).intervention is None
    assert _track(session, cart, ["FORM_FIELD_ERRORS"]).intervention is None
    assert _rows(session, cart) == []


def test_friction_opens_the_chat_once(session, world):
    _, _, new_cart = world
    cart = new_cart()

    first = _track(session, cart, ["LONG_FORM_TIME"])
    second = _track(session, cart, ["ADDRESS_ISSUES"], tab=OTHER_TAB)

    assert (first.intervention.type, first.intervention.action) == (K.CHECKOUT_HELP, "OPEN_CHAT")
    assert first.intervention.message == "Need help completing your order? We're here!"
    assert second.intervention is None


# --- what gets nothing -------------------------------------------------------------------------


def test_a_holdout_cart_is_recorded_and_scored_but_never_shown_anything(session, world):
    company, _, new_cart = world
    set_holdout(session, company, 50)
    cart = next(c for c in (new_cart() for _ in range(60)) if holdout_bucket(c.id) < 50)

    results = [
        _track(session, cart, ["SHIPPING_COST_SHOCK"]),
        _track(session, cart, ["DISCOUNT_HUNTING"]),
        _track(session, cart, ["LONG_FORM_TIME", "TAB_CLOSE_ATTEMPT", "MOUSE_EXIT_INTENT"]),
    ]

    assert [r.intervention for r in results] == [None, None, None]
    assert [r.risk_score for r in results] == [35, 60, 100]
    assert _events(session, cart) == 5
    assert _rows(session, cart) == []


def test_a_closing_page_records_but_never_decides(session, world):
    _, _, new_cart = world
    cart = new_cart()

    closing = _track(session, cart, ["TAB_CLOSE_ATTEMPT", "MOUSE_EXIT_INTENT"], final=True)

    assert (closing.risk_score, closing.recorded, closing.intervention) == (70, 2, None)
    assert _rows(session, cart) == [] and _events(session, cart) == 2


def test_a_switched_off_company_records_nothing(session, world):
    company, _, new_cart = world
    save_churn(session, company, enabled=False)
    cart = new_cart()

    result = _track(session, cart, ["TAB_CLOSE_ATTEMPT", "MOUSE_EXIT_INTENT"])

    assert (result.risk_score, result.recorded, result.intervention) == (0, 0, None)
    assert _events(session, cart) == 0


def test_a_closed_cart_records_nothing(session, world):
    _, _, new_cart = world
    for status in (CartStatus.CONVERTED, CartStatus.EXPIRED):
        cart = new_cart(status=status)

        result = _track(session, cart, ["TAB_CLOSE_ATTEMPT", "MOUSE_EXIT_INTENT"])

        assert (result.risk_score, result.recorded, result.intervention) == (0, 0, None)
        assert _events(session, cart) == 0 and _rows(session, cart) == []


def test_an_abandoned_cart_is_still_open(session, world):
    _, _, new_cart = world
    cart = new_cart(status=CartStatus.ABANDONED, abandoned_at=utcnow())

    result = _track(session, cart, ["MOUSE_EXIT_INTENT", "TAB_SWITCHING"])

    assert result.intervention is not None and result.intervention.type is K.EXIT_INTENT


# --- conversion --------------------------------------------------------------------------------


def test_conversion_marks_every_intervention_of_the_cart_converted(session, world):
    _, _, new_cart = world
    cart, other = new_cart(), new_cart()
    _track(session, cart, ["LONG_FORM_TIME"])
    _track(session, cart, ["MOUSE_EXIT_INTENT", "TAB_SWITCHING"])
    _track(session, other, ["LONG_FORM_TIME"])
    now = utcnow()

    shop.convert_cart(session, cart=cart, now=now)
    session.commit()

    assert {(r.type, r.status, r.converted_at) for r in _rows(session, cart)} == {
        (K.CHECKOUT_HELP, CheckoutInterventionStatus.CONVERTED, now),
        (K.EXIT_INTENT, CheckoutInterventionStatus.CONVERTED, now),
    }
    [untouched] = _rows(session, other)
    assert (untouched.status, untouched.converted_at) == (CheckoutInterventionStatus.SHOWN, None)


# --- accepting, when two tabs do it at once ----------------------------------------------------


def test_the_accept_that_loses_a_race_answers_the_cart_with_the_winners_code(session, world):
    _, page, new_cart = world
    cart = new_cart()
    offer = _track(session, cart, ["MOUSE_EXIT_INTENT", "TAB_SWITCHING"]).intervention
    engine = session.get_bind()
    late = Session(engine, expire_on_commit=False)  # read before the other tab's accept lands
    late_store = shop.storefront_for_key(late, public_key=page.public_key)
    late_cart = late.get(Cart, cart.id)
    late_offer = late.get(CheckoutIntervention, offer.id)
    with Session(engine, expire_on_commit=False) as first:
        store = shop.storefront_for_key(first, public_key=page.public_key)
        row = first.get(CheckoutIntervention, offer.id)
        won = responses.accept(
            first, store=store, cart=first.get(Cart, cart.id), row=row, now=utcnow()
        )
        first.commit()
        code = won.cart.discount_code

    try:
        lost = responses.accept(
            late, store=late_store, cart=late_cart, row=late_offer, now=utcnow()
        )
        late.commit()
    finally:
        late.close()

    assert code is not None
    assert (lost.cart.discount_code, lost.totals.discount_total) == (
        code,
        won.totals.discount_total,
    )
    session.expire_all()
    stored = session.get(Cart, cart.id)
    assert (stored.discount_code, stored.discount_total) == (code, won.totals.discount_total)
