"""Which answerer a company's chat uses right now: Claude when a key is set and the month's AI
budget allows, with every request in the usage ledger; the policy retrieval otherwise."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from cart_admin.channels.ai import TokenUsage, ai_completer_from_settings
from cart_admin.domain import ai_budget
from cart_admin.domain.chat.claude import ClaudeAnswerer
from cart_admin.domain.chat.conversation import Answerer, retrieval_answerer
from cart_admin.models import AIPurpose
from cart_admin.settings import Settings

CHAT_TIMEOUT_SECONDS = 8.0


def answerer_for(
    session: Session, company_id: str, *, settings: Settings, now: datetime
) -> Answerer:
    completer = ai_completer_from_settings(settings, fast=True, timeout=CHAT_TIMEOUT_SECONDS)
    if completer is None or not ai_budget.ai_allowed(session, company_id, now):
        return retrieval_answerer

    def on_usage(usage: TokenUsage, model: str, outcome: str) -> None:
        ai_budget.record_usage(
            session,
            company_id=company_id,
            purpose=AIPurpose.CHECKOUT_CHAT,
            model=model,
            usage=usage,
            outcome=outcome,
            now=now,
        )

    claude = ClaudeAnswerer(completer, on_usage, timeout=CHAT_TIMEOUT_SECONDS)
    return claude.answer
