"""Intervention rows: one message of a stage, and what happened to it after it was sent.

Timestamps always run scheduled <= sent <= delivered <= opened <= clicked <= converted, never
past `now`; the status is the furthest step reached.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from cart_admin.demo.world import DemoCart, World
from cart_admin.models import CartIntervention, CartSaveStage, Channel, InterventionType
from cart_admin.models import InterventionStatus as St
from cart_admin.models.types import to_money

FAILURE_RATE = 0.03
DELIVERY_RATE = 0.97
OPEN_RATES = {Channel.EMAIL: 0.45, Channel.SMS: 0.3, Channel.PUSH: 0.25, Channel.IN_APP: 0.4}
CLICK_RATES = {Channel.EMAIL: 0.22, Channel.SMS: 0.3, Channel.PUSH: 0.25, Channel.IN_APP: 0.35}
ERRORS = {
    Channel.EMAIL: "550 5.1.1 Mailbox unavailable",
    Channel.SMS: "30003 Unreachable destination handset",
    Channel.PUSH: "Push subscription expired",
    Channel.IN_APP: "Shopper did not return to the store",
}
NO_EVENTS: dict[str, Any] = {
    "sent_at": None,
    "delivered_at": None,
    "opened_at": None,
    "clicked_at": None,
    "executed_at": None,
    "converted_at": None,
    "error_message": None,
    "response_type": None,
    "response_data": None,
    "delivery_attempts": 0,
}


def timeline(
    world: World,
    channel: Channel,
    scheduled: datetime,
    *,
    failed: bool = False,
    goal_at: datetime | None = None,
    converts: bool = False,
) -> dict[str, Any]:
    """A sent message's events; `goal_at` is when the shopper acted on it (clicked or bought)."""
    rng = world.rng
    if failed:
        return {**NO_EVENTS, "status": St.FAILED, "error_message": ERRORS[channel],
                "delivery_attempts": 3}  # fmt: skip
    sent = min(scheduled + rng.seconds(0, 90), world.now)
    events: tuple[datetime | None, datetime | None, datetime | None] = (
        _path_to(world, sent, goal_at, converts=converts)
        if goal_at is not None
        else _engagement(world, channel, sent)
    )
    delivered = _by_now(world, events[0])
    opened = _by_now(world, events[1]) if delivered else None
    clicked = _by_now(world, events[2]) if opened else None
    return {
        **NO_EVENTS,
        "status": _status(delivered, opened, clicked, converted=converts and goal_at is not None),
        "sent_at": sent,
        "delivered_at": delivered,
        "opened_at": opened,
        "clicked_at": clicked,
        "converted_at": goal_at if converts else None,
        "delivery_attempts": 1,
    }


def _path_to(
    world: World, sent: datetime, goal_at: datetime, *, converts: bool
) -> tuple[datetime, datetime, datetime]:
    """Delivered, opened and clicked before the goal (a purchase after a click, or the click)."""
    rng = world.rng
    delivered = sent + rng.seconds(2, 30)
    span = int((goal_at - delivered).total_seconds())
    clicked = goal_at - rng.seconds(1, max(1, min(span // 2, 1500))) if converts else goal_at
    opened = delivered + rng.seconds(0, (clicked - delivered).total_seconds())
    return delivered, opened, clicked


def _engagement(
    world: World, channel: Channel, sent: datetime
) -> tuple[datetime | None, datetime | None, datetime | None]:
    """What a shopper who did not act on the message still did with it."""
    rng = world.rng
    delivered = sent + rng.seconds(2, 60) if rng.chance(DELIVERY_RATE) else None
    opened = clicked = None
    if delivered and rng.chance(OPEN_RATES[channel]):
        opened = delivered + timedelta(seconds=int(rng.expovariate(1 / 5400)))
    if opened and rng.chance(CLICK_RATES[channel]):
        clicked = opened + rng.seconds(5, 600)
    return delivered, opened, clicked


def _status(
    delivered: datetime | None,
    opened: datetime | None,
    clicked: datetime | None,
    *,
    converted: bool,
) -> St:
    if converted:
        return St.CONVERTED
    if clicked:
        return St.CLICKED
    if opened:
        return St.OPENED
    return St.DELIVERED if delivered else St.SENT


def add_intervention(
    world: World,
    *,
    attempt_id: str,
    cart: DemoCart,
    stage: CartSaveStage,
    kind: InterventionType,
    channels: list[Channel],
    scheduled: datetime,
    content: dict[str, Any],
    triggers: list[str],
    offer: dict[str, Any] | None,
    events: dict[str, Any] | None,
) -> dict[str, Any]:
    """One row per channel (as the engine keeps them); `events=None` means still scheduled.

    Returns the first channel's row.
    """
    events = events or {**NO_EVENTS, "status": St.SCHEDULED}
    moments = [v for k, v in events.items() if k.endswith("_at") and v is not None]
    rows = []
    for index, channel in enumerate(channels):
        if index == 1:  # the shopper engaged with the first channel's message only
            events = _delivered_only(events)
        slot = (attempt_id, stage, channel)
        step = world.steps.get(slot, 0)
        world.steps[slot] = step + 1
        rows.append(
            world.rows.add(
                CartIntervention,
                id=world.rng.hex_id(),
                company_id=world.company_id,
                cart_id=cart.id,
                cart_save_attempt_id=attempt_id,
                stage=stage,
                step=step,
                channel=channel,
                channels=[str(channel)],
                tracking_token=world.rng.hex_id()[:22],
                type=kind,
                content=content,
                triggers_used=triggers,
                offer_included=offer,
                offer_id=offer["id"] if offer else None,
                offer_code=offer.get("code") if offer else None,
                offer_value=to_money(offer["amount"]) if offer else None,
                scheduled_at=scheduled,
                lease_owner=None,
                lease_expires_at=None,
                lease_token=0,
                created_at=scheduled,
                updated_at=max([scheduled, *moments]),
                **events,
            )
        )
    return rows[0]


def _delivered_only(events: dict[str, Any]) -> dict[str, Any]:
    if events["status"] in (St.SCHEDULED, St.FAILED, St.CANCELLED):
        return events
    quiet = {**events, "opened_at": None, "clicked_at": None, "converted_at": None}
    quiet.update(response_type=None, response_data=None) if "response_data" in events else None
    quiet["status"] = St.DELIVERED if events.get("delivered_at") else St.SENT
    return quiet


def _by_now(world: World, moment: datetime | None) -> datetime | None:
    """An event that would happen after `now` has not happened yet."""
    return moment if moment is not None and moment <= world.now else None
