"""Claude's writer through the real anthropic client against the local fake Messages API:
good replies, malformed ones, untrue ones (regenerated once, then the template), HTTP errors,
timeouts, and the monthly token budget."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from cart_admin.domain import ai_budget
from cart_admin.domain.save_flow.content import TEMPLATES, PinnedText
from cart_admin.models import AIUsage, ContentSettings
from cart_admin.models import CartSaveStage as S
from cart_admin.models.enums import AIPurpose
from tests.domain.recovery_content.claude import MODEL, pipeline, true_message
from tests.domain.recovery_content.samples import NOW, sample_ctx
from tests.factories import make_company


@pytest.fixture
def company_id(session) -> str:
    company = make_company(session, name="Bluebird Coffee")
    session.commit()
    return company.id


def usage_rows(engine) -> list[AIUsage]:
    with Session(engine) as s:
        return list(s.exec(select(AIUsage).order_by(AIUsage.created_at, AIUsage.id)))


def test_a_true_reply_is_sent_with_its_usage_recorded(engine, company_id, anthropic_server):
    ctx = sample_ctx(S.NUCLEAR_OFFER, company_id=company_id, brand_voice="playful")
    anthropic_server.reply_json(true_message(ctx))
    content = pipeline(anthropic_server, engine, NOW).write(ctx)

    assert content.writer == "ai" and content.headline == "Your picks are waiting"
    assert content.triggers_applied == []  # "MADE_UP" and unselected triggers are dropped
    (request,) = anthropic_server.requests
    assert request.model == MODEL
    assert "playful brand voice" in request.system and "tone: urgent" in request.system
    prompt = request.texts[0]
    for fact in (
        "Kenya Nyeri AA x 2 ($21.00 each)",
        "Cart total: $76.00",
        "30% off",
        ctx.code,
        "previous orders",
        "EXCLUSIVITY",
        "Only 3 left of Kenya Nyeri AA",
    ):
        assert fact in prompt, fact
    (row,) = usage_rows(engine)
    assert row.purpose is AIPurpose.CONTENT and row.outcome == "ok" and row.model == MODEL
    assert row.input_tokens == 101 and row.output_tokens > 0
    expected = ai_budget.cost_usd(MODEL, ai_budget.TokenUsage(101, row.output_tokens))
    assert row.cost_usd == expected > 0
    assert content.usage == {
        "model": MODEL,
        "requests": 1,
        "inputTokens": 101,
        "outputTokens": row.output_tokens,
        "costUsd": str(expected),
    }


def test_a_malformed_reply_falls_back_to_the_template(engine, company_id, anthropic_server):
    ctx = sample_ctx(S.PATTERN_INTERRUPT, company_id=company_id)
    anthropic_server.reply_text('{"subject": "Hi", "body": ')  # cut off
    content = pipeline(anthropic_server, engine, NOW).write(ctx)
    assert content.writer == "template"
    assert content.subject == TEMPLATES.write(ctx).subject
    assert "not a valid message" in content.notes[0]
    assert [r.outcome for r in usage_rows(engine)] == ["invalid"]


def test_a_wrong_discount_is_regenerated_once_with_the_findings(
    engine, company_id, anthropic_server
):
    ctx = sample_ctx(S.NUCLEAR_OFFER, company_id=company_id)
    wrong = true_message(ctx, body=f"Hi Ada, take 40% off with {ctx.code}.")
    anthropic_server.reply_json(wrong)
    anthropic_server.reply_json(true_message(ctx))
    content = pipeline(anthropic_server, engine, NOW).write(ctx)

    assert content.writer == "ai" and "rewritten" in content.notes[-1]
    first, second = anthropic_server.requests
    repair = second.texts[-1]
    assert "40%" in repair and "30% off" in repair  # the finding names the real offer
    assert second.texts[1] == first.texts[0] or second.body["messages"][1]["role"] == "assistant"
    assert [r.outcome for r in usage_rows(engine)] == ["rejected", "ok"]


def test_wrong_twice_means_the_template(engine, company_id, anthropic_server):
    ctx = sample_ctx(S.NUCLEAR_OFFER, company_id=company_id)
    anthropic_server.reply_json(true_message(ctx, body=f"Take 40% off with {ctx.code}."))
    anthropic_server.reply_json(true_message(ctx, sms="Bluebird Coffee: WELCOME20 for 30% off"))
    content = pipeline(anthropic_server, engine, NOW).write(ctx)

    assert content.writer == "template" and content.body == TEMPLATES.write(ctx).body
    assert len(anthropic_server.requests) == 2
    assert "failed again" in content.notes[-1] and "WELCOME20" in content.notes[-1]
    assert content.usage["requests"] == 2


@pytest.mark.parametrize("status", [429, 500, 529])
def test_http_errors_fall_back_at_once(engine, company_id, anthropic_server, status):
    ctx = sample_ctx(S.PATTERN_INTERRUPT, company_id=company_id)
    anthropic_server.reply_status(status)
    content = pipeline(anthropic_server, engine, NOW).write(ctx)
    assert content.writer == "template" and f"HTTP {status}" in content.notes[0]
    assert len(anthropic_server.requests) == 1  # no retry storm: the template is fine
    (row,) = usage_rows(engine)
    assert row.outcome == "error" and row.input_tokens == row.output_tokens == 0


def test_a_hang_times_out_into_the_template(engine, company_id, anthropic_server):
    ctx = sample_ctx(S.PATTERN_INTERRUPT, company_id=company_id)
    anthropic_server.reply_slowly(3.0, true_message(ctx))
    content = pipeline(anthropic_server, engine, NOW, timeout=0.4).write(ctx)
    assert content.writer == "template" and "timed out" in content.notes[0]


def test_a_spent_budget_stops_ai_until_next_month(engine, company_id, anthropic_server):
    with Session(engine) as s:
        s.add(ContentSettings(company_id=company_id, monthly_token_budget=1000))
        s.add(
            AIUsage(
                company_id=company_id,
                purpose=AIPurpose.CONTENT,
                model=MODEL,
                input_tokens=600,
                output_tokens=400,
                created_at=NOW - timedelta(hours=1),
            )
        )
        s.commit()  # fmt: skip
    ctx = sample_ctx(S.PATTERN_INTERRUPT, company_id=company_id)
    content = pipeline(anthropic_server, engine, NOW).write(ctx)
    assert content.writer == "template" and "budget" in content.notes[0]
    assert anthropic_server.requests == []

    next_month = NOW.replace(month=12, day=1, hour=0)
    anthropic_server.reply_json(true_message(ctx))
    content = pipeline(anthropic_server, engine, next_month).write(ctx)
    assert content.writer == "ai" and len(anthropic_server.requests) == 1
    with Session(engine) as s:
        summary = ai_budget.usage_summary(s, company_id, NOW)
    assert summary.tokens == 1000 and summary.exhausted and summary.percent_used == 100.0


def test_ai_switched_off_sends_no_request(engine, company_id, anthropic_server):
    with Session(engine) as s:
        s.add(ContentSettings(company_id=company_id, ai_enabled=False))
        s.commit()
    content = pipeline(anthropic_server, engine, NOW).write(
        sample_ctx(S.PATTERN_INTERRUPT, company_id=company_id)
    )
    assert content.writer == "template" and anthropic_server.requests == []


def test_a_pinned_version_is_filled_from_the_cart_and_needs_no_request(
    engine, company_id, anthropic_server
):
    pinned = PinnedText("{first_name}, {offer} inside", "", "Our best, for you",
                        "Hi {first_name}, use {code} for {offer} before {expiry}.",
                        "Claim it", "{company}: {code} = {offer}")  # fmt: skip
    ctx = sample_ctx(S.NUCLEAR_OFFER, company_id=company_id, pinned=pinned, variant="B")
    content = pipeline(anthropic_server, engine, NOW).write(ctx)
    assert content.writer == "pinned" and anthropic_server.requests == []
    assert content.subject == "Ada, 30% off inside"
    assert content.body == f"Hi Ada, use {ctx.code} for 30% off before Nov 22 at 10:00 AM EST."
    assert content.sms == f"Bluebird Coffee: {ctx.code} = 30% off"


def test_a_pinned_version_that_states_an_old_offer_is_not_sent(
    engine, company_id, anthropic_server
):
    stale = PinnedText("50% off!", "", "50% off", "Hi {first_name}, 50% off with {code}.",
                       "Claim", "{company}: 50% off, {code}")  # fmt: skip
    ctx = sample_ctx(S.NUCLEAR_OFFER, company_id=company_id, pinned=stale)
    anthropic_server.reply_json(true_message(ctx))
    content = pipeline(anthropic_server, engine, NOW).write(ctx)
    assert content.writer == "ai" and "pinned version failed" in content.notes[0]
    assert "50%" not in content.body


def test_costs_follow_the_model_prices():
    usage = ai_budget.TokenUsage(1_000_000, 1_000_000)
    assert ai_budget.cost_usd("claude-sonnet-4-6", usage) == Decimal("18")
    assert ai_budget.cost_usd("claude-haiku-4-5", usage) == Decimal("6")
    assert ai_budget.cost_usd("some-future-model", usage) == Decimal("18")  # priced as sonnet


def test_newer_models_have_their_own_prices():
    usage = ai_budget.TokenUsage(1_000_000, 1_000_000)
    assert ai_budget.cost_usd("claude-opus-4-6", usage) == Decimal("30")
    assert ai_budget.cost_usd("claude-opus-4-1-20250805", usage) == Decimal("90")
    assert ai_budget.cost_usd("claude-3-haiku-20240307", usage) == Decimal("1.5")
