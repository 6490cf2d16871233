"""What Claude is told: the spec §8 prompts, carrying only the facts the checks allow."""

from __future__ import annotations

from cart_admin.domain.recovery_content.checks import CheckFailure
from cart_admin.domain.recovery_content.trigger_library import SelectedTrigger
from cart_admin.domain.save_flow.content import ContentContext, expiry_text, money
from cart_admin.domain.save_flow.messages import SMS_OPT_OUT
from cart_admin.domain.save_flow.stages import spec
from cart_admin.models import CartSaveStage as S

SYSTEM = """You write cart-recovery messages for {company}, an online store.
Write in a {voice} brand voice; tone: {tone}; urgency: {urgency}.
Rules, all of them hard:
- State only the facts given. Prices, totals, product names, stock, ratings, review counts,
  deadlines and the offer must be exactly as given; never invent others.
- If an offer and a code are given, state the offer exactly as given and include the code
  exactly, in the body and in the SMS. If no offer is given, do not mention any discount,
  code, free shipping or gift.
- No links, URLs or HTML: the sender adds the buttons and links.
- No claims the facts do not support: no "best price", "guaranteed", "selling fast",
  countdowns or popularity unless a given fact says so.
- The SMS text is plain, at most {sms_chars} characters (a link and "{opt_out}" are
  appended), and starts with "{company}:".
- Subject at most 80 characters, preheader at most 140, headline at most 80, CTA at most 30,
  body at most 5 short sentences, addressed to the shopper{name_rule}.
- triggers_applied lists the ids of the psychological triggers you actually used, from the
  ones given."""

STAGE_BRIEFS: dict[S, str] = {
    S.BROWSE_REMINDER: "A gentle in-store reminder shown when they are still browsing: "
    "their cart is waiting. Tone: helpful, not pushy.",
    S.PATTERN_INTERRUPT: "Write a friendly cart abandonment email for someone who left items "
    "in their cart about an hour ago. Tone: helpful, not pushy; assume they got distracted. "
    "Goal: remind them of their cart and make it easy to return.",
    S.DIAGNOSIS_SURVEY: "Ask, warmly and briefly, what is holding them back. The email "
    "carries one-click answer buttons (price, shipping, more information, comparing options, "
    "saving for later, payment trouble, just browsing), so invite them to pick one.",
    S.BRANCHING_INTERVENTION: "Write a cart recovery email answering the reason they gave "
    "(or the likely one). Tone: slightly more urgent, reassuring. Goal: remove the obstacle "
    "with the help given below, while remaining helpful.",
    S.NUCLEAR_OFFER: "Write a cart recovery email for someone who left items about 24 hours "
    "ago, with the store's best offer. Tone: urgent but respectful. Goal: create urgency "
    "with the real deadline while remaining helpful.",
    S.LOSS_VISUALIZATION: "Write a final-attempt cart recovery email for someone who left "
    "items 48 hours ago: show what they would miss. Tone: empathetic, last-chance. Goal: "
    "final push to recover the sale.",
    S.WINBACK_SEQUENCE: "Write message {step} of {length} of a gentle win-back sequence "
    "for a cart left days ago. Tone: warm. Goal: stay welcome, bring them back.",
}


def system_prompt(ctx: ContentContext) -> str:
    stage = spec(ctx.stage)
    sms_chars = max(60, 153 * ctx.sms_max_segments - len(ctx.sms_link) - len(SMS_OPT_OUT) - 6)
    return SYSTEM.format(
        company=ctx.company_name,
        voice=ctx.brand_voice,
        tone=ctx.tone or stage.tone,
        urgency=ctx.urgency or stage.urgency,
        sms_chars=min(sms_chars, 300),
        opt_out=SMS_OPT_OUT,
        name_rule=f" by first name ({ctx.first_name})" if ctx.first_name else " (name unknown)",
    )


def user_prompt(ctx: ContentContext, triggers: list[SelectedTrigger]) -> str:
    brief = ctx.brief or STAGE_BRIEFS[ctx.stage].format(
        step=ctx.step + 1, length=ctx.sequence_length
    )
    items = "\n".join(_item_line(ctx, i) for i in ctx.items) or "- (no items)"
    if ctx.first_name:
        customer = (
            f"The customer's name is {ctx.first_name}. They've been a customer for "
            f"{ctx.tenure_days} days with {ctx.order_count} previous orders."
        )
    else:
        customer = "This is a guest checkout; the name is unknown."
    if ctx.offer is not None:
        offer = f"Include this offer exactly: {ctx.offer.label}."
        if ctx.code:
            offer += f" Code: {ctx.code} (single use, for this cart only)."
        if ctx.code_expires_at is not None:
            offer += f" It expires {expiry_text(ctx)}."
        if ctx.offer.savings > 0:
            offer += f" It saves {money(ctx.offer.savings, ctx.currency)} on this cart."
    else:
        offer = "No special offer - focus on value; no discount, code, gift or free shipping."
    lines = [
        brief,
        "",
        "Cart contents:",
        items,
        f"Cart subtotal: {money(ctx.items_subtotal, ctx.currency)}",
        f"Shipping: {money(ctx.shipping_total, ctx.currency)}",
        f"Cart total: {money(ctx.grand_total, ctx.currency)}",
        "",
        customer,
        offer,
    ]
    if ctx.reason is not None:
        lines.append(f"The reason for leaving: {ctx.reason.value.replace('_', ' ').lower()}.")
    if ctx.suggestions:
        lines.append("Help the store offers for it (use these, say nothing else of this kind):")
        lines += [f"- {s}" for s in ctx.suggestions]
    if triggers:
        lines.append("Apply these psychological triggers, using only the fact given for each:")
        lines += [f"- {t.trigger} ({t.name}): {t.guidance} Fact: {t.evidence}." for t in triggers]
    if ctx.trust_signals:
        lines.append("The store's own promises: " + "; ".join(ctx.trust_signals) + ".")
    return "\n".join(lines)


def _item_line(ctx: ContentContext, item) -> str:
    line = f"- {item.name} x {item.quantity} ({money(item.unit_price, ctx.currency)} each)"
    if item.description:
        line += f": {item.description[:140]}"
    return line


def repair_prompt(failures: list[CheckFailure]) -> str:
    found = "\n".join(f"- {f}" for f in failures)
    return (
        "That message cannot be sent; our checks found:\n"
        f"{found}\n"
        "Rewrite the whole message so that every statement matches the facts given, "
        "keeping the same JSON fields."
    )
