"""The voice page's state: thin over `cart_admin.domain.voice` (form, simulator, reports).

The simulator plays the script on screen (saved or not), so a marketer tries a line before
saving it; what it shows is the engine's own words and TwiML for the chosen cart.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import reflex as rx

from cart_admin.db import session_scope
from cart_admin.domain import auth
from cart_admin.domain.auth import Principal
from cart_admin.domain.recovery_content import preview as content_preview
from cart_admin.domain.save_flow import engine as flow
from cart_admin.domain.save_flow.config import SaveFlowConfig, load_config, save_config
from cart_admin.domain.tenancy import NotFound
from cart_admin.domain.voice import form as voice_form
from cart_admin.domain.voice import outcomes, reports, simulator
from cart_admin.domain.voice.config import (
    PLACEHOLDERS,
    VoiceRecoveryConfig,
    load_voice_config,
    save_voice_config,
)
from cart_admin.domain.voice.facts import call_facts, sample_facts
from cart_admin.domain.voice.matcher import PatternMatcher
from cart_admin.domain.voice.script import State
from cart_admin.domain.voice.service import matchers_from_settings
from cart_admin.models import Cart, Company, VoiceCallOutcome
from cart_admin.models.types import utcnow
from cart_admin.settings import get_settings
from cart_admin.ui import format as fmt
from cart_admin.ui.components import nothing_saved
from cart_admin.ui.state import AuthState

NOT_ALLOWED = "Only a logged-in owner or marketer can change voice recovery."
SAMPLE_CART = "sample"
OUTCOME_LABELS = {str(o): str(o).replace("_", " ").capitalize() for o in VoiceCallOutcome}
EFFECT_LABELS = {
    "APPLY_DISCOUNT": "Applies the discount to the cart (a single-use code)",
    "APPLY_FREE_SHIPPING": "Applies free shipping to the cart (a single-use code)",
    "SEND_LINK": "Texts the recovery link to the number called",
    "WITHDRAW_VOICE_CONSENT": "Takes the number off the call list",
}
QUICK_REPLIES = (
    "Yes, speaking",
    "Sure",
    "It was too expensive",
    "Shipping costs too much",
    "I'm just looking",
    "I'm too busy right now",
    "Yes please",
    "No thanks",
    "Can I talk to a person?",
    "Stop calling me",
)


def _call_row(row: reports.CallRow) -> dict[str, str]:
    call = row.call
    return {
        "id": call.id,
        "when": fmt.when(call.initiated_at),
        "who": row.customer_name,
        "phone": call.to_phone or "",
        "value": fmt.money(row.cart_total, row.currency),
        "status": str(call.status),
        "outcome": OUTCOME_LABELS.get(str(call.outcome), "—") if call.outcome else "—",
        "duration": f"{call.duration // 60}:{call.duration % 60:02d}" if call.duration else "—",
        "sentiment": str(call.sentiment).capitalize() if call.sentiment else "—",
        "script": str(call.script_type).removeprefix("CART_RECOVERY_").capitalize(),
    }


class VoiceState(rx.State):
    can_write: bool = False
    tab: str = "settings"
    channel: str = ""
    # The settings and script form
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    summary: list[str] = []
    notice: str = ""
    changed: bool = False
    follow_ups: list[int] = []
    objections: list[int] = []
    _tried: bool = False
    _flow_cache: dict[str, Any] = {}  # the saved save-flow config the form's fields join
    # Analytics and the call log
    kpis: dict[str, str] = {}
    calls: list[dict[str, str]] = []
    calls_total: int = 0
    outcome_filter: str = "all"
    call: dict[str, str] = {}
    call_turns: list[dict[str, str]] = []
    call_details: list[str] = []
    call_notice: str = ""
    # The simulator
    sim_cart: str = SAMPLE_CART
    sim_carts: list[dict[str, str]] = []
    sim_turns: list[dict[str, str]] = []
    sim_state: dict[str, Any] = {}
    sim_live: bool = False
    sim_outcome: str = ""
    sim_effects: list[str] = []
    sim_input: str = ""
    sim_error: str = ""
    show_twiml: bool = False

    @rx.var
    def placeholders(self) -> list[dict[str, str]]:
        return [{"name": "{{" + k + "}}", "hint": v} for k, v in PLACEHOLDERS.items()]

    @rx.var
    def priority(self) -> list[str]:
        return [p for p in self.values.get("scriptPriority", "").split(",") if p]

    @rx.var
    def calls_off(self) -> str:
        """Why no call is placed with the settings on screen ("" when calls are on)."""
        if self.values.get("enabled") == "false":
            return "Voice recovery is off: no call is placed."
        if self.values.get("nuclear.voiceCallEnabled") == "false":
            return (
                "No call is placed: switch on 'Call in the Nuclear offer stage' (the save "
                "flow's own switch for calls)."
            )
        return ""

    @rx.var
    def priority_rank(self) -> dict[str, str]:
        return {name: f"#{i + 1}" for i, name in enumerate(self.priority)}

    async def _principal(self) -> Principal | None:
        return (await self.get_state(AuthState)).principal()

    async def _writer(self) -> Principal | None:
        principal = await self._principal()
        return principal if principal is not None and auth.can_write(principal) else None

    # --- loading -------------------------------------------------------------------------

    @rx.event
    async def load(self):
        principal = await self._principal()
        if principal is None:
            return
        self.can_write = auth.can_write(principal)
        settings = get_settings()
        self.channel = (
            f"Twilio: calls are placed from {settings.twilio_phone_number}."
            if settings.twilio_account_sid
            and settings.twilio_auth_token
            and settings.twilio_phone_number
            else "Console: Twilio is not configured, so calls are recorded but not dialled. "
            "Try the script in the simulator."
        )
        with session_scope() as session:
            config = load_voice_config(session, principal.company_id)
            flow_config = load_config(session, principal.company_id)
            self.sim_carts = [
                {"id": c.id, "label": content_preview.cart_label(c)}
                for c in content_preview.recent_carts(session, principal.company_id)
            ]
        self._flow_cache = {"config": flow_config.model_dump(mode="json", by_alias=True)}
        self._set_form(config, flow_config)
        self.notice, self.summary, self._tried = "", [], False
        self._load_calls(principal)
        self.reset_simulator()

    def _set_form(self, config: VoiceRecoveryConfig, flow_config: SaveFlowConfig) -> None:
        self.values = voice_form.form_values(config, flow_config)
        self.errors, self.changed = {}, False
        self._count_rules()

    def _count_rules(self) -> None:
        self.follow_ups = list(range(voice_form.rule_count(self.values, FOLLOW_UPS)))
        self.objections = list(range(voice_form.rule_count(self.values, OBJECTIONS)))

    def _load_calls(self, principal: Principal) -> None:
        now = utcnow()
        outcome = None if self.outcome_filter == "all" else VoiceCallOutcome(self.outcome_filter)
        with session_scope() as session:
            rows, total = reports.list_calls(
                session, principal.company_id, outcome=outcome, limit=50
            )
            stats = reports.voice_analytics(
                session, principal.company_id, now - timedelta(days=30), now
            )
        self.calls = [_call_row(r) for r in rows]
        self.calls_total = total
        self.kpis = {
            "calls": fmt.count(stats.calls_initiated),
            "answered": fmt.percent(stats.answer_rate),
            "accepted": fmt.count(stats.discounts_accepted),
            "recovered": fmt.count(stats.carts_recovered),
            "revenue": fmt.money(stats.revenue_recovered),
            "duration": f"{stats.avg_call_duration:.0f} s",
            "failed": fmt.percent(stats.failure_rate),
        }

    @rx.event
    def set_tab(self, tab: str):
        self.tab = tab

    # --- the form ------------------------------------------------------------------------

    def _edit(self, path: str, value: str) -> None:
        if not self.can_write or not voice_form.editable(self.values, path):
            return
        self.values[path] = value[:2000]
        self.changed, self.notice = True, ""
        self._validate()

    def _validate(self) -> voice_form.FormResult | None:
        flow_config = self._flow_for_form()
        if flow_config is None:
            return None
        result = voice_form.validate(self.values, flow_config)
        self.errors = result.errors
        self.summary = voice_form.error_summary(result.errors) if self._tried else []
        return result

    def _flow_for_form(self) -> SaveFlowConfig | None:
        data = self._flow_cache.get("config")
        return SaveFlowConfig.model_validate(data) if data else SaveFlowConfig()

    @rx.event
    def set_value(self, path: str, value: str):
        self._edit(path, value)

    @rx.event
    def set_flag(self, path: str, checked: bool):
        self._edit(path, "true" if checked else "false")

    @rx.event
    def move_script(self, name: str):
        """Move a script type one place up the priority list (the first moves to the end)."""
        order = self.priority
        if name not in order:
            return
        i = order.index(name)
        order.insert(len(order) - 1 if i == 0 else i - 1, order.pop(i))
        self._edit("scriptPriority", ",".join(order))

    @rx.event
    def toggle_script(self, name: str, on: bool):
        order = [p for p in self.priority if p != name]
        if on:
            order.append(name)
        self._edit("scriptPriority", ",".join(order))

    @rx.event
    def add_rule(self, base: str):
        if not self.can_write or base not in voice_form.RULE_LISTS:
            return
        self.values = voice_form.new_rule_values(self.values, base)
        self._count_rules()
        self.changed = True
        self._validate()

    @rx.event
    def remove_rule(self, base: str, index: int):
        if not self.can_write or base not in voice_form.RULE_LISTS:
            return
        self.values = voice_form.without_rule(self.values, base, index)
        self._count_rules()
        self.changed = True
        self._validate()

    @rx.event
    async def save(self):
        principal = await self._writer()
        if principal is None:
            self.notice = NOT_ALLOWED
            return
        self._tried = True
        with session_scope() as session:
            self._flow_cache = {
                "config": load_config(session, principal.company_id).model_dump(
                    mode="json", by_alias=True
                )
            }
        result = self._validate()
        if result is None or result.config is None or result.flow is None:
            self.notice = nothing_saved(len(self.errors))
            return
        with session_scope() as session:
            save_voice_config(session, principal.company_id, result.config)
            save_config(session, principal.company_id, result.flow)
        self._set_form(result.config, result.flow)
        self._tried, self.summary = False, []
        self.notice = "Saved: the next calls follow these settings and this script."

    @rx.event
    async def discard(self):
        return VoiceState.load

    # --- the call log --------------------------------------------------------------------

    @rx.event
    async def set_outcome_filter(self, value: str):
        if value != "all" and value not in OUTCOME_LABELS:
            return
        self.outcome_filter = value
        principal = await self._principal()
        if principal is not None:
            self._load_calls(principal)

    @rx.event
    async def open_call(self, call_id: str):
        principal = await self._principal()
        if principal is None:
            return
        with session_scope() as session:
            call = reports.get_call(session, principal.company_id, call_id)
            if call is None:
                return
            row = next((r for r in self.calls if r["id"] == call_id), None) or {}
            self.call = {
                **row,
                "id": call.id,
                "error": call.error_message or "",
                "answered_by": call.answered_by or "",
                "outcome_value": str(call.outcome) if call.outcome else "",
            }
            self.call_turns = [
                {"role": t.get("role", ""), "text": t.get("text", ""), "note": _turn_note(t)}
                for t in call.transcript or []
            ]
            self.call_details = _detail_lines(call.details or {}, call.offer)
        self.call_notice = ""

    @rx.event
    def close_call(self):
        self.call, self.call_turns, self.call_details = {}, [], []

    @rx.event
    async def record_outcome(self, outcome: str):
        principal = await self._writer()
        if principal is None or not self.call:
            self.call_notice = NOT_ALLOWED
            return
        if outcome not in OUTCOME_LABELS:
            return
        try:
            with session_scope() as session:
                outcomes.record_outcome(
                    session,
                    company_id=principal.company_id,
                    call_id=self.call["id"],
                    outcome=VoiceCallOutcome(outcome),
                    note=None,
                    now=utcnow(),
                    by=principal.user_id,
                )
        except (NotFound, flow.FlowError) as exc:
            self.call_notice = str(exc)
            return
        self._load_calls(principal)
        call_id = self.call["id"]
        await self.open_call(call_id)
        self.call_notice = f"Outcome recorded: {OUTCOME_LABELS[outcome]}."

    # --- the simulator -------------------------------------------------------------------

    @rx.event
    def reset_simulator(self):
        self.sim_turns, self.sim_state, self.sim_live = [], {}, False
        self.sim_outcome, self.sim_effects, self.sim_input, self.sim_error = "", [], "", ""

    @rx.event
    def choose_cart(self, value: str):
        if value == SAMPLE_CART or any(c["id"] == value for c in self.sim_carts):
            self.sim_cart = value
            self.reset_simulator()

    @rx.event
    def set_sim_input(self, value: str):
        self.sim_input = value[:500]

    @rx.event
    def toggle_twiml(self, on: bool):
        self.show_twiml = on

    async def _script_and_facts(self):
        """The script on screen, the facts of the chosen cart, and the matcher a real call of
        this company would use (Claude within the budget, for a role that may spend it)."""
        principal = await self._principal()
        if principal is None:
            return None
        with session_scope() as session:
            flow_config = load_config(session, principal.company_id)
            self._flow_cache = {"config": flow_config.model_dump(mode="json", by_alias=True)}
            result = voice_form.validate(self.values, flow_config)
            if result.config is None or result.flow is None:
                self.sim_error = (
                    "The script on screen has errors: fix them to try it "
                    "(see the Settings and Script tabs)."
                )
                return None
            company = session.get(Company, principal.company_id)
            assert company is not None
            cart = session.get(Cart, self.sim_cart) if self.sim_cart != SAMPLE_CART else None
            if cart is not None and cart.company_id == principal.company_id:
                facts = call_facts(
                    session,
                    cart=cart,
                    attempt=flow.latest_attempt(session, cart.id),
                    company=company,
                    config=result.config,
                    flow_config=result.flow,
                )
            else:
                facts = sample_facts(company.name, result.config, result.flow)
        return result.config.script, facts

    def _show(self, turn: simulator.SimTurn) -> None:
        if turn.heard is not None or self.sim_turns:
            self.sim_turns.append(
                {
                    "role": "customer",
                    "text": turn.heard or "(silence)",
                    "note": (
                        f"understood as {turn.understood_as}"
                        if turn.understood_as
                        else "not understood"
                        if turn.heard
                        else "no answer"
                    ),
                    "twiml": "",
                }
            )
        for index, line in enumerate(turn.say):
            last = index == len(turn.say) - 1
            self.sim_turns.append(
                {"role": "agent", "text": line, "note": "", "twiml": turn.twiml if last else ""}
            )
        if turn.transfer_to:
            self.sim_turns.append(
                {
                    "role": "system",
                    "text": f"Transferred to {turn.transfer_to}",
                    "note": "",
                    "twiml": "",
                }
            )
        self.sim_state = turn.state.as_dict()
        self.sim_live = turn.listening
        self.sim_effects = [
            *self.sim_effects,
            *[EFFECT_LABELS[e] for e in turn.effects if EFFECT_LABELS[e] not in self.sim_effects],
        ]
        outcome = turn.state.outcome
        self.sim_outcome = OUTCOME_LABELS[str(outcome)] if outcome else ""
        if not turn.listening:
            self.sim_turns.append(
                {"role": "system", "text": "The call ends.", "note": "", "twiml": ""}
            )

    @rx.event
    async def start_call(self, machine: bool):
        self.reset_simulator()
        found = await self._script_and_facts()
        if found is None:
            return
        script, facts = found
        base = get_settings().callback_base_url
        self._show(simulator.start(script, facts, base_url=base, machine=machine))

    @rx.event
    async def reply(self, text: str):
        if not self.sim_live:
            return
        found = await self._script_and_facts()
        if found is None:
            return
        script, facts = found
        state = State.from_dict(self.sim_state)
        settings = get_settings()
        self.sim_input = ""
        principal = await self._writer()
        with session_scope() as session:  # the usage ledger records Claude's requests
            matcher = (
                matchers_from_settings(settings)(session, principal.company_id, utcnow())
                if principal is not None
                else PatternMatcher()
            )
            turn = simulator.answer(
                script,
                facts,
                state,
                text[:500],
                base_url=settings.callback_base_url,
                matcher=matcher,
            )
        self._show(turn)

    @rx.event
    async def reply_typed(self, form_data: dict):
        text = str(form_data.get("utterance", "")).strip()
        if text:
            await self.reply(text)


FOLLOW_UPS = "script.diagnosis.followUps"
OBJECTIONS = "script.objectionHandling.patterns"


def _turn_note(turn: dict) -> str:
    if turn.get("role") != "customer" or "intent" not in turn:
        return ""  # the agent, or a call recorded without matching (imported, demo)
    if turn.get("rule"):
        return f"understood as {turn['rule']} ({turn.get('by', 'pattern')})"
    if turn.get("intent"):
        return f"understood as {turn['intent']} ({turn.get('by', 'pattern')})"
    return "not understood"


def _detail_lines(details: dict, offer: dict | None) -> list[str]:
    lines = []
    if details.get("placedBy"):
        lines.append(f"Placed by: {details['placedBy']}")
    if details.get("codeApplied"):
        lines.append(
            f"Applied {details.get('offerLabel', 'the offer')} with code {details['codeApplied']}"
        )
    if details.get("linkSentAt"):
        lines.append(f"Recovery link texted: {details.get('linkBody', '')}")
    if details.get("linkError"):
        lines.append(f"The link could not be texted: {details['linkError']}")
    if details.get("voiceConsentWithdrawnAt"):
        lines.append("The shopper asked not to be called again: voice consent withdrawn.")
    for entry in details.get("outcomeHistory", []):
        lines.append(f"Outcome set to {entry.get('outcome')} by a team member")
    if offer and offer.get("label") and not details.get("codeApplied"):
        lines.append(f"Offer the call could make: {offer['label']}")
    return lines
