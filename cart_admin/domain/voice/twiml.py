"""A script `Reply` as the TwiML Twilio plays: `<Say>` lines (inside `<Gather input="speech">`
when the agent listens), then `<Dial>` to a person or `<Hangup>`.

Built with twilio's own `VoiceResponse`, so every document is well-formed and escaped.
"""

from __future__ import annotations

from twilio.twiml.voice_response import Gather, Say, VoiceResponse

from cart_admin.domain.voice.config import ScriptSettings, VoiceScript
from cart_admin.domain.voice.script import Reply

SPEECH_TIMEOUT = "auto"  # Twilio ends the turn when the caller stops talking
GATHER_TIMEOUT_SECONDS = 6  # silence before the turn counts as no answer
MAX_HINT_CHARS = 500


def _say(line: str, settings: ScriptSettings) -> Say:
    say = Say(voice=settings.voice)
    if abs(settings.speech_rate - 1.0) < 0.005:
        say.value = line
    else:  # SSML: Polly voices honour <prosody rate>
        say.prosody(line, rate=f"{round(settings.speech_rate * 100)}%")
    return say


def hints(script: VoiceScript) -> str:
    """The script's trigger phrases, which help Twilio's speech recognition hear them."""
    phrases: list[str] = []
    for rule in script.rules():
        phrases.extend(p for p in rule.trigger.split("|") if p not in phrases)
    text = ", ".join(phrases)
    return text[:MAX_HINT_CHARS].rsplit(",", 1)[0] if len(text) > MAX_HINT_CHARS else text


def render(
    reply: Reply, script: VoiceScript, *, gather_url: str, caller_id: str | None = None
) -> str:
    """The TwiML document for one turn of the agent."""
    settings = script.settings
    response = VoiceResponse()
    if reply.listen:
        gather = Gather(
            input="speech",
            action=gather_url,
            method="POST",
            speech_timeout=SPEECH_TIMEOUT,
            timeout=GATHER_TIMEOUT_SECONDS,
            action_on_empty_result=True,  # silence comes back to us too
            language="en-US",
            hints=hints(script) or None,
        )
        for line in reply.say:
            gather.append(_say(line, settings))
        response.append(gather)
    else:
        for line in reply.say:
            response.append(_say(line, settings))
    if reply.transfer_to:
        response.dial(reply.transfer_to, caller_id=caller_id or None, timeout=30)
    elif reply.hangup or not reply.listen:
        response.hangup()
    return str(response)


def hang_up(message: str | None = None, script: VoiceScript | None = None) -> str:
    """A call we will not continue (unknown, finished, or not ours)."""
    response = VoiceResponse()
    if message and script is not None:
        response.append(_say(message, script.settings))
    response.hangup()
    return str(response)
