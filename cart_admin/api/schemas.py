"""Request and response bodies of the admin API (the `XPublic` / `XUpdate` shapes)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Generic, TypeVar

from fastapi.responses import JSONResponse
from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    UrlConstraints,
    field_validator,
)

from cart_admin.domain.auth import clean_api_key_name
from cart_admin.domain.landing_pages import clean_store_url
from cart_admin.domain.origins import normalize_origin
from cart_admin.models import CartStatus, LandingPageStatus, ProductStatus, UserRole

T = TypeVar("T")


class PublicModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class MePublic(PublicModel):
    company_id: str
    company_name: str
    user_id: str | None
    email: str | None
    name: str | None
    role: UserRole
    via: str


class OverviewPublic(PublicModel):
    start: datetime
    end: datetime
    carts: int
    abandoned: int
    in_recovery: int
    recovered: int
    revenue_recovered: Decimal
    abandonment_rate: float
    recovery_rate: float


class LandingPagePublic(PublicModel):
    id: str
    name: str
    slug: str
    public_key: str
    status: LandingPageStatus
    allowed_origins: list[str]
    checkout_url: str | None
    store_url: str | None
    created_at: datetime
    updated_at: datetime


def _no_control_characters(value: str) -> str:
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise ValueError("cannot contain control characters")
    return value


Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_no_control_characters),
]
Origin = Annotated[str, Field(max_length=200)]
CheckoutUrl = Annotated[AnyHttpUrl, UrlConstraints(max_length=500)]


class LandingPageUpdate(BaseModel):
    """Fields an admin may change; absent fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    status: LandingPageStatus | None = None
    allowed_origins: list[Origin] | None = Field(default=None, max_length=20)
    checkout_url: CheckoutUrl | None = None
    store_url: str | None = None  # a path on this app or an http(s) URL; null clears it

    @field_validator("name", "status", "allowed_origins", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        """Only the URLs may be cleared with null; the others always have a value."""
        if value is None:
            raise ValueError("cannot be null; leave the field out to keep its value")
        return value

    @field_validator("allowed_origins")
    @classmethod
    def _origins_are_origins(cls, values: list[str] | None) -> list[str] | None:
        """Stored as browsers send them, so CORS can compare exactly; duplicates dropped."""
        if values is None:
            return None
        return list(dict.fromkeys(normalize_origin(value) for value in values))

    @field_validator("store_url", mode="before")
    @classmethod
    def _store_url(cls, value: object) -> str | None:
        """The admin form's check, so both refuse the same values ("" clears it too)."""
        return clean_store_url(value)


class ProductPublic(PublicModel):
    id: str
    sku: str
    name: str
    description: str
    price: Decimal
    compare_at_price: Decimal | None
    rating: Decimal | None
    review_count: int
    image_url: str | None
    category: str | None
    tags: list[str]
    status: ProductStatus
    sales_count: int
    available: int | None = None


class CustomerPublic(PublicModel):
    id: str
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    timezone: str
    email_consent: bool
    sms_consent: bool
    voice_consent: bool
    unsubscribed_at: datetime | None
    lifetime_value: Decimal
    order_count: int


class CartItemPublic(PublicModel):
    id: str
    product_id: str
    product_snapshot: dict
    quantity: int
    unit_price: Decimal


class CartPublic(PublicModel):
    id: str
    landing_page_id: str | None
    customer_id: str | None
    status: CartStatus
    currency: str
    item_count: int
    subtotal: Decimal
    discount_total: Decimal
    shipping_total: Decimal
    tax_total: Decimal
    grand_total: Decimal
    discount_code: str | None
    last_activity_at: datetime
    abandoned_at: datetime | None
    converted_at: datetime | None
    created_at: datetime


class CartDetail(CartPublic):
    items: list[CartItemPublic]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class ApiKeyPublic(PublicModel):
    id: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=200, description="1-100 characters once trimmed")

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        return clean_api_key_name(value)


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(description="The key itself; shown once, store it now.")


def invalid_fields(errors: dict[str, str], what: str) -> JSONResponse:
    """422 naming each invalid field of a settings body, in the API's error shape."""
    summary = "; ".join(f"{field}: {message}" for field, message in errors.items())
    return JSONResponse(
        {
            "detail": f"Invalid {what}: {summary}",
            "errors": [{"field": f, "message": m} for f, m in errors.items()],
        },
        status_code=422,
    )
