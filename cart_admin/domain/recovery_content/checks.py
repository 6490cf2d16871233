"""The checks every message passes before it is sent, whoever wrote it.

A message may only state what the database says: the real offer and code, the cart's prices
and product names, true stock and review figures, a real deadline. `check_message` returns
what is wrong (an empty list when nothing is); the writer regenerates once with those
findings, then falls back to the templates, which are built from the same facts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from cart_admin.domain.recovery_content import sms as sms_segments
from cart_admin.domain.recovery_content.phrases import (
    AMOUNT_OFF,
    CLOCK,
    CODE_LIKE,
    CODE_VERB,
    CODE_WORD,
    COUNTED,
    CURRENCY_OF,
    DEADLINE,
    DURATION,
    FIELDS,
    FRACTION_OFF,
    FRACTIONS,
    FREE_SHIPPING,
    GATED,
    GIFT,
    GREETING,
    HOURS_IN,
    HTML,
    LINE_BREAK,
    LINK,
    MAX_LENGTH,
    MONEY,
    MONEY_SUFFIX,
    MONTH_DAY,
    NOT_A_CODE,
    NUMBER,
    OFFER_WORDS,
    ONE_LINE,
    ONLY_N_LEFT,
    PERCENT,
    PLACEHOLDER,
    PRICE_TALK,
    RATED,
    REACH,
    RELATIVE,
    SCARCITY,
    SENTENCE,
    SOCIAL,
    SUPERLATIVE,
    SYMBOLS,
    TENS,
    UNITS,
    URGENCY,
    WEEKDAY,
    WORD_MONEY,
    WORD_PERCENT,
)
from cart_admin.domain.recovery_content.trigger_library import LOW_STOCK
from cart_admin.domain.save_flow.content import ContentContext, InterventionContent
from cart_admin.domain.save_flow.messages import SMS_OPT_OUT


@dataclass(frozen=True)
class CheckFailure:
    field: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "rule": self.rule, "message": self.message}


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def allowed_amounts(ctx: ContentContext) -> set[Decimal]:
    """Every money figure a message may state: the cart's and the offer's, nothing else."""
    amounts = {ctx.grand_total, ctx.items_subtotal, ctx.shipping_total}
    for item in ctx.items:
        amounts.add(item.unit_price)
        amounts.add(item.unit_price * item.quantity)
        if item.compare_at_price is not None:
            amounts.add(item.compare_at_price)
    if ctx.offer is not None and ctx.offer.savings > 0:
        amounts.add(ctx.offer.savings)
        amounts.add(ctx.grand_total - ctx.offer.savings)
    if ctx.free_shipping_threshold is not None:
        amounts.add(ctx.free_shipping_threshold)
    if ctx.free_shipping_gap is not None:
        amounts.add(ctx.free_shipping_gap)
    return {_cents(a) for a in amounts if a is not None}


def _money_found(text: str) -> list[tuple[str, Decimal]]:
    found = []
    for m in MONEY.finditer(text):
        whole, frac = m.group(2).replace(",", ""), m.group(3) or "0"
        found.append((m.group(0), Decimal(f"{whole}.{frac.ljust(2, '0')}")))
    for m in MONEY_SUFFIX.finditer(text):
        whole, frac = m.group(1).replace(",", ""), m.group(2) or "00"
        found.append((m.group(0), Decimal(f"{whole}.{frac}")))
    return found


def _currencies(text: str) -> list[tuple[str, str]]:
    """(what was written, its currency) for every amount in the text."""
    found = []
    for m in MONEY.finditer(text):
        mark = m.group(1).strip().lower()
        found.append((m.group(0), SYMBOLS.get(mark, mark.upper())))
    for m in MONEY_SUFFIX.finditer(text):
        mark = m.group(0).split()[-1].lstrip("0123456789.,").lower() or "$"
        found.append((m.group(0), SYMBOLS.get(mark, mark.upper())))
    return found


def _without_names(ctx: ContentContext, text: str) -> str:
    """The text with the cart's product names, the shop's and the shopper's blanked out, so
    figures inside names are not read as claims."""
    names = [ctx.company_name, ctx.first_name or "", *(i.name for i in ctx.items)]
    for name in sorted(names, key=len, reverse=True):
        if name and any(ch.isdigit() for ch in name):
            text = re.sub(re.escape(name), " ", text, flags=re.IGNORECASE)
    return text


def _check_deadline(ctx: ContentContext, name: str, text: str, fail) -> None:
    """In a sentence that sets a deadline, every date, weekday, time and duration must be
    the code's real expiry (in the shopper's zone); relative words cannot be checked."""
    if ctx.code_expires_at is None:
        return  # any deadline at all is refused by the urgency claim check
    local = ctx.code_expires_at.astimezone(ctx.timezone)
    for sentence in SENTENCE.split(text):
        if not DEADLINE.search(sentence):
            continue
        for m in MONTH_DAY.finditer(sentence):
            if m.group(1).lower() != f"{local:%b}".lower() or int(m.group(2)) != local.day:
                fail(name, "claim", f"says {m.group(0)!r}, but the code expires "
                     f"{local:%b %-d}")  # fmt: skip
        for m in WEEKDAY.finditer(sentence):
            if m.group(1).lower() != f"{local:%a}".lower():
                fail(name, "claim", f"says {m.group(0)!r}, but the code expires on a "
                     f"{local:%A}")  # fmt: skip
        for m in CLOCK.finditer(sentence):
            hour, minute = int(m.group(1)), int(m.group(2) or 0)
            hour24 = hour % 12 + (12 if m.group(3).lower() == "p" else 0)
            if (hour24, minute) != (local.hour, local.minute):
                fail(name, "claim", f"says {m.group(0)!r}, but the code expires at "
                     f"{local:%-I:%M %p}")  # fmt: skip
        for m in RELATIVE.finditer(sentence):
            fail(name, "claim", f"says {m.group(0)!r}; give the expiry as its date and time")
        for m in DURATION.finditer(sentence):
            said = m.group(1).lower()
            count = 1 if said in ("a", "an") else (int(said) if said.isdigit()
                                                   else _word_number(said))  # fmt: skip
            unit = m.group(2).lower().rstrip("s")
            hours = None if count is None else int(count) * HOURS_IN[unit]
            if ctx.offer_valid_hours is None or hours != ctx.offer_valid_hours:
                fail(name, "claim", f"says {m.group(0)!r}, which is not how long the code works")


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def full_sms(ctx: ContentContext, content: InterventionContent) -> str:
    """The SMS as it is sent: the writer's text, the link and the opt-out line."""
    return f"{content.sms} {ctx.sms_link} {SMS_OPT_OUT}"


def check_message(ctx: ContentContext, content: InterventionContent) -> list[CheckFailure]:
    """What this message states that the facts in `ctx` do not support (empty: send it)."""
    failures: list[CheckFailure] = []

    def fail(field: str, rule: str, message: str) -> None:
        failures.append(CheckFailure(field, rule, message))

    texts = {name: str(getattr(content, name) or "") for name in FIELDS}
    for name, text in texts.items():
        if name in ("subject", "headline", "body", "cta", "sms") and not text.strip():
            fail(name, "empty", "is empty")
        if len(text) > MAX_LENGTH[name]:
            fail(name, "length", f"is {len(text)} characters; at most {MAX_LENGTH[name]}")
        if name in ONE_LINE and LINE_BREAK.search(text):
            fail(name, "one_line", "must be one line")
    for name, text in texts.items():
        _check_text(ctx, name, text, fail)
    _check_offer_stated(ctx, texts, fail)
    sent = full_sms(ctx, content)
    count = sms_segments.segments(sent)
    if count > ctx.sms_max_segments:
        odd = sms_segments.non_gsm_characters(sent)
        why = f" (the characters {odd!r} force UCS-2)" if odd else ""
        fail("sms", "segments", f"is {count} SMS segments with its link and opt-out line; "
             f"at most {ctx.sms_max_segments}{why}")  # fmt: skip
    return failures


def _check_text(ctx: ContentContext, name: str, text: str, fail) -> None:
    if not text:
        return
    if LINK.search(text):
        fail(name, "link", "contains a link; the sender adds the links")
    if HTML.search(text):
        fail(name, "html", "contains HTML markup")
    if m := PLACEHOLDER.search(text):
        fail(name, "placeholder", f"has an unfilled placeholder {m.group(0)!r}")
    if name == "body" and (m := GREETING.match(text)):
        greeted = m.group(1)
        if greeted.lower() not in ("there", "friend", "again") and greeted != ctx.first_name:
            fail(name, "name", f"greets {greeted!r}, who is not this shopper")
    named = text
    text = _without_names(ctx, text)  # "100% Merino Scarf", "Cold Brew 4-Pack" are names

    # Money in this cart's currency only.
    for shown, currency in _currencies(text):
        if currency not in CURRENCY_OF.get(ctx.currency, {ctx.currency}):
            fail(name, "price", f"states {shown}, but this cart is in {ctx.currency}")

    # Money: only the cart's and the offer's figures.
    allowed = allowed_amounts(ctx)
    for shown, value in _money_found(text):
        if _cents(value) not in allowed:
            fail(name, "price", f"states {shown}, which is not a price or total of this cart")

    # An amount off is the offer's saving, nothing else; sales and price cuts are not ours.
    for m in AMOUNT_OFF.finditer(text):
        amounts = [value for _, value in _money_found(m.group(0))]
        saving = ctx.offer.savings if ctx.offer is not None else None
        if saving is None or saving <= 0 or any(_cents(a) != _cents(saving) for a in amounts):
            real = f"the offer is {ctx.offer.label}" if ctx.offer else "there is no offer"
            fail(name, "offer", f"states {m.group(0)!r}, but {real}")
    if (m := PRICE_TALK.search(text)) and m.group(0).lower() not in " ".join(
        ctx.trust_signals
    ).lower():
        fail(name, "claim", f"says {m.group(0)!r}; the prices are the cart's, not a sale")
    _check_deadline(ctx, name, text, fail)

    # Percentages: only the real offer's.
    offer_percent = ctx.offer.percent if ctx.offer is not None else None
    for m in PERCENT.finditer(text):
        percent = _number(m.group(1))
        if offer_percent is None or percent is None or percent != offer_percent:
            real = f"the offer is {ctx.offer.label}" if ctx.offer else "there is no offer"
            fail(name, "offer", f"states {m.group(0)}, but {real}")

    # Percentages in words and fractions off: only the real offer's.
    for m in WORD_PERCENT.finditer(text):
        if offer_percent is None or _word_number(m.group(1)) != offer_percent:
            real = f"the offer is {ctx.offer.label}" if ctx.offer else "there is no offer"
            fail(name, "offer", f"states {m.group(0)!r}, but {real}")
    for m in FRACTION_OFF.finditer(text):
        fraction = FRACTIONS.get((m.group(1) or "").lower())
        if offer_percent is None or fraction is None or fraction != offer_percent:
            real = f"the offer is {ctx.offer.label}" if ctx.offer else "there is no offer"
            fail(name, "offer", f"states {m.group(0)!r}, but {real}")
    if m := WORD_MONEY.search(text):
        fail(name, "price", f"states {m.group(0)!r}; amounts must be the cart's, in figures")

    # Codes: only the real one, however it is written.
    own = " ".join([ctx.company_name, *(i.name for i in ctx.items)])
    for m in CODE_LIKE.finditer(text):
        token = m.group(0)
        if token == ctx.code or token in own or token.isdigit():
            continue
        real = f"the code is {ctx.code}" if ctx.code else "there is no code"
        fail(name, "code", f"states the code {token}, but {real}")
    for m in [*CODE_WORD.finditer(text), *CODE_VERB.finditer(text)]:
        token = m.group(1).rstrip("-")
        looks_like_a_code = any(c.isdigit() for c in token) or token.isupper() or "-" in token
        if not looks_like_a_code or token.lower() in NOT_A_CODE:
            continue  # "the code is valid", "use FREE shipping"
        if ctx.code and token.upper() == ctx.code.upper():
            continue
        real = f"the code is {ctx.code}" if ctx.code else "there is no code"
        fail(name, "code", f"states the code {token}, but {real}")

    # Every other figure must be one of the facts (stock, reviews, quantities, dates...).
    for figure in _unknown_numbers(ctx, text):
        fail(name, "number", f"states {figure}, which is none of this cart's facts")

    if ctx.offer is None and OFFER_WORDS.search(text):
        fail(name, "offer", "talks of a discount, but this message has no offer")
    for sentence in SENTENCE.split(text):
        if FREE_SHIPPING.search(sentence) and not _free_shipping_true(ctx, sentence):
            fail(name, "offer", "promises free shipping, which this cart does not get")
            break
    if GIFT.search(text) and not (ctx.offer is not None and ctx.offer.gift):
        fail(name, "offer", "promises a gift, but the offer has none")
    suggestions = " ".join(ctx.suggestions).lower()
    for pattern, topic in GATED:
        if pattern.search(text) and not pattern.search(suggestions):
            fail(name, "claim", f"offers {topic}, which the store has not switched on")

    # Claims that need a fact.
    if SCARCITY.search(text):
        low = {i.stock for i in ctx.items if i.stock is not None and 0 < i.stock <= LOW_STOCK}
        if not low:
            fail(name, "claim", "claims low stock, but no item in the cart is low")
        for m in ONLY_N_LEFT.finditer(text):
            said = m.group(1)
            count = int(said) if said.isdigit() else _word_number(said)
            if count not in low:
                fail(name, "claim", f"says {m.group(0)!r}, but the stock is different")
    if URGENCY.search(text) and ctx.code_expires_at is None:
        fail(name, "claim", "sets a deadline, but nothing here expires")
    counts = {i.review_count for i in ctx.items if i.review_count > 0}
    total_reviews = sum(i.review_count for i in ctx.items)
    if total_reviews:
        counts.add(total_reviews)
    ratings = {i.rating for i in ctx.items if i.rating is not None and i.review_count > 0}
    if SOCIAL.search(text) and not counts:
        fail(name, "claim", "claims popularity or ratings, but no item has reviews")
    for m in COUNTED.finditer(text):
        count = _number(m.group(1))
        if count is None or int(count) not in counts:
            fail(name, "claim", f"says {m.group(0)!r}, which no review count supports")
    for m in RATED.finditer(text):
        rating = _number(m.group(1))
        if rating is None or all(rating != r for r in ratings):
            fail(name, "claim", f"says {m.group(0)!r}, which no item's rating supports")
    signals = " ".join(ctx.trust_signals).lower()
    for m in SUPERLATIVE.finditer(text):
        if m.group(0).lower() not in signals:
            fail(name, "claim", f"claims {m.group(0)!r}, which the store does not state")

    # Product names: only the cart's.
    lowered = named.lower()
    in_cart = " ".join(i.name for i in ctx.items).lower()
    for other in ctx.other_product_names:
        key = other.lower()
        if len(key) >= 4 and key not in in_cart and re.search(rf"\b{re.escape(key)}\b", lowered):
            fail(name, "product", f"names {other!r}, which is not in this cart")


def _word_number(text: str) -> Decimal | None:
    words = text.lower().replace("-", " ").split()
    if words[-1] == "hundred":
        return Decimal(100)
    total = 0
    for word in words:
        if word in TENS:
            total += 20 + 10 * TENS.index(word)
        elif word in UNITS:
            total += UNITS.index(word)
        else:
            return None
    return Decimal(total)


def _plain(value: Decimal | int | str) -> str:
    """One spelling per number: 1204, 4.8 (from "1,204", "4.80")."""
    number = Decimal(str(value).replace(",", ""))
    return f"{number.normalize():f}"


def allowed_numbers(ctx: ContentContext) -> set[str]:
    """The figures a message may state besides prices and the offer's percentage."""
    found: set[str] = set()
    texts = [ctx.company_name, *(i.name for i in ctx.items), *ctx.suggestions,
             *ctx.trust_signals, ctx.code or ""]  # fmt: skip
    if ctx.code_expires_at is not None:
        local = ctx.code_expires_at.astimezone(ctx.timezone)
        texts.append(f"{local:%Y %m %d %-d %H %-I %M}")
    for text in texts:
        found.update(_plain(n) for n in NUMBER.findall(text) if n.strip(",."))
    numbers: list[Decimal | int] = [len(ctx.items), max(0, len(ctx.items) - 1), ctx.order_count]
    for item in ctx.items:
        numbers += [item.quantity, item.review_count]
        if item.stock is not None:
            numbers.append(item.stock)
        if item.rating is not None:
            numbers.append(item.rating)
    numbers.append(sum(i.review_count for i in ctx.items))
    numbers.append(sum(i.quantity for i in ctx.items))
    if ctx.offer is not None and ctx.offer.percent is not None:
        numbers.append(ctx.offer.percent)
    if ctx.offer_valid_hours:
        numbers.append(ctx.offer_valid_hours)
        if ctx.offer_valid_hours % 24 == 0:
            numbers.append(ctx.offer_valid_hours // 24)
    found.update(_plain(n) for n in numbers)
    return found


def _unknown_numbers(ctx: ContentContext, text: str) -> list[str]:
    """Figures outside money, percentages and the code that no fact of the cart accounts for."""
    rest = text
    for pattern in (MONEY, MONEY_SUFFIX, PERCENT):
        rest = pattern.sub(" ", rest)
    if ctx.code:
        rest = re.sub(re.escape(ctx.code), " ", rest, flags=re.IGNORECASE)
    allowed = allowed_numbers(ctx)
    unknown = []
    for figure in NUMBER.findall(rest):
        figure = figure.rstrip(",.")
        if figure and _plain(figure) not in allowed and figure not in unknown:
            unknown.append(figure)
    return unknown


def _free_shipping_true(ctx: ContentContext, sentence: str) -> bool:
    """The offer is free shipping, the cart already ships free, or the sentence says what it
    takes: the real gap or threshold ("add $5.00 for free shipping")."""
    if ctx.offer is not None and FREE_SHIPPING.search(ctx.offer.label):
        return True
    if ctx.shipping_total <= 0 and ctx.items:
        return True
    reach = {ctx.free_shipping_threshold, ctx.free_shipping_gap} - {None}
    stated = {_cents(value) for _, value in _money_found(sentence)}
    conditional = REACH.search(sentence) is not None  # "add $5.00", "on orders over $75.00"
    return conditional and bool(stated & {_cents(v) for v in reach if v is not None})


def _check_offer_stated(ctx: ContentContext, texts: dict[str, str], fail) -> None:
    """A message with an offer states it, and its code, in the body and the SMS."""
    if ctx.offer is None:
        return
    for name in ("body", "sms"):
        text = texts[name]
        if ctx.code and ctx.code not in text:
            fail(name, "offer", f"does not give the code {ctx.code}")
        if ctx.offer.percent is not None and not PERCENT.search(text):
            fail(name, "offer", f"does not state the offer ({ctx.offer.label})")
        elif ctx.offer.percent is None and ctx.offer.label and name == "body":
            if ctx.offer.kind is not None and not FREE_SHIPPING.search(text):
                fail(name, "offer", f"does not state the offer ({ctx.offer.label})")
            if ctx.offer.gift and ctx.offer.gift.lower() not in text.lower():
                fail(name, "offer", f"does not mention the gift ({ctx.offer.gift})")
