"""The shop's shoppers: names, contact details, time zones, consents and order history.

Consents decide which channels recovery may use, so their rates follow the brief: e-mail about
85%, SMS about 45% and voice about 20% (the last two only with a phone), 3% unsubscribed.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal

from cart_admin.demo.rng import DemoRandom
from cart_admin.demo.world import DemoCustomer, World
from cart_admin.models import Customer
from cart_admin.models.types import to_money

CUSTOMER_COUNT = 500
WINDOW = timedelta(days=90)

FIRST_NAMES = (
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "James", "Isabella", "Lucas",
    "Mia", "Mateo", "Amelia", "Benjamin", "Harper", "Henry", "Evelyn", "Theo", "Abigail", "Jack",
    "Emily", "Samuel", "Ella", "Daniel", "Grace", "Owen", "Chloe", "Wyatt", "Nora", "Caleb",
    "Zoe", "Isaac", "Hannah", "Julian", "Leah", "Aaron", "Priya", "Diego", "Aisha", "Kenji",
    "Fatima", "Marcus", "Sofia", "Andre", "Mei", "Tomas", "Ingrid", "Rafael", "Yuki", "Omar",
    "Clara", "Felix", "Naomi", "Hugo", "Lena", "Ravi", "Maya", "Connor", "Elena", "Jonah",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
    "Jackson", "Martin", "Lee", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker",
    "Hall", "Young", "King", "Wright", "Scott", "Nguyen", "Hill", "Green", "Adams", "Baker",
    "Nelson", "Carter", "Mitchell", "Patel", "Kim", "Chen", "Okafor", "O'Brien", "Murphy",
    "Schmidt", "Fischer", "Novak", "Rossi", "Silva", "Tanaka", "Cohen", "Sullivan", "Reyes",
    "Brooks", "Foster", "Hughes", "Price", "Bennett", "Ward",
)  # fmt: skip

TIMEZONE_WEIGHTS = {
    "America/New_York": 30,
    "America/Chicago": 19,
    "America/Denver": 8,
    "America/Phoenix": 5,
    "America/Los_Angeles": 20,
    "America/Anchorage": 2,
    "Pacific/Honolulu": 2,
    "Europe/London": 7,
    "Europe/Berlin": 4,
    "Australia/Sydney": 3,
}
# North American area codes by zone; numbers use the fictional 555-01XX block.
AREA_CODES = {
    "America/New_York": ("212", "347", "617", "646", "718", "202", "305", "404", "215"),
    "America/Chicago": ("312", "773", "214", "512", "612", "713", "314"),
    "America/Denver": ("303", "720", "801", "505"),
    "America/Phoenix": ("480", "602", "520"),
    "America/Los_Angeles": ("213", "310", "415", "503", "206", "619", "702"),
    "America/Anchorage": ("907",),
    "Pacific/Honolulu": ("808",),
}
# Ranges set aside for fiction in the UK, Germany and Australia.
FOREIGN_PHONES = {
    "Europe/London": "+447700900",
    "Europe/Berlin": "+493023125",
    "Australia/Sydney": "+61491570",
}


def create_customers(world: World) -> None:
    """About 500 shoppers; a third signed up during the window, the rest had shopped before."""
    rng = world.rng
    emails: set[str] = set()
    phones: set[str] = set()
    for _ in range(CUSTOMER_COUNT):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        timezone = rng.pick(TIMEZONE_WEIGHTS)
        has_phone = rng.chance(0.70)
        customer = DemoCustomer(
            id=rng.hex_id(),
            first_name=first,
            last_name=last,
            email=_unique_email(rng, first, last, emails),
            phone=_unique_phone(rng, timezone, phones) if has_phone else None,
            timezone=timezone,
            created_at=_signup(rng, world.now),
            email_consent=rng.chance(0.85),
            sms_consent=has_phone and rng.chance(0.64),
            voice_consent=has_phone and rng.chance(0.29),
            unsubscribed=rng.chance(0.03),
            weight=rng.lognormvariate(0, 0.8),
        )
        if customer.voice_consent:
            customer.weight *= 1.7  # shoppers who take calls are mostly the regulars
        _add_prior_history(rng, customer, world.now - WINDOW)
        world.customers.append(customer)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z]", "", name.lower())


def _unique_email(rng: DemoRandom, first: str, last: str, taken: set[str]) -> str:
    while True:
        email = f"{_slug(first)}.{_slug(last)}{rng.randint(1, 99)}@example.com"
        if email not in taken:
            taken.add(email)
            return email


def _unique_phone(rng: DemoRandom, timezone: str, taken: set[str]) -> str:
    """An E.164 number that looks real but is reserved for fiction."""
    while True:
        if timezone in FOREIGN_PHONES:
            phone = f"{FOREIGN_PHONES[timezone]}{rng.randint(0, 999):03d}"
        else:
            phone = f"+1{rng.choice(AREA_CODES[timezone])}55501{rng.randint(0, 99):02d}"
        if phone not in taken:
            taken.add(phone)
            return phone


def _signup(rng: DemoRandom, now: datetime) -> datetime:
    """Two thirds before the window (up to 2.5 years back), a third during it, more lately."""
    if rng.chance(0.65):
        return now - WINDOW - rng.minutes(60 * 24, 60 * 24 * 900)
    days_ago = 90 * (1 - rng.random() ** 0.8)  # skewed towards recent sign-ups
    return (now - timedelta(days=days_ago) - rng.minutes(0, 60 * 24)).replace(microsecond=0)


def _add_prior_history(rng: DemoRandom, customer: DemoCustomer, window_start: datetime) -> None:
    """Orders placed before the window, so lifetime value is more than the last 90 days."""
    if customer.created_at >= window_start or not rng.chance(0.8):
        return
    span = window_start - customer.created_at
    moments = sorted(customer.created_at + span * rng.random() for _ in range(rng.randint(1, 6)))
    customer.prior_orders = len(moments)
    customer.prior_value = sum((to_money(rng.uniform(18, 140)) for _ in moments), Decimal("0.00"))
    customer.prior_first_at = moments[0].replace(microsecond=0)
    customer.prior_last_at = moments[-1].replace(microsecond=0)


def add_customer_rows(world: World) -> None:
    """Customer rows, with order totals that add the window's converted carts to the past."""
    for customer in world.customers:
        moments = sorted(m for m, _ in customer.orders)
        firsts = [m for m in (customer.prior_first_at, *moments[:1]) if m]
        lasts = [m for m in (customer.prior_last_at, *moments[-1:]) if m]
        created = customer.created_at
        world.rows.add(
            Customer,
            id=customer.id,
            company_id=world.company_id,
            first_name=customer.first_name,
            last_name=customer.last_name,
            email=customer.email,
            phone=customer.phone,
            timezone=customer.timezone,
            email_consent=customer.email_consent,
            sms_consent=customer.sms_consent,
            voice_consent=customer.voice_consent,
            voice_consent_at=created if customer.voice_consent else None,
            unsubscribed_at=min(created + timedelta(hours=6), world.now)
            if customer.unsubscribed
            else None,
            lifetime_value=customer.lifetime_value,
            order_count=customer.prior_orders + len(customer.orders),
            first_order_at=min(firsts) if firsts else None,
            last_order_at=max(lasts) if lasts else None,
            created_at=created,
            updated_at=max([created, *lasts]),
        )
