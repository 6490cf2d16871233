"""Admin REST API: company-scoped reads and edits for the logged-in admin or an API key."""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, HTTPException, Query, status
from sqlmodel import col, select

from cart_admin.api.deps import AdminRoute, CurrentPrincipal, NowDep, SessionDep
from cart_admin.api.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPublic,
    CartDetail,
    CartItemPublic,
    CartPublic,
    CustomerPublic,
    LandingPagePublic,
    LandingPageUpdate,
    MePublic,
    OverviewPublic,
    Page,
    ProductPublic,
)
from cart_admin.domain import auth, storefront
from cart_admin.domain.auth import Principal
from cart_admin.domain.overview import overview_figures
from cart_admin.domain.tenancy import NotFound, get_owned
from cart_admin.models import (
    ApiKey,
    Cart,
    CartItem,
    CartStatus,
    Company,
    Customer,
    Inventory,
    LandingPage,
    Product,
    ProductStatus,
    User,
)

router = APIRouter(prefix="/api", route_class=AdminRoute)

Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


def owned(session, model, row_id: str, principal: Principal):
    """Fetch a row of the caller's company or answer 404."""
    try:
        return get_owned(session, model, row_id, company_id=principal.company_id)
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc


def require_writer(principal: Principal) -> None:
    if not auth.can_write(principal):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Your role can only read.")


def require_key_manager(principal: Principal) -> None:
    if not auth.can_manage_api_keys(principal):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Only an owner can do this.")


def _paged(session, query, limit: int, offset: int) -> tuple[list, int]:
    total = session.exec(select(sa.func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.limit(limit).offset(offset)).all()
    return list(rows), total


@router.get("/me", response_model=MePublic, tags=["account"])
def read_me(principal: CurrentPrincipal, session: SessionDep) -> MePublic:
    """Who the credentials belong to."""
    company = session.get(Company, principal.company_id)
    user = session.get(User, principal.user_id) if principal.user_id else None
    return MePublic(
        company_id=principal.company_id,
        company_name=company.name if company else "",
        user_id=principal.user_id,
        email=user.email if user else None,
        name=user.name if user else None,
        role=principal.role,
        via=principal.via,
    )


@router.get("/overview", response_model=OverviewPublic, tags=["analytics"])
def read_overview(
    principal: CurrentPrincipal,
    session: SessionDep,
    now: NowDep,
    days: Annotated[int, Query(ge=1, le=365)] = 30,
) -> OverviewPublic:
    """The Overview page's figures for the last `days` days."""
    figures = overview_figures(session, company_id=principal.company_id, now=now, days=days)
    return OverviewPublic.model_validate(figures)


@router.get("/landing-pages", response_model=list[LandingPagePublic], tags=["landing pages"])
def list_landing_pages(principal: CurrentPrincipal, session: SessionDep) -> list[LandingPage]:
    query = (
        select(LandingPage)
        .where(LandingPage.company_id == principal.company_id)
        .order_by(col(LandingPage.created_at), col(LandingPage.id))
    )
    return list(session.exec(query).all())


@router.get("/landing-pages/{page_id}", response_model=LandingPagePublic, tags=["landing pages"])
def read_landing_page(page_id: str, principal: CurrentPrincipal, session: SessionDep):
    return owned(session, LandingPage, page_id, principal)


@router.patch("/landing-pages/{page_id}", response_model=LandingPagePublic, tags=["landing pages"])
def update_landing_page(
    page_id: str, body: LandingPageUpdate, principal: CurrentPrincipal, session: SessionDep
):
    """Rename a page, publish or archive it, set its allowed origins or checkout URL."""
    require_writer(principal)
    page = owned(session, LandingPage, page_id, principal)
    changes = body.model_dump(exclude_unset=True)
    if "checkout_url" in changes and changes["checkout_url"] is not None:
        changes["checkout_url"] = str(changes["checkout_url"])
    for field, value in changes.items():
        setattr(page, field, value)
    session.add(page)
    session.flush()
    session.refresh(page)
    return page


@router.get("/products", response_model=Page[ProductPublic], tags=["catalog"])
def list_products(
    principal: CurrentPrincipal,
    session: SessionDep,
    limit: Limit = 50,
    offset: Offset = 0,
    product_status: Annotated[ProductStatus | None, Query(alias="status")] = None,
) -> Page[ProductPublic]:
    query = select(Product).where(Product.company_id == principal.company_id)
    if product_status is not None:
        query = query.where(Product.status == product_status)
    rows, total = _paged(session, query.order_by(col(Product.name), col(Product.id)), limit, offset)
    stock = _stock_by_product(session, [p.id for p in rows])
    items = [
        ProductPublic.model_validate(p).model_copy(update={"available": stock.get(p.id)})
        for p in rows
    ]
    return Page[ProductPublic](items=items, total=total, limit=limit, offset=offset)


def _stock_by_product(session, product_ids: list[str]) -> dict[str, int]:
    if not product_ids:
        return {}
    rows = session.exec(
        select(Inventory.product_id, Inventory.available).where(
            col(Inventory.product_id).in_(product_ids)
        )
    ).all()
    return dict(rows)


@router.get("/products/{product_id}", response_model=ProductPublic, tags=["catalog"])
def read_product(product_id: str, principal: CurrentPrincipal, session: SessionDep):
    product = owned(session, Product, product_id, principal)
    stock = _stock_by_product(session, [product.id])
    return ProductPublic.model_validate(product).model_copy(
        update={"available": stock.get(product.id)}
    )


@router.get("/customers", response_model=Page[CustomerPublic], tags=["customers"])
def list_customers(
    principal: CurrentPrincipal, session: SessionDep, limit: Limit = 50, offset: Offset = 0
) -> Page[CustomerPublic]:
    query = (
        select(Customer)
        .where(Customer.company_id == principal.company_id)
        .order_by(col(Customer.last_name), col(Customer.first_name), col(Customer.id))
    )
    rows, total = _paged(session, query, limit, offset)
    items = [CustomerPublic.model_validate(c) for c in rows]
    return Page[CustomerPublic](items=items, total=total, limit=limit, offset=offset)


@router.get("/customers/{customer_id}", response_model=CustomerPublic, tags=["customers"])
def read_customer(customer_id: str, principal: CurrentPrincipal, session: SessionDep):
    return owned(session, Customer, customer_id, principal)


@router.get("/carts", response_model=Page[CartPublic], tags=["carts"])
def list_carts(
    principal: CurrentPrincipal,
    session: SessionDep,
    limit: Limit = 50,
    offset: Offset = 0,
    cart_status: Annotated[CartStatus | None, Query(alias="status")] = None,
) -> Page[CartPublic]:
    """Newest carts first."""
    query = select(Cart).where(Cart.company_id == principal.company_id)
    if cart_status is not None:
        query = query.where(Cart.status == cart_status)
    query = query.order_by(col(Cart.created_at).desc(), col(Cart.id))
    rows, total = _paged(session, query, limit, offset)
    items = [CartPublic.model_validate(c) for c in rows]
    return Page[CartPublic](items=items, total=total, limit=limit, offset=offset)


@router.get("/carts/{cart_id}", response_model=CartDetail, tags=["carts"])
def read_cart(cart_id: str, principal: CurrentPrincipal, session: SessionDep) -> CartDetail:
    cart = owned(session, Cart, cart_id, principal)
    items = session.exec(
        select(CartItem).where(CartItem.cart_id == cart.id).order_by(col(CartItem.created_at))
    ).all()
    return CartDetail(
        **CartPublic.model_validate(cart).model_dump(),
        items=[CartItemPublic.model_validate(i) for i in items],
    )


@router.post("/carts/{cart_id}/convert", response_model=CartPublic, tags=["carts"])
def convert_cart(cart_id: str, principal: CurrentPrincipal, session: SessionDep, now: NowDep):
    """The merchant's order system reports an order for this cart (idempotent)."""
    require_writer(principal)
    cart = owned(session, Cart, cart_id, principal)
    try:
        return storefront.convert_cart(session, cart=cart, now=now)
    except storefront.CartClosed as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc


@router.get("/api-keys", response_model=list[ApiKeyPublic], tags=["account"])
def list_api_keys(principal: CurrentPrincipal, session: SessionDep) -> list[ApiKey]:
    require_key_manager(principal)
    query = (
        select(ApiKey)
        .where(ApiKey.company_id == principal.company_id)
        .order_by(col(ApiKey.created_at).desc())
    )
    return list(session.exec(query).all())


@router.post(
    "/api-keys",
    response_model=ApiKeyCreated,
    status_code=status.HTTP_201_CREATED,
    tags=["account"],
)
def create_api_key(
    body: ApiKeyCreate, principal: CurrentPrincipal, session: SessionDep, now: NowDep
) -> ApiKeyCreated:
    """Create a key; the response holds the key itself, which is never shown again."""
    require_key_manager(principal)
    key, plaintext = auth.create_api_key(
        session,
        company_id=principal.company_id,
        name=body.name,
        created_by_id=principal.user_id,
        now=now,
    )
    session.flush()
    return ApiKeyCreated(**ApiKeyPublic.model_validate(key).model_dump(), key=plaintext)


@router.delete("/api-keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["account"])
def revoke_api_key(
    key_id: str, principal: CurrentPrincipal, session: SessionDep, now: NowDep
) -> None:
    require_key_manager(principal)
    if not auth.revoke_api_key(session, company_id=principal.company_id, key_id=key_id, now=now):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"ApiKey {key_id!r} not found")
