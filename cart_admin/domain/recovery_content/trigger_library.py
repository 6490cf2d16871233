"""MI's 13 behavioural triggers: what each is, where it applies, and the facts it needs.

`select_triggers` returns only triggers whose facts are true for this cart, each with its
evidence: the one sentence a writer may use to apply it ("Only 3 left of Kenya Nyeri AA").
No scarcity without low stock, no social proof without reviews, no urgency without a real
deadline; a writer never gets a trigger it would have to invent a fact for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from cart_admin.models import BehavioralTrigger as T
from cart_admin.models import CartSaveStage as S

LOW_STOCK = 5  # "only N left" is shown at or below this many units


class TriggerContext(StrEnum):
    """Where a message or a drawer element is shown."""

    CART_DRAWER = "CART_DRAWER"
    CART_RECOVERY = "CART_RECOVERY"  # save-flow e-mail, SMS, push
    RETURN_VISITOR = "RETURN_VISITOR"
    EXIT_INTENT = "EXIT_INTENT"
    CHECKOUT = "CHECKOUT"


@dataclass(frozen=True)
class ItemFacts:
    name: str
    unit_price: Decimal
    stock: int | None = None
    rating: Decimal | None = None
    review_count: int = 0
    compare_at_price: Decimal | None = None


@dataclass(frozen=True)
class TriggerFacts:
    """The cart, shopper and offer facts triggers are judged on (all read from the database)."""

    items: tuple[ItemFacts, ...] = ()
    subtotal: Decimal = Decimal("0")
    grand_total: Decimal = Decimal("0")
    offer_label: str | None = None
    code: str | None = None
    deadline: datetime | None = None  # the code's (or the hold's) expiry
    free_shipping_gap: Decimal | None = None
    free_shipping_threshold: Decimal | None = None
    first_name: str | None = None
    order_count: int = 0
    reached_checkout: bool = False
    trust_signals: tuple[str, ...] = ()
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    low_stock: int = LOW_STOCK

    def low_stock_items(self) -> list[ItemFacts]:
        return [i for i in self.items if i.stock is not None and 0 < i.stock <= self.low_stock]


@dataclass(frozen=True)
class TriggerSpec:
    trigger: T
    name: str
    description: str
    guidance: str  # how a writer applies it
    contexts: frozenset[TriggerContext]
    stages: frozenset[S]  # save-flow stages where it fits (recovery context)
    needs: str  # the fact it needs, in words (shown in the admin)
    evidence: Callable[[TriggerFacts], str | None]  # None: the fact is not true here


def _money(value: Decimal) -> str:
    return f"${value:,.2f}"


def _scarcity(f: TriggerFacts) -> str | None:
    low = f.low_stock_items()
    if not low:
        return None
    return "; ".join(f"Only {i.stock} left of {i.name}" for i in low[:2])


def _urgency(f: TriggerFacts) -> str | None:
    if f.deadline is None:
        return None
    local = f.deadline.astimezone(f.timezone)
    what = f"The code {f.code}" if f.code else "The reservation"
    return f"{what} expires {local:%b %-d at %-I:%M %p} {local.tzname()}"


def _social_proof(f: TriggerFacts) -> str | None:
    rated = [i for i in f.items if i.review_count > 0 and i.rating is not None]
    if not rated:
        return None
    best = max(rated, key=lambda i: i.review_count)
    return f"{best.name} is rated {best.rating} from {best.review_count:,} reviews"


def _reciprocity(f: TriggerFacts) -> str | None:
    return f"A gift from the store: {f.offer_label}" if f.offer_label else None


def _authority(f: TriggerFacts) -> str | None:
    return "The store promises: " + "; ".join(f.trust_signals) if f.trust_signals else None


def _loss_aversion(f: TriggerFacts) -> str | None:
    if not f.items:
        return None
    return f"The cart holds {len(f.items)} item(s) worth {_money(f.grand_total)}"


def _anchoring(f: TriggerFacts) -> str | None:
    for i in f.items:
        if i.compare_at_price is not None and i.compare_at_price > i.unit_price:
            return f"{i.name}: {_money(i.unit_price)}, was {_money(i.compare_at_price)}"
    return None


def _commitment(f: TriggerFacts) -> str | None:
    if f.reached_checkout and f.items:
        return "The shopper already started checking out"
    if len(f.items) >= 2:
        return f"The shopper already picked {len(f.items)} items"
    return None


def _endowment(f: TriggerFacts) -> str | None:
    return "The shopper's cart is saved for them" if f.items else None


def _goal_gradient(f: TriggerFacts) -> str | None:
    gap, threshold = f.free_shipping_gap, f.free_shipping_threshold
    if gap is None or threshold is None or gap <= 0 or threshold <= 0:
        return None
    return f"{_money(gap)} away from free shipping (free over {_money(threshold)})"


def _personalization(f: TriggerFacts) -> str | None:
    parts = []
    if f.first_name:
        parts.append(f"First name: {f.first_name}")
    if f.order_count > 0:
        parts.append(f"{f.order_count} previous order(s) with the store")
    return "; ".join(parts) or None


def _curiosity(f: TriggerFacts) -> str | None:
    return "An unexpected, intriguing opening line (no invented facts)" if f.items else None


def _exclusivity(f: TriggerFacts) -> str | None:
    return f"The code {f.code} was made for this cart only" if f.code else None


ALL_CONTEXTS = frozenset(TriggerContext)
RECOVERY = frozenset({TriggerContext.CART_RECOVERY, TriggerContext.RETURN_VISITOR,
                      TriggerContext.EXIT_INTENT})  # fmt: skip
ALL_STAGES = frozenset(S)
LATE = frozenset({S.NUCLEAR_OFFER, S.LOSS_VISUALIZATION, S.WINBACK_SEQUENCE})
OFFER_STAGES = frozenset({S.BRANCHING_INTERVENTION, S.NUCLEAR_OFFER, S.LOSS_VISUALIZATION,
                          S.WINBACK_SEQUENCE})  # fmt: skip

LIBRARY: tuple[TriggerSpec, ...] = (
    TriggerSpec(T.SCARCITY, "Scarcity", "Few units are left of an item in the cart.",
                "Say how many are left of that item, exactly as given.", ALL_CONTEXTS,
                frozenset({S.PATTERN_INTERRUPT, *LATE}), "an item at or below the low-stock level",
                _scarcity),
    TriggerSpec(T.URGENCY, "Urgency", "A real deadline: the offer code or the reservation expires.",
                "Mention the expiry time as given; never invent another deadline.", ALL_CONTEXTS,
                OFFER_STAGES, "a code or reservation with an expiry", _urgency),
    TriggerSpec(T.SOCIAL_PROOF, "Social proof", "Other customers rated an item in the cart.",
                "Quote the rating and review count exactly.", ALL_CONTEXTS,
                frozenset({S.PATTERN_INTERRUPT, S.BRANCHING_INTERVENTION, S.LOSS_VISUALIZATION,
                           S.WINBACK_SEQUENCE}), "an item with reviews", _social_proof),
    TriggerSpec(T.RECIPROCITY, "Reciprocity", "The store gives something first: an offer.",
                "Present the offer as a gift, stated exactly.", RECOVERY, OFFER_STAGES,
                "an offer on this cart", _reciprocity),
    TriggerSpec(T.AUTHORITY, "Authority", "The store's own guarantees and trust signals.",
                "Mention one of the store's promises word for word.", ALL_CONTEXTS, ALL_STAGES,
                "trust signals set in the drawer theme", _authority),
    TriggerSpec(T.LOSS_AVERSION, "Loss aversion", "What the shopper loses by walking away.",
                "Remind them what they would give up; no threats, no invented deadlines.",
                ALL_CONTEXTS, LATE, "a cart with items", _loss_aversion),
    TriggerSpec(T.ANCHORING, "Anchoring", "An item's compare-at price next to its price.",
                "Show the price against the was-price, both exactly as given.", ALL_CONTEXTS,
                ALL_STAGES - {S.DIAGNOSIS_SURVEY}, "an item priced below its compare-at price",
                _anchoring),
    TriggerSpec(T.COMMITMENT, "Commitment", "The shopper already chose items or began checkout.",
                "Acknowledge the choice they already made.", ALL_CONTEXTS,
                frozenset({S.BROWSE_REMINDER, S.PATTERN_INTERRUPT, S.BRANCHING_INTERVENTION}),
                "several items, or a checkout started", _commitment),
    TriggerSpec(T.ENDOWMENT, "Endowment", "The cart already feels like theirs.",
                "Speak of 'your cart', saved for them.", ALL_CONTEXTS,
                frozenset({S.BROWSE_REMINDER, S.PATTERN_INTERRUPT, S.WINBACK_SEQUENCE}),
                "a cart with items", _endowment),
    TriggerSpec(T.GOAL_GRADIENT, "Goal gradient", "The shopper is close to free shipping.",
                "Say how little is left to reach free shipping, exactly as given.",
                ALL_CONTEXTS, frozenset({S.PATTERN_INTERRUPT, S.BRANCHING_INTERVENTION}),
                "a free-shipping threshold the cart has not reached", _goal_gradient),
    TriggerSpec(T.PERSONALIZATION, "Personalization", "Their name and history with the store.",
                "Greet them by name; thank returning customers.", RECOVERY, ALL_STAGES,
                "a known first name or past orders", _personalization),
    TriggerSpec(T.CURIOSITY, "Curiosity", "A pattern interrupt that earns the open.",
                "Open with an unexpected but true line.", RECOVERY,
                frozenset({S.PATTERN_INTERRUPT, S.DIAGNOSIS_SURVEY, S.WINBACK_SEQUENCE}),
                "nothing beyond the cart itself", _curiosity),
    TriggerSpec(T.EXCLUSIVITY, "Exclusivity", "A private, single-use offer for this cart.",
                "Say the code was made for them alone.", RECOVERY, OFFER_STAGES,
                "a single-use code issued for this cart", _exclusivity),
)  # fmt: skip

BY_TRIGGER = {spec.trigger: spec for spec in LIBRARY}

# Which triggers fit each stage best, in order (a stage's tone decides the first picks).
STAGE_PREFERENCE: dict[S, tuple[T, ...]] = {
    S.BROWSE_REMINDER: (T.ENDOWMENT, T.COMMITMENT, T.PERSONALIZATION, T.ANCHORING),
    S.PATTERN_INTERRUPT: (T.CURIOSITY, T.ENDOWMENT, T.SOCIAL_PROOF, T.GOAL_GRADIENT,
                          T.SCARCITY, T.PERSONALIZATION),
    S.DIAGNOSIS_SURVEY: (T.CURIOSITY, T.PERSONALIZATION, T.AUTHORITY),
    S.BRANCHING_INTERVENTION: (T.RECIPROCITY, T.EXCLUSIVITY, T.GOAL_GRADIENT, T.SOCIAL_PROOF,
                               T.AUTHORITY, T.URGENCY, T.PERSONALIZATION),
    S.NUCLEAR_OFFER: (T.EXCLUSIVITY, T.URGENCY, T.SCARCITY, T.RECIPROCITY, T.LOSS_AVERSION,
                      T.PERSONALIZATION),
    S.LOSS_VISUALIZATION: (T.LOSS_AVERSION, T.SCARCITY, T.URGENCY, T.SOCIAL_PROOF,
                           T.ANCHORING, T.PERSONALIZATION),
    S.WINBACK_SEQUENCE: (T.ENDOWMENT, T.CURIOSITY, T.SOCIAL_PROOF, T.URGENCY, T.PERSONALIZATION),
}  # fmt: skip


@dataclass(frozen=True)
class SelectedTrigger:
    trigger: T
    name: str
    guidance: str
    evidence: str

    def as_dict(self) -> dict[str, str]:
        return {"trigger": str(self.trigger), "name": self.name, "evidence": self.evidence}


def applicable(
    facts: TriggerFacts, context: TriggerContext, stage: S | None = None
) -> list[SelectedTrigger]:
    """Every trigger that fits the context (and stage) AND whose fact is true, in library
    order."""
    found = []
    for spec in LIBRARY:
        if context not in spec.contexts:
            continue
        if (
            stage is not None
            and context is TriggerContext.CART_RECOVERY
            and stage not in spec.stages
        ):
            continue
        evidence = spec.evidence(facts)
        if evidence:
            found.append(SelectedTrigger(spec.trigger, spec.name, spec.guidance, evidence))
    return found


def select_triggers(
    facts: TriggerFacts,
    context: TriggerContext = TriggerContext.CART_RECOVERY,
    stage: S | None = None,
    limit: int = 3,
) -> list[SelectedTrigger]:
    """The best `limit` applicable triggers: the stage's preferences first (spec: three)."""
    found = applicable(facts, context, stage)
    order = STAGE_PREFERENCE.get(stage, ()) if stage else ()
    rank = {t: i for i, t in enumerate(order)}
    found.sort(key=lambda s: rank.get(s.trigger, len(order)))
    return found[:limit]
