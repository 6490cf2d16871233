"""The merchant's fixed rows: company, flow config, admin users, catalog, bundles, pages, stock."""

from __future__ import annotations

from datetime import datetime, timedelta

from cart_admin.demo import catalog, policies
from cart_admin.demo.world import DemoBundle, DemoPage, DemoProduct, World
from cart_admin.models import (
    BundleStatus,
    CartSaveFlowConfig,
    Company,
    DiscountCode,
    DiscountKind,
    Inventory,
    LandingPage,
    LandingPageProduct,
    LandingPageStatus,
    Product,
    ProductBundle,
    ProductBundleItem,
    ProductStatus,
    StorePolicies,
    User,
    UserRole,
)
from cart_admin.models.types import to_money

DEMO_PASSWORD = "roast-demo-2026"
DEMO_USERS = (
    ("owner@bluebird-roasters.example", "Maya Thompson", UserRole.OWNER),
    ("marketer@bluebird-roasters.example", "Leo Park", UserRole.MARKETER),
    ("analyst@bluebird-roasters.example", "Priya Shah", UserRole.ANALYST),
)
DEMO_EMAIL = DEMO_USERS[0][0]
COMPANY_AGE = timedelta(days=420)


def create_store(world: World, *, password_hash: str) -> None:
    """The company and everything of its catalog; product and stock rows come later."""
    world.company_id = world.rng.hex_id()
    created = world.now - COMPANY_AGE
    world.rows.add(
        Company,
        id=world.company_id,
        name=catalog.COMPANY_NAME,
        slug=catalog.COMPANY_SLUG,
        timezone=catalog.COMPANY_TIMEZONE,
        currency=catalog.CURRENCY,
        support_email=catalog.SUPPORT_EMAIL,
        support_phone=catalog.SUPPORT_PHONE,
        created_at=created,
        updated_at=created,
    )
    _add_flow_config(world)
    world.rows.add(
        StorePolicies,
        id=world.rng.hex_id(),
        company_id=world.company_id,
        shipping=policies.SHIPPING,
        returns=policies.RETURNS,
        payment=policies.PAYMENT,
        faq=policies.FAQ,
        created_at=created,
        updated_at=created,
    )
    _add_users(world, password_hash)
    world.products = [_product(world, spec) for spec in catalog.PRODUCTS]
    world.bundles = [_bundle(world, spec) for spec in catalog.BUNDLES]
    world.pages = [_page(world, spec) for spec in catalog.LANDING_PAGES]
    _add_discount_codes(world, created)


def _add_discount_codes(world: World, created: datetime) -> None:
    for code, kind, value, minimum in catalog.DISCOUNT_CODES:
        world.rows.add(
            DiscountCode,
            id=world.rng.hex_id(),
            company_id=world.company_id,
            code=code,
            kind=DiscountKind(kind),
            value=to_money(value),
            min_subtotal=to_money(minimum) if minimum else None,
            created_at=created,
        )


def _add_flow_config(world: World) -> None:
    """Empty settings mean the spec's defaults (delays, channels, caps); the Nuclear offer
    stage calls, as the demo's call log shows, with the agent its transcripts name."""
    created = world.now - COMPANY_AGE
    world.rows.add(
        CartSaveFlowConfig,
        id=world.rng.hex_id(),
        company_id=world.company_id,
        enabled=True,
        stages={"nuclearOffer": {"voiceCallEnabled": True}},
        timing={},
        offers={},
        channels={},
        voice={"agentName": "Jamie"},
        triggers={},
        churn={},
        chat={},
        created_at=created,
        updated_at=created,
    )


def _add_users(world: World, password_hash: str) -> None:
    for index, (email, name, role) in enumerate(DEMO_USERS):
        created = world.now - COMPANY_AGE + timedelta(days=index * 30)
        world.rows.add(
            User,
            id=world.rng.hex_id(),
            company_id=world.company_id,
            email=email,
            name=name,
            password_hash=password_hash,
            role=role,
            is_active=True,
            last_login_at=world.now - world.rng.minutes(30, 60 * 48),
            created_at=created,
            updated_at=created,
        )


def _product(world: World, spec: catalog.ProductSpec) -> DemoProduct:
    return DemoProduct(
        spec=spec,
        id=world.rng.hex_id(),
        created_at=world.now - timedelta(days=spec.launched_days_ago, hours=3),
        available=spec.stock,
    )


def _bundle(world: World, spec: catalog.BundleSpec) -> DemoBundle:
    bundle = DemoBundle(
        spec=spec,
        id=world.rng.hex_id(),
        items=[(world.product(slug), quantity) for slug, quantity in spec.items],
    )
    created = world.now - timedelta(days=200)
    world.rows.add(
        ProductBundle,
        id=bundle.id,
        company_id=world.company_id,
        name=spec.name,
        description=spec.description,
        bundle_price=spec.price,
        image_url=spec.image_url,
        status=BundleStatus.ACTIVE,
        created_at=created,
        updated_at=created,
    )
    for product, quantity in bundle.items:
        world.rows.add(
            ProductBundleItem,
            id=world.rng.hex_id(),
            company_id=world.company_id,
            bundle_id=bundle.id,
            product_id=product.id,
            quantity=quantity,
        )
    return bundle


def _page(world: World, spec: catalog.LandingPageSpec) -> DemoPage:
    page = DemoPage(
        spec=spec,
        id=world.rng.hex_id(),
        created_at=world.now - timedelta(days=spec.launched_days_ago),
        products=[world.product(slug) for slug in spec.product_slugs],
    )
    world.rows.add(
        LandingPage,
        id=page.id,
        company_id=world.company_id,
        name=spec.name,
        slug=spec.slug,
        public_key=world.rng.token(16),
        status=LandingPageStatus.PUBLISHED,
        allowed_origins=list(catalog.ALLOWED_ORIGINS),
        checkout_url=catalog.CHECKOUT_URL,
        store_url=f"/demo/store/{spec.slug}",
        cart_theme={"preset": catalog.PAGE_PRESETS.get(spec.slug, "light")},
        product_catalog={},
        created_at=page.created_at,
        updated_at=page.created_at,
    )
    for order, product in enumerate(page.products):
        world.rows.add(
            LandingPageProduct,
            id=world.rng.hex_id(),
            company_id=world.company_id,
            landing_page_id=page.id,
            product_id=product.id,
            sort_order=order,
            created_at=page.created_at,
        )
    return page


def add_product_rows(world: World) -> None:
    """Products and their stock, once the window's sales and the live holds are known."""
    for product in world.products:
        spec = product.spec
        world.rows.add(
            Product,
            id=product.id,
            company_id=world.company_id,
            sku=spec.sku,
            name=spec.name,
            description=spec.description,
            price=spec.price,
            compare_at_price=spec.compare_at,
            rating=spec.rating,
            review_count=spec.reviews,
            image_url=spec.image_url,
            category=spec.category,
            tags=[*spec.tags, *(["subscribable"] if spec.is_coffee else [])],
            status=ProductStatus.ACTIVE,
            sales_count=spec.sales + product.sold,
            created_at=product.created_at,
            updated_at=world.now,
        )
        world.rows.add(
            Inventory,
            id=world.rng.hex_id(),
            company_id=world.company_id,
            product_id=product.id,
            available=product.available,
            reserved=product.reserved,
            low_stock_threshold=catalog.LOW_STOCK_THRESHOLD,
            created_at=product.created_at,
            updated_at=world.now,
        )
