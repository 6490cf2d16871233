"""The shopper's cart: create, add, change, remove, discount codes, checkout, conversion.

Prices come from the products, never from the client; stock is reserved with an inventory
hold per cart line that every change renews; totals are recomputed by `pricing.price_cart`.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from urllib.parse import urlencode, urlsplit, urlunsplit

import sqlalchemy as sa
from sqlmodel import Session, col, select

from cart_admin.domain import pricing
from cart_admin.domain.discounts import DiscountError, as_discount, find_usable_code
from cart_admin.domain.save_flow import engine as save_flow
from cart_admin.domain.tenancy import NotFound
from cart_admin.domain.theming import CartTheme, ThemeValidationError, resolve_theme
from cart_admin.models import (
    Cart,
    CartItem,
    CartStatus,
    CartTriggerImpression,
    CartUpsellOffer,
    ChatSession,
    CheckoutIntervention,
    CheckoutInterventionStatus,
    Company,
    DiscountCode,
    Inventory,
    InventoryHold,
    LandingPage,
    LandingPageStatus,
    Product,
    ProductStatus,
)

log = logging.getLogger(__name__)

MAX_QUANTITY = 99
MAX_LINES = 50
OPEN_STATUSES = (CartStatus.ACTIVE, CartStatus.ABANDONED)


class CartError(ValueError):
    """A change the cart cannot take; the message is for the shopper. Nothing was changed."""


class CartClosed(CartError):
    """The cart was converted or expired."""


@dataclass(frozen=True)
class Storefront:
    """A published landing page with its company and resolved theme."""

    page: LandingPage
    company: Company
    theme: CartTheme


@dataclass(frozen=True)
class PricedCart:
    cart: Cart
    items: list[tuple[CartItem, Product]]
    totals: pricing.Totals
    notice: str | None = None  # e.g. a code that no longer applies was removed


def storefront_for_key(session: Session, *, public_key: str, themed: bool = True) -> Storefront:
    """The published page behind a public key. `themed=False` (ENABLE_CART_THEMING off)
    serves the default theme whatever the page's overrides are."""
    page = session.exec(
        select(LandingPage).where(col(LandingPage.public_key) == public_key)
    ).first()
    if page is None or page.status is not LandingPageStatus.PUBLISHED:
        raise NotFound("No published landing page has this key.")
    company = session.get(Company, page.company_id)
    assert company is not None
    try:
        overrides = page.cart_theme if themed else {}
        theme = _theme_from_json(json.dumps(overrides or {}, sort_keys=True))
    except ThemeValidationError:
        # Stored overrides are validated on write; if a later model change makes them
        # invalid, the storefront keeps working with the defaults rather than failing.
        log.warning("landing page %s has an invalid cart theme; using defaults", page.id)
        theme = resolve_theme({}).theme
    return Storefront(page=page, company=company, theme=theme)


@lru_cache(maxsize=256)
def _theme_from_json(overrides: str) -> CartTheme:
    """Resolved once per distinct stored theme (CartTheme is immutable, so sharing is safe)."""
    return resolve_theme(json.loads(overrides)).theme


def create_cart(session: Session, *, store: Storefront, now: datetime) -> Cart:
    cart = Cart(
        company_id=store.company.id,
        landing_page_id=store.page.id,
        public_token=secrets.token_urlsafe(24),
        currency=store.company.currency,
        last_activity_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(cart)
    session.flush()
    return cart


def cart_for_token(session: Session, *, store: Storefront, token: str) -> Cart:
    cart = session.exec(select(Cart).where(col(Cart.public_token) == token)).first()
    if cart is None or cart.landing_page_id != store.page.id:
        raise NotFound("No such cart.")
    return cart


def storefront_for_cart_token(session: Session, *, token: str) -> tuple[Storefront, Cart]:
    """The storefront and cart of a cart token (the spec's cart-scoped endpoints)."""
    cart = session.exec(select(Cart).where(col(Cart.public_token) == token)).first()
    page = session.get(LandingPage, cart.landing_page_id) if cart and cart.landing_page_id else None
    if cart is None or page is None:
        raise NotFound("No such cart.")
    return storefront_for_key(session, public_key=page.public_key), cart


def allowed_origins_for_key(session: Session, *, public_key: str) -> list[str]:
    page = session.exec(
        select(LandingPage).where(col(LandingPage.public_key) == public_key)
    ).first()
    return list(page.allowed_origins) if page is not None else []


def allowed_origins_for_token(session: Session, *, token: str) -> list[str]:
    row = session.exec(
        select(LandingPage.allowed_origins)
        .join(Cart, col(Cart.landing_page_id) == col(LandingPage.id))
        .where(col(Cart.public_token) == token)
    ).first()
    return list(row) if row is not None else []


def allowed_origins_for_offer(session: Session, *, offer_id: str) -> list[str]:
    row = session.exec(
        select(LandingPage.allowed_origins)
        .join(Cart, col(Cart.landing_page_id) == col(LandingPage.id))
        .join(CartUpsellOffer, col(CartUpsellOffer.cart_id) == col(Cart.id))
        .where(col(CartUpsellOffer.id) == offer_id)
    ).first()
    return list(row) if row is not None else []


def allowed_origins_for_chat(session: Session, *, token: str) -> list[str]:
    row = session.exec(
        select(LandingPage.allowed_origins)
        .join(ChatSession, col(ChatSession.landing_page_id) == col(LandingPage.id))
        .where(col(ChatSession.token) == token)
    ).first()
    return list(row) if row is not None else []


def _open(session: Session, cart: Cart, now: datetime) -> None:
    """Only open carts change; a returning shopper's activity makes an abandoned cart active
    and pauses its save flow until the cart goes quiet again."""
    if cart.status not in OPEN_STATUSES:
        raise CartClosed("This cart is closed: it was checked out or has expired.")
    if cart.status is CartStatus.ABANDONED:
        save_flow.on_cart_activity(session, cart, now=now)
    cart.status = CartStatus.ACTIVE
    cart.last_activity_at = now


def _sellable_product(session: Session, *, store: Storefront, product_id: str) -> Product:
    product = session.get(Product, product_id) if len(product_id) <= 24 else None
    if (
        product is None
        or product.company_id != store.company.id
        or product.status is not ProductStatus.ACTIVE
    ):
        raise CartError("This product is not available.")
    return product


def _line(session: Session, cart: Cart, product_id: str) -> CartItem | None:
    return session.exec(
        select(CartItem).where(
            col(CartItem.cart_id) == cart.id, col(CartItem.product_id) == product_id
        )
    ).first()


def _reserve(
    session: Session,
    *,
    store: Storefront,
    cart: Cart,
    product: Product,
    quantity: int,
    now: datetime,
) -> None:
    """Hold `quantity` units of the product for this cart (a delta against its live hold).

    Stock moves with conditional UPDATEs, so two carts can never take the same last unit.
    """
    hold = session.exec(
        select(InventoryHold).where(
            col(InventoryHold.cart_id) == cart.id,
            col(InventoryHold.product_id) == product.id,
            col(InventoryHold.released_at).is_(None),
        )
    ).first()
    held = hold.quantity if hold is not None else 0
    delta = quantity - held
    tracked = session.exec(select(Inventory).where(col(Inventory.product_id) == product.id)).first()
    if tracked is not None and delta != 0:
        result: sa.CursorResult = session.execute(  # type: ignore[assignment]
            sa.update(Inventory)
            .where(col(Inventory.product_id) == product.id, col(Inventory.available) >= delta)
            .values(
                available=col(Inventory.available) - delta,
                reserved=col(Inventory.reserved) + delta,
            )
        )
        if result.rowcount == 0:
            session.refresh(tracked)
            left = tracked.available + held
            raise CartError(
                f"Only {left} of {product.name} left."
                if left > 0
                else f"{product.name} is sold out."
            )
    expires = now + timedelta(minutes=store.theme.triggers.urgency.hold_minutes)
    if quantity == 0:
        if hold is not None:
            hold.released_at = now
            session.add(hold)
    elif hold is None:
        session.add(
            InventoryHold(
                company_id=cart.company_id,
                cart_id=cart.id,
                product_id=product.id,
                quantity=quantity,
                created_at=now,
                expires_at=expires,
            )
        )
    else:
        hold.quantity, hold.expires_at = quantity, expires
        session.add(hold)


def _check_quantity(quantity: int) -> None:
    if not 0 <= quantity <= MAX_QUANTITY:
        raise CartError(f"Choose a quantity from 1 to {MAX_QUANTITY}.")


def add_item(
    session: Session,
    *,
    store: Storefront,
    cart: Cart,
    product_id: str,
    quantity: int,
    now: datetime,
) -> PricedCart:
    _open(session, cart, now)
    product = _sellable_product(session, store=store, product_id=product_id)
    line = _line(session, cart, product.id)
    target = (line.quantity if line else 0) + quantity
    if quantity < 1 or target > MAX_QUANTITY:
        raise CartError(f"Choose a quantity from 1 to {MAX_QUANTITY}.")
    if line is None and len(cart_lines(session, cart)) >= MAX_LINES:
        raise CartError(f"A cart holds at most {MAX_LINES} different products.")
    _reserve(session, store=store, cart=cart, product=product, quantity=target, now=now)
    if line is None:
        line = CartItem(
            company_id=cart.company_id,
            cart_id=cart.id,
            product_id=product.id,
            product_snapshot=snapshot(product),
            quantity=target,
            unit_price=product.price,
            created_at=now,
            updated_at=now,
        )
    else:
        line.quantity = target
    session.add(line)
    return reprice(session, store=store, cart=cart, now=now)


def set_quantity(
    session: Session,
    *,
    store: Storefront,
    cart: Cart,
    product_id: str,
    quantity: int,
    now: datetime,
) -> PricedCart:
    """Change a line's quantity; 0 removes it."""
    _open(session, cart, now)
    _check_quantity(quantity)
    line = _line(session, cart, product_id)
    if line is None:
        raise CartError("This product is not in the cart.")
    product = session.get(Product, line.product_id)
    assert product is not None
    if quantity > line.quantity and product.status is not ProductStatus.ACTIVE:
        raise CartError("This product is not available.")
    _reserve(session, store=store, cart=cart, product=product, quantity=quantity, now=now)
    if quantity == 0:
        session.delete(line)
    else:
        line.quantity = quantity
        session.add(line)
    session.flush()
    return reprice(session, store=store, cart=cart, now=now)


def remove_item(
    session: Session, *, store: Storefront, cart: Cart, product_id: str, now: datetime
) -> PricedCart:
    return set_quantity(session, store=store, cart=cart, product_id=product_id, quantity=0, now=now)


def apply_discount(
    session: Session, *, store: Storefront, cart: Cart, code: str, now: datetime
) -> PricedCart:
    _open(session, cart, now)
    subtotal = reprice(session, store=store, cart=cart, now=now).totals.subtotal
    row = find_usable_code(session, cart=cart, code=code, subtotal=subtotal, now=now)
    cart.discount_code = row.code
    return reprice(session, store=store, cart=cart, now=now)


def remove_discount(
    session: Session, *, store: Storefront, cart: Cart, now: datetime
) -> PricedCart:
    _open(session, cart, now)
    cart.discount_code = None
    return reprice(session, store=store, cart=cart, now=now)


def start_checkout(
    session: Session, *, store: Storefront, cart: Cart, now: datetime
) -> tuple[str, PricedCart]:
    """Mark checkout started; the checkout URL carries the cart token."""
    _open(session, cart, now)
    priced = reprice(session, store=store, cart=cart, now=now)
    if priced.totals.item_count == 0:
        raise CartError("The cart is empty.")
    cart.checkout_started_at = now
    session.add(cart)
    return checkout_url(store.page.checkout_url, cart.public_token), priced


def checkout_url(base: str | None, token: str) -> str:
    parts = urlsplit(base or "/checkout")
    query = f"{parts.query}&" if parts.query else ""
    return urlunsplit(parts._replace(query=query + urlencode({"cart": token})))


def cart_lines(session: Session, cart: Cart) -> list[tuple[CartItem, Product]]:
    rows = session.exec(
        select(CartItem, Product)
        .join(Product, col(Product.id) == col(CartItem.product_id))
        .where(col(CartItem.cart_id) == cart.id)
        .order_by(col(CartItem.created_at), col(CartItem.id))
    ).all()
    return [(item, product) for item, product in rows]


def snapshot(product: Product) -> dict:
    return {
        "name": product.name,
        "sku": product.sku,
        "image_url": product.image_url,
        "price": str(product.price),
        "compare_at_price": str(product.compare_at_price) if product.compare_at_price else None,
    }


def reprice(session: Session, *, store: Storefront, cart: Cart, now: datetime) -> PricedCart:
    """Refresh unit prices from the catalog, re-check the code, store the totals.

    A converted or expired cart is history: it is shown as it was paid, never recomputed.
    """
    session.flush()
    lines = cart_lines(session, cart)
    if cart.status not in OPEN_STATUSES:
        return PricedCart(cart=cart, items=lines, totals=_stored_totals(store, cart))
    for item, product in lines:
        if item.unit_price != product.price:
            item.unit_price = product.price
            item.product_snapshot = snapshot(product)
            session.add(item)
    settings = store.theme.triggers.free_shipping
    priced_lines = [pricing.Line(item.unit_price, item.quantity) for item, _ in lines]
    notice = None
    code_row: DiscountCode | None = None
    if cart.discount_code:
        subtotal = pricing.price_cart(
            priced_lines, discount=None, shipping_rate=pricing.ZERO, tax_rate=pricing.ZERO,
            free_shipping_threshold=None,
        ).subtotal  # fmt: skip
        try:
            code_row = find_usable_code(
                session, cart=cart, code=cart.discount_code, subtotal=subtotal, now=now
            )
        except DiscountError as exc:
            notice = f"{exc} It was removed from your cart."
            cart.discount_code = None
    totals = pricing.price_cart(
        priced_lines,
        discount=as_discount(code_row),
        shipping_rate=store.company.shipping_flat_rate,
        tax_rate=store.company.tax_rate,
        free_shipping_threshold=settings.threshold,
        free_shipping_basis=settings.measured,
    )
    cart.item_count = totals.item_count
    cart.subtotal, cart.discount_total = totals.subtotal, totals.discount_total
    cart.shipping_total, cart.tax_total = totals.shipping_total, totals.tax_total
    cart.grand_total = totals.grand_total
    cart.updated_at = now
    session.add(cart)
    session.flush()
    return PricedCart(cart=cart, items=lines, totals=totals, notice=notice)


def _stored_totals(store: Storefront, cart: Cart) -> pricing.Totals:
    settings = store.theme.triggers.free_shipping
    return pricing.Totals(
        item_count=cart.item_count,
        subtotal=cart.subtotal,
        discount_total=cart.discount_total,
        shipping_total=cart.shipping_total,
        tax_total=cart.tax_total,
        grand_total=cart.grand_total,
        free_shipping=pricing.free_shipping_status(
            subtotal=cart.subtotal,
            discount=cart.discount_total,
            threshold=settings.threshold,
            basis=settings.measured,
        ),
    )


def convert_cart(session: Session, *, cart: Cart, now: datetime) -> Cart:
    """The merchant's order system reports the order: the cart is converted (idempotent).

    Held units are sold (reserved goes down, available already went down) and a single-use
    code is spent.
    """
    if cart.status is CartStatus.CONVERTED:
        return cart
    if cart.status is CartStatus.EXPIRED:
        raise CartClosed("This cart has expired.")
    cart.status, cart.converted_at, cart.updated_at = CartStatus.CONVERTED, now, now
    holds = session.exec(
        select(InventoryHold).where(
            col(InventoryHold.cart_id) == cart.id, col(InventoryHold.released_at).is_(None)
        )
    ).all()
    for hold in holds:
        session.execute(
            sa.update(Inventory)
            .where(col(Inventory.product_id) == hold.product_id)
            .values(reserved=sa.case((col(Inventory.reserved) >= hold.quantity,
                                      col(Inventory.reserved) - hold.quantity), else_=0))
        )  # fmt: skip
        hold.released_at = now
        session.add(hold)
    session.execute(
        sa.update(CartTriggerImpression)
        .where(
            col(CartTriggerImpression.cart_id) == cart.id,
            col(CartTriggerImpression.converted_at).is_(None),
        )
        .values(converted_at=now)
    )
    session.execute(  # every real-time intervention the cart was shown counts the sale
        sa.update(CheckoutIntervention)
        .where(
            col(CheckoutIntervention.cart_id) == cart.id,
            col(CheckoutIntervention.converted_at).is_(None),
        )
        .values(
            converted_at=now,
            status=sa.case(  # a dismissed offer stays dismissed: converted_at tells the sale
                (
                    col(CheckoutIntervention.status) == CheckoutInterventionStatus.DISMISSED,
                    CheckoutInterventionStatus.DISMISSED,
                ),
                else_=CheckoutInterventionStatus.CONVERTED,
            ),
        )
    )
    if cart.discount_code:
        session.execute(
            sa.update(DiscountCode)
            .where(
                col(DiscountCode.company_id) == cart.company_id,
                col(DiscountCode.code) == cart.discount_code,
            )
            .values(uses=col(DiscountCode.uses) + 1)
        )
    session.add(cart)
    session.flush()
    save_flow.on_cart_converted(session, cart, now=now)
    session.flush()
    return cart
