"""The admin's script simulator: the same engine and the same TwiML as a call."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from dataclasses import replace

from cart_admin.domain.voice import simulator
from cart_admin.domain.voice.config import VoiceScript
from cart_admin.domain.voice.script import CallFacts, Node, pattern_match, respond
from cart_admin.domain.voice.simulator import SimTurn
from cart_admin.models import VoiceCallOutcome

SCRIPT = VoiceScript()
FACTS = CallFacts(
    customer_name="Sam",
    agent_name="Jordan",
    company_name="Acme Coffee",
    top_item_name="Ethiopia Yirgacheffe",
    item_count=2,
    cart_total="$245.00",
    discount_percent="30",
    free_shipping=True,
)
BASE_URL = "https://admin.example/"


def parse(turn: SimTurn) -> ET.Element:
    root = ET.fromstring(turn.twiml.encode())
    assert root.tag == "Response"
    return root


def spoken(root: ET.Element) -> list[str]:
    return [say.text or "" for say in root.iter("Say")]


def run(lines: list[str], facts: CallFacts = FACTS) -> list[SimTurn]:
    turn = simulator.start(SCRIPT, facts, base_url=BASE_URL)
    turns = [turn]
    for line in lines:
        assert turn.listening
        turn = simulator.answer(SCRIPT, facts, turn.state, line, base_url=BASE_URL)
        turns.append(turn)
    return turns


def test_a_price_objection_to_an_accepted_discount() -> None:
    turns = run(["yes", "Yes, I have a minute", "Honestly it was too expensive", "yes please"])
    for number, turn in enumerate(turns):
        root = parse(turn)
        assert spoken(root) == turn.say
        assert turn.state.turn == number
        gather = root.find("Gather")
        assert gather is not None and turn.listening
        assert gather.get("action") == (
            "https://admin.example/api/webhooks/twilio/voice/simulated/gather"
            f"?turn={turn.state.turn}"
        )

    start, greeted, confirmed, objection, accepted = turns
    assert start.say == ["Hi, is this Sam?"] and start.heard is None
    assert start.understood_as is None
    assert greeted.heard == "yes" and greeted.understood_as == "YES"
    assert confirmed.state.node is Node.DIAGNOSIS

    assert objection.heard == "Honestly it was too expensive"
    assert objection.understood_as == SCRIPT.diagnosis.follow_ups[0].trigger
    assert "30% off" in objection.say[0]
    assert objection.effects == []

    assert accepted.understood_as == "YES"
    assert accepted.effects == ["APPLY_DISCOUNT", "SEND_LINK"]
    assert accepted.state.outcome is VoiceCallOutcome.DISCOUNT_ACCEPTED
    assert accepted.listening and not accepted.ended  # "anything else I can help with?"


def test_the_simulator_says_what_the_engine_says() -> None:
    turns = run(["yes", "yes", "too expensive"])
    for before, after in itertools.pairwise(turns):
        assert after.heard is not None
        match = pattern_match(SCRIPT, before.state.node, after.heard)
        assert respond(SCRIPT, FACTS, before.state, match).say == after.say


def test_the_call_ends_with_a_hangup() -> None:
    end = run(["yes", "yes", "too expensive", "yes", "no thanks"])[-1]
    assert end.ended and not end.listening
    root = parse(end)
    assert list(root)[-1].tag == "Hangup" and root.find("Gather") is None
    assert end.state.outcome is VoiceCallOutcome.DISCOUNT_ACCEPTED


def test_a_transfer_is_not_listening() -> None:
    facts = replace(FACTS, transfer_number="+15550002222")
    end = run(["I want to talk to a real person"], facts)[-1]
    assert end.transfer_to == "+15550002222" and end.ended
    dial = parse(end).find("Dial")
    assert dial is not None and dial.text == "+15550002222"


def test_silence_is_an_empty_answer() -> None:
    turns = run(["", "   "])
    for turn in turns[1:]:
        assert turn.heard is None and turn.understood_as is None
        assert turn.say == ["Hi, is this Sam?"] and turn.listening
    assert turns[-1].state.retries == 2


def test_an_answering_machine_gets_the_voicemail() -> None:
    turn = simulator.start(SCRIPT, FACTS, base_url=BASE_URL, machine=True)
    root = parse(turn)
    assert [e.tag for e in root] == ["Say", "Hangup"]
    assert spoken(root) == turn.say
    assert turn.say[0].startswith("Hi Sam, this is Jordan from Acme Coffee.")
    assert turn.ended and turn.state.outcome is VoiceCallOutcome.VOICEMAIL
