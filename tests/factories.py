"""Explicit factories that insert real rows (no factory library, no mocks).

Every factory commits, so the rows are visible to other connections (the API under test
opens its own sessions) and their ids exist. Unique columns (slugs, e-mails, SKUs, public
keys, cart tokens) get a per-process counter so several rows never collide.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from sqlmodel import Session

from cart_admin.domain import auth
from cart_admin.models import (
    Cart,
    CartItem,
    CartSaveAttempt,
    CartSaveStage,
    CartSaveStatus,
    CartStatus,
    Company,
    Customer,
    Inventory,
    LandingPage,
    LandingPageStatus,
    Product,
    ProductStatus,
    User,
    UserRole,
)
from cart_admin.models.types import utcnow

DEFAULT_PASSWORD = "correct horse battery staple"

_counter = itertools.count(1)
_hashes: dict[str, str] = {}


def _n() -> int:
    return next(_counter)


def password_hash_for(password: str) -> str:
    """argon2 is slow on purpose (~50 ms): hash each distinct password once per process."""
    if password not in _hashes:
        _hashes[password] = auth.hash_password(password)
    return _hashes[password]


def _save(session: Session, *rows):
    for row in rows:
        session.add(row)
    session.commit()
    return rows[0] if rows else None


def make_company(
    session: Session, name: str = "Acme Coffee", *, slug: str | None = None, **fields
) -> Company:
    company = Company(name=name, slug=slug or f"company-{_n()}", **fields)
    return _save(session, company)


def make_user(
    session: Session,
    company: Company,
    *,
    email: str | None = None,
    password: str = DEFAULT_PASSWORD,
    role: UserRole = UserRole.OWNER,
    name: str = "Ann Admin",
    is_active: bool = True,
) -> User:
    user = User(
        company_id=company.id,
        email=email or f"user{_n()}@shop.example",
        name=name,
        password_hash=password_hash_for(password),
        role=role,
        is_active=is_active,
    )
    return _save(session, user)


def make_login_session(
    session: Session,
    user: User,
    *,
    now: datetime | None = None,
    ttl: timedelta = timedelta(hours=12),
    revoked: bool = False,
) -> str:
    """A login session through the real `start_session`; returns the cookie token."""
    now = now or utcnow()
    token = auth.start_session(session, user=user, now=now, ttl=ttl)
    session.commit()
    if revoked:
        auth.end_session(session, token=token, now=now)
        session.commit()
    return token


def make_product(
    session: Session,
    company: Company,
    *,
    name: str | None = None,
    sku: str | None = None,
    price: Decimal | str = Decimal("19.99"),
    status: ProductStatus = ProductStatus.ACTIVE,
    available: int | None = None,
    **fields,
) -> Product:
    n = _n()
    product = Product(
        company_id=company.id,
        sku=sku or f"SKU-{n}",
        name=name or f"Product {n}",
        price=Decimal(price),
        status=status,
        **fields,
    )
    _save(session, product)
    if available is not None:
        _save(session, Inventory(company_id=company.id, product_id=product.id, available=available))
    return product


def make_customer(
    session: Session,
    company: Company,
    *,
    first_name: str = "Sam",
    last_name: str = "Shopper",
    email: str | None = None,
    **fields,
) -> Customer:
    customer = Customer(
        company_id=company.id,
        first_name=first_name,
        last_name=last_name,
        email=email or f"shopper{_n()}@mail.example",
        **fields,
    )
    return _save(session, customer)


def make_landing_page(
    session: Session,
    company: Company,
    *,
    name: str = "Spring sale",
    slug: str | None = None,
    status: LandingPageStatus = LandingPageStatus.PUBLISHED,
    allowed_origins: Sequence[str] = ("https://shop.example",),
    checkout_url: str | None = "https://shop.example/checkout",
    **fields,
) -> LandingPage:
    n = _n()
    page = LandingPage(
        company_id=company.id,
        name=name,
        slug=slug or f"page-{n}",
        public_key=f"pk_{n}_{secrets.token_hex(8)}",
        status=status,
        allowed_origins=list(allowed_origins),
        checkout_url=checkout_url,
        **fields,
    )
    return _save(session, page)


def make_cart(
    session: Session,
    company: Company,
    customer: Customer | None = None,
    *,
    status: CartStatus = CartStatus.ACTIVE,
    items: Sequence[tuple[Product, int]] = (),
    landing_page: LandingPage | None = None,
    created_at: datetime | None = None,
    abandoned_at: datetime | None = None,
    converted_at: datetime | None = None,
    discount_total: Decimal | str = Decimal("0.00"),
    shipping_total: Decimal | str = Decimal("0.00"),
    tax_total: Decimal | str = Decimal("0.00"),
) -> Cart:
    """A cart whose totals are computed from its lines, in Decimal."""
    created_at = created_at or utcnow()
    subtotal = sum((p.price * qty for p, qty in items), Decimal("0.00"))
    discount, shipping, tax = Decimal(discount_total), Decimal(shipping_total), Decimal(tax_total)
    cart = Cart(
        company_id=company.id,
        customer_id=customer.id if customer else None,
        landing_page_id=landing_page.id if landing_page else None,
        public_token=f"ct_{_n()}_{secrets.token_hex(8)}",
        status=status,
        email=customer.email if customer else None,
        item_count=sum(qty for _, qty in items),
        subtotal=subtotal,
        discount_total=discount,
        shipping_total=shipping,
        tax_total=tax,
        grand_total=subtotal - discount + shipping + tax,
        created_at=created_at,
        updated_at=created_at,
        last_activity_at=abandoned_at or created_at,
        abandoned_at=abandoned_at,
        converted_at=converted_at,
    )
    _save(session, cart)
    lines = [
        CartItem(
            company_id=company.id,
            cart_id=cart.id,
            product_id=product.id,
            product_snapshot={
                "name": product.name,
                "sku": product.sku,
                "price": str(product.price),
            },
            quantity=qty,
            unit_price=product.price,
            created_at=created_at + timedelta(microseconds=i),
        )
        for i, (product, qty) in enumerate(items)
    ]
    if lines:
        _save(session, *lines)
    return cart


def make_attempt(
    session: Session,
    cart: Cart,
    *,
    status: CartSaveStatus = CartSaveStatus.IN_PROGRESS,
    is_holdout: bool = False,
    stage: CartSaveStage = CartSaveStage.BROWSE_REMINDER,
    started_at: datetime | None = None,
) -> CartSaveAttempt:
    attempt = CartSaveAttempt(
        company_id=cart.company_id,
        cart_id=cart.id,
        customer_id=cart.customer_id,
        current_stage=stage,
        cart_value=cart.grand_total,
        is_holdout=is_holdout,
        status=status,
        started_at=started_at or utcnow(),
    )
    return _save(session, attempt)


def make_api_key(
    session: Session,
    company: Company,
    *,
    name: str = "Test key",
    created_by: User | None = None,
    revoked: bool = False,
) -> str:
    """A key through the real `create_api_key`; returns the plaintext (shown once)."""
    now = utcnow()
    key, plaintext = auth.create_api_key(
        session,
        company_id=company.id,
        name=name,
        created_by_id=created_by.id if created_by else None,
        now=now,
    )
    if revoked:
        key.revoked_at = now
    _save(session, key)
    return plaintext


# --- upsells: bundles and stock -----------------------------------------------------------

import sqlmodel  # noqa: E402

from cart_admin.models import BundleStatus, ProductBundle, ProductBundleItem  # noqa: E402


def make_bundle(
    session: Session,
    company: Company,
    *,
    items: Sequence[tuple[Product, int]],
    bundle_price: Decimal | str,
    name: str | None = None,
    status: BundleStatus = BundleStatus.ACTIVE,
) -> ProductBundle:
    """A bundle of `items` (product, quantity) sold at `bundle_price`."""
    bundle = ProductBundle(
        company_id=company.id,
        name=name or f"Bundle {_n()}",
        bundle_price=Decimal(bundle_price),
        status=status,
    )
    _save(session, bundle)
    _save(
        session,
        *(
            ProductBundleItem(
                company_id=company.id, bundle_id=bundle.id, product_id=product.id, quantity=qty
            )
            for product, qty in items
        ),
    )
    return bundle


def set_stock(session: Session, product: Product, available: int) -> Inventory:
    """Create or update the product's inventory row with `available` units."""
    query = sqlmodel.select(Inventory).where(Inventory.product_id == product.id)
    stock = session.exec(query).first()
    if stock is None:
        stock = Inventory(company_id=product.company_id, product_id=product.id)
    stock.available = available
    return _save(session, stock)


# --- storefront: discount codes and live-viewer heartbeats --------------------------------

from cart_admin.models import DiscountCode, DiscountKind, ProductViewHeartbeat  # noqa: E402


def make_discount_code(
    session: Session,
    company: Company,
    *,
    code: str | None = None,
    kind: DiscountKind = DiscountKind.PERCENT,
    value: Decimal | str = Decimal("10.00"),
    **fields,
) -> DiscountCode:
    """A discount code (stored upper case, as the storefront looks it up)."""
    row = DiscountCode(
        company_id=company.id,
        code=(code or f"CODE{_n()}").upper(),
        kind=kind,
        value=Decimal(value),
        **fields,
    )
    return _save(session, row)


def make_heartbeat(
    session: Session, product: Product, *, session_id: str, last_seen_at: datetime | None = None
) -> ProductViewHeartbeat:
    """A storefront tab `session_id` viewing `product` (seen at `last_seen_at`, default now)."""
    row = ProductViewHeartbeat(
        company_id=product.company_id,
        product_id=product.id,
        session_id=session_id,
        last_seen_at=last_seen_at or utcnow(),
    )
    return _save(session, row)


# --- product catalog: a landing page's selected products -----------------------------------

from cart_admin.models import LandingPageProduct  # noqa: E402


def make_page_products(
    session: Session,
    page: LandingPage,
    products: Sequence[Product],
    *,
    sort_orders: Sequence[int] | None = None,
) -> list[LandingPageProduct]:
    """Select `products` on `page`, with sort_order 0..n-1 unless `sort_orders` is given."""
    orders = list(sort_orders) if sort_orders is not None else list(range(len(products)))
    rows = [
        LandingPageProduct(
            company_id=page.company_id,
            landing_page_id=page.id,
            product_id=product.id,
            sort_order=order,
        )
        for product, order in zip(products, orders, strict=True)
    ]
    if rows:
        _save(session, *rows)
    return rows
