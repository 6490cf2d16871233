"""The words of the demo's recovery messages and phone calls, short and in the shop's voice."""

from __future__ import annotations

from typing import Any

from cart_admin.demo.catalog import CHECKOUT_URL
from cart_admin.demo.world import DemoCart, money_str
from cart_admin.models import InterventionType as K
from cart_admin.models import VoiceCallOutcome as V

# subject, headline, body, call to action; fields: name, item, total, count, code, pct, reviews
TEMPLATES: dict[K, tuple[str, str, str, str]] = {
    K.CART_REMINDER: (
        "Still shopping, {name}?",
        "Your cart is right where you left it",
        "Your {item} is saved and ready when you are.",
        "Back to my cart",
    ),
    K.CART_SUMMARY: (
        "You left ${total} in your cart",
        "Here's what's in your cart",
        "{item}{more}, saved just as you left it.",
        "Review my cart",
    ),
    K.DIAGNOSIS_SURVEY: (
        "Quick question, {name}",
        "What's holding you back?",
        "One tap tells us how to help: price, shipping, or something else?",
        "Tell us",
    ),
    K.PERCENTAGE_DISCOUNT: (
        "Here's 10% off your order",
        "A little help with the price",
        "Use code {code} for 10% off your {item}. Valid for 48 hours.",
        "Apply my 10%",
    ),
    K.FREE_SHIPPING: (
        "Free shipping on your order!",
        "Shipping's on us",
        "Code {code} waives shipping on your cart for the next 48 hours.",
        "Ship it free",
    ),
    K.REVIEWS_SHOWCASE: (
        "See what {reviews} customers say",
        "Loved by coffee people",
        "Real reviews of your {item}, from people who brew it every day.",
        "Read the reviews",
    ),
    K.PRODUCT_FAQ: (
        "Answers to common questions",
        "Everything about your {item}",
        "Roast dates, grind sizes, care and shipping: the questions we hear most.",
        "See the answers",
    ),
    K.PRICE_MATCH: (
        "Found it cheaper? We'll match it",
        "Our price-match promise",
        "Send us the link and we'll match any roaster's price on your {item}.",
        "Match my price",
    ),
    K.COMPARISON_CHART: (
        "See how we compare",
        "Why shoppers choose Bluebird",
        "Roasted within 48 hours of shipping, 30-day returns on gear: see the side-by-side.",
        "Compare",
    ),
    K.WISHLIST_SAVE: (
        "We saved your cart for you",
        "Take your time",
        "Your {item} is saved. We'll tell you if the price drops or stock runs low.",
        "View my saved cart",
    ),
    K.BEST_OFFER: (
        "{pct}% off, just for you, for 48 hours",
        "Our best offer on your cart",
        "Code {code} takes {pct}% off your ${total} cart. It's single-use and yours alone.",
        "Claim {pct}% off",
    ),
    K.LOSS_VISUALIZATION: (
        "Your {item} won't wait forever",
        "Don't miss out",
        "Small batches and favourite gear sell out. Here's what you'd be missing.",
        "Keep my cart",
    ),
    K.WINBACK: (
        "We miss you, {name}",
        "Your cart is still here",
        "Whenever you're ready, your {item} is one click away.",
        "Finish my order",
    ),
}


def recovery_url(cart: DemoCart) -> str:
    return f"{CHECKOUT_URL}?recover={cart.public_token}"


def content(kind: K, cart: DemoCart, offer: dict[str, Any] | None) -> dict[str, str]:
    """A message's subject, headline, body, call to action and link back to the cart."""
    subject, headline, body, cta = TEMPLATES[kind]
    products = cart.products
    fields = {
        "name": cart.customer.first_name if cart.customer else "there",
        "item": products[0].spec.name,
        "more": f" and {len(products) - 1} more" if len(products) > 1 else "",
        "total": money_str(cart.totals.grand),
        "code": (offer or {}).get("code", ""),
        "pct": (offer or {}).get("value", ""),
        "reviews": f"{max(p.spec.reviews for p in products):,}",
    }
    return {
        "subject": subject.format(**fields),
        "headline": headline.format(**fields),
        "body": body.format(**fields),
        "cta": cta.format(**fields),
        "recoveryUrl": recovery_url(cart),
    }


def voice_transcript(outcome: V, cart: DemoCart, pct: int | None) -> list[dict[str, str]] | None:
    """What was said on an answered call (a voicemail is the agent alone); None if unanswered."""
    if outcome is V.NO_ANSWER:
        return None
    name = cart.customer.first_name if cart.customer else "there"
    item = cart.products[0].spec.name
    agent = (
        f"Hi {name}, this is Jamie from Bluebird Coffee Roasters. I saw you left our {item} "
        "in your cart and wanted to see if I can help."
    )
    if outcome is V.VOICEMAIL:
        return [
            {"role": "agent", "text": agent + " Your cart is saved; reply to our text anytime."}
        ]
    lines = [("agent", agent), *_replies(outcome, pct or 15)]
    return [{"role": role, "text": text} for role, text in lines]


def _replies(outcome: V, pct: int) -> list[tuple[str, str]]:
    replies = {
        V.RECOVERED: [
            ("customer", "Oh, right, I got distracted. I do still want it."),
            ("agent", "Great, I've sent you a link to pick up right where you left off."),
            ("customer", "Perfect, thanks."),
        ],
        V.DISCOUNT_ACCEPTED: [
            ("customer", "Honestly it was a bit more than I wanted to spend."),
            ("agent", f"I understand. I can take {pct}% off your order right now."),
            ("customer", "Okay, that works. Send it over."),
        ],
        V.CALLBACK_REQUESTED: [
            ("customer", "I'm at work right now, can you call me back tomorrow?"),
            ("agent", "Of course. I'll call tomorrow afternoon; your cart stays saved."),
        ],
        V.DECLINED: [
            ("customer", "Thanks, but I've changed my mind."),
            ("agent", "No problem. Your cart is saved for 7 days if you change it back."),
        ],
        V.ESCALATED: [
            ("customer", "I tried to pay and my card kept getting declined."),
            ("agent", "Let me connect you with a team member who can sort that out."),
        ],
        V.DISCONNECTED: [("customer", "Sorry, who is this? You're breaking up...")],
    }
    return replies[outcome]
