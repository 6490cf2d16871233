"""The Checkout help page's state: one form over the churn, chat and policy settings."""

from __future__ import annotations

from datetime import timedelta

import reflex as rx

from cart_admin.db import session_scope
from cart_admin.domain import auth, checkout_form
from cart_admin.domain.auth import Principal
from cart_admin.domain.chat.config import load_chat_config, save_chat_config
from cart_admin.domain.chat.policies import load_policies, save_policies
from cart_admin.domain.churn.config import load_churn_config, save_churn_config
from cart_admin.domain.churn.reports import intervention_stats
from cart_admin.models.types import utcnow
from cart_admin.settings import get_settings
from cart_admin.ui import format as fmt
from cart_admin.ui.components import nothing_saved
from cart_admin.ui.state import AuthState

NOT_ALLOWED = "Only owners and admins can change these settings."
KIND_LABELS = {
    "EXIT_INTENT": "Exit-intent offer",
    "FREE_SHIPPING_OFFER": "Free shipping on shipping shock",
    "DISCOUNT_HELP": "Chat invitation: code trouble",
    "CHECKOUT_HELP": "Chat invitation: checkout trouble",
    "PERCENTAGE_DISCOUNT": "Discount given in the chat",
}


class CheckoutHelpState(rx.State):
    can_write: bool = False
    tab: str = "interventions"
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    summary: list[str] = []
    notice: str = ""
    changed: bool = False
    answerer: str = ""
    stats: list[dict[str, str]] = []
    _tried: bool = False

    async def _principal(self) -> Principal | None:
        return (await self.get_state(AuthState)).principal()

    @rx.event
    async def load(self):
        principal = await self._principal()
        if principal is None:
            return
        self.can_write = auth.can_write(principal)
        with session_scope() as session:
            rows = intervention_stats(session, principal.company_id, utcnow() - timedelta(days=30))
            settings = checkout_form.Settings(
                churn=load_churn_config(session, principal.company_id),
                chat=load_chat_config(session, principal.company_id),
                policies=load_policies(session, principal.company_id),
            )
        self.stats = [
            {
                "kind": KIND_LABELS[str(r.type)],
                "shown": fmt.count(r.shown),
                "accepted": fmt.count(r.accepted),
                "dismissed": fmt.count(r.dismissed),
                "converted": fmt.count(r.converted),
                "rate": fmt.percent(r.conversion_rate) if r.shown else "—",
            }
            for r in rows
        ]
        self.values = checkout_form.form_values(settings)
        self.errors, self.summary, self.notice = {}, [], ""
        self.changed, self._tried = False, False
        app = get_settings()
        self.answerer = (
            "Claude answers, grounded in these policies (ANTHROPIC_API_KEY is set); "
            "the policy search takes over if it fails or the month's AI budget is spent."
            if app.anthropic_api_key
            else "Answers come from these policies by search (no ANTHROPIC_API_KEY is set)."
        )
        if not app.enable_churn_detection:
            self.answerer += " ENABLE_CHURN_DETECTION=false: no signals are tracked."

    @rx.event
    def set_tab(self, tab: str):
        self.tab = tab

    def _edit(self, path: str, value: str) -> None:
        if not self.can_write or path not in checkout_form.FIELDS:
            return
        self.values[path] = value[:8000]
        self.changed, self.notice = True, ""
        result = checkout_form.validate(self.values)
        self.errors = result.errors
        self.summary = checkout_form.error_summary(result.errors) if self._tried else []

    @rx.event
    def set_value(self, path: str, value: str):
        self._edit(path, value)

    @rx.event
    def set_flag(self, path: str, checked: bool):
        self._edit(path, "true" if checked else "false")

    @rx.event
    async def save(self):
        principal = await self._principal()
        if principal is None or not auth.can_write(principal):
            self.notice = NOT_ALLOWED
            return
        self._tried = True
        result = checkout_form.validate(self.values)
        self.errors = result.errors
        self.summary = checkout_form.error_summary(result.errors)
        if result.settings is None:
            self.notice = nothing_saved(len(result.errors))
            return
        with session_scope() as session:
            save_churn_config(session, principal.company_id, result.settings.churn)
            save_chat_config(session, principal.company_id, result.settings.chat)
            save_policies(session, principal.company_id, result.settings.policies, now=utcnow())
        self.values = checkout_form.form_values(result.settings)
        self.changed, self._tried, self.summary = False, False, []
        self.notice = "Saved: storefronts use these settings from their next page load."

    @rx.event
    async def discard(self):
        return CheckoutHelpState.load
