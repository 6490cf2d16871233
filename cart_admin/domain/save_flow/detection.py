"""The periodic sweeps: carts that went quiet, attempts that stalled, attempts that ran out.

Each sweep is safe to run in several workers at once: a cart is marked abandoned with a
conditional UPDATE (only one worker wins it), and starting or advancing an attempt is guarded
by the attempt's unique indexes and row lock.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from cart_admin.domain.save_flow import engine as flow
from cart_admin.domain.save_flow.config import SaveFlowConfig, load_config
from cart_admin.models import (
    Cart,
    CartIntervention,
    CartSaveAttempt,
    CartSaveOutcome,
    CartSaveStatus,
    CartStatus,
)

log = logging.getLogger(__name__)

MIN_IDLE = timedelta(minutes=5)  # no company's setting is shorter
ATTEMPT_GRACE = timedelta(days=7)  # after the last stage: time to come back and buy


def detect_abandoned(session: Session, *, now: datetime, limit: int = 500) -> dict[str, int]:
    """Quiet carts with items become ABANDONED; their attempt starts, or resumes if paused."""
    candidates = session.exec(
        select(Cart)
        .where(
            col(Cart.status) == CartStatus.ACTIVE,
            col(Cart.item_count) > 0,
            col(Cart.last_activity_at) < now - MIN_IDLE,
        )
        .order_by(col(Cart.last_activity_at))
        .limit(limit)
    ).all()
    configs: dict[str, SaveFlowConfig] = {}
    counts = {"abandoned": 0, "started": 0, "resumed": 0}
    for cart in candidates:
        config = configs.get(cart.company_id) or load_config(session, cart.company_id)
        configs[cart.company_id] = config
        idle_since = now - timedelta(minutes=config.abandonment_minutes)
        if cart.last_activity_at >= idle_since:
            continue
        moment = cart.last_activity_at + timedelta(minutes=config.abandonment_minutes)
        won = session.execute(
            sa.update(Cart)
            .where(
                col(Cart.id) == cart.id,
                col(Cart.status) == CartStatus.ACTIVE,
                col(Cart.last_activity_at) == cart.last_activity_at,
            )
            .values(status=CartStatus.ABANDONED, abandoned_at=sa.func.coalesce(
                col(Cart.abandoned_at), moment), updated_at=now)
        )  # fmt: skip
        if won.rowcount != 1:  # type: ignore[attr-defined]
            continue  # another worker took it, or the shopper came back just now
        counts["abandoned"] += 1
        session.refresh(cart)
        paused = flow.active_attempt(session, cart.id)
        if paused is not None:
            flow.resume(session, paused, now=min(moment, now))  # quiet since `moment`
            counts["resumed"] += 1
        elif config.enabled and flow.latest_attempt(session, cart.id) is None:
            try:
                flow.initiate(session, cart=cart, now=now, config=config)
            except flow.FlowError as error:
                log.info("cart %s not started: %s", cart.id, error)
                continue
            counts["started"] += 1
    session.flush()
    return counts


def rescue_stalled(session: Session, *, now: datetime, limit: int = 200) -> int:
    """Running attempts with nothing pending (a crash between steps) move on."""
    pending = select(CartIntervention.id).where(
        col(CartIntervention.cart_save_attempt_id) == col(CartSaveAttempt.id),
        col(CartIntervention.status).in_(flow.PENDING),
    )
    stalled = session.exec(
        select(CartSaveAttempt.id)
        .where(
            col(CartSaveAttempt.status) == CartSaveStatus.IN_PROGRESS,
            col(CartSaveAttempt.is_holdout).is_(False),
            col(CartSaveAttempt.updated_at) < now - timedelta(minutes=1),
            ~pending.exists(),
        )
        .limit(limit)
    ).all()
    for attempt_id in stalled:
        flow.advance_if_stage_done(session, attempt_id, now=now)
    return len(stalled)


def flow_length(config: SaveFlowConfig) -> timedelta:
    winback = config.stages.winback_sequence
    minutes = max(config.stage(s.key).delay_minutes for s in config.enabled_stages())
    tail = timedelta(days=winback.sequence_days) if winback.enabled else timedelta(0)
    return timedelta(minutes=minutes) + tail + ATTEMPT_GRACE


def expire_attempts(session: Session, *, now: datetime, limit: int = 500) -> int:
    """Attempts older than their company's whole flow (plus a grace week) end as EXPIRED."""
    rows = session.exec(
        select(CartSaveAttempt)
        .where(
            col(CartSaveAttempt.status).in_(flow.ACTIVE),
            col(CartSaveAttempt.started_at) < now - ATTEMPT_GRACE,
        )
        .order_by(col(CartSaveAttempt.started_at))
        .limit(limit)
    ).all()
    configs: dict[str, SaveFlowConfig] = {}
    expired = 0
    for attempt in rows:
        config = configs.setdefault(attempt.company_id, load_config(session, attempt.company_id))
        if attempt.started_at + flow_length(config) < now:
            flow.complete(session, attempt, CartSaveOutcome.EXPIRED, now=now)
            expired += 1
    return expired
