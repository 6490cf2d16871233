"""The script simulator: an admin plays the shopper, the same engine and TwiML answer.

Nothing is stored or sent: effects (a discount applied, a link texted) are reported, not done.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cart_admin.domain.voice import script as engine_
from cart_admin.domain.voice import twiml
from cart_admin.domain.voice.config import VoiceScript
from cart_admin.domain.voice.matcher import IntentMatcher, PatternMatcher
from cart_admin.domain.voice.script import CallFacts, Match, Reply, State

SIMULATED_CALL_ID = "simulated"


@dataclass(frozen=True)
class SimTurn:
    say: list[str]
    twiml: str
    state: State
    listening: bool
    transfer_to: str | None
    effects: list[str] = field(default_factory=list)
    heard: str | None = None  # the shopper's words this turn answered
    understood_as: str | None = None  # "price|expensive|cost", "YES", or None

    @property
    def ended(self) -> bool:
        return not self.listening


def _turn(
    reply: Reply, script: VoiceScript, base_url: str, heard: str | None, match: Match | None
) -> SimTurn:
    url = (
        f"{base_url.rstrip('/')}/api/webhooks/twilio/voice/{SIMULATED_CALL_ID}/gather"
        f"?turn={reply.state.turn}"
    )
    understood = None
    if match is not None and heard:
        if match.rule is not None:
            understood = script.rules()[match.rule].trigger
        elif match.intent is not None:
            understood = str(match.intent)
    return SimTurn(
        say=reply.say,
        twiml=twiml.render(reply, script, gather_url=url),
        state=reply.state,
        listening=reply.listen and not reply.transfer_to,
        transfer_to=reply.transfer_to,
        effects=[str(e) for e in reply.effects],
        heard=heard,
        understood_as=understood,
    )


def start(
    script: VoiceScript, facts: CallFacts, *, base_url: str, machine: bool = False
) -> SimTurn:
    """The call is answered (by a person, or by an answering machine)."""
    reply = engine_.voicemail(script, facts) if machine else engine_.opening(script, facts)
    return _turn(reply, script, base_url, None, None)


def answer(
    script: VoiceScript,
    facts: CallFacts,
    state: State,
    utterance: str,
    *,
    base_url: str,
    matcher: IntentMatcher | None = None,
) -> SimTurn:
    """The agent's reply to what the admin typed (empty: the shopper stayed silent)."""
    words = " ".join(utterance.split())[:500]
    asked = engine_.asked(script, facts, state)
    if words:
        match = (matcher or PatternMatcher()).match(script, state.node, asked, words)
    else:
        match = engine_.silence()
    reply = engine_.respond(script, facts, state, match)
    return _turn(reply, script, base_url, words or None, match)
