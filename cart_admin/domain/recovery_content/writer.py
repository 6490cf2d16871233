"""Who writes a message, in order: the pinned version, Claude, the templates.

Every candidate passes `checks.check_message` before it is used. Claude gets one chance to
repair a message that failed; after that (or on any error, timeout, spent budget or with no
API key) the templates write it. Each Claude request is recorded in the usage ledger with
its tokens and cost, whether or not its words were used.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlmodel import Session

from cart_admin.channels.ai import (
    AICompleter,
    AIInvalidOutput,
    AIUnavailable,
    ChatMessage,
    TokenUsage,
)
from cart_admin.domain import ai_budget
from cart_admin.domain.recovery_content import prompts
from cart_admin.domain.recovery_content.checks import CheckFailure, check_message
from cart_admin.domain.recovery_content.facts import trigger_facts
from cart_admin.domain.recovery_content.pinned import render_pinned
from cart_admin.domain.recovery_content.trigger_library import (
    SelectedTrigger,
    TriggerContext,
    select_triggers,
)
from cart_admin.domain.save_flow.content import (
    TEMPLATES,
    ContentContext,
    ContentWriter,
    InterventionContent,
)
from cart_admin.models.enums import AIPurpose
from cart_admin.models.types import utcnow

log = logging.getLogger(__name__)


class WrittenMessage(BaseModel):
    """Claude's structured reply."""

    subject: str = Field(max_length=120)
    preheader: str = Field(max_length=200)
    headline: str = Field(max_length=120)
    body: str = Field(max_length=1500)
    cta: str = Field(max_length=50)
    sms: str = Field(max_length=400)
    triggers_applied: list[str] = Field(default_factory=list, max_length=6)


@dataclass
class AIResult:
    content: InterventionContent | None
    notes: list[str] = field(default_factory=list)
    failures: list[CheckFailure] = field(default_factory=list)
    usage: TokenUsage = field(default_factory=TokenUsage)
    cost: Decimal = Decimal("0")
    requests: int = 0
    model: str = ""


def triggers_for(ctx: ContentContext) -> list[SelectedTrigger]:
    return select_triggers(trigger_facts(ctx), TriggerContext.CART_RECOVERY, ctx.stage)


class ClaudeWriter:
    """Asks Claude for one message, checks it, asks once more with the findings."""

    def __init__(
        self,
        completer: AICompleter,
        engine: Engine,
        *,
        purpose: AIPurpose = AIPurpose.CONTENT,
        clock: Callable[[], datetime] = utcnow,
        timeout: float | None = None,
    ) -> None:
        self.completer = completer
        self.engine = engine
        self.purpose = purpose
        self.clock = clock
        self.timeout = timeout

    def allowed(self, company_id: str) -> bool:
        with Session(self.engine) as session:
            return ai_budget.ai_allowed(session, company_id, self.clock())

    def generate(self, ctx: ContentContext) -> AIResult:
        triggers = triggers_for(ctx)
        offered = {str(t.trigger) for t in triggers}
        conversation = [ChatMessage("user", prompts.user_prompt(ctx, triggers))]
        system = prompts.system_prompt(ctx)
        result = AIResult(None, model=self.completer.model)
        for round_ in (1, 2):
            try:
                reply = self.completer.parse(
                    system=system, messages=conversation, output=WrittenMessage,
                    timeout=self.timeout,
                )  # fmt: skip
            except AIInvalidOutput as exc:
                self._record(ctx, exc.usage, "invalid", result)
                result.notes.append(f"Claude's reply was not a valid message ({exc}).")
                return result
            except AIUnavailable as exc:
                self._record(ctx, exc.usage, "error", result)
                result.notes.append(f"Claude was unavailable: {exc}.")
                return result
            written = reply.value
            content = InterventionContent(
                subject=written.subject.strip(),
                preheader=written.preheader.strip(),
                headline=written.headline.strip(),
                body=written.body.strip(),
                cta=written.cta.strip(),
                sms=written.sms.strip(),
                triggers_applied=[t for t in written.triggers_applied if t in offered],
                writer="ai",
            )
            failures = check_message(ctx, content)
            self._record(ctx, reply.usage, "ok" if not failures else "rejected", result)
            if not failures:
                result.content = content
                if round_ == 2:
                    result.notes.append("Claude's first message failed the checks; rewritten.")
                return result
            result.failures = failures
            result.notes.append(
                f"Claude's message {'failed' if round_ == 1 else 'failed again'} the checks: "
                + "; ".join(str(f) for f in failures[:4])
            )
            conversation += [
                ChatMessage("assistant", written.model_dump_json()),
                ChatMessage("user", prompts.repair_prompt(failures)),
            ]
        return result

    def _record(self, ctx: ContentContext, usage: TokenUsage, outcome: str, result: AIResult):
        result.requests += 1
        result.usage = result.usage + usage
        result.cost += ai_budget.cost_usd(self.completer.model, usage)
        if not ctx.company_id:
            return
        with Session(self.engine) as session:
            ai_budget.record_usage(
                session, company_id=ctx.company_id, purpose=self.purpose,
                model=self.completer.model, usage=usage, outcome=outcome, now=self.clock(),
                intervention_id=ctx.intervention_id,
            )  # fmt: skip
            session.commit()


def usage_dict(result: AIResult) -> dict:
    return {
        "model": result.model,
        "requests": result.requests,
        "inputTokens": result.usage.input_tokens,
        "outputTokens": result.usage.output_tokens,
        "costUsd": str(result.cost),
    }


def template_message(ctx: ContentContext, notes: list[str] | None = None) -> InterventionContent:
    """The templates' message; a template that fails the checks is a bug, so it is logged and
    replaced by the plainest message the facts allow."""
    content = TEMPLATES.write(ctx)
    failures = check_message(ctx, content)
    if failures:
        log.error("template for %s failed the checks: %s", ctx.stage, failures)
        content = plain_message(ctx)
    triggers = [str(t.trigger) for t in triggers_for(ctx)]
    return content.model_copy(update={"notes": list(notes or []), "writer": "template",
                                      "triggers_applied": triggers[:1]})  # fmt: skip


def plain_message(ctx: ContentContext) -> InterventionContent:
    offer = ""
    if ctx.offer is not None and ctx.code:
        offer = f" Use code {ctx.code} for {ctx.offer.label}."
    return InterventionContent(
        subject="Your cart is saved",
        preheader="Pick up where you left off.",
        headline="Your cart is saved",
        body=f"Your cart at {ctx.company_name} is saved.{offer}",
        cta="See my cart",
        sms=f"{ctx.company_name}: your cart is saved.{offer}",
    )


@dataclass
class ContentPipeline:
    """The save flow's writer: pinned version, then Claude (when allowed), then templates."""

    engine: Engine | None = None
    claude: ClaudeWriter | None = None
    name: str = "pipeline"

    def write(self, ctx: ContentContext) -> InterventionContent:
        notes: list[str] = []
        if ctx.pinned is not None:
            pinned = render_pinned(ctx.pinned, ctx)
            failures = check_message(ctx, pinned)
            if not failures:
                return pinned
            notes.append("The pinned version failed the checks for this cart: "
                         + "; ".join(str(f) for f in failures[:4]))  # fmt: skip
        if ctx.reuse is not None and not check_message(ctx, ctx.reuse):
            note = "The same words as this stage's other channel."
            return ctx.reuse.model_copy(update={"notes": [*notes, note], "usage": None})
        if self.claude is not None and ctx.company_id:
            if not self.claude.allowed(ctx.company_id):
                notes.append("AI is off or this month's token budget is spent.")
            else:
                result = self.claude.generate(ctx)
                if result.content is not None:
                    return result.content.model_copy(
                        update={"notes": notes + result.notes, "usage": usage_dict(result)}
                    )
                notes += result.notes
                message = template_message(ctx, notes)
                return message.model_copy(update={"usage": usage_dict(result)})
        return template_message(ctx, notes)


def pipeline_for(
    engine: Engine, completer: AICompleter | None, *, timeout: float | None = None
) -> ContentWriter:
    claude = ClaudeWriter(completer, engine, timeout=timeout) if completer else None
    return ContentPipeline(engine=engine, claude=claude)


__all__ = [
    "AIResult",
    "ClaudeWriter",
    "ContentPipeline",
    "WrittenMessage",
    "pipeline_for",
    "plain_message",
    "template_message",
    "triggers_for",
]
