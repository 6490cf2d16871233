"""The checkout chat's conversation on a real database: who answers, when a person is asked to
join, and what an action the server offered is worth when the shopper takes it."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlmodel import Session, col, select

from cart_admin.domain import storefront as shop_domain
from cart_admin.domain.chat import conversation as chat
from cart_admin.domain.chat.answerer import Answer, Intent, ProposedAction
from cart_admin.domain.churn import tracking
from cart_admin.domain.tenancy import NotFound
from cart_admin.models import (
    Cart,
    CartStatus,
    ChatMessage,
    ChatRole,
    ChatSession,
    ChatSessionStatus,
    CheckoutIntervention,
    CheckoutInterventionStatus,
    DiscountKind,
)
from cart_admin.models import CheckoutChurnSignal as C
from cart_admin.models import InterventionType as K
from cart_admin.models.types import utcnow
from tests.checkout_world import TAB, Shop, make_checkout_shop, set_holdout
from tests.factories import make_product

UNSURE = "Do you sell tea?"  # nothing in the demo policies answers it


@pytest.fixture
def shop(session: Session) -> Shop:
    return make_checkout_shop(session)


def _store(shop: Shop):
    return shop_domain.storefront_for_key(shop.session, public_key=shop.key)


def _open(shop: Shop, token: str | None = "new") -> ChatSession:
    """A committed conversation for a new cart (or the given one; None: no cart)."""
    if token == "new":
        token = shop.new_cart()
    cart = shop.cart(token) if token else None
    started = chat.start(shop.session, store=_store(shop), cart=cart, context={}, now=utcnow())
    shop.session.commit()
    return started


def _post(shop: Shop, conversation: ChatSession, text: str, answer_with=chat.retrieval_answerer):
    posted = chat.post(
        shop.session, chat=conversation, content=text, answer_with=answer_with, now=utcnow()
    )
    shop.session.commit()
    return posted


def _said(posted) -> list[tuple[str, str]]:
    return [(str(m.role), m.content) for m in posted.messages]


def _proposing(*actions: ProposedAction, text: str = "Here you go.", answered: bool = True):
    """An answerer that proposes the given actions (what Claude or a later answerer might)."""

    def answer(question, history, passages, config, cart, **_) -> Answer:
        return Answer(text, Intent.DISCOUNT, "claude", answered=answered, actions=list(actions))

    return answer


def _never(*args, **kwargs) -> Answer:
    raise AssertionError("no answer is wanted while a person has the conversation")


def _take(shop: Shop, conversation: ChatSession, message: ChatMessage, kind: str):
    done = chat.take_action(
        shop.session, chat=conversation, message_id=message.id, kind=kind, now=utcnow()
    )
    shop.session.commit()
    return done


def _messages(shop: Shop, conversation: ChatSession) -> list[ChatMessage]:
    shop.session.expire_all()
    return chat.messages_after(shop.session, conversation)


# --- starting ----------------------------------------------------------------------------------


def test_a_conversation_opens_with_the_welcome_message(shop):
    shop.chat_config(welcomeMessage="Hello from Bluebird! Ask me anything.")

    conversation = _open(shop)

    assert len(conversation.token) == 32 and conversation.status is ChatSessionStatus.OPEN
    [welcome] = _messages(shop, conversation)
    assert (welcome.seq, welcome.role, welcome.source) == (1, ChatRole.ASSISTANT, "welcome")
    assert welcome.content == "Hello from Bluebird! Ask me anything."
    assert conversation.landing_page_id == shop.page.id


def test_a_switched_off_chat_does_not_start_or_answer(shop):
    conversation = _open(shop)
    shop.chat_config(enabled=False)

    with pytest.raises(chat.ChatError, match="not available"):
        _open(shop)
    with pytest.raises(chat.ChatError, match="not available"):
        _post(shop, conversation, "Do you accept PayPal?")
    assert len(_messages(shop, conversation)) == 1


def test_a_cart_keeps_its_conversation_until_it_is_closed(shop):
    token = shop.new_cart()
    store, cart = _store(shop), shop.cart(token)

    first = chat.open_for_cart(shop.session, store=store, cart=cart, now=utcnow())
    chat.escalate(shop.session, first, "REQUEST", utcnow())
    again = chat.open_for_cart(shop.session, store=store, cart=cart, now=utcnow())
    chat.close(shop.session, first, now=utcnow())
    after_close = chat.open_for_cart(shop.session, store=store, cart=cart, now=utcnow())
    shop.session.commit()

    assert again.id == first.id
    assert after_close.id != first.id and after_close.status is ChatSessionStatus.OPEN
    assert after_close.context == {"cartValue": str(cart.grand_total), "itemCount": 1}


# --- answers and escalation --------------------------------------------------------------------


def test_an_answer_is_stored_with_what_answered_it(shop):
    conversation = _open(shop)

    posted = _post(shop, conversation, "Do you accept PayPal?")

    assert posted.escalated is False
    user, reply = posted.messages
    assert (user.seq, user.role, user.content) == (2, ChatRole.USER, "Do you accept PayPal?")
    assert (reply.seq, reply.role, reply.source) == (3, ChatRole.ASSISTANT, "policy")
    assert reply.details == {"answered": True, "intent": "QUESTION", "topic": "payment"}
    assert "PayPal" in reply.content and reply.actions == []


def test_asking_for_a_person_hands_over_with_only_the_note(shop):
    conversation = _open(shop)

    posted = _post(shop, conversation, "Can I talk to a human please?")

    assert posted.escalated is True
    assert _said(posted) == [
        ("user", "Can I talk to a human please?"),
        ("system", "I've asked a team member to join. They'll reply right here."),
    ]
    assert (conversation.status, conversation.escalation_reason) == (
        ChatSessionStatus.ESCALATED, "REQUEST"
    )  # fmt: skip
    assert conversation.needs_reply is True and conversation.escalated_at is not None


def test_with_requests_switched_off_asking_for_a_person_does_not_hand_over(shop):
    shop.chat_config(escalateToHuman={"onRequest": False})
    conversation = _open(shop)

    posted = _post(shop, conversation, "Can I talk to a human please?")

    assert posted.escalated is False
    assert conversation.status is ChatSessionStatus.OPEN and conversation.needs_reply is False


def test_with_requests_switched_off_the_shopper_is_not_promised_a_person(shop):
    shop.chat_config(escalateToHuman={"onRequest": False})
    conversation = _open(shop)

    posted = _post(shop, conversation, "Can I talk to a human please?")

    reply = posted.messages[-1]
    assert reply.role is ChatRole.ASSISTANT
    assert not re.search(r"I'll ask|will (join|reply|be with you)", reply.content), reply.content


def test_two_unanswered_questions_in_a_row_hand_over_for_frustration(shop):
    conversation = _open(shop)

    first = _post(shop, conversation, UNSURE)
    second = _post(shop, conversation, "Do you ship to Japan by boat?")

    assert first.escalated is False
    assert [a["type"] for a in first.messages[-1].actions] == ["escalate"]
    assert second.escalated is True
    assert (conversation.status, conversation.escalation_reason) == (
        ChatSessionStatus.ESCALATED, "FRUSTRATION"
    )  # fmt: skip
    _, unsure, note = second.messages
    assert unsure.details["answered"] is False and unsure.actions == []  # the note says it
    assert note.role is ChatRole.SYSTEM


def test_an_answer_between_two_unanswered_questions_resets_the_count(shop):
    conversation = _open(shop)

    results = [
        _post(shop, conversation, UNSURE).escalated,
        _post(shop, conversation, "Do you accept PayPal?").escalated,
        _post(shop, conversation, "Do you ship to Japan by boat?").escalated,
    ]

    assert results == [False, False, False]
    assert conversation.status is ChatSessionStatus.OPEN


def test_an_angry_message_hands_over_at_once(shop):
    conversation = _open(shop)

    posted = _post(shop, conversation, "This checkout is ridiculous")

    assert posted.escalated is True and conversation.escalation_reason == "FRUSTRATION"


def test_with_frustration_switched_off_nothing_hands_over(shop):
    shop.chat_config(escalateToHuman={"onFrustration": False})
    conversation = _open(shop)

    results = [_post(shop, conversation, q).escalated for q in (UNSURE, UNSURE, "useless!!!")]

    assert results == [False, False, False]
    assert conversation.needs_reply is False


def test_a_high_value_cart_hands_over_at_the_first_unanswered_question(shop, session):
    chair = make_product(session, shop.company, name="Roaster", price="520.00", available=5)
    token = shop.new_cart(product=chair)
    conversation = _open(shop, token)

    answered = _post(shop, conversation, "Do you accept PayPal?")
    unsure = _post(shop, conversation, UNSURE)

    assert answered.escalated is False
    assert unsure.escalated is True and conversation.escalation_reason == "HIGH_VALUE"


def test_the_high_value_rule_follows_the_threshold_and_its_switch(shop):
    shop.chat_config(escalateToHuman={"highValueThreshold": "45"})
    over = _open(shop)  # a $40 mug with shipping and tax: over $45
    assert _post(shop, over, UNSURE).escalated is True
    assert over.escalation_reason == "HIGH_VALUE"

    shop.chat_config(escalateToHuman={"highValueThreshold": "45", "onHighValue": False})
    switched_off = _open(shop)
    assert _post(shop, switched_off, UNSURE).escalated is False

    shop.chat_config(escalateToHuman={"highValueThreshold": "500"})
    under = _open(shop)
    assert _post(shop, under, UNSURE).escalated is False

    without_cart = _open(shop, None)
    assert _post(shop, without_cart, UNSURE).escalated is False


def test_while_a_person_has_it_the_shoppers_messages_wait_for_them(shop):
    conversation = _open(shop)
    chat.escalate(shop.session, conversation, "REQUEST", utcnow())
    chat.reply(shop.session, chat=conversation, author="Dana Agent", content="Hi!", now=utcnow())
    shop.session.commit()
    assert conversation.needs_reply is False

    posted = _post(shop, conversation, "Do you accept PayPal?", answer_with=_never)

    assert _said(posted) == [("user", "Do you accept PayPal?")]
    assert posted.escalated is False
    assert conversation.needs_reply is True


def test_asking_again_while_waiting_adds_no_second_note(shop):
    conversation = _open(shop)

    first = chat.escalate(shop.session, conversation, "REQUEST", utcnow())
    second = chat.escalate(shop.session, conversation, "CHURN", utcnow())
    shop.session.commit()

    assert first.id == second.id
    assert conversation.escalation_reason == "REQUEST"
    assert [m.role for m in _messages(shop, conversation)] == [ChatRole.ASSISTANT, ChatRole.SYSTEM]


def test_a_persons_reply_is_what_the_shoppers_next_poll_gets(shop):
    conversation = _open(shop)
    _post(shop, conversation, "Can I talk to a human please?")
    seen = max(m.seq for m in _messages(shop, conversation))

    chat.reply(shop.session, chat=conversation, author="Dana Agent", content=" Hi, Dana here. ",
               now=utcnow())  # fmt: skip
    shop.session.commit()

    [new] = chat.messages_after(shop.session, conversation, seen)
    assert (new.role, new.content, new.author, new.source) == (
        ChatRole.AGENT, "Hi, Dana here.", "Dana Agent", "person"
    )  # fmt: skip
    assert conversation.needs_reply is False
    with pytest.raises(chat.ChatError):
        chat.reply(shop.session, chat=conversation, author="Dana", content="   ", now=utcnow())


def test_a_person_may_step_into_a_conversation_nobody_handed_over(shop):
    conversation = _open(shop)

    chat.reply(shop.session, chat=conversation, author="Dana", content="Need a hand?", now=utcnow())

    assert conversation.status is ChatSessionStatus.ESCALATED
    assert conversation.escalation_reason == "AGENT"


def test_closing_ends_the_wait_and_a_new_message_reopens_it(shop):
    conversation = _open(shop)
    _post(shop, conversation, "Can I talk to a human please?")

    chat.close(shop.session, conversation, now=utcnow())
    shop.session.commit()
    assert (conversation.status, conversation.needs_reply) == (ChatSessionStatus.CLOSED, False)

    posted = _post(shop, conversation, "Do you accept PayPal?")
    assert conversation.status is ChatSessionStatus.OPEN
    assert "PayPal" in posted.messages[-1].content


def test_empty_or_overlong_messages_are_refused_and_not_stored(shop):
    conversation = _open(shop)

    for text in ("", "   ", "x" * 1001):
        with pytest.raises(chat.ChatError):
            _post(shop, conversation, text)
        shop.session.rollback()
    assert len(_messages(shop, conversation)) == 1


# --- actions: only what the server offered, worth what the server allows now -------------------


def _offer_discount(shop: Shop, conversation: ChatSession) -> ChatMessage:
    posted = _post(shop, conversation, "Do you have any discount for me?")
    offer = posted.messages[-1]
    assert [a["type"] for a in offer.actions] == ["apply_discount"], offer.actions
    return offer


def _codes(shop: Shop, conversation: ChatSession):
    return [c for c in shop.all_codes() if c.cart_id == conversation.cart_id]


def _cart(shop: Shop, conversation: ChatSession) -> Cart:
    shop.session.expire_all()
    cart = shop.session.get(Cart, conversation.cart_id)
    assert cart is not None
    return cart


def _price_offers(shop: Shop, conversation: ChatSession) -> list[CheckoutIntervention]:
    shop.session.expire_all()
    return list(
        shop.session.exec(
            select(CheckoutIntervention).where(
                col(CheckoutIntervention.cart_id) == conversation.cart_id
            )
        ).all()
    )


def test_taking_the_offered_discount_applies_the_cap_as_a_code_for_this_cart(shop):
    conversation = _open(shop)
    offer = _offer_discount(shop, conversation)

    done = _take(shop, conversation, offer, "apply_discount")

    [code] = _codes(shop, conversation)
    assert (code.kind, code.value, code.max_uses, code.cart_id) == (
        DiscountKind.PERCENT, Decimal("10.00"), 1, conversation.cart_id
    )  # fmt: skip
    assert done.cart is not None and done.cart.totals.discount_total == Decimal("4.00")
    assert done.message.content == f"Done! 10% off is applied to your cart (code {code.code})."
    assert done.message.details == {"action": "apply_discount", "code": code.code}
    [row] = _price_offers(shop, conversation)
    assert (row.type, row.action, row.status, row.price_slot) == (
        K.PERCENTAGE_DISCOUNT, "APPLY_DISCOUNT", CheckoutInterventionStatus.ACCEPTED, "PRICE"
    )  # fmt: skip
    assert (row.discount_percent, row.discount_code_id, row.chat_session_id) == (
        Decimal("10.00"), code.id, conversation.id
    )  # fmt: skip
    assert conversation.discount_code_id == code.id


def test_a_proposal_above_the_cap_is_applied_at_the_cap(shop):
    conversation = _open(shop)
    proposing = _proposing(ProposedAction("apply_discount", "Apply 90% off", {"percent": "90"}))
    offer = _post(shop, conversation, "discount?", answer_with=proposing).messages[-1]

    done = _take(shop, conversation, offer, "apply_discount")

    assert [c.value for c in _codes(shop, conversation)] == [Decimal("10.00")]
    assert done.cart.totals.discount_total == Decimal("4.00")


def test_the_cap_at_the_moment_it_is_taken_is_the_one_applied(shop):
    conversation = _open(shop)
    offer = _offer_discount(shop, conversation)
    shop.cap("2.5")

    done = _take(shop, conversation, offer, "apply_discount")

    assert [c.value for c in _codes(shop, conversation)] == [Decimal("2.50")]
    assert done.cart.totals.discount_total == Decimal("1.00")


@pytest.mark.parametrize("change", ["cap to zero", "discounts off", "holdout", "converted"])
def test_an_offer_that_is_no_longer_allowed_is_refused(shop, change):
    conversation = _open(shop)
    offer = _offer_discount(shop, conversation)
    if change == "cap to zero":
        shop.cap(0)
    elif change == "discounts off":
        shop.chat_config(aiCapabilities={"canApplyDiscounts": False})
    elif change == "holdout":
        set_holdout(shop.session, shop.company, 50)
        token = shop.holdout_cart()
        conversation = _open(shop, token)
        set_holdout(shop.session, shop.company, 0)
        offer = _offer_discount(shop, conversation)
        set_holdout(shop.session, shop.company, 50)
    else:
        cart = _cart(shop, conversation)
        cart.status = CartStatus.CONVERTED
        shop.session.add(cart)
        shop.session.commit()

    with pytest.raises(chat.ChatError, match="no longer available"):
        _take(shop, conversation, offer, "apply_discount")
    shop.session.rollback()
    assert _codes(shop, conversation) == [] and _price_offers(shop, conversation) == []


def test_one_price_offer_per_cart_a_second_action_is_refused(shop):
    conversation = _open(shop)
    offer = _offer_discount(shop, conversation)
    _take(shop, conversation, offer, "apply_discount")

    with pytest.raises(chat.ChatError):
        _take(shop, conversation, offer, "apply_discount")
    shop.session.rollback()
    again = _post(shop, conversation, "Any other discount?")

    assert len(_codes(shop, conversation)) == 1
    assert all(a["type"] != "apply_discount" for a in again.messages[-1].actions)


def test_after_the_exit_offer_the_chat_offers_no_discount_and_takes_none(shop):
    conversation = _open(shop)
    earlier = _offer_discount(shop, conversation)  # offered before the exit offer was shown
    cart = _cart(shop, conversation)
    shown = tracking.track(shop.session, cart=cart, session_id=TAB, now=utcnow(),
                           signals=[tracking.Signal(C.MOUSE_EXIT_INTENT),
                                    tracking.Signal(C.TAB_SWITCHING)])  # fmt: skip
    shop.session.commit()
    assert shown.intervention is not None and shown.intervention.type is K.EXIT_INTENT

    asked = _post(shop, conversation, "Do you have any discount for me?")
    with pytest.raises(chat.ChatError):
        _take(shop, conversation, earlier, "apply_discount")
    shop.session.rollback()

    assert all(a["type"] != "apply_discount" for a in asked.messages[-1].actions)
    assert _codes(shop, conversation) == []
    assert [r.type for r in _price_offers(shop, conversation)] == [K.EXIT_INTENT]


def test_after_a_chat_discount_the_exit_offer_is_not_shown(shop):
    conversation = _open(shop)
    _take(shop, conversation, _offer_discount(shop, conversation), "apply_discount")
    cart = _cart(shop, conversation)

    result = tracking.track(shop.session, cart=cart, session_id=TAB, now=utcnow(),
                            signals=[tracking.Signal(C.TAB_CLOSE_ATTEMPT),
                                     tracking.Signal(C.MOUSE_EXIT_INTENT)])  # fmt: skip
    shop.session.commit()

    assert result.intervention is None and result.risk_score == 70
    assert [r.type for r in _price_offers(shop, conversation)] == [K.PERCENTAGE_DISCOUNT]
    assert len(_codes(shop, conversation)) == 1


def test_an_action_never_offered_is_refused(shop):
    conversation = _open(shop)
    answered = _post(shop, conversation, "Do you accept PayPal?").messages[-1]
    elsewhere = _open(shop)
    other_offer = _offer_discount(shop, elsewhere)

    with pytest.raises(chat.ChatError, match="not offered"):
        _take(shop, conversation, answered, "apply_discount")
    with pytest.raises(NotFound):
        _take(shop, conversation, other_offer, "apply_discount")  # another chat's message
    with pytest.raises(NotFound):
        chat.take_action(shop.session, chat=conversation, message_id="0" * 24,
                         kind="apply_discount", now=utcnow())  # fmt: skip
    with pytest.raises(chat.ChatError, match="not offered"):
        _take(shop, elsewhere, other_offer, "update_shipping")  # offered, but not this type
    shop.session.rollback()

    assert shop.all_codes() == []


def test_free_shipping_offered_by_the_answerer_makes_shipping_free(shop):
    conversation = _open(shop)
    proposing = _proposing(
        ProposedAction("update_shipping", "Get free shipping", {"method": "free"})
    )
    offer = _post(shop, conversation, "shipping is too much", answer_with=proposing).messages[-1]

    done = _take(shop, conversation, offer, "update_shipping")

    [code] = _codes(shop, conversation)
    assert code.kind is DiscountKind.FREE_SHIPPING
    assert done.cart.totals.shipping_total == Decimal("0.00")
    assert done.message.content == f"Done! Shipping on this order is now free (code {code.code})."
    assert [r.type for r in _price_offers(shop, conversation)] == [K.FREE_SHIPPING_OFFER]


def test_the_escalate_action_hands_over(shop):
    conversation = _open(shop)
    unsure = _post(shop, conversation, UNSURE).messages[-1]

    done = _take(shop, conversation, unsure, "escalate")

    assert done.message.role is ChatRole.SYSTEM and done.cart is None
    assert (conversation.status, conversation.escalation_reason) == (
        ChatSessionStatus.ESCALATED, "REQUEST"
    )  # fmt: skip


def test_a_chat_without_a_cart_offers_no_discount_and_applies_none(shop):
    conversation = _open(shop, None)
    proposing = _proposing(ProposedAction("apply_discount", "Apply 10% off", {"percent": "10"}))

    asked = _post(shop, conversation, "Do you have any discount?")
    offer = _post(shop, conversation, "discount?", answer_with=proposing).messages[-1]

    assert all(a["type"] != "apply_discount" for a in asked.messages[-1].actions)
    with pytest.raises(chat.ChatError, match="no cart"):
        _take(shop, conversation, offer, "apply_discount")
    assert shop.all_codes() == []
