"""Claude for the content tests: the real client pointed at the local fake Messages API, and
a fake model that reads the prompt (so it can write true or deliberately untrue messages)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine

from cart_admin.channels.ai import AICompleter
from cart_admin.domain.recovery_content.writer import ClaudeWriter, ContentPipeline
from cart_admin.domain.save_flow.content import TEMPLATES, ContentContext
from tests.fakes.anthropic_server import FakeAnthropicServer, RecordedRequest, ScriptedReply

MODEL = "claude-sonnet-4-6"


def writer(server: FakeAnthropicServer, engine: Engine, now: datetime, *,
           timeout: float | None = None) -> ClaudeWriter:  # fmt: skip
    completer = AICompleter(api_key="sk-test", model=MODEL, base_url=server.base_url, timeout=5)
    return ClaudeWriter(completer, engine, clock=lambda: now, timeout=timeout)


def pipeline(server: FakeAnthropicServer, engine: Engine, now: datetime, **kw) -> ContentPipeline:
    return ContentPipeline(engine=engine, claude=writer(server, engine, now, **kw))


def true_message(ctx: ContentContext, **changes) -> dict:
    """A reply that passes the checks: the template's facts in Claude's own headline."""
    base = TEMPLATES.write(ctx).model_dump(include={"subject", "preheader", "headline", "body",
                                                    "cta", "sms"})  # fmt: skip
    base["headline"] = "Your picks are waiting"
    base["triggers_applied"] = ["ENDOWMENT", "MADE_UP"]
    return {**base, **changes}


def prompt_model(lie: Callable[[str, dict], dict] | None = None):
    """A responder that writes from the prompt: the offer and code it was given, or, with
    `lie`, a message altered by it (e.g. a bigger discount)."""

    def respond(request: RecordedRequest) -> ScriptedReply:
        prompt = request.texts[0]
        offer = re.search(r"Include this offer exactly: (.+?)\.(?: Code: (SAVE-\w+))?", prompt)
        company = re.search(r"for (.+?), an online store", request.system)
        name = company.group(1) if company else "The store"
        if offer:
            label, code = offer.group(1), offer.group(2) or ""
            body = f"Your cart is saved. Use code {code} for {label}."
            sms = f"{name}: use {code} for {label} on your cart."
        else:
            body, sms = "Your cart is saved for you.", f"{name}: your cart is saved."
        message = {"subject": "Your cart", "preheader": "Still there for you.",
                   "headline": "Your cart", "body": body, "cta": "Back to my cart", "sms": sms,
                   "triggers_applied": []}  # fmt: skip
        if lie is not None:
            message = lie(prompt, message)
        return ScriptedReply(text=json.dumps(message))

    return respond
