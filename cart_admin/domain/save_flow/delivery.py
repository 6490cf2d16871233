"""Claim due interventions and deliver them: the worker's half of the flow.

Claiming is a compare-and-set on `lease_token` (with `FOR UPDATE SKIP LOCKED` on PostgreSQL
so workers do not queue behind each other): a claim bumps the token and sets a lease. Every
later write is fenced on that token, so a worker whose lease expired can neither send nor
record. The send itself:

- e-mail: the SMTP channel transmits the message but holds back the end-of-data marker until
  the fenced commit of SENT succeeded. A worker killed before that commit delivered nothing;
  its row is claimed again when the lease expires and sent once.
- SMS: the row is committed as SENDING (fenced) before Twilio is called. A row found SENDING
  with an expired lease has an unknown outcome and is marked FAILED, never sent again.
- in-app and push: recording is the delivery (the drawer shows in-app messages; web push is
  not built, so push messages are recorded as a console channel would).
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from cart_admin.channels.base import ChannelError, FenceLost
from cart_admin.channels.email import EmailChannel, OutgoingEmail, email_channel_from_settings
from cart_admin.channels.sms import OutgoingSms, SmsChannel, sms_channel_from_settings
from cart_admin.domain.recovery_content.context import message_facts
from cart_admin.domain.save_flow import engine as flow
from cart_admin.domain.save_flow import messages, offers, policies
from cart_admin.domain.save_flow.config import SaveFlowConfig, load_config
from cart_admin.domain.save_flow.content import (
    TEMPLATES,
    ContentContext,
    ContentWriter,
    InterventionContent,
)
from cart_admin.domain.save_flow.stages import BY_STAGE, INTERRUPTING
from cart_admin.models import (
    Cart,
    CartIntervention,
    CartItem,
    CartSaveAttempt,
    CartSaveStatus,
    CartStatus,
    Channel,
    Company,
    Customer,
    InterventionStatus,
    Product,
)
from cart_admin.models import CartSaveStage as S
from cart_admin.settings import Settings

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=120)
MAX_DELIVERY_ATTEMPTS = 3
RETRY_BASE = timedelta(minutes=1)  # 1 min, 5 min, 25 min


def worker_id() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class Delivery:
    """The adapters and the base URL a delivery needs (console ones by default)."""

    email: EmailChannel
    sms: SmsChannel
    base_url: str
    writer: ContentWriter = TEMPLATES

    @classmethod
    def from_settings(cls, settings: Settings, engine: Engine) -> Delivery:
        """The configured channels, and the writer: pinned versions, Claude (with an API key
        and budget left), templates; every message checked against the facts first."""
        from cart_admin.channels.ai import ai_completer_from_settings
        from cart_admin.domain.recovery_content.writer import pipeline_for

        completer = ai_completer_from_settings(
            settings, timeout=settings.ai_content_timeout_seconds
        )
        return cls(
            email=email_channel_from_settings(settings),
            sms=sms_channel_from_settings(settings),
            base_url=settings.callback_base_url,
            writer=pipeline_for(engine, completer),
        )


@dataclass(frozen=True)
class Claim:
    intervention_id: str
    token: int


@dataclass
class Result:
    outcome: str  # sent | deferred | skipped | retry | failed | cancelled | lost
    detail: str = ""
    extra: dict = field(default_factory=dict)


# --- claiming ------------------------------------------------------------------------------


def claim_due(
    session: Session,
    *,
    worker: str,
    now: datetime,
    limit: int = 10,
    lease: timedelta = LEASE,
    attempt_id: str | None = None,
) -> list[Claim]:
    """Lease up to `limit` due rows to this worker (and rows whose lease ran out)."""
    free = sa.or_(
        col(CartIntervention.lease_expires_at).is_(None),
        col(CartIntervention.lease_expires_at) < now,
    )
    due = sa.and_(
        col(CartIntervention.status) == InterventionStatus.SCHEDULED,
        col(CartIntervention.scheduled_at) <= now,
        free,
    )
    stuck = sa.and_(
        col(CartIntervention.status) == InterventionStatus.SENDING,
        col(CartIntervention.lease_expires_at) < now,
    )
    query = (
        select(CartIntervention.id, CartIntervention.lease_token)
        .where(sa.or_(due, stuck))
        .where(col(CartIntervention.channel) != Channel.VOICE)  # calls have their own queue
        .order_by(col(CartIntervention.scheduled_at))
        .limit(limit)
    )
    if attempt_id is not None:
        query = query.where(col(CartIntervention.cart_save_attempt_id) == attempt_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claims = []
    for row_id, token in session.exec(query).all():
        result = session.execute(
            sa.update(CartIntervention)
            .where(col(CartIntervention.id) == row_id, col(CartIntervention.lease_token) == token)
            .values(lease_owner=worker, lease_expires_at=now + lease, lease_token=token + 1)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            claims.append(Claim(row_id, token + 1))
    session.commit()
    return claims


def _fenced(claim: Claim, *, status: InterventionStatus | None = None):
    query = sa.update(CartIntervention).where(
        col(CartIntervention.id) == claim.intervention_id,
        col(CartIntervention.lease_token) == claim.token,
    )
    if status is not None:
        query = query.where(col(CartIntervention.status) == status)
    return query


def _release(session: Session, claim: Claim, **values) -> bool:
    values.setdefault("lease_owner", None)
    values.setdefault("lease_expires_at", None)
    result = session.execute(_fenced(claim).values(**values))
    return result.rowcount == 1  # type: ignore[attr-defined]


# --- executing -----------------------------------------------------------------------------


@dataclass
class _Prepared:
    row: CartIntervention
    attempt: CartSaveAttempt
    cart: Cart
    address: str | None  # the shopper's e-mail address
    config: SaveFlowConfig
    ctx: ContentContext | None = None
    links: messages.Links | None = None
    support_email: str | None = None
    phone: str | None = None
    email: OutgoingEmail | None = None
    sms: OutgoingSms | None = None

    def still_uncapped(self, session: Session, now: datetime) -> bool:
        """Inside the send's transaction, with the shopper locked: the shopper still wants it
        (see `still_wanted`) and no other worker sent them a message on this channel since
        the caps were checked. False hands the message back to be prepared again."""
        _lock_shopper(session, self.cart, self.address)
        if not self.still_wanted(session):
            return False
        capped = _cap(session, self.row, self.attempt, self.cart, self.address, self.config, now)
        return capped is None

    def still_wanted(self, session: Session) -> bool:
        """Nothing changed while the words were written (Claude may take seconds): the attempt
        still runs, the cart is not bought, the shopper did not unsubscribe or withdraw
        consent. Read afresh in the send's own transaction."""
        attempt = session.get(CartSaveAttempt, self.attempt.id, populate_existing=True)
        cart = session.get(Cart, self.cart.id, populate_existing=True)
        if attempt is None or cart is None or attempt.status is not CartSaveStatus.IN_PROGRESS:
            return False
        if cart.status in (CartStatus.CONVERTED, CartStatus.EXPIRED):
            return False
        customer = shopper(session, cart)
        if customer is not None:
            session.refresh(customer)
        refusal = policies.unreachable(
            self.row.channel,
            known=customer is not None,
            email=self.address,
            email_consent=customer is not None and customer.email_consent,
            phone=customer.phone if customer else None,
            sms_consent=customer is not None and customer.sms_consent,
            unsubscribed=customer is not None and customer.unsubscribed_at is not None,
            respect_unsubscribe=self.config.respect_unsubscribe,
        )
        return refusal is None


def _lock_shopper(session: Session, cart: Cart, address: str | None) -> None:
    """Serialise sends to one shopper across workers (PostgreSQL; SQLite has one writer)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    who = cart.customer_id or (address or "").lower() or cart.id
    session.execute(
        sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(f"cap:{cart.company_id}:{who}")))
    )


def prepare(
    engine: Engine, claim: Claim, delivery: Delivery, *, now: datetime, lease: timedelta = LEASE
) -> _Prepared | Result:
    """Gates, offer and code (one transaction), then the words (no transaction: Claude may
    take seconds), then the words kept on the row while the lease is still ours."""
    with Session(engine, expire_on_commit=False) as session:
        prepared = _prepare(session, claim, delivery, now)
        if not isinstance(prepared, Result):
            # A full lease for the writing: a row late in a batch must not lapse mid-write.
            session.execute(_fenced(claim).values(lease_expires_at=now + lease))
        session.commit()
    if isinstance(prepared, Result):
        return prepared
    content = _write(delivery, prepared)
    with Session(engine, expire_on_commit=False) as session:
        if not _store_content(session, claim, prepared, content, now):
            return Result("lost", "taken over or cancelled while the message was written")
        session.commit()
    return prepared


def execute(
    engine: Engine, claim: Claim, delivery: Delivery, *, now: datetime, lease: timedelta = LEASE
) -> Result:
    """Run one claimed intervention through its gates and its channel."""
    prepared = prepare(engine, claim, delivery, now=now, lease=lease)
    if isinstance(prepared, Result):
        if prepared.extra.get("advance"):
            _advance(engine, prepared.extra["advance"], now)
        return prepared
    row, attempt = prepared.row, prepared.attempt
    try:
        if row.channel is Channel.EMAIL:
            result = _send_email(engine, claim, delivery, prepared, now)
        elif row.channel is Channel.SMS:
            result = _send_sms(engine, claim, delivery, prepared, now)
        else:
            result = _record_only(engine, claim, row, now)
    except FenceLost:
        return Result("lost", "the lease ran out before the send")
    if result.outcome in ("sent", "failed"):
        _advance(engine, attempt.id, now)
    return result


def _advance(engine: Engine, attempt_id: str, now: datetime) -> None:
    with Session(engine, expire_on_commit=False) as session:
        flow.advance_if_stage_done(session, attempt_id, now=now)
        session.commit()


def _prepare(
    session: Session, claim: Claim, delivery: Delivery, now: datetime
) -> _Prepared | Result:
    row = session.get(CartIntervention, claim.intervention_id)
    if row is None or row.lease_token != claim.token:
        return Result("lost", "claimed by another worker")
    if row.status is InterventionStatus.SENDING:
        _release(session, claim, status=InterventionStatus.FAILED,
                 error_message="A worker stopped while sending: the outcome is unknown, so it "
                 "was not sent again.", updated_at=now)  # fmt: skip
        return Result("failed", "outcome unknown", {"advance": row.cart_save_attempt_id})
    attempt = session.get(CartSaveAttempt, row.cart_save_attempt_id)
    cart = session.get(Cart, row.cart_id)
    assert attempt is not None and cart is not None
    config = load_config(session, attempt.company_id)
    customer = shopper(session, cart)
    company = session.get(Company, attempt.company_id)
    assert company is not None

    def cancel(reason: str, *, advance: bool = False) -> Result:
        _release(session, claim, status=InterventionStatus.CANCELLED, error_message=reason,
                 updated_at=now)  # fmt: skip
        return Result("cancelled", reason, {"advance": attempt.id} if advance else {})

    def defer(until: datetime, reason: str) -> Result:
        _release(session, claim, scheduled_at=until, updated_at=now,
                 response_data={**(row.response_data or {}), "deferred": reason,
                                "deferredUntil": until.isoformat()})  # fmt: skip
        return Result("deferred", reason, {"until": until})

    # The conversion check comes first, right before anything is sent.
    if cart.status is CartStatus.CONVERTED:
        flow.on_cart_converted(session, cart, now=now)
        return cancel("The cart was bought.")
    email = (customer.email if customer else None) or cart.email
    if flow.customer_converted_since(
        session, company_id=cart.company_id, customer_id=cart.customer_id, email=email,
        since=min(cart.last_activity_at, attempt.started_at),  # bought while this cart sat idle
    ):  # fmt: skip
        flow.complete(session, attempt, flow.CartSaveOutcome.CANCELLED, now=now,
                      note="The shopper bought on another cart.")  # fmt: skip
        return cancel("The shopper bought on another cart.")
    if attempt.status is CartSaveStatus.PAUSED:
        return defer(now + timedelta(minutes=config.abandonment_minutes), "shopper is active")
    if attempt.status is not CartSaveStatus.IN_PROGRESS or attempt.is_holdout:
        return cancel(f"The attempt is {attempt.status}.")
    if cart.status is CartStatus.EXPIRED:
        flow.complete(session, attempt, flow.CartSaveOutcome.EXPIRED, now=now)
        return cancel("The cart expired.")
    if not config.enabled:
        return defer(now + timedelta(hours=1), "the save flow is switched off")
    sent = session.exec(
        select(sa.func.count()).where(
            col(CartIntervention.cart_save_attempt_id) == attempt.id,
            col(CartIntervention.sent_at).is_not(None),
        )
    ).one()
    if sent >= config.max_attempts_per_cart:
        flow.complete(session, attempt, flow.CartSaveOutcome.EXHAUSTED, now=now,
                      note="maxAttemptsPerCart reached")  # fmt: skip
        return cancel("maxAttemptsPerCart reached.")

    refusal = policies.unreachable(
        row.channel,
        known=customer is not None,
        email=email,
        email_consent=customer is not None and customer.email_consent,
        phone=customer.phone if customer else None,
        sms_consent=customer is not None and customer.sms_consent,
        unsubscribed=customer is not None and customer.unsubscribed_at is not None,
        respect_unsubscribe=config.respect_unsubscribe,
    )
    if refusal:
        return cancel(refusal, advance=True)
    if row.channel is Channel.SMS and attempt.attempt_metadata.get(flow.DECLINED_BY_PHONE):
        return cancel("Declined on the phone: no more texts for this cart.", advance=True)
    tz = policies.zone(customer.timezone if customer else None, company.timezone)
    if row.channel in INTERRUPTING:
        quiet = config.blackout_hours
        wake = policies.quiet_hours_end(now, tz, quiet.start, quiet.end)
        if wake is not None:
            return defer(wake, "quiet hours")
        capped = _cap(session, row, attempt, cart, email, config, now)
        if capped is not None:
            following = flow.next_stage(config, row.stage)
            base = flow.abandoned_at(attempt) + timedelta(seconds=flow.paused_seconds(attempt))
            next_due = (
                base + timedelta(minutes=config.stage(following.key).delay_minutes)
                if following
                else None
            )
            if policies.skip_for_next_stage(
                capped, next_due, winback=row.stage is S.WINBACK_SEQUENCE
            ):
                return cancel("Frequency cap: the next stage comes first.", advance=True)
            return defer(capped, "frequency cap")

    lines = flow_lines(session, cart)
    facts = offer_facts(lines, cart, company, config)
    plan = offers.plan_stage(
        config, row.stage, attempt.diagnosis_reason, facts, attempt.current_offer
    )
    stage_rows = session.exec(
        select(CartIntervention.id).where(
            col(CartIntervention.cart_save_attempt_id) == attempt.id,
            col(CartIntervention.stage) == row.stage,
            col(CartIntervention.step) == row.step,
        )
    ).all()
    code = None
    if plan.offer is not None and plan.offer.kind is not None:
        offer = plan.offer
        current = attempt.current_offer or {}
        restating = row.stage in (S.LOSS_VISUALIZATION, S.WINBACK_SEQUENCE) and current.get("code")
        if restating:
            code = offers.usable_code(session, attempt.company_id, current["code"], now)
            if code is None:
                plan = offers.StagePlan(plan.kind, None, plan.reason, plan.suggestions)
        else:
            code = offers.issue_code(
                session, company_id=attempt.company_id, cart_id=cart.id,
                intervention_ids=list(stage_rows), intervention_id=row.id, offer=offer,
                now=now, expiry_hours=config.offers.code_expiry_hours,
            )  # fmt: skip
    links = messages.Links.for_token(delivery.base_url, row.tracking_token)
    ctx = ContentContext(
        stage=row.stage,
        step=row.step,
        sequence_length=config.stages.winback_sequence.sequence_length,
        company_name=company.name,
        first_name=customer.first_name if customer else None,
        grand_total=cart.grand_total,
        currency=cart.currency,
        reason=plan.reason,
        offer=plan.offer,
        code=code.code if code else None,
        code_expires_at=code.expires_at if code else None,
        suggestions=plan.suggestions,
        timezone=tz,
        free_shipping_threshold=(config.stages.branching_intervention.free_shipping_threshold
                                 or facts.free_shipping_threshold),
        sms_link=links.survey if row.stage is S.DIAGNOSIS_SURVEY else links.recovery,
        intervention_id=row.id,
        reuse=_written_for_stage(session, row),
        offer_valid_hours=config.offers.code_expiry_hours if code else None,
        **message_facts(session, cart=cart, customer=customer, lines=lines, attempt_id=attempt.id,
                        stage=row.stage, reason=plan.reason),
    )  # fmt: skip
    offer_dict = None
    if plan.offer is not None:
        offer_dict = {**plan.offer.as_dict(), "code": code.code if code else None,
                      "expiresAt": code.expires_at.isoformat() if code and code.expires_at
                      else None}  # fmt: skip
    row.type = plan.kind
    row.offer_included = offer_dict
    row.offer_code = code.code if code else None
    row.offer_id = code.id if code else None
    row.offer_value = plan.offer.savings if plan.offer else None
    row.updated_at = now
    session.add(row)
    if offer_dict and row.stage in (S.BRANCHING_INTERVENTION, S.NUCLEAR_OFFER):
        attempt.current_offer = offer_dict
    attempt.channel = attempt.channel or str(row.channel)
    session.add(attempt)
    return _Prepared(row, attempt, cart, email, config, ctx=ctx, links=links,
                     support_email=company.support_email,
                     phone=customer.phone if customer else None)  # fmt: skip


def _written_for_stage(session: Session, row: CartIntervention) -> InterventionContent | None:
    """Words already written for this stage's message (its other channel, or this row's
    earlier try): offered to the writer again, so e-mail and SMS agree and Claude is not paid
    twice for one message."""
    rows = session.exec(
        select(CartIntervention.content).where(
            col(CartIntervention.cart_save_attempt_id) == row.cart_save_attempt_id,
            col(CartIntervention.stage) == row.stage,
            col(CartIntervention.step) == row.step,
        )
    ).all()
    for content in rows:
        if content and content.get("writer") == "ai":
            try:
                return InterventionContent.model_validate(content)
            except ValueError:
                continue
    return None


def _write(delivery: Delivery, prepared: _Prepared) -> InterventionContent:
    """The message's words: outside any transaction, since Claude may take seconds."""
    assert prepared.ctx is not None
    return delivery.writer.write(prepared.ctx)


def _store_content(
    session: Session, claim: Claim, prepared: _Prepared, content: InterventionContent, now: datetime
) -> bool:
    """Keep the words on the row (fenced: only while the lease is ours) and build the message."""
    ctx, links, row = prepared.ctx, prepared.links, prepared.row
    assert ctx is not None and links is not None
    spec = BY_STAGE[row.stage]
    # A message counts for its A/B arm only if that arm's version wrote it: a pinned version
    # that failed the checks for this cart and fell through to Claude or the template did not.
    variant = ctx.variant if ctx.pinned is None or content.writer == "pinned" else None
    row.content = {
        **content.model_dump(mode="json", by_alias=True, exclude_none=True),
        "tone": ctx.tone or spec.tone,
        "urgency": ctx.urgency or spec.urgency,
        "brandVoice": ctx.brand_voice,
        "recoveryUrl": links.recovery,
        **({"variant": variant} if variant else {}),
        **({"surveyUrl": links.survey} if row.stage is S.DIAGNOSIS_SURVEY else {}),
    }
    row.triggers_used = content.triggers_applied
    row.content_variant = variant
    stored = session.execute(
        _fenced(claim, status=InterventionStatus.SCHEDULED).values(
            content=row.content, triggers_used=row.triggers_used, content_variant=variant,
            updated_at=now)
    )  # fmt: skip
    if stored.rowcount != 1:  # type: ignore[attr-defined]
        return False
    if row.channel is Channel.EMAIL:
        assert prepared.address is not None
        prepared.email = OutgoingEmail(
            to=prepared.address,
            subject=" ".join(content.subject.split()),  # one line, whatever the shop's names
            text=messages.email_text(ctx, content, links),
            html=messages.email_html(ctx, content, links),
            message_id=f"<{row.id}.{row.tracking_token[:8]}@cart-admin>",
            headers={
                **messages.unsubscribe_headers(links, prepared.support_email),
                **({"Reply-To": prepared.support_email} if prepared.support_email else {}),
            },
        )
    elif row.channel is Channel.SMS:
        assert prepared.phone
        prepared.sms = OutgoingSms(to=prepared.phone,
                                   body=messages.sms_text(ctx, content, links))  # fmt: skip
    return True


def shopper(session: Session, cart: Cart) -> Customer | None:
    """The cart's customer; for a guest cart, the customer record with its e-mail address
    (where a guest's unsubscribe is remembered)."""
    if cart.customer_id:
        return session.get(Customer, cart.customer_id)
    if not cart.email:
        return None
    return session.exec(
        select(Customer).where(
            col(Customer.company_id) == cart.company_id,
            sa.func.lower(col(Customer.email)) == cart.email.lower(),
        )
    ).first()


def flow_lines(session: Session, cart: Cart) -> list[tuple[CartItem, Product]]:
    return list(
        session.exec(
            select(CartItem, Product)
            .join(Product, col(Product.id) == col(CartItem.product_id))
            .where(col(CartItem.cart_id) == cart.id)
            .order_by(col(CartItem.created_at))
        ).all()
    )


def offer_facts(
    lines: list[tuple[CartItem, Product]], cart: Cart, company: Company, config: SaveFlowConfig
) -> offers.CartFacts:
    return offers.CartFacts(
        subtotal=cart.subtotal,
        shipping_total=cart.shipping_total,
        review_count=sum(p.review_count for _, p in lines),
        support_email=company.support_email,
        free_shipping_threshold=config.stages.branching_intervention.free_shipping_threshold,
    )


def _last_sent(
    session: Session, channel: Channel, cart: Cart, email: str | None, exclude_id: str
) -> datetime | None:
    """The latest message on this channel to the same shopper (any of their carts)."""
    carts = select(Cart.id).where(col(Cart.company_id) == cart.company_id)
    if cart.customer_id:
        carts = carts.where(col(Cart.customer_id) == cart.customer_id)
    elif email:
        carts = carts.where(sa.func.lower(col(Cart.email)) == email.lower())
    else:
        carts = carts.where(col(Cart.id) == cart.id)
    sending = sa.case(
        (
            col(CartIntervention.status) == InterventionStatus.SENDING,
            col(CartIntervention.updated_at),
        ),
    )  # fmt: skip  (an SMS on its way counts as sent)
    return session.exec(
        select(sa.func.max(sa.func.coalesce(col(CartIntervention.sent_at), sending))).where(
            col(CartIntervention.cart_id).in_(carts),
            col(CartIntervention.channel) == channel,
            col(CartIntervention.id) != exclude_id,
        )
    ).one()


def _cap(
    session: Session,
    row: CartIntervention,
    attempt: CartSaveAttempt,
    cart: Cart,
    email: str | None,
    config: SaveFlowConfig,
    now: datetime,
) -> datetime | None:
    """When the frequency caps allow this message, or None when they allow it now."""
    caps = config.frequency_caps
    hours = {Channel.EMAIL: caps.email_hours, Channel.SMS: caps.sms_hours}.get(row.channel, 0)
    window_end, texts = None, 0
    if row.channel is Channel.SMS and caps.sms_abandonment_window_hours:
        window_end = flow.abandoned_at(attempt) + timedelta(hours=caps.sms_abandonment_window_hours)
        if now < window_end:
            texts = session.exec(
                select(sa.func.count()).where(
                    col(CartIntervention.cart_save_attempt_id) == attempt.id,
                    col(CartIntervention.channel) == Channel.SMS,
                    col(CartIntervention.id) != row.id,
                    sa.or_(
                        col(CartIntervention.sent_at).is_not(None),
                        col(CartIntervention.status) == InterventionStatus.SENDING,
                    ),
                )
            ).one()
    return policies.frequency_cap_until(
        now,
        last_sent=_last_sent(session, row.channel, cart, email, row.id),
        hours=hours,
        window_end=window_end,
        window_used=texts,
        window_limit=caps.sms_per_abandonment_window,
    )


# --- channels ------------------------------------------------------------------------------


def _sent_values(now: datetime, provider_id: str, channel_name: str, row: CartIntervention) -> dict:
    return {
        "status": InterventionStatus.SENT,
        "sent_at": now,
        "executed_at": now,
        "lease_owner": None,
        "lease_expires_at": None,
        "updated_at": now,
        "error_message": None,
        "response_data": {
            **(row.response_data or {}),
            "provider": channel_name,
            "providerId": provider_id,
        },
    }


def _send_email(
    engine: Engine, claim: Claim, delivery: Delivery, prepared: _Prepared, now: datetime
) -> Result:
    """The fenced record is written (row locked, uncommitted) before the end of DATA and
    committed right after it: see `cart_admin.channels.email`."""
    email = prepared.email
    assert email is not None
    confirmed = False
    with Session(engine) as session:

        def hold() -> bool:
            values = _sent_values(now, email.message_id, delivery.email.name, prepared.row)
            result = session.execute(
                _fenced(claim, status=InterventionStatus.SCHEDULED).values(**values)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return False
            # After the write (SQLite's write lock), under the shopper's lock (PostgreSQL):
            # another worker may just have written to this shopper; if so, prepare it again.
            return prepared.still_uncapped(session, now)

        def confirm() -> None:
            nonlocal confirmed
            session.commit()
            confirmed = True

        try:
            delivery.email.send(email, commit=hold, confirm=confirm)
        except ChannelError as error:
            if not confirmed:
                session.rollback()
            return _failed_send(engine, claim, prepared.row, error, now, committed=confirmed)
        except FenceLost:
            session.rollback()
            release_claims(engine, [claim])  # capped meanwhile: prepare it again at once
            raise
        except BaseException:
            if not confirmed:
                session.rollback()
            raise
    return Result("sent", email.to)


def _send_sms(
    engine: Engine, claim: Claim, delivery: Delivery, prepared: _Prepared, now: datetime
) -> Result:
    assert prepared.sms is not None
    with Session(engine) as session:
        result = session.execute(
            _fenced(claim, status=InterventionStatus.SCHEDULED).values(
                status=InterventionStatus.SENDING, updated_at=now
            )
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise FenceLost()
        if not prepared.still_uncapped(session, now):
            session.rollback()
            release_claims(engine, [claim])
            raise FenceLost()
        session.commit()
    try:
        sid = delivery.sms.send(prepared.sms)
    except ChannelError as error:
        return _failed_send(engine, claim, prepared.row, error, now, committed=True)
    with Session(engine) as session:
        session.execute(
            _fenced(claim).values(**_sent_values(now, sid, delivery.sms.name, prepared.row))
        )
        session.commit()
    return Result("sent", prepared.sms.to)


def _record_only(engine: Engine, claim: Claim, row: CartIntervention, now: datetime) -> Result:
    """In-app messages wait for the shopper in the drawer; push is recorded (not built)."""
    name = "drawer" if row.channel is Channel.IN_APP else "console"
    with Session(engine) as session:
        result = session.execute(
            _fenced(claim, status=InterventionStatus.SCHEDULED).values(
                **_sent_values(now, row.tracking_token, name, row)
            )
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise FenceLost()
        session.commit()
    if row.channel is Channel.PUSH:
        log.info("push (console) for cart %s: %s", row.cart_id, row.content.get("headline"))
    return Result("sent", str(row.channel))


def _failed_send(
    engine: Engine,
    claim: Claim,
    row: CartIntervention,
    error: ChannelError,
    now: datetime,
    *,
    committed: bool,
) -> Result:
    """Retry a transient error with backoff; after the last try, or a permanent one, FAILED.

    A message that may have reached the provider is not retried (at most once): an SMS whose
    request timed out, an e-mail whose end of DATA got no answer.
    """
    attempts = row.delivery_attempts + 1
    sms_unknown = row.channel is Channel.SMS and error.code == "timeout"
    unknown = sms_unknown or (committed and error.code is None)
    message = f"{type(error).__name__}: {error}"[:2000]
    with Session(engine) as session:
        if error.transient and not unknown and attempts < MAX_DELIVERY_ATTEMPTS:
            delay = RETRY_BASE * (5 ** (attempts - 1))
            session.execute(
                _fenced(claim).values(
                    status=InterventionStatus.SCHEDULED, sent_at=None, executed_at=None,
                    scheduled_at=now + delay, delivery_attempts=attempts, error_message=message,
                    lease_owner=None, lease_expires_at=None, updated_at=now,
                )
            )  # fmt: skip
            session.commit()
            return Result("retry", message, {"until": now + delay})
        session.execute(
            _fenced(claim).values(
                status=InterventionStatus.FAILED, sent_at=None, delivery_attempts=attempts,
                error_message=message, lease_owner=None, lease_expires_at=None, updated_at=now,
            )
        )  # fmt: skip
        session.commit()
    log.warning("intervention %s failed: %s", row.id, message)
    return Result("failed", message)


def execute_now(
    engine: Engine, delivery: Delivery, attempt_id: str, *, worker: str, now: datetime
) -> list[Result]:
    """Send the current stage's waiting messages of one attempt now (the admin's "Send now").

    The gates still apply: quiet hours and caps defer, a conversion cancels.
    """
    with Session(engine, expire_on_commit=False) as session:
        attempt = session.get(CartSaveAttempt, attempt_id)
        if attempt is None:
            return []
        waiting = sa.and_(
            col(CartIntervention.cart_save_attempt_id) == attempt_id,
            col(CartIntervention.stage) == attempt.current_stage,
            col(CartIntervention.status) == InterventionStatus.SCHEDULED,
        )
        step = session.exec(select(sa.func.min(CartIntervention.step)).where(waiting)).one()
        session.execute(
            sa.update(CartIntervention)
            .where(
                waiting,
                col(CartIntervention.step) == step,
                col(CartIntervention.scheduled_at) > now,
                col(CartIntervention.lease_expires_at).is_(None),
            )
            .values(scheduled_at=now, updated_at=now)
        )
        session.commit()
        claims = claim_due(session, worker=worker, now=now, limit=20, attempt_id=attempt_id)
    return [execute(engine, claim, delivery, now=now) for claim in claims]


def _unexpected(engine: Engine, claim: Claim, exc: Exception, now: datetime) -> Result:
    """A bug or bad data, not a channel error: retried like one, then FAILED, so the row can
    never loop forever and its attempt moves on."""
    with Session(engine) as session:
        row = session.get(CartIntervention, claim.intervention_id)
        if row is None or row.lease_token != claim.token:
            return Result("lost")
    error = ChannelError(f"{type(exc).__name__}: {exc}", transient=True)
    result = _failed_send(engine, claim, row, error, now, committed=False)
    if result.outcome == "failed":
        _advance(engine, row.cart_save_attempt_id, now)
    return result


def release_claims(engine: Engine, claims: list[Claim]) -> int:
    """Hand claimed rows back untouched (fenced: only rows still under these claims)."""
    with Session(engine) as session:
        released = sum(_release(session, claim) for claim in claims)
        session.commit()
    return released


def run_due(
    engine: Engine,
    delivery: Delivery,
    *,
    worker: str,
    now_fn: Callable[[], datetime],
    batch: int = 10,
    budget_seconds: float = 20.0,
    lease: timedelta = LEASE,
    stopping: Callable[[], bool] = lambda: False,
) -> dict[str, int]:
    """Claim and execute due rows until none are left or the time budget is spent (so a tick
    ends and the next one starts fresh). When `stopping()` turns true (the worker is shutting
    down), the claims not yet started are handed back at once instead of waiting out a lease."""
    counts: dict[str, int] = {}
    deadline = time.monotonic() + budget_seconds
    while time.monotonic() < deadline and not stopping():
        with Session(engine, expire_on_commit=False) as session:
            claims = claim_due(session, worker=worker, now=now_fn(), limit=batch, lease=lease)
        if not claims:
            break
        for index, claim in enumerate(claims):
            if stopping():
                counts["released"] = release_claims(engine, claims[index:])
                break
            try:
                result = execute(engine, claim, delivery, now=now_fn(), lease=lease)
            except Exception as exc:  # one bad row must not stop the others
                log.exception("intervention %s could not be executed", claim.intervention_id)
                result = _unexpected(engine, claim, exc, now_fn())
            counts[result.outcome] = counts.get(result.outcome, 0) + 1
    return counts
