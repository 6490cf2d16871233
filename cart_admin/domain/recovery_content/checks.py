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
from cart_admin.domain.recovery_content.trigger_library import LOW_STOCK
from cart_admin.domain.save_flow.content import ContentContext, InterventionContent
from cart_admin.domain.save_flow.messages import SMS_OPT_OUT

FIELDS = ("subject", "preheader", "headline", "body", "cta", "sms")
ONE_LINE = ("subject", "preheader", "headline", "cta", "sms")
MAX_LENGTH = {"subject": 100, "preheader": 160, "headline": 100, "body": 1200, "cta": 40,
              "sms": 320}  # fmt: skip

MONEY = re.compile(
    r"(?<![\w.])([$€£]|(?:USD|EUR|GBP|CAD|AUD|US\$|CA\$|A\$)\s?)\s?(\d{1,3}(?:,\d{3})+|\d+)"
    r"(?:\.(\d{1,2}))?(?!\d)",
    re.IGNORECASE,
)
MONEY_SUFFIX = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{2}))?\s?(?:USD|EUR|GBP|CAD|AUD|dollars?|bucks|"
    r"euros?|pounds?)\b",
    re.IGNORECASE,
)
UNITS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_WORD_NUMBER = (rf"(?:(?:{'|'.join(TENS)})(?:[- ](?:{'|'.join(UNITS[1:10])}))?"
                rf"|{'|'.join(UNITS)}|(?:a|one) hundred)")  # fmt: skip
WORD_PERCENT = re.compile(rf"\b({_WORD_NUMBER})\s+per ?cent\b", re.IGNORECASE)
WORD_MONEY = re.compile(rf"\b{_WORD_NUMBER}\s+(?:dollars?|bucks|euros?|pounds?)\b", re.I)
FRACTION_OFF = re.compile(
    r"\b(half|a third|one third|a quarter|one quarter|two thirds)[\s-]+(?:off|(?:the )?price"
    r"d?)\b|\b(?:bogo|buy one,? get one)\b|\b(?:two|2) for (?:the price of )?(?:one|1)\b",
    re.IGNORECASE,
)
FRACTIONS = {"half": Decimal(50), "a quarter": Decimal(25), "one quarter": Decimal(25)}
CODE_WORD = re.compile(
    r"\b(?:code|coupon|promo(?:tion)?(?: code)?|voucher)\s*(?:is\s*)?[:\-]?\s*[\"'“]?"
    r"([A-Za-z0-9][A-Za-z0-9-]{2,})",
    re.IGNORECASE,
)
NOT_A_CODE = frozenset(
    [
        "below",
        "above",
        "at",
        "in",
        "is",
        "expires",
        "expire",
        "for",
        "to",
        "and",
        "when",
        "will",
        "works",
        "here",
        "this",
        "that",
        "it",
        "its",
        "the",
        "your",
        "you",
        "our",
        "on",
        "of",
        "with",
        "before",
        "by",
        "until",
        "today",
        "now",
        "only",
        "just",
        "once",
        "applies",
        "applied",
        "automatically",
        "gives",
        "takes",
        "saves",
        "free",
        "code",
    ]
)
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
REACH = re.compile(r"\b(?:add|spend|more|away|reach|over|above|orders? of|qualif\w*|unlock|"
                   r"just)\b", re.IGNORECASE)  # fmt: skip
LINE_BREAK = re.compile(r"[\n\r\x0b\x0c\x85\u2028\u2029]")
AMOUNT_OFF = re.compile(
    r"(?:[$€£]\s?\d[\d,]*(?:\.\d\d)?)\s+(?:off|discount|back)\b"
    r"|\bsave\s+(?:an extra\s+)?[$€£]\s?\d[\d,]*(?:\.\d\d)?",
    re.IGNORECASE,
)
PRICE_TALK = re.compile(
    r"\bon sale\b|\breduced (?:the |our |its )?prices?|\bprice (?:drop|cut)|\bmarked down"
    r"|\bclearance\b|\b(?:two|2)[- ]for[- ](?:one|1)\b",
    re.IGNORECASE,
)
DEADLINE = re.compile(r"\b(?:expir\w*|ends?|valid|good (?:for|until|through)|lasts?|until|"
                      r"before|by)\b", re.IGNORECASE)  # fmt: skip
MONTH_DAY = re.compile(
    r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? (\d{1,2})\b", re.IGNORECASE
)
WEEKDAY = re.compile(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*day\b", re.IGNORECASE)
CLOCK = re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s?([ap])\.?m\b", re.IGNORECASE)
RELATIVE = re.compile(
    r"\b(?:tonight|tomorrow|today|midnight|noon|this (?:weekend|week|month)|end of (?:the )?"
    r"(?:day|week|month)|next (?:week|month))\b",
    re.IGNORECASE,
)
DURATION = re.compile(rf"\b(\d+|a|an|one|{_WORD_NUMBER})[- ](hours?|days?|weeks?)\b", re.I)
SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
# A token in capitals after "use", "enter", "apply"...: a code, whatever its shape.
CODE_VERB = re.compile(r"\b(?i:use|enter|apply|redeem|type)\s+[\"'“]?([A-Z][A-Z0-9-]{3,})\b")
PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s?(?:%|per ?cent\b)", re.IGNORECASE)
CODE_LIKE = re.compile(r"\b(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z0-9]{2,}(?:-[A-Z0-9]+)*\b")
LINK = re.compile(r"https?://|\bwww\.", re.IGNORECASE)
HTML = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")
PLACEHOLDER = re.compile(r"\{\{?\s*[A-Za-z_]+\s*\}?\}|\[(?:[A-Z][A-Za-z ]*|[a-z_ ]+)\]")
GREETING = re.compile(r"^\s*(?:Hi|Hello|Hey|Dear)\s+([A-Z][\w'-]+)")

SCARCITY = re.compile(
    r"\bonly \d+ (?:left|remaining)|\b(?:low|limited) stock|\bselling (?:out|fast)"
    r"|\balmost (?:gone|sold out)|\brunning (?:out|low)|\blast (?:few|units?|ones? (?:left|in "
    r"stock))\b|\bfew left|\bwhile (?:stocks|supplies) last|\b\d+ (?:left|remaining)\b"
    r"|\bleft in stock|\bgoing fast|\bhigh demand"
    rf"|\b{_WORD_NUMBER} (?:(?:units?|items?|pieces?|bags?) )?(?:left|remaining)\b",
    re.IGNORECASE,
)
ONLY_N_LEFT = re.compile(
    rf"\b(\d+|{_WORD_NUMBER}) (?:(?:units?|items?|pieces?|bags?) )?(?:left|remaining|in stock)\b",
    re.IGNORECASE,
)
URGENCY = re.compile(
    r"\bexpir\w*|\bends? (?:today|tonight|soon|in|at|on)\b|\blimited[- ]time|\btoday only"
    r"|\b\d+ (?:hours?|minutes?|days?) left|\blast chance|\bcountdown|\bbefore it'?s gone"
    r"|\bends? midnight|\bdeadline",
    re.IGNORECASE,
)
SOCIAL = re.compile(
    r"\b(?:best[- ]?sell\w*|top[- ]rated|most popular|trending|fan favou?rite)"
    r"|\b\d(?:\.\d)? ?(?:stars?|/ ?5)\b|\brated\b|\bpeople (?:are )?(?:viewing|looking|watching)",
    re.IGNORECASE,
)
COUNTED = re.compile(
    r"\b(\d[\d,]*)\+?\s+(?:happy |other |verified )?(?:reviews?|ratings?|customers|shoppers|"
    r"people|buyers|fans)\b",
    re.IGNORECASE,
)
RATED = re.compile(r"\brated (\d(?:\.\d+)?)", re.IGNORECASE)
SUPERLATIVE = re.compile(
    r"\b(?:lowest|best) prices?\b|\bcheapest\b|\bguarantee\w*|#1\b|\bnumber one\b"
    r"|\baward[- ]winning|\bclinically|\bscientifically|\bproven\b|\bmoney[- ]back"
    r"|\bprices? (?:will )?(?:go(?:es)? up|increase|rise)|\bprices? (?:are )?rising"
    r"|\bnever (?:again|be this)\b|\bonce in a lifetime",
    re.IGNORECASE,
)
OFFER_WORDS = re.compile(r"\bdiscount|\bcoupon|\bpromo(?:tion(?:al)?)? code|\b% off\b|\boff your\b",
                         re.IGNORECASE)  # fmt: skip
FREE_SHIPPING = re.compile(
    r"\bfree (?:shipping|delivery)|\bships? (?:for )?free\b"
    r"|\b(?:shipping|delivery)(?: is| costs?| fees?)? (?:on us|free|covered|waived|included)"
    r"|\bno (?:shipping|delivery) (?:costs?|charges?|fees?)|\bzero (?:shipping|delivery)"
    r"|\bwe(?:'ll| will)? (?:cover|pay(?: for)?) (?:the |your )?(?:shipping|delivery)"
    r"|\bship(?:s|ping)? (?:it |them |this |your (?:order|cart|items?) |everything )?(?:for )?"
    r"free\b|\b(?:shipping|delivery)(?:'s| is| are)? (?:on us|on the house|complimentary)"
    r"|\bwaiv\w* (?:the |your |all )?(?:shipping|delivery)|\b(?:shipping|delivery) (?:fees? )?"
    r"(?:is |are |will be )?waived|\bcomplimentary (?:shipping|delivery)",
    re.IGNORECASE,
)
GIFT = re.compile(r"\bfree gift|\bgift with (?:your )?purchase|\bbonus gift|\bfree sample",
                  re.IGNORECASE)  # fmt: skip
# Promises only a branch suggestion the merchant switched on may make.
GATED = (
    (re.compile(r"\bprice[- ]match|\bwe'?ll match\b|\bmatch (?:it|the price)", re.I), "match"),
    (re.compile(r"\bsplit (?:it |your order )?into|\binstal+ments?\b|\bpay in \d|\bpayments? "
                r"with\b|\bafterpay|\bklarna|\baffirm\b|\bpay later\b", re.I), "payments"),
    (re.compile(r"\b(?:local|in-store|curbside|store|free) pick-? ?up\b|\bpick(?:-| )?up in"
                r" (?:store|person)", re.I), "pickup"),
)  # fmt: skip


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


CURRENCY_OF = {
    "USD": {"USD"},
    "CAD": {"CAD", "USD"},
    "AUD": {"AUD", "USD"},
    "EUR": {"EUR"},
    "GBP": {"GBP"},
}  # fmt: skip  ("$" reads as USD; CAD and AUD shops print "$")
SYMBOLS = {"$": "USD", "us$": "USD", "ca$": "CAD", "a$": "AUD", "€": "EUR", "£": "GBP",
           "dollar": "USD", "dollars": "USD", "bucks": "USD", "euro": "EUR", "euros": "EUR",
           "pound": "GBP", "pounds": "GBP"}  # fmt: skip


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


HOURS_IN = {"hour": 1, "day": 24, "week": 168}


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
            hours = (
                None if count is None else int(count) * {"hour": 1, "day": 24, "week": 168}[unit]
            )
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
