"""The call's conversation: a small state machine over the company's script (spec §7).

Twilio's webhooks and the admin's simulator both run it, so what the simulator shows is what a
call says. Pure: `opening`, `voicemail` and `respond` take the script, the call's facts and
the state, and return a `Reply` (the lines to say, whether to listen, to transfer or hang up,
the outcome and the effects to carry out) with the next state. Nothing here touches a
database or Twilio.

What the shopper said is turned into an `Intent` by a matcher (the script's trigger phrases;
Claude when configured, see `matcher.py`). Offers are only made when they are true for this
cart: a discount when the Nuclear offer stage has one, free shipping when shipping is charged,
price matching when the store offers it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import StrEnum

from cart_admin.domain.voice.config import PLACEHOLDER, Action, Rule, VoiceScript
from cart_admin.models import Sentiment, VoiceCallOutcome, VoiceScriptType


class Node(StrEnum):
    GREETING = "GREETING"  # "is this {{customerName}}?"
    CONFIRM = "CONFIRM"  # "do you have a quick moment?"
    DIAGNOSIS = "DIAGNOSIS"  # "was there anything that gave you pause?"
    AWAIT_OFFER = "AWAIT_OFFER"  # an offer was made: yes or no
    AWAIT_ANSWER = "AWAIT_ANSWER"  # "what questions can I answer?"
    AFTER_ACCEPT = "AFTER_ACCEPT"  # "anything else I can help with?"
    ENDED = "ENDED"


class Intent(StrEnum):
    YES = "YES"
    NO = "NO"
    DO_NOT_CALL = "DO_NOT_CALL"
    HUMAN = "HUMAN"
    RULE = "RULE"  # one of the script's follow-ups or objections (`Match.rule`)


class Effect(StrEnum):
    APPLY_DISCOUNT = "APPLY_DISCOUNT"
    APPLY_FREE_SHIPPING = "APPLY_FREE_SHIPPING"
    SEND_LINK = "SEND_LINK"  # text the recovery link to the number called
    WITHDRAW_VOICE_CONSENT = "WITHDRAW_VOICE_CONSENT"


@dataclass(frozen=True)
class CallFacts:
    """What a call may say about this cart; placeholders are filled from here."""

    customer_name: str  # first name, or "there"
    agent_name: str
    company_name: str
    top_item_name: str
    item_count: int
    cart_total: str  # "$245.00"
    discount_percent: str | None = None  # "30" when the Nuclear offer stage has a discount
    free_shipping: bool = False  # shipping is charged and may be waived
    price_match: bool = False  # the store matches prices (offer policy)
    transfer_number: str = ""
    script_type: VoiceScriptType = VoiceScriptType.CART_RECOVERY_PERSONAL
    can_text: bool = True  # SMS consent: a link is texted unasked only with it

    def values(self) -> dict[str, str]:
        return {
            "customerName": self.customer_name,
            "agentName": self.agent_name,
            "companyName": self.company_name,
            "topItemName": self.top_item_name,
            "itemCount": str(self.item_count),
            "cartTotal": self.cart_total,
            "discountPercent": self.discount_percent or "",
        }


@dataclass(frozen=True)
class Match:
    intent: Intent | None  # None: not understood (or silence)
    rule: int | None = None  # index into `script.rules()` when intent is RULE
    by: str = "pattern"  # "pattern" or "claude"


@dataclass(frozen=True)
class State:
    node: Node = Node.GREETING
    retries: int = 0
    turn: int = 0  # the shopper's replies handled so far
    pending: Action | None = None  # the offer awaiting a yes or no
    outcome: VoiceCallOutcome | None = None

    def as_dict(self) -> dict:
        return {
            "node": str(self.node),
            "retries": self.retries,
            "turn": self.turn,
            "pending": str(self.pending) if self.pending else None,
            "outcome": str(self.outcome) if self.outcome else None,
        }

    @classmethod
    def from_dict(cls, data: dict | None) -> State:
        data = data or {}
        return cls(
            node=Node(data.get("node") or Node.GREETING),
            retries=int(data.get("retries") or 0),
            turn=int(data.get("turn") or 0),
            pending=Action(data["pending"]) if data.get("pending") else None,
            outcome=VoiceCallOutcome(data["outcome"]) if data.get("outcome") else None,
        )


@dataclass(frozen=True)
class Reply:
    say: list[str]
    state: State
    listen: bool = False  # gather the shopper's speech after saying
    transfer_to: str | None = None  # <Dial> this number after saying
    hangup: bool = False
    effects: list[Effect] = field(default_factory=list)

    @property
    def outcome(self) -> VoiceCallOutcome | None:
        return self.state.outcome

    @property
    def text(self) -> str:
        return " ".join(self.say)


def fill(text: str, facts: CallFacts) -> str:
    values = facts.values()
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), ""), text)


# --- matching by the script's words --------------------------------------------------------

YES_WORDS = (
    "yes|yeah|yep|yup|sure|ok|okay|of course|absolutely|definitely|please|sounds good|"
    "that works|go ahead|speaking|that's me|this is he|this is she|correct|i do|alright"
)
NO_WORDS = (
    "no|nope|nah|not really|no thanks|no thank you|not me|wrong number|not now|i do not|i don't"
)
DO_NOT_CALL_WORDS = (
    "stop calling|do not call|don't call|dont call|never call|remove me|remove my number|"
    "take me off|take my number off|unsubscribe|stop"
)
HUMAN_WORDS = (
    "human|real person|a person|representative|agent|operator|someone else|"
    "talk to someone|speak to someone|manager|customer service"
)


def _phrases(words: str) -> re.Pattern[str]:
    alternatives = sorted((re.escape(p.strip()) for p in words.split("|")), key=len, reverse=True)
    return re.compile(r"(?<![\w'])(?:" + "|".join(alternatives) + r")(?![\w'])", re.IGNORECASE)


_YES, _NO = _phrases(YES_WORDS), _phrases(NO_WORDS)
_DO_NOT_CALL, _HUMAN = _phrases(DO_NOT_CALL_WORDS), _phrases(HUMAN_WORDS)


def rule_patterns(script: VoiceScript) -> list[re.Pattern[str]]:
    return [_phrases(rule.trigger) for rule in script.rules()]


def pattern_match(script: VoiceScript, node: Node, utterance: str) -> Match:
    """The script's own matcher: "do not call" and "a person" first, then the script's rules
    (objections before follow-ups), then yes and no. A yes wins over the rules when an offer
    awaits an answer ("yes please, the price was the problem")."""
    text = " ".join(utterance.lower().replace("’", "'").split())
    if not text:
        return Match(None)
    if _DO_NOT_CALL.search(text):
        return Match(Intent.DO_NOT_CALL)
    if _HUMAN.search(text):
        return Match(Intent.HUMAN)
    yes, no = bool(_YES.search(text)), bool(_NO.search(text))
    if node is Node.AWAIT_OFFER and yes and not no:
        return Match(Intent.YES)
    patterns = rule_patterns(script)
    objections = len(script.objection_handling.patterns)
    for group in (range(objections), range(objections, len(patterns))):
        found = [(m.start(), i) for i in group if (m := patterns[i].search(text))]
        if found:  # what the shopper mentions first is their point
            return Match(Intent.RULE, min(found)[1])
    if no:  # "no" is checked first: "no, not right now, sure" is a no
        return Match(Intent.NO)
    if yes:
        return Match(Intent.YES)
    return Match(None)


# --- the conversation ----------------------------------------------------------------------


def opening(script: VoiceScript, facts: CallFacts) -> Reply:
    """What the callee hears first (a person answered)."""
    return Reply([fill(script.opening.greeting, facts)], State(Node.GREETING), listen=True)


def voicemail(script: VoiceScript, facts: CallFacts) -> Reply:
    """An answering machine picked up: leave the message, hang up."""
    state = State(Node.ENDED, outcome=VoiceCallOutcome.VOICEMAIL)
    return Reply([fill(script.closing.voicemail, facts)], state, hangup=True)


def question(script: VoiceScript, facts: CallFacts) -> str:
    """The diagnosis question of the call's script type."""
    diagnosis = script.diagnosis
    if facts.script_type is VoiceScriptType.CART_RECOVERY_DISCOUNT and facts.discount_percent:
        return fill(diagnosis.discount_question, facts)
    if facts.script_type is VoiceScriptType.CART_RECOVERY_HELP:
        return fill(diagnosis.help_question, facts)
    return fill(diagnosis.primary_question, facts)


def _end(say: list[str], state: State, outcome: VoiceCallOutcome, **extra) -> Reply:
    ended = replace(state, node=Node.ENDED, pending=None, outcome=outcome, retries=0)
    return Reply(say, ended, hangup=extra.pop("hangup", True), **extra)


def _escalate(script: VoiceScript, facts: CallFacts, state: State, say: list[str]) -> Reply:
    """A person takes over; without a transfer number, one will get back to them."""
    outcome = state.outcome or VoiceCallOutcome.ESCALATED
    if facts.transfer_number:
        return _end(
            [*say, fill(script.closing.escalate, facts)],
            state,
            outcome,
            hangup=False,
            transfer_to=facts.transfer_number,
        )
    if state.outcome is None:
        outcome = VoiceCallOutcome.CALLBACK_REQUESTED
    return _end([*say, fill(script.closing.no_transfer, facts)], state, outcome)


def available(rule: Rule, facts: CallFacts) -> bool:
    """A rule whose offer is not true for this cart is never said."""
    if rule.requires_price_match and not facts.price_match:
        return False
    if rule.action is Action.OFFER_DISCOUNT:
        return facts.discount_percent is not None
    if rule.action is Action.OFFER_FREE_SHIPPING:
        return facts.free_shipping
    return True


def first_rule(script: VoiceScript, action: Action, facts: CallFacts | None = None) -> Rule | None:
    """The first rule leading to `action`, the diagnosis's follow-ups before the objections
    (the "just looking" line, not the "before I let you go" one)."""
    for rule in [*script.diagnosis.follow_ups, *script.objection_handling.patterns]:
        if rule.action is action and (facts is None or available(rule, facts)):
            return rule
    return None


def _substitute(script: VoiceScript, facts: CallFacts, rule: Rule) -> Rule | None:
    """The nearest true rule when the matched one cannot be said: a price complaint without a
    discount gets free shipping, else the offer of a link; anything else the link."""
    order = (
        [Action.OFFER_FREE_SHIPPING, Action.OFFER_LINK]
        if rule.action in (Action.OFFER_DISCOUNT, Action.ASK_QUESTIONS)
        else [Action.OFFER_LINK]
    )
    for action in order:
        candidate = first_rule(script, action, facts)
        if candidate is not None:
            return candidate
    return None


def _apply_rule(
    script: VoiceScript, facts: CallFacts, state: State, rule: Rule, say: list[str]
) -> Reply:
    chosen = rule if available(rule, facts) else _substitute(script, facts, rule)
    if chosen is None:
        return _end([*say, fill(script.closing.declined, facts)], state, VoiceCallOutcome.DECLINED)
    line = fill(chosen.response, facts)
    if chosen.action is Action.ESCALATE:
        return _escalate(script, facts, state, [*say, line])
    if chosen.action is Action.ASK_QUESTIONS:
        return Reply([*say, line], replace(state, node=Node.AWAIT_ANSWER, retries=0), listen=True)
    next_state = replace(state, node=Node.AWAIT_OFFER, pending=chosen.action, retries=0)
    return Reply([*say, line], next_state, listen=True)


def _accept(script: VoiceScript, facts: CallFacts, state: State) -> Reply:
    action = state.pending
    if action in (Action.OFFER_DISCOUNT, Action.OFFER_FREE_SHIPPING):
        effect = (
            Effect.APPLY_DISCOUNT if action is Action.OFFER_DISCOUNT else Effect.APPLY_FREE_SHIPPING
        )
        accepted = replace(
            state,
            node=Node.AFTER_ACCEPT,
            pending=None,
            retries=0,
            outcome=VoiceCallOutcome.DISCOUNT_ACCEPTED,
        )
        if not facts.can_text:  # no SMS consent: nothing is texted, and the line says so
            line = script.closing.accepted_no_text
        elif action is Action.OFFER_DISCOUNT:
            line = script.closing.accepted
        else:
            line = script.closing.accepted_free_shipping
        return Reply(
            [fill(line, facts)],
            accepted,
            listen=True,
            effects=[effect, Effect.SEND_LINK] if facts.can_text else [effect],
        )
    outcome = (
        VoiceCallOutcome.CALLBACK_REQUESTED
        if action is Action.OFFER_CALLBACK_LINK
        else VoiceCallOutcome.DECLINED
    )
    return _end([fill(script.closing.link_sent, facts)], state, outcome, effects=[Effect.SEND_LINK])


def _not_understood(script: VoiceScript, facts: CallFacts, state: State, silent: bool) -> Reply:
    """Ask again, up to the script's `maxRetries`; then end politely."""
    if state.retries >= script.settings.max_retries:
        if state.node is Node.AFTER_ACCEPT:
            return _end(
                [fill(script.closing.goodbye, facts)],
                state,
                state.outcome or VoiceCallOutcome.DISCOUNT_ACCEPTED,
            )
        if state.node is Node.GREETING and silent:
            return _end([], state, VoiceCallOutcome.DISCONNECTED)
        return _end(
            [fill(script.closing.declined, facts)],
            state,
            state.outcome or VoiceCallOutcome.DECLINED,
        )
    again = replace(state, retries=state.retries + 1)
    sorry = [] if silent else [fill(script.closing.not_understood, facts)]
    return Reply([*sorry, asked(script, facts, state)], again, listen=True)


def asked(script: VoiceScript, facts: CallFacts, state: State) -> str:
    """The question the shopper is being asked at this node, to ask it again."""
    if state.node is Node.GREETING:
        return fill(script.opening.greeting, facts)
    if state.node is Node.CONFIRM:
        return fill(script.opening.confirm_continue, facts)
    if state.node is Node.DIAGNOSIS:
        return question(script, facts)
    if state.node is Node.AWAIT_OFFER:
        for rule in script.rules():
            if rule.action is state.pending and available(rule, facts):
                return fill(rule.response, facts)
    if state.node is Node.AFTER_ACCEPT:
        return "Is there anything else I can help with?"
    return "What questions can I answer for you?"


def respond(script: VoiceScript, facts: CallFacts, state: State, match: Match) -> Reply:
    """The agent's answer to one reply of the shopper (`match.intent` None: not understood or
    silence, told apart by `silent` below)."""
    state = replace(state, turn=state.turn + 1)
    node = state.node
    rules = script.rules()
    if node is Node.ENDED:
        return Reply([], state, hangup=True)
    if match.intent is Intent.DO_NOT_CALL:
        return _end(
            [fill(script.closing.do_not_call, facts)],
            state,
            state.outcome or VoiceCallOutcome.DECLINED,
            effects=[Effect.WITHDRAW_VOICE_CONSENT],
        )
    if match.intent is Intent.HUMAN:
        return _escalate(script, facts, state, [])
    if node is Node.AWAIT_ANSWER and match.by != "silence":
        return _escalate(script, facts, state, [])  # whatever the question, a person answers
    if match.intent is None:
        return _not_understood(script, facts, state, silent=match.by == "silence")
    rule = rules[match.rule] if match.intent is Intent.RULE and match.rule is not None else None

    if node is Node.GREETING:
        if match.intent is Intent.NO:
            return _end(
                [fill(script.closing.wrong_person, facts)], state, VoiceCallOutcome.DISCONNECTED
            )
        intro = [fill(script.opening.introduction, facts)]
        if rule is not None:  # they went straight to the point
            return _apply_rule(script, facts, state, rule, intro)
        confirm = fill(script.opening.confirm_continue, facts)
        return Reply([*intro, confirm], replace(state, node=Node.CONFIRM, retries=0), listen=True)

    if node is Node.CONFIRM:
        if rule is not None:
            return _apply_rule(script, facts, state, rule, [])
        if match.intent is Intent.NO:
            busy = first_rule(script, Action.OFFER_CALLBACK_LINK)
            if busy is not None:
                return _apply_rule(script, facts, state, busy, [])
            return _end([fill(script.closing.declined, facts)], state, VoiceCallOutcome.DECLINED)
        return _diagnose(script, facts, state)

    if node is Node.DIAGNOSIS:
        if rule is not None:
            return _apply_rule(script, facts, state, rule, [])
        if facts.script_type is VoiceScriptType.CART_RECOVERY_DISCOUNT and facts.discount_percent:
            # The question was the offer itself.
            offered = replace(state, pending=Action.OFFER_DISCOUNT)
            if match.intent is Intent.YES:
                return _accept(script, facts, offered)
            return _end([fill(script.closing.declined, facts)], state, VoiceCallOutcome.DECLINED)
        if facts.script_type is VoiceScriptType.CART_RECOVERY_HELP and match.intent is Intent.YES:
            ask = first_rule(script, Action.ASK_QUESTIONS, facts)
            if ask is not None:
                return _apply_rule(script, facts, state, ask, [])
        # "No, nothing really": nothing to fix; offer to keep the cart at hand.
        link = first_rule(script, Action.OFFER_LINK)
        if link is not None:
            return _apply_rule(script, facts, state, link, [])
        return _end([fill(script.closing.declined, facts)], state, VoiceCallOutcome.DECLINED)

    if node is Node.AWAIT_OFFER:
        if match.intent is Intent.YES:
            return _accept(script, facts, state)
        if rule is not None and rule.action is not state.pending:
            return _apply_rule(script, facts, state, rule, [])
        if match.intent is Intent.NO or rule is not None:
            return _end([fill(script.closing.declined, facts)], state, VoiceCallOutcome.DECLINED)

    if node is Node.AWAIT_ANSWER:
        return _escalate(script, facts, state, [])

    if node is Node.AFTER_ACCEPT:
        if match.intent is Intent.NO:
            return _end(
                [fill(script.closing.goodbye, facts)],
                state,
                state.outcome or VoiceCallOutcome.DISCOUNT_ACCEPTED,
            )
        return _escalate(script, facts, state, [])

    return _not_understood(script, facts, state, silent=False)


def _diagnose(script: VoiceScript, facts: CallFacts, state: State) -> Reply:
    next_state = replace(state, node=Node.DIAGNOSIS, retries=0)
    return Reply([question(script, facts)], next_state, listen=True)


def silence() -> Match:
    return Match(None, by="silence")


# --- sentiment -----------------------------------------------------------------------------

_POSITIVE = _phrases(
    "great|thanks|thank you|perfect|wonderful|awesome|love|sounds good|nice|"
    "appreciate|yes please|excellent|happy"
)
_NEGATIVE = _phrases(
    "annoying|annoyed|angry|stop calling|ridiculous|terrible|hate|leave me alone|"
    "scam|waste|rude|not interested|don't call|do not call"
)
_OUTCOME_LEAN = {
    VoiceCallOutcome.DISCOUNT_ACCEPTED: 1,
    VoiceCallOutcome.RECOVERED: 1,
    VoiceCallOutcome.DECLINED: -1,
}


def sentiment(customer_lines: list[str], outcome: VoiceCallOutcome | None) -> Sentiment | None:
    """The shopper's mood over the call, from their words and how it ended; None if silent."""
    if not customer_lines:
        return None
    score = _OUTCOME_LEAN.get(outcome, 0) if outcome else 0
    for line in customer_lines:
        line = line.replace("’", "'")
        score += len(_POSITIVE.findall(line)) - 2 * len(_NEGATIVE.findall(line))
    if score > 0:
        return Sentiment.POSITIVE
    if score < 0:
        return Sentiment.NEGATIVE
    return Sentiment.NEUTRAL
