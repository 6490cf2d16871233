"""Ninety days of carts: when they were filled, with what, and how each one ended.

Carts follow a weekly rhythm with slight growth; shoppers fill them in their own evening hours.
A cart either converts in its session, is abandoned 30-60 minutes after the last activity (the
save flow takes it from there), or, if it is under an hour old, is still active with stock held.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

from cart_admin.demo import engagement
from cart_admin.demo.catalog import COMPANY_TIMEZONE
from cart_admin.demo.customers import FIRST_NAMES, LAST_NAMES, WINDOW
from cart_admin.demo.world import DemoCart, DemoCustomer, DemoPage, DemoProduct, Line, World
from cart_admin.models import Cart, CartItem, CartStatus, InventoryHold

CARTS_PER_DAY = 54.0
WEEKDAY_FACTORS = (1.04, 1.0, 0.97, 1.0, 0.93, 0.9, 1.16)  # Monday first
# Shoppers' own local hours: a morning bump and a long evening peak.
HOUR_WEIGHTS = (
    0.3, 0.15, 0.1, 0.1, 0.1, 0.2, 0.5, 1.0, 1.4, 1.5, 1.4, 1.4,
    1.6, 1.5, 1.3, 1.3, 1.4, 1.6, 1.9, 2.2, 2.4, 2.1, 1.4, 0.7,
)  # fmt: skip
LINE_COUNTS = {1: 40, 2: 32, 3: 18, 4: 10}
GUEST_SHARE = 0.15
ACTIVE_WINDOW = timedelta(hours=1)
HOLD_DURATION = timedelta(minutes=30)
MIN_LIVE_CARTS = 3
# Direct conversion per trigger group: shown triggers lift it a few points over the control.
DIRECT_CONVERSION = {"treatment": 0.28, "control": 0.245, None: 0.265}


def create_carts(world: World) -> None:
    """Every cart of the window, day by day in the store's time zone."""
    store_zone = ZoneInfo(COMPANY_TIMEZONE)
    first_day = (world.now - WINDOW).astimezone(store_zone).date()
    last_day = world.now.astimezone(store_zone).date()
    shoppers = _ShopperPicker(world.customers)
    for offset in range((last_day - first_day).days + 1):
        day = first_day + timedelta(days=offset)
        growth = 0.9 + 0.2 * offset / 90
        expected = CARTS_PER_DAY * WEEKDAY_FACTORS[day.weekday()] * growth
        for _ in range(round(expected * world.rng.uniform(0.88, 1.12))):
            cart = _cart_of_day(world, day, shoppers)
            if cart is not None:
                world.carts.append(cart)
    _ensure_live_carts(world, shoppers)


def _ensure_live_carts(world: World, shoppers: _ShopperPicker) -> None:
    """A few shoppers are always mid-session, so the demo has live carts and stock holds."""
    live = sum(cart.status is CartStatus.ACTIVE for cart in world.carts)
    for _ in range(max(0, MIN_LIVE_CARTS - live)):
        created = world.now - world.rng.minutes(3, 55)
        world.carts.append(_new_cart(world, created, shoppers.pick(world, created)))


class _ShopperPicker:
    """Draws returning shoppers by how often they shop, only once they have signed up."""

    def __init__(self, customers: list[DemoCustomer]) -> None:
        self.customers = customers
        self.cum_weights = list(accumulate(c.weight for c in customers))

    def pick(self, world: World, moment: datetime) -> DemoCustomer | None:
        """A shopper signed up by `moment`, or None for a guest."""
        if world.rng.chance(GUEST_SHARE):
            return None
        for _ in range(20):
            customer = world.rng.choices(self.customers, cum_weights=self.cum_weights)[0]
            if customer.created_at <= moment:
                return customer
        return None


def _cart_of_day(world: World, day: date, shoppers: _ShopperPicker) -> DemoCart | None:
    """A cart filled on `day` at an hour of the shopper's own clock (None if outside the window)."""
    rng = world.rng
    hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
    local = datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60))
    # Signed up before the day began anywhere on earth (UTC+14), so before this cart.
    day_start = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=14)
    customer = shoppers.pick(world, day_start)
    zone = ZoneInfo(customer.timezone if customer else COMPANY_TIMEZONE)
    created = local.replace(tzinfo=zone).astimezone(UTC)
    if not world.now - WINDOW <= created <= world.now - timedelta(minutes=1):
        return None
    return _new_cart(world, created, customer)


def _new_cart(world: World, created: datetime, customer: DemoCustomer | None) -> DemoCart:
    rng = world.rng
    active = created >= world.now - ACTIVE_WINDOW
    page = _pick_page(world, created)
    cart = DemoCart(
        id=rng.hex_id(),
        public_token=rng.token(24),
        session_id=f"sess_{rng.token(12)}",
        page=page,
        customer=customer,
        email=customer.email if customer else _guest_email(world),
        created_at=created,
        last_activity_at=created + rng.minutes(2, 40),
        lines=_pick_lines(world, page, created, active),
    )
    cart.trigger_group = None if rng.chance(0.2) else rng.pick({"treatment": 83, "control": 17})
    if active:
        _touch_recently(world, cart)
    else:
        cart.last_activity_at = min(cart.last_activity_at, world.now - timedelta(minutes=30))
    engagement.plan_upsells(world, cart)
    if active:
        _hold_stock(cart)
    else:
        _end_session(world, cart)
    return cart


def _pick_page(world: World, moment: datetime) -> DemoPage:
    live = {page: page.spec.traffic_share for page in world.pages if page.created_at <= moment}
    return world.rng.pick(live)


def _guest_email(world: World) -> str | None:
    """About half of guests typed an e-mail before leaving; the others cannot be reached."""
    rng = world.rng
    if not rng.chance(0.55):
        return None
    first, last = rng.choice(FIRST_NAMES).lower(), rng.choice(LAST_NAMES).lower()
    return f"{first}.{last.replace(chr(39), '')}{rng.randint(1, 999)}@example.net"


def _pick_lines(world: World, page: DemoPage, moment: datetime, active: bool) -> list[Line]:
    """1-4 distinct products of the page, popular ones more often; live carts only in stock."""
    rng = world.rng
    candidates = {
        p: p.spec.sales**0.8
        for p in page.products
        if p.created_at <= moment and (not active or p.available - p.reserved > 0)
    }
    lines: list[Line] = []
    for _ in range(rng.pick(LINE_COUNTS)):
        if not candidates:
            break
        product = rng.pick(candidates)
        del candidates[product]
        lines.append(Line(product, _quantity(world, product)))
    return lines


def _quantity(world: World, product: DemoProduct) -> int:
    weights = {1: 75, 2: 20, 3: 5} if product.spec.is_coffee else {1: 95, 2: 5}
    return world.rng.pick(weights)


def _touch_recently(world: World, cart: DemoCart) -> None:
    """A shopper still browsing was active in the last quarter of an hour."""
    since = max(cart.created_at, world.now - timedelta(minutes=15))
    span = int((world.now - since).total_seconds())
    cart.last_activity_at = since + timedelta(seconds=world.rng.randint(0, span))


def _hold_stock(cart: DemoCart) -> None:
    """Live carts reserve their units (never more than are left) until the hold expires."""
    cart.hold_expires_at = cart.last_activity_at + HOLD_DURATION
    for line in cart.lines:
        held = min(line.quantity, line.product.available - line.product.reserved)
        if held > 0:
            line.product.reserved += held
            cart.holds.append((line.product, held))


def _end_session(world: World, cart: DemoCart) -> None:
    """Checkout in the session, or abandonment 30-60 idle minutes later (never after now)."""
    rng = world.rng
    if rng.chance(DIRECT_CONVERSION[cart.trigger_group]):
        mark_converted(cart, cart.last_activity_at + rng.minutes(1, 4))
        return
    idle_limit = min(60.0, (world.now - cart.last_activity_at).total_seconds() / 60)
    cart.abandoned_at = cart.last_activity_at + rng.minutes(30, idle_limit)
    cart.status = CartStatus.ABANDONED


def mark_converted(cart: DemoCart, moment: datetime) -> None:
    """Checkout: the order counts for the shopper's history and the products' sales."""
    cart.status = CartStatus.CONVERTED
    cart.converted_at = moment
    if cart.customer is not None:
        cart.customer.orders.append((moment, cart.totals.grand))
    for line in cart.lines:
        line.product.sold += line.quantity


def add_cart_rows(world: World) -> None:
    for cart in world.carts:
        _add_cart_row(world, cart)
        for index, line in enumerate(cart.lines):
            _add_item_row(world, cart, line, cart.created_at + timedelta(seconds=40 * index))
        _add_hold_rows(world, cart)
        engagement.add_upsell_rows(world, cart)


def _add_cart_row(world: World, cart: DemoCart) -> None:
    totals = cart.totals
    world.rows.add(
        Cart,
        id=cart.id,
        company_id=world.company_id,
        landing_page_id=cart.page.id,
        customer_id=cart.customer.id if cart.customer else None,
        public_token=cart.public_token,
        session_id=cart.session_id,
        status=cart.status,
        currency="USD",
        email=cart.email,
        item_count=cart.item_count,
        subtotal=totals.subtotal,
        discount_total=totals.discount,
        shipping_total=totals.shipping,
        tax_total=totals.tax,
        grand_total=totals.grand,
        discount_code=cart.discount_code,
        last_activity_at=cart.last_activity_at,
        abandoned_at=cart.abandoned_at,
        converted_at=cart.converted_at,
        expired_at=cart.expired_at,
        created_at=cart.created_at,
        updated_at=cart.updated_at(),
    )


def _add_item_row(world: World, cart: DemoCart, line: Line, added_at: datetime) -> None:
    spec = line.product.spec
    added_at = min(added_at, cart.last_activity_at)
    world.rows.add(
        CartItem,
        id=world.rng.hex_id(),
        company_id=world.company_id,
        cart_id=cart.id,
        product_id=line.product.id,
        product_snapshot={
            "name": spec.name,
            "sku": spec.sku,
            "image_url": spec.image_url,
            "price": str(spec.price),
            "compare_at_price": str(spec.compare_at) if spec.compare_at else None,
        },
        quantity=line.quantity,
        unit_price=spec.price,
        created_at=added_at,
        updated_at=added_at,
    )


def _add_hold_rows(world: World, cart: DemoCart) -> None:
    for product, quantity in cart.holds:
        world.rows.add(
            InventoryHold,
            id=world.rng.hex_id(),
            company_id=world.company_id,
            cart_id=cart.id,
            product_id=product.id,
            quantity=quantity,
            created_at=cart.last_activity_at,
            expires_at=cart.hold_expires_at,
            released_at=None,
        )
