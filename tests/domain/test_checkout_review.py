"""Review of the checkout chat's retrieval answerer (spec §6): how it reads a shopper's intent.
Each test shows a defect found in review and is a strict xfail until it is fixed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cart_admin.demo import policies as demo_policies
from cart_admin.domain.chat import answerer
from cart_admin.domain.chat.answerer import Intent
from cart_admin.domain.chat.config import CheckoutChatConfig
from cart_admin.domain.chat.policies import Passage, PoliciesForm, passages
from cart_admin.models import Company


def _passages() -> list[Passage]:
    form = PoliciesForm(
        shipping=demo_policies.SHIPPING,
        returns=demo_policies.RETURNS,
        payment=demo_policies.PAYMENT,
        faq=demo_policies.FAQ,
    )
    company = Company(name="Bluebird Roasters", slug="bluebird", shipping_flat_rate=Decimal("5.99"))
    return passages(form, company, Decimal("50"))


@pytest.mark.parametrize(
    "question",
    ["What's the deal with shipping to Canada?", "Where do I enter my promo code?"],
)
@pytest.mark.xfail(
    strict=True,
    reason="BUG: cart_admin/domain/chat/answerer.py:63-68 DISCOUNT_ASK matches any 'deal' or "
    "'promo' (HOW_TO_CODE only excuses 'how do/can I ...'): a shipping question the policies "
    "answer, or where to type a code, gets 'I can take 10% off' and an apply_discount button "
    "instead of the answer, spending the cart's one price offer on a shopper who never asked",
)
def test_a_question_that_is_not_a_discount_request_is_answered_not_discounted(question):
    answer = answerer.answer(
        question, _passages(), CheckoutChatConfig(), None, discount_available=Decimal("10")
    )

    assert answer.intent is not Intent.DISCOUNT
    assert [a.type for a in answer.actions] == []
    assert answer.answered


@pytest.mark.parametrize(
    "question",
    ["Can someone else pick up the parcel?", "Is the courier DHL or a local agent?"],
)
@pytest.mark.xfail(
    strict=True,
    reason="BUG: cart_admin/domain/chat/answerer.py:53-56 HUMAN matches any 'someone', "
    "'agent', 'a person', 'speak with': ordinary delivery questions are answered 'I'll ask a "
    "team member' and escalated to the Inbox (escalation REQUEST) instead of answered",
)
def test_a_delivery_question_mentioning_someone_is_not_a_request_for_a_person(question):
    assert answerer.read_intent(question) is not Intent.HUMAN
