"""What a call does when the shopper says yes: the offer applied to the cart as the call's own
code, the recovery link texted (at most once, and counted as one of the attempt's SMS)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from cart_admin.channels.base import ChannelError
from cart_admin.channels.sms import OutgoingSms
from cart_admin.domain import storefront as shop
from cart_admin.domain.save_flow import engine as flow
from cart_admin.domain.save_flow import offers
from cart_admin.domain.save_flow.offers import CartFacts
from cart_admin.domain.tenancy import NotFound
from cart_admin.domain.voice import script as engine_
from cart_admin.domain.voice.call_rows import locked
from cart_admin.domain.voice.script import Effect
from cart_admin.domain.voice.service import VoiceService
from cart_admin.models import (
    Cart,
    CartIntervention,
    CartSaveAttempt,
    CartVoiceCall,
    Channel,
    Company,
    Customer,
    InterventionStatus,
    LandingPage,
)

LINK_STEP = 100  # steps of the SMS rows a call texts (the stage's own messages are 0..)


def apply_effect(
    session: Session,
    call: CartVoiceCall,
    effect: Effect,
    facts: engine_.CallFacts,
    details: dict,
    now: datetime,
) -> None:
    if effect is Effect.WITHDRAW_VOICE_CONSENT:
        customer = session.get(Customer, call.customer_id) if call.customer_id else None
        if customer is not None and customer.voice_consent:
            customer.voice_consent = False
            customer.updated_at = now
            session.add(customer)
        details["voiceConsentWithdrawnAt"] = now.isoformat()
    elif effect in (Effect.APPLY_DISCOUNT, Effect.APPLY_FREE_SHIPPING):
        applied = apply_offer(session, call, effect, facts, now)
        details.update(applied)
    elif effect is Effect.SEND_LINK:
        details["linkRequestedAt"] = now.isoformat()


def apply_offer(
    session: Session,
    call: CartVoiceCall,
    effect: Effect,
    facts: engine_.CallFacts,
    now: datetime,
) -> dict:
    """The accepted offer becomes the call's own single-use code, applied to the cart (so
    the order is attributed to the call), and the offer the flow's later stages restate."""
    cart = session.get(Cart, call.cart_id)
    row = session.get(CartIntervention, call.intervention_id) if call.intervention_id else None
    attempt = session.get(CartSaveAttempt, call.cart_save_attempt_id)
    if cart is None or row is None or attempt is None or cart.status not in shop.OPEN_STATUSES:
        return {"offerNotApplied": "The cart is closed."}
    cart_facts = CartFacts(
        subtotal=cart.subtotal,
        shipping_total=cart.shipping_total,
        review_count=0,
        support_email=None,
    )
    if effect is Effect.APPLY_DISCOUNT and facts.discount_percent:
        offer = offers.percent_offer(
            Decimal(facts.discount_percent), cart_facts, offers.K.BEST_OFFER
        )
    elif effect is Effect.APPLY_FREE_SHIPPING and facts.free_shipping:
        offer = offers.free_shipping_offer(cart_facts)
    else:
        return {"offerNotApplied": "The offer is not available for this cart."}
    config = flow.load_config(session, call.company_id)
    code = offers.issue_code(
        session,
        company_id=call.company_id,
        cart_id=cart.id,
        intervention_ids=[row.id],
        intervention_id=row.id,
        offer=offer,
        now=now,
        expiry_hours=config.offers.code_expiry_hours,
    )
    assert code is not None
    offer_dict = {
        **offer.as_dict(),
        "code": code.code,
        "expiresAt": code.expires_at.isoformat() if code.expires_at else None,
    }
    cart.discount_code = code.code
    page = session.get(LandingPage, cart.landing_page_id) if cart.landing_page_id else None
    if page is not None:
        try:
            store = shop.storefront_for_key(session, public_key=page.public_key)
            shop.reprice(session, store=store, cart=cart, now=now)
        except NotFound:  # the page was unpublished: the code waits on the cart
            session.add(cart)
    row.offer_included, row.offer_code, row.offer_id = offer_dict, code.code, code.id
    row.offer_value = offer.savings
    row.executed_at = row.executed_at or now
    attempt.current_offer = offer_dict
    attempt.accepted_offer = offer_dict
    call.offer = offer_dict
    session.add_all([row, attempt, call])
    return {"codeApplied": code.code, "offerLabel": offer.label}


def send_link(engine: Engine, service: VoiceService, call_id: str, *, now: datetime) -> str | None:
    """Text the recovery link the shopper agreed to on the call, at most once (it is marked
    before the send, like every message). The text is also a row of the attempt (channel SMS,
    sent), so the SMS caps and the timeline count it. Returns the SID."""
    with Session(engine, expire_on_commit=False) as session:
        call = locked(session, call_id)
        details = dict((call.details or {}) if call else {})
        if call is None or not call.to_phone or "linkSendingAt" in details:
            return None
        row = session.get(CartIntervention, call.intervention_id) if call.intervention_id else None
        company = session.get(Company, call.company_id)
        if row is None or company is None:
            return None
        link = f"{service.base_url.rstrip('/')}/r/{row.tracking_token}"
        label = details.get("offerLabel")
        applied = f" with {label} applied" if label else ""
        body = f"{company.name}: here's your cart{applied}: {link} Reply STOP to opt out."
        call.details = {**details, "linkSendingAt": now.isoformat()}
        session.add(call)
        session.commit()
        to = call.to_phone
    sid: str | None = None
    try:
        sid = service.sms.send(OutgoingSms(to=to, body=body))
    except ChannelError as exc:
        outcome = {"linkError": str(exc)[:300]}
    else:
        outcome = {"linkSentAt": now.isoformat(), "linkSid": sid, "linkBody": body}
    with Session(engine) as session:
        call = locked(session, call_id)
        assert call is not None
        call.details = {**(call.details or {}), **outcome}
        call.updated_at = now
        session.add(call)
        if sid is not None:
            _ledger_sms(session, call, row, body, sid, now)
        session.commit()
    return sid


def _ledger_sms(
    session: Session, call: CartVoiceCall, voice_row: CartIntervention, body: str, sid: str,
    now: datetime,
) -> None:  # fmt: skip
    taken = session.exec(
        select(CartIntervention.step).where(
            col(CartIntervention.cart_save_attempt_id) == call.cart_save_attempt_id,
            col(CartIntervention.stage) == voice_row.stage,
            col(CartIntervention.channel) == Channel.SMS,
        )
    ).all()
    session.add(
        CartIntervention(
            company_id=call.company_id,
            cart_id=call.cart_id,
            cart_save_attempt_id=call.cart_save_attempt_id,
            stage=voice_row.stage,
            step=max([LINK_STEP - 1, *taken]) + 1,
            channel=Channel.SMS,
            channels=[str(Channel.SMS)],
            type=voice_row.type,
            content={"sms": body, "writer": "call"},
            offer_included=voice_row.offer_included,
            offer_code=voice_row.offer_code,
            status=InterventionStatus.SENT,
            scheduled_at=now,
            sent_at=now,
            tracking_token=flow.new_tracking_token(),
            response_data={"smsSid": sid, "callId": call.id},
        )
    )
