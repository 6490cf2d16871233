"""The trigger library's view of a message's facts (one source: the `ContentContext`)."""

from __future__ import annotations

from cart_admin.domain.recovery_content.trigger_library import ItemFacts, TriggerFacts
from cart_admin.domain.save_flow.content import ContentContext


def trigger_facts(ctx: ContentContext) -> TriggerFacts:
    return TriggerFacts(
        items=tuple(
            ItemFacts(i.name, i.unit_price, i.stock, i.rating, i.review_count, i.compare_at_price)
            for i in ctx.items
        ),
        subtotal=ctx.items_subtotal,
        grand_total=ctx.grand_total,
        offer_label=ctx.offer.label if ctx.offer is not None and ctx.offer.label else None,
        code=ctx.code,
        deadline=ctx.code_expires_at,
        free_shipping_gap=ctx.free_shipping_gap,
        free_shipping_threshold=ctx.free_shipping_threshold,
        first_name=ctx.first_name,
        order_count=ctx.order_count,
        reached_checkout=ctx.reached_checkout,
        trust_signals=ctx.trust_signals,
        timezone=ctx.timezone,
    )
