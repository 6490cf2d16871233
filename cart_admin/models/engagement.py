"""What the drawer showed a shopper: upsell offers and behavioural-trigger impressions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from cart_admin.models.base import company_fk, fk, id_field, json_field, money, timestamp
from cart_admin.models.enums import (
    BehavioralTrigger,
    CartUpsellType,
    TriggerPlacement,
    UpsellPosition,
)
from cart_admin.models.types import enum_column


class CartUpsellOffer(SQLModel, table=True):
    """An upsell presented in a cart, and whether it was taken."""

    __tablename__ = "cart_upsell_offers"
    __table_args__ = (
        sa.Index("ix_cart_upsell_offers_type_presented", "type", "presented_at"),
        # The upsell report reads a period's offers from the index alone on PostgreSQL.
        sa.Index(
            "ix_cart_upsell_offers_company_presented",
            "company_id",
            "presented_at",
            postgresql_include=["type", "cart_id", "accepted_at", "offer_price"],
        ),
        # Whether a cart took an upsell (the order value lift): the few accepted offers only.
        sa.Index(
            "ix_cart_upsell_offers_accepted_cart",
            "cart_id",
            postgresql_where=sa.text("accepted_at IS NOT NULL"),
            sqlite_where=sa.text("accepted_at IS NOT NULL"),
        ),
    )

    id: str = id_field()
    company_id: str = company_fk()
    cart_id: str = fk("carts")
    product_id: str | None = fk("products", nullable=True, index=False)
    bundle_id: str | None = fk("product_bundles", nullable=True, index=False)
    type: CartUpsellType = Field(sa_type=enum_column(CartUpsellType))
    position: UpsellPosition = Field(
        default=UpsellPosition.CART_DRAWER, sa_type=enum_column(UpsellPosition)
    )
    original_price: Decimal = money()
    offer_price: Decimal = money()
    savings: Decimal = money(Decimal("0.00"))
    message: str = Field(default="", max_length=500)
    triggers_used: list[str] = json_field(list)
    presented_at: datetime = timestamp(nullable=False, now=True)
    viewed_at: datetime | None = timestamp()
    clicked_at: datetime | None = timestamp()
    accepted_at: datetime | None = timestamp()
    declined_at: datetime | None = timestamp()


class CartTriggerImpression(SQLModel, table=True):
    """One showing of a behavioural trigger (or its absence, for the control group)."""

    __tablename__ = "cart_trigger_impressions"
    __table_args__ = (
        sa.Index("ix_cart_trigger_impressions_trigger_impressed", "trigger", "impressed_at"),
        sa.Index("ix_cart_trigger_impressions_variant_control", "variant", "control"),
        # The trigger report reads a period's impressions from the index alone on PostgreSQL.
        sa.Index(
            "ix_cart_trigger_impressions_company_impressed",
            "company_id",
            "impressed_at",
            postgresql_include=["trigger", "control", "cart_id", "interacted_at", "converted_at"],
        ),
    )

    id: str = id_field()
    company_id: str = company_fk()
    cart_id: str = fk("carts")
    session_id: str = Field(max_length=64)
    trigger: BehavioralTrigger = Field(sa_type=enum_column(BehavioralTrigger))
    placement: TriggerPlacement = Field(sa_type=enum_column(TriggerPlacement))
    variant: str | None = Field(default=None, max_length=32)
    control: bool = False  # control group: the trigger was withheld, only measured
    impressed_at: datetime = timestamp(nullable=False, now=True)
    interacted_at: datetime | None = timestamp()
    converted_at: datetime | None = timestamp()
    context: dict = json_field(dict)  # product id, stock level, rating shown...
