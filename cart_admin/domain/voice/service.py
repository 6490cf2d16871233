"""The adapters a call needs, built from the settings: the phone line (Twilio or console), SMS
for the texted link, and the intent matcher (Claude within the company's AI budget, else the
script's phrases)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session

from cart_admin.channels.ai import AICompleter, TokenUsage
from cart_admin.channels.sms import SmsChannel, sms_channel_from_settings
from cart_admin.channels.voice import VoiceChannel, voice_channel_from_settings
from cart_admin.domain import ai_budget
from cart_admin.domain.voice.matcher import ClaudeMatcher, IntentMatcher, PatternMatcher
from cart_admin.models import AIPurpose

if TYPE_CHECKING:
    from cart_admin.settings import Settings

WEBHOOK_PREFIX = "/api/webhooks/twilio/voice"


def patterns_only(session: Session, company_id: str, now: datetime) -> IntentMatcher:
    return PatternMatcher()


@dataclass
class VoiceService:
    channel: VoiceChannel
    sms: SmsChannel
    base_url: str
    caller_id: str = ""  # our number, shown to the person a call is transferred to
    matcher_for: Callable[[Session, str, datetime], IntentMatcher] = field(default=patterns_only)

    def url(self, call_id: str, action: str) -> str:
        return f"{self.base_url.rstrip('/')}{WEBHOOK_PREFIX}/{call_id}/{action}"

    @classmethod
    def from_settings(cls, settings: Settings) -> VoiceService:
        return cls(
            channel=voice_channel_from_settings(settings),
            sms=sms_channel_from_settings(settings),
            base_url=settings.callback_base_url,
            caller_id=settings.twilio_phone_number,
            matcher_for=matchers_from_settings(settings),
        )


def matchers_from_settings(settings: Settings) -> Callable[[Session, str, datetime], IntentMatcher]:
    """Claude when a key is configured (the fast model, a few seconds), else the phrases."""
    from cart_admin.channels.ai import ai_completer_from_settings

    completer = ai_completer_from_settings(
        settings, fast=True, timeout=settings.ai_voice_timeout_seconds
    )
    if completer is None:
        return patterns_only
    return claude_matcher_for(completer, settings.ai_voice_timeout_seconds)


def claude_matcher_for(
    completer: AICompleter, timeout: float
) -> Callable[[Session, str, datetime], IntentMatcher]:
    """Claude for companies with AI on and budget left; every request goes in the ledger."""

    def matcher_for(session: Session, company_id: str, now: datetime) -> IntentMatcher:
        if not ai_budget.ai_allowed(session, company_id, now):
            return PatternMatcher()

        def on_usage(usage: TokenUsage, model: str, outcome: str) -> None:
            ai_budget.record_usage(session, company_id=company_id, purpose=AIPurpose.VOICE_INTENT,
                                   model=model, usage=usage, outcome=outcome, now=now)  # fmt: skip

        return ClaudeMatcher(completer, on_usage, timeout=timeout)

    return matcher_for
