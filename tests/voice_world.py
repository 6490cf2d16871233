"""A shop whose abandoned cart is due a recovery call: shared by the voice tests.

`make_call_due` builds what the real flow builds by the Nuclear offer stage: an abandoned
$150 cart, its attempt at NUCLEAR_OFFER with two delivered e-mails, and the stage's VOICE row
(scheduled by `engine.schedule_stage` itself, since the stage has `voiceCallEnabled`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlmodel import Session, col, select

from cart_admin.domain.save_flow import engine as flow
from cart_admin.domain.save_flow.config import SaveFlowConfig, save_config
from cart_admin.domain.voice.config import VoiceRecoveryConfig, save_voice_config
from cart_admin.models import (
    Cart,
    CartIntervention,
    CartSaveAttempt,
    CartSaveStage,
    Channel,
    Company,
    Customer,
    InterventionStatus,
    LandingPage,
    Product,
)
from tests.factories import make_cart, make_company, make_customer, make_landing_page, make_product

# 15:00 in New York (EST), 20:00 UTC: inside the default 9-20 call hours on the East coast.
NOW = datetime(2026, 3, 3, 20, 0, tzinfo=UTC)


@dataclass
class CallWorld:
    company: Company
    page: LandingPage
    product: Product
    customer: Customer
    cart: Cart
    attempt: CartSaveAttempt
    voice_row: CartIntervention


def flow_with_voice(**nuclear) -> SaveFlowConfig:
    """Defaults, no holdout, quiet hours off, and the Nuclear offer stage calling."""
    return SaveFlowConfig.model_validate(
        {
            "holdoutPercent": 0,
            "blackoutHours": {"start": 0, "end": 0},
            "stages": {"nuclearOffer": {"voiceCallEnabled": True, **nuclear}},
        }
    )


def make_shop(
    session: Session,
    *,
    price: str = "75.00",
    quantity: int = 2,
    shipping: str = "6.50",
    flow_config: SaveFlowConfig | None = None,
    voice: VoiceRecoveryConfig | None = None,
    **customer_fields,
) -> tuple[Company, LandingPage, Product, Customer]:
    company = make_company(session, name="Acme Coffee", support_email="help@acme.example")
    page = make_landing_page(session, company, store_url="/demo/store/spring")
    product = make_product(session, company, name="Barista Grinder", price=price)
    fields = {
        "phone": "+15555550100",
        "timezone": "America/New_York",
        "email_consent": True,
        "sms_consent": True,
        "voice_consent": True,
        "lifetime_value": Decimal("480.00"),
        "order_count": 3,
        **customer_fields,
    }
    customer = make_customer(session, company, first_name="Ada", **fields)
    save_config(session, company.id, flow_config or flow_with_voice())
    if voice is not None:
        save_voice_config(session, company.id, voice)
    session.commit()
    return company, page, product, customer


def make_call_due(
    session: Session,
    *,
    now: datetime = NOW,
    abandoned_hours: float = 25,
    delivered_emails: int = 2,
    price: str = "75.00",
    quantity: int = 2,
    shipping: str = "6.50",
    flow_config: SaveFlowConfig | None = None,
    voice: VoiceRecoveryConfig | None = None,
    shop: tuple[Company, LandingPage, Product, Customer] | None = None,
    **customer_fields,
) -> CallWorld:
    """A cart abandoned `abandoned_hours` ago whose attempt has reached NUCLEAR_OFFER."""
    company, page, product, customer = shop or make_shop(
        session, price=price, quantity=quantity, shipping=shipping, flow_config=flow_config,
        voice=voice, **customer_fields,
    )  # fmt: skip
    abandoned = now - timedelta(hours=abandoned_hours)
    cart = make_cart(session, company, customer, items=[(product, quantity)], landing_page=page,
                     created_at=abandoned - timedelta(minutes=30), abandoned_at=abandoned,
                     shipping_total=shipping)  # fmt: skip
    session.commit()
    config = flow_config or flow_with_voice()
    attempt = flow.initiate(session, cart=cart, now=abandoned, config=config)
    flow.cancel_pending(session, attempt.id, now=abandoned, reason="test: skip to the offer")
    flow.enter_stage(session, attempt, CartSaveStage.NUCLEAR_OFFER, config=config,
                     now=abandoned + timedelta(hours=24))  # fmt: skip
    session.flush()
    emails = session.exec(
        select(CartIntervention).where(
            col(CartIntervention.cart_save_attempt_id) == attempt.id,
            col(CartIntervention.channel) == Channel.EMAIL,
        )
    ).all()
    for index in range(delivered_emails):  # e-mails the mail server accepted
        row = emails[index] if index < len(emails) else None
        if row is None:
            row = CartIntervention(
                company_id=company.id, cart_id=cart.id, cart_save_attempt_id=attempt.id,
                stage=CartSaveStage.PATTERN_INTERRUPT, step=index, channel=Channel.EMAIL,
                channels=["EMAIL"], scheduled_at=abandoned,
                tracking_token=flow.new_tracking_token(),
            )  # fmt: skip
        row.status = InterventionStatus.DELIVERED
        row.sent_at = row.delivered_at = abandoned + timedelta(hours=1 + index)
        session.add(row)
    voice_row = session.exec(
        select(CartIntervention).where(
            col(CartIntervention.cart_save_attempt_id) == attempt.id,
            col(CartIntervention.channel) == Channel.VOICE,
        )
    ).one()
    voice_row.scheduled_at = min(voice_row.scheduled_at, now)
    session.add(voice_row)
    session.commit()
    return CallWorld(company, page, product, customer, cart, attempt, voice_row)
