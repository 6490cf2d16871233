"""The drawer's churn endpoints end to end: `churn/track` answers the risk and the intervention
in one response, the shopper accepts or dismisses it on the public cart, and `churn/escalate`
hands the session to the save flow or to a person. Real rows, exact money.

Whatever the request says, a price offer is worth what the server stored, re-capped at the
moment it is taken by the company's current checkout cap; these tests try to get more."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session, col, select

from cart_admin.domain.chat import inbox
from cart_admin.models import (
    CartAbandonmentReason,
    CartSaveAttempt,
    CartStatus,
    ChatMessage,
    ChatSession,
    ChatSessionStatus,
    CheckoutChurnEvent,
    CheckoutInterventionStatus,
    DiscountKind,
)
from cart_admin.models import CheckoutChurnSignal as C
from cart_admin.models.types import utcnow
from cart_admin.settings import get_settings
from tests.checkout_world import EXIT, OTHER_TAB, TAB, Shop, make_checkout_shop, set_holdout
from tests.factories import make_api_key, make_discount_code, make_landing_page

TRACK = "/api/momentum/cart-save/churn/track"
S = CheckoutInterventionStatus


@pytest.fixture
def shop(session: Session) -> Shop:
    return make_checkout_shop(session)


@pytest.fixture
def flags(monkeypatch):
    """Set deployment flags (environment variables) for the rest of the test."""

    def set_flag(name: str, value: str) -> None:
        monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield set_flag
    get_settings.cache_clear()


def _offer(shop: Shop, token: str, signals=EXIT, **kw) -> dict:
    response = shop.track(token, signals, **kw)
    assert response.status_code == 200, response.text
    offer = response.json()["intervention"]
    assert offer is not None, response.json()
    return offer


def _accept(shop: Shop, token: str, offer: dict):
    return shop.respond(token, offer["id"], {"action": "accepted"})


# --- track -------------------------------------------------------------------------------------


def test_track_answers_the_risk_and_the_intervention_it_stored(shop):
    token = shop.new_cart()

    quiet = shop.track(token, ["FAQ_VISIT"])
    response = shop.track(token, ["MOUSE_EXIT_INTENT", "TAB_SWITCHING"])

    assert quiet.status_code == 200
    assert quiet.json() == {"riskScore": 5, "recorded": 1, "intervention": None}
    assert response.status_code == 200, response.text
    body = response.json()
    [row] = shop.interventions(token)
    assert body == {
        "riskScore": 50,  # FAQ_VISIT 5 + MOUSE_EXIT_INTENT 30 + TAB_SWITCHING 15
        "recorded": 2,
        "intervention": {
            "id": row.id,
            "type": "EXIT_INTENT",
            "action": "APPLY_DISCOUNT",
            "message": "Wait! Complete your order now and get 10% off!",
            "discountPercent": "10",
            "status": "SHOWN",
        },
    }
    assert (row.signal, row.risk_score, row.session_id) == (C.MOUSE_EXIT_INTENT, 50, TAB)
    assert shop.codes(token) == []  # nothing applied yet
    assert shop.cart(token).discount_total == Decimal("0.00")


def test_exit_intent_appears_once_per_cart(shop):
    token = shop.new_cart()
    offer = _offer(shop, token)

    again = shop.track(token, ["BACK_BUTTON"])
    second_tab = shop.track(token, EXIT, tab=OTHER_TAB)
    dismissed = shop.respond(token, offer["id"], {"action": "dismissed"})
    after = shop.track(token, ["TAB_CLOSE_ATTEMPT", "MOUSE_EXIT_INTENT"], tab="tab-00000003")

    assert again.json()["intervention"] is None and again.json()["riskScore"] == 65
    assert second_tab.json()["intervention"] is None
    assert dismissed.status_code == 200 and dismissed.json()["discount_code"] is None
    assert after.json()["intervention"] is None and after.json()["riskScore"] == 70
    assert [(r.type, r.status) for r in shop.interventions(token)] == [("EXIT_INTENT", S.DISMISSED)]


def test_one_price_offer_per_cart(shop):
    token = shop.new_cart()

    shipping = _offer(shop, token, ["SHIPPING_COST_SHOCK"])
    leaving = shop.track(token, ["TAB_CLOSE_ATTEMPT", "MOUSE_EXIT_INTENT"])

    assert (shipping["type"], shipping["action"]) == ("FREE_SHIPPING_OFFER", "APPLY_FREE_SHIPPING")
    assert shipping["discountPercent"] is None
    assert shipping["message"] == "We noticed shipping costs. Here's free shipping on us!"
    assert leaving.json() == {"riskScore": 100, "recorded": 2, "intervention": None}
    assert [r.type for r in shop.interventions(token)] == ["FREE_SHIPPING_OFFER"]


def test_a_holdout_cart_never_gets_an_offer(shop):
    token = shop.holdout_cart()

    answers = [
        shop.track(token, ["SHIPPING_COST_SHOCK"]).json(),
        shop.track(token, ["DISCOUNT_HUNTING"]).json(),
        shop.track(token, ["TAB_CLOSE_ATTEMPT", "MOUSE_EXIT_INTENT"], tab=OTHER_TAB).json(),
    ]

    assert answers == [
        {"riskScore": 35, "recorded": 1, "intervention": None},
        {"riskScore": 60, "recorded": 1, "intervention": None},
        {"riskScore": 70, "recorded": 2, "intervention": None},
    ]
    assert shop.interventions(token) == [] and len(shop.events(token)) == 4


def test_a_closing_page_is_recorded_but_gets_no_intervention(shop):
    token = shop.new_cart()

    response = shop.track(token, EXIT, final=True)

    assert response.json() == {"riskScore": 45, "recorded": 2, "intervention": None}
    assert shop.interventions(token) == []
    assert [e.signal for e in shop.events(token)].count(C.MOUSE_EXIT_INTENT) == 1


def test_a_company_that_switched_churn_off_records_nothing(shop):
    shop.churn(enabled=False)
    token = shop.new_cart()

    response = shop.track(token, EXIT)

    assert response.json() == {"riskScore": 0, "recorded": 0, "intervention": None}
    assert shop.events(token) == []


def test_the_deployment_flag_switches_tracking_off(shop, flags):
    token = shop.new_cart()
    flags("ENABLE_CHURN_DETECTION", "false")

    response = shop.track(token, EXIT)
    unknown = shop.api.post(f"{TRACK}?key=pk_nope", json=_body(token))

    assert response.status_code == 200
    assert response.json() == {"riskScore": 0, "recorded": 0, "intervention": None}
    assert shop.events(token) == [] and shop.interventions(token) == []
    assert unknown.status_code == 404


def test_a_tab_keeps_at_most_500_events(shop):
    token = shop.new_cart()
    cart = shop.cart(token)
    now = utcnow()
    shop.session.add_all(
        CheckoutChurnEvent(
            company_id=cart.company_id,
            cart_id=cart.id,
            session_id=TAB,
            signal=C.FAQ_VISIT,
            occurred_at=now,
        )
        for _ in range(490)
    )
    shop.session.commit()

    response = shop.track(token, ["IDLE_TIMEOUT"] * 50)
    full = shop.track(token, ["IDLE_TIMEOUT"])

    assert response.json()["recorded"] == 10 and full.json()["recorded"] == 0
    assert len(shop.events(token, TAB)) == 500
    assert shop.track(token, ["IDLE_TIMEOUT"], tab=OTHER_TAB).json()["recorded"] == 1


def test_a_closed_cart_is_not_tracked(shop):
    for status in (CartStatus.CONVERTED, CartStatus.EXPIRED):
        token = shop.new_cart()
        cart = shop.cart(token)
        cart.status = status
        shop.session.add(cart)
        shop.session.commit()

        response = shop.track(token, EXIT)

        assert response.status_code == 200
        assert response.json() == {"riskScore": 0, "recorded": 0, "intervention": None}
        assert shop.events(token) == [] and shop.interventions(token) == []


def _body(token: str, **changes) -> dict:
    body = {"cartToken": token, "sessionId": TAB, "signals": [{"signal": "FAQ_VISIT"}]}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


BAD_BODIES = [
    ({"signals": [{"signal": "LOOKED_AT_PRICE"}]}, "signals.0.signal"),
    ({"signals": [{"signal": "mouse_exit_intent"}]}, "signals.0.signal"),
    ({"signals": []}, "signals"),
    ({"signals": [{"signal": "FAQ_VISIT"}] * 51}, "signals"),
    ({"signals": None}, "signals"),
    ({"signals": [{"signal": "FAQ_VISIT", "data": {str(i): i for i in range(11)}}]},
     "signals.0.data"),
    ({"sessionId": "short"}, "sessionId"),
    ({"sessionId": "tab id with spaces"}, "sessionId"),
    ({"sessionId": "t" * 65}, "sessionId"),
    ({"sessionId": None}, "sessionId"),
    ({"cartToken": "../../etc"}, "cartToken"),
    ({"final": "later"}, "final"),
    ({"riskScore": 0}, "riskScore"),
]  # fmt: skip


def test_bad_track_bodies_are_422_with_the_field_and_record_nothing(shop):
    token = shop.new_cart()

    for changes, field in BAD_BODIES:
        response = shop.api.post(f"{TRACK}?key={shop.key}", json=_body(token, **changes))

        assert response.status_code == 422, (changes, response.text)
        body = response.json()
        assert body["detail"].startswith("Invalid request: "), changes
        assert field in [e["field"] for e in body["errors"]], (changes, body)
    assert shop.events(token) == []


def test_a_body_that_is_not_json_is_422(shop):
    response = shop.api.post(
        f"{TRACK}?key={shop.key}",
        content=b'{"cartToken": ',
        headers={"content-type": "application/json"},
    )

    assert response.status_code == 422
    assert "Malformed JSON" in response.json()["detail"]


def test_unknown_keys_and_carts_are_404_and_a_bad_key_is_422(shop, session):
    token = shop.new_cart()
    other_page = make_landing_page(session, shop.company)
    body = _body(token)

    unknown_key = shop.api.post(f"{TRACK}?key=pk_nope", json=body)
    no_key = shop.api.post(TRACK, json=body)
    bad_key = shop.api.post(f"{TRACK}?key=a%20b", json=body)
    unknown_cart = shop.api.post(f"{TRACK}?key={shop.key}", json=_body("ct_nope"))
    other_pages_cart = shop.api.post(f"{TRACK}?key={other_page.public_key}", json=body)

    assert (unknown_key.status_code, unknown_key.json()["detail"]) == (
        404, "No published landing page has this key."
    )  # fmt: skip
    assert no_key.status_code == 422 and bad_key.status_code == 422
    assert (unknown_cart.status_code, unknown_cart.json()["detail"]) == (404, "No such cart.")
    assert other_pages_cart.status_code == 404
    assert shop.events(token) == []


# --- accepting and dismissing ------------------------------------------------------------------


def test_accepting_the_exit_offer_applies_a_single_use_code_for_this_cart(shop):
    token = shop.new_cart()
    cart_id, total_before = shop.cart(token).id, shop.cart(token).grand_total
    offer = _offer(shop, token)

    response = _accept(shop, token, offer)

    assert response.status_code == 200, response.text
    cart = response.json()
    [code] = shop.codes(token)
    assert cart["discount_code"] == code.code and code.code.startswith("SAVE-")
    assert (cart["subtotal"], cart["discount_total"], cart["shipping_total"]) == (
        "40.00", "4.00", "5.99"
    )  # fmt: skip
    assert Decimal(cart["grand_total"]) == total_before - Decimal("4.00") - Decimal("0.32")  # tax
    assert (code.kind, code.value, code.max_uses, code.uses) == (
        DiscountKind.PERCENT, Decimal("10.00"), 1, 0
    )  # fmt: skip
    assert code.cart_id == cart_id and code.company_id == shop.company.id
    hours = (code.expires_at - utcnow()) / timedelta(hours=1)
    assert 47.9 < hours <= 48  # the save flow's code expiry
    [row] = shop.interventions(token)
    assert (row.status, row.discount_code_id) == (S.ACCEPTED, code.id)
    assert row.accepted_at is not None


def test_accepting_twice_applies_one_code(shop):
    token = shop.new_cart()
    offer = _offer(shop, token)

    first = _accept(shop, token, offer)
    second = _accept(shop, token, offer)

    assert first.status_code == second.status_code == 200
    assert first.json()["discount_code"] == second.json()["discount_code"]
    assert second.json()["discount_total"] == "4.00"
    assert len(shop.codes(token)) == 1


def test_a_dismissed_offer_cannot_be_accepted(shop):
    token = shop.new_cart()
    offer = _offer(shop, token)

    shop.respond(token, offer["id"], {"action": "dismissed"})
    response = _accept(shop, token, offer)

    assert response.status_code == 409
    assert response.json()["detail"] == "This offer has ended."
    assert shop.codes(token) == [] and shop.cart(token).discount_code is None
    assert [r.status for r in shop.interventions(token)] == [S.DISMISSED]


def test_accepting_free_shipping_makes_shipping_free(shop):
    token = shop.new_cart()
    offer = _offer(shop, token, ["SHIPPING_COST_SHOCK"])

    response = _accept(shop, token, offer)

    assert response.status_code == 200, response.text
    assert (response.json()["shipping_total"], response.json()["discount_total"]) == (
        "0.00",
        "0.00",
    )
    [code] = shop.codes(token)
    assert (code.kind, code.max_uses) == (DiscountKind.FREE_SHIPPING, 1)
    assert response.json()["discount_code"] == code.code


def test_accepting_a_chat_offer_only_marks_it(shop):
    token = shop.new_cart()
    offer = _offer(shop, token, ["LONG_FORM_TIME"])

    response = _accept(shop, token, offer)

    assert (offer["type"], offer["action"]) == ("CHECKOUT_HELP", "OPEN_CHAT")
    assert response.status_code == 200
    assert response.json()["discount_code"] is None and shop.all_codes() == []
    assert [r.status for r in shop.interventions(token)] == [S.ACCEPTED]


def test_an_offer_is_answered_only_on_its_own_cart(shop):
    token, other = shop.new_cart(), shop.new_cart()
    offer = _offer(shop, token)

    elsewhere = _accept(shop, other, offer)
    unknown = shop.respond(token, "0" * 24, {"action": "accepted"})
    malformed = shop.respond(token, "not-an-id", {"action": "accepted"})

    assert (elsewhere.status_code, elsewhere.json()["detail"]) == (
        404,
        "No such offer for this cart.",
    )
    assert unknown.status_code == 404 and malformed.status_code == 422
    assert shop.all_codes() == []
    assert [r.status for r in shop.interventions(token)] == [S.SHOWN]


def test_an_accept_body_naming_anything_else_is_422_and_applies_nothing(shop):
    token = shop.new_cart()
    offer = _offer(shop, token)

    for body in (
        {"action": "accepted", "discountPercent": 50},
        {"action": "accepted", "discount_percent": "90"},
        {"action": "accepted", "percent": 90, "code": "FREE100"},
        {"action": "applied"},
        {},
    ):
        response = shop.respond(token, offer["id"], body)

        assert response.status_code == 422, body
        assert response.json()["detail"].startswith("Invalid request: ")
    assert shop.all_codes() == []
    assert shop.cart(token).discount_total == Decimal("0.00")
    assert [r.status for r in shop.interventions(token)] == [S.SHOWN]


# --- the cap: the server never applies more than the company's checkout cap --------------------


def test_an_exit_discount_set_above_the_cap_is_offered_and_applied_at_the_cap(shop):
    shop.churn(exitIntentDiscountPercent=40)  # the chat's cap stays at its default, 10
    token = shop.new_cart()

    offer = _offer(shop, token)
    response = _accept(shop, token, offer)

    assert offer["discountPercent"] == "10"
    assert offer["message"] == "Wait! Complete your order now and get 10% off!"
    assert response.json()["discount_total"] == "4.00"
    [code] = shop.codes(token)
    assert code.value == Decimal("10.00")


def test_a_cap_lowered_after_the_offer_was_shown_is_the_one_applied(shop):
    token = shop.new_cart()
    offer = _offer(shop, token)
    shop.cap(5)

    response = _accept(shop, token, offer)

    assert offer["discountPercent"] == "10"
    assert response.status_code == 200
    assert response.json()["discount_total"] == "2.00"
    [code] = shop.codes(token)
    assert code.value == Decimal("5.00")


def test_a_cap_raised_after_the_offer_was_shown_gives_no_more_than_the_offer(shop):
    token = shop.new_cart()
    offer = _offer(shop, token)
    shop.cap(30)

    response = _accept(shop, token, offer)

    assert response.json()["discount_total"] == "4.00"
    assert [c.value for c in shop.codes(token)] == [Decimal("10.00")]


def test_a_cap_set_to_zero_after_the_offer_was_shown_withdraws_it(shop):
    token = shop.new_cart()
    offer = _offer(shop, token)
    shop.cap(0)

    response = _accept(shop, token, offer)

    assert response.status_code == 409
    assert response.json()["detail"] == "This offer is not available."
    assert shop.all_codes() == [] and shop.cart(token).discount_total == Decimal("0.00")
    assert [r.status for r in shop.interventions(token)] == [S.SHOWN]


def test_a_cart_that_moved_into_the_holdout_cannot_take_its_offer(shop):
    token = shop.holdout_cart(percent=50)
    set_holdout(shop.session, shop.company, 0)  # no holdout when the offer is shown
    offer = _offer(shop, token)
    set_holdout(shop.session, shop.company, 50)  # then the company takes a holdout

    response = _accept(shop, token, offer)

    assert response.status_code == 409
    assert shop.all_codes() == []


def test_a_converted_cart_marks_its_interventions_and_takes_no_more(shop, session):
    token = shop.new_cart()
    offer = _offer(shop, token)
    _accept(shop, token, offer)
    help_offer = _offer(shop, token, ["LONG_FORM_TIME"])
    key = make_api_key(session, shop.company)
    cart_id = shop.cart(token).id

    converted = shop.api.post(
        f"/api/carts/{cart_id}/convert", headers={"Authorization": f"Bearer {key}"}
    )

    assert converted.status_code == 200, converted.text
    rows = shop.interventions(token)
    assert {(r.type, r.status) for r in rows} == {
        ("EXIT_INTENT", S.CONVERTED),
        ("CHECKOUT_HELP", S.CONVERTED),
    }
    assert all(r.converted_at is not None for r in rows)
    [code] = shop.codes(token)
    assert code.uses == 1  # the single-use code is spent
    late = shop.respond(token, help_offer["id"], {"action": "dismissed"})
    assert late.status_code == 200 and late.json()["status"] == "CONVERTED"
    assert {r.status for r in shop.interventions(token)} == {S.CONVERTED}  # stays converted
    assert shop.track(token, EXIT).json() == {"riskScore": 0, "recorded": 0, "intervention": None}


# --- escalate ----------------------------------------------------------------------------------


def test_escalating_to_the_save_flow_starts_it_with_the_reason_the_signals_point_to(shop):
    token = shop.new_cart()
    shop.track(token, ["SHIPPING_COST_SHOCK"])

    response = shop.escalate(token, "SAVE_FLOW")
    again = shop.escalate(token, "SAVE_FLOW")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["to"] == "SAVE_FLOW" and body["chatSessionId"] is None
    [attempt] = shop.session.exec(select(CartSaveAttempt)).all()
    assert body["attemptId"] == attempt.id == again.json()["attemptId"]
    assert attempt.cart_id == shop.cart(token).id
    assert attempt.diagnosis_reason is CartAbandonmentReason.SHIPPING_COST
    assert attempt.is_holdout is False


def test_the_save_flow_reason_comes_from_the_tabs_signals(shop):
    for signals, reason in (
        (["TAB_SWITCHING"], CartAbandonmentReason.COMPARING_OPTIONS),
        (["PAYMENT_DECLINED"], CartAbandonmentReason.PAYMENT_ISSUES),
        (["FAQ_VISIT"], CartAbandonmentReason.NEED_MORE_INFO),
        (["MOUSE_EXIT_INTENT"], None),  # says nothing about why
    ):
        token = shop.new_cart()
        shop.track(token, signals)
        shop.track(token, ["SHIPPING_COST_SHOCK"], tab=OTHER_TAB)  # another tab's signals

        response = shop.escalate(token, "SAVE_FLOW")

        assert response.status_code == 200, response.text
        attempt = shop.session.get(CartSaveAttempt, response.json()["attemptId"])
        assert attempt.diagnosis_reason == reason, signals


def test_an_empty_cart_cannot_go_to_the_save_flow(shop):
    token = shop.new_cart(quantity=0)

    response = shop.escalate(token, "SAVE_FLOW")

    assert response.status_code == 409
    assert response.json()["detail"] == "This cart is empty."
    assert shop.session.exec(select(CartSaveAttempt)).all() == []


def test_with_churn_detection_off_escalation_starts_no_save_flow(shop, flags):
    token, other = shop.new_cart(), shop.new_cart()
    flags("ENABLE_CHURN_DETECTION", "false")
    by_flag = shop.escalate(token, "SAVE_FLOW")
    flags("ENABLE_CHURN_DETECTION", "true")
    shop.churn(enabled=False)
    by_company = shop.escalate(other, "SAVE_FLOW")

    for response in (by_flag, by_company):
        assert (response.status_code, response.json()["detail"]) == (409, "Churn detection is off.")
    assert shop.session.exec(select(CartSaveAttempt)).all() == []
    assert shop.cart(token).status is CartStatus.ACTIVE


def test_the_save_flow_flag_keeps_escalation_from_starting_it(shop, flags):
    token = shop.new_cart()
    flags("ENABLE_MI_CART_SAVE", "false")

    response = shop.escalate(token, "SAVE_FLOW")

    assert response.status_code in (404, 409)  # refused, however it is worded
    assert shop.session.exec(select(CartSaveAttempt)).all() == []
    assert shop.cart(token).status is CartStatus.ACTIVE


def test_escalating_to_a_person_opens_the_carts_chat_in_the_inbox(shop):
    token = shop.new_cart()

    response = shop.escalate(token, "HUMAN")
    again = shop.escalate(token, "HUMAN", tab=OTHER_TAB)

    assert response.status_code == 200, response.text
    chat_token = response.json()["chatSessionId"]
    assert response.json()["attemptId"] is None and again.json()["chatSessionId"] == chat_token
    chat = shop.session.exec(select(ChatSession).where(col(ChatSession.token) == chat_token)).one()
    assert (chat.status, chat.needs_reply, chat.escalation_reason) == (
        ChatSessionStatus.ESCALATED, True, "CHURN"
    )  # fmt: skip
    assert chat.cart_id == shop.cart(token).id
    [listed] = inbox.conversations(shop.session, shop.company.id)
    assert (listed.id, listed.needs_reply) == (chat.id, True)
    assert listed.cart_value == shop.cart(token).grand_total
    # The shopper's chat shows the welcome and one note that a person will reply.
    thread = shop.api.get(f"/api/momentum/cs/sessions/{chat_token}/messages").json()
    assert [(m["role"], m["content"]) for m in thread["messages"]] == [
        ("assistant", "Hi! I'm here to help you complete your order. What can I help with?"),
        ("system", "I've asked a team member to join. They'll reply right here."),
    ]
    assert thread["status"] == "ESCALATED"
    assert len(shop.session.exec(select(ChatMessage)).all()) == 2


# --- the shopper's own code: offers never replace it -------------------------------------------


def _apply_own_code(shop: Shop, token: str) -> str:
    code = make_discount_code(shop.session, shop.company, code="WELCOME5", value="5.00")
    applied = shop.api.post(f"{shop.base}/carts/{token}/discount", json={"code": code.code})
    assert applied.status_code == 200, applied.text
    return code.code


def test_a_cart_with_the_shoppers_own_code_gets_no_price_offer(shop):
    token = shop.new_cart()
    _apply_own_code(shop, token)

    leaving = shop.track(token, EXIT)
    shocked = shop.track(token, ["SHIPPING_COST_SHOCK"])
    hunting = shop.track(token, ["DISCOUNT_HUNTING"])  # help is still offered

    assert leaving.json()["intervention"] is None and shocked.json()["intervention"] is None
    assert hunting.json()["intervention"]["type"] == "DISCOUNT_HELP"
    assert shop.codes(token) == []


def test_an_offer_shown_before_the_shopper_applied_a_code_does_not_replace_it(shop):
    token = shop.new_cart()
    offer = _offer(shop, token)
    own = _apply_own_code(shop, token)

    response = _accept(shop, token, offer)

    assert response.status_code == 409
    assert (
        response.json()["detail"] == f"Your cart already has the code {own}: codes don't combine."
    )
    assert shop.codes(token) == []  # no cart code was issued
    cart = shop.cart(token)
    assert (cart.discount_code, cart.discount_total) == (own, Decimal("2.00"))
    assert [r.status for r in shop.interventions(token)] == [S.SHOWN]


def test_tabs_tracking_at_once_get_one_exit_offer_between_them(shop):
    """Every tab decides from what it read, then writes: the unique keys settle the race."""
    from concurrent.futures import ThreadPoolExecutor

    token = shop.new_cart()
    tabs = [f"tab-race-{n:04d}" for n in range(6)]

    with ThreadPoolExecutor(max_workers=len(tabs)) as pool:
        responses = list(pool.map(lambda tab: shop.track(token, EXIT, tab=tab), tabs))

    assert [r.status_code for r in responses] == [200] * len(tabs)
    shown = [r.json()["intervention"] for r in responses if r.json()["intervention"]]
    assert len(shown) == 1 and shown[0]["type"] == "EXIT_INTENT"
    assert [r.id for r in shop.interventions(token)] == [shown[0]["id"]]
    assert len(shop.events(token)) == 2 * len(tabs)


def test_an_offer_accepted_from_several_tabs_at_once_issues_one_code(shop):
    from concurrent.futures import ThreadPoolExecutor

    token = shop.new_cart()
    offer = _offer(shop, token)

    with ThreadPoolExecutor(max_workers=4) as pool:
        responses = list(pool.map(lambda _: _accept(shop, token, offer), range(4)))

    assert [r.status_code for r in responses] == [200] * 4, [r.text for r in responses]
    [code] = shop.codes(token)
    cart = shop.cart(token)
    assert (cart.discount_code, cart.discount_total) == (code.code, Decimal("4.00"))
    assert [r.status for r in shop.interventions(token)] == [S.ACCEPTED]
