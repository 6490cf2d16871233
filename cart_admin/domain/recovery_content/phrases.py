"""The phrases the checks look for: money, percentages, codes, claims, deadlines, free
shipping, in figures and in words. Plain data; `checks` decides what each one may say."""

from __future__ import annotations

import re
from decimal import Decimal

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

HOURS_IN = {"hour": 1, "day": 24, "week": 168}
