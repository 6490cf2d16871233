"""ClaudeMatcher through the real anthropic client against the local fake Messages API.

One fake server serves the module (stopping one takes half a second); each test starts with
its queue and its recorded requests empty.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from cart_admin.channels.ai import AICompleter, TokenUsage
from cart_admin.domain.voice.config import VoiceScript
from cart_admin.domain.voice.matcher import ClaudeMatcher, PatternMatcher, options
from cart_admin.domain.voice.script import Intent, Match, Node, pattern_match
from tests.fakes.anthropic_server import FakeAnthropicServer

SCRIPT = VoiceScript()
MODEL = "claude-haiku-4-5"
ASKED = (
    "I see you had our Ethiopia Yirgacheffe in your cart. Was there anything about your order "
    "that gave you pause?"
)


def rule_index(first_phrase: str) -> int:
    return next(
        i for i, rule in enumerate(SCRIPT.rules()) if rule.trigger.split("|")[0] == first_phrase
    )


def option_number(intent: Intent, rule: int | None = None) -> int:
    """The 1-based number Claude answers for an intent (and rule)."""
    listed = [(i, r) for i, r, _ in options(SCRIPT)]
    return listed.index((intent, rule)) + 1


class Usage:
    """Records `on_usage(usage, model, outcome)` calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[TokenUsage, str, str]] = []

    def __call__(self, usage: TokenUsage, model: str, outcome: str) -> None:
        self.calls.append((usage, model, outcome))


@pytest.fixture
def usage() -> Usage:
    return Usage()


@pytest.fixture(scope="module")
def shared_server() -> Iterator[FakeAnthropicServer]:
    with FakeAnthropicServer() as server:
        yield server


@pytest.fixture
def server(shared_server: FakeAnthropicServer) -> Iterator[FakeAnthropicServer]:
    shared_server.replies.clear()
    shared_server.requests.clear()
    yield shared_server
    shared_server.replies.clear()


def matcher_for(server: FakeAnthropicServer, usage: Usage, timeout: float = 3.0) -> ClaudeMatcher:
    completer = AICompleter(api_key="test", model=MODEL, base_url=server.base_url)
    return ClaudeMatcher(completer, on_usage=usage, timeout=timeout)


def test_claude_s_choice_is_the_match(server: FakeAnthropicServer, usage: Usage) -> None:
    cheaper = rule_index("found it cheaper")
    number = option_number(Intent.RULE, cheaper)
    server.reply_json({"choice": number})
    words = "I saw the same beans for less at the supermarket"
    match = matcher_for(server, usage).match(SCRIPT, Node.DIAGNOSIS, ASKED, words)
    assert match == Match(Intent.RULE, cheaper, by="claude")
    assert pattern_match(SCRIPT, Node.DIAGNOSIS, words).intent is None  # only Claude got it

    (request,) = server.requests
    assert request.model == MODEL
    prompt = request.prompt
    assert words in prompt and ASKED in prompt
    assert "0. none of these, or unclear" in prompt
    assert f'{number}. talks about something like "found it cheaper"' in prompt
    for n, (_, _, description) in enumerate(options(SCRIPT), start=1):
        assert f"{n}. {description}" in prompt
    assert "Answer with the option's number only." in request.system
    schema = request.body["output_config"]["format"]
    assert schema["type"] == "json_schema" and "choice" in schema["schema"]["properties"]
    assert usage.calls == [(TokenUsage(101, 3), MODEL, "used")]


@pytest.mark.parametrize(
    ("intent", "words"),
    [
        (Intent.YES, "that'd be lovely"),
        (Intent.NO, "I'd rather not"),
        (Intent.DO_NOT_CALL, "please lose my number"),
        (Intent.HUMAN, "put someone real on"),
    ],
)
def test_claude_s_fixed_choices(
    server: FakeAnthropicServer, usage: Usage, intent: Intent, words: str
) -> None:
    server.reply_json({"choice": option_number(intent)})
    match = matcher_for(server, usage).match(SCRIPT, Node.AWAIT_OFFER, "Shall I?", words)
    assert match == Match(intent, None, by="claude")


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("it was too expensive", Match(Intent.RULE, 3)),
        ("purple elephants", Match(None)),
        ("yes please", Match(Intent.YES)),
    ],
)
def test_choice_zero_falls_back_to_the_phrases(
    server: FakeAnthropicServer, usage: Usage, words: str, expected: Match
) -> None:
    assert expected.rule is None or expected.rule == rule_index("price")
    server.reply_json({"choice": 0})
    match = matcher_for(server, usage).match(SCRIPT, Node.DIAGNOSIS, ASKED, words)
    assert match == expected and match.by == "pattern"
    assert [outcome for _, _, outcome in usage.calls] == ["used"]


@pytest.mark.parametrize("choice", [len(options(SCRIPT)) + 1, 64])
def test_a_number_out_of_range_falls_back(
    server: FakeAnthropicServer, usage: Usage, choice: int
) -> None:
    server.reply_json({"choice": choice})
    match = matcher_for(server, usage).match(
        SCRIPT, Node.DIAGNOSIS, ASKED, "the shipping was a lot"
    )
    assert match == Match(Intent.RULE, rule_index("shipping"), by="pattern")
    assert len(server.requests) == 1


@pytest.mark.parametrize("reply", [{"choice": 999}, {"choice": -1}, {"answer": "yes"}, "YES"])
def test_an_invalid_reply_falls_back_and_is_recorded_as_failed(
    server: FakeAnthropicServer, usage: Usage, reply: object
) -> None:
    if isinstance(reply, str):
        server.reply_text(reply)
    else:
        server.reply_json(reply)
    match = matcher_for(server, usage).match(
        SCRIPT, Node.DIAGNOSIS, ASKED, "the shipping was a lot"
    )
    assert match == Match(Intent.RULE, rule_index("shipping"), by="pattern")
    ((spent, model, outcome),) = usage.calls
    assert outcome == "failed" and model == MODEL
    assert spent.input_tokens == 101  # the reply arrived: its tokens still count


@pytest.mark.parametrize("status", [500, 529, 400, 429])
def test_an_http_error_falls_back(server: FakeAnthropicServer, usage: Usage, status: int) -> None:
    server.reply_status(status, "overloaded")
    match = matcher_for(server, usage).match(
        SCRIPT, Node.CONFIRM, "Do you have a quick moment?", "no, not right now"
    )
    assert match == Match(Intent.NO)
    assert len(server.requests) == 1  # no retries: a caller is waiting
    assert usage.calls == [(TokenUsage(0, 0), MODEL, "failed")]


def test_a_hang_falls_back_within_the_timeout(server: FakeAnthropicServer, usage: Usage) -> None:
    server.reply_slowly(3.0, {"choice": 1})
    matcher = matcher_for(server, usage, timeout=0.5)
    started = time.monotonic()
    match = matcher.match(SCRIPT, Node.DIAGNOSIS, ASKED, "it was too expensive")
    elapsed = time.monotonic() - started
    assert match == Match(Intent.RULE, rule_index("price"), by="pattern")
    assert elapsed < 2.0
    assert usage.calls == [(TokenUsage(0, 0), MODEL, "failed")]


def test_no_words_are_never_sent_to_claude(server: FakeAnthropicServer, usage: Usage) -> None:
    matcher = matcher_for(server, usage)
    assert matcher.match(SCRIPT, Node.GREETING, "Hi, is this Sam?", "   ") == Match(None)
    assert server.requests == [] and usage.calls == []


def test_every_request_records_its_usage(server: FakeAnthropicServer, usage: Usage) -> None:
    server.reply_json({"choice": option_number(Intent.YES)})
    server.reply_status(500)
    server.reply_json({"choice": 0})
    server.reply_json({"choice": option_number(Intent.NO)})
    matcher = matcher_for(server, usage)
    results = [
        matcher.match(SCRIPT, Node.CONFIRM, "Do you have a quick moment?", words)
        for words in ("sure thing", "sure thing", "sure thing", "sure thing")
    ]
    assert [m.by for m in results] == ["claude", "pattern", "pattern", "claude"]
    assert [m.intent for m in results] == [Intent.YES, Intent.YES, Intent.YES, Intent.NO]
    assert len(server.requests) == 4
    assert [(u.input_tokens, u.output_tokens, outcome) for u, _, outcome in usage.calls] == [
        (101, 3, "used"),
        (0, 0, "failed"),
        (103, 3, "used"),
        (104, 3, "used"),
    ]
    assert {model for _, model, _ in usage.calls} == {MODEL}


@pytest.mark.parametrize("node", list(Node), ids=str)
@pytest.mark.parametrize(
    "words",
    [
        "yes please, the price was the problem",
        "no, not right now",
        "Don’t call me again",
        "I want to talk to a real person",
        "I found it cheaper",
        "just looking",
        "purple elephants",
        "",
    ],
)
def test_the_pattern_fallback_is_pattern_match(node: Node, words: str) -> None:
    assert PatternMatcher().match(SCRIPT, node, "anything", words) == pattern_match(
        SCRIPT, node, words
    )


def test_the_fallback_after_a_failure_is_pattern_match(
    server: FakeAnthropicServer, usage: Usage
) -> None:
    words = "yes please, the price was the problem"
    for _ in range(2):
        server.reply_status(500)
    matcher = matcher_for(server, usage)
    for node in (Node.AWAIT_OFFER, Node.DIAGNOSIS):
        assert matcher.match(SCRIPT, node, "?", words) == pattern_match(SCRIPT, node, words)
