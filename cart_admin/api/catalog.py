"""Admin REST API of a landing page's product catalog (deployment plan §4).

Not yet included by `create_api()`: the app wires `router` in.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.exceptions import RequestValidationError
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)
from sqlmodel import Session

from cart_admin.api.admin import owned, require_writer
from cart_admin.api.deps import AdminRoute, CurrentPrincipal, SessionDep
from cart_admin.api.schemas import Page, ProductPublic
from cart_admin.domain import catalog
from cart_admin.domain.catalog import CatalogMode, CatalogSort, Label, ProductCatalog
from cart_admin.domain.triggers import stock_levels
from cart_admin.models import LandingPage, Product

router = APIRouter(prefix="/api", route_class=AdminRoute, tags=["catalog"])

Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
ProductId = Annotated[str, StringConstraints(min_length=1, max_length=24)]


class ProductCatalogUpdate(BaseModel):
    """Fields to change; absent fields keep their value."""

    model_config = ConfigDict(extra="forbid")

    mode: CatalogMode | None = None
    categories: list[Label] | None = Field(default=None, max_length=catalog.MAX_LABELS)
    tags: list[Label] | None = Field(default=None, max_length=catalog.MAX_LABELS)
    sort: CatalogSort | None = None
    hide_out_of_stock: bool | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("cannot be null; leave the field out to keep its value")
        return value


class ProductIds(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_ids: list[ProductId] = Field(
        min_length=1, max_length=catalog.MAX_PER_REQUEST, description="1-200 product ids"
    )


class ProductOrder(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_ids: list[ProductId] = Field(
        max_length=catalog.MAX_SELECTED,
        description="Every product selected on the page, each once, in the new order.",
    )


class ProductCatalogOut(BaseModel):
    config: ProductCatalog
    products: list[ProductPublic] = Field(
        description="The page's selected products in their order (whatever their status)."
    )


def _public(session: Session, products: list[Product]) -> list[ProductPublic]:
    stock = stock_levels(session, [p.id for p in products])
    return [
        ProductPublic.model_validate(p).model_copy(update={"available": stock.get(p.id)})
        for p in products
    ]


def _catalog_out(
    session: Session, page: LandingPage, products: list[Product] | None = None
) -> ProductCatalogOut:
    if products is None:
        products = catalog.selected_products(session, page=page)
    return ProductCatalogOut(
        config=catalog.get_catalog_config(session, page=page),
        products=_public(session, products),
    )


def _refused(exc: catalog.CatalogError) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc))


@router.get("/landing-pages/{page_id}/product-catalog", response_model=ProductCatalogOut)
def read_product_catalog(
    page_id: str, principal: CurrentPrincipal, session: SessionDep
) -> ProductCatalogOut:
    """The page's catalog configuration and its selected products."""
    page = owned(session, LandingPage, page_id, principal)
    return _catalog_out(session, page)


@router.patch("/landing-pages/{page_id}/product-catalog", response_model=ProductCatalogOut)
def update_product_catalog(
    page_id: str, body: ProductCatalogUpdate, principal: CurrentPrincipal, session: SessionDep
) -> ProductCatalogOut:
    """Change the mode, categories, tags, sort or out-of-stock hiding."""
    require_writer(principal)
    page = owned(session, LandingPage, page_id, principal)
    try:
        catalog.update_catalog_config(
            session, page=page, changes=body.model_dump(exclude_unset=True)
        )
    except ValidationError as exc:  # the merged configuration (e.g. mode without categories)
        raise RequestValidationError(
            [{**err, "loc": ("body", *err["loc"])} for err in exc.errors()]
        ) from exc
    return _catalog_out(session, page)


@router.get("/landing-pages/{page_id}/products", response_model=Page[ProductPublic])
def list_page_products(
    page_id: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    search: Annotated[str | None, Query(max_length=200)] = None,
    category: Annotated[str | None, Query(max_length=100)] = None,
    sort: Annotated[CatalogSort | None, Query()] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ProductPublic]:
    """The active products the page shows under its configuration, filtered and paginated."""
    page = owned(session, LandingPage, page_id, principal)
    rows, total = catalog.catalog_products(
        session,
        page=page,
        search=search,
        category=category,
        sort=sort,
        limit=limit,
        offset=offset,
    )
    return Page[ProductPublic](
        items=_public(session, rows), total=total, limit=limit, offset=offset
    )


@router.post("/landing-pages/{page_id}/product-catalog/products", response_model=ProductCatalogOut)
def add_catalog_products(
    page_id: str, body: ProductIds, principal: CurrentPrincipal, session: SessionDep
) -> ProductCatalogOut:
    """Append products to the page's selection (ones already there are ignored)."""
    require_writer(principal)
    page = owned(session, LandingPage, page_id, principal)
    try:
        products = catalog.add_products(session, page=page, product_ids=body.product_ids)
    except catalog.CatalogError as exc:
        raise _refused(exc) from exc
    return _catalog_out(session, page, products)


@router.delete(
    "/landing-pages/{page_id}/product-catalog/products", response_model=ProductCatalogOut
)
def remove_catalog_products(
    page_id: str, body: ProductIds, principal: CurrentPrincipal, session: SessionDep
) -> ProductCatalogOut:
    """Take products off the page's selection (ones not on it are ignored)."""
    require_writer(principal)
    page = owned(session, LandingPage, page_id, principal)
    try:
        products = catalog.remove_products(session, page=page, product_ids=body.product_ids)
    except catalog.CatalogError as exc:
        raise _refused(exc) from exc
    return _catalog_out(session, page, products)


@router.post("/landing-pages/{page_id}/product-catalog/reorder", response_model=ProductCatalogOut)
def reorder_catalog_products(
    page_id: str, body: ProductOrder, principal: CurrentPrincipal, session: SessionDep
) -> ProductCatalogOut:
    """Set the order of the page's selection; the body lists every selected product once."""
    require_writer(principal)
    page = owned(session, LandingPage, page_id, principal)
    try:
        products = catalog.reorder(session, page=page, product_ids=body.product_ids)
    except catalog.CatalogError as exc:
        raise _refused(exc) from exc
    return _catalog_out(session, page, products)
