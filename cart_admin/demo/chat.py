"""Three checkout chats of the last days, so the Inbox shows what it is for: one waiting for a
reply, one a person resolved, one the assistant answered alone (from the demo policies)."""

from __future__ import annotations

from datetime import datetime, timedelta

from cart_admin.demo import policies
from cart_admin.demo.world import DemoCart, World, money_str
from cart_admin.domain.chat.config import DEFAULT_WELCOME
from cart_admin.domain.chat.conversation import ESCALATED_NOTE
from cart_admin.models import CartStatus, ChatMessage, ChatRole, ChatSession, ChatSessionStatus

# (role, text, minutes after the start); the assistant's answers are the policies' own words.
WAITING = (
    (ChatRole.USER, "Do you ship to Canada?", 1),
    (ChatRole.ASSISTANT, policies.SHIPPING.split("\n\n")[1], 1),
    (ChatRole.USER, "Will there be customs fees on my side?", 2),
    (ChatRole.ASSISTANT, "I'm not sure about that one, and I'd rather not guess. "
                         "Would you like me to ask a team member?", 2),
    (ChatRole.USER, "Yes please, can I talk to someone?", 3),
    (ChatRole.SYSTEM, ESCALATED_NOTE, 3),
)  # fmt: skip
RESOLVED = (
    (ChatRole.USER, "I've tried three codes and none of them work!!! This is ridiculous", 1),
    (ChatRole.SYSTEM, ESCALATED_NOTE, 1),
    (ChatRole.AGENT, "Sorry for the trouble! Codes from coupon sites often aren't ours. SAVE5 "
                     "takes $5 off orders over $30: type it in the code field of your cart.", 6),
    (ChatRole.USER, "That worked, thanks Leo!", 8),
)  # fmt: skip
ANSWERED = (
    (ChatRole.USER, "What's your return policy?", 1),
    (ChatRole.ASSISTANT, policies.RETURNS.split("\n\n")[0], 1),
)


def add_chat_rows(world: World) -> None:
    recent = sorted(
        (c for c in world.carts if c.status in (CartStatus.ACTIVE, CartStatus.ABANDONED)),
        key=lambda c: c.last_activity_at,
        reverse=True,
    )
    if len(recent) < 3:
        return
    _conversation(world, recent[0], WAITING, ChatSessionStatus.ESCALATED, "REQUEST", True)
    _conversation(world, recent[1], RESOLVED, ChatSessionStatus.CLOSED, "FRUSTRATION", False)
    _conversation(world, recent[2], ANSWERED, ChatSessionStatus.OPEN, None, False)


def _conversation(
    world: World,
    cart: DemoCart,
    script: tuple,
    status: ChatSessionStatus,
    reason: str | None,
    waiting: bool,
) -> None:
    start: datetime = cart.last_activity_at - timedelta(minutes=10)
    chat_id = world.rng.hex_id()
    turns = [(ChatRole.ASSISTANT, DEFAULT_WELCOME, 0), *script]
    last = start + timedelta(minutes=turns[-1][2])
    escalated = next((start + timedelta(minutes=t[2]) for t in turns if t[0] is ChatRole.SYSTEM),
                     None)  # fmt: skip
    world.rows.add(
        ChatSession,
        id=chat_id,
        company_id=world.company_id,
        token=world.rng.token(24),
        cart_id=cart.id,
        landing_page_id=cart.page.id,
        channel="CHECKOUT_CHAT",
        status=status,
        context={"cartValue": money_str(cart.totals.grand), "itemCount": cart.item_count},
        escalated_at=escalated,
        escalation_reason=reason,
        needs_reply=waiting,
        last_message_at=last,
        discount_code_id=None,
        created_at=start,
        updated_at=last,
    )
    for seq, (role, text, minutes) in enumerate(turns, start=1):
        answered = not text.startswith("I'm not sure")
        world.rows.add(
            ChatMessage,
            id=world.rng.hex_id(),
            company_id=world.company_id,
            chat_session_id=chat_id,
            seq=seq,
            role=role,
            content=text,
            actions=[],
            source={ChatRole.AGENT: "person", ChatRole.SYSTEM: "escalation"}.get(role, "policy"),
            author="Leo Park" if role is ChatRole.AGENT else None,
            details={"answered": answered} if role is ChatRole.ASSISTANT else None,
            created_at=start + timedelta(minutes=minutes),
        )
