"""What a stage offers the shopper, and the unique single-use codes that carry it.

A stage's offer is decided from the config caps, the diagnosis and true facts of the cart;
the code is bound to the cart, used once, and expires (`DiscountCode.cart_id/max_uses/...`), so
the drawer's code field accepts it on this cart only.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlmodel import Session, col, select

from cart_admin.domain.save_flow.branches import DIAGNOSIS_BRANCHES, BranchIntervention
from cart_admin.domain.save_flow.config import SaveFlowConfig
from cart_admin.domain.save_flow.stages import spec
from cart_admin.models import CartAbandonmentReason as R
from cart_admin.models import CartSaveStage as S
from cart_admin.models import DiscountCode, DiscountKind
from cart_admin.models import InterventionType as K
from cart_admin.models.types import to_money

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes get typed


@dataclass(frozen=True)
class CartFacts:
    """What the offer and the message may claim about this cart: only true things."""

    subtotal: Decimal
    shipping_total: Decimal
    review_count: int
    support_email: str | None
    free_shipping_threshold: Decimal | None = None


@dataclass(frozen=True)
class Offer:
    type: K
    label: str  # "15% off", "Free shipping"
    kind: DiscountKind | None = None  # a code is issued when set
    percent: Decimal | None = None
    gift: str | None = None
    savings: Decimal = Decimal("0.00")  # what it is worth on this cart

    def as_dict(self) -> dict:
        data = asdict(self)
        data["type"] = str(self.type)
        data["kind"] = str(self.kind) if self.kind else None
        data["percent"] = str(self.percent) if self.percent is not None else None
        data["savings"] = str(self.savings)
        return data


@dataclass(frozen=True)
class StagePlan:
    """The message kind of a stage, its offer and the branch's other (true) suggestions."""

    kind: K
    offer: Offer | None
    reason: R | None = None
    suggestions: list[str] = field(default_factory=list)


def infer_reason(facts: CartFacts) -> R:
    """No survey answer: shipping worth a tenth of the order is the likelier reason."""
    if facts.subtotal > 0 and facts.shipping_total >= facts.subtotal / 10:
        return R.SHIPPING_COST
    return R.OTHER


def percent_text(percent: Decimal) -> str:
    """12.5 -> "12.5", 10 -> "10" (never "1E+1")."""
    text = f"{percent:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def percent_offer(percent: Decimal, facts: CartFacts, type_: K = K.PERCENTAGE_DISCOUNT) -> Offer:
    percent = percent.quantize(Decimal("1")) if percent == percent.to_integral() else percent
    savings = to_money(facts.subtotal * percent / 100)
    label = f"{percent_text(percent)}% off"
    return Offer(type_, label, DiscountKind.PERCENT, percent, savings=savings)


def free_shipping_offer(facts: CartFacts) -> Offer:
    return Offer(K.FREE_SHIPPING, "Free shipping", DiscountKind.FREE_SHIPPING,
                 savings=to_money(facts.shipping_total))  # fmt: skip


def plan_stage(
    config: SaveFlowConfig, stage: S, reason: R | None, facts: CartFacts, current: dict | None
) -> StagePlan:
    """The offer of a stage. `current` is the attempt's live offer (restated by later stages)."""
    if stage is S.BRANCHING_INTERVENTION:
        return _branch(config, reason or infer_reason(facts), facts)
    kind = spec(stage).kind or K.CART_REMINDER
    if stage is S.NUCLEAR_OFFER:
        settings = config.stages.nuclear_offer
        cap = Decimal(str(settings.max_discount_percent))
        offer = percent_offer(cap, facts, K.BEST_OFFER) if cap > 0 else None
        if offer is None and facts.shipping_total > 0:
            offer = free_shipping_offer(facts)
        gift = config.offers.gift_description.strip() if settings.include_gift else ""
        if gift:
            base = offer or Offer(K.BEST_OFFER, "")
            label = f"{base.label} + {gift}" if base.label else gift
            offer = Offer(base.type, label, base.kind, base.percent, gift, base.savings)
        return StagePlan(kind, offer, reason)
    if stage in (S.LOSS_VISUALIZATION, S.WINBACK_SEQUENCE) and current:
        return StagePlan(kind, _restated(current), reason)
    return StagePlan(kind, None, reason)


def _restated(current: dict) -> Offer:
    return Offer(
        K(current["type"]),
        current["label"],
        DiscountKind(current["kind"]) if current.get("kind") else None,
        Decimal(current["percent"]) if current.get("percent") else None,
        current.get("gift"),
        Decimal(current.get("savings") or "0"),
    )


def _branch(config: SaveFlowConfig, reason: R, facts: CartFacts) -> StagePlan:
    settings = config.stages.branching_intervention
    cap = Decimal(str(settings.max_discount_percent))
    threshold = settings.free_shipping_threshold or facts.free_shipping_threshold
    offer: Offer | None = None
    kind: K | None = None
    suggestions: list[str] = []
    for item in DIAGNOSIS_BRANCHES[reason]:
        if item.requires and not getattr(config.offers, item.requires):
            continue
        text = _applicable(item, cap, threshold, facts, config)
        if text is None:
            continue
        if item.type is K.PERCENTAGE_DISCOUNT and offer is None:
            offer = percent_offer(min(item.value or cap, cap), facts)
        elif item.type is K.FREE_SHIPPING and offer is None:
            offer = free_shipping_offer(facts)
        kind = kind or item.type
        suggestions.append(text)
    return StagePlan(kind or K.CART_REMINDER, offer, reason, suggestions)


def _applicable(
    item: BranchIntervention,
    cap: Decimal,
    threshold: Decimal | None,
    facts: CartFacts,
    config: SaveFlowConfig,
) -> str | None:
    """The suggestion's text when it is true and allowed for this cart, else None."""
    if item.type is K.PERCENTAGE_DISCOUNT:
        if cap <= 0:
            return None
        percent = min(item.value or cap, cap)
        return item.message.format(percent=percent_text(percent))
    if item.type is K.FREE_SHIPPING:
        return item.message if facts.shipping_total > 0 else None
    if item.type is K.THRESHOLD_REMINDER:
        if threshold is None or facts.subtotal >= threshold or facts.shipping_total <= 0:
            return None  # nothing to reach, or the cart already ships free
        return item.message.format(remaining=f"${to_money(threshold - facts.subtotal)}")
    if item.type is K.REVIEWS_SHOWCASE:
        return (
            item.message.format(reviews=f"{facts.review_count:,}") if facts.review_count else None
        )
    if item.type is K.LIVE_CHAT:
        return item.message if facts.support_email else None
    if item.type is K.PAYMENT_PLAN:
        return item.message.format(provider=config.offers.payment_plan_provider)
    return item.message


def new_code() -> str:
    return "SAVE-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def issue_code(
    session: Session,
    *,
    company_id: str,
    cart_id: str,
    intervention_ids: list[str],
    intervention_id: str,
    offer: Offer,
    now: datetime,
    expiry_hours: int,
) -> DiscountCode | None:
    """The stage's single-use code for this cart; re-used by the stage's other channels."""
    if offer.kind is None:
        return None
    existing = session.exec(
        select(DiscountCode).where(col(DiscountCode.intervention_id).in_(intervention_ids))
    ).first()
    if existing is not None:
        return existing
    code = DiscountCode(
        company_id=company_id,
        code=new_code(),
        kind=offer.kind,
        value=offer.percent or Decimal("0.00"),
        cart_id=cart_id,
        intervention_id=intervention_id,
        max_uses=1,
        expires_at=now + timedelta(hours=expiry_hours),
    )
    session.add(code)
    session.flush()
    return code


def usable_code(session: Session, company_id: str, code: str, now: datetime) -> DiscountCode | None:
    """The attempt's earlier code when it can still be used (restated by later stages)."""
    row = session.exec(
        select(DiscountCode).where(
            col(DiscountCode.company_id) == company_id, col(DiscountCode.code) == code
        )
    ).first()
    if row is None or not row.is_active or (row.expires_at and row.expires_at <= now):
        return None
    if row.max_uses is not None and row.uses >= row.max_uses:
        return None
    return row
