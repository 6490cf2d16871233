"""The checkout chat's answers, without a database: the policy passages, the BM25 retrieval
answerer and the shopper's intent; then Claude (the fake Messages API) grounded in the same
passages, its proposals held to what the server allows, and the fallback when it fails."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest

from cart_admin.channels.ai import AICompleter, ChatMessage, TokenUsage
from cart_admin.domain.chat import answerer
from cart_admin.domain.chat.answerer import CartFacts, Intent, ProposedAction, read_intent
from cart_admin.domain.chat.claude import ClaudeAnswerer, ClaudeReply, prompt
from cart_admin.domain.chat.config import DEFAULT_QUICK_QUESTIONS, CheckoutChatConfig
from cart_admin.domain.chat.policies import PoliciesForm, passages
from cart_admin.models import Company
from tests.checkout_world import demo_policies_form
from tests.fakes.anthropic_server import FakeAnthropicServer

CONFIG = CheckoutChatConfig()
COMPANY = Company(
    name="Bluebird Roasters",
    slug="bluebird",
    shipping_flat_rate=Decimal("5.99"),
    currency="USD",
    support_email="hello@bluebird-roasters.example",
)
PASSAGES = passages(demo_policies_form(), COMPANY, Decimal("50.00"))
CART = CartFacts(
    grand_total=Decimal("49.19"),
    shipping_total=Decimal("5.99"),
    item_count=1,
    free_shipping_remaining=Decimal("10.00"),
)


def _answer(question: str, *, config=CONFIG, cart=CART, discount: Decimal | None = None):
    return answerer.answer(question, PASSAGES, config, cart, discount_available=discount)


# --- passages ----------------------------------------------------------------------------------


def test_the_policies_become_passages_and_the_store_states_its_own_facts():
    topics = [p.topic for p in PASSAGES]
    assert topics == ["shipping"] * 3 + ["returns"] * 2 + ["payment"] * 2 + ["faq"] * 4 + [
        "shipping",
        "store",
    ]
    faq = [p for p in PASSAGES if p.topic == "faq"]
    assert faq[0].question == "Can I change my order after placing it?"
    assert faq[0].text.startswith("Yes, until it ships")
    assert (
        PASSAGES[-2].text
        == "Shipping costs a flat $5.99 per order, and free on orders over $50.00."
    )
    assert PASSAGES[-1].text == "You can also e-mail us at hello@bluebird-roasters.example."


def test_the_shipping_fact_follows_the_rate_and_the_threshold():
    free = Company(name="F", slug="f", shipping_flat_rate=Decimal("0"), currency="EUR")
    no_threshold = passages(PoliciesForm(), COMPANY, None)
    euro = Company(name="E", slug="e", shipping_flat_rate=Decimal("4.50"), currency="EUR")

    assert (
        passages(PoliciesForm(), free, Decimal("50"))[-1].text == "Shipping is free on every order."
    )
    assert no_threshold[0].text == "Shipping costs a flat $5.99 per order."
    assert passages(PoliciesForm(), euro, Decimal("60"))[-1].text == (
        "Shipping costs a flat €4.50 per order, and free on orders over €60.00."
    )


# --- intent ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Can I talk to a human?", Intent.HUMAN),
        ("I want to speak with someone", Intent.HUMAN),
        ("customer service please", Intent.HUMAN),
        ("this is useless", Intent.FRUSTRATED),
        ("Why is shipping so expensive!!!", Intent.FRUSTRATED),
        ("WHERE IS MY DISCOUNT CODE", Intent.FRUSTRATED),
        ("Any discount for me?", Intent.DISCOUNT),
        ("do you have a promo?", Intent.DISCOUNT),
        ("How do I apply a discount code?", Intent.QUESTION),
        ("What's your return policy?", Intent.QUESTION),
        ("OK", Intent.QUESTION),
    ],
)
def test_the_shoppers_intent_is_read_from_plain_phrases(text, intent):
    assert read_intent(text) is intent


# --- answers from the policies -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "topic", "says"),
    [
        (DEFAULT_QUICK_QUESTIONS[0], "shipping", "Shipping costs a flat $5.99 per order"),
        (DEFAULT_QUICK_QUESTIONS[1], "payment", "PayPal, Apple Pay and Google Pay"),
        (DEFAULT_QUICK_QUESTIONS[2], "faq", "Yes, until it ships"),
        (DEFAULT_QUICK_QUESTIONS[3], "faq", 'Type it in the "Discount code" field'),
        (DEFAULT_QUICK_QUESTIONS[4], "returns", "Tell us within 30 days of delivery"),
        ("Can I get a refund?", "returns", "refund you in full"),
        ("How long does delivery to Canada take?", "shipping", "5-10 business days"),
        ("Is there tracking?", "shipping", "Every order ships with tracking"),
        ("When is my card charged?", "payment", "charged when the order ships"),
        ("Do you do subscriptions?", "faq", "10% off every delivery"),
    ],
)
def test_each_question_is_answered_from_the_policy_that_says_it(question, topic, says):
    reply = _answer(question)

    assert (reply.answered, reply.topic, reply.source) == (True, topic, "policy")
    assert says in reply.text
    assert reply.actions == []


def test_a_shipping_answer_states_the_carts_own_figures():
    reply = _answer("What's the shipping cost to my area?")

    assert reply.text.startswith(
        "Shipping on your cart is $5.99; add $10.00 more and it ships free. "
        "Shipping costs a flat $5.99 per order"
    )


def test_a_cart_that_ships_free_is_told_so_and_no_cart_gets_no_cart_line():
    free = CartFacts(Decimal("60"), Decimal("0"), 2, None)

    assert _answer("How much is shipping?", cart=free).text.startswith("Your cart ships free. ")
    assert _answer("How much is shipping?", cart=None).text.startswith("Shipping costs a flat")
    returns = _answer("What's your return policy?")
    assert "your cart" not in returns.text.lower()  # only shipping answers quote the cart


def test_an_unknown_question_is_not_guessed_and_offers_a_person():
    reply = _answer("Do you sell tea?")

    assert reply.answered is False
    assert reply.text == (
        "I'm not sure about that one, and I'd rather not guess. "
        "Would you like me to ask a team member?"
    )
    assert reply.actions == [ProposedAction("escalate", "Talk to a person")]


def test_a_topic_the_chat_may_not_answer_is_not_answered():
    config = CheckoutChatConfig.model_validate({"aiCapabilities": {"canAnswerReturns": False}})

    reply = _answer("What's your return policy?", config=config)

    assert "30 days" not in reply.text
    assert reply.topic != "returns"


def test_a_request_for_a_person_is_acknowledged():
    reply = _answer("Can I talk to a real person?")

    assert (reply.intent, reply.answered) == (Intent.HUMAN, True)
    assert reply.text == "Of course. I'll ask a team member to join this chat."


def test_a_discount_is_offered_only_when_one_is_available_and_at_that_percent():
    offered = _answer("Do you have any discount?", discount=Decimal("7.5"))
    none_left = _answer("Do you have any discount?", discount=None)

    assert offered.intent is Intent.DISCOUNT and offered.answered
    assert offered.actions == [
        ProposedAction("apply_discount", "Apply 7.5% off", {"percent": "7.5"})
    ]
    assert offered.text.startswith("I can take 7.5% off this order for you.")
    assert all(a.type != "apply_discount" for a in none_left.actions)
    assert "% off this order" not in none_left.text


def test_no_policies_means_only_the_stores_facts_answer():
    bare = passages(PoliciesForm(), COMPANY, Decimal("50"))

    shipping = answerer.answer("How much is shipping?", bare, CONFIG, None, discount_available=None)
    returns = answerer.answer("Can I return it?", bare, CONFIG, None, discount_available=None)

    assert shipping.answered and shipping.text.startswith("Shipping costs a flat $5.99")
    assert returns.answered is False


# --- Claude ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def _one_server():
    with FakeAnthropicServer() as server:  # stopping one takes half a second: share it
        yield server


@pytest.fixture
def anthropic_server(_one_server):
    """The module's fake Messages API, with nothing scripted or recorded yet."""
    _one_server.replies.clear()
    _one_server.requests.clear()
    return _one_server


def _claude(server, *, timeout: float = 5.0):
    usage: list[tuple[TokenUsage, str, str]] = []
    completer = AICompleter(
        api_key="test-key", model="claude-haiku-4-5", base_url=server.base_url, timeout=timeout
    )
    claude = ClaudeAnswerer(completer, lambda u, m, o: usage.append((u, m, o)), timeout=timeout)
    return claude, usage


def _ask(claude, question: str, *, discount=Decimal("10"), free_shipping=True, history=()):
    return claude.answer(
        question,
        list(history),
        PASSAGES,
        CONFIG,
        CART,
        discount_available=discount,
        free_shipping_available=free_shipping,
    )


def test_claudes_grounded_answer_is_used_and_its_prompt_holds_the_facts(anthropic_server):
    anthropic_server.reply_json({"answer": "Yes, we take PayPal.", "grounded": True})
    claude, usage = _claude(anthropic_server)

    reply = _ask(
        claude,
        "paypal ok?",
        history=[ChatMessage("user", "hi"), ChatMessage("assistant", "Hello!")],
    )

    assert (reply.text, reply.source, reply.answered, reply.actions) == (
        "Yes, we take PayPal.", "claude", True, []
    )  # fmt: skip
    [request] = anthropic_server.requests
    assert "Use ONLY the POLICIES and CART facts given" in request.system
    assert request.texts[:2] == ["hi", "Hello!"]
    last = request.texts[-1]
    assert "[payment] We accept Visa, Mastercard" in last
    assert (
        "- shipping on this cart: $5.99" in last and "- $10.00 more to reach free shipping" in last
    )
    assert "DISCOUNT ALLOWED: up to 10%" in last and "FREE SHIPPING ALLOWED: yes" in last
    assert last.endswith("SHOPPER: paypal ok?")
    [(tokens, model, outcome)] = usage
    assert (model, outcome) == ("claude-haiku-4-5", "ok") and tokens.input_tokens > 0


@pytest.mark.parametrize(
    ("proposal", "available", "expected", "label"),
    [
        (50, Decimal("10"), "10", "Apply 10% off"),  # clamped to the cap
        (5, Decimal("10"), "5.00", "Apply 5% off"),  # less is fine
        (7.5, Decimal("7.25"), "7.25", "Apply 7.25% off"),
        (None, Decimal("10"), "10", "Apply 10% off"),  # no figure: what is available
        (-20, Decimal("10"), "10", "Apply 10% off"),
    ],
)
def test_claudes_discount_is_clamped_to_what_is_available(
    anthropic_server, proposal, available, expected, label
):
    anthropic_server.reply_json(
        {"answer": "Here's 50% off!", "grounded": True, "action": "apply_discount",
         "discountPercent": proposal}
    )  # fmt: skip
    claude, _ = _claude(anthropic_server)

    reply = _ask(claude, "any discount?", discount=available)

    [action] = reply.actions
    assert (action.type, action.data) == ("apply_discount", {"percent": expected})
    assert action.label == label
    assert reply.intent is Intent.DISCOUNT


def test_claude_cannot_offer_what_is_not_available(anthropic_server):
    anthropic_server.reply_json(
        {
            "answer": "Have 20% off",
            "grounded": True,
            "action": "apply_discount",
            "discountPercent": 20,
        }
    )
    anthropic_server.reply_json(
        {"answer": "Free shipping for you", "grounded": True, "action": "update_shipping"}
    )
    claude, _ = _claude(anthropic_server)

    discount = _ask(claude, "discount?", discount=None)
    shipping = _ask(claude, "shipping is too much", free_shipping=False)

    assert discount.actions == [] and shipping.actions == []
    assert "DISCOUNT ALLOWED: no" in anthropic_server.requests[0].texts[-1]
    assert "FREE SHIPPING ALLOWED: no" in anthropic_server.requests[1].texts[-1]


def test_an_ungrounded_answer_offers_a_person_and_counts_as_unanswered(anthropic_server):
    anthropic_server.reply_json({"answer": "Probably next week.", "grounded": False})
    claude, _ = _claude(anthropic_server)

    reply = _ask(claude, "when do you restock the Kenya?")

    assert reply.answered is False
    assert reply.actions == [ProposedAction("escalate", "Talk to a person")]


def test_a_request_for_a_person_does_not_ask_claude(anthropic_server):
    claude, usage = _claude(anthropic_server)

    reply = _ask(claude, "I want to talk to a human")

    assert reply.intent is Intent.HUMAN and reply.source == "policy"
    assert anthropic_server.requests == [] and usage == []


@pytest.mark.parametrize(
    "script",
    [
        lambda s: s.reply_status(500),
        lambda s: s.reply_status(429),
        lambda s: s.reply_text("Sure! PayPal works."),  # not JSON
        lambda s: s.reply_json({"answer": "", "grounded": True}),  # does not validate
        lambda s: s.reply_json({"answer": "x", "grounded": True, "action": "refund_everything"}),
    ],
    ids=["500", "429", "prose", "empty-answer", "unknown-action"],
)
def test_any_claude_failure_falls_back_to_the_policies(anthropic_server, script):
    script(anthropic_server)
    claude, usage = _claude(anthropic_server)

    reply = _ask(claude, "Do you accept PayPal?")

    assert (reply.source, reply.answered, reply.topic) == ("policy", True, "payment")
    assert "PayPal" in reply.text
    assert [outcome for _, _, outcome in usage] == ["error"]


def test_a_claude_that_hangs_is_given_up_on_in_time(anthropic_server):
    anthropic_server.reply_slowly(3.0, {"answer": "late", "grounded": True})
    claude, usage = _claude(anthropic_server, timeout=0.3)

    started = time.monotonic()
    reply = _ask(claude, "Do you accept PayPal?")

    assert time.monotonic() - started < 2.5
    assert reply.source == "policy" and "PayPal" in reply.text
    assert [outcome for _, _, outcome in usage] == ["error"]


@pytest.mark.parametrize("figure", ["1e30", "1e400", "NaN"])
def test_an_absurd_discount_figure_falls_back_or_is_clamped(anthropic_server, figure):
    anthropic_server.reply_text(
        '{"answer": "Take it all", "grounded": true, "action": "apply_discount", '
        f'"discountPercent": {figure}}}'
    )
    claude, _ = _claude(anthropic_server)

    reply = _ask(claude, "any discount?")

    assert all(a.data.get("percent") in (None, "10", "10.00") for a in reply.actions)


def test_the_prompt_without_a_cart_or_offers():
    text = prompt(PASSAGES, CONFIG, None, None, False)

    assert "CART:\n- unknown" in text
    assert "DISCOUNT ALLOWED: no" in text and "FREE SHIPPING ALLOWED: no" in text
    closed = CheckoutChatConfig.model_validate({"aiCapabilities": {"canAnswerPayment": False}})
    assert "[payment]" not in prompt(PASSAGES, closed, None, None, False)
    assert prompt([], CONFIG, None, None, False).startswith("POLICIES:\n(none written)")


def test_claudes_reply_model_matches_the_documented_fields():
    reply = ClaudeReply.model_validate(json.loads('{"answer": "a", "grounded": false}'))

    assert (reply.action, reply.discount_percent) == ("none", None)
