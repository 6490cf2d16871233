"""Every reply of every scripted conversation, rendered as TwiML and parsed back as XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

from cart_admin.domain.voice import twiml
from cart_admin.domain.voice.config import VoiceScript
from cart_admin.domain.voice.script import Reply, opening, voicemail
from tests.domain.voice.test_script import (
    CONVERSATION_IDS,
    CONVERSATIONS,
    FACTS,
    SCRIPT,
    TRANSFER,
    Conversation,
    play,
)

CALLER_ID = "+15550001111"
VOICE = "Polly.Joanna"


def gather_url(turn: int) -> str:
    return f"https://app.example/api/webhooks/twilio/voice/abc/gather?turn={turn}"


def parse(document: str) -> ET.Element:
    root = ET.fromstring(document.encode())
    assert root.tag == "Response"
    return root


def says(elements: list[ET.Element], voice: str = VOICE) -> list[str]:
    """The text of `<Say>` elements, each checked to be a plain `<Say>` in the script's voice."""
    out = []
    for element in elements:
        assert element.tag == "Say", ET.tostring(element)
        assert element.attrib == {"voice": voice}
        assert len(element) == 0  # no SSML at speech rate 1.0
        out.append(element.text or "")
    return out


def check(reply: Reply, document: str, url: str) -> None:
    """The document does what the reply says: listen, hand over, or hang up."""
    root = parse(document)
    children = list(root)
    all_tags = [e.tag for e in root.iter()]
    assert sum([reply.listen, bool(reply.transfer_to), reply.hangup]) == 1, reply
    if reply.listen:
        assert [e.tag for e in children] == ["Gather"]
        assert all_tags.count("Gather") == 1
        gather = children[0]
        assert gather.get("input") == "speech"
        assert gather.get("method") == "POST"
        assert gather.get("actionOnEmptyResult") == "true"
        assert gather.get("action") == url
        assert says(list(gather)) == reply.say
        assert "Hangup" not in all_tags and "Dial" not in all_tags
    elif reply.transfer_to:
        assert "Gather" not in all_tags and "Hangup" not in all_tags
        *spoken, dial = children
        assert says(spoken) == reply.say
        assert dial.tag == "Dial"
        assert (dial.text or "").strip() == reply.transfer_to
        assert dial.get("callerId") == CALLER_ID
    else:
        assert "Gather" not in all_tags and "Dial" not in all_tags
        *spoken, hangup = children
        assert hangup.tag == "Hangup" and len(hangup) == 0
        assert says(spoken) == reply.say


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=CONVERSATION_IDS)
def test_every_reply_of_every_conversation_is_valid_twiml(conversation: Conversation) -> None:
    replies = conversation.play()
    for reply in replies:
        url = gather_url(reply.state.turn)
        document = twiml.render(reply, conversation.script, gather_url=url, caller_id=CALLER_ID)
        assert document.startswith("<?xml")
        check(reply, document, url)
    last = parse(
        twiml.render(replies[-1], conversation.script, gather_url="x", caller_id=CALLER_ID)
    )
    assert list(last)[-1].tag in {"Hangup", "Dial"}  # the call ends either way


def test_the_kinds_of_document_are_all_covered() -> None:
    replies = [r for c in CONVERSATIONS for r in c.play()]
    assert any(r.listen for r in replies)
    assert any(r.transfer_to for r in replies)
    assert any(r.hangup and r.say for r in replies)
    assert any(r.hangup and not r.say for r in replies)  # silence: just <Hangup/>


def test_listening_document_in_full() -> None:
    reply = play(["yes"])[-1]
    root = parse(twiml.render(reply, SCRIPT, gather_url=gather_url(1), caller_id=CALLER_ID))
    gather = root.find("Gather")
    assert gather is not None
    assert gather.get("language") == "en-US"
    assert gather.get("speechTimeout") == "auto"
    assert gather.get("timeout") == str(twiml.GATHER_TIMEOUT_SECONDS)
    hints = (gather.get("hints") or "").split(", ")
    assert {"price", "expensive", "shipping", "not interested", "too busy"} <= set(hints)
    assert says(list(gather)) == reply.say and len(reply.say) == 2


def test_an_ampersand_in_the_gather_url_is_escaped_and_parses_back() -> None:
    url = "https://app.example/api/webhooks/twilio/voice/abc/gather?turn=3&sig=a<b>\"c'"
    document = twiml.render(opening(SCRIPT, FACTS), SCRIPT, gather_url=url)
    assert "&amp;sig=" in document
    gather = parse(document).find("Gather")
    assert gather is not None and gather.get("action") == url


def test_transfer_dials_the_number_with_the_caller_id() -> None:
    reply = play(["I want to talk to a real person"])[-1]
    assert reply.transfer_to == TRANSFER
    root = parse(twiml.render(reply, SCRIPT, gather_url=gather_url(1), caller_id=CALLER_ID))
    assert [e.tag for e in root] == ["Say", "Dial"]
    dial = root.find("Dial")
    assert dial is not None and dial.text == TRANSFER
    assert dial.get("callerId") == CALLER_ID
    assert root.find("Hangup") is None


def test_transfer_without_a_caller_id_leaves_it_out() -> None:
    reply = play(["I want to talk to a real person"])[-1]
    dial = parse(twiml.render(reply, SCRIPT, gather_url=gather_url(1))).find("Dial")
    assert dial is not None and "callerId" not in dial.attrib and dial.text == TRANSFER


def test_voicemail_says_the_message_and_hangs_up() -> None:
    reply = voicemail(SCRIPT, FACTS)
    root = parse(twiml.render(reply, SCRIPT, gather_url=gather_url(0), caller_id=CALLER_ID))
    assert [e.tag for e in root] == ["Say", "Hangup"]
    assert says(list(root)[:1]) == reply.say


def test_silence_beyond_the_retries_is_a_bare_hangup() -> None:
    reply = play(["", "", ""])[-1]
    root = parse(twiml.render(reply, SCRIPT, gather_url=gather_url(3)))
    assert [e.tag for e in root] == ["Hangup"]


@pytest.mark.parametrize(("rate", "percent"), [(0.9, "90%"), (1.25, "125%"), (0.5, "50%")])
def test_speech_rate_renders_prosody(rate: float, percent: str) -> None:
    script = VoiceScript.model_validate(
        {"settings": {"speechRate": rate, "voice": "Polly.Matthew"}}
    )
    listening = play(["yes"], script=script)
    hanging_up = play(["no, wrong number"], script=script)[-1]
    assert listening[-1].listen and hanging_up.hangup
    for reply in [*listening, hanging_up]:
        root = parse(twiml.render(reply, script, gather_url=gather_url(reply.state.turn)))
        spoken = list(root.iter("Say"))
        assert len(spoken) == len(reply.say) > 0
        for say, line in zip(spoken, reply.say, strict=True):
            assert say.get("voice") == "Polly.Matthew"
            assert not (say.text or "").strip()
            (prosody,) = list(say)
            assert prosody.tag == "prosody"
            assert prosody.attrib == {"rate": percent}
            assert prosody.text == line


def test_special_characters_in_lines_are_escaped_and_survive_the_parse() -> None:
    line = 'Tom & Jerry\'s <best> "deal", {{customerName}}!'
    script = VoiceScript.model_validate(
        {"opening": {"greeting": line, "confirmContinue": "Got a sec? <yes/no> & more"}}
    )
    facts = replace(FACTS, customer_name="Ann & <Bo>")
    replies = play(["yes"], script=script, facts=facts)
    greeting = twiml.render(replies[0], script, gather_url=gather_url(0))
    assert "&amp;" in greeting and "&lt;best&gt;" in greeting
    gather = parse(greeting).find("Gather")
    assert gather is not None
    assert says(list(gather)) == ['Tom & Jerry\'s <best> "deal", Ann & <Bo>!']
    confirm = parse(twiml.render(replies[1], script, gather_url=gather_url(1))).find("Gather")
    assert confirm is not None and says(list(confirm))[-1] == "Got a sec? <yes/no> & more"
    # The same through <prosody>.
    slow = script.model_copy(
        update={"settings": script.settings.model_copy(update={"speech_rate": 0.9})}
    )
    prosody = parse(twiml.render(replies[0], slow, gather_url="u")).find("Gather/Say/prosody")
    assert prosody is not None and prosody.text == 'Tom & Jerry\'s <best> "deal", Ann & <Bo>!'


def test_hang_up_is_a_valid_document() -> None:
    root = parse(twiml.hang_up())
    assert [e.tag for e in root] == ["Hangup"]
    root = parse(twiml.hang_up("Sorry & goodbye <3", SCRIPT))
    assert [e.tag for e in root] == ["Say", "Hangup"]
    assert says(list(root)[:1]) == ["Sorry & goodbye <3"]
    assert [e.tag for e in parse(twiml.hang_up("ignored without a script"))] == ["Hangup"]
