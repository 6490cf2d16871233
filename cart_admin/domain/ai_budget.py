"""What Claude costs a company: the usage ledger, prices, and the monthly token budget.

Every request made for a company is recorded (tokens, cost, purpose, outcome), whether its
reply was used or not. When a company has spent its month's tokens, `ai_allowed` says no and
callers fall back to their rule-based path (templates, the co-purchase ranking). The check
reads the ledger before a request, so concurrent requests may overshoot by at most one
request each; the ledger itself is exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col, select

from cart_admin.channels.ai import TokenUsage
from cart_admin.models import AIUsage, ContentSettings
from cart_admin.models.enums import AIPurpose

# US dollars per million tokens (input, output), as published for each model family.
PRICES_PER_MTOK: dict[str, tuple[Decimal, Decimal]] = {
    "claude-opus-4": (Decimal("15"), Decimal("75")),
    "claude-opus-4-1": (Decimal("15"), Decimal("75")),
    "claude-opus-4-5": (Decimal("5"), Decimal("25")),
    "claude-opus-4-6": (Decimal("5"), Decimal("25")),
    "claude-sonnet-4": (Decimal("3"), Decimal("15")),
    "claude-haiku-4": (Decimal("1"), Decimal("5")),
    "claude-3-5-haiku": (Decimal("0.80"), Decimal("4")),
    "claude-3-haiku": (Decimal("0.25"), Decimal("1.25")),
}
FALLBACK_PRICE = PRICES_PER_MTOK["claude-sonnet-4"]
MILLION = Decimal(1_000_000)


def price_of(model: str) -> tuple[Decimal, Decimal]:
    """The longest known prefix of the model name wins (``claude-sonnet-4-6`` → sonnet 4)."""
    best = max((p for p in PRICES_PER_MTOK if model.startswith(p)), key=len, default=None)
    return PRICES_PER_MTOK[best] if best else FALLBACK_PRICE


def cost_usd(model: str, usage: TokenUsage) -> Decimal:
    per_in, per_out = price_of(model)
    cost = (usage.input_tokens * per_in + usage.output_tokens * per_out) / MILLION
    return cost.quantize(Decimal("0.000001"))


def month_start(now: datetime) -> datetime:
    now = now.astimezone(UTC)
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month_start(now: datetime) -> datetime:
    start = month_start(now)
    return (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )


def _in_month(now: datetime):
    return sa.and_(
        col(AIUsage.created_at) >= month_start(now), col(AIUsage.created_at) < next_month_start(now)
    )


def content_settings(session: Session, company_id: str) -> ContentSettings:
    """The company's writing settings; defaults (not saved) until someone changes them."""
    found = session.exec(
        select(ContentSettings).where(col(ContentSettings.company_id) == company_id)
    ).first()
    return found or ContentSettings(company_id=company_id)


def tokens_this_month(session: Session, company_id: str, now: datetime) -> int:
    total = session.exec(
        select(
            sa.func.coalesce(sa.func.sum(col(AIUsage.input_tokens) + col(AIUsage.output_tokens)), 0)
        ).where(col(AIUsage.company_id) == company_id, col(AIUsage.created_at) >= month_start(now))
    ).one()
    return int(total)


def ai_allowed(session: Session, company_id: str, now: datetime) -> bool:
    """AI is switched on for the company and this month's budget is not spent."""
    settings = content_settings(session, company_id)
    if not settings.ai_enabled:
        return False
    return tokens_this_month(session, company_id, now) < settings.monthly_token_budget


def record_usage(
    session: Session,
    *,
    company_id: str,
    purpose: AIPurpose,
    model: str,
    usage: TokenUsage,
    outcome: str,
    now: datetime,
    intervention_id: str | None = None,
) -> AIUsage:
    row = AIUsage(
        company_id=company_id,
        purpose=purpose,
        model=model[:64],
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cost_usd=cost_usd(model, usage),
        outcome=outcome[:16],
        intervention_id=intervention_id,
        created_at=now,
    )
    session.add(row)
    return row


@dataclass(frozen=True)
class PurposeUsage:
    purpose: str
    requests: int
    tokens: int
    cost_usd: Decimal


@dataclass(frozen=True)
class UsageSummary:
    """This month's spend against the budget, for the admin."""

    month: str  # "2026-11"
    budget_tokens: int
    tokens: int
    cost_usd: Decimal
    requests: int
    failed_requests: int
    by_purpose: list[PurposeUsage] = field(default_factory=list)

    @property
    def percent_used(self) -> float:
        if self.budget_tokens <= 0:
            return 100.0
        return round(min(100.0, 100.0 * self.tokens / self.budget_tokens), 1)

    @property
    def exhausted(self) -> bool:
        return self.tokens >= self.budget_tokens

    def as_dict(self) -> dict:
        return {
            "month": self.month,
            "budgetTokens": self.budget_tokens,
            "tokens": self.tokens,
            "costUsd": str(self.cost_usd),
            "requests": self.requests,
            "failedRequests": self.failed_requests,
            "percentUsed": self.percent_used,
            "exhausted": self.exhausted,
            "byPurpose": [
                {
                    "purpose": p.purpose,
                    "requests": p.requests,
                    "tokens": p.tokens,
                    "costUsd": str(p.cost_usd),
                }
                for p in self.by_purpose
            ],
        }


def usage_summary(session: Session, company_id: str, now: datetime) -> UsageSummary:
    """One grouped query over this month's ledger rows."""
    tokens = col(AIUsage.input_tokens) + col(AIUsage.output_tokens)
    failed = sa.case((col(AIUsage.outcome) != "ok", 1), else_=0)
    rows = session.execute(
        sa.select(
            col(AIUsage.purpose),
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(tokens), 0),
            sa.func.coalesce(sa.func.sum(col(AIUsage.cost_usd)), 0),
            sa.func.coalesce(sa.func.sum(failed), 0),
        )
        .where(col(AIUsage.company_id) == company_id, _in_month(now))
        .group_by(col(AIUsage.purpose))
        .order_by(col(AIUsage.purpose))
    ).all()
    parts = [
        PurposeUsage(str(purpose), int(n), int(t), Decimal(str(c)).quantize(Decimal("0.000001")))
        for purpose, n, t, c, _ in rows
    ]
    return UsageSummary(
        month=f"{month_start(now):%Y-%m}",
        budget_tokens=content_settings(session, company_id).monthly_token_budget,
        tokens=sum(p.tokens for p in parts),
        cost_usd=sum((p.cost_usd for p in parts), Decimal("0")),
        requests=sum(p.requests for p in parts),
        failed_requests=sum(int(r[4]) for r in rows),
        by_purpose=parts,
    )
