"""What did the shopper mean? The script's trigger phrases, or Claude when it is configured.

Claude gets the question the agent just asked, the shopper's words and a numbered list of
what they could mean (yes, no, "do not call", "a person", each of the script's rules); it
answers with a number. It has a few seconds (a caller is waiting); any failure, a number out
of range or "none" falls back to the phrases, so a call never stalls on the AI.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from pydantic import BaseModel, Field

from cart_admin.channels.ai import AICompleter, AIUnavailable, ChatMessage, TokenUsage
from cart_admin.domain.voice.config import VoiceScript
from cart_admin.domain.voice.script import Intent, Match, Node, pattern_match

DEFAULT_TIMEOUT_SECONDS = 3.0

FIXED_CHOICES: list[tuple[Intent, str]] = [
    (Intent.YES, "says yes, agrees, accepts, or confirms who they are"),
    (Intent.NO, "says no, declines, or says this is the wrong person"),
    (Intent.DO_NOT_CALL, "asks not to be called again or to be removed from the call list"),
    (Intent.HUMAN, "asks to speak to a person, a representative or a manager"),
]

SYSTEM = (
    "You classify what a shopper said on a short phone call from a shop about the cart they "
    "left. Pick the one option that best matches the shopper's meaning, or 0 if none does or "
    "the words are unclear. Answer with the option's number only."
)


class IntentChoice(BaseModel):
    choice: int = Field(ge=0, le=64, description="The option number, 0 for none.")


class IntentMatcher(Protocol):
    def match(self, script: VoiceScript, node: Node, asked: str, utterance: str) -> Match: ...


class PatternMatcher:
    name = "pattern"

    def match(self, script: VoiceScript, node: Node, asked: str, utterance: str) -> Match:
        return pattern_match(script, node, utterance)


def options(script: VoiceScript) -> list[tuple[Intent, int | None, str]]:
    """(intent, rule index, description) in the order Claude sees them (1-based there)."""
    out: list[tuple[Intent, int | None, str]] = [(i, None, d) for i, d in FIXED_CHOICES]
    for index, rule in enumerate(script.rules()):
        words = ", ".join(f'"{p}"' for p in rule.trigger.split("|"))
        out.append((Intent.RULE, index, f"talks about something like {words}"))
    return out


def prompt(script: VoiceScript, asked: str, utterance: str) -> str:
    listed = "\n".join(f"{n}. {d}" for n, (_, _, d) in enumerate(options(script), start=1))
    return (
        f"The agent asked: {asked!r}\nThe shopper said: {utterance!r}\n\n"
        f"Options:\n0. none of these, or unclear\n{listed}"
    )


@dataclass
class ClaudeMatcher:
    """Claude first; the phrases when Claude fails or finds nothing. `on_usage(usage, model,
    outcome)` records every request in the usage ledger."""

    completer: AICompleter
    on_usage: Callable[[TokenUsage, str, str], None]
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    fallback: IntentMatcher = field(default_factory=PatternMatcher)
    name = "claude"

    def match(self, script: VoiceScript, node: Node, asked: str, utterance: str) -> Match:
        if not utterance.strip():
            return self.fallback.match(script, node, asked, utterance)
        try:
            reply = self.completer.parse(
                system=SYSTEM,
                messages=[ChatMessage("user", prompt(script, asked, utterance))],
                output=IntentChoice,
                timeout=self.timeout,
            )
        except AIUnavailable as exc:
            self.on_usage(exc.usage, self.completer.model, "failed")
            return self.fallback.match(script, node, asked, utterance)
        self.on_usage(reply.usage, reply.model, "used")
        listed = options(script)
        if 1 <= reply.value.choice <= len(listed):
            intent, rule, _ = listed[reply.value.choice - 1]
            return Match(intent, rule, by="claude")
        return self.fallback.match(script, node, asked, utterance)
