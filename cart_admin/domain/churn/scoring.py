"""A checkout session's churn risk and the one intervention it calls for (spec §5).

Pure functions of the signals a session has shown, so the public `churn/track` endpoint, the
admin's explanations and the tests share one rule. The risk is a 0–100 score: each signal
kind has a weight (configurable per company), a repeated signal adds half its weight each time
up to twice it, and the sum is capped at 100.

The intervention follows the spec's rules, most specific first:
- shipping shock (items removed once shipping showed) -> FREE_SHIPPING_OFFER, only when the
  cart really pays shipping;
- discount hunting (two failed codes, or the embed's own DISCOUNT_HUNTING) -> DISCOUNT_HELP
  (the chat opens);
- form friction or payment trouble (long form time, field errors, address issues, a declined
  payment) -> CHECKOUT_HELP (the chat opens);
- an exit signal (pointer out through the top, back button, tab close) once the risk reaches
  the threshold -> EXIT_INTENT with a discount, never above the company's cap.
Each kind at most once per cart; at most one discount-bearing offer per cart, and none while
the cart carries a code (codes do not combine: the offer's would replace the shopper's);
nothing for a cart in the holdout group.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from cart_admin.domain.churn.config import ChurnConfig
from cart_admin.models import CheckoutChurnSignal as C
from cart_admin.models import InterventionType as K

EXIT_SIGNALS = frozenset({C.MOUSE_EXIT_INTENT, C.BACK_BUTTON, C.TAB_CLOSE_ATTEMPT})
FRICTION_SIGNALS = frozenset(
    {C.LONG_FORM_TIME, C.FORM_FIELD_ERRORS, C.ADDRESS_ISSUES, C.PAYMENT_DECLINED}
)
OFFERS = frozenset({K.EXIT_INTENT, K.FREE_SHIPPING_OFFER})  # they change the price


def risk_score(signals: Iterable[C], config: ChurnConfig) -> int:
    """0–100: each kind's weight, plus half of it per repeat up to twice the weight."""
    total = Decimal("0")
    for signal, seen in Counter(signals).items():
        weight = Decimal(config.weight(signal))
        total += min(weight * 2, weight * (1 + Decimal("0.5") * (seen - 1)))
    return int(min(total, Decimal(100)))


@dataclass(frozen=True)
class SessionFacts:
    """What the decision may rely on about the cart and what it already got."""

    shipping_total: Decimal
    discount_cap_percent: Decimal  # the company's cap for an in-checkout discount
    holdout: bool = False
    already: frozenset[K] = frozenset()  # interventions this cart was already shown
    chat_available: bool = True
    has_code: bool = False  # a code is on the cart: an offer's code would replace it


@dataclass(frozen=True)
class Decision:
    type: K
    action: str  # APPLY_DISCOUNT | APPLY_FREE_SHIPPING | OPEN_CHAT
    signal: C  # the signal that called for it
    discount_percent: Decimal | None = None


def choose_intervention(
    signals: list[C], config: ChurnConfig, facts: SessionFacts, batch: list[C] | None = None
) -> Decision | None:
    """The intervention the session's signals call for now, or None.

    `signals` is the session's history (the risk); `batch` the signals just received: only
    they can call for an intervention, so an old signal never brings an offer later (None: the
    whole history is new)."""
    if not config.enabled or facts.holdout or not signals:
        return None
    seen = Counter(signals)
    new = Counter(signals if batch is None else batch)
    offered = bool(facts.already & OFFERS)

    def allowed(kind: K) -> bool:
        price = kind in OFFERS
        return kind not in facts.already and not (price and (offered or facts.has_code))

    if (
        new[C.SHIPPING_COST_SHOCK]
        and config.free_shipping_offer
        and facts.shipping_total > 0
        and allowed(K.FREE_SHIPPING_OFFER)
    ):
        return Decision(K.FREE_SHIPPING_OFFER, "APPLY_FREE_SHIPPING", C.SHIPPING_COST_SHOCK)
    chat = config.chat_help and facts.chat_available
    hunting = new[C.DISCOUNT_HUNTING] or (
        new[C.DISCOUNT_CODE_FAILURE] and seen[C.DISCOUNT_CODE_FAILURE] >= 2
    )
    if hunting and chat and allowed(K.DISCOUNT_HELP):
        signal = C.DISCOUNT_HUNTING if new[C.DISCOUNT_HUNTING] else C.DISCOUNT_CODE_FAILURE
        return Decision(K.DISCOUNT_HELP, "OPEN_CHAT", signal)
    recent = signals if batch is None else batch
    friction = next((s for s in recent if s in FRICTION_SIGNALS), None)
    if friction is not None and chat and allowed(K.CHECKOUT_HELP):
        return Decision(K.CHECKOUT_HELP, "OPEN_CHAT", friction)
    exit_signal = next((s for s in reversed(recent) if s in EXIT_SIGNALS), None)
    if exit_signal is not None and allowed(K.EXIT_INTENT):
        if risk_score(signals, config) < config.exit_intent_threshold:
            return None
        percent = min(config.exit_intent_discount_percent, facts.discount_cap_percent)
        if percent <= 0:
            return None
        return Decision(K.EXIT_INTENT, "APPLY_DISCOUNT", exit_signal, percent)
    return None
