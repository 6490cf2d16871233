"""The checkout chat end to end over HTTP (spec §6 `/api/momentum/cs/sessions`): a session per
page and cart, answers from the company's policies (Claude when configured, grounded in them),
a person taking over, and actions that only ever do what the server offered, at most the cap."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from sqlmodel import Session, col, select

from cart_admin.domain.chat import conversation as chat_domain
from cart_admin.domain.chat import inbox, service
from cart_admin.domain.chat.config import DEFAULT_QUICK_QUESTIONS
from cart_admin.models import (
    AIUsage,
    ChatMessage,
    ChatSession,
    ChatSessionStatus,
    DiscountKind,
)
from cart_admin.models.content import DEFAULT_MONTHLY_TOKEN_BUDGET
from cart_admin.models.enums import AIPurpose
from cart_admin.models.types import utcnow
from cart_admin.settings import get_settings
from tests.checkout_world import EXIT, Shop, make_checkout_shop
from tests.factories import make_discount_code, make_product
from tests.fakes.anthropic_server import FakeAnthropicServer

SESSIONS = "/api/momentum/cs/sessions"
WELCOME = "Hi! I'm here to help you complete your order. What can I help with?"
UNSURE = "Do you sell tea?"
NOTE = "I've asked a team member to join. They'll reply right here."


@pytest.fixture
def shop(session: Session) -> Shop:
    return make_checkout_shop(session)


def _start(shop: Shop, token: str | None = None, **context) -> dict:
    response = shop.start_chat(token, **context)
    assert response.status_code == 201, response.text
    return response.json()


def _chat_row(shop: Shop, chat_token: str) -> ChatSession:
    shop.session.expire_all()
    return shop.session.exec(select(ChatSession).where(col(ChatSession.token) == chat_token)).one()


def _said(body: dict) -> list[tuple[str, str]]:
    return [(m["role"], m["content"]) for m in body["messages"]]


def _discount_offer(shop: Shop, chat: str) -> dict:
    body = shop.say(chat, "Do you have any discount for me?").json()
    assert [a["type"] for a in body["suggestedActions"]] == ["apply_discount"], body
    return body["messages"][-1]


# --- sessions ----------------------------------------------------------------------------------


def test_a_session_without_a_cart_opens_with_the_welcome_and_the_quick_questions(shop):
    body = _start(shop, cartValue="12.50", itemCount=1, checkoutStep="payment")

    assert body["status"] == "OPEN" and body["position"] == "bottom-right"
    assert body["quickQuestions"] == DEFAULT_QUICK_QUESTIONS
    [welcome] = body["messages"]
    assert (welcome["seq"], welcome["role"], welcome["content"]) == (1, "assistant", WELCOME)
    assert welcome["actions"] == [] and welcome["author"] is None
    row = _chat_row(shop, body["id"])
    assert (row.cart_id, row.company_id, row.landing_page_id) == (
        None,
        shop.company.id,
        shop.page.id,
    )
    assert row.context == {"cartValue": "12.50", "itemCount": 1, "checkoutStep": "payment"}


def test_a_carts_session_continues_when_the_chat_is_opened_again(shop):
    token = shop.new_cart()
    first = _start(shop, token)
    shop.say(first["id"], "Do you accept PayPal?")

    again = _start(shop, token)

    assert again["id"] == first["id"]
    assert [m["role"] for m in again["messages"]] == ["assistant", "user", "assistant"]
    assert _chat_row(shop, first["id"]).cart_id == shop.cart(token).id


def test_the_companys_chat_settings_shape_the_session(shop):
    shop.chat_config(position="bottom-left", quickQuestions=["Roast dates?"],
                     welcomeMessage="Hey there!")  # fmt: skip

    body = _start(shop)

    assert (body["position"], body["quickQuestions"]) == ("bottom-left", ["Roast dates?"])
    assert body["messages"][0]["content"] == "Hey there!"


def test_a_switched_off_chat_does_not_start(shop):
    shop.chat_config(enabled=False)

    response = shop.start_chat()

    assert response.status_code == 409
    assert response.json()["detail"] == "Chat is not available right now."
    assert shop.session.exec(select(ChatSession)).all() == []


def test_bad_session_requests(shop):
    key = f"{SESSIONS}?key={shop.key}"

    for path, body, status in (
        (f"{SESSIONS}?key=pk_nope", {}, 404),
        (f"{SESSIONS}?key=bad%20key", {}, 422),
        (SESSIONS, {}, 422),
        (key, {"context": {"cartToken": "ct_nope"}}, 404),
        (key, {"context": {"cartToken": "../x"}}, 422),
        (key, {"channel": "EMAIL"}, 422),
        (key, {"context": {"cartValue": -1}}, 422),
        (key, {"context": {"itemCount": 10_001}}, 422),
        (key, {"context": {"coupon": "FREE"}}, 422),
        (key, {"sessionId": "x"}, 422),
    ):
        response = shop.api.post(path, json=body)

        assert response.status_code == status, (path, body, response.text)
        assert response.json()["detail"]
    assert shop.session.exec(select(ChatSession)).all() == []


# --- answers from the company's policies -------------------------------------------------------


QUICK_ANSWERS = [
    "Shipping costs a flat $5.99 per order, and free on orders over $50.00.",
    "We accept Visa, Mastercard, American Express, Discover, PayPal",
    "Yes, until it ships: reply to your confirmation e-mail",
    'Type it in the "Discount code" field at the bottom of your cart',
    "Not in love with a coffee? Tell us within 30 days of delivery",
]


def test_each_quick_question_is_answered_from_the_policies(shop):
    chat = _start(shop, shop.new_cart())["id"]

    for seq, (question, says) in enumerate(
        zip(DEFAULT_QUICK_QUESTIONS, QUICK_ANSWERS, strict=True)
    ):
        response = shop.say(chat, question)

        assert response.status_code == 200, response.text
        body = response.json()
        assert says in body["response"], (question, body["response"])
        assert (body["suggestedActions"], body["escalated"], body["status"]) == ([], False, "OPEN")
        assert (body["autoAppliedDiscount"], body["cart"]) == (False, None)
        assert _said(body) == [("user", question), ("assistant", body["response"])]
        assert [m["seq"] for m in body["messages"]] == [2 + 2 * seq, 3 + 2 * seq]


def test_the_shipping_answer_quotes_the_carts_real_shipping(shop):
    chat = _start(shop, shop.new_cart())["id"]

    body = shop.say(chat, "What's the shipping cost to my area?").json()

    assert body["response"].startswith(
        "Shipping on your cart is $5.99; add $10.00 more and it ships free. "
    )


def test_a_cart_over_the_threshold_is_told_it_ships_free(shop):
    chat = _start(shop, shop.new_cart(quantity=2))["id"]  # $80

    body = shop.say(chat, "How much is shipping?").json()

    assert body["response"].startswith("Your cart ships free. ")


def test_policies_the_company_rewrites_are_what_the_chat_says(shop):
    from cart_admin.domain.chat.policies import PoliciesForm, save_policies

    save_policies(shop.session, shop.company.id, PoliciesForm(returns="Returns within 14 days."),
                  now=utcnow())  # fmt: skip
    shop.session.commit()
    chat = _start(shop)["id"]

    assert shop.say(chat, "What's your return policy?").json()["response"] == (
        "Returns within 14 days."
    )
    assert shop.say(chat, "Do you accept PayPal?").json()["suggestedActions"][0]["type"] == (
        "escalate"
    )  # no payment policy any more


def test_an_unknown_question_offers_a_person_and_a_second_hands_over(shop):
    chat = _start(shop, shop.new_cart())["id"]

    first = shop.say(chat, UNSURE).json()
    second = shop.say(chat, "Do you ship to the moon?").json()

    assert first["response"].startswith("I'm not sure about that one, and I'd rather not guess.")
    assert first["suggestedActions"] == [
        {"type": "escalate", "label": "Talk to a person", "data": {}}
    ]
    assert (first["escalated"], first["status"]) == (False, "OPEN")
    assert (second["escalated"], second["status"]) == (True, "ESCALATED")
    assert second["suggestedActions"] == []
    assert [m["role"] for m in second["messages"]] == ["user", "assistant", "system"]
    row = _chat_row(shop, chat)
    assert (row.escalation_reason, row.needs_reply) == ("FRUSTRATION", True)
    [listed] = inbox.conversations(shop.session, shop.company.id)  # the shopper's latest words
    assert (listed.id, listed.needs_reply, listed.last_message) == (
        row.id, True, "Do you ship to the moon?"
    )  # fmt: skip


def test_talk_to_a_human_hands_over_with_only_the_note(shop):
    chat = _start(shop, shop.new_cart())["id"]

    body = shop.say(chat, "talk to a human please").json()

    assert (body["response"], body["suggestedActions"], body["escalated"]) == ("", [], True)
    assert _said(body) == [("user", "talk to a human please"), ("system", NOTE)]
    assert _chat_row(shop, chat).escalation_reason == "REQUEST"


def test_a_high_value_cart_hands_over_at_the_first_unanswered_question(shop, session):
    roaster = make_product(session, shop.company, name="Roaster", price="520.00", available=3)
    chat = _start(shop, shop.new_cart(product=roaster))["id"]

    body = shop.say(chat, UNSURE).json()

    assert body["escalated"] is True
    assert _chat_row(shop, chat).escalation_reason == "HIGH_VALUE"


def test_escalation_follows_the_companys_switches(shop):
    shop.chat_config(escalateToHuman={"onFrustration": False, "onRequest": False})
    chat = _start(shop, shop.new_cart())["id"]

    answers = [shop.say(chat, text).json() for text in (UNSURE, UNSURE, "I want a human")]

    assert [a["escalated"] for a in answers] == [False, False, False]
    assert _chat_row(shop, chat).status is ChatSessionStatus.OPEN


def test_the_escalate_endpoint_hands_over_once(shop):
    chat = _start(shop)["id"]

    first = shop.api.post(f"{SESSIONS}/{chat}/escalate")
    again = shop.api.post(f"{SESSIONS}/{chat}/escalate")

    assert first.status_code == again.status_code == 200
    assert (first.json()["escalated"], first.json()["status"]) == (True, "ESCALATED")
    assert _said(first.json()) == [("system", NOTE)]
    assert first.json()["messages"] == again.json()["messages"]  # no second note
    assert len(shop.session.exec(select(ChatMessage)).all()) == 2


def test_while_a_person_has_it_the_shopper_is_not_answered_and_the_reply_reaches_them(shop):
    chat = _start(shop, shop.new_cart())["id"]
    shop.say(chat, "talk to a human please")
    row = _chat_row(shop, chat)
    chat_domain.reply(shop.session, chat=row, author="Dana Agent", content="Hi, Dana here!",
                      now=utcnow())  # fmt: skip
    shop.session.commit()

    waiting = shop.say(chat, "Do you accept PayPal?").json()
    assert (waiting["response"], waiting["escalated"]) == ("", False)
    assert _said(waiting) == [("user", "Do you accept PayPal?")]
    assert _chat_row(shop, chat).needs_reply is True
    seen = waiting["messages"][-1]["seq"]

    chat_domain.reply(shop.session, chat=_chat_row(shop, chat), author="Dana Agent",
                      content="Yes, PayPal works.", now=utcnow())  # fmt: skip
    shop.session.commit()
    polled = shop.api.get(f"{SESSIONS}/{chat}/messages", params={"after": seen})

    assert polled.status_code == 200
    [reply] = polled.json()["messages"]
    assert (reply["role"], reply["content"], reply["author"]) == (
        "agent",
        "Yes, PayPal works.",
        "Dana",
    )
    assert reply["seq"] == seen + 1 and polled.json()["status"] == "ESCALATED"
    assert _chat_row(shop, chat).needs_reply is False
    everything = shop.api.get(f"{SESSIONS}/{chat}/messages").json()["messages"]
    assert [m["seq"] for m in everything] == list(range(1, seen + 2))


def test_bad_messages_are_refused_and_not_stored(shop):
    chat = _start(shop)["id"]

    for body, status in (
        ({"content": ""}, 422),
        ({"content": "x" * 1001}, 422),
        ({}, 422),
        ({"content": "hi", "role": "agent"}, 422),
        ({"content": 42}, 422),
        ({"content": "   "}, 422),  # only spaces: nothing to answer
    ):
        response = shop.api.post(f"{SESSIONS}/{chat}/messages", json=body)

        assert response.status_code == status, (body, response.text)
        assert response.json()["detail"]
    assert len(shop.session.exec(select(ChatMessage)).all()) == 1  # the welcome


def test_a_1000_character_message_is_fine(shop):
    chat = _start(shop)["id"]

    assert shop.say(chat, "x" * 1000).status_code == 200


def test_unknown_or_malformed_chat_tokens(shop):
    _start(shop)
    action = {"messageId": "0" * 24, "type": "escalate"}

    for token, status in (("A" * 32, 404), ("short", 422), ("bad token!!", 422), ("x" * 49, 422)):
        for response in (
            shop.api.get(f"{SESSIONS}/{token}/messages"),
            shop.api.post(f"{SESSIONS}/{token}/messages", json={"content": "hi"}),
            shop.api.post(f"{SESSIONS}/{token}/escalate"),
            shop.api.post(f"{SESSIONS}/{token}/actions", json=action),
        ):
            assert response.status_code == status, (token, response.text)
    assert len(shop.session.exec(select(ChatMessage)).all()) == 1


def test_a_bad_after_is_422(shop):
    chat = _start(shop)["id"]

    assert shop.api.get(f"{SESSIONS}/{chat}/messages", params={"after": -1}).status_code == 422
    assert shop.api.get(f"{SESSIONS}/{chat}/messages", params={"after": "x"}).status_code == 422


# --- actions -----------------------------------------------------------------------------------


def test_an_action_sending_its_own_percent_gets_at_most_the_cap(shop):
    token = shop.new_cart()
    chat = _start(shop, token)["id"]
    offer = _discount_offer(shop, chat)
    assert offer["actions"] == [
        {"type": "apply_discount", "label": "Apply 10% off", "data": {"percent": "10"}}
    ]

    response = shop.act(chat, offer["id"], "apply_discount", data={"percent": 90})

    assert response.status_code == 200, response.text
    body = response.json()
    [code] = shop.codes(token)
    assert (code.kind, code.value, code.max_uses) == (DiscountKind.PERCENT, Decimal("10.00"), 1)
    assert body["cart"]["discount_code"] == code.code
    assert (body["cart"]["subtotal"], body["cart"]["discount_total"]) == ("40.00", "4.00")
    assert body["response"] == f"Done! 10% off is applied to your cart (code {code.code})."
    assert shop.cart(token).discount_total == Decimal("4.00")


def test_an_action_with_a_made_up_message_id_is_404_and_applies_nothing(shop):
    token = shop.new_cart()
    chat = _start(shop, token)["id"]
    _discount_offer(shop, chat)

    response = shop.act(chat, "0" * 24, "apply_discount", data={"percent": 10})

    assert response.status_code == 404
    assert response.json()["detail"] == "No such message in this chat."
    assert shop.all_codes() == [] and shop.cart(token).discount_total == Decimal("0.00")


def test_an_action_of_a_type_the_message_did_not_offer_is_409(shop):
    token = shop.new_cart()
    chat = _start(shop, token)["id"]
    answer = shop.say(chat, "Do you accept PayPal?").json()["messages"][-1]
    offer = _discount_offer(shop, chat)

    not_in_answer = shop.act(chat, answer["id"], "apply_discount")
    shipping = shop.act(chat, offer["id"], "update_shipping")
    welcome = shop.act(chat, _start(shop, token)["messages"][0]["id"], "apply_discount")

    for response in (not_in_answer, shipping, welcome):
        assert response.status_code == 409, response.text
        assert response.json()["detail"] == "That action was not offered in this chat."
    assert shop.all_codes() == [] and shop.cart(token).shipping_total == Decimal("5.99")


def test_another_chats_offer_cannot_be_taken_here(shop):
    mine, theirs = shop.new_cart(), shop.new_cart()
    my_chat = _start(shop, mine)["id"]
    their_chat = _start(shop, theirs)["id"]
    their_offer = _discount_offer(shop, their_chat)

    response = shop.act(my_chat, their_offer["id"], "apply_discount")

    assert response.status_code == 404
    assert shop.all_codes() == []


def test_malformed_action_requests_are_422(shop):
    token = shop.new_cart()
    chat = _start(shop, token)["id"]
    offer = _discount_offer(shop, chat)["id"]

    for body in (
        {"messageId": "not-hex", "type": "apply_discount"},
        {"messageId": "0" * 25, "type": "apply_discount"},
        {"messageId": offer, "type": "refund"},
        {"messageId": offer},
        {"messageId": offer, "type": "apply_discount", "percent": 90},
        {"messageId": offer, "type": "apply_discount", "data": {str(i): i for i in range(6)}},
    ):
        response = shop.api.post(f"{SESSIONS}/{chat}/actions", json=body)

        assert response.status_code == 422, body
    assert shop.all_codes() == []


def test_two_discount_actions_give_one_code(shop):
    token = shop.new_cart()
    chat = _start(shop, token)["id"]
    offer = _discount_offer(shop, chat)

    first = shop.act(chat, offer["id"], "apply_discount")
    second = shop.act(chat, offer["id"], "apply_discount")
    asked_again = shop.say(chat, "any other discount?").json()

    assert first.status_code == 200 and second.status_code == 409
    assert second.json()["detail"] == "That offer is no longer available for this cart."
    assert len(shop.codes(token)) == 1
    assert shop.cart(token).discount_total == Decimal("4.00")
    assert all(a["type"] != "apply_discount" for a in asked_again["suggestedActions"])


def test_no_chat_discount_after_the_exit_intent_discount(shop):
    token = shop.new_cart()
    chat = _start(shop, token)["id"]
    early = _discount_offer(shop, chat)  # offered before the exit offer
    exit_offer = shop.track(token, EXIT).json()["intervention"]
    accepted = shop.respond(token, exit_offer["id"], {"action": "accepted"})
    assert accepted.status_code == 200 and accepted.json()["discount_total"] == "4.00"

    asked = shop.say(chat, "Do you have any discount for me?").json()
    taken = shop.act(chat, early["id"], "apply_discount", data={"percent": 10})

    assert all(a["type"] != "apply_discount" for a in asked["suggestedActions"])
    assert taken.status_code == 409
    [code] = shop.codes(token)  # the exit offer's only
    assert code.value == Decimal("10.00")
    assert shop.cart(token).discount_code == code.code
    assert shop.cart(token).discount_total == Decimal("4.00")


def test_a_chat_discount_then_exit_intent_gets_no_second_offer(shop):
    token = shop.new_cart()
    chat = _start(shop, token)["id"]
    shop.act(chat, _discount_offer(shop, chat)["id"], "apply_discount")

    tracked = shop.track(token, EXIT)

    assert tracked.status_code == 200 and tracked.json()["intervention"] is None
    assert len(shop.codes(token)) == 1


def test_no_chat_discount_while_the_cart_carries_the_shoppers_code(shop):
    token = shop.new_cart()
    chat = _start(shop, token)["id"]
    early = _discount_offer(shop, chat)
    code = make_discount_code(shop.session, shop.company, code="WELCOME5", value="5.00")
    shop.api.post(f"{shop.base}/carts/{token}/discount", json={"code": code.code})

    asked = shop.say(chat, "Do you have any discount for me?").json()
    taken = shop.act(chat, early["id"], "apply_discount")

    assert all(a["type"] != "apply_discount" for a in asked["suggestedActions"])
    assert taken.status_code == 409
    assert shop.codes(token) == [] and shop.cart(token).discount_code == "WELCOME5"


def test_the_escalate_action_hands_over(shop):
    chat = _start(shop, shop.new_cart())["id"]
    unsure = shop.say(chat, UNSURE).json()["messages"][-1]

    response = shop.act(chat, unsure["id"], "escalate")

    assert response.status_code == 200
    body = response.json()
    assert (body["escalated"], body["status"], body["cart"]) == (True, "ESCALATED", None)
    assert _said(body) == [("system", NOTE)]


# --- Claude ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def _one_server():
    with FakeAnthropicServer() as server:  # stopping one takes half a second: share it
        yield server


@pytest.fixture
def claude(monkeypatch, _one_server):
    """Settings with an API key and the fake server's address, as in production."""
    _one_server.replies.clear()
    _one_server.requests.clear()
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", _one_server.base_url)
    get_settings.cache_clear()
    yield _one_server
    get_settings.cache_clear()


def _usage(shop: Shop) -> list[AIUsage]:
    shop.session.expire_all()
    return list(
        shop.session.exec(select(AIUsage).where(col(AIUsage.company_id) == shop.company.id)).all()
    )


def test_claudes_grounded_answer_is_the_reply_and_its_usage_is_recorded(shop, claude):
    claude.reply_json({"answer": "Yes! PayPal works at checkout.", "grounded": True})
    chat = _start(shop, shop.new_cart())["id"]

    body = shop.say(chat, "paypal?").json()

    assert body["response"] == "Yes! PayPal works at checkout."
    assert body["suggestedActions"] == [] and body["escalated"] is False
    [request] = claude.requests
    assert request.model == get_settings().anthropic_fast_model
    assert "[payment] We accept Visa" in request.prompt and "SHOPPER: paypal?" in request.prompt
    [usage] = _usage(shop)
    assert (usage.purpose, usage.outcome) == (AIPurpose.CHECKOUT_CHAT, "ok")
    assert usage.input_tokens > 0 and usage.cost_usd > 0
    row = shop.session.exec(select(ChatMessage).where(col(ChatMessage.seq) == 3)).one()
    assert row.source == "claude"


def test_claude_proposing_50_percent_is_offered_and_applied_at_the_cap(shop, claude):
    claude.reply_json({"answer": "I can do 50% off!", "grounded": True,
                       "action": "apply_discount", "discountPercent": 50})  # fmt: skip
    token = shop.new_cart()
    chat = _start(shop, token)["id"]

    body = shop.say(chat, "any chance of a discount?").json()
    [action] = body["suggestedActions"]
    taken = shop.act(chat, body["messages"][-1]["id"], "apply_discount", data={"percent": 50})

    assert action == {"type": "apply_discount", "label": "Apply 10% off", "data": {"percent": "10"}}
    assert taken.status_code == 200
    assert [c.value for c in shop.codes(token)] == [Decimal("10.00")]
    assert taken.json()["cart"]["discount_total"] == "4.00"


def test_claudes_free_shipping_is_applied_when_shipping_is_charged(shop, claude):
    claude.reply_json(
        {"answer": "Shipping's on us.", "grounded": True, "action": "update_shipping"}
    )
    token = shop.new_cart()
    chat = _start(shop, token)["id"]

    body = shop.say(chat, "shipping is too expensive").json()
    taken = shop.act(chat, body["messages"][-1]["id"], "update_shipping")

    assert body["suggestedActions"][0]["type"] == "update_shipping"
    assert taken.status_code == 200 and taken.json()["cart"]["shipping_total"] == "0.00"
    [code] = shop.codes(token)
    assert code.kind is DiscountKind.FREE_SHIPPING


@pytest.mark.parametrize("failure", ["500", "prose"])
def test_a_failing_claude_falls_back_to_the_policies_and_the_failure_is_recorded(
    shop, claude, failure
):
    if failure == "500":
        claude.reply_status(500)
    else:
        claude.reply_text("Sure thing, PayPal is fine")
    chat = _start(shop, shop.new_cart())["id"]

    body = shop.say(chat, "Do you accept PayPal?").json()

    assert body["response"].startswith("We accept Visa, Mastercard")
    assert len(claude.requests) == 1
    assert [(u.purpose, u.outcome) for u in _usage(shop)] == [(AIPurpose.CHECKOUT_CHAT, "error")]


def test_a_claude_that_hangs_is_given_up_on_and_the_policies_answer(shop, claude, monkeypatch):
    monkeypatch.setattr(service, "CHAT_TIMEOUT_SECONDS", 0.3)
    claude.reply_slowly(3.0, {"answer": "late", "grounded": True})
    chat = _start(shop, shop.new_cart())["id"]

    started = time.monotonic()
    body = shop.say(chat, "Do you accept PayPal?").json()

    assert time.monotonic() - started < 2.5
    assert body["response"].startswith("We accept Visa, Mastercard")
    assert [u.outcome for u in _usage(shop)] == ["error"]


def test_a_spent_budget_answers_from_the_policies_without_asking_claude(shop, claude):
    shop.session.add(AIUsage(company_id=shop.company.id, purpose=AIPurpose.CONTENT,
                             model="claude-sonnet-4-6", input_tokens=DEFAULT_MONTHLY_TOKEN_BUDGET,
                             output_tokens=1, created_at=utcnow()))  # fmt: skip
    shop.session.commit()
    claude.reply_json({"answer": "from Claude", "grounded": True})
    chat = _start(shop, shop.new_cart())["id"]

    body = shop.say(chat, "Do you accept PayPal?").json()

    assert body["response"].startswith("We accept Visa, Mastercard")
    assert claude.requests == []
    assert [u.purpose for u in _usage(shop)] == [AIPurpose.CONTENT]


def test_without_a_key_the_policies_answer(shop, _one_server):
    _one_server.requests.clear()
    chat = _start(shop, shop.new_cart())["id"]

    body = shop.say(chat, "Do you accept PayPal?").json()

    assert body["response"].startswith("We accept Visa, Mastercard")
    assert _one_server.requests == [] and _usage(shop) == []


def test_with_on_request_off_nobody_is_offered_or_summoned(shop):
    """No person can come: the assistant neither offers one nor hands the chat over, by
    button or by the escalate call."""
    shop.chat_config(escalateToHuman={"onRequest": False})
    chat = _start(shop, shop.new_cart())["id"]

    unsure = shop.say(chat, UNSURE).json()
    asked = shop.api.post(f"{SESSIONS}/{chat}/escalate")

    assert unsure["suggestedActions"] == []
    assert "team member" not in unsure["response"]
    assert asked.status_code == 409, asked.text
    assert "can't join" in asked.json()["detail"]
    conversation = shop.session.exec(select(ChatSession)).one()
    shop.session.refresh(conversation)
    assert conversation.status is not ChatSessionStatus.ESCALATED
