"""What the shopper's links do: open pixel, recovery link, survey answer, unsubscribe, STOP.

A link is found by its intervention's unguessable tracking token. Opening a link with GET never
changes anything a mail scanner could trigger by prefetching, except recording an open/click.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode, urlsplit, urlunsplit

from sqlmodel import Session, col, select

from cart_admin.domain import storefront as shop
from cart_admin.domain.save_flow import engine as flow
from cart_admin.domain.save_flow.offers import usable_code
from cart_admin.domain.tenancy import NotFound
from cart_admin.models import (
    Cart,
    CartAbandonmentReason,
    CartIntervention,
    CartSaveAttempt,
    Channel,
    Company,
    Customer,
    InterventionStatus,
    LandingPage,
)

UNOPENED = (InterventionStatus.SENT, InterventionStatus.DELIVERED)
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT"})


def by_token(session: Session, token: str) -> CartIntervention:
    if not token or len(token) > 32:
        raise NotFound("This link is not valid.")
    row = session.exec(
        select(CartIntervention).where(col(CartIntervention.tracking_token) == token)
    ).first()
    if row is None:
        raise NotFound("This link is not valid.")
    return row


def record_open(session: Session, row: CartIntervention, *, now: datetime) -> None:
    if row.opened_at is None:
        row.opened_at = now
        if row.status in UNOPENED:
            row.status = InterventionStatus.OPENED
        session.add(row)


def record_click(session: Session, row: CartIntervention, *, now: datetime) -> None:
    record_open(session, row, now=now)
    if row.clicked_at is None:
        row.clicked_at = now
        if row.status in (*UNOPENED, InterventionStatus.OPENED):
            row.status = InterventionStatus.CLICKED
        session.add(row)


def store_url(page: LandingPage | None, app_url: str) -> str:
    """Where the shopper's drawer lives: the page's store URL, else its first allowed origin."""
    if page is not None and page.store_url:
        if page.store_url.startswith("/"):
            return app_url.rstrip("/") + page.store_url
        return page.store_url
    if page is not None and page.allowed_origins:
        return page.allowed_origins[0].rstrip("/") + "/"
    return app_url.rstrip("/") + "/"


def recover(session: Session, row: CartIntervention, *, now: datetime, app_url: str) -> str:
    """The recovery link: record the click and send the shopper to their store, where the
    drawer opens on their cart and applies the offer's code. Nothing else changes here: mail
    scanners and link previews fetch these links too."""
    record_click(session, row, now=now)
    cart = session.get(Cart, row.cart_id)
    assert cart is not None
    page = session.get(LandingPage, cart.landing_page_id) if cart.landing_page_id else None
    params = {"ca_cart": cart.public_token, "ca_open": "1"}
    code = row.offer_code
    if (
        code
        and cart.status in shop.OPEN_STATUSES
        and usable_code(session, cart.company_id, code, now)
    ):
        params["ca_code"] = code
    parts = urlsplit(store_url(page, app_url))
    query = f"{parts.query}&" if parts.query else ""
    return urlunsplit(parts._replace(query=query + urlencode(params)))


def answer_survey(
    session: Session,
    row: CartIntervention,
    *,
    reason: CartAbandonmentReason,
    comment: str | None,
    now: datetime,
) -> CartSaveAttempt:
    record_click(session, row, now=now)
    attempt = session.get(CartSaveAttempt, row.cart_save_attempt_id)
    assert attempt is not None
    row.response_type = "DIAGNOSIS"
    row.response_data = {**(row.response_data or {}), "reason": str(reason)}
    session.add(row)
    return flow.record_diagnosis(session, attempt, reason=reason, now=now, comment=comment,
                                 answers={"channel": str(row.channel)})  # fmt: skip


def unsubscribe(session: Session, row: CartIntervention, *, now: datetime) -> str | None:
    """Stop recovery e-mail and SMS to this shopper. A guest gets a customer record that
    remembers the choice. Returns the address unsubscribed."""
    cart = session.get(Cart, row.cart_id)
    assert cart is not None
    customer = session.get(Customer, cart.customer_id) if cart.customer_id else None
    if customer is None and cart.email:
        customer = session.exec(
            select(Customer).where(
                col(Customer.company_id) == cart.company_id, col(Customer.email) == cart.email
            )
        ).first() or Customer(company_id=cart.company_id, email=cart.email)
    if customer is None:
        return None
    customer.unsubscribed_at = customer.unsubscribed_at or now
    customer.email_consent = False
    customer.updated_at = now
    session.add(customer)
    row.response_type = "UNSUBSCRIBED"
    session.add(row)
    return customer.email


def sms_stop(session: Session, *, phone: str, body: str, now: datetime) -> int:
    """An inbound STOP (carrier keywords) withdraws SMS consent for that number everywhere the
    sending number reached it. Returns how many customer records changed."""
    if body.strip().upper() not in STOP_WORDS:
        return 0
    rows = session.exec(
        select(Customer).where(col(Customer.phone) == phone, col(Customer.sms_consent))
    ).all()
    for customer in rows:
        customer.sms_consent = False
        customer.updated_at = now
        session.add(customer)
    return len(rows)


def company_name(session: Session, row: CartIntervention) -> str:
    company = session.get(Company, row.company_id)
    return company.name if company else ""


def pending_in_app(session: Session, cart: Cart) -> CartIntervention | None:
    """The drawer's message for a returning shopper (spec RETURN_VISITOR_MODAL): an in-app
    intervention that went out and was not yet answered, while the cart's flow is running.
    (The drawer shows it once per visit; accepting or dismissing it retires it.)"""
    return session.exec(
        select(CartIntervention)
        .join(
            CartSaveAttempt, col(CartSaveAttempt.id) == col(CartIntervention.cart_save_attempt_id)
        )
        .where(
            col(CartIntervention.cart_id) == cart.id,
            col(CartIntervention.channel) == Channel.IN_APP,
            col(CartIntervention.status).in_((*UNOPENED, InterventionStatus.OPENED)),
            col(CartIntervention.response_type).is_(None),
            col(CartSaveAttempt.status).in_(flow.ACTIVE),
        )
        .order_by(col(CartIntervention.sent_at).desc())
    ).first()


IN_APP_ACTIONS = ("seen", "dismissed", "accepted")


def in_app_response(
    session: Session, cart: Cart, token: str, action: str, *, now: datetime
) -> CartIntervention:
    """The drawer reports what the shopper did with the message."""
    row = by_token(session, token)
    if row.cart_id != cart.id or row.channel is not Channel.IN_APP:
        raise NotFound("This message is not for this cart.")
    if action == "accepted":
        record_click(session, row, now=now)
    else:
        record_open(session, row, now=now)
    if action != "seen":
        row.response_type = action.upper()
        session.add(row)
    return row
