"""Claude answers the checkout chat, grounded in the company's policies and the cart, and may
propose one of the configured actions. It proposes; the conversation module validates and acts.
Any failure (no connection, timeout, a reply that does not validate) falls back to retrieval."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from cart_admin.channels.ai import AICompleter, AIUnavailable, ChatMessage, TokenUsage
from cart_admin.domain.chat import answerer
from cart_admin.domain.chat.answerer import Answer, CartFacts, Intent, ProposedAction
from cart_admin.domain.chat.config import CheckoutChatConfig
from cart_admin.domain.chat.policies import Passage
from cart_admin.domain.save_flow.content import money
from cart_admin.domain.save_flow.offers import percent_text

SYSTEM = """You are the checkout assistant of an online store, chatting with a shopper who is \
about to pay. Answer in one to three short, friendly sentences, in the shopper's language.

Rules:
- Use ONLY the POLICIES and CART facts given. Never invent prices, delivery times, payment \
methods or rules. If they do not answer the question, say you are not sure and set action \
to "escalate" (a team member will join).
- Set "grounded" true only when the answer is stated in the POLICIES or CART facts.
- action "apply_discount" only when the shopper asks for a discount or a better price AND a \
discount is allowed below; discountPercent at most the allowed percent.
- action "update_shipping" (free shipping) only when the shopper is put off by the shipping \
cost AND free shipping is allowed below.
- action "escalate" when the shopper asks for a person or you cannot help.
- Otherwise action "none"."""


class ClaudeReply(BaseModel):
    answer: str = Field(min_length=1, max_length=800)
    grounded: bool
    action: Literal["none", "apply_discount", "update_shipping", "escalate"] = "none"
    discount_percent: float | None = Field(
        default=None, alias="discountPercent", ge=0, le=100, allow_inf_nan=False
    )


def prompt(
    passages: list[Passage],
    config: CheckoutChatConfig,
    cart: CartFacts | None,
    discount_available: Decimal | None,
    free_shipping_available: bool,
) -> str:
    topics = answerer.allowed_topics(config)
    policy = "\n".join(f"[{p.topic}] {p.question + ' ' if p.question else ''}{p.text}"
                       for p in passages if p.topic in topics)  # fmt: skip
    lines = [f"POLICIES:\n{policy or '(none written)'}", "CART:"]
    if cart is not None:
        lines.append(f"- {cart.item_count} items, total {money(cart.grand_total, cart.currency)}")
        shipping = "free" if cart.shipping_total <= 0 else money(cart.shipping_total, cart.currency)
        lines.append(f"- shipping on this cart: {shipping}")
        if cart.free_shipping_remaining:
            remaining = money(cart.free_shipping_remaining, cart.currency)
            lines.append(f"- {remaining} more to reach free shipping")
    else:
        lines.append("- unknown")
    lines.append(
        f"DISCOUNT ALLOWED: up to {percent_text(discount_available)}%"
        if discount_available
        else "DISCOUNT ALLOWED: no"
    )
    lines.append(f"FREE SHIPPING ALLOWED: {'yes' if free_shipping_available else 'no'}")
    return "\n".join(lines)


@dataclass
class ClaudeAnswerer:
    completer: AICompleter
    on_usage: Callable[[TokenUsage, str, str], None]  # (usage, model, outcome)
    timeout: float = 8.0

    def answer(
        self,
        question: str,
        history: Sequence[ChatMessage],
        passages: list[Passage],
        config: CheckoutChatConfig,
        cart: CartFacts | None,
        *,
        discount_available: Decimal | None,
        free_shipping_available: bool,
    ) -> Answer:
        fallback = answerer.answer(
            question, passages, config, cart, discount_available=discount_available
        )
        if fallback.intent is Intent.HUMAN:  # a plain request for a person: no model needed
            return fallback
        facts = prompt(passages, config, cart, discount_available, free_shipping_available)
        messages = [*history[-8:], ChatMessage("user", f"{facts}\n\nSHOPPER: {question}")]
        try:
            reply = self.completer.parse(
                system=SYSTEM, messages=messages, output=ClaudeReply, timeout=self.timeout
            )
        except AIUnavailable as exc:
            self.on_usage(exc.usage, self.completer.model, "error")
            return fallback
        self.on_usage(reply.usage, reply.model, "ok")
        value = reply.value
        actions = _actions(value, discount_available, free_shipping_available)
        intent = Intent.DISCOUNT if value.action == "apply_discount" else fallback.intent
        answered = value.grounded and value.action != "escalate"
        return Answer(value.answer.strip(), intent, "claude", answered=answered, actions=actions)


def _actions(
    value: ClaudeReply, discount_available: Decimal | None, free_shipping_available: bool
) -> list[ProposedAction]:
    """Claude's proposal, as the server allows it: a discount capped at what is available, free
    shipping only when available; anything else is dropped."""
    if value.action == "apply_discount" and discount_available:
        asked = Decimal(str(value.discount_percent or 0)).quantize(Decimal("0.01"))
        percent = min(asked, discount_available) if asked > 0 else discount_available
        label = f"Apply {percent_text(percent)}% off"
        return [ProposedAction("apply_discount", label, {"percent": str(percent)})]
    if value.action == "update_shipping" and free_shipping_available:
        return [ProposedAction("update_shipping", "Get free shipping", {"method": "free"})]
    if value.action == "escalate" or not value.grounded:
        return [ProposedAction("escalate", "Talk to a person")]
    return []
