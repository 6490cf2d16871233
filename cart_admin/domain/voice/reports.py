"""What the calls did: the spec's voice metrics (§9 `voice`) and the call log, aggregated in SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col, select

from cart_admin.domain.analytics.attribution import DEFAULT_WINDOW, AttributionWindow, hours_between
from cart_admin.domain.voice.call_rows import MACHINE
from cart_admin.domain.voice.eligibility import placed_call
from cart_admin.domain.voice.script import Node
from cart_admin.models import (
    Cart,
    CartVoiceCall,
    Customer,
    DiscountCode,
    VoiceCallOutcome,
    VoiceCallStatus,
)
from cart_admin.models.types import to_money


@dataclass(frozen=True)
class VoiceAnalytics:
    calls_attempted: int  # every dial the queue or an admin tried (console calls excepted)
    calls_initiated: int  # placed, or possibly placed (outcome unknown)
    calls_answered: int  # by a person
    calls_completed: int  # ended normally (Twilio "completed"), people and machines
    carts_recovered: int
    avg_call_duration: float  # seconds, over answered calls
    revenue_recovered: Decimal
    discounts_accepted: int  # calls whose shopper took the offer (a code was applied)
    failed: int  # refused by Twilio, failed there, or outcome unknown
    by_outcome: dict[str, int] = field(default_factory=dict)

    @property
    def answer_rate(self) -> float:
        return self.calls_answered / self.calls_initiated if self.calls_initiated else 0.0

    @property
    def failure_rate(self) -> float:
        """Of the dials attempted, how many failed (deployment plan §10 alerts above 10%)."""
        return self.failed / self.calls_attempted if self.calls_attempted else 0.0


def voice_analytics(
    session: Session,
    company_id: str,
    start: datetime,
    end: datetime,
    window: AttributionWindow = DEFAULT_WINDOW,
) -> VoiceAnalytics:
    """A call recovered its cart when the order it brought came within the attribution window
    of the answer."""
    attempted = sa.and_(
        col(CartVoiceCall.company_id) == company_id,
        col(CartVoiceCall.initiated_at) >= start,
        col(CartVoiceCall.initiated_at) < end,
        col(CartVoiceCall.status) != VoiceCallStatus.CANCELED,  # console: never dialled
    )
    placed = placed_call()
    person = sa.and_(
        placed,
        col(CartVoiceCall.answered_at).is_not(None),
        sa.or_(
            col(CartVoiceCall.answered_by).is_(None),
            col(CartVoiceCall.answered_by).not_in((*MACHINE, "fax")),
        ),
    )
    recovered = sa.and_(
        placed,
        col(CartVoiceCall.outcome) == VoiceCallOutcome.RECOVERED,
        hours_between(session, col(Cart.converted_at), col(CartVoiceCall.answered_at))
        <= window.hours,
    )
    code_applied = sa.exists().where(
        col(DiscountCode.intervention_id) == col(CartVoiceCall.intervention_id)
    )
    accepted = sa.and_(
        placed,
        sa.or_(col(CartVoiceCall.outcome) == VoiceCallOutcome.DISCOUNT_ACCEPTED, code_applied),
    )

    def count_if(condition) -> sa.ColumnElement:
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    totals = session.exec(
        select(  # type: ignore[call-overload]
            sa.func.count(),
            count_if(placed),
            count_if(person),
            count_if(sa.and_(placed, col(CartVoiceCall.status) == VoiceCallStatus.COMPLETED)),
            count_if(recovered),
            sa.func.avg(sa.case((person, CartVoiceCall.duration), else_=None)),
            sa.func.coalesce(sa.func.sum(sa.case((recovered, Cart.grand_total), else_=0)), 0),
            count_if(accepted),
            count_if(
                col(CartVoiceCall.status).in_((VoiceCallStatus.FAILED, VoiceCallStatus.UNKNOWN))
            ),
        )
        .select_from(CartVoiceCall)
        .join(Cart, col(Cart.id) == col(CartVoiceCall.cart_id))
        .where(attempted)
    ).one()
    outcomes = session.exec(
        select(CartVoiceCall.outcome, sa.func.count())
        .where(attempted, placed, col(CartVoiceCall.outcome).is_not(None))
        .group_by(CartVoiceCall.outcome)
    ).all()
    tried, initiated, answered, completed, won, avg, revenue, discounts, failed = totals
    return VoiceAnalytics(
        calls_attempted=int(tried),
        calls_initiated=int(initiated),
        calls_answered=int(answered),
        calls_completed=int(completed),
        carts_recovered=int(won),
        avg_call_duration=round(float(avg), 1) if avg is not None else 0.0,
        revenue_recovered=to_money(revenue or 0),
        discounts_accepted=int(discounts),
        failed=int(failed),
        by_outcome={str(outcome): int(n) for outcome, n in outcomes},
    )


# --- the call log --------------------------------------------------------------------------


@dataclass(frozen=True)
class CallRow:
    call: CartVoiceCall
    customer_name: str
    cart_total: Decimal
    currency: str

    @property
    def node(self) -> str:
        state = (self.call.script_state or {}).get("state") or {}
        return str(state.get("node") or Node.GREETING)


def list_calls(
    session: Session,
    company_id: str,
    *,
    outcome: VoiceCallOutcome | None = None,
    status: VoiceCallStatus | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[CallRow], int]:
    """The newest calls first, with the shopper's name and the cart's value; and the total."""
    conditions = [col(CartVoiceCall.company_id) == company_id]
    if outcome is not None:
        conditions.append(col(CartVoiceCall.outcome) == outcome)
    if status is not None:
        conditions.append(col(CartVoiceCall.status) == status)
    total = session.exec(select(sa.func.count()).where(*conditions)).one()
    rows = session.exec(
        select(  # type: ignore[call-overload]
            CartVoiceCall, Customer.first_name, Customer.last_name, Cart.grand_total, Cart.currency
        )
        .join(Cart, col(Cart.id) == col(CartVoiceCall.cart_id))
        .outerjoin(Customer, col(Customer.id) == col(CartVoiceCall.customer_id))
        .where(*conditions)
        .order_by(col(CartVoiceCall.initiated_at).desc(), col(CartVoiceCall.id))
        .limit(limit)
        .offset(offset)
    ).all()
    return [
        CallRow(call, " ".join(p for p in (first, last) if p) or "Guest", total_, currency)
        for call, first, last, total_, currency in rows
    ], int(total)


def get_call(session: Session, company_id: str, call_id: str) -> CartVoiceCall | None:
    call = session.get(CartVoiceCall, call_id)
    return call if call is not None and call.company_id == company_id else None
