"""The shop the recovery engine works on: companies, admins, customers, catalog, carts."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from cart_admin.models.base import (
    Timestamped,
    company_fk,
    fk,
    id_field,
    json_field,
    json_nullable,
    money,
    timestamp,
)
from cart_admin.models.enums import (
    BundleStatus,
    CartStatus,
    DiscountKind,
    LandingPageStatus,
    ProductStatus,
    UserRole,
)
from cart_admin.models.types import Money, enum_column


class Company(Timestamped, table=True):
    """A merchant: the tenant every other row belongs to."""

    __tablename__ = "companies"

    id: str = id_field()
    name: str = Field(max_length=200)
    slug: str = Field(max_length=80, unique=True)
    timezone: str = Field(default="America/New_York", max_length=64)
    currency: str = Field(default="USD", max_length=3)
    support_email: str | None = Field(default=None, max_length=254)
    support_phone: str | None = Field(default=None, max_length=32)
    shipping_flat_rate: Decimal = Field(
        default=Decimal("5.99"), sa_type=Money, sa_column_kwargs={"server_default": "5.99"}
    )
    tax_rate: Decimal = Field(  # a fraction: 0.0800 is 8 %
        default=Decimal("0.0800"),
        sa_type=sa.Numeric(6, 4),
        sa_column_kwargs={"server_default": "0.0800"},
    )


class User(Timestamped, table=True):
    """An admin who logs in to the dashboard."""

    __tablename__ = "users"

    id: str = id_field()
    company_id: str = company_fk()
    email: str = Field(max_length=254, unique=True)
    name: str = Field(max_length=200)
    password_hash: str = Field(max_length=255)
    role: UserRole = Field(default=UserRole.OWNER, sa_type=enum_column(UserRole))
    is_active: bool = True
    last_login_at: datetime | None = timestamp()


class AdminSession(SQLModel, table=True):
    """A logged-in browser; the cookie holds the token, this row only its hash."""

    __tablename__ = "admin_sessions"

    id: str = id_field()
    company_id: str = company_fk()
    user_id: str = fk("users")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = timestamp(nullable=False, now=True)
    expires_at: datetime = timestamp(nullable=False, index=True)
    revoked_at: datetime | None = timestamp()


class ApiKey(SQLModel, table=True):
    """A per-company bearer token for the admin REST API; only its hash is kept."""

    __tablename__ = "api_keys"

    id: str = id_field()
    company_id: str = company_fk()
    name: str = Field(max_length=100)
    prefix: str = Field(max_length=16)  # shown in lists so keys can be told apart
    key_hash: str = Field(max_length=64, unique=True)
    created_by_id: str | None = fk("users", nullable=True, index=False)
    created_at: datetime = timestamp(nullable=False, now=True)
    last_used_at: datetime | None = timestamp()
    revoked_at: datetime | None = timestamp()


class Customer(Timestamped, table=True):
    """A shopper known by e-mail or phone, with the consents recovery must respect."""

    __tablename__ = "customers"
    __table_args__ = (sa.UniqueConstraint("company_id", "email"),)

    id: str = id_field()
    company_id: str = company_fk()
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)  # E.164
    timezone: str = Field(default="America/New_York", max_length=64)
    email_consent: bool = False
    sms_consent: bool = False
    voice_consent: bool = False
    voice_consent_at: datetime | None = timestamp()
    unsubscribed_at: datetime | None = timestamp()
    lifetime_value: Decimal = money(Decimal("0.00"))
    order_count: int = 0
    first_order_at: datetime | None = timestamp()
    last_order_at: datetime | None = timestamp()


class Product(Timestamped, table=True):
    """A sellable item of a company's catalog."""

    __tablename__ = "products"
    __table_args__ = (
        sa.UniqueConstraint("company_id", "sku"),
        sa.Index("ix_products_company_status", "company_id", "status"),
        sa.CheckConstraint("price >= 0", name="ck_products_price_non_negative"),
    )

    id: str = id_field()
    company_id: str = company_fk()
    sku: str = Field(max_length=64)
    name: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    price: Decimal = money()
    compare_at_price: Decimal | None = money(None, nullable=True)
    rating: Decimal | None = Field(default=None, sa_type=sa.Numeric(3, 2), nullable=True)
    review_count: int = 0
    image_url: str | None = Field(default=None, max_length=500)
    category: str | None = Field(default=None, max_length=100)
    tags: list[str] = json_field(list)
    status: ProductStatus = Field(default=ProductStatus.ACTIVE, sa_type=enum_column(ProductStatus))
    sales_count: int = 0


class Inventory(Timestamped, table=True):
    """Stock of one product: `available` units can be sold, `reserved` are held by carts."""

    __tablename__ = "inventory"
    __table_args__ = (
        sa.CheckConstraint("available >= 0", name="ck_inventory_available_non_negative"),
        sa.CheckConstraint("reserved >= 0", name="ck_inventory_reserved_non_negative"),
    )

    id: str = id_field()
    company_id: str = company_fk()
    product_id: str = Field(foreign_key="products.id", max_length=24, unique=True)
    available: int = 0
    reserved: int = 0
    low_stock_threshold: int = 5


class ProductBundle(Timestamped, table=True):
    """Products sold together at one bundle price."""

    __tablename__ = "product_bundles"

    id: str = id_field()
    company_id: str = company_fk()
    name: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    bundle_price: Decimal = money()
    image_url: str | None = Field(default=None, max_length=500)
    status: BundleStatus = Field(default=BundleStatus.ACTIVE, sa_type=enum_column(BundleStatus))


class ProductBundleItem(SQLModel, table=True):
    __tablename__ = "product_bundle_items"
    __table_args__ = (sa.UniqueConstraint("bundle_id", "product_id"),)

    id: str = id_field()
    company_id: str = company_fk()
    bundle_id: str = fk("product_bundles")
    product_id: str = fk("products")
    quantity: int = 1


class LandingPage(Timestamped, table=True):
    """A storefront page that embeds the drawer; its theme and catalog live here as JSON."""

    __tablename__ = "landing_pages"
    __table_args__ = (sa.UniqueConstraint("company_id", "slug"),)

    id: str = id_field()
    company_id: str = company_fk()
    name: str = Field(max_length=200)
    slug: str = Field(max_length=80)
    public_key: str = Field(max_length=40, unique=True)  # in the embed URL; not a secret
    status: LandingPageStatus = Field(
        default=LandingPageStatus.PUBLISHED, sa_type=enum_column(LandingPageStatus)
    )
    allowed_origins: list[str] = json_field(list)
    checkout_url: str | None = Field(default=None, max_length=500)
    # Where recovery links send the shopper (the page with the drawer); "/path" is on APP_URL.
    store_url: str | None = Field(default=None, max_length=500)
    cart_theme: dict = json_field(dict)  # published CartTheme overrides (partial), plan §2
    cart_theme_draft: dict | None = json_nullable()  # the editor's unpublished overrides
    cart_theme_published_at: datetime | None = timestamp()
    product_catalog: dict = json_field(dict)  # ProductCatalog configuration


class LandingPageProduct(SQLModel, table=True):
    """A product shown on a landing page, in the merchant's order."""

    __tablename__ = "landing_page_products"
    __table_args__ = (
        sa.UniqueConstraint("landing_page_id", "product_id"),
        sa.Index("idx_landing_page_products_order", "landing_page_id", "sort_order"),
    )

    id: str = id_field()
    company_id: str = company_fk()
    landing_page_id: str = fk("landing_pages", index=False)
    product_id: str = fk("products")
    sort_order: int = 0
    created_at: datetime = timestamp(nullable=False, now=True)


class Cart(Timestamped, table=True):
    """A shopper's cart; ABANDONED carts are what the save flow works on."""

    __tablename__ = "carts"
    __table_args__ = (
        sa.Index("ix_carts_company_status", "company_id", "status"),
        sa.Index("ix_carts_status_last_activity", "status", "last_activity_at"),
        sa.Index("ix_carts_company_created", "company_id", "created_at"),
        # The recovery report's carts of a period read from the index alone on PostgreSQL.
        sa.Index(
            "ix_carts_company_abandoned",
            "company_id",
            "abandoned_at",
            postgresql_include=["status", "converted_at", "grand_total"],
        ),
        # Carts bought in a period (the upsells' order value lift).
        sa.Index(
            "ix_carts_company_converted",
            "company_id",
            "converted_at",
            postgresql_include=["status", "grand_total"],
        ),
        sa.CheckConstraint(
            "subtotal >= 0 AND discount_total >= 0 AND shipping_total >= 0 AND tax_total >= 0"
            " AND grand_total >= 0 AND item_count >= 0",
            name="ck_carts_totals_non_negative",
        ),
    )

    id: str = id_field()
    company_id: str = company_fk()
    landing_page_id: str | None = fk("landing_pages", nullable=True)
    customer_id: str | None = fk("customers", nullable=True)
    public_token: str = Field(max_length=64, unique=True)  # the storefront's handle
    session_id: str | None = Field(default=None, max_length=64)
    status: CartStatus = Field(default=CartStatus.ACTIVE, sa_type=enum_column(CartStatus))
    currency: str = Field(default="USD", max_length=3)
    email: str | None = Field(default=None, max_length=254)  # guest checkout e-mail
    item_count: int = 0
    subtotal: Decimal = money(Decimal("0.00"))
    discount_total: Decimal = money(Decimal("0.00"))
    shipping_total: Decimal = money(Decimal("0.00"))
    tax_total: Decimal = money(Decimal("0.00"))
    grand_total: Decimal = money(Decimal("0.00"))
    discount_code: str | None = Field(default=None, max_length=64)
    last_activity_at: datetime = timestamp(nullable=False, now=True)
    checkout_started_at: datetime | None = timestamp()
    abandoned_at: datetime | None = timestamp()
    converted_at: datetime | None = timestamp()
    expired_at: datetime | None = timestamp()


class CartItem(Timestamped, table=True):
    """A line of a cart; the snapshot keeps what the shopper saw even if the product changes."""

    __tablename__ = "cart_items"
    __table_args__ = (
        sa.UniqueConstraint("cart_id", "product_id"),
        sa.CheckConstraint("quantity > 0", name="ck_cart_items_quantity_positive"),
        sa.CheckConstraint("unit_price >= 0", name="ck_cart_items_unit_price_non_negative"),
    )

    id: str = id_field()
    company_id: str = company_fk()
    cart_id: str = fk("carts", index=False)
    product_id: str = fk("products")
    product_snapshot: dict = json_field(dict)  # name, sku, image_url, price, compare_at_price
    quantity: int = Field(default=1, ge=1)
    unit_price: Decimal = money()


class DiscountCode(SQLModel, table=True):
    """A code the drawer's code field accepts; bound to one cart when `cart_id` is set."""

    __tablename__ = "discount_codes"
    __table_args__ = (
        sa.UniqueConstraint("company_id", "code"),
        sa.CheckConstraint("value >= 0", name="ck_discount_codes_value_non_negative"),
        sa.CheckConstraint("uses >= 0", name="ck_discount_codes_uses_non_negative"),
        # Which message's (or call's) code a cart used: attribution and the voice analytics.
        sa.Index("ix_discount_codes_intervention", "intervention_id"),
    )

    id: str = id_field()
    company_id: str = company_fk()
    code: str = Field(max_length=64)  # stored upper case
    kind: DiscountKind = Field(sa_type=enum_column(DiscountKind))
    value: Decimal = money(Decimal("0.00"))
    min_subtotal: Decimal | None = money(None, nullable=True)
    expires_at: datetime | None = timestamp()
    max_uses: int | None = None
    uses: int = 0
    cart_id: str | None = fk("carts", nullable=True, index=False)
    intervention_id: str | None = fk("cart_interventions", nullable=True, index=False)
    is_active: bool = True
    created_at: datetime = timestamp(nullable=False, now=True)


class ProductViewHeartbeat(SQLModel, table=True):
    """A storefront tab viewing a product, refreshed every ~20 s: live viewers are real."""

    __tablename__ = "product_view_heartbeats"
    __table_args__ = (
        sa.UniqueConstraint("product_id", "session_id"),
        sa.Index("ix_product_view_heartbeats_product_seen", "product_id", "last_seen_at"),
    )

    id: str = id_field()
    company_id: str = company_fk()
    product_id: str = fk("products", index=False)
    session_id: str = Field(max_length=64)
    last_seen_at: datetime = timestamp(nullable=False, now=True)


class InventoryHold(SQLModel, table=True):
    """Units reserved for a cart until `expires_at` (the drawer's real urgency timer)."""

    __tablename__ = "inventory_holds"
    __table_args__ = (
        sa.Index("ix_inventory_holds_active", "released_at", "expires_at"),
        sa.CheckConstraint("quantity > 0", name="ck_inventory_holds_quantity_positive"),
    )

    id: str = id_field()
    company_id: str = company_fk()
    cart_id: str = fk("carts")
    product_id: str = fk("products")
    quantity: int = 1
    created_at: datetime = timestamp(nullable=False, now=True)
    expires_at: datetime = timestamp(nullable=False)
    released_at: datetime | None = timestamp()
