"""The content page's preview: what a real (or sample) cart would get at a stage, written by
the templates and by Claude side by side, with the checks' findings for each.

Nothing is written to the flow: the offer is the one the stage would make, with a sample code
(no `DiscountCode` row is created), and Claude's previews are recorded in the usage ledger as
CONTENT_PREVIEW so they count against the budget like any other request.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal

from sqlmodel import Session, col, select

from cart_admin.domain.recovery_content import sms as sms_segments
from cart_admin.domain.recovery_content.checks import CheckFailure, check_message, full_sms
from cart_admin.domain.recovery_content.context import message_facts
from cart_admin.domain.recovery_content.pinned import render_pinned
from cart_admin.domain.recovery_content.versions import as_text, find_version
from cart_admin.domain.recovery_content.writer import (
    ClaudeWriter,
    template_message,
    triggers_for,
    usage_dict,
)
from cart_admin.domain.save_flow import messages, offers, policies
from cart_admin.domain.save_flow.config import load_config
from cart_admin.domain.save_flow.content import ContentContext, InterventionContent, ItemLine
from cart_admin.domain.save_flow.delivery import flow_lines, offer_facts, shopper
from cart_admin.domain.tenancy import NotFound
from cart_admin.models import Cart, Company, Product, ProductStatus
from cart_admin.models import CartAbandonmentReason as R
from cart_admin.models import CartSaveStage as S

SAMPLE_CODE = "SAVE-PREVIEW"
SAMPLE_BASE_URL = "https://shop.example"


@dataclass
class Rendered:
    """One candidate message, as the shopper would see it, and what the checks found."""

    content: InterventionContent
    failures: list[CheckFailure]
    email_text: str
    sms_text: str
    sms_segments: int

    def as_dict(self) -> dict:
        return {
            **self.content.model_dump(mode="json"),
            "failures": [f.as_dict() for f in self.failures],
            "emailText": self.email_text,
            "smsText": self.sms_text,
            "smsSegments": self.sms_segments,
        }


@dataclass
class SlotPreview:
    stage: S
    reason: R | None
    cart_label: str
    ctx: ContentContext
    template: Rendered
    ai: Rendered | None = None
    ai_notes: list[str] = field(default_factory=list)
    pinned: dict[str, Rendered] = field(default_factory=dict)  # variant → rendered

    def as_dict(self) -> dict:
        ctx = self.ctx
        return {
            "stage": str(self.stage),
            "reason": str(self.reason) if self.reason else None,
            "cart": self.cart_label,
            "items": [
                {"name": i.name, "quantity": i.quantity, "unitPrice": str(i.unit_price)}
                for i in ctx.items
            ],
            "total": str(ctx.grand_total),
            "offer": ctx.offer.label if ctx.offer else None,
            "code": ctx.code,
            "triggers": [t.as_dict() for t in triggers_for(ctx)],
            "template": self.template.as_dict(),
            "ai": self.ai.as_dict() if self.ai else None,
            "aiNotes": self.ai_notes,
            "pinned": {v: r.as_dict() for v, r in self.pinned.items()},
        }


def render(ctx: ContentContext, content: InterventionContent) -> Rendered:
    links = messages.Links.for_token(SAMPLE_BASE_URL, "preview")
    sms_text = full_sms(ctx, content)
    return Rendered(
        content=content,
        failures=check_message(ctx, content),
        email_text=messages.email_text(ctx, content, links),
        sms_text=sms_text,
        sms_segments=sms_segments.segments(sms_text),
    )


def recent_carts(session: Session, company_id: str, limit: int = 12) -> list[Cart]:
    """Carts worth previewing with: the company's latest carts that hold items."""
    return list(
        session.exec(
            select(Cart)
            .where(col(Cart.company_id) == company_id, col(Cart.item_count) > 0)
            .order_by(col(Cart.updated_at).desc(), col(Cart.id))
            .limit(limit)
        ).all()
    )


def cart_label(cart: Cart) -> str:
    who = cart.email or "guest"
    return f"{who} · {cart.item_count} item(s) · ${cart.grand_total:,.2f}"


def sample_context(
    session: Session,
    *,
    company_id: str,
    stage: S,
    reason: R | None,
    now: datetime,
    cart_id: str | None = None,
) -> tuple[ContentContext, str]:
    """The context the worker would build for this stage, from a real cart of the company
    (the given one, else the latest) or, for a new store, from two of its products."""
    company = session.get(Company, company_id)
    if company is None:
        raise NotFound("No such company.")
    config = load_config(session, company_id)
    cart = session.get(Cart, cart_id) if cart_id else None
    if cart_id and (cart is None or cart.company_id != company_id):
        raise NotFound("No such cart.")
    if cart is None:
        carts = recent_carts(session, company_id, 1)
        cart = carts[0] if carts else None
    if cart is not None:
        customer = shopper(session, cart)
        lines = flow_lines(session, cart)
        facts = offer_facts(lines, cart, company, config)
        extra = message_facts(session, cart=cart, customer=customer, lines=lines,
                              attempt_id="preview", stage=stage, reason=reason)  # fmt: skip
        label = cart_label(cart)
        first_name = customer.first_name if customer else None
        tz = policies.zone(customer.timezone if customer else None, company.timezone)
        grand_total, currency = cart.grand_total, cart.currency
    else:
        products = session.exec(
            select(Product)
            .where(col(Product.company_id) == company_id,
                   col(Product.status) == ProductStatus.ACTIVE)
            .order_by(col(Product.sales_count).desc(), col(Product.id))
            .limit(2)
        ).all()  # fmt: skip
        items = [ItemLine(p.name, 1, p.price, p.image_url, None, p.rating, p.review_count,
                          p.compare_at_price) for p in products] or [
            ItemLine("Sample product", 1, Decimal("25.00"))]  # fmt: skip
        subtotal = sum((i.unit_price for i in items), Decimal("0.00"))
        facts = offers.CartFacts(subtotal, Decimal("5.99"), sum(i.review_count for i in items),
                                 company.support_email)  # fmt: skip
        extra = {"items": items, "subtotal": subtotal, "shipping_total": Decimal("5.99"),
                 "company_id": company_id}  # fmt: skip
        label, first_name = "Sample cart", "Jamie"
        tz = policies.zone(None, company.timezone)
        grand_total, currency = subtotal + Decimal("5.99"), "USD"
    current = None
    if stage in (S.LOSS_VISUALIZATION, S.WINBACK_SEQUENCE):
        best = offers.plan_stage(config, S.NUCLEAR_OFFER, reason, facts, None).offer
        current = {**best.as_dict(), "code": SAMPLE_CODE} if best else None
    plan = offers.plan_stage(config, stage, reason, facts, current)
    coded = plan.offer is not None and plan.offer.kind is not None
    ctx = ContentContext(
        stage=stage,
        step=0,
        sequence_length=config.stages.winback_sequence.sequence_length,
        company_name=company.name,
        first_name=first_name,
        grand_total=grand_total,
        currency=currency,
        reason=plan.reason,
        offer=plan.offer,
        code=SAMPLE_CODE if coded else None,
        code_expires_at=now + timedelta(hours=config.offers.code_expiry_hours) if coded else None,
        offer_valid_hours=config.offers.code_expiry_hours if coded else None,
        suggestions=plan.suggestions,
        timezone=tz,
        free_shipping_threshold=(config.stages.branching_intervention.free_shipping_threshold
                                 or facts.free_shipping_threshold),
        sms_link=f"{SAMPLE_BASE_URL}/r/{'x' * 22}",
        **{**extra, "pinned": None, "variant": None},
    )  # fmt: skip
    return ctx, label


def preview_slot(
    session: Session,
    *,
    company_id: str,
    stage: S,
    reason: R | None,
    now: datetime,
    cart_id: str | None = None,
    claude: ClaudeWriter | None = None,
) -> SlotPreview:
    """Template (always), pinned A/B (when pinned) and Claude (when `claude` is given)."""
    ctx, label = sample_context(session, company_id=company_id, stage=stage, reason=reason,
                                now=now, cart_id=cart_id)  # fmt: skip
    preview = SlotPreview(stage, ctx.reason, label, ctx, render(ctx, template_message(ctx)))
    for variant in ("A", "B"):
        version = find_version(session, company_id, stage, ctx.reason, variant)
        if version is not None:
            pinned_ctx = replace(ctx, pinned=as_text(version), variant=variant)
            preview.pinned[variant] = render(pinned_ctx, render_pinned(as_text(version),
                                                                       pinned_ctx))  # fmt: skip
    if claude is not None:
        if not claude.allowed(company_id):
            preview.ai_notes = ["AI is off or this month's token budget is spent."]
        else:
            result = claude.generate(ctx)
            preview.ai_notes = result.notes
            if result.content is not None:
                content = result.content.model_copy(update={"usage": usage_dict(result)})
                preview.ai = render(ctx, content)
    return preview
