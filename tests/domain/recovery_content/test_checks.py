"""The checks: templates always pass; every kind of untrue statement is caught."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from cart_admin.domain.recovery_content import sms
from cart_admin.domain.recovery_content.checks import check_message
from cart_admin.domain.save_flow.config import SaveFlowConfig
from cart_admin.domain.save_flow.content import TEMPLATES, InterventionContent
from cart_admin.models import CartAbandonmentReason as R
from cart_admin.models import CartSaveStage as S
from tests.domain.recovery_content.samples import all_slots, sample_ctx

ALL_ON = SaveFlowConfig.model_validate(
    {"offers": {"paymentPlanProvider": "Klarna", "localPickup": True, "priceMatch": True,
                "giftDescription": "a free tasting sampler"},
     "stages": {"nuclearOffer": {"includeGift": True}}}
)  # fmt: skip


def rules(ctx, content) -> list[str]:
    return [f.rule for f in check_message(ctx, content)]


@pytest.mark.parametrize(("stage", "reason"), all_slots())
@pytest.mark.parametrize("config", [SaveFlowConfig(), ALL_ON], ids=["defaults", "all-offers"])
@pytest.mark.parametrize("first_name", ["Ada", None])
@pytest.mark.parametrize("step", [0, 2])
def test_every_template_passes_the_checks(stage, reason, config, first_name, step):
    ctx = sample_ctx(stage, reason, config=config, first_name=first_name, step=step)
    content = TEMPLATES.write(ctx)
    assert check_message(ctx, content) == []


@pytest.mark.parametrize("shipping", ["0.00", "6.00"])
def test_templates_pass_with_and_without_shipping(shipping):
    for stage, reason in all_slots():
        ctx = sample_ctx(stage, reason, shipping=shipping)
        assert check_message(ctx, TEMPLATES.write(ctx)) == [], (stage, reason)


def good(ctx, **fields) -> InterventionContent:
    return TEMPLATES.write(ctx).model_copy(update=fields)


def test_a_wrong_discount_is_caught():
    ctx = sample_ctx(S.NUCLEAR_OFFER)
    assert ctx.offer is not None and ctx.offer.percent == Decimal(30)
    content = good(ctx, body=f"Hi Ada, take 25% off with {ctx.code}.")
    assert "offer" in rules(ctx, content)


def test_percent_spelled_out_is_caught():
    ctx = sample_ctx(S.NUCLEAR_OFFER)
    assert "offer" in rules(ctx, good(ctx, sms=f"Bluebird Coffee: 20 percent off, {ctx.code}"))


def test_a_discount_in_a_stage_without_an_offer_is_caught():
    ctx = sample_ctx(S.PATTERN_INTERRUPT)
    assert ctx.offer is None
    assert "offer" in rules(ctx, good(ctx, headline="10% off today"))
    assert "offer" in rules(ctx, good(ctx, body="Hi Ada, here is a discount for you."))


def test_the_offer_must_be_stated_with_its_code():
    ctx = sample_ctx(S.NUCLEAR_OFFER)
    found = check_message(ctx, good(ctx, body="Hi Ada, your cart is waiting."))
    assert {(f.field, f.rule) for f in found} >= {("body", "offer")}
    assert any(ctx.code in f.message for f in found)


def test_an_invented_code_is_caught():
    ctx = sample_ctx(S.NUCLEAR_OFFER)
    content = good(ctx, body=f"Hi Ada, use WELCOME20 or {ctx.code} for 15% off.")
    assert "code" in rules(ctx, content)


def test_a_price_that_is_not_the_carts_is_caught():
    ctx = sample_ctx(S.PATTERN_INTERRUPT)
    assert "price" in rules(ctx, good(ctx, body="Hi Ada, Kenya Nyeri AA is just $19.99."))
    # The cart's own figures are fine: unit price, line total, subtotal, total, was-price.
    fine = (
        "Hi Ada, Kenya Nyeri AA is $21.00 (was $24.00), $42.00 for two; $70.00 in all, "
        "$76.00 with shipping."
    )
    assert rules(ctx, good(ctx, body=fine)) == []


def test_a_product_not_in_the_cart_is_caught():
    ctx = sample_ctx(S.PATTERN_INTERRUPT)
    found = check_message(ctx, good(ctx, body="Hi Ada, you might love the Glass French Press."))
    assert [f.rule for f in found] == ["product"]


def test_free_shipping_needs_an_offer_or_a_threshold():
    ctx = replace(sample_ctx(S.PATTERN_INTERRUPT), free_shipping_threshold=None)
    assert "offer" in rules(ctx, good(ctx, body="Hi Ada, free shipping on us!"))
    near = sample_ctx(S.PATTERN_INTERRUPT)
    assert near.free_shipping_gap == Decimal("5.00")  # $70 of $75
    assert rules(near, good(near, body="Hi Ada, add $5.00 more for free shipping.")) == []
    assert "price" in rules(near, good(near, body="Hi Ada, add $9.00 more for free shipping."))


def test_scarcity_needs_low_stock_and_the_true_number():
    ctx = sample_ctx(S.LOSS_VISUALIZATION)
    offer = f"{ctx.code} for 30% off"
    assert rules(ctx, good(ctx, body=f"Hi Ada, only 3 left of Kenya Nyeri AA. {offer}")) == []
    assert "claim" in rules(ctx, good(ctx, body=f"Hi Ada, only 1 left! {offer}"))
    plenty = replace(ctx, items=[replace(i, stock=50) for i in ctx.items])
    assert "claim" in rules(plenty, good(plenty, body=f"Hi Ada, selling fast! {offer}"))


def test_social_proof_needs_real_reviews():
    ctx = sample_ctx(S.PATTERN_INTERRUPT)
    assert rules(ctx, good(ctx, body="Hi Ada, rated 4.80 from 412 reviews.")) == []
    assert "claim" in rules(ctx, good(ctx, body="Hi Ada, 10,000 happy customers agree."))
    assert "claim" in rules(ctx, good(ctx, body="Hi Ada, rated 5 by everyone."))
    none = replace(ctx, items=[replace(i, review_count=0) for i in ctx.items])
    assert "claim" in rules(none, good(none, body="Hi Ada, our bestseller is in your cart."))


def test_a_deadline_needs_something_that_expires():
    ctx = sample_ctx(S.PATTERN_INTERRUPT)
    assert "claim" in rules(ctx, good(ctx, body="Hi Ada, hurry, this ends tonight!"))
    offer = sample_ctx(S.NUCLEAR_OFFER)
    body = f"Hi Ada, {offer.code} gives 30% off and expires soon."
    assert rules(offer, good(offer, body=body)) == []


def test_unsubstantiated_superlatives_are_caught_unless_the_store_says_so():
    ctx = sample_ctx(S.PATTERN_INTERRUPT)
    assert "claim" in rules(ctx, good(ctx, body="Hi Ada, the lowest price anywhere."))
    assert "claim" in rules(ctx, good(ctx, body="Hi Ada, guaranteed to delight."))
    promised = replace(ctx, trust_signals=("Money-back guarantee",))
    assert rules(promised, good(promised, body="Hi Ada, with our money-back guarantee.")) == []


def test_promises_the_store_has_not_switched_on_are_caught():
    ctx = sample_ctx(S.BRANCHING_INTERVENTION, R.TOO_EXPENSIVE)  # no payment plan by default
    content = good(ctx, body=f"Hi Ada, split it into 4 payments. {ctx.code} for 10% off")
    assert "claim" in rules(ctx, content)
    on = sample_ctx(S.BRANCHING_INTERVENTION, R.TOO_EXPENSIVE, config=ALL_ON)
    assert (
        rules(
            on,
            good(on, body=f"Hi Ada, split it into 4 payments with Klarna. {on.code} for 10% off"),
        )
        == []
    )


def test_links_markup_placeholders_and_other_names_are_caught():
    ctx = sample_ctx(S.PATTERN_INTERRUPT)
    assert "link" in rules(ctx, good(ctx, body="Hi Ada, see https://evil.example"))
    assert "html" in rules(ctx, good(ctx, body="Hi Ada, <b>come back</b>"))
    assert "placeholder" in rules(ctx, good(ctx, body="Hi [Name], come back"))
    assert "placeholder" in rules(ctx, good(ctx, body="Hi {first_name}, come back"))
    assert "name" in rules(ctx, good(ctx, body="Hi Sarah, come back"))


def test_field_shape():
    ctx = sample_ctx(S.PATTERN_INTERRUPT)
    assert "one_line" in rules(ctx, good(ctx, subject="Two\nlines"))
    assert "length" in rules(ctx, good(ctx, cta="x" * 41))
    assert "empty" in rules(ctx, good(ctx, headline=" "))


def test_sms_segments_count_the_link_and_the_opt_out_line():
    ctx = sample_ctx(S.PATTERN_INTERRUPT, sms_max_segments=1)
    short = good(ctx, sms="Bluebird Coffee: your cart is saved.")
    assert rules(ctx, short) == []
    long = good(ctx, sms="Bluebird Coffee: " + "your cart is saved " * 5)
    found = check_message(ctx, long)
    assert [f.rule for f in found] == ["segments"]
    emoji = good(ctx, sms="Bluebird Coffee: your cart is saved ☕ come back for it")
    found = check_message(ctx, emoji)
    assert [f.rule for f in found] == ["segments"] and "UCS-2" in found[0].message


def test_segment_arithmetic():
    assert sms.segments("a" * 160) == 1
    assert sms.segments("a" * 161) == 2
    assert sms.segments("a" * 306) == 2 and sms.segments("a" * 307) == 3
    assert sms.segments("€" * 80) == 1 and sms.segments("€" * 81) == 2  # extension: two units
    assert sms.segments("☕" * 70) == 1 and sms.segments("☕" * 71) == 2
    assert sms.segments("") == 0


@pytest.mark.parametrize(
    ("sentence", "rule"),
    [
        ("Take half off your order.", "offer"),
        ("Take forty percent off.", "offer"),
        ("Take forty-five per cent off.", "offer"),
        ("Buy one, get one free.", "offer"),
        ("Kenya Nyeri AA is now 15 dollars.", "price"),
        ("Kenya Nyeri AA is now fifteen dollars.", "price"),
        ("Or use code welcome20 at checkout.", "code"),
        ("Or use code WELCOME at checkout.", "code"),
        ("Just 2 left in stock!", "claim"),
        ("Shipping is on us.", "offer"),
        ("We'll cover the shipping.", "offer"),
        ("Join 5000 coffee lovers.", "number"),
        ("Ready in 48 hours.", "number"),
    ],
)
def test_the_same_lies_in_other_words_are_caught(sentence, rule):
    ctx = replace(sample_ctx(S.NUCLEAR_OFFER), free_shipping_threshold=None)
    content = good(ctx, body=TEMPLATES.write(ctx).body + " " + sentence)
    assert rule in rules(ctx, content), check_message(ctx, content)


@pytest.mark.parametrize(
    "sentence",
    [
        "Take 30% off with the code below.",  # a word after "code" is not a code
        "Your code SAVE-K7M2Q9RT works once.",
        "Kenya Nyeri AA x 2 and 1 more item: 3 bags in all.",
        "Rated 4.8 by 412 reviewers; only 3 left.",
        "Thanks for your 2 orders, Ada.",
        "It expires Nov 22 at 10:00 AM.",
    ],
)
def test_true_figures_in_any_words_pass(sentence):
    ctx = sample_ctx(S.NUCLEAR_OFFER)
    content = good(ctx, body=TEMPLATES.write(ctx).body + " " + sentence)
    assert check_message(ctx, content) == []


@pytest.mark.parametrize(
    ("sentence", "rule"),
    [
        ("Everything in your cart is half-price.", "offer"),
        ("Just two left!", "claim"),
        ("Or use FREESHIP at checkout.", "code"),
        ("We'll ship it for free.", "offer"),
        ("Shipping's on us.", "offer"),
        ("We'll waive the shipping fee.", "offer"),
        ("Two for the price of one.", "offer"),
        ("Kenya Nyeri AA is now USD 30.00.", "price"),
        ("Plus free shipping on your order.", "offer"),
    ],
)
def test_further_rephrasings_are_caught(sentence, rule):
    ctx = sample_ctx(S.NUCLEAR_OFFER)  # a $75 threshold the $70 cart has not reached
    content = good(ctx, body=TEMPLATES.write(ctx).body + " " + sentence)
    assert rule in rules(ctx, content), check_message(ctx, content)


def test_trust_signals_and_the_threshold_sentence_are_not_free_shipping_promises():
    ctx = sample_ctx(S.NUCLEAR_OFFER)
    fine = "Free returns and fast shipping, as always. Add $5.00 more for free shipping."
    assert check_message(ctx, good(ctx, body=TEMPLATES.write(ctx).body + " " + fine)) == []


def _with(ctx, sentence: str):
    return good(ctx, body=TEMPLATES.write(ctx).body + " " + sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "It expires Dec 22 at 10:00 AM.",  # the real expiry: Nov 22, 10:00 AM (a Sunday)
        "It expires Nov 22 at 10 PM.",
        "It expires Monday at noon.",
        "The code expires tonight.",
        "It is good for a week.",
        "Valid for 3 days.",
    ],
)
def test_a_deadline_must_be_the_codes_real_expiry(sentence):
    ctx = sample_ctx(S.NUCLEAR_OFFER, offer_valid_hours=48)
    assert "claim" in rules(ctx, _with(ctx, sentence)), sentence


@pytest.mark.parametrize(
    "sentence",
    ["It expires Sunday, Nov 22 at 10:00 AM.", "The code is valid for 48 hours.",
     "It is good for 2 days.", "Use it by 10 a.m. on Nov 22."],
)  # fmt: skip
def test_the_real_deadline_in_other_words_passes(sentence):
    ctx = sample_ctx(S.NUCLEAR_OFFER, offer_valid_hours=48)
    assert check_message(ctx, _with(ctx, sentence)) == []


@pytest.mark.parametrize(
    ("stage", "sentence", "rule"),
    [
        (S.BROWSE_REMINDER, "Take $6.00 off today.", "offer"),
        (S.BROWSE_REMINDER, "Save $42.00 now.", "offer"),
        (S.NUCLEAR_OFFER, "That's $9.00 off.", "offer"),  # the real saving is $21.00
        (S.BROWSE_REMINDER, "Your favourites are on sale.", "claim"),
        (S.BROWSE_REMINDER, "We reduced the price.", "claim"),
        (S.BROWSE_REMINDER, "Get 2-for-1.", "claim"),
        (S.NUCLEAR_OFFER, "Enter WELCOME at checkout.", "code"),
        (S.NUCLEAR_OFFER, "Apply VIPEXTRA too.", "code"),
        (S.NUCLEAR_OFFER, "Your total: €76.00.", "price"),
        (S.NUCLEAR_OFFER, "We've waived the $75.00 minimum, so your order ships free.", "offer"),
    ],
)
def test_offers_sales_codes_and_currencies_the_review_found(stage, sentence, rule):
    ctx = sample_ctx(stage)
    assert rule in rules(ctx, _with(ctx, sentence)), check_message(ctx, _with(ctx, sentence))


@pytest.mark.parametrize(
    "sentence",
    [
        "Your coupon code SAVE-K7M2Q9RT is waiting.",
        "The code is valid once; the code gets you 30% off.",
        "That's $21.00 off.",
        "This is the last one we'll send about it.",
        "No need to hurry, but it won't last forever.",
        "Feel free to ask about delivery.",
        "Free and easy returns on every delivery.",
    ],
)
def test_ordinary_true_copy_passes(sentence):
    ctx = sample_ctx(S.NUCLEAR_OFFER)
    assert check_message(ctx, _with(ctx, sentence)) == []


def test_figures_inside_product_names_are_names_not_claims():
    ctx = sample_ctx(S.PATTERN_INTERRUPT)
    merino = replace(ctx.items[0], name="100% Merino Beanie 2-Pack")
    ctx = replace(ctx, items=[merino, *ctx.items[1:]])
    content = TEMPLATES.write(ctx)
    assert check_message(ctx, content) == []
    assert "100% Merino" in content.subject or "100% Merino" in content.body


def test_line_separators_of_every_kind_break_a_one_line_field():
    ctx = sample_ctx(S.PATTERN_INTERRUPT)
    assert "one_line" in rules(ctx, good(ctx, subject="Still\u2028there?"))


def test_a_pinned_offer_placeholder_with_no_offer_is_refused():
    from cart_admin.domain.recovery_content.pinned import render_pinned
    from cart_admin.domain.save_flow.content import PinnedText

    ctx = sample_ctx(S.BRANCHING_INTERVENTION, R.JUST_BROWSING)  # this branch offers nothing
    assert ctx.offer is None
    pinned = PinnedText("Your cart", "", "Saved", "Hi {first_name}, use {code} for {offer}.",
                        "Back", "{company}: your cart")  # fmt: skip
    content = render_pinned(pinned, ctx)
    assert "{code}" in content.body and "placeholder" in rules(ctx, content)


def test_figures_in_the_shoppers_or_the_shops_name_are_names():
    ctx = sample_ctx(S.PATTERN_INTERRUPT, first_name="Shopper2", company_name="Shop 24")
    assert check_message(ctx, TEMPLATES.write(ctx)) == []
