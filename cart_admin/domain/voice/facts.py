"""What a call says about a cart: the placeholders' values, the offer, the script variant.

The offer is the Nuclear offer stage's own (`plan_stage`), so a call never offers more than
the e-mails of the same stage, and never more than the company's cap.
"""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal

from sqlmodel import Session

from cart_admin.domain.save_flow import offers
from cart_admin.domain.save_flow.config import SaveFlowConfig
from cart_admin.domain.save_flow.content import money
from cart_admin.domain.save_flow.delivery import flow_lines, offer_facts, shopper
from cart_admin.domain.voice.config import VoiceRecoveryConfig
from cart_admin.domain.voice.script import CallFacts
from cart_admin.models import (
    Cart,
    CartAbandonmentReason,
    CartItem,
    CartSaveAttempt,
    Company,
    DiscountKind,
    Product,
    VoiceScriptType,
)
from cart_admin.models import CartSaveStage as S

HELP_REASONS = frozenset(
    {
        CartAbandonmentReason.NEED_MORE_INFO,
        CartAbandonmentReason.COMPARING_OPTIONS,
        CartAbandonmentReason.PAYMENT_ISSUES,
    }
)


def select_script(
    priority: list[VoiceScriptType], *, discount: bool, reason: CartAbandonmentReason | None
) -> VoiceScriptType:
    """The first script of `scriptPriority` that fits the cart: DISCOUNT needs a discount to
    lead with, HELP a shopper who told us they had questions; PERSONAL always fits."""
    for kind in priority:
        if kind is VoiceScriptType.CART_RECOVERY_DISCOUNT and not discount:
            continue
        if kind is VoiceScriptType.CART_RECOVERY_HELP and reason not in HELP_REASONS:
            continue
        return kind
    return VoiceScriptType.CART_RECOVERY_PERSONAL


def nuclear_offer(
    lines: list[tuple[CartItem, Product]],
    cart: Cart,
    attempt: CartSaveAttempt | None,
    company: Company,
    flow_config: SaveFlowConfig,
) -> offers.Offer | None:
    """The Nuclear offer stage's offer for this cart (what the call may offer)."""
    facts = offer_facts(lines, cart, company, flow_config)
    reason = attempt.diagnosis_reason if attempt else None
    current = attempt.current_offer if attempt else None
    return offers.plan_stage(flow_config, S.NUCLEAR_OFFER, reason, facts, current).offer


def call_facts(
    session: Session,
    *,
    cart: Cart,
    attempt: CartSaveAttempt | None,
    company: Company,
    config: VoiceRecoveryConfig,
    flow_config: SaveFlowConfig,
) -> CallFacts:
    customer = shopper(session, cart)
    lines = flow_lines(session, cart)
    top = max(lines, key=lambda line: line[0].unit_price * line[0].quantity, default=None)
    offer = nuclear_offer(lines, cart, attempt, company, flow_config)
    percent = None
    if offer is not None and offer.kind is DiscountKind.PERCENT and offer.percent:
        percent = offers.percent_text(offer.percent)
    reason = attempt.diagnosis_reason if attempt else None
    return CallFacts(
        customer_name=(customer.first_name if customer and customer.first_name else "there"),
        agent_name=config.agent_name,
        company_name=company.name,
        top_item_name=top[1].name if top else "items",
        item_count=cart.item_count,
        cart_total=money(cart.grand_total, cart.currency),
        discount_percent=percent,
        free_shipping=cart.shipping_total > Decimal("0"),
        price_match=flow_config.offers.price_match,
        transfer_number=config.script.settings.transfer_number,
        script_type=select_script(
            config.script_priority, discount=percent is not None, reason=reason
        ),
        can_text=customer is not None and customer.sms_consent,
    )


def sample_facts(
    company_name: str, config: VoiceRecoveryConfig, flow_config: SaveFlowConfig
) -> CallFacts:
    """A made-up cart for trying the script before the store has carts of its own."""
    cap = Decimal(str(flow_config.stages.nuclear_offer.max_discount_percent))
    percent = offers.percent_text(cap) if cap > 0 else None
    return CallFacts(
        customer_name="Sam",
        agent_name=config.agent_name,
        company_name=company_name,
        top_item_name="Weekender Duffel Bag",
        item_count=2,
        cart_total="$245.00",
        discount_percent=percent,
        free_shipping=True,
        price_match=flow_config.offers.price_match,
        transfer_number=config.script.settings.transfer_number,
        script_type=select_script(
            config.script_priority, discount=percent is not None, reason=None
        ),
    )


def facts_to_dict(facts: CallFacts) -> dict:
    data = asdict(facts)
    data["script_type"] = str(facts.script_type)
    return data


def facts_from_dict(data: dict) -> CallFacts:
    return CallFacts(**{**data, "script_type": VoiceScriptType(data["script_type"])})
