"""Spec §8's content types: each one written like a save-flow stage, with its own brief.

`generate` writes one for a cart of the company (Claude when allowed, else the templates),
with an offer the caller may name but never above the company's caps. No code is issued:
this is content for the merchant's own channels, checked against the same facts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlencode

from sqlmodel import Session

from cart_admin.domain.recovery_content.checks import check_message
from cart_admin.domain.recovery_content.preview import sample_context
from cart_admin.domain.recovery_content.writer import (
    ClaudeWriter,
    template_message,
    triggers_for,
    usage_dict,
)
from cart_admin.domain.save_flow import offers
from cart_admin.domain.save_flow.config import load_config
from cart_admin.domain.save_flow.content import (
    ContentContext,
    InterventionContent,
    _items_phrase,
    money,
)
from cart_admin.domain.save_flow.links import store_url
from cart_admin.models import Cart, LandingPage
from cart_admin.models import CartRecoveryContentType as C
from cart_admin.models import CartSaveStage as S
from cart_admin.models import InterventionType as K


@dataclass(frozen=True)
class ContentTypeSpec:
    type: C
    stage: S  # the stage whose triggers and tone it shares
    channel: str  # email | sms | push | modal
    urgency: str
    brief: str


CONTENT_TYPES: dict[C, ContentTypeSpec] = {
    spec.type: spec
    for spec in (
        ContentTypeSpec(C.ABANDONMENT_EMAIL_1, S.PATTERN_INTERRUPT, "email", "low",
                        "Write a friendly cart abandonment email for someone who left items in "
                        "their cart 1 hour ago. Tone: helpful, not pushy. Assume they got "
                        "distracted. Goal: remind them of their cart and make it easy to return."),
        ContentTypeSpec(C.ABANDONMENT_EMAIL_2, S.BRANCHING_INTERVENTION, "email", "medium",
                        "Write a cart recovery email for someone who left items 24 hours ago. "
                        "Tone: slightly more urgent; mention scarcity only if a fact below "
                        "supports it. Goal: create urgency while remaining helpful."),
        ContentTypeSpec(C.ABANDONMENT_EMAIL_3, S.NUCLEAR_OFFER, "email", "high",
                        "Write a final attempt cart recovery email for someone who left items "
                        "48 hours ago. Tone: last chance urgency; best offer if available. "
                        "Goal: final push to recover the sale."),
        ContentTypeSpec(C.ABANDONMENT_SMS, S.PATTERN_INTERRUPT, "sms", "medium",
                        "Write a short, urgent cart reminder; the SMS field matters most."),
        ContentTypeSpec(C.DISCOUNT_SMS, S.NUCLEAR_OFFER, "sms", "high",
                        "Write an SMS carrying the offer; the SMS field matters most."),
        ContentTypeSpec(C.ABANDONMENT_PUSH, S.BROWSE_REMINDER, "push", "low",
                        "Write a mobile push notification: the headline is its title, the body "
                        "one short line."),
        ContentTypeSpec(C.RETURN_VISITOR_MODAL, S.BROWSE_REMINDER, "modal", "low",
                        "Write the modal shown when the shopper comes back to the store: "
                        "welcome them back to their saved cart."),
        ContentTypeSpec(C.EXIT_INTENT_MODAL, S.NUCLEAR_OFFER, "modal", "high",
                        "Write the modal shown when the shopper is about to leave the store: "
                        "one reason to stay, the offer if there is one."),
    )
}  # fmt: skip


class ContentRequestError(ValueError):
    """A request naming an offer the company does not allow; `field` says which part."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class RequestedOffer:
    discount_percent: Decimal | None = None
    free_shipping: bool = False
    gift_with_purchase: str | None = None


def _offer(ctx: ContentContext, requested: RequestedOffer, cap: Decimal) -> offers.Offer | None:
    facts = offers.CartFacts(ctx.items_subtotal, ctx.shipping_total, 0, None)
    percent = requested.discount_percent
    if percent is not None and not Decimal(0) < percent <= cap:
        raise ContentRequestError(
            "offer.discountPercent", f"Must be above 0 and at most {cap}% (the company's cap)."
        )
    if requested.free_shipping and ctx.shipping_total <= 0:
        raise ContentRequestError("offer.freeShipping", "This cart already ships free.")
    gift = (requested.gift_with_purchase or "").strip()
    if len(gift) > 80 or "\n" in gift:
        raise ContentRequestError("offer.giftWithPurchase", "One line, at most 80 characters.")
    found: offers.Offer | None = None
    if percent is not None:
        found = offers.percent_offer(percent, facts)
    if requested.free_shipping:
        fs = offers.free_shipping_offer(facts)
        found = (
            replace(found, label=f"{found.label} + free shipping",
                    savings=found.savings + fs.savings) if found else fs
        )  # fmt: skip
    if gift:
        base = found or offers.Offer(K.BEST_OFFER, "")
        label = f"{base.label} + {gift}" if base.label else gift
        found = replace(base, label=label, gift=gift)
    return found


def _template(spec: ContentTypeSpec, ctx: ContentContext) -> InterventionContent:
    base = template_message(ctx)
    what = _items_phrase(ctx.items)
    offer = f"{ctx.offer.label} on your order." if ctx.offer and ctx.offer.label else ""
    if spec.type is C.RETURN_VISITOR_MODAL:
        hello = f"Welcome back, {ctx.first_name}!" if ctx.first_name else "Welcome back!"
        return base.model_copy(update={
            "headline": hello, "body": f"Your cart is saved: {what}, "
            f"{money(ctx.grand_total, ctx.currency)} in all. {offer}".strip(),
            "cta": "View my cart"})  # fmt: skip
    if spec.type is C.EXIT_INTENT_MODAL:
        return base.model_copy(update={
            "headline": "Before you go", "body": (f"Take {offer}" if offer else
                                                  f"{what} is saved in your cart."),
            "cta": "Complete my order" if offer else "Keep shopping"})  # fmt: skip
    return base


def _cart_url(session: Session, cart_id: str | None, app_url: str) -> str | None:
    """Where the CTA leads: the cart's store, with its drawer opened on this cart."""
    cart = session.get(Cart, cart_id) if cart_id else None
    if cart is None:
        return None
    page = session.get(LandingPage, cart.landing_page_id) if cart.landing_page_id else None
    base = store_url(page, app_url)
    joiner = "&" if "?" in base else "?"
    return f"{base}{joiner}{urlencode({'ca_cart': cart.public_token, 'ca_open': '1'})}"


def generate(
    session: Session,
    *,
    company_id: str,
    content_type: C,
    now: datetime,
    cart_id: str | None = None,
    offer: RequestedOffer | None = None,
    brand_voice: str | None = None,
    urgency: str | None = None,
    claude: ClaudeWriter | None = None,
    app_url: str = "",
) -> dict:
    """Spec §8's `generateRecoveryEmail`: subject, preheader, headline, body, CTA, triggers,
    token usage; plus the SMS text and how it was written."""
    spec = CONTENT_TYPES[content_type]
    ctx, _label = sample_context(session, company_id=company_id, stage=spec.stage, reason=None,
                                 now=now, cart_id=cart_id)  # fmt: skip
    if offer is not None:
        cap = Decimal(str(load_config(session, company_id).stages.nuclear_offer
                          .max_discount_percent))  # fmt: skip
        chosen = _offer(ctx, offer, cap)
        ctx = replace(ctx, offer=chosen, code=None, code_expires_at=None, suggestions=[])
    else:
        ctx = replace(ctx, code=None, code_expires_at=None)  # the stage's offer, no code
    ctx = replace(ctx, brief=spec.brief, urgency=urgency or spec.urgency,
                  brand_voice=brand_voice or ctx.brand_voice)  # fmt: skip
    content: InterventionContent | None = None
    notes: list[str] = []
    usage = None
    if claude is not None and claude.allowed(company_id):
        result = claude.generate(ctx)
        notes, usage = result.notes, usage_dict(result)
        content = result.content
    elif claude is not None:
        notes = ["AI is off or this month's token budget is spent."]
    if content is None:
        content = _template(spec, ctx)
    return {
        "type": str(content_type),
        "subject": content.subject,
        "preheader": content.preheader,
        "headline": content.headline,
        "body": content.body,
        "cta": {"text": content.cta, "url": _cart_url(session, cart_id, app_url)},
        "sms": content.sms,
        "offer": ctx.offer.label if ctx.offer else None,
        "triggersApplied": [
            t.as_dict() for t in triggers_for(ctx) if str(t.trigger) in content.triggers_applied
        ],
        "triggersAvailable": [t.as_dict() for t in triggers_for(ctx)],
        "tokenUsage": usage,
        "writer": content.writer if content.writer != "pipeline" else "template",
        "notes": notes,
        "failures": [f.as_dict() for f in check_message(ctx, content)],
    }
