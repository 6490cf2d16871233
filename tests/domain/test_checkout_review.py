"""Review of the checkout chat's retrieval answerer (spec §6): how it reads a shopper's intent.
Each test shows a defect found in review, now fixed."""

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
def test_a_delivery_question_mentioning_someone_is_not_a_request_for_a_person(question):
    assert answerer.read_intent(question) is not Intent.HUMAN
