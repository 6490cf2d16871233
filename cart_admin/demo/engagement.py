"""What the drawer showed in each cart: upsell offers (spec §4) and trigger impressions (§3).

An accepted upsell really changes the cart (a line added, a quantity raised, a saving booked as
discount), so upsells are planned before a cart's totals are final. Protection, warranty and
free-gift offers are only shown: the cart model has no place for what they would add.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from cart_admin.demo.catalog import FREE_SHIPPING_THRESHOLD
from cart_admin.demo.triggers import cart_facts
from cart_admin.demo.world import ZERO, DemoBundle, DemoCart, DemoProduct, Line, World
from cart_admin.models import BehavioralTrigger as T
from cart_admin.models import (
    CartTriggerImpression,
    CartUpsellOffer,
    TriggerPlacement,
    UpsellPosition,
)
from cart_admin.models import CartUpsellType as U
from cart_admin.models.types import to_money

MAX_LINES = 4
UPSELL_SHARE = 0.4
TYPE_WEIGHTS = {
    U.COMPLEMENTARY: 24, U.BUNDLE_UPGRADE: 10, U.QUANTITY_DISCOUNT: 10, U.FREE_SHIPPING_ADD: 16,
    U.FREE_GIFT_THRESHOLD: 6, U.PREMIUM_VERSION: 8, U.SUBSCRIPTION: 12,
    U.SHIPPING_PROTECTION: 9, U.WARRANTY: 5,
}  # fmt: skip
ACCEPT_RATES = {
    U.COMPLEMENTARY: 0.16, U.BUNDLE_UPGRADE: 0.14, U.QUANTITY_DISCOUNT: 0.16,
    U.FREE_SHIPPING_ADD: 0.22, U.PREMIUM_VERSION: 0.1, U.SUBSCRIPTION: 0.12,
}  # fmt: skip
PLACEMENTS = {
    T.SCARCITY: TriggerPlacement.CART_ITEM,
    T.SOCIAL_PROOF: TriggerPlacement.CART_ITEM,
    T.ANCHORING: TriggerPlacement.CART_ITEM,
    T.URGENCY: TriggerPlacement.CART_HEADER,
    T.ENDOWMENT: TriggerPlacement.CART_HEADER,
    T.PERSONALIZATION: TriggerPlacement.CART_HEADER,
    T.RECIPROCITY: TriggerPlacement.CART_FOOTER,
    T.GOAL_GRADIENT: TriggerPlacement.CART_FOOTER,
    T.AUTHORITY: TriggerPlacement.CHECKOUT,
    T.COMMITMENT: TriggerPlacement.CHECKOUT,
    T.LOSS_AVERSION: TriggerPlacement.REMOVE_MODAL,
}


@dataclass
class _Offer:
    type: U
    original: Decimal
    price: Decimal
    message: str
    product: DemoProduct | None = None
    bundle: DemoBundle | None = None
    apply: Callable[[], None] | None = None  # how accepting it changes the cart


def plan_upsells(world: World, cart: DemoCart) -> None:
    """About 40% of carts see one offer (sometimes two); accepted ones change the cart."""
    rng = world.rng
    if not rng.chance(UPSELL_SHARE):
        return
    shown: set[U] = set()
    for _ in range(1 if rng.chance(0.8) else 2):
        offers = {t: _build(world, cart, t) for t in TYPE_WEIGHTS if t not in shown}
        weights = {t: TYPE_WEIGHTS[t] for t, offer in offers.items() if offer is not None}
        if not weights:
            return
        kind = rng.pick(weights)
        shown.add(kind)
        offer = offers[kind]
        assert offer is not None  # only built offers are weighted
        _present(world, cart, offer)


def _in_stock(world: World, cart: DemoCart) -> list[DemoProduct]:
    """Products that could join this cart: launched, in stock, not in it already."""
    return [
        p
        for p in world.products
        if p.available > 0 and p.created_at <= cart.created_at and cart.line_for(p) is None
    ]


def _build(world: World, cart: DemoCart, kind: U) -> _Offer | None:
    builders = {
        U.COMPLEMENTARY: _complementary,
        U.BUNDLE_UPGRADE: _bundle_upgrade,
        U.QUANTITY_DISCOUNT: _quantity_discount,
        U.FREE_SHIPPING_ADD: _free_shipping_add,
        U.FREE_GIFT_THRESHOLD: _free_gift,
        U.PREMIUM_VERSION: _premium_version,
        U.SUBSCRIPTION: _subscription,
        U.SHIPPING_PROTECTION: _shipping_protection,
        U.WARRANTY: _warranty,
    }
    return builders[kind](world, cart)


def _add_line(cart: DemoCart, product: DemoProduct) -> Callable[[], None]:
    return lambda: cart.lines.append(Line(product, 1))


def _complementary(world: World, cart: DemoCart) -> _Offer | None:
    """Coffee with gear, gear with coffee."""
    if len(cart.lines) >= MAX_LINES:
        return None
    has_coffee = any(p.spec.is_coffee for p in cart.products)
    options = {p: p.spec.sales for p in _in_stock(world, cart) if p.spec.is_coffee != has_coffee}
    if not options:
        return None
    product = world.rng.pick(options)
    message = f"Pairs well with your {cart.products[0].spec.name}: {product.spec.name}"
    add = _add_line(cart, product)
    return _Offer(U.COMPLEMENTARY, product.price, product.price, message, product, apply=add)


def _bundle_upgrade(world: World, cart: DemoCart) -> _Offer | None:
    for bundle in world.bundles:
        anchors = [p for p, _ in bundle.items if cart.line_for(p)]
        missing = [p for p, _ in bundle.items if not cart.line_for(p)]
        fits = anchors and missing and len(cart.lines) + len(missing) <= MAX_LINES
        if fits and all(p.available > 0 for p in missing):
            savings = bundle.items_value - bundle.spec.price

            def accept(missing: list[DemoProduct] = missing, savings: Decimal = savings) -> None:
                cart.lines.extend(Line(p, 1) for p in missing)
                cart.upsell_discount += savings

            message = f"Complete the {bundle.spec.name} and save ${savings}"
            return _Offer(
                U.BUNDLE_UPGRADE,
                bundle.items_value,
                bundle.spec.price,
                message,
                product=anchors[0],
                bundle=bundle,
                apply=accept,
            )
    return None


def _quantity_discount(world: World, cart: DemoCart) -> _Offer | None:
    line = next((li for li in cart.lines if li.product.spec.is_coffee and li.quantity == 1), None)
    if line is None:
        return None
    original = line.product.price * 2
    price = to_money(original * Decimal("0.9"))

    def accept() -> None:
        line.quantity = 2
        cart.upsell_discount += original - price

    message = f"Buy 2 bags of {line.product.spec.name}, save 10%"
    return _Offer(U.QUANTITY_DISCOUNT, original, price, message, line.product, apply=accept)


def _free_shipping_add(world: World, cart: DemoCart) -> _Offer | None:
    gap = FREE_SHIPPING_THRESHOLD - cart.totals.subtotal
    if gap <= 0 or len(cart.lines) >= MAX_LINES:
        return None
    options = {p: p.spec.sales for p in _in_stock(world, cart) if gap <= p.price <= gap + 25}
    if not options:
        return None
    product = world.rng.pick(options)
    message = f"Add ${gap} more for FREE shipping!"
    add = _add_line(cart, product)
    return _Offer(U.FREE_SHIPPING_ADD, product.price, product.price, message, product, apply=add)


def _free_gift(world: World, cart: DemoCart) -> _Offer | None:
    gap = Decimal("75.00") - cart.totals.subtotal
    if not Decimal("0") < gap <= Decimal("25.00"):
        return None
    gift = Decimal("12.00")
    return _Offer(U.FREE_GIFT_THRESHOLD, gift, ZERO, f"Add ${gap} for a free tasting spoon set")


def _premium_version(world: World, cart: DemoCart) -> _Offer | None:
    for line in cart.lines:
        if line.quantity != 1:
            continue
        better = [
            p
            for p in _in_stock(world, cart)
            if p.spec.category == line.product.spec.category
            and p.price >= line.product.price * Decimal("1.2")
        ]
        if better:
            premium = max(better, key=lambda p: p.spec.sales)
            price = to_money(premium.price * Decimal("0.9"))

            def accept(line: Line = line, premium: DemoProduct = premium) -> None:
                line.product = premium
                cart.upsell_discount += premium.price - to_money(premium.price * Decimal("0.9"))

            message = f"Upgrade to {premium.spec.name} for 10% off"
            return _Offer(U.PREMIUM_VERSION, premium.price, price, message, premium, apply=accept)
    return None


def _subscription(world: World, cart: DemoCart) -> _Offer | None:
    line = next((li for li in cart.lines if li.product.spec.is_coffee), None)
    if line is None:
        return None
    original = line.total
    price = to_money(original * Decimal("0.85"))

    def accept() -> None:
        cart.upsell_discount += original - price

    message = f"Subscribe to {line.product.spec.name} & save 15% on every order"
    return _Offer(U.SUBSCRIPTION, original, price, message, line.product, apply=accept)


def _shipping_protection(world: World, cart: DemoCart) -> _Offer | None:
    if cart.totals.grand <= FREE_SHIPPING_THRESHOLD:
        return None
    fee = Decimal("4.99")
    return _Offer(U.SHIPPING_PROTECTION, fee, fee, "Protect your order for just $4.99")


def _warranty(world: World, cart: DemoCart) -> _Offer | None:
    gear = next((p for p in cart.products if not p.spec.is_coffee and p.price >= 50), None)
    if gear is None:
        return None
    fee = Decimal("12.99")
    return _Offer(U.WARRANTY, fee, fee, f"Add a 2-year warranty to your {gear.spec.name}", gear)


def _present(world: World, cart: DemoCart, offer: _Offer) -> None:
    """Time the offer inside the session and record what the shopper did with it."""
    rng = world.rng
    session = max(int((cart.last_activity_at - cart.created_at).total_seconds()) - 90, 0)
    presented = cart.created_at + timedelta(seconds=rng.randint(0, session))
    accepted = offer.apply is not None and rng.chance(ACCEPT_RATES.get(offer.type, 0))
    viewed = presented + rng.seconds(2, 20) if accepted or rng.chance(0.82) else None
    clicked = viewed + rng.seconds(2, 25) if viewed and (accepted or rng.chance(0.25)) else None
    declined = None
    if accepted and offer.apply is not None:
        offer.apply()
    elif viewed and rng.chance(0.35):
        declined = (clicked or viewed) + rng.seconds(1, 15)
    cart.upsells.append(
        {
            "id": rng.hex_id(),
            "product_id": offer.product.id if offer.product else None,
            "bundle_id": offer.bundle.id if offer.bundle else None,
            "type": offer.type,
            "position": rng.pick({UpsellPosition.CART_DRAWER: 85, UpsellPosition.CHECKOUT: 15}),
            "original_price": to_money(offer.original),
            "offer_price": to_money(offer.price),
            "savings": to_money(offer.original - offer.price),
            "message": offer.message,
            "presented_at": presented,
            "viewed_at": viewed,
            "clicked_at": clicked,
            "accepted_at": clicked + rng.seconds(1, 20) if accepted and clicked else None,
            "declined_at": declined,
        }
    )


def add_upsell_rows(world: World, cart: DemoCart) -> None:
    """Upsell rows, with the triggers that were true for the cart as it ended up."""
    if not cart.upsells:
        return
    facts = cart_facts(cart)
    triggers = [str(t) for t in (T.RECIPROCITY, T.SOCIAL_PROOF, T.ANCHORING) if t in facts]
    for upsell in cart.upsells:
        world.rows.add(
            CartUpsellOffer,
            company_id=world.company_id,
            cart_id=cart.id,
            triggers_used=triggers[:2],
            **upsell,
        )


def add_impression_rows(world: World, cart: DemoCart) -> None:
    """1-4 trigger showings (withheld for the control group), only of true triggers."""
    if cart.trigger_group is None:
        return
    rng = world.rng
    facts = cart_facts(cart)
    control = cart.trigger_group == "control"
    chosen = rng.pick_some(list(facts), rng.pick({1: 25, 2: 35, 3: 25, 4: 15}))
    session = int((cart.last_activity_at - cart.created_at).total_seconds())
    for trigger in chosen:
        impressed = cart.created_at + timedelta(seconds=rng.randint(0, session))
        world.rows.add(
            CartTriggerImpression,
            id=rng.hex_id(),
            company_id=world.company_id,
            cart_id=cart.id,
            session_id=cart.session_id,
            trigger=trigger,
            placement=PLACEMENTS[trigger],
            variant=cart.trigger_group,
            control=control,
            impressed_at=impressed,
            interacted_at=_interaction(world, cart, impressed) if not control else None,
            converted_at=cart.converted_at,
            context=dict(facts[trigger]),
        )


def _interaction(world: World, cart: DemoCart, impressed: datetime) -> datetime | None:
    if not world.rng.chance(0.22):
        return None
    return min(impressed + world.rng.seconds(3, 90), cart.last_activity_at)
