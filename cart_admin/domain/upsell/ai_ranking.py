"""Claude's ranking of complementary products (spec §4), cached per cart contents.

The drawer must stay fast, so the model is asked on a small module-level thread pool and the
request waits at most `wait_seconds` for it. A reply that comes later still lands in the
shared `AIRankingCache` table (its own session, committed), so the next request for the same
cart contents, in any process, gets Claude's order without a second request. A `pending` row
tells other requests someone is asking right now; a `failed` row holds retries off for a few
minutes. Without budget, with AI switched off, or on any failure the rule ranking answers.

Tests call `drain()` so no background request outlives their database.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures import wait as wait_for
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from cart_admin.channels.ai import (
    AICompleter,
    AIInvalidOutput,
    AIUnavailable,
    ChatMessage,
    TokenUsage,
    ai_completer_from_settings,
)
from cart_admin.domain.ai_budget import ai_allowed, record_usage
from cart_admin.domain.upsell.model import CANDIDATE_POOL
from cart_admin.domain.upsell.ranking import ComplementRanker
from cart_admin.models import AIRankingCache, Product
from cart_admin.models.enums import AIPurpose
from cart_admin.models.types import new_id

if TYPE_CHECKING:
    from cart_admin.settings import Settings

log = logging.getLogger(__name__)

PICKS_ASKED = 3
PROMPT_CANDIDATES = CANDIDATE_POOL  # the rule ranking's best; bounds the prompt's tokens
DESCRIPTION_CHARS = 100
REQUEST_TIMEOUT_SECONDS = 20.0  # well under PENDING_FRESH: a pending row older is abandoned
PENDING_FRESH = timedelta(seconds=60)
RETRY_FAILED_AFTER = timedelta(minutes=5)
# At most this many new cart compositions are ranked by Claude per company and hour; the rest
# get the rule ranking (drawers are public: a script could otherwise spend the month's tokens).
RANKINGS_PER_HOUR = 300
KEEP_RANKINGS = timedelta(days=7)  # cart contents change; older rankings are pruned hourly
POOL_WORKERS = 8
MAX_IN_FLIGHT = 64  # beyond this (Claude slow, many new carts) the rule ranking answers

SYSTEM_PROMPT = (
    "You help an online shop suggest add-ons in its cart drawer. Given the products in a "
    "shopper's cart and a numbered list of candidate products, pick the candidates that best "
    "complement the cart: things used together with what is in it, not substitutes for it "
    "or near-duplicates of it. Use only numbers from the list."
)


class Pick(BaseModel):
    number: int
    reason: str


class RankingReply(BaseModel):
    """Claude's structured answer: candidate numbers, best first, each with a brief reason."""

    picks: list[Pick]


def cache_key(model: str, cart_ids: Sequence[str], candidate_ids: Sequence[str]) -> str:
    """Same model, cart products and candidates: same ranking (quantities do not matter)."""
    text = "|".join([model, ",".join(sorted(set(cart_ids))), ",".join(sorted(set(candidate_ids)))])
    return hashlib.sha256(text.encode()).hexdigest()


def ranking_prompt(cart_products: Sequence[Product], candidates: Sequence[Product]) -> str:
    """The cart's product names, then the numbered candidates (1-based, in the given order)."""
    lines = ["Products in the cart:"]
    lines += [f"- {p.name}" for p in cart_products]
    lines += ["", "Candidates:"]
    for number, c in enumerate(candidates, 1):
        description = " ".join((c.description or "").split())
        if len(description) > DESCRIPTION_CHARS:
            description = description[: DESCRIPTION_CHARS - 1].rstrip() + "…"
        details = f"{c.category or 'uncategorised'}, ${Decimal(c.price):.2f}"
        lines.append(f"{number}. {c.name} - {description or 'no description'} ({details})")
    lines += [
        "",
        f"Pick the {PICKS_ASKED} candidates that best complement this cart, best first, "
        "with a brief reason for each.",
    ]
    return "\n".join(lines)


def picked_ids(reply: RankingReply, numbered: Sequence[str]) -> list[str]:
    """The product ids of valid picks, in Claude's order; unknown numbers and repeats ignored."""
    ids: list[str] = []
    for pick in reply.picks:
        if 1 <= pick.number <= len(numbered) and numbered[pick.number - 1] not in ids:
            ids.append(numbered[pick.number - 1])
    return ids


def apply_picks(picks: Sequence[str], rule_order: Sequence[Product]) -> list[Product]:
    """Claude's picks first, then every other candidate in the rule ranking's order."""
    by_id = {p.id: p for p in rule_order}
    first = [by_id[i] for i in dict.fromkeys(picks) if i in by_id]
    chosen = {p.id for p in first}
    return first + [p for p in rule_order if p.id not in chosen]


# --- the completer and the pool, shared by the process ----------------------------------------

_completers: dict[tuple[str, str, str], AICompleter | None] = {}
_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_in_flight: dict[tuple[str, str], Future[list[str] | None]] = {}


def ranking_completer(settings: Settings) -> AICompleter | None:
    """The fast model's completer, one per configuration: building a client costs ~50 ms."""
    config = (
        settings.anthropic_api_key,
        settings.anthropic_base_url,
        settings.anthropic_fast_model,
    )
    with _lock:
        if config not in _completers:
            if len(_completers) >= 8:  # the configuration changed (tests): drop old clients
                _completers.clear()
            _completers[config] = ai_completer_from_settings(
                settings, fast=True, timeout=REQUEST_TIMEOUT_SECONDS
            )
        return _completers[config]


def _submit(key: tuple[str, str], job: _Job) -> Future[list[str] | None] | None:
    """Start asking, unless this process already is for the same key or the pool is full."""
    global _pool
    with _lock:
        if key in _in_flight or len(_in_flight) >= MAX_IN_FLIGHT:
            return None
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=POOL_WORKERS, thread_name_prefix="ai-ranking")
        future = _pool.submit(_ask, job)
        _in_flight[key] = future
    future.add_done_callback(lambda _f: _forget(key))
    return future


def _forget(key: tuple[str, str]) -> None:
    with _lock:
        _in_flight.pop(key, None)


def drain(timeout: float | None = 30.0) -> bool:
    """Wait for the background rankings started so far; True when none is left running."""
    with _lock:
        futures = list(_in_flight.values())
    _done, not_done = wait_for(futures, timeout=timeout)
    return not not_done


def _after_fork() -> None:
    """A forked child has none of the parent's threads: start its own pool when needed."""
    global _pool, _lock
    _pool = None
    _lock = threading.Lock()
    _in_flight.clear()
    _completers.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


# --- the background request ---------------------------------------------------------------


@dataclass(frozen=True)
class _Job:
    """Plain values only: the request's session and ORM rows stay in the request's thread."""

    engine: sa.Engine
    completer: AICompleter
    company_id: str
    key: str
    prompt: str
    numbered: tuple[str, ...]
    now: datetime
    started: float
    timeout: float

    def clock(self) -> datetime:
        """The request's `now` plus the time since, so tests with a fixed clock stay coherent."""
        return self.now + timedelta(seconds=time.monotonic() - self.started)


def _insert_pending(dialect: str, values: dict[str, Any]) -> Any:
    table = AIRankingCache.__table__  # type: ignore[attr-defined]
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["company_id", "key"])
        .returning(table.c.id)  # a row when inserted (psycopg's rowcount is -1 here)
    )


def _claim(job: _Job) -> bool:
    """Mark the key pending, atomically: a new row, or a failed/abandoned one old enough."""
    now = job.clock()
    with Session(job.engine) as session:
        inserted = session.execute(
            _insert_pending(
                job.engine.dialect.name,
                {
                    "id": new_id(),
                    "company_id": job.company_id,
                    "key": job.key,
                    "status": "pending",
                    "ranked_ids": [],
                    "created_at": now,
                    "updated_at": now,
                },
            )
        )
        claimed = inserted.first() is not None
        if not claimed:
            updated = session.execute(
                sa.update(AIRankingCache)
                .where(
                    col(AIRankingCache.company_id) == job.company_id,
                    col(AIRankingCache.key) == job.key,
                    sa.or_(
                        sa.and_(
                            col(AIRankingCache.status) == "failed",
                            col(AIRankingCache.updated_at) <= now - RETRY_FAILED_AFTER,
                        ),
                        sa.and_(
                            col(AIRankingCache.status) == "pending",
                            col(AIRankingCache.updated_at) <= now - PENDING_FRESH,
                        ),
                    ),
                )
                .values(status="pending", updated_at=now)
                .returning(col(AIRankingCache.id))
            )
            claimed = updated.first() is not None
        session.commit()
    return claimed


def _finish(
    job: _Job, *, status: str, ranked_ids: list[str], model: str, usage: TokenUsage, outcome: str
) -> None:
    now = job.clock()
    with Session(job.engine) as session:
        session.execute(
            sa.update(AIRankingCache)
            .where(
                col(AIRankingCache.company_id) == job.company_id,
                col(AIRankingCache.key) == job.key,
            )
            .values(status=status, ranked_ids=ranked_ids, updated_at=now)
        )
        record_usage(
            session,
            company_id=job.company_id,
            purpose=AIPurpose.UPSELL_RANKING,
            model=model,
            usage=usage,
            outcome=outcome,
            now=now,
        )
        session.commit()


def _ask(job: _Job) -> list[str] | None:
    """Claim, ask Claude (no connection held meanwhile), store the answer and its cost.

    None when another request has the claim or Claude failed: the rule ranking answers.
    """
    try:
        if not _claim(job):
            return None
        try:
            completion = job.completer.parse(
                system=SYSTEM_PROMPT,
                messages=[ChatMessage("user", job.prompt)],
                output=RankingReply,
                timeout=job.timeout,
            )
        except AIUnavailable as exc:
            log.warning("AI upsell ranking failed for company %s: %s", job.company_id, exc)
            outcome = "invalid" if isinstance(exc, AIInvalidOutput) else "error"
            _finish(
                job,
                status="failed",
                ranked_ids=[],
                model=job.completer.model,
                usage=exc.usage,
                outcome=outcome,
            )
            return None
        ids = picked_ids(completion.value, job.numbered)
        _finish(
            job,
            status="ready",
            ranked_ids=ids,
            model=completion.model,
            usage=completion.usage,
            outcome="ok",
        )
        return ids
    except Exception:  # a database error: the pending row expires on its own
        log.exception("AI upsell ranking could not be stored (company %s)", job.company_id)
        return None


# --- the ranker ---------------------------------------------------------------------------


class AIComplementRanker:
    """Claude's picks first, then the `fallback` (rule) ranker's order of the rest.

    Reads through the caller's session and never writes to it; the cache and the usage ledger
    are written by the background request in its own sessions.
    """

    def __init__(
        self,
        session: Session,
        *,
        company_id: str,
        completer: AICompleter,
        fallback: ComplementRanker,
        wait_seconds: float,
        now: datetime,
        request_timeout: float = REQUEST_TIMEOUT_SECONDS,
    ) -> None:
        self._session = session
        self._company_id = company_id
        self._completer = completer
        self._fallback = fallback
        self._wait = wait_seconds
        self._now = now
        self._request_timeout = min(request_timeout, PENDING_FRESH.total_seconds() / 2)

    def _asked_last_hour(self) -> int:
        """Rankings asked of Claude for this company in the past hour (one cache row each)."""
        return int(
            self._session.exec(
                select(sa.func.count()).where(
                    col(AIRankingCache.company_id) == self._company_id,
                    col(AIRankingCache.created_at) >= self._now - timedelta(hours=1),
                )
            ).one()
        )

    def rank(
        self, cart_products: Sequence[Product], candidates: Sequence[Product]
    ) -> list[Product]:
        rule_order = self._fallback.rank(cart_products, candidates)
        if not rule_order or not ai_allowed(self._session, self._company_id, self._now):
            return rule_order
        key = cache_key(
            self._completer.model, [p.id for p in cart_products], [c.id for c in candidates]
        )
        row = self._session.exec(
            select(AIRankingCache.status, AIRankingCache.ranked_ids, AIRankingCache.updated_at)
            .where(
                col(AIRankingCache.company_id) == self._company_id,
                col(AIRankingCache.key) == key,
            )
            .limit(1)
        ).first()
        if row is not None:
            status, ranked_ids, updated_at = row
            if status == "ready":
                return apply_picks(ranked_ids or [], rule_order)
            age = self._now - updated_at
            if (status == "pending" and age < PENDING_FRESH) or (
                status == "failed" and age < RETRY_FAILED_AFTER
            ):
                return rule_order
        if self._asked_last_hour() >= RANKINGS_PER_HOUR:
            return rule_order  # a storefront cycling cart contents cannot drain the budget
        shown = rule_order[:PROMPT_CANDIDATES]
        bind = self._session.get_bind()
        job = _Job(
            engine=bind.engine if isinstance(bind, sa.Connection) else bind,
            completer=self._completer,
            company_id=self._company_id,
            key=key,
            prompt=ranking_prompt(cart_products, shown),
            numbered=tuple(p.id for p in shown),
            now=self._now,
            started=time.monotonic(),
            timeout=self._request_timeout,
        )
        future = _submit((self._company_id, key), job)
        if future is None:
            return rule_order
        try:
            picks = future.result(timeout=self._wait)
        except FutureTimeout:  # it finishes in the background and fills the cache
            return rule_order
        return apply_picks(picks, rule_order) if picks is not None else rule_order


def prune_cache(session: Session, *, now: datetime, older_than: timedelta = KEEP_RANKINGS) -> int:
    """Delete rankings not touched for a week (keys follow cart contents and stock, so the
    table would otherwise only grow). Returns how many went."""
    result = session.execute(
        sa.delete(AIRankingCache).where(col(AIRankingCache.updated_at) < now - older_than)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
