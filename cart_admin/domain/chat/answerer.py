"""Answers from the company's own words: a small BM25 retrieval over the policy passages, the
cart's true figures for shipping questions, and the shopper's intent (a person, a discount,
frustration) read from plain phrases. Used without an API key, and whenever Claude fails.

Pure: the conversation module gives it the passages, the cart facts and the settings, and
decides what to do with the answer; nothing here touches the database.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from cart_admin.domain.chat.config import CheckoutChatConfig
from cart_admin.domain.chat.policies import Passage
from cart_admin.domain.save_flow.content import money
from cart_admin.domain.save_flow.offers import percent_text

WORD = re.compile(r"[a-z0-9]+")
# fmt: off
STOP = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "could", "do", "does", "for",
    "from", "have", "how", "i", "if", "in", "is", "it", "its", "me", "my", "of", "on", "or", "our",
    "so", "that", "the", "their", "there", "this", "to", "was", "we", "what", "when", "where",
    "which", "who", "will", "with", "would", "you", "your", "yours", "please", "hi", "hello",
    "thanks", "thank",
})
# fmt: on
# fmt: off
SYNONYMS = {  # folded onto one word so a question finds the policy that says it differently
    "deliver": "ship", "delivery": "ship", "shipped": "ship", "shipping": "ship", "post": "ship",
    "postage": "ship", "arrive": "ship", "arrival": "ship", "dispatch": "ship", "courier": "ship",
    "refund": "return", "returns": "return", "returning": "return", "exchange": "return",
    "send": "return", "back": "return",
    "pay": "payment", "paying": "payment", "card": "payment", "cards": "payment",
    "visa": "payment", "mastercard": "payment", "amex": "payment",
    "coupon": "code", "promo": "code", "voucher": "code", "codes": "code",
    "change": "modify", "edit": "modify", "cancel": "modify", "cancellation": "modify",
    "costs": "cost", "price": "cost", "fee": "cost", "fees": "cost", "charge": "cost",
    "rate": "cost", "much": "cost", "expensive": "cost",
    "long": "days", "take": "days", "quick": "days", "quickly": "days",
}
# fmt: on
TOPIC_WORDS = {
    "shipping": {"ship", "cost", "fee", "area", "international", "country", "fast", "days"},
    "returns": {"return", "policy", "days", "damaged", "wrong"},
    "payment": {"payment", "paypal", "klarna", "afterpay", "apple", "google", "installments"},
}
# A request for a person, not any sentence naming someone ("can someone else pick it up?").
HUMAN = re.compile(
    r"\b(human|real person|live (agent|person|chat)|representative|customer (service|support)|"
    r"(talk|speak|chat) (to|with) (a |an |the |your |some)?(one|body|person|people|team|staff|"
    r"agent|human|somebody|someone|support)|connect me)\b",
    re.I,
)
FRUSTRATED = re.compile(
    r"\b(ridiculous|useless|terrible|awful|angry|furious|annoy\w*|frustrat\w*|stupid|"
    r"not helpful|doesn'?t help|waste of time|wtf|scam)\b|!!!",
    re.I,
)
# Asking for a lower price: a discount word with a request ("any discount?", "can I get a
# coupon"), or "cheaper"; never where or how to type a code the shopper already has.
DISCOUNT_WORD = re.compile(
    r"\b(discount|coupon|promo|voucher|cheaper|money off|price match|\d+ ?% off)", re.I
)
DISCOUNT_REQUEST = re.compile(
    r"\b(any|got|get|give|offer|have you|do you have|is there|are there|can i|could i|"
    r"cheaper|price match)\b",
    re.I,
)
CODE_HOW_TO = re.compile(r"\b(where|how|enter|apply|type|field|box|put|use|work)\b", re.I)
MIN_SCORE = 1.2  # below this the best passage does not answer the question


class Intent(StrEnum):
    QUESTION = "QUESTION"
    HUMAN = "HUMAN"
    FRUSTRATED = "FRUSTRATED"
    DISCOUNT = "DISCOUNT"


@dataclass(frozen=True)
class CartFacts:
    """What the answer may say about this shopper's cart: only true things."""

    grand_total: Decimal
    shipping_total: Decimal
    item_count: int
    free_shipping_remaining: Decimal | None  # to the threshold; None when there is none
    currency: str = "USD"
    has_code: bool = False


@dataclass(frozen=True)
class ProposedAction:
    type: str  # apply_discount | update_shipping | escalate
    label: str
    data: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"type": self.type, "label": self.label, "data": self.data}


@dataclass(frozen=True)
class Answer:
    text: str
    intent: Intent
    source: str  # policy | claude
    answered: bool  # False: nothing in the policies answers it
    topic: str | None = None
    actions: list[ProposedAction] = field(default_factory=list)


def words(text: str) -> list[str]:
    out = []
    for raw in WORD.findall(text.lower()):
        word = SYNONYMS.get(raw, raw)
        if word in STOP:
            continue
        if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
            word = SYNONYMS.get(word[:-1], word[:-1])
        out.append(word)
    return out


def read_intent(text: str) -> Intent:
    if HUMAN.search(text):
        return Intent.HUMAN
    if FRUSTRATED.search(text) or (len(text) > 12 and text.isupper()):
        return Intent.FRUSTRATED
    if (
        DISCOUNT_WORD.search(text)
        and DISCOUNT_REQUEST.search(text)
        and not CODE_HOW_TO.search(text)
    ):
        return Intent.DISCOUNT
    return Intent.QUESTION


def allowed_topics(config: CheckoutChatConfig) -> set[str]:
    caps = config.ai_capabilities
    topics = {"faq", "store"}
    if caps.can_answer_shipping:
        topics.add("shipping")
    if caps.can_answer_returns:
        topics.add("returns")
    if caps.can_answer_payment:
        topics.add("payment")
    return topics


def rank(question: str, passages: list[Passage]) -> list[tuple[float, Passage]]:
    """BM25 (k1 1.2, b 0.75) over each passage's text and FAQ question, with a small boost
    for the passage's topic when the question uses that topic's words."""
    query = words(question)
    if not query or not passages:
        return []
    docs = [words(p.question + " " + p.question + " " + p.text) for p in passages]
    avg = sum(len(d) for d in docs) / len(docs) or 1.0
    df = Counter(w for d in docs for w in set(d))
    n = len(docs)
    scored = []
    for passage, doc in zip(passages, docs, strict=True):
        tf = Counter(doc)
        score = 0.0
        for word in query:
            if not tf[word]:
                continue
            idf = math.log(1 + (n - df[word] + 0.5) / (df[word] + 0.5))
            score += idf * tf[word] * 2.2 / (tf[word] + 1.2 * (0.25 + 0.75 * len(doc) / avg))
        if score and set(query) & TOPIC_WORDS.get(passage.topic, set()):
            score += 0.5
        scored.append((score, passage))
    return sorted(scored, key=lambda pair: -pair[0])


def _cart_line(topic: str, cart: CartFacts | None) -> str:
    """The cart's own shipping figure, for a shipping answer."""
    if cart is None or topic != "shipping" or cart.item_count == 0:
        return ""
    if cart.shipping_total <= 0:
        return "Your cart ships free. "
    line = f"Shipping on your cart is {money(cart.shipping_total, cart.currency)}"
    if cart.free_shipping_remaining and cart.free_shipping_remaining > 0:
        remaining = money(cart.free_shipping_remaining, cart.currency)
        line += f"; add {remaining} more and it ships free"
    return line + ". "


def answer(
    question: str,
    passages: list[Passage],
    config: CheckoutChatConfig,
    cart: CartFacts | None,
    *,
    discount_available: Decimal | None,
) -> Answer:
    """The reply to one shopper message. `discount_available` is the percent the chat may
    still offer this cart (None: none may be offered)."""
    intent = read_intent(question)
    if intent is Intent.HUMAN:
        if config.escalate_to_human.on_request:
            text = "Of course. I'll ask a team member to join this chat."
        else:  # nobody will come: say so, and where a person can be reached
            contact = next((p.text for p in passages if p.topic == "store"), "")
            text = (
                "Nobody from the shop can join this chat, but I can answer questions about "
                f"shipping, returns and payment. {contact}"
            ).strip()
        return Answer(text, intent, "policy", answered=True)
    if intent is Intent.DISCOUNT and discount_available:
        label = f"Apply {percent_text(discount_available)}% off"
        text = (
            f"I can take {percent_text(discount_available)}% off this order for you. "
            "Press the button and it's applied to your cart."
        )
        action = ProposedAction("apply_discount", label, {"percent": str(discount_available)})
        return Answer(text, intent, "policy", answered=True, topic="discount", actions=[action])
    topics = allowed_topics(config)
    ranked = [(s, p) for s, p in rank(question, passages) if p.topic in topics]
    if not ranked or ranked[0][0] < MIN_SCORE:
        kind = Intent.FRUSTRATED if intent is Intent.FRUSTRATED else intent
        if not config.escalate_to_human.on_request:  # nobody to offer: say where to ask
            contact = next((p.text for p in passages if p.topic == "store"), "")
            text = f"I'm not sure about that one, and I'd rather not guess. {contact}".strip()
            return Answer(text, kind, "policy", answered=False)
        text = (
            "I'm not sure about that one, and I'd rather not guess. "
            "Would you like me to ask a team member?"
        )
        escalate = ProposedAction("escalate", "Talk to a person")
        return Answer(text, kind, "policy", answered=False, actions=[escalate])
    best_score, best = ranked[0]
    text = _cart_line(best.topic, cart) + best.text
    runner_up = ranked[1] if len(ranked) > 1 else None
    if (
        runner_up is not None
        and runner_up[0] >= best_score * 0.8
        and runner_up[1].topic == best.topic != "faq"
    ):
        second = runner_up[1].text
        if len(text) + len(second) < 600:
            text += " " + second
    return Answer(text, intent, "policy", answered=True, topic=best.topic)
