"""Bodies of the storefront's public API (see docs/storefront-api.md)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from cart_admin.domain.storefront import MAX_QUANTITY
from cart_admin.models import BehavioralTrigger, TriggerPlacement

ProductId = Annotated[str, StringConstraints(min_length=1, max_length=24, pattern=r"^[0-9a-f]+$")]
SessionId = Annotated[str, StringConstraints(max_length=64, pattern=r"^[A-Za-z0-9_-]*$")]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AddItem(Body):
    product_id: ProductId
    quantity: int = Field(default=1, ge=1, le=MAX_QUANTITY)


class SetQuantity(Body):
    quantity: int = Field(ge=0, le=MAX_QUANTITY)


class ApplyCode(Body):
    code: str = Field(min_length=1, max_length=64)


class Heartbeat(Body):
    session_id: SessionId = Field(min_length=8)
    product_ids: list[ProductId] = Field(default_factory=list, max_length=50)


class Impression(Body):
    trigger: BehavioralTrigger
    placement: TriggerPlacement
    variant: str | None = Field(default=None, max_length=32)
    session_id: SessionId = ""
    context: dict[str, Any] = Field(default_factory=dict, max_length=10)


class Interaction(Body):
    impression_id: ProductId


class CartItemOut(BaseModel):
    product_id: str
    name: str
    image_url: str | None
    unit_price: str
    compare_at_price: str | None
    quantity: int
    line_total: str
    rating: str | None
    review_count: int
    available: int | None


class FreeShippingOut(BaseModel):
    threshold: str
    basis: str
    amount: str
    remaining: str
    progress: float
    qualifies: bool
    lost_by_discount: bool


class CartOut(BaseModel):
    token: str
    status: str
    currency: str
    item_count: int
    items: list[CartItemOut]
    subtotal: str
    discount_code: str | None
    discount_total: str
    shipping_total: str
    tax_total: str
    grand_total: str
    free_shipping: FreeShippingOut | None
    hold_expires_at: str | None
    triggers: dict[str, Any]
    checkout_url: str
    notice: str | None = None
    message: RecoveryMessageOut | None = None  # the save flow's in-drawer message, if any


class RecoveryMessageOut(BaseModel):
    """What the drawer shows a returning shopper (text only, never HTML)."""

    id: str
    headline: str
    body: str
    cta: str


class MessageAction(Body):
    action: Literal["seen", "dismissed", "accepted"]


class CheckoutOut(BaseModel):
    checkout_url: str
    cart: CartOut


class CatalogProduct(BaseModel):
    id: str
    name: str
    description: str
    price: str
    compare_at_price: str | None
    image_url: str | None
    rating: str | None
    review_count: int
    category: str | None
    available: int | None


class Catalog(BaseModel):
    items: list[CatalogProduct]
