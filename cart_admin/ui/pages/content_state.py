"""The content page's state: thin over `recovery_content` (settings, preview, versions).

The page previews one slot at a time (a stage, and the reason for the branching stage) on a
real cart of the company; Claude writes only when asked, since that spends tokens.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import reflex as rx
from pydantic import ValidationError

from cart_admin.channels.ai import ai_completer_from_settings
from cart_admin.db import get_engine, session_scope
from cart_admin.domain import ai_budget, auth
from cart_admin.domain.auth import Principal
from cart_admin.domain.recovery_content import preview as content_preview
from cart_admin.domain.recovery_content import versions
from cart_admin.domain.recovery_content.pinned import FIELDS, to_placeholders
from cart_admin.domain.recovery_content.settings import read_settings, save_settings
from cart_admin.domain.recovery_content.writer import ClaudeWriter
from cart_admin.domain.save_flow.config import field_errors
from cart_admin.domain.save_flow.content import InterventionContent
from cart_admin.domain.save_flow.stages import STAGES, spec
from cart_admin.models import CartAbandonmentReason as R
from cart_admin.models import CartSaveStage as S
from cart_admin.models.enums import AIPurpose
from cart_admin.models.types import utcnow
from cart_admin.settings import get_settings
from cart_admin.ui.state import AuthState

NOT_ALLOWED = "Only a logged-in owner or marketer can change recovery content."
STAGE_OPTIONS = [(str(s.stage), f"{i + 1}. {s.title}") for i, s in enumerate(STAGES)]
REASON_OPTIONS = [(str(r), str(r).replace("_", " ").capitalize()) for r in R]
EMPTY_EDIT = dict.fromkeys(FIELDS, "")


def _rendered(found: content_preview.Rendered | None) -> dict[str, str]:
    if found is None:
        return {}
    c = found.content
    usage = c.usage or {}
    return {
        "subject": c.subject, "preheader": c.preheader, "headline": c.headline, "body": c.body,
        "cta": c.cta, "sms": c.sms, "sms_text": found.sms_text,
        "segments": str(found.sms_segments), "writer": c.writer,
        "triggers": ", ".join(c.triggers_applied) or "none",
        "failures": "\n".join(str(f) for f in found.failures),
        "notes": " ".join(c.notes),
        "tokens": (f"{usage.get('inputTokens', 0)} in / {usage.get('outputTokens', 0)} out · "
                   f"${usage.get('costUsd', '0')}") if usage else "",
    }  # fmt: skip


class ContentState(rx.State):
    can_write: bool = False
    ai_configured: bool = False
    # Settings
    brand_voice: str = "friendly"
    ai_enabled: bool = True
    budget: str = ""
    sms_segments: str = "2"
    settings_errors: dict[str, str] = {}
    settings_notice: str = ""
    usage: dict[str, str] = {}
    usage_rows: list[dict[str, str]] = []
    usage_percent: int = 0
    # The slot and its preview
    stage: str = str(S.NUCLEAR_OFFER)
    reason: str = str(R.TOO_EXPENSIVE)
    cart_id: str = ""
    carts: list[dict[str, str]] = []
    cart_label: str = ""
    offer: str = ""
    triggers: list[dict[str, str]] = []
    template: dict[str, str] = {}
    ai: dict[str, str] = {}
    ai_notes: list[str] = []
    generating: bool = False
    # Pinned versions (placeholders) and the A/B experiment
    edit_a: dict[str, str] = EMPTY_EDIT
    edit_b: dict[str, str] = EMPTY_EDIT
    errors_a: dict[str, str] = {}
    errors_b: dict[str, str] = {}
    pinned_a: bool = False
    pinned_b: bool = False
    open_a: bool = False  # the editor shows (pinned, or the marketer chose to write one)
    open_b: bool = False
    rendered_a: dict[str, str] = {}
    rendered_b: dict[str, str] = {}
    split: str = "0"
    stats: list[dict[str, str]] = []
    stage_tone: str = ""  # "" : the stage's own
    stage_urgency: str = "default"
    default_style: str = ""
    notice: str = ""
    _previewed_at: str = ""  # the moment and cart the preview was built for: pin those
    _previewed_cart: str = ""

    @rx.var
    def is_branching(self) -> bool:
        return self.stage == str(S.BRANCHING_INTERVENTION)

    async def _principal(self, *, write: bool = False) -> Principal | None:
        principal = (await self.get_state(AuthState)).principal()
        if principal is None or (write and not auth.can_write(principal)):
            return None
        return principal

    def _slot(self) -> tuple[S, R | None]:
        stage = S(self.stage)
        return stage, R(self.reason) if stage is S.BRANCHING_INTERVENTION else None

    @rx.event
    async def load(self):
        principal = await self._principal()
        if principal is None:
            return
        self.can_write = auth.can_write(principal)
        self.ai_configured = bool(get_settings().anthropic_api_key)
        with session_scope() as session:
            form = read_settings(session, principal.company_id)
            self.carts = [
                {"id": c.id, "label": content_preview.cart_label(c)}
                for c in content_preview.recent_carts(session, principal.company_id)
            ]
        self.brand_voice = str(form.brand_voice)
        self.ai_enabled = form.ai_enabled
        self.budget = str(form.monthly_token_budget)
        self.sms_segments = str(form.sms_max_segments)
        self.settings_errors, self.settings_notice, self.notice = {}, "", ""
        self.ai, self.ai_notes = {}, []
        self._refresh(principal)

    def _refresh(self, principal: Principal) -> None:
        """Usage, the slot's template and pinned previews, the pinned editors, A/B stats."""
        stage, reason = self._slot()
        now = utcnow()
        with session_scope() as session:
            summary = ai_budget.usage_summary(session, principal.company_id, now)
            carts = content_preview.recent_carts(session, principal.company_id, 1)
            found = content_preview.preview_slot(session, company_id=principal.company_id,
                                                 stage=stage, reason=reason, now=now,
                                                 cart_id=self.cart_id or None)  # fmt: skip
            form = read_settings(session, principal.company_id)
            pinned = {v: versions.find_version(session, principal.company_id, stage, reason, v)
                      for v in versions.VARIANTS}  # fmt: skip
            stats = versions.variant_stats(session, principal.company_id, stage)
        self.usage = {"tokens": f"{summary.tokens:,}", "budget": f"{summary.budget_tokens:,}",
                      "cost": f"${summary.cost_usd:.4f}", "requests": str(summary.requests),
                      "failed": str(summary.failed_requests), "month": summary.month}  # fmt: skip
        self.usage_percent = int(summary.percent_used)
        self.usage_rows = [{"purpose": p.purpose.replace("_", " ").lower(),
                            "requests": str(p.requests), "tokens": f"{p.tokens:,}",
                            "cost": f"${p.cost_usd:.4f}"} for p in summary.by_purpose]  # fmt: skip
        self.cart_label = found.cart_label
        self._previewed_at = now.isoformat()
        self._previewed_cart = self.cart_id or (carts[0].id if carts else "")
        self.offer = found.ctx.offer.label if found.ctx.offer else "No offer at this stage"
        self.triggers = [{"trigger": t["trigger"], "evidence": t["evidence"]}
                         for t in found.as_dict()["triggers"]]  # fmt: skip
        self.template = _rendered(found.template)
        self.rendered_a = _rendered(found.pinned.get("A"))
        self.rendered_b = _rendered(found.pinned.get("B"))
        for variant, row in pinned.items():
            values = {f: getattr(row, f) for f in FIELDS} if row else dict(EMPTY_EDIT)
            setattr(self, f"edit_{variant.lower()}", values)
            setattr(self, f"pinned_{variant.lower()}", row is not None)
            setattr(self, f"open_{variant.lower()}", row is not None)
            setattr(self, f"errors_{variant.lower()}", {})
        self.split = str(form.experiments.get(stage, 0))
        style = form.stage_styles.get(stage)
        self.stage_tone = style.tone if style else ""
        self.stage_urgency = str(style.urgency) if style and style.urgency else "default"
        own = spec(stage)
        self.default_style = f"The stage's own: {own.tone}, {own.urgency} urgency."
        self.stats = [{k: "—" if v is None else str(v) for k, v in s.items()} for s in stats]

    @rx.event
    async def choose(self, what: str, value: str):
        principal = await self._principal()
        if principal is None:
            return
        if what == "stage" and value in S.__members__:
            self.stage = value
        elif what == "reason" and value in R.__members__:
            self.reason = value
        elif what == "cart" and (value == "" or any(c["id"] == value for c in self.carts)):
            self.cart_id = value
        self.ai, self.ai_notes, self.notice = {}, [], ""
        self._refresh(principal)

    @rx.event
    async def generate_ai(self):
        principal = await self._principal(write=True)
        if principal is None:
            self.notice = NOT_ALLOWED
            return
        settings = get_settings()
        completer = ai_completer_from_settings(
            settings, timeout=settings.ai_content_timeout_seconds
        )
        if completer is None:
            self.ai_notes = ["No ANTHROPIC_API_KEY is configured: templates write every message."]
            return
        self.generating = True
        yield
        stage, reason = self._slot()
        claude = ClaudeWriter(completer, get_engine(), purpose=AIPurpose.CONTENT_PREVIEW)
        try:
            with session_scope() as session:
                found = content_preview.preview_slot(
                    session, company_id=principal.company_id, stage=stage, reason=reason,
                    now=utcnow(), cart_id=self.cart_id or None, claude=claude)  # fmt: skip
            self.ai = _rendered(found.ai)
            self.ai_notes = found.ai_notes
        finally:
            self.generating = False
        self._refresh(principal)

    @rx.event
    async def pin(self, source: str, variant: str):
        """Pin the template's or Claude's preview, with the cart's facts as placeholders."""
        principal = await self._principal(write=True)
        shown = self.template if source == "template" else self.ai
        if principal is None or not shown or variant not in versions.VARIANTS:
            self.notice = NOT_ALLOWED if principal is None else "Nothing to pin yet."
            return
        stage, reason = self._slot()
        content = InterventionContent.model_validate(
            {**{f: shown.get(f, "") for f in FIELDS}, "writer": shown.get("writer", source)}
        )
        previewed_at = (
            datetime.fromisoformat(self._previewed_at) if self._previewed_at else utcnow()
        )
        with session_scope() as session:
            # The facts of the preview on screen (same moment, same cart), so its expiry and
            # figures turn back into placeholders exactly.
            ctx, _ = content_preview.sample_context(
                session,
                company_id=principal.company_id,
                stage=stage,
                reason=reason,
                now=previewed_at,
                cart_id=self._previewed_cart or None,
            )
            text = to_placeholders(content, ctx)
            fields = {f: getattr(text, f) for f in FIELDS}
            try:
                versions.pin(session, company_id=principal.company_id, stage=stage,
                             reason=reason, variant=variant, fields=fields, source=text.source,
                             pinned_by=principal.user_id, now=utcnow())  # fmt: skip
            except versions.VersionError as exc:
                setattr(self, f"errors_{variant.lower()}", exc.errors)
                self.notice = "Not pinned: " + str(exc)
                return
        self._refresh(principal)
        self.notice = f"Pinned as version {variant}: every send fills it from its own cart."

    @rx.event
    def open_editor(self, variant: str):
        if self.can_write and variant in versions.VARIANTS:
            setattr(self, f"open_{variant.lower()}", True)

    @rx.event
    def edit(self, variant: str, field: str, value: str):
        if not self.can_write or field not in FIELDS or variant not in versions.VARIANTS:
            return
        name = f"edit_{variant.lower()}"
        setattr(self, name, {**getattr(self, name), field: value})

    @rx.event
    async def save_version(self, variant: str):
        principal = await self._principal(write=True)
        if principal is None or variant not in versions.VARIANTS:
            self.notice = NOT_ALLOWED
            return
        stage, reason = self._slot()
        fields = dict(getattr(self, f"edit_{variant.lower()}"))
        with session_scope() as session:
            try:
                versions.pin(session, company_id=principal.company_id, stage=stage,
                             reason=reason, variant=variant, fields=fields, source="edited",
                             pinned_by=principal.user_id, now=utcnow())  # fmt: skip
            except versions.VersionError as exc:
                setattr(self, f"errors_{variant.lower()}", exc.errors)
                self.notice = f"Version {variant} was not saved: fix the marked fields."
                return
        self._refresh(principal)
        self.notice = f"Version {variant} saved."

    @rx.event
    async def unpin(self, variant: str):
        principal = await self._principal(write=True)
        if principal is None or variant not in versions.VARIANTS:
            self.notice = NOT_ALLOWED
            return
        stage, reason = self._slot()
        with session_scope() as session:
            versions.unpin(session, company_id=principal.company_id, stage=stage, reason=reason,
                           variant=variant)  # fmt: skip
        self._refresh(principal)
        self.notice = f"Version {variant} unpinned."

    @rx.event
    def set_setting(self, name: str, value: Any):
        if not self.can_write:
            return
        if name == "ai_enabled":
            self.ai_enabled = bool(value)
        elif name in ("brand_voice", "budget", "sms_segments", "split", "stage_tone",
                      "stage_urgency"):  # fmt: skip
            setattr(self, name, str(value))

    @rx.event
    async def save_settings(self):
        principal = await self._principal(write=True)
        if principal is None:
            self.settings_notice = NOT_ALLOWED
            return
        stage, _ = self._slot()
        with session_scope() as session:
            current = read_settings(session, principal.company_id)
            data = current.model_dump(mode="json", by_alias=True)
            data.update({"brandVoice": self.brand_voice, "aiEnabled": self.ai_enabled,
                         "monthlyTokenBudget": self.budget.strip() or "0",
                         "smsMaxSegments": self.sms_segments.strip() or "0"})  # fmt: skip
            data["experiments"] = {**data["experiments"], str(stage): self.split.strip() or "0"}
            urgency = None if self.stage_urgency == "default" else self.stage_urgency
            data["stageStyles"] = {
                **data["stageStyles"],
                str(stage): {"tone": self.stage_tone, "urgency": urgency},
            }
            try:
                save_settings(session, principal.company_id, data, now=utcnow())
            except ValidationError as exc:
                self.settings_errors = field_errors(exc)
                self.settings_notice = "Nothing was saved: fix the marked fields."
                return
        self.settings_errors = {}
        self.settings_notice = "Saved."
        self._refresh(principal)
