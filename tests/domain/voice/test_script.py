"""The call's conversation engine (spec §7 script), played turn by turn: pure, no database.

`play` runs a whole call the way the Twilio webhook does: `opening`, then for each shopper line
`respond(script, facts, state, pattern_match(...))` (silence for ""). `CONVERSATIONS` names one
call per branch of the script; `test_twiml.py` renders every reply of each of them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

import pytest

from cart_admin.domain.voice.config import Action, VoiceScript
from cart_admin.domain.voice.script import (
    CallFacts,
    Effect,
    Intent,
    Match,
    Node,
    Reply,
    State,
    opening,
    pattern_match,
    respond,
    sentiment,
    silence,
    voicemail,
)
from cart_admin.models import Sentiment, VoiceCallOutcome, VoiceScriptType

SCRIPT = VoiceScript()
TRANSFER = "+15550002222"
FACTS = CallFacts(
    customer_name="Sam",
    agent_name="Jordan",
    company_name="Acme Coffee",
    top_item_name="Ethiopia Yirgacheffe",
    item_count=2,
    cart_total="$245.00",
    discount_percent="30",
    free_shipping=True,
    price_match=True,
    transfer_number=TRANSFER,
)
NO_DISCOUNT = replace(FACTS, discount_percent=None)
NOTHING_TO_OFFER = replace(FACTS, discount_percent=None, free_shipping=False, price_match=False)

# The script's own lines, filled for FACTS.
GREETING = "Hi, is this Sam?"
CONFIRM = "Do you have a quick moment?"
PRIMARY = (
    "I see you had our Ethiopia Yirgacheffe in your cart. Was there anything about your order "
    "that gave you pause?"
)
DISCOUNT_OFFER = (
    "I completely understand. Price is important. I can actually offer you 30% off your "
    "order right now if that helps."
)
SHIPPING_OFFER = SCRIPT.diagnosis.follow_ups[1].response
LINK_OFFER = SCRIPT.diagnosis.follow_ups[2].response
QUESTIONS = SCRIPT.diagnosis.follow_ups[3].response
NOT_INTERESTED = SCRIPT.objection_handling.patterns[0].response
CALLBACK_OFFER = SCRIPT.objection_handling.patterns[1].response
PRICE_MATCH = SCRIPT.objection_handling.patterns[2].response
ACCEPTED = SCRIPT.closing.accepted
DECLINED = (
    "No problem, Sam. Thanks for your time. Your cart is saved if you change your mind. "
    "Have a great day!"
)
ESCALATE = SCRIPT.closing.escalate
LINK_SENT = "Done! I've just texted you a link to your cart. Thanks for your time, Sam. Goodbye!"
NO_TRANSFER = (
    "I'll ask a member of our team to get back to you shortly. Thanks for your time, Sam. Goodbye!"
)
DO_NOT_CALL = SCRIPT.closing.do_not_call
WRONG_PERSON = SCRIPT.closing.wrong_person
NOT_UNDERSTOOD = SCRIPT.closing.not_understood
GOODBYE = "Thanks again, Sam. Enjoy your order. Goodbye!"
# Either of the default script's lines that offer to text the cart link (OFFER_LINK).
LINK_OFFERS = ([LINK_OFFER], [NOT_INTERESTED])


def play(
    lines: list[str] | tuple[str, ...],
    *,
    facts: CallFacts = FACTS,
    script: VoiceScript = SCRIPT,
    until_end: bool = False,
) -> list[Reply]:
    """The agent's replies: the opening, then one per shopper line ("" is silence).

    A line after the call ended fails the test, or with `until_end` is left unsaid."""
    reply = opening(script, facts)
    replies = [reply]
    for line in lines:
        if until_end and not reply.listen:
            break
        assert reply.listen, f"the call stopped listening before {line!r}: {reply}"
        match = pattern_match(script, reply.state.node, line) if line else silence()
        reply = respond(script, facts, reply.state, match)
        replies.append(reply)
    return replies


def rule_index(script: VoiceScript, first_phrase: str) -> int:
    """The index in `script.rules()` of the rule whose trigger starts with `first_phrase`."""
    return next(
        i for i, rule in enumerate(script.rules()) if rule.trigger.split("|")[0] == first_phrase
    )


@dataclass(frozen=True)
class Conversation:
    id: str
    lines: tuple[str, ...]
    outcome: VoiceCallOutcome
    facts: CallFacts = FACTS
    script: VoiceScript = field(default_factory=VoiceScript)

    def play(self) -> list[Reply]:
        return play(self.lines, facts=self.facts, script=self.script)


PRICE_TO_ACCEPT = ("yes", "yes", "Honestly, it was too expensive", "yes")

CONVERSATIONS: list[Conversation] = [
    Conversation(
        "discount_accepted", (*PRICE_TO_ACCEPT, "no thanks"), VoiceCallOutcome.DISCOUNT_ACCEPTED
    ),
    Conversation(
        "free_shipping_accepted",
        ("yes", "sure", "the shipping was a lot", "yes please", "no"),
        VoiceCallOutcome.DISCOUNT_ACCEPTED,
    ),
    Conversation(
        "accepted_then_question_transfer",
        (*PRICE_TO_ACCEPT, "yes, when will it arrive?"),
        VoiceCallOutcome.DISCOUNT_ACCEPTED,
    ),
    Conversation(
        "just_looking_link", ("yes", "yes", "I was just looking", "yes"), VoiceCallOutcome.DECLINED
    ),
    Conversation(
        "too_busy_callback",
        ("yes", "I'm too busy right now", "yes"),
        VoiceCallOutcome.CALLBACK_REQUESTED,
    ),
    Conversation(
        "call_me_later_callback",
        ("speaking", "can you call me later", "okay"),
        VoiceCallOutcome.CALLBACK_REQUESTED,
    ),
    Conversation(
        "no_at_confirm_callback",
        ("yes", "no, not right now", "yes"),
        VoiceCallOutcome.CALLBACK_REQUESTED,
    ),
    Conversation(
        "not_interested_declined",
        ("yes", "yes", "I'm not interested", "no"),
        VoiceCallOutcome.DECLINED,
    ),
    Conversation(
        "questions_transfer",
        ("yes", "yes", "I have a question", "yes, is it fair trade?"),
        VoiceCallOutcome.ESCALATED,
    ),
    Conversation(
        "questions_no_transfer",
        ("yes", "yes", "I have a question", "yes, is it fair trade?"),
        VoiceCallOutcome.CALLBACK_REQUESTED,
        facts=replace(FACTS, transfer_number=""),
    ),
    Conversation(
        "price_match_transfer",
        ("yes", "yes", "I found it cheaper somewhere else", "yes, at the corner shop"),
        VoiceCallOutcome.ESCALATED,
    ),
    Conversation(
        "human_at_greeting", ("I want to talk to a real person",), VoiceCallOutcome.ESCALATED
    ),
    Conversation(
        "human_no_transfer",
        ("yes", "get me a manager"),
        VoiceCallOutcome.CALLBACK_REQUESTED,
        facts=replace(FACTS, transfer_number=""),
    ),
    Conversation("do_not_call", ("yes", "stop calling me"), VoiceCallOutcome.DECLINED),
    Conversation("wrong_person", ("no, wrong number",), VoiceCallOutcome.DISCONNECTED),
    Conversation("silence", ("", "", ""), VoiceCallOutcome.DISCONNECTED),
    Conversation(
        "unclear_declined",
        ("yes", "yes", "purple elephants", "purple elephants", "purple elephants"),
        VoiceCallOutcome.DECLINED,
    ),
    Conversation(
        "no_discount_free_shipping",
        ("yes", "yes", "the price", "yes", "no"),
        VoiceCallOutcome.DISCOUNT_ACCEPTED,
        facts=NO_DISCOUNT,
    ),
    Conversation(
        "nothing_to_offer_link",
        ("yes", "yes", "it's too expensive", "no"),
        VoiceCallOutcome.DECLINED,
        facts=NOTHING_TO_OFFER,
    ),
    Conversation(
        "discount_script",
        ("yes", "yes", "yes", "no"),
        VoiceCallOutcome.DISCOUNT_ACCEPTED,
        facts=replace(FACTS, script_type=VoiceScriptType.CART_RECOVERY_DISCOUNT),
    ),
    Conversation(
        "help_script",
        ("yes", "yes", "yes", "yes, is it decaf?"),
        VoiceCallOutcome.ESCALATED,
        facts=replace(FACTS, script_type=VoiceScriptType.CART_RECOVERY_HELP),
    ),
    Conversation(
        "straight_to_the_point",
        ("yes, but the delivery fee put me off", "no"),
        VoiceCallOutcome.DECLINED,
    ),
]
CONVERSATION_IDS = [c.id for c in CONVERSATIONS]


# --- every conversation --------------------------------------------------------------------


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=CONVERSATION_IDS)
def test_every_conversation_ends_with_its_outcome(conversation: Conversation) -> None:
    replies = conversation.play()
    last = replies[-1]
    assert last.state.node is Node.ENDED
    assert last.outcome == conversation.outcome
    assert not last.listen
    assert last.hangup != bool(last.transfer_to)  # ends one way: hang up or hand over
    # Each reply of the shopper is a turn; only the last reply ends the call.
    assert [r.state.turn for r in replies] == list(range(len(replies)))
    assert all(r.listen and r.state.node is not Node.ENDED for r in replies[:-1])


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=CONVERSATION_IDS)
def test_every_placeholder_is_filled(conversation: Conversation) -> None:
    for reply in conversation.play():
        for line in reply.say:
            assert "{" not in line and "}" not in line, line
            assert line.strip(), reply


def test_placeholders_are_filled_from_the_facts() -> None:
    facts = replace(FACTS, customer_name="Priya", agent_name="Lee", company_name="Bean There")
    replies = play(["yes", "yes", "too expensive"], facts=facts)
    assert replies[0].say == ["Hi, is this Priya?"]
    assert replies[1].say[0].startswith("This is Lee from Bean There.")
    assert "Ethiopia Yirgacheffe" in replies[2].text
    assert "30% off" in replies[3].text
    message = voicemail(SCRIPT, facts).text
    assert "Priya" in message and "Lee from Bean There" in message and "{{" not in message


# --- the branches --------------------------------------------------------------------------


def test_greeting_yes_confirm_yes_leads_to_the_diagnosis_question() -> None:
    first, intro, diagnosis = play(["yes", "yes"])
    assert first.say == [GREETING] and first.listen and first.state.node is Node.GREETING
    assert intro.say == [
        "This is Jordan from Acme Coffee. I noticed you left some great items in your cart, "
        "and I wanted to personally reach out to see if I can help.",
        CONFIRM,
    ]
    assert intro.state.node is Node.CONFIRM and intro.listen
    assert diagnosis.say == [PRIMARY]
    assert diagnosis.state.node is Node.DIAGNOSIS and diagnosis.listen
    assert diagnosis.outcome is None and not diagnosis.effects


def test_price_objection_offers_the_real_discount_and_yes_applies_it() -> None:
    replies = play([*PRICE_TO_ACCEPT, "no thanks"])
    offer, accepted, goodbye = replies[3], replies[4], replies[5]
    assert offer.say == [DISCOUNT_OFFER]
    assert "30%" in offer.text
    assert offer.state.node is Node.AWAIT_OFFER and offer.state.pending is Action.OFFER_DISCOUNT
    assert offer.outcome is None and not offer.effects

    assert accepted.say == [ACCEPTED]
    assert accepted.outcome is VoiceCallOutcome.DISCOUNT_ACCEPTED
    assert accepted.effects == [Effect.APPLY_DISCOUNT, Effect.SEND_LINK]
    assert accepted.listen and accepted.state.node is Node.AFTER_ACCEPT  # "anything else?"

    assert goodbye.say == [GOODBYE]
    assert goodbye.hangup and not goodbye.listen and not goodbye.effects
    assert goodbye.outcome is VoiceCallOutcome.DISCOUNT_ACCEPTED


def test_the_discount_in_the_offer_is_the_cart_s_own() -> None:
    offer = play(["yes", "yes", "the price"], facts=replace(FACTS, discount_percent="15"))[-1]
    assert "15% off" in offer.text and "30" not in offer.text


def test_shipping_complaint_offers_free_shipping() -> None:
    replies = play(["yes", "yes", "the shipping was a lot", "yes please"])
    offer, accepted = replies[3], replies[4]
    assert offer.say == [SHIPPING_OFFER]
    assert offer.state.pending is Action.OFFER_FREE_SHIPPING
    assert accepted.effects == [Effect.APPLY_FREE_SHIPPING, Effect.SEND_LINK]
    assert accepted.outcome is VoiceCallOutcome.DISCOUNT_ACCEPTED


def test_just_looking_offers_the_link_and_yes_texts_it() -> None:
    replies = play(["yes", "yes", "I was just looking", "yes"])
    offer, sent = replies[3], replies[4]
    assert offer.say == [LINK_OFFER] and offer.state.pending is Action.OFFER_LINK
    assert sent.say == [LINK_SENT]
    assert sent.effects == [Effect.SEND_LINK]
    assert sent.hangup and sent.outcome is VoiceCallOutcome.DECLINED


@pytest.mark.parametrize(
    "busy",
    ["I'm too busy right now", "can you call me later", "bad time, sorry", "no, not right now"],
)
def test_busy_at_confirm_offers_a_callback_link(busy: str) -> None:
    replies = play(["yes", busy, "yes"])
    offer, sent = replies[2], replies[3]
    assert offer.say == [CALLBACK_OFFER]
    assert offer.state.pending is Action.OFFER_CALLBACK_LINK
    assert sent.say == [LINK_SENT] and sent.effects == [Effect.SEND_LINK]
    assert sent.hangup and sent.outcome is VoiceCallOutcome.CALLBACK_REQUESTED


def test_not_interested_offers_the_link_and_no_ends_with_the_declined_closing() -> None:
    replies = play(["yes", "yes", "I'm not interested", "no"])
    offer, closing = replies[3], replies[4]
    assert offer.say == [NOT_INTERESTED] and offer.state.pending is Action.OFFER_LINK
    assert closing.say == [DECLINED]
    assert closing.hangup and not closing.effects
    assert closing.outcome is VoiceCallOutcome.DECLINED


def test_declining_an_offer_ends_politely_without_effects() -> None:
    closing = play(["yes", "yes", "too expensive", "no thank you"])[-1]
    assert closing.say == [DECLINED] and closing.hangup
    assert closing.effects == [] and closing.outcome is VoiceCallOutcome.DECLINED


def test_questions_then_an_answer_transfers_to_a_person() -> None:
    replies = play(["yes", "yes", "I have a question", "yes, is it fair trade?"])
    ask, transfer = replies[3], replies[4]
    assert ask.say == [QUESTIONS] and ask.state.node is Node.AWAIT_ANSWER and ask.listen
    assert transfer.say == [ESCALATE]
    assert transfer.transfer_to == TRANSFER
    assert not transfer.hangup and not transfer.listen
    assert transfer.outcome is VoiceCallOutcome.ESCALATED


def test_questions_without_a_transfer_number_promise_a_callback() -> None:
    facts = replace(FACTS, transfer_number="")
    end = play(["yes", "yes", "I have a question", "yes, is it fair trade?"], facts=facts)[-1]
    assert end.say == [NO_TRANSFER]
    assert end.transfer_to is None and end.hangup
    assert end.outcome is VoiceCallOutcome.CALLBACK_REQUESTED


@pytest.mark.parametrize(
    "answer", ["Does it come in a bigger size?", "At the corner shop, for twenty dollars"]
)
def test_any_answer_to_what_questions_hands_over_to_a_person(answer: str) -> None:
    for opener in ("I have a question", "I found it cheaper somewhere else"):
        replies = play(["yes", "yes", opener, answer])
        assert replies[3].state.node is Node.AWAIT_ANSWER
        assert replies[4].transfer_to == TRANSFER, replies[4].say
        assert replies[4].outcome is VoiceCallOutcome.ESCALATED


# The shortest way to each listening node, and that node.
AT_NODE = {
    Node.GREETING: [],
    Node.CONFIRM: ["yes"],
    Node.DIAGNOSIS: ["yes", "yes"],
    Node.AWAIT_OFFER: ["yes", "yes", "too expensive"],
    Node.AWAIT_ANSWER: ["yes", "yes", "I have a question"],
    Node.AFTER_ACCEPT: ["yes", "yes", "too expensive", "yes"],
}


@pytest.mark.parametrize("node", list(AT_NODE), ids=str)
@pytest.mark.parametrize(
    "words", ["I want to talk to a real person", "Can I speak to a representative?"]
)
def test_asking_for_a_person_anywhere_escalates(node: Node, words: str) -> None:
    replies = play([*AT_NODE[node], words])
    assert replies[-2].state.node is node
    end = replies[-1]
    assert end.say[-1] == ESCALATE
    assert end.transfer_to == TRANSFER and not end.hangup and not end.listen
    expected = (
        VoiceCallOutcome.DISCOUNT_ACCEPTED
        if node is Node.AFTER_ACCEPT
        else VoiceCallOutcome.ESCALATED
    )
    assert end.outcome is expected  # an accepted discount stays the call's result


@pytest.mark.parametrize("node", list(AT_NODE), ids=str)
def test_asking_for_a_person_without_a_transfer_number_promises_a_callback(node: Node) -> None:
    facts = replace(FACTS, transfer_number="")
    end = play([*AT_NODE[node], "I want to talk to a real person"], facts=facts)[-1]
    assert end.say == [NO_TRANSFER] and end.hangup and end.transfer_to is None
    expected = (
        VoiceCallOutcome.DISCOUNT_ACCEPTED
        if node is Node.AFTER_ACCEPT
        else VoiceCallOutcome.CALLBACK_REQUESTED
    )
    assert end.outcome is expected


@pytest.mark.parametrize("node", list(AT_NODE), ids=str)
@pytest.mark.parametrize("words", ["stop calling me", "do not call this number again"])
def test_do_not_call_anywhere_withdraws_consent_and_hangs_up(node: Node, words: str) -> None:
    replies = play([*AT_NODE[node], words])
    assert replies[-2].state.node is node
    end = replies[-1]
    assert end.say == [DO_NOT_CALL]
    assert end.effects == [Effect.WITHDRAW_VOICE_CONSENT]
    assert end.hangup and not end.listen and end.transfer_to is None
    expected = (
        VoiceCallOutcome.DISCOUNT_ACCEPTED
        if node is Node.AFTER_ACCEPT
        else VoiceCallOutcome.DECLINED
    )
    assert end.outcome is expected


@pytest.mark.parametrize("words", ["no, wrong number", "wrong number", "nope, not me"])
def test_wrong_person_at_the_greeting_disconnects(words: str) -> None:
    end = play([words])[-1]
    assert end.say == [WRONG_PERSON]
    assert end.hangup and end.outcome is VoiceCallOutcome.DISCONNECTED and not end.effects


def test_silence_at_the_greeting_asks_again_then_hangs_up() -> None:
    replies = play(["", "", ""])
    for retry, reply in enumerate(replies[1:3], start=1):
        assert reply.say == [GREETING]  # no "sorry" for silence: just the question again
        assert reply.listen and reply.state.retries == retry
    end = replies[3]
    assert end.say == [] and end.hangup
    assert end.outcome is VoiceCallOutcome.DISCONNECTED


@pytest.mark.parametrize("max_retries", [0, 1, 3])
def test_max_retries_is_the_number_of_times_a_question_is_asked_again(max_retries: int) -> None:
    script = VoiceScript.model_validate({"settings": {"maxRetries": max_retries}})
    replies = play(["yes", "yes", *["purple elephants"] * (max_retries + 1)], script=script)
    again = replies[3:-1]
    assert len(again) == max_retries
    assert all(r.say == [NOT_UNDERSTOOD, PRIMARY] for r in again)
    assert replies[-1].say == [DECLINED] and replies[-1].hangup


@pytest.mark.parametrize(
    ("node", "question"),
    [
        (Node.GREETING, GREETING),
        (Node.CONFIRM, CONFIRM),
        (Node.DIAGNOSIS, PRIMARY),
        (Node.AWAIT_OFFER, DISCOUNT_OFFER),
    ],
    ids=str,
)
def test_an_unclear_reply_repeats_the_same_question(node: Node, question: str) -> None:
    replies = play([*AT_NODE[node], "purple elephants", "purple elephants", "purple elephants"])
    start = len(AT_NODE[node])
    assert replies[start].state.node is node
    for reply in replies[start + 1 : start + 3]:
        assert reply.say == [NOT_UNDERSTOOD, question]
        assert reply.listen and reply.state.node is node
    end = replies[-1]
    assert end.say == [DECLINED] and end.hangup
    assert end.outcome is VoiceCallOutcome.DECLINED


def test_an_understood_reply_resets_the_retries() -> None:
    replies = play(["yes", "purple elephants", "yes", "purple elephants", "purple elephants"])
    assert replies[2].state.retries == 1
    assert replies[3].state.node is Node.DIAGNOSIS and replies[3].state.retries == 0
    assert replies[5].state.retries == 2 and replies[5].listen


def test_voicemail_leaves_the_message_and_hangs_up() -> None:
    reply = voicemail(SCRIPT, FACTS)
    assert reply.say == [
        "Hi Sam, this is Jordan from Acme Coffee. You left your Ethiopia Yirgacheffe in your "
        "cart, and we've saved it for you. Come back whenever you're ready. Have a great day!"
    ]
    assert reply.hangup and not reply.listen and not reply.effects
    assert reply.outcome is VoiceCallOutcome.VOICEMAIL and reply.state.node is Node.ENDED


def test_a_reply_after_the_call_ended_only_hangs_up() -> None:
    end = play(["no, wrong number"])[-1]
    after = respond(SCRIPT, FACTS, end.state, Match(Intent.YES))
    assert after.say == [] and after.hangup and not after.listen and not after.effects
    assert after.outcome is VoiceCallOutcome.DISCONNECTED


def test_going_straight_to_the_point_at_the_greeting_skips_the_confirmation() -> None:
    reply = play(["yes, but the delivery fee put me off"])[-1]
    assert reply.say[0].startswith("This is Jordan from Acme Coffee.")
    assert reply.say[1:] == [SHIPPING_OFFER]
    assert reply.state.pending is Action.OFFER_FREE_SHIPPING


def test_another_objection_while_an_offer_awaits_gets_its_own_offer() -> None:
    replies = play(["yes", "yes", "too expensive", "no, it's the delivery", "yes"])
    assert replies[4].say == [SHIPPING_OFFER]
    assert replies[5].effects == [Effect.APPLY_FREE_SHIPPING, Effect.SEND_LINK]


# --- truthfulness --------------------------------------------------------------------------


def test_without_a_discount_a_price_complaint_gets_free_shipping() -> None:
    replies = play(["yes", "yes", "it's too expensive", "yes"], facts=NO_DISCOUNT)
    assert replies[3].say == [SHIPPING_OFFER]
    assert replies[3].state.pending is Action.OFFER_FREE_SHIPPING
    assert replies[4].effects == [Effect.APPLY_FREE_SHIPPING, Effect.SEND_LINK]


def test_without_a_discount_or_free_shipping_a_price_complaint_gets_the_link() -> None:
    replies = play(["yes", "yes", "it's too expensive", "yes"], facts=NOTHING_TO_OFFER)
    assert replies[3].say in LINK_OFFERS
    assert replies[3].state.pending is Action.OFFER_LINK
    assert replies[4].effects == [Effect.SEND_LINK]
    assert replies[4].outcome is VoiceCallOutcome.DECLINED


def test_without_free_shipping_a_shipping_complaint_is_never_promised_a_waiver() -> None:
    facts = replace(FACTS, free_shipping=False)
    offer = play(["yes", "yes", "the shipping was a lot"], facts=facts)[-1]
    assert "shipping" not in offer.text
    assert offer.say in LINK_OFFERS and offer.state.pending is Action.OFFER_LINK


@pytest.mark.parametrize("facts", [NO_DISCOUNT, NOTHING_TO_OFFER], ids=["no_discount", "nothing"])
@pytest.mark.parametrize(
    "script_type",
    [
        VoiceScriptType.CART_RECOVERY_PERSONAL,
        VoiceScriptType.CART_RECOVERY_DISCOUNT,
        VoiceScriptType.CART_RECOVERY_HELP,
    ],
    ids=str,
)
def test_without_a_discount_no_call_ever_mentions_a_percentage(
    facts: CallFacts, script_type: VoiceScriptType
) -> None:
    facts = replace(facts, script_type=script_type)
    said: list[str] = [voicemail(SCRIPT, facts).text]
    for conversation in CONVERSATIONS:
        said += [r.text for r in play(conversation.lines, facts=facts, until_end=True)]
    assert len(said) > len(CONVERSATIONS)
    assert [text for text in said if "%" in text] == []


def test_the_cheaper_objection_promises_price_matching_only_when_offered() -> None:
    matched = play(["yes", "yes", "I found it cheaper somewhere else"])[-1]
    assert matched.say == [PRICE_MATCH]
    assert matched.state.node is Node.AWAIT_ANSWER

    no_match = replace(FACTS, price_match=False)
    fallback = play(["yes", "yes", "I found it cheaper somewhere else"], facts=no_match)[-1]
    assert "price match" not in fallback.text.lower()
    assert fallback.say == [SHIPPING_OFFER]

    nothing = play(["yes", "yes", "I saw a better price online"], facts=NOTHING_TO_OFFER)[-1]
    assert "price match" not in nothing.text.lower()
    assert nothing.say in LINK_OFFERS and nothing.state.pending is Action.OFFER_LINK


# --- script types --------------------------------------------------------------------------


def test_discount_script_leads_with_the_offer_and_yes_accepts_it() -> None:
    facts = replace(FACTS, script_type=VoiceScriptType.CART_RECOVERY_DISCOUNT)
    replies = play(["yes", "yes", "yes, that would help"], facts=facts)
    assert replies[2].say == [
        "I see you had our Ethiopia Yirgacheffe in your cart. I can offer you 30% off your "
        "order right now. Would that help?"
    ]
    accepted = replies[3]
    assert accepted.say == [ACCEPTED]
    assert accepted.effects == [Effect.APPLY_DISCOUNT, Effect.SEND_LINK]
    assert accepted.outcome is VoiceCallOutcome.DISCOUNT_ACCEPTED


def test_discount_script_no_declines() -> None:
    facts = replace(FACTS, script_type=VoiceScriptType.CART_RECOVERY_DISCOUNT)
    end = play(["yes", "yes", "no thanks"], facts=facts)[-1]
    assert end.say == [DECLINED] and not end.effects
    assert end.outcome is VoiceCallOutcome.DECLINED


def test_discount_script_without_a_discount_asks_the_primary_question() -> None:
    facts = replace(NO_DISCOUNT, script_type=VoiceScriptType.CART_RECOVERY_DISCOUNT)
    assert play(["yes", "yes"], facts=facts)[-1].say == [PRIMARY]


HELP_QUESTION = (
    "I see you had our Ethiopia Yirgacheffe in your cart. Do you have any questions about it "
    "that I can help with?"
)


def test_help_script_leads_with_the_help_question() -> None:
    facts = replace(FACTS, script_type=VoiceScriptType.CART_RECOVERY_HELP)
    replies = play(["yes", "yes"], facts=facts)
    assert replies[2].say == [HELP_QUESTION] and replies[2].state.node is Node.DIAGNOSIS


@pytest.mark.parametrize("price_match", [True, False])
def test_help_script_yes_asks_what_their_questions_are(price_match: bool) -> None:
    facts = replace(FACTS, script_type=VoiceScriptType.CART_RECOVERY_HELP, price_match=price_match)
    reply = play(["yes", "yes", "yes"], facts=facts)[-1]
    assert reply.say == [QUESTIONS]
    assert reply.state.node is Node.AWAIT_ANSWER


def test_help_script_no_offers_to_keep_the_cart() -> None:
    facts = replace(FACTS, script_type=VoiceScriptType.CART_RECOVERY_HELP)
    offer = play(["yes", "yes", "no, not really"], facts=facts)[-1]
    assert offer.say in LINK_OFFERS and offer.state.pending is Action.OFFER_LINK


# --- a company's own script ----------------------------------------------------------------

CUSTOM = VoiceScript.model_validate(
    {
        "opening": {"greeting": "Hey {{customerName}}, it's {{agentName}}. Got a sec?"},
        "diagnosis": {
            "primaryQuestion": "Anything stop you buying the {{itemCount}} items, "
            "{{cartTotal}} in all?",
            "followUps": [
                {
                    "trigger": "pricey|spendy",
                    "response": "I can knock {{discountPercent}} percent off for you.",
                    "action": "OFFER_DISCOUNT",
                },
                {
                    "trigger": "broken|complaint",
                    "response": "I'm sorry to hear that.",
                    "action": "ESCALATE",
                },
            ],
        },
        "objectionHandling": {
            "patterns": [
                {
                    "trigger": "too busy|call me later",
                    "response": "Shall I text you a link for later?",
                    "action": "OFFER_CALLBACK_LINK",
                }
            ]
        },
        "closing": {"declined": "Okay {{customerName}}, bye for now."},
        "settings": {"maxRetries": 1},
    }
)


def test_a_custom_script_changes_what_is_said_and_matched() -> None:
    replies = play(["yes", "yes", "it's a bit spendy", "nope"], script=CUSTOM)
    assert replies[0].say == ["Hey Sam, it's Jordan. Got a sec?"]
    assert replies[2].say == ["Anything stop you buying the 2 items, $245.00 in all?"]
    assert replies[3].say == ["I can knock 30 percent off for you."]
    assert replies[4].say == ["Okay Sam, bye for now."]


def test_a_custom_script_s_replaced_triggers_no_longer_match() -> None:
    assert pattern_match(CUSTOM, Node.DIAGNOSIS, "the shipping").intent is None
    replies = play(["yes", "yes", "the shipping", "the shipping"], script=CUSTOM)
    assert replies[3].say[0] == NOT_UNDERSTOOD
    assert replies[4].say == ["Okay Sam, bye for now."]  # maxRetries 1


def test_a_custom_escalate_rule_hands_over() -> None:
    replies = play(["yes", "yes", "it arrived broken"], script=CUSTOM)
    assert replies[3].say == ["I'm sorry to hear that.", ESCALATE]
    assert replies[3].transfer_to == TRANSFER
    assert replies[3].outcome is VoiceCallOutcome.ESCALATED


def test_a_custom_script_with_no_link_rule_declines_instead() -> None:
    assert not [r for r in CUSTOM.rules() if r.action is Action.OFFER_LINK]
    end = play(["yes", "yes", "it's a bit spendy"], facts=NOTHING_TO_OFFER, script=CUSTOM)[-1]
    assert end.say == ["Okay Sam, bye for now."] and end.hangup
    assert "percent" not in end.text


# --- pattern_match -------------------------------------------------------------------------


def test_yes_wins_over_a_rule_while_an_offer_awaits() -> None:
    words = "yes please, the price was the problem"
    assert pattern_match(SCRIPT, Node.AWAIT_OFFER, words) == Match(Intent.YES)
    price = rule_index(SCRIPT, "price")
    assert pattern_match(SCRIPT, Node.DIAGNOSIS, words) == Match(Intent.RULE, price)


def test_no_wins_over_yes() -> None:
    assert pattern_match(SCRIPT, Node.CONFIRM, "no, not right now") == Match(Intent.NO)
    assert pattern_match(SCRIPT, Node.AWAIT_OFFER, "no, not right now, sure") == Match(Intent.NO)


@pytest.mark.parametrize(
    ("words", "intent"),
    [
        ("Don’t call me again", Intent.DO_NOT_CALL),
        ("DON'T CALL ME AGAIN", Intent.DO_NOT_CALL),
        ("Please remove me from your list", Intent.DO_NOT_CALL),
        ("Yes, but please STOP CALLING", Intent.DO_NOT_CALL),
        ("That’s me", Intent.YES),
        ("YEAH", Intent.YES),
        ("  yes   please ", Intent.YES),
        ("Nope.", Intent.NO),
        ("Can I talk to a HUMAN?", Intent.HUMAN),
        ("", None),
        ("purple elephants", None),
    ],
)
def test_pattern_match_case_apostrophes_and_spacing(words: str, intent: Intent | None) -> None:
    assert pattern_match(SCRIPT, Node.CONFIRM, words).intent is intent


def test_objections_win_over_follow_ups() -> None:
    cheaper = rule_index(SCRIPT, "found it cheaper")
    assert pattern_match(SCRIPT, Node.DIAGNOSIS, "I got a better price") == Match(
        Intent.RULE, cheaper
    )
    not_interested = rule_index(SCRIPT, "not interested")
    assert pattern_match(SCRIPT, Node.DIAGNOSIS, "not interested, too expensive") == Match(
        Intent.RULE, not_interested
    )


def test_triggers_match_whole_words_only() -> None:
    # "cost" is a trigger, "costume" is not; "busy" is, "busybody" is not.
    assert pattern_match(SCRIPT, Node.DIAGNOSIS, "a costume for my busybody").intent is None
    assert pattern_match(SCRIPT, Node.DIAGNOSIS, "the cost").intent is Intent.RULE


def test_i_do_not_is_not_a_yes() -> None:
    assert pattern_match(SCRIPT, Node.CONFIRM, "I do not.").intent is not Intent.YES


# --- sentiment and state -------------------------------------------------------------------


def test_sentiment() -> None:
    accepted = VoiceCallOutcome.DISCOUNT_ACCEPTED
    assert sentiment(["yes", "yes please, that's great, thank you"], accepted) is Sentiment.POSITIVE
    assert sentiment(["this is ridiculous, stop calling"], None) is Sentiment.NEGATIVE
    assert (
        sentiment(["this is ridiculous, stop calling"], VoiceCallOutcome.DECLINED)
        is Sentiment.NEGATIVE
    )
    assert sentiment(["yes", "okay"], None) is Sentiment.NEUTRAL
    assert sentiment([], accepted) is None


def test_state_round_trips_through_json() -> None:
    states = [
        State(),
        State(Node.AWAIT_OFFER, retries=1, turn=4, pending=Action.OFFER_DISCOUNT),
        State(Node.ENDED, turn=7, outcome=VoiceCallOutcome.CALLBACK_REQUESTED),
        *(r.state for r in play([*PRICE_TO_ACCEPT, "no thanks"])),
    ]
    for state in states:
        stored = json.loads(json.dumps(state.as_dict()))
        assert State.from_dict(stored) == state
    assert State.from_dict(None) == State() == State.from_dict({})
    assert State(Node.AWAIT_OFFER, pending=Action.OFFER_LINK).as_dict() == {
        "node": "AWAIT_OFFER",
        "retries": 0,
        "turn": 0,
        "pending": "OFFER_LINK",
        "outcome": None,
    }


def test_a_stored_state_continues_the_call() -> None:
    offer = play(["yes", "yes", "too expensive"])[-1]
    restored = State.from_dict(json.loads(json.dumps(offer.state.as_dict())))
    accepted = respond(SCRIPT, FACTS, restored, pattern_match(SCRIPT, restored.node, "yes"))
    assert accepted.effects == [Effect.APPLY_DISCOUNT, Effect.SEND_LINK]
