"""The demo shop held in memory while it is simulated, before it becomes rows.

Carts change as their story unfolds (an upsell adds a line, a recovery offer adds a discount),
so they are plain mutable objects here; `Rows` collects the finished table rows per model.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlmodel import SQLModel

from cart_admin.demo.catalog import (
    FREE_SHIPPING_THRESHOLD,
    LOW_STOCK_THRESHOLD,
    SHIPPING_FEE,
    TAX_RATE,
    BundleSpec,
    LandingPageSpec,
    ProductSpec,
)
from cart_admin.demo.rng import DemoRandom
from cart_admin.models import CartStatus
from cart_admin.models.types import to_money

ZERO = Decimal("0.00")


@dataclass(eq=False)  # an entity: equal only to itself
class DemoProduct:
    spec: ProductSpec
    id: str
    created_at: datetime
    available: int
    reserved: int = 0
    sold: int = 0  # units in carts converted during the window

    @property
    def price(self) -> Decimal:
        return self.spec.price

    @property
    def low_stock(self) -> bool:
        """The scarcity trigger's fact: in stock, but at or under the threshold."""
        return 0 < self.available <= LOW_STOCK_THRESHOLD


@dataclass(eq=False)  # an entity: equal only to itself
class DemoBundle:
    spec: BundleSpec
    id: str
    items: list[tuple[DemoProduct, int]]

    @property
    def items_value(self) -> Decimal:
        return sum((p.price * q for p, q in self.items), ZERO)


@dataclass(eq=False)  # an entity: equal only to itself
class DemoPage:
    spec: LandingPageSpec
    id: str
    created_at: datetime
    products: list[DemoProduct]


@dataclass(eq=False)  # an entity: equal only to itself
class DemoCustomer:
    id: str
    first_name: str
    last_name: str
    email: str
    phone: str | None
    timezone: str
    created_at: datetime
    email_consent: bool
    sms_consent: bool
    voice_consent: bool
    unsubscribed: bool
    weight: float  # how often this shopper fills a cart
    prior_orders: int = 0
    prior_value: Decimal = ZERO
    prior_first_at: datetime | None = None
    prior_last_at: datetime | None = None
    orders: list[tuple[datetime, Decimal]] = field(default_factory=list)  # in the window

    @property
    def can_email(self) -> bool:
        return self.email_consent and not self.unsubscribed

    @property
    def can_sms(self) -> bool:
        return self.sms_consent and self.phone is not None and not self.unsubscribed

    @property
    def can_call(self) -> bool:
        return self.voice_consent and self.phone is not None and not self.unsubscribed

    @property
    def lifetime_value(self) -> Decimal:
        return self.prior_value + sum((value for _, value in self.orders), ZERO)

    def value_before(self, moment: datetime) -> Decimal:
        """Lifetime value as it stood at `moment`."""
        return self.prior_value + sum((v for at, v in self.orders if at < moment), ZERO)


@dataclass(eq=False)  # an entity: equal only to itself
class Line:
    product: DemoProduct
    quantity: int

    @property
    def total(self) -> Decimal:
        return self.product.price * self.quantity


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    discount: Decimal
    shipping: Decimal
    tax: Decimal

    @property
    def grand(self) -> Decimal:
        return self.subtotal - self.discount + self.shipping + self.tax


@dataclass(eq=False)  # an entity: equal only to itself
class DemoCart:
    id: str
    public_token: str
    session_id: str
    page: DemoPage
    customer: DemoCustomer | None
    email: str | None
    created_at: datetime
    last_activity_at: datetime
    lines: list[Line]
    trigger_group: str | None = None  # "control" | "treatment" | None (no impressions)
    status: CartStatus = CartStatus.ACTIVE
    abandoned_at: datetime | None = None
    converted_at: datetime | None = None
    expired_at: datetime | None = None
    upsell_discount: Decimal = ZERO  # savings of accepted upsell offers
    offer_discount: Decimal = ZERO  # a recovery offer's percentage discount
    free_shipping: bool = False  # a recovery offer waived shipping
    discount_code: str | None = None
    hold_expires_at: datetime | None = None  # active carts only
    holds: list[tuple[DemoProduct, int]] = field(default_factory=list)
    upsells: list[dict[str, Any]] = field(default_factory=list)

    @property
    def totals(self) -> Totals:
        """Shipping is free from $50; tax is 8% of the discounted subtotal."""
        subtotal = sum((line.total for line in self.lines), ZERO)
        discount = self.upsell_discount + self.offer_discount
        free = self.free_shipping or subtotal >= FREE_SHIPPING_THRESHOLD
        shipping = ZERO if free else SHIPPING_FEE
        tax = to_money((subtotal - discount) * TAX_RATE)
        return Totals(subtotal, discount, shipping, tax)

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def products(self) -> list[DemoProduct]:
        return [line.product for line in self.lines]

    def line_for(self, product: DemoProduct) -> Line | None:
        return next((line for line in self.lines if line.product is product), None)

    def updated_at(self) -> datetime:
        moments = [self.last_activity_at, self.abandoned_at, self.converted_at, self.expired_at]
        return max(m for m in moments if m is not None)


class Rows:
    """Finished rows, per model, in the order they were made."""

    def __init__(self) -> None:
        self.by_model: dict[type[SQLModel], list[dict[str, Any]]] = defaultdict(list)

    def add(self, model: type[SQLModel], **values: Any) -> dict[str, Any]:
        self.by_model[model].append(values)
        return values

    def count(self, model: type[SQLModel]) -> int:
        return len(self.by_model.get(model, []))


@dataclass
class World:
    """Everything the simulation shares: the random source, the clock and the shop."""

    rng: DemoRandom
    now: datetime
    company_id: str = ""
    products: list[DemoProduct] = field(default_factory=list)
    bundles: list[DemoBundle] = field(default_factory=list)
    pages: list[DemoPage] = field(default_factory=list)
    customers: list[DemoCustomer] = field(default_factory=list)
    carts: list[DemoCart] = field(default_factory=list)
    rows: Rows = field(default_factory=Rows)
    steps: dict[tuple, int] = field(default_factory=dict)  # next step per (attempt, stage, channel)

    def product(self, slug: str) -> DemoProduct:
        return next(p for p in self.products if p.spec.slug == slug)


def iso(moment: datetime) -> str:
    """Timestamps inside JSON columns: ISO 8601 in UTC."""
    return moment.isoformat()


def money_str(value: Decimal | None) -> str | None:
    """Money inside JSON columns: a two-place string, never a float."""
    return None if value is None else str(to_money(value))
