"""The Inbox page's state: conversations handed to a person, one open thread, the reply."""

from __future__ import annotations

import asyncio
import time

import reflex as rx

from cart_admin.db import session_scope
from cart_admin.domain import auth
from cart_admin.domain.auth import Principal
from cart_admin.domain.chat import conversation as chat
from cart_admin.domain.chat import inbox
from cart_admin.domain.tenancy import NotFound
from cart_admin.models import ChatSessionStatus, Company, User
from cart_admin.models.types import utcnow
from cart_admin.ui import format as fmt
from cart_admin.ui.state import AuthState

REFRESH_SECONDS = 5
WATCH_MINUTES = 30  # the page stops refreshing itself after this long without a click
REASONS = {
    "REQUEST": "Asked for a person",
    "FRUSTRATION": "Frustrated",
    "HIGH_VALUE": "High-value cart",
    "CHURN": "About to leave",
    "AGENT": "Started by the team",
}
ROLES = {"user": "Shopper", "assistant": "Assistant", "agent": "Team", "system": ""}


class InboxState(rx.State):
    show: str = "waiting"  # waiting | all
    conversations: list[dict[str, str]] = []
    waiting: int = 0
    selected: str = ""
    header: dict[str, str] = {}
    thread: list[dict[str, str]] = []
    reply: str = ""
    error: str = ""
    can_write: bool = False
    _watching: bool = False
    _last_click: float = 0.0

    async def _principal(self) -> Principal | None:
        return (await self.get_state(AuthState)).principal()

    def _refresh(self, principal: Principal) -> None:
        with session_scope() as session:
            company = session.get(Company, principal.company_id)
            currency = company.currency if company else "USD"
            status = None if self.show == "all" else ChatSessionStatus.ESCALATED
            rows = inbox.conversations(session, principal.company_id, status=status)
            self.waiting = inbox.waiting_count(session, principal.company_id)
            self.conversations = [
                {
                    "id": r.id,
                    "status": str(r.status),
                    "waiting": "yes" if r.needs_reply else "",
                    "reason": REASONS.get(r.escalation_reason or "", "Assistant only"),
                    "cart": fmt.money(r.cart_value, currency) if r.cart_value is not None else "—",
                    "items": str(r.item_count or 0),
                    "last": r.last_message,
                    "when": fmt.when(r.last_message_at),
                }
                for r in rows
            ]
            if self.selected:
                self._load_thread(session, principal, currency)

    def _load_thread(self, session, principal: Principal, currency: str) -> None:
        try:
            conversation = inbox.conversation(session, principal.company_id, self.selected)
        except NotFound:
            self.selected, self.thread, self.header = "", [], {}
            return
        cart = chat.cart_of(session, conversation)  # the real cart, never what a page sent
        self.header = {
            "id": conversation.id,
            "status": str(conversation.status),
            "reason": REASONS.get(conversation.escalation_reason or "", "Assistant only"),
            "started": fmt.when(conversation.created_at),
            "cart": fmt.money(cart.grand_total, currency) if cart is not None else "",
        }
        self.thread = [
            {
                "role": str(m.role),
                "who": m.author if m.author else ROLES.get(str(m.role), ""),
                "text": m.content,
                "when": fmt.when(m.created_at),
            }
            for m in chat.messages_after(session, conversation)
        ]

    @rx.event
    async def load(self):
        principal = await self._principal()
        if principal is None:
            return
        self.can_write = auth.can_write(principal)
        self.error = ""
        self._last_click = time.monotonic()
        self._refresh(principal)
        if not self._watching:
            self._watching = True
            return InboxState.watch

    @rx.event(background=True)
    async def watch(self):
        """Refresh every few seconds while the inbox is on screen (and someone is there)."""
        try:
            while True:
                await asyncio.sleep(REFRESH_SECONDS)
                async with self:
                    on_page = self.router.url.path.rstrip("/") == "/recovery/inbox"
                    idle = time.monotonic() - self._last_click > WATCH_MINUTES * 60
                    principal = await self._principal()
                    if not on_page or idle or principal is None:
                        return
                    self._refresh(principal)
        finally:  # whatever ended it, the next visit starts a new one
            async with self:
                self._watching = False

    @rx.event
    async def set_show(self, value: str | list[str]):
        if not isinstance(value, str) or value not in ("waiting", "all"):
            return
        self.show = value
        await self._touch()

    async def _touch(self) -> None:
        self._last_click = time.monotonic()
        principal = await self._principal()
        if principal is not None:
            self._refresh(principal)

    @rx.event
    async def select(self, chat_id: str):
        self.selected, self.reply, self.error = chat_id, "", ""
        await self._touch()

    @rx.event
    def set_reply(self, value: str):
        self.reply = value[:2000]
        self.error = ""

    @rx.event
    async def send(self):
        principal = await self._principal()
        if principal is None or not auth.can_write(principal):
            self.error = "Only owners and admins can reply."
            return
        with session_scope() as session:
            try:
                conversation = inbox.conversation(session, principal.company_id, self.selected)
            except NotFound:
                self.error = "That conversation is gone."
                return
            user = session.get(User, principal.user_id) if principal.user_id else None
            author = user.name if user is not None and user.name.strip() else "Support team"
            try:
                chat.reply(session, chat=conversation, author=author, content=self.reply,
                           now=utcnow())  # fmt: skip
            except chat.ChatError as exc:
                self.error = str(exc)
                return
        self.reply = ""
        await self._touch()

    @rx.event
    async def close(self):
        principal = await self._principal()
        if principal is None or not auth.can_write(principal):
            self.error = "Only owners and admins can close conversations."
            return
        with session_scope() as session:
            try:
                conversation = inbox.conversation(session, principal.company_id, self.selected)
            except NotFound:
                return
            chat.close(session, conversation, now=utcnow())
        await self._touch()
