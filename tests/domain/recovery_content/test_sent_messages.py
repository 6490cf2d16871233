"""What the shopper really receives matches the database, whoever wrote the words.

Whole save flows run through the real writer chain (pinned version, Claude through the real
``anthropic`` client against the local fake Messages API, templates) and the real SMTP and
Twilio clients against their local fakes. Afterwards every e-mail (subject, text part, the
visible text of the HTML part) and every SMS the fakes received is read back, and every
percentage, money amount, code, stock claim, free-shipping promise and product name in it is
compared with the database: the cart's `DiscountCode` rows, the intervention's
`offer_included`/`offer_code`, the cart's prices and totals, the inventory and the catalog.

The parsers here are deliberately independent of (and broader than) `checks.py`: they are the
test's own reading of what a shopper would understand.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, col, select

from cart_admin.channels.ai import AICompleter
from cart_admin.channels.email import SmtpEmail
from cart_admin.channels.sms import TwilioSms
from cart_admin.domain.recovery_content import versions
from cart_admin.domain.recovery_content.writer import ClaudeWriter, ContentPipeline
from cart_admin.domain.save_flow import links
from cart_admin.domain.save_flow.config import SaveFlowConfig
from cart_admin.models import (
    AIUsage,
    Cart,
    CartAbandonmentReason,
    CartIntervention,
    CartItem,
    CartSaveAttempt,
    CartSaveStage,
    Channel,
    Company,
    ContentSettings,
    Customer,
    DiscountCode,
    DiscountKind,
    InterventionStatus,
    Inventory,
    Product,
)
from tests.domain.recovery_content.claude import MODEL, prompt_model
from tests.domain.save_flow.conftest import T0, Shop, configure, make_shop, quiet_off
from tests.domain.save_flow.harness import Sim
from tests.factories import (
    make_cart,
    make_company,
    make_customer,
    make_landing_page,
    make_product,
)
from tests.fakes.anthropic_server import FakeAnthropicServer
from tests.fakes.smtp_server import FakeSmtp, SmtpMode
from tests.fakes.twilio_server import FakeTwilio, TwilioMode

S = CartSaveStage
R = CartAbandonmentReason
OTHER_PRODUCT = "Panama Boquete Geisha"  # in the catalog, never in the cart
LOW_STOCK = 5  # what "low" means for a scarcity claim (the drawer's and the checks' figure)

# Every stage on every channel it allows (win-back is e-mail only), caps and quiet hours off;
# a win-back sequence of two (its first and its "last call" message) keeps the flow short.
FULL_FLOW = quiet_off(
    maxAttemptsPerCart=50,
    stages={
        "patternInterrupt": {"channels": ["EMAIL", "SMS"]},
        "diagnosisSurvey": {"channels": ["EMAIL", "SMS"]},
        "branchingIntervention": {"channels": ["EMAIL", "SMS"]},
        "lossVisualization": {"channels": ["EMAIL", "SMS"]},
        "winbackSequence": {"sequenceLength": 2},
    },
)


def nuclear_only(free_shipping_threshold: str | None = None) -> SaveFlowConfig:
    """Only the nuclear offer (e-mail + SMS): the A/B experiments' stage, a 30% offer."""
    off = {"enabled": False}
    branch = {**off, "freeShippingThreshold": free_shipping_threshold}
    return quiet_off(stages={"browseReminder": off, "patternInterrupt": off,
                             "diagnosisSurvey": off, "branchingIntervention": branch,
                             "lossVisualization": off, "winbackSequence": off})  # fmt: skip


NUCLEAR_ONLY = nuclear_only()


# --- the fakes: started once for this module, emptied before each test ------------------------
# (stopping an http.server waits out its 0.5 s poll: per test, that was a quarter of the time)


@pytest.fixture(scope="module")
def _fakes() -> Iterator[tuple[FakeAnthropicServer, FakeSmtp, FakeTwilio]]:
    with FakeAnthropicServer() as anthropic, FakeSmtp() as smtp, FakeTwilio() as twilio:
        yield anthropic, smtp, twilio


@pytest.fixture
def anthropic_server(_fakes) -> FakeAnthropicServer:
    server = _fakes[0]
    server.replies.clear()
    server.requests.clear()
    server.responder = None
    return server


@pytest.fixture
def smtp_server(_fakes) -> FakeSmtp:
    server = _fakes[1]
    server.messages.clear()
    server.mode = SmtpMode.ACCEPT
    return server


@pytest.fixture
def twilio_server(_fakes) -> FakeTwilio:
    server = _fakes[2]
    server.requests.clear()
    server.mode = TwilioMode.ACCEPT
    return server


# --- the shop, the wiring and the flow -------------------------------------------------------


def _shop(session: Session, **customer_fields) -> Shop:
    """Ethiopia Guji x 2 at $18.00, shipping $5.99 (total $41.99), plenty in stock; the catalog
    also holds a product that is NOT in the cart, nearly sold out (so "only 2 left" is true of
    something in the database, just not of this cart)."""
    shop = make_shop(session, shipping="5.99", **customer_fields)
    session.add(Inventory(company_id=shop.company.id, product_id=shop.product.id, available=120))
    session.commit()
    make_product(session, shop.company, name=OTHER_PRODUCT, price="42.00", available=2)
    return shop


def _claude(server, engine, sim: Sim) -> ContentPipeline:
    """The production pipeline; Claude's usage is stamped with the simulator's clock."""
    completer = AICompleter(api_key="sk-test", model=MODEL, base_url=server.base_url, timeout=5)
    return ContentPipeline(
        engine=engine, claude=ClaudeWriter(completer, engine, clock=lambda: sim.now)
    )


def _sim(engine, smtp, twilio, anthropic) -> Sim:
    sim = Sim(engine, now=T0)
    sim.email = SmtpEmail(host="127.0.0.1", port=smtp.port, from_addr="Acme <shop@acme.example>",
                          starttls=False, timeout=2)  # fmt: skip
    sim.sms = TwilioSms(
        account_sid=twilio.account_sid, auth_token=twilio.auth_token,
        from_number="+15555550999", base_url=twilio.base_url, timeout=2,
    )  # fmt: skip
    sim.writer = _claude(anthropic, engine, sim)
    return sim


def _run_full_flow(session: Session, sim: Sim, shop: Shop) -> None:
    """Every stage; the shopper answers the survey "too expensive" (the branch offers 10%)."""
    sim.run_until(T0 + timedelta(hours=4))  # the survey went out at 3 h 30
    session.expire_all()
    survey = session.exec(
        select(CartIntervention).where(
            col(CartIntervention.cart_id) == shop.cart.id,
            col(CartIntervention.stage) == S.DIAGNOSIS_SURVEY,
            col(CartIntervention.channel) == Channel.EMAIL,
        )
    ).one()
    assert survey.status is InterventionStatus.SENT
    links.answer_survey(session, survey, reason=R.TOO_EXPENSIVE, comment=None, now=sim.now)
    session.commit()
    sim.run_until(T0 + timedelta(days=20))  # the win-back ends 17 days after abandonment


def _sent_rows(engine) -> list[CartIntervention]:
    with Session(engine) as s:
        return list(
            s.exec(
                select(CartIntervention)
                .where(col(CartIntervention.sent_at).is_not(None))  # sent (maybe clicked since)
                .order_by(col(CartIntervention.sent_at), col(CartIntervention.channel))
            ).all()
        )


def _usage(engine) -> list[AIUsage]:
    with Session(engine) as s:
        return list(s.exec(select(AIUsage).order_by(col(AIUsage.created_at), col(AIUsage.id))))


# --- what the shopper received ---------------------------------------------------------------


class _VisibleText(HTMLParser):
    """The text a mail client shows (and the hidden preheader): data, not tags or styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _visible(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return " ".join(parser.parts)


@dataclass
class Received:
    where: str  # "e-mail 3 (NUCLEAR_OFFER)"
    row: CartIntervention
    texts: dict[str, str]  # part -> text
    message: str = ""  # the e-mail text part or the SMS body (where the code must be)


def received(engine, smtp_server, twilio_server) -> list[Received]:
    """Every e-mail and SMS the fakes got, with its intervention row; and the in-app messages
    the drawer shows (recorded on the row: that is their delivery)."""
    with Session(engine) as s:
        rows = list(s.exec(select(CartIntervention)).all())
    by_id = {r.id: r for r in rows}
    by_token = {r.tracking_token: r for r in rows}
    out = []
    for index, mail in enumerate(smtp_server.messages):
        found = re.fullmatch(r"<([^.]+)\.[^@]+@cart-admin>", mail.message_id)
        assert found, mail.message_id
        row = by_id[found.group(1)]
        text = mail.part("text/plain")
        out.append(
            Received(
                f"e-mail {index} ({row.stage})",
                row,
                {
                    "subject": str(mail.message["Subject"]),
                    "text": text,
                    "html": _visible(mail.part("text/html")),
                },
                text,
            )
        )
    for index, sms in enumerate(twilio_server.messages):
        body = sms.form["Body"]
        found = re.search(r"/[rs]/([A-Za-z0-9_-]{22})\b", body)
        assert found, body
        row = by_token[found.group(1)]
        out.append(Received(f"SMS {index} ({row.stage})", row, {"sms": body}, body))
    for row in rows:
        if row.channel is Channel.IN_APP and row.sent_at is not None:
            fields = ("subject", "preheader", "headline", "body", "cta")
            shown = {k: str(row.content.get(k) or "") for k in fields}
            out.append(Received(f"in-app ({row.stage})", row, shown))
    return out


# --- the database's truth --------------------------------------------------------------------


@dataclass
class Truth:
    percent: Decimal | None  # the offer's percentage, from its DiscountCode row
    code: str | None  # the intervention's code (a DiscountCode of this cart)
    amounts: set[Decimal]
    free_shipping: bool
    low_stock: set[int]
    own_names: list[str]  # the cart's product names and the store's name
    other_names: list[str]  # the catalog's products that are not in this cart
    first_name: str | None = None
    grand_total: Decimal = Decimal("0")
    company: str = ""
    code_row: DiscountCode | None = None
    timezone: str = "UTC"
    problems: list[str] = field(default_factory=list)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def truth(session: Session, row: CartIntervention) -> Truth:
    cart = session.get(Cart, row.cart_id)
    assert cart is not None
    lines = session.exec(
        select(CartItem, Product)
        .join(Product, col(Product.id) == col(CartItem.product_id))
        .where(col(CartItem.cart_id) == cart.id)
    ).all()
    cart_codes = {
        c.code: c
        for c in session.exec(select(DiscountCode).where(col(DiscountCode.cart_id) == cart.id))
    }
    problems = []
    code_row = cart_codes.get(row.offer_code) if row.offer_code else None
    if row.offer_code and code_row is None:
        problems.append(f"its code {row.offer_code} is not a DiscountCode of this cart")
    offer = row.offer_included or {}
    if offer.get("code") != row.offer_code:
        problems.append(f"offer_included's code {offer.get('code')} != {row.offer_code}")
    percent = None
    if code_row is not None and code_row.kind is DiscountKind.PERCENT:
        percent = code_row.value
        if offer.get("percent") is None or Decimal(offer["percent"]) != percent:
            problems.append(f"offer_included {offer} does not match the code's {percent}%")
    free_shipping = cart.shipping_total == 0 or (
        code_row is not None and code_row.kind is DiscountKind.FREE_SHIPPING
    )
    amounts = {cart.subtotal, cart.shipping_total, cart.grand_total}
    for item, _ in lines:
        amounts |= {item.unit_price, item.unit_price * item.quantity}
    if percent is not None:
        savings = _cents(cart.subtotal * percent / 100)
        amounts |= {savings, cart.grand_total - savings}
    ids = [p.id for _, p in lines]
    stock = session.exec(select(Inventory.available).where(col(Inventory.product_id).in_(ids)))
    others = session.exec(
        select(Product.name).where(
            col(Product.company_id) == cart.company_id, col(Product.id).not_in(ids)
        )
    ).all()
    customer = session.get(Customer, cart.customer_id) if cart.customer_id else None
    company = session.get(Company, cart.company_id)
    assert company is not None
    return Truth(
        percent=percent,
        code=row.offer_code,
        amounts={_cents(a) for a in amounts},
        free_shipping=free_shipping,
        low_stock={n for n in stock if 0 < n <= LOW_STOCK},
        own_names=[p.name for _, p in lines] + [company.name],
        other_names=list(others),
        first_name=customer.first_name if customer else None,
        grand_total=cart.grand_total,
        company=company.name,
        code_row=code_row,
        timezone=(customer.timezone if customer and customer.timezone else company.timezone)
        or "UTC",
        problems=problems,
    )


# The test's own reading of a message (broader than checks.py on purpose).
URL = re.compile(r"https?://\S+|\bwww\.\S+", re.IGNORECASE)
PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*(?:%|per\s?cent\b|pct\b)", re.IGNORECASE)
TENS = {
    "ten": 10, "fifteen": 15, "twenty": 20, "twenty-five": 25, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "seventy-five": 75, "eighty": 80, "ninety": 90,
}  # fmt: skip
TENS_WORDS = "|".join(sorted(TENS, key=len, reverse=True))
WORD_PERCENT = re.compile(rf"\b({TENS_WORDS})\s*per\s?cent\b", re.IGNORECASE)
HALF = re.compile(r"\bhalf[- ](?:off|price)\b", re.IGNORECASE)
NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
MONEY = (
    re.compile(rf"(?:US\$|[$€£]|\b(?:USD|EUR|GBP|CAD|AUD)\s?)\s?({NUMBER})"),
    re.compile(rf"(?<![\w.])({NUMBER})\s?(?:USD|EUR|GBP|dollars?|bucks|euros?)\b", re.IGNORECASE),
    re.compile(r"(?<![\w.,])((?:\d{1,3}(?:,\d{3})+|\d+)\.\d{2})(?!\d|%|\.\d)"),  # a bare 15.00
)
CODE_TOKENS = (
    # letters and digits together (WELCOME20, welcome20, SAVE-K7M2Q9RT)
    re.compile(r"(?<![\w-])(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*(?![\w-])"),
    re.compile(r"\bSAVE-[A-Za-z0-9]+", re.IGNORECASE),
    # whatever follows the word "code" (code WELCOME, code: FREESHIP)
    re.compile(r"\bcode[:\s]+([A-Za-z0-9][A-Za-z0-9-]{2,})", re.IGNORECASE),
    # a word in capitals to use or enter (use FREESHIP at checkout)
    re.compile(r"\b(?:[Uu]se|[Ee]nter|[Aa]pply)\s+([A-Z][A-Z0-9-]{3,})\b"),
)
COUNT_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
STOCK_COUNT = re.compile(r"\b(\d+|one|two|three|four|five)\s+(?:units?\s+|items?\s+)?"
                         r"(?:left|remaining|in stock)\b", re.IGNORECASE)  # fmt: skip
SCARCE = re.compile(r"\b(?:low stock|selling (?:out|fast)|almost (?:gone|sold out)|running "
                    r"(?:out|low)|few left|last (?:one|few))\b", re.IGNORECASE)  # fmt: skip
FREE_SHIP = re.compile(
    r"\bfree (?:shipping|delivery)\b|\bships? (?:it |them |for )*free\b"
    r"|\bshipping(?:'s|’s| is)? on us\b|\bno shipping (?:costs?|fees?|charges?)\b"
    r"|\bcomplimentary (?:shipping|delivery)\b|\bwaiv\w* (?:the |your )?(?:shipping|delivery)",
    re.IGNORECASE,
)
DEALS = re.compile(
    r"\b(?:bogo|buy one,? get one|two for (?:the price of )?one|2 for 1)\b", re.IGNORECASE
)  # fmt: skip  (no DiscountKind is any of these)


def _amount(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def statements(text: str) -> dict[str, list]:
    """The percentages, amounts, codes, stock counts and promises a shopper reads in `text`."""
    text = URL.sub(" ", text)
    percents = [Decimal(m.group(1)) for m in PERCENT.finditer(text)]
    percents += [Decimal(TENS[m.group(1).lower()]) for m in WORD_PERCENT.finditer(text)]
    percents += [Decimal(50) for _ in HALF.finditer(text)]
    amounts = [(m.group(0), _amount(m.group(1))) for p in MONEY for m in p.finditer(text)]
    codes = [m.group(m.lastindex or 0) for p in CODE_TOKENS for m in p.finditer(text)]
    counts = [int(COUNT_WORDS.get(m.group(1).lower(), m.group(1) if m.group(1).isdigit() else 0))
              for m in STOCK_COUNT.finditer(text)]  # fmt: skip
    return {
        "percents": percents,
        "amounts": amounts,
        "codes": codes,
        "stock_counts": counts,
        "scarcity": [m.group(0) for m in SCARCE.finditer(text)],
        "free_shipping": [m.group(0) for m in FREE_SHIP.finditer(text)],
        "deals": [m.group(0) for m in DEALS.finditer(text)],
    }


def compare(session: Session, message: Received) -> list[str]:
    """What this message states that the database does not say (empty: all true)."""
    facts = truth(session, message.row)
    wrong = [f"{message.where}: {p}" for p in facts.problems]

    def bad(part: str, what: str) -> None:
        wrong.append(f"{message.where} {part}: {what}")

    own = " ".join(facts.own_names)
    for part, text in message.texts.items():
        said = statements(text)
        for percent in said["percents"]:
            if percent != facts.percent:
                real = f"{facts.percent.normalize():f}%" if facts.percent else "no percentage"
                bad(part, f"states {percent}%, the offer is {real}")
        for shown, value in said["amounts"]:
            if _cents(value) not in facts.amounts:
                bad(part, f"states {shown!r}, not a figure of this cart")
        for token in said["codes"]:
            if token in own:
                continue  # a word of a product's or the store's name
            if facts.code is None or token.upper() != facts.code:
                bad(part, f"states the code {token!r}, its code is {facts.code}")
        for count in said["stock_counts"]:
            if count not in facts.low_stock:
                bad(part, f"says {count} left, the cart's stock is not that low")
        if said["scarcity"] and not facts.low_stock:
            bad(part, f"claims scarcity {said['scarcity']}, no cart item is low in stock")
        if said["free_shipping"] and not facts.free_shipping:
            bad(part, f"promises {said['free_shipping']}, the offer is not free shipping")
        if said["deals"]:
            bad(part, f"promises {said['deals']}, which no discount code of this cart is")
        lowered = text.lower()
        for name in facts.other_names:
            if name.lower() in lowered:
                bad(part, f"names {name!r}, which is not in this cart")
    if facts.code and message.message and facts.code not in message.message:
        bad("message", f"does not give its code {facts.code}")
    return wrong


def assert_all_true(engine, smtp_server, twilio_server) -> list[Received]:
    messages = received(engine, smtp_server, twilio_server)
    sent = _sent_rows(engine)
    emails = [r for r in sent if r.channel is Channel.EMAIL]
    texts = [r for r in sent if r.channel is Channel.SMS]
    assert len(smtp_server.messages) == len(emails) > 0
    assert len(twilio_server.messages) == len(texts) > 0
    with Session(engine) as s:
        wrong = [problem for m in messages for problem in compare(s, m)]
    assert wrong == [], "\n".join(wrong)
    return messages


# --- the model's lies ------------------------------------------------------------------------

REAL_PERCENT = re.compile(r"Include this offer exactly: (\d+)% off")


def _append(message: dict, sentence: str, *fields: str) -> dict:
    for name in fields:
        message[name] = f"{message[name]} {sentence}".strip()
    return message


def bigger_discount(prompt: str, message: dict) -> dict:
    real = REAL_PERCENT.search(prompt)
    fake = int(real.group(1)) + 15 if real else 25
    for name in ("body", "sms"):
        message[name] = re.sub(r"\d+% off", f"{fake}% off", message[name])
    if not real:
        _append(message, f"Take {fake}% off today.", "body", "sms")
    message["subject"] = f"{fake}% off your cart"
    return message


def wrong_price(prompt: str, message: dict) -> dict:
    message["subject"] = "Ethiopia Guji for $15.00"
    return _append(message, "Ethiopia Guji is now just $15.00.", "body", "sms")


def invented_code(prompt: str, message: dict) -> dict:
    message["sms"] = re.sub(r"SAVE-\w+", "WELCOME20", message["sms"])
    if "WELCOME20" not in message["sms"]:
        _append(message, "Use WELCOME20 at checkout.", "sms")
    return _append(message, "Or use WELCOME20 at checkout.", "body")


def other_product(prompt: str, message: dict) -> dict:
    message["headline"] = f"Pair it with {OTHER_PRODUCT}"
    return _append(message, f"{OTHER_PRODUCT} goes well with it.", "body")


def only_two_left(prompt: str, message: dict) -> dict:
    message["preheader"] = "Only 2 left in stock!"
    return _append(message, "Only 2 left in stock!", "body", "sms")


def free_shipping(prompt: str, message: dict) -> dict:
    message["cta"] = "Get free shipping"
    return _append(message, "Plus free shipping on your order.", "body")


LIES: dict[str, tuple[Callable[[str, dict], dict], str]] = {
    # lie, what the checks' findings (kept in the notes) must name
    "bigger discount": (bigger_discount, r"states \d+%"),
    "wrong price": (wrong_price, r"\$15\.00"),
    "invented code": (invented_code, r"WELCOME20"),
    "other product": (other_product, OTHER_PRODUCT),
    "only 2 left": (only_two_left, r"(?i)low stock|only 2 left"),
    "free shipping": (free_shipping, r"free shipping"),
}


# --- 1. a lying model: nothing it invents reaches a shopper ----------------------------------


@pytest.mark.parametrize("lie", list(LIES))
def test_a_lying_model_never_reaches_a_shopper(
    session, engine, smtp_server, twilio_server, anthropic_server, lie
):
    change, finding = LIES[lie]
    anthropic_server.responder = prompt_model(lie=change)
    shop = _shop(session)
    configure(session, shop.company, FULL_FLOW)
    sim = _sim(engine, smtp_server, twilio_server, anthropic_server)
    _run_full_flow(session, sim, shop)

    messages = assert_all_true(engine, smtp_server, twilio_server)
    sent = _sent_rows(engine)
    stages = Counter(r.stage for r in sent)
    assert stages == {S.BROWSE_REMINDER: 1, S.PATTERN_INTERRUPT: 2, S.DIAGNOSIS_SURVEY: 2,
                      S.BRANCHING_INTERVENTION: 2, S.NUCLEAR_OFFER: 2,
                      S.LOSS_VISUALIZATION: 2, S.WINBACK_SEQUENCE: 2}  # fmt: skip
    assert len(messages) == 13
    # The offers that went out really were the database's: 10% (branch), 30% (nuclear, loss).
    offers = {r.stage: (r.offer_included or {}).get("label") for r in sent}
    assert offers[S.BRANCHING_INTERVENTION] == "10% off" and offers[S.NUCLEAR_OFFER] == "30% off"
    assert offers[S.LOSS_VISUALIZATION] == "30% off" and offers[S.WINBACK_SEQUENCE] is None

    # Every message: Claude asked twice (the first message, then the repair), both rejected,
    # and the template sent, with the reasons in its notes.
    usage = _usage(engine)
    assert len(anthropic_server.requests) == len(usage) == 2 * len(sent)
    per_row = Counter(u.intervention_id for u in usage)
    assert per_row == {r.id: 2 for r in sent}
    assert {u.outcome for u in usage} == {"rejected"}
    for first, repair in zip(anthropic_server.requests[::2], anthropic_server.requests[1::2],
                             strict=True):  # fmt: skip
        assert len(first.texts) == 1 and len(repair.texts) == 3
        assert repair.texts[-1].startswith("That message cannot be sent")
    for row in sent:
        content = row.content
        assert content["writer"] == "template", (row.stage, content)
        notes = " ".join(content["notes"])
        assert "failed the checks" in notes and "failed again" in notes, notes
        assert re.search(finding, notes), (lie, notes)
        assert content["usage"]["requests"] == 2


# --- 2. an honest model: its own words go out, and they are just as true -----------------------


def test_an_honest_models_messages_are_sent_and_match_the_database(
    session, engine, smtp_server, twilio_server, anthropic_server
):
    anthropic_server.responder = prompt_model()
    shop = _shop(session)
    configure(session, shop.company, FULL_FLOW)
    sim = _sim(engine, smtp_server, twilio_server, anthropic_server)
    _run_full_flow(session, sim, shop)

    messages = assert_all_true(engine, smtp_server, twilio_server)
    sent = _sent_rows(engine)
    assert len(sent) == len(messages) == 13
    assert {r.content["writer"] for r in sent} == {"ai"}
    # One request per message, nothing to repair: a stage's e-mail and SMS share its words.
    slots = {(r.cart_save_attempt_id, r.stage, r.step) for r in sent}
    assert len(anthropic_server.requests) == len(slots) < len(sent)
    shared = [r for r in sent if "other channel" in " ".join(r.content.get("notes", []))]
    assert len(shared) == len(sent) - len(slots)
    assert all(r.content.get("usage") is None for r in shared)  # counted once, on the first
    assert {u.outcome for u in _usage(engine)} == {"ok"}
    # Claude's words, not the template's, and with the database's offers.
    nuclear_sms = next(m for m in messages if m.where.startswith("SMS")
                       and m.row.stage is S.NUCLEAR_OFFER)  # fmt: skip
    assert nuclear_sms.texts["sms"].startswith(
        f"Acme Coffee: use {nuclear_sms.row.offer_code} for 30% off on your cart."
    )
    branch_mail = next(m for m in messages if m.where.startswith("e-mail")
                       and m.row.stage is S.BRANCHING_INTERVENTION)  # fmt: skip
    assert f"Use code {branch_mail.row.offer_code} for 10% off." in branch_mail.texts["text"]


# --- 3. pinned versions and the A/B split ----------------------------------------------------

VERSION_A = {
    "subject": "{first_name}, {offer} on your cart",
    "headline": "Our best offer",
    "body": "Hi {first_name}, use {code} for {offer} on {items}. It expires {expiry}.",
    "cta": "Claim my offer",
    "sms": "{company}: use {code} for {offer} on your cart.",
}
VERSION_B = {
    "subject": "{offer}, just for you",
    "preheader": "Your {total} cart",
    "headline": "Still thinking it over?",
    "body": "{first_name}, your {total} cart is waiting: code {code} takes {offer}, "
    "until {expiry}.",
    "cta": "Take my offer",
    "sms": "{company}: {offer} with {code}, for your cart.",
}
STALE = {  # written when the offer was 50%: the figure is hard-coded, not a placeholder
    "subject": "50% off, just for you",
    "headline": "Half price",
    "body": "Hi {first_name}, code {code} takes 50% off your cart.",
    "cta": "Take 50% off",
    "sms": "{company}: 50% off with {code}.",
}


def _filled(text: str, facts: Truth) -> str:
    """The placeholders filled from the database (the test's own reading of it)."""
    assert facts.code_row is not None and facts.code_row.expires_at is not None
    local = facts.code_row.expires_at.astimezone(ZoneInfo(facts.timezone))
    expiry = f"{local:%b %-d at %-I:%M %p} {local.tzname()}"
    value = facts.code_row.value.normalize()
    offer = f"{value:f}% off"
    values = {
        "first_name": facts.first_name or "there",
        "offer": offer,
        "code": facts.code or "",
        "expiry": expiry,
        "items": facts.own_names[0],
        "total": f"${facts.grand_total:,.2f}",
        "company": facts.company,
    }
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], text)


def _pin(session, company_id: str, variant: str, fields: dict[str, str]) -> None:
    versions.pin(session, company_id=company_id, stage=S.NUCLEAR_OFFER, reason=None,
                 variant=variant, fields=fields, source="edited", pinned_by="test",
                 now=T0)  # fmt: skip


def _shoppers(session, shop: Shop, count: int, names: list[str] | None = None) -> list[Cart]:
    """The shop's shopper (Ada) and `count - 1` more, each with a cart like hers."""
    carts = [shop.cart]
    names = names or ["Ben", "Cleo", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jun", "Kai"]
    for n in range(count - 1):
        customer = make_customer(session, shop.company, first_name=names[n % len(names)],
                                 timezone="America/New_York", phone=f"+1555555{n:04d}",
                                 email_consent=True, sms_consent=True)  # fmt: skip
        carts.append(make_cart(session, shop.company, customer, items=[(shop.product, 2)],
                               landing_page=shop.page, created_at=T0,
                               shipping_total="5.99"))  # fmt: skip
    return carts


def test_pinned_ab_versions_are_filled_from_each_carts_real_offer(
    session, engine, smtp_server, twilio_server, anthropic_server
):
    anthropic_server.responder = prompt_model()
    shop = _shop(session)
    configure(session, shop.company, NUCLEAR_ONLY)
    _pin(session, shop.company.id, "A", VERSION_A)
    _pin(session, shop.company.id, "B", VERSION_B)
    session.add(ContentSettings(company_id=shop.company.id, experiments={"NUCLEAR_OFFER": 50}))
    session.commit()
    carts = _shoppers(session, shop, 20)
    sim = _sim(engine, smtp_server, twilio_server, anthropic_server)
    sim.run_until(T0 + timedelta(hours=25))  # the nuclear offer went out at 24 h 30

    messages = assert_all_true(engine, smtp_server, twilio_server)
    sent = _sent_rows(engine)
    assert {r.stage for r in sent} == {S.NUCLEAR_OFFER}
    assert len(smtp_server.messages) == len(twilio_server.messages) == len(carts)
    assert anthropic_server.requests == []  # a pinned version needs no request
    variants = Counter()
    with Session(engine) as s:
        for row in sent:
            attempt = s.get(CartSaveAttempt, row.cart_save_attempt_id)
            assert attempt is not None
            expected = "B" if versions.bucket(attempt.id, S.NUCLEAR_OFFER) < 50 else "A"
            assert row.content_variant == expected and row.content["variant"] == expected
            assert row.content["writer"] == "pinned", row.content
            variants[expected] += 1
        for message in messages:
            facts = truth(s, message.row)
            version = VERSION_B if message.row.content_variant == "B" else VERSION_A
            if "sms" in message.texts:
                assert message.texts["sms"].startswith(_filled(version["sms"], facts) + " ")
            else:
                assert message.texts["subject"] == _filled(version["subject"], facts)
                assert _filled(version["body"], facts) in message.texts["text"]
                assert _filled(version["headline"], facts) in message.texts["html"]
    assert variants["A"] > 0 and variants["B"] > 0  # 20 attempts: both arms (all in one: p = 2^-19)
    # The same attempt's e-mail and SMS are in the same arm.
    arms = {(r.cart_save_attempt_id, r.content_variant) for r in sent}
    assert len(arms) == len(carts)


@pytest.mark.parametrize("slot", ["A alone", "B at 100%"])
def test_a_stale_pinned_version_is_never_sent(
    session, engine, smtp_server, twilio_server, anthropic_server, slot
):
    """A version that hard-codes an old offer (50%) fails the checks for a 30% cart: Claude
    (then the template) writes the message instead, and "50%" never reaches the shopper."""
    anthropic_server.responder = prompt_model()
    shop = _shop(session)
    configure(session, shop.company, NUCLEAR_ONLY)
    if slot == "A alone":
        _pin(session, shop.company.id, "A", STALE)
    else:
        _pin(session, shop.company.id, "A", VERSION_A)
        _pin(session, shop.company.id, "B", STALE)
        session.add(ContentSettings(company_id=shop.company.id,
                                    experiments={"NUCLEAR_OFFER": 100}))  # fmt: skip
    session.commit()
    _shoppers(session, shop, 3)
    sim = _sim(engine, smtp_server, twilio_server, anthropic_server)
    sim.run_until(T0 + timedelta(hours=25))

    messages = assert_all_true(engine, smtp_server, twilio_server)
    assert len(messages) == 6
    for message in messages:
        assert not any("50%" in t or "Half price" in t for t in message.texts.values())
    for row in _sent_rows(engine):
        assert row.content["writer"] == "ai", row.content
        assert "pinned version failed" in row.content["notes"][0]
        # B did not write it, so it does not count for B (nor for A) in the A/B results.
        assert row.content_variant is None and "variant" not in row.content
    assert len(anthropic_server.requests) == 3  # one per shopper: the SMS shares the words


# --- 4. the monthly token budget runs out mid-flow -------------------------------------------


def test_when_the_budget_runs_out_mid_flow_the_templates_take_over(
    session, engine, smtp_server, twilio_server, anthropic_server
):
    anthropic_server.responder = prompt_model()
    shop = _shop(session)
    configure(session, shop.company, FULL_FLOW)
    budget = 700  # a request here is ~170 tokens: about four of the 13 messages' worth
    session.add(ContentSettings(company_id=shop.company.id, monthly_token_budget=budget))
    session.commit()
    sim = _sim(engine, smtp_server, twilio_server, anthropic_server)
    _run_full_flow(session, sim, shop)

    assert_all_true(engine, smtp_server, twilio_server)
    sent = _sent_rows(engine)
    by_ai = [r for r in sent if r.content["writer"] == "ai"]
    by_template = [r for r in sent if r.content["writer"] == "template"]
    asked = [r for r in by_ai if r.content.get("usage")]  # the others share a stage's words
    assert len(asked) >= 2 and len(by_template) >= 2 and len(sent) == 13
    assert len(by_ai) + len(by_template) == len(sent)
    # Claude first, the templates after: never Claude again once the budget was spent.
    assert max(r.sent_at for r in asked) <= min(r.sent_at for r in by_template)
    for row in by_template:
        assert any("budget" in n for n in row.content["notes"]), row.content
        assert "usage" not in row.content  # no request was made for it
    usage = _usage(engine)
    assert len(anthropic_server.requests) == len(usage) == len(asked)
    assert {u.intervention_id for u in usage} == {r.id for r in asked}
    # In request order (the fake counts its requests into input_tokens: 100 + n):
    tokens = [u.input_tokens + u.output_tokens for u in sorted(usage, key=lambda u: u.input_tokens)]
    assert sum(tokens) >= budget > sum(tokens[:-1])  # the last request was the one allowed


# --- the same lies in other words ------------------------------------------------------------


def _evading(sentence: str) -> Callable[[str, dict], dict]:
    def lie(prompt: str, message: dict) -> dict:
        return _append(message, sentence, "body")

    return lie


# One shopper per phrasing: the fake model reads the shopper's name in the prompt.
REPHRASED = {
    "Ada": "Or take half off your order.",
    "Ben": "Or take forty percent off.",
    "Cleo": "Ethiopia Guji is now 15 dollars.",
    "Dev": "Or use code welcome20 at checkout.",
    "Eli": "Or use code WELCOME at checkout.",
    "Fay": "Just 2 left in stock!",
    "Gus": "Shipping is on us.",
    "Hal": "Everything in your cart is half-price.",
    "Ivy": "Just two left!",
    "Jo": "Or use FREESHIP at checkout.",
    "Kit": "We'll ship it for free.",
    "Lu": "Shipping's on us.",
    "Max": "We'll waive the shipping fee.",
    "Ned": "Two for the price of one.",
    "Ola": "Ethiopia Guji is now USD 30.00.",
}


def test_lies_in_other_words_fall_back_to_the_template(
    session, engine, smtp_server, twilio_server, anthropic_server
):
    """Spelled-out and fractional percentages, two-for-one, amounts in words or after a
    currency code, codes in lower case, without digits or without the word "code", stock in
    words, free shipping in many words: each is caught, repaired in vain, and the template
    goes out instead."""

    def lie(prompt: str, message: dict) -> dict:
        name = re.search(r"The customer's name is (\w+)\.", prompt)
        assert name, prompt
        return _append(message, REPHRASED[name.group(1)], "body")

    anthropic_server.responder = prompt_model(lie=lie)
    shop = _shop(session)
    configure(session, shop.company, NUCLEAR_ONLY)
    _shoppers(session, shop, len(REPHRASED), names=list(REPHRASED)[1:])
    sim = _sim(engine, smtp_server, twilio_server, anthropic_server)
    sim.run_until(T0 + timedelta(hours=25))

    assert_all_true(engine, smtp_server, twilio_server)
    sent = _sent_rows(engine)
    assert len(sent) == 2 * len(REPHRASED)
    assert len(anthropic_server.requests) == 2 * len(sent)
    for row in sent:
        assert row.content["writer"] == "template", row.content
        assert "failed again" in " ".join(row.content["notes"])


def test_free_shipping_is_not_promised_below_the_threshold(
    session, engine, smtp_server, twilio_server, anthropic_server
):
    anthropic_server.responder = prompt_model(lie=_evading("Plus free shipping on your order."))
    shop = _shop(session)  # $36.00 of coffee: $39.00 short of free shipping
    configure(session, shop.company, nuclear_only(free_shipping_threshold="75"))
    sim = _sim(engine, smtp_server, twilio_server, anthropic_server)
    sim.run_until(T0 + timedelta(hours=25))
    assert_all_true(engine, smtp_server, twilio_server)


def test_templates_spell_the_products_as_the_catalog_does(
    session, engine, smtp_server, twilio_server, anthropic_server
):
    company = make_company(session, support_email="help@acme.example")
    page = make_landing_page(session, company, store_url="/demo/store/spring")
    product = make_product(session, company, name="Our House Blend", price="18.00")
    customer = make_customer(session, company, first_name="Ada", timezone="America/New_York",
                             phone="+15555550100", email_consent=True,
                             sms_consent=True)  # fmt: skip
    make_cart(session, company, customer, items=[(product, 2)], landing_page=page,
              created_at=T0, shipping_total="5.99")  # fmt: skip
    configure(session, company, NUCLEAR_ONLY)
    session.add(ContentSettings(company_id=company.id, ai_enabled=False))  # the templates
    session.commit()
    sim = _sim(engine, smtp_server, twilio_server, anthropic_server)
    sim.run_until(T0 + timedelta(hours=25))

    messages = assert_all_true(engine, smtp_server, twilio_server)
    assert {m.row.content["writer"] for m in messages} == {"template"}
    spelled = [
        f"{message.where} {part}: {found!r}"
        for message in messages
        for part, text in message.texts.items()
        for found in re.findall(re.escape(product.name), text, re.IGNORECASE)
        if found != product.name
    ]
    assert spelled == []


def test_the_readers_see_what_a_shopper_sees():
    """The test's own parsers, on phrasings the flows above rely on them to catch."""
    said = statements("Take forty percent off, or half price, or 12.5 % today; "
                      "See https://x.example/r/AB12cd?x=50%25")  # fmt: skip
    assert sorted(said["percents"]) == [Decimal("12.5"), Decimal(40), Decimal(50)]
    said = statements("Now $15, US$16.00, USD 17, 18.00 EUR, 19 dollars and 1,020.50.")
    assert {shown: value for shown, value in said["amounts"]} == {
        "$15": Decimal(15), "US$16.00": Decimal(16), "16.00": Decimal(16), "USD 17": Decimal(17),
        "18.00 EUR": Decimal(18), "18.00": Decimal(18), "19 dollars": Decimal(19),
        "1,020.50": Decimal("1020.50"),
    }  # fmt: skip
    said = statements("Use SAVE-ABCDEFGH, welcome20, code WELCOME or code: FREESHIP. 10:00 AM")
    assert set(said["codes"]) == {"welcome20", "SAVE-ABCDEFGH", "WELCOME", "FREESHIP"}
    said = statements("Only 2 left, two remaining, 3 units in stock; selling fast. We ship free.")
    assert said["stock_counts"] == [2, 2, 3] and said["scarcity"] == ["selling fast"]
    assert said["free_shipping"] == ["ship free"]
    said = statements("Use FREESHIP, half-price, two for one; shipping's on us, waived shipping.")
    assert said["codes"] == ["FREESHIP"] and said["percents"] == [Decimal(50)]
    assert said["deals"] == ["two for one"]
    assert said["free_shipping"] == ["shipping's on us", "waived shipping"]
    assert _visible('<p style="width:100%">A &amp; B<span>$1.00</span></p>') == "A & B $1.00"
