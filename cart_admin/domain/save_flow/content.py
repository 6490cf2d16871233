"""The words of each message: templates for every stage and diagnosis reason.

`ContentWriter` is the seam: the template writer here is the default, and Claude's writer
(`recovery_content.writer`) returns the same `InterventionContent`. `ContentContext` carries
every true fact a writer may state and the checks compare a message against: items, totals,
the real offer and its expiry, stock, reviews, the shopper. Templates state only those facts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from cart_admin.domain.save_flow.offers import Offer
from cart_admin.models import CartAbandonmentReason as R
from cart_admin.models import CartSaveStage as S


@dataclass(frozen=True)
class ItemLine:
    name: str
    quantity: int
    unit_price: Decimal
    image_url: str | None = None
    stock: int | None = None
    rating: Decimal | None = None
    review_count: int = 0
    compare_at_price: Decimal | None = None
    description: str = ""


@dataclass(frozen=True)
class ContentContext:
    stage: S
    step: int
    sequence_length: int
    company_name: str
    first_name: str | None
    items: list[ItemLine]
    grand_total: Decimal
    currency: str
    reason: R | None
    offer: Offer | None
    code: str | None
    code_expires_at: datetime | None
    suggestions: list[str] = field(default_factory=list)
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))  # the shopper's
    # Further true facts for triggers, Claude's prompt and the checks.
    subtotal: Decimal | None = None  # None: the items' sum
    shipping_total: Decimal = Decimal("0.00")
    free_shipping_threshold: Decimal | None = None
    order_count: int = 0
    tenure_days: int = 0
    lifetime_value: Decimal = Decimal("0.00")
    reached_checkout: bool = False
    trust_signals: tuple[str, ...] = ()
    other_product_names: frozenset[str] = frozenset()  # the catalog's, not in this cart
    brand_voice: str = "friendly"
    tone: str = ""  # "" : the stage's
    urgency: str = ""
    sms_link: str = "https://example.com/r/xxxxxxxxxxxxxxxxxxxxxx"  # its length counts
    sms_max_segments: int = 2
    company_id: str = ""
    intervention_id: str | None = None
    variant: str | None = None  # A/B
    pinned: PinnedText | None = None  # the marketer's approved version for this slot
    brief: str = ""  # the writer's brief when it is not the stage's (spec §8 content types)
    reuse: InterventionContent | None = None  # Claude's words for this stage's other channel
    offer_valid_hours: int | None = None  # how long the code works ("valid for 48 hours")

    @property
    def items_subtotal(self) -> Decimal:
        if self.subtotal is not None:
            return self.subtotal
        return sum((i.unit_price * i.quantity for i in self.items), Decimal("0.00"))

    @property
    def free_shipping_gap(self) -> Decimal | None:
        threshold = self.free_shipping_threshold
        if threshold is None or self.shipping_total <= 0:
            return None
        gap = threshold - self.items_subtotal
        return gap if gap > 0 else None


@dataclass(frozen=True)
class PinnedText:
    """A pinned version's fields, placeholders unfilled (see `recovery_content.pinned`)."""

    subject: str
    preheader: str
    headline: str
    body: str
    cta: str
    sms: str
    source: str = "edited"


class InterventionContent(BaseModel):
    subject: str
    preheader: str
    headline: str
    body: str
    cta: str
    sms: str  # without the link and opt-out line; the SMS builder adds those
    triggers_applied: list[str] = []
    # How it was written: template | ai | pinned; notes say why a fallback happened.
    writer: str = "template"
    notes: list[str] = []
    usage: dict | None = None  # {"inputTokens", "outputTokens", "costUsd", "model", "requests"}


class ContentWriter(Protocol):
    name: str

    def write(self, ctx: ContentContext) -> InterventionContent: ...


def money(value: Decimal, currency: str = "USD") -> str:
    symbol = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "$", "AUD": "$"}.get(currency, "")
    return f"{symbol}{value:,.2f}" if symbol else f"{value:,.2f} {currency}"


def _items_phrase(items: list[ItemLine]) -> str:
    if not items:
        return "your items"
    first = items[0].name
    return first if len(items) == 1 else f"{first} and {len(items) - 1} more"


def expiry_text(ctx: ContentContext) -> str:
    """When the code expires, on the shopper's clock: "Nov 22 at 10:00 AM EST"."""
    if ctx.code_expires_at is None:
        return ""
    local = ctx.code_expires_at.astimezone(ctx.timezone)
    return f"{local:%b %-d at %-I:%M %p} {local.tzname()}"


def _expiry(ctx: ContentContext) -> str:
    return f" It expires {expiry_text(ctx)}." if ctx.code_expires_at is not None else ""


def _offer_line(ctx: ContentContext) -> str:
    if ctx.offer is None:
        return ""
    if ctx.code:
        return f"Use code {ctx.code} for {ctx.offer.label}.{_expiry(ctx)}"
    label = ctx.offer.label
    return f"{label[:1].upper()}{label[1:]}." if label else ""  # "A tote bag.", not "a tote bag."


REASON_SUBJECTS = {
    R.TOO_EXPENSIVE: "A better price on your cart",
    R.SHIPPING_COST: "About that shipping cost",
    R.JUST_BROWSING: "We kept your cart for you",
    R.NEED_MORE_INFO: "Answers before you decide",
    R.PAYMENT_ISSUES: "Trouble checking out? We can help",
    R.COMPARING_OPTIONS: "Why shoppers pick {company}",
    R.SAVING_FOR_LATER: "Your cart is saved",
    R.OTHER: "Something to help you decide",
}


class TemplateWriter:
    """Plain templates: the same structure an AI writer fills, from the cart's true facts."""

    name = "template"

    def write(self, ctx: ContentContext) -> InterventionContent:
        hello = f"Hi {ctx.first_name}," if ctx.first_name else "Hi there,"
        names = (*[i.name for i in ctx.items], ctx.company_name)

        def join(*parts: str) -> str:
            return _join(*parts, names=names)

        what = _items_phrase(ctx.items)
        be = "is" if len(ctx.items) <= 1 else "are"  # "Kenya AA and 2 more are..."
        total = money(ctx.grand_total, ctx.currency)
        offer = _offer_line(ctx)
        company = ctx.company_name
        stage = ctx.stage
        if stage is S.BROWSE_REMINDER:
            return InterventionContent(
                subject="Still shopping?",
                preheader=f"{what} {be} still in your cart.",
                headline="Still shopping?",
                body=f"{hello} {what} {be} waiting in your cart whenever you are ready.",
                cta="Back to my cart",
                sms=f"{company}: still shopping? {what} {be} waiting in your cart.",
            )
        if stage is S.PATTERN_INTERRUPT:
            return InterventionContent(
                subject=f"You left {what} behind",
                preheader=f"Your cart: {total}.",
                headline="Your cart is saved",
                body=f"{hello} here is what you picked at {company}: {total} in all. "
                "Your cart is saved; pick up where you left off.",
                cta="Return to my cart",
                sms=f"{company}: you left {what} ({total}) in your cart.",
            )
        if stage is S.DIAGNOSIS_SURVEY:
            return InterventionContent(
                subject="What's holding you back?",
                preheader="One click tells us; we'll help.",
                headline="What's holding you back?",
                body=f"{hello} you didn't finish checking out at {company}. Tell us why with "
                "one click and we'll do what we can to help.",
                cta="Tell us in one click",
                sms=f"{company}: what's holding you back from your {total} cart? Tell us:",
            )
        if stage is S.BRANCHING_INTERVENTION:
            reason = ctx.reason or R.OTHER
            lines = " ".join(s.rstrip(".!") + "." for s in ctx.suggestions)
            return InterventionContent(
                subject=REASON_SUBJECTS[reason].format(company=company),
                preheader=(ctx.suggestions[0] if ctx.suggestions else f"Your cart: {total}."),
                headline=(ctx.suggestions[0] if ctx.suggestions else "We're here to help"),
                body=join(hello, lines, offer),
                cta="Complete my order",
                sms=join(f"{company}:", offer or lines),
            )
        if stage is S.NUCLEAR_OFFER:
            return InterventionContent(
                subject=f"Our best offer: {ctx.offer.label}" if ctx.offer else "Your cart",
                preheader=offer or f"Your cart: {total}.",
                headline="Our best offer, just for you",
                body=join(hello, f"{what} {be} still in your cart.", offer),
                cta="Claim my offer" if ctx.offer else "Complete my order",
                sms=join(f"{company}: our best offer on your cart.", offer),
            )
        if stage is S.LOSS_VISUALIZATION:
            held = f"{what} ({total}) {be} still in your cart, but we can't hold it forever."
            return InterventionContent(
                subject=f"Don't miss out on {what}",
                preheader="Your cart won't be saved forever.",
                headline="Here's what you'd miss",
                body=join(hello, held, offer),
                cta="Keep my cart",
                sms=join(f"{company}: {what} {be} still in your cart.", offer),
            )
        last = ctx.step >= ctx.sequence_length - 1
        note = (
            "This is our last note about your cart."
            if last
            else (f"{what} {be} still in your cart at {company}.")
        )
        return InterventionContent(
            subject="Last call for your cart" if last else f"Still thinking about {what}?",
            preheader=f"Your cart: {total}.",
            headline="Last call" if last else "Come back any time",
            body=join(hello, note, offer),
            cta="See my cart",
            sms=join(f"{company}: {what} {be} still in your cart.", offer),
        )


def _join(*parts: str, names: tuple[str, ...] = ()) -> str:
    """Sentences in a row; after a greeting ("Hi Ada,") the next one goes on in lower case,
    unless it starts with a name (a product's, the shop's), which is kept as written."""
    kept = [p for p in parts if p]
    for i in range(1, len(kept)):
        first = kept[i].split(" ", 1)[0]
        named = any(kept[i].startswith(name) for name in names if name)
        if kept[i - 1].endswith(",") and first.lower() in SENTENCE_STARTS and not named:
            kept[i] = kept[i][0].lower() + kept[i][1:]
    return " ".join(kept)


# The first words of the templates' and branches' own sentences (never of a product's name).
SENTENCE_STARTS = frozenset(
    [
        "here's",
        "here",
        "free",
        "see",
        "split",
        "add",
        "found",
        "why",
        "we",
        "we'll",
        "reply",
        "having",
        "use",
        "your",
        "this",
        "our",
        "questions?",
        "answers",
        "there",
    ]
)


TEMPLATES = TemplateWriter()
