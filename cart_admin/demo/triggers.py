"""Which behavioural triggers are true for a cart, and the fact each one would show.

The drawer and the recovery messages may only use true facts (DESIGN: real stock, real
ratings, real hold expiry), so every trigger in the demo data comes from here.
"""

from __future__ import annotations

from typing import Any

from cart_admin.demo.catalog import FREE_SHIPPING_THRESHOLD
from cart_admin.demo.world import DemoCart, iso, money_str
from cart_admin.models import BehavioralTrigger as T
from cart_admin.models import CartSaveStage as S

TRUST_SIGNALS = ["secure-checkout", "30-day-returns", "roasted-to-order"]

# What each stage's message leans on, most wanted first; the first three true ones are used.
STAGE_TRIGGERS: dict[S, tuple[T, ...]] = {
    S.BROWSE_REMINDER: (T.ENDOWMENT, T.SCARCITY, T.SOCIAL_PROOF, T.PERSONALIZATION),
    S.PATTERN_INTERRUPT: (T.CURIOSITY, T.ENDOWMENT, T.SOCIAL_PROOF, T.ANCHORING),
    S.DIAGNOSIS_SURVEY: (T.PERSONALIZATION, T.COMMITMENT, T.AUTHORITY),
    S.BRANCHING_INTERVENTION: (T.RECIPROCITY, T.SOCIAL_PROOF, T.AUTHORITY, T.GOAL_GRADIENT),
    S.NUCLEAR_OFFER: (T.EXCLUSIVITY, T.URGENCY, T.RECIPROCITY, T.SCARCITY, T.LOSS_AVERSION),
    S.LOSS_VISUALIZATION: (T.LOSS_AVERSION, T.SCARCITY, T.ENDOWMENT, T.ANCHORING),
    S.WINBACK_SEQUENCE: (T.PERSONALIZATION, T.SOCIAL_PROOF, T.AUTHORITY, T.COMMITMENT),
}


def cart_facts(cart: DemoCart) -> dict[T, dict[str, Any]]:
    """The triggers true for this cart's contents and shopper, with what each would show."""
    facts: dict[T, dict[str, Any]] = {}
    products = cart.products
    low = [p for p in products if p.low_stock]
    if low:
        facts[T.SCARCITY] = {"productId": low[0].id, "stockLevel": low[0].available}
    if cart.hold_expires_at is not None:
        facts[T.URGENCY] = {"holdExpiresAt": iso(cart.hold_expires_at)}
    reviewed = [p for p in products if p.spec.reviews > 0 and p.spec.rating is not None]
    if reviewed:
        top = max(reviewed, key=lambda p: p.spec.reviews)
        facts[T.SOCIAL_PROOF] = {
            "productId": top.id,
            "rating": str(top.spec.rating),
            "reviewCount": top.spec.reviews,
        }
    anchored = [p for p in products if p.spec.compare_at is not None]
    if anchored:
        facts[T.ANCHORING] = {
            "productId": anchored[0].id,
            "price": money_str(anchored[0].price),
            "compareAtPrice": money_str(anchored[0].spec.compare_at),
        }
    facts.update(_shipping_facts(cart))
    facts[T.LOSS_AVERSION] = {"productId": products[0].id, "itemCount": cart.item_count}
    facts[T.AUTHORITY] = {"signals": list(TRUST_SIGNALS)}
    facts[T.COMMITMENT] = {"itemCount": cart.item_count}
    facts[T.ENDOWMENT] = {"cartValue": money_str(cart.totals.grand)}
    if cart.customer is not None:
        facts[T.PERSONALIZATION] = {"firstName": cart.customer.first_name}
    return facts


def _shipping_facts(cart: DemoCart) -> dict[T, dict[str, Any]]:
    """Free-shipping progress: a gift in reach and a goal nearly met, while under $50."""
    subtotal = cart.totals.subtotal
    if subtotal >= FREE_SHIPPING_THRESHOLD:
        return {}
    progress = {
        "threshold": money_str(FREE_SHIPPING_THRESHOLD),
        "remaining": money_str(FREE_SHIPPING_THRESHOLD - subtotal),
        "progressPercent": int(subtotal * 100 / FREE_SHIPPING_THRESHOLD),
    }
    return {T.GOAL_GRADIENT: progress, T.RECIPROCITY: {"gift": "FREE_SHIPPING", **progress}}


def message_triggers(cart: DemoCart, stage: S, *, offer: dict[str, Any] | None) -> list[str]:
    """Up to three true triggers for a stage's message; an offer adds its own truths."""
    truths = set(cart_facts(cart))
    truths.discard(T.URGENCY)  # a lapsed hold is no longer a fact once the cart is abandoned
    if stage is S.PATTERN_INTERRUPT:
        truths.add(T.CURIOSITY)
    if offer is not None:
        truths.add(T.RECIPROCITY)
        if offer.get("code"):
            truths.add(T.EXCLUSIVITY)
        if offer.get("expiresAt"):
            truths.add(T.URGENCY)
    return [str(t) for t in STAGE_TRIGGERS[stage] if t in truths][:3]
