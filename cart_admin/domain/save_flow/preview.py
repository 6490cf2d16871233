"""What a sample shopper would receive, and when: the worker's rules replayed on a clock.

The admin edits delays, channels and caps without seeing their combined effect (a 16 h e-mail
cap swallows the survey; quiet hours push a message to the morning). This replays one
abandoned cart through the same pieces the worker uses: due times from the engine, the
reachability, quiet-hours and frequency-cap gates of `policies`, `maxAttemptsPerCart`, the
offer from `offers.plan_stage` and the words from the templates. Nothing is stored.

The master switch is not applied: the preview shows what the flow does when it is on. The
sample is never in the holdout group and never answers the survey.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from cart_admin.domain.save_flow import messages, offers, policies
from cart_admin.domain.save_flow.config import SaveFlowConfig
from cart_admin.domain.save_flow.content import (
    TEMPLATES,
    ContentContext,
    ContentWriter,
    InterventionContent,
    ItemLine,
)
from cart_admin.domain.save_flow.engine import next_stage, stage_due_times
from cart_admin.domain.save_flow.stages import BY_STAGE, INTERRUPTING, ORDER
from cart_admin.models import CartSaveStage as S
from cart_admin.models import Channel

SAMPLE_CODE = "SAVE-SAMPLE1"  # a real code is issued when the message is sent
SAMPLE_LINKS = messages.Links("[cart link]", "[survey link]", "", "")
MAX_EVENTS = 500  # a loop guard; a flow has at most a few dozen messages


@dataclass(frozen=True)
class SampleShopper:
    """The customer the preview follows; the defaults can be reached by e-mail and SMS."""

    first_name: str = "Jamie"
    last_name: str = "Rivera"
    email: str | None = "jamie@example.com"
    phone: str | None = "+15555550123"
    timezone: str = "America/New_York"
    email_consent: bool = True
    sms_consent: bool = True
    unsubscribed: bool = False
    items: tuple[ItemLine, ...] = (
        ItemLine("Canvas weekender bag", 1, Decimal("58.00")),
        ItemLine("Leather luggage tag", 2, Decimal("10.00")),
    )
    shipping_total: Decimal = Decimal("5.99")
    review_count: int = 128

    @property
    def subtotal(self) -> Decimal:
        return sum((i.unit_price * i.quantity for i in self.items), Decimal("0.00"))

    @property
    def grand_total(self) -> Decimal:
        return self.subtotal + self.shipping_total

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class PreviewMessage:
    stage: S
    stage_title: str
    step: int  # the message's place in the win-back sequence, else 0
    channel: Channel
    due_at: datetime  # UTC: when the stage's delay says
    at: datetime  # UTC: when it goes out (or is skipped)
    local_time: str  # `at` in the shopper's zone: "Wed Jun 10, 8:00 AM EDT"
    after: str  # `at` after the abandonment: "1 d 2 h"
    status: str  # "sent" | "deferred: quiet hours until …" | "skipped: frequency cap" | …
    subject: str
    text: str  # the SMS text, or the headline of the other channels
    offer: str  # the offer's label, "" without one
    notes: tuple[str, ...] = ()  # every deferral on the way, in order

    @property
    def sent(self) -> bool:
        return not self.status.startswith("skipped")


@dataclass(order=True)
class _Pending:
    at: datetime
    order: int  # ties: stage order, then step, then the channel's place in the config
    stage: S = field(compare=False)
    step: int = field(compare=False)
    channel: Channel = field(compare=False)
    due: datetime = field(compare=False)
    notes: list[str] = field(default_factory=list, compare=False)


@dataclass
class _Run:
    """The state the worker keeps in rows, kept in memory for one sample attempt."""

    config: SaveFlowConfig
    sample: SampleShopper
    base: datetime
    company_name: str
    support_email: str | None
    writer: ContentWriter
    queue: list[_Pending] = field(default_factory=list)
    messages: list[PreviewMessage] = field(default_factory=list)
    sent_count: int = 0
    texts: int = 0
    last_sent: dict[Channel, datetime] = field(default_factory=dict)
    current_offer: dict | None = None
    stage_codes: dict[tuple[S, int], tuple[str, datetime]] = field(default_factory=dict)
    ended: bool = False


def preview_schedule(
    config: SaveFlowConfig,
    *,
    abandoned_at: datetime,
    sample: SampleShopper | None = None,
    company_name: str = "Your shop",
    support_email: str | None = None,
    writer: ContentWriter = TEMPLATES,
) -> list[PreviewMessage]:
    """Every message of the flow for one sample cart abandoned at `abandoned_at` (UTC), in the
    order they are settled; skipped messages are listed with the reason."""
    run = _Run(config, sample or SampleShopper(), abandoned_at, company_name, support_email,
               writer)  # fmt: skip
    enabled = config.enabled_stages()
    if not enabled:
        return []
    _enter(run, enabled[0].stage, now=abandoned_at)
    for _ in range(MAX_EVENTS):
        if not run.queue or run.ended:
            break
        _process(run, heapq.heappop(run.queue))
    for pending in sorted(run.queue):  # left when the attempt ended: cancelled with it
        _settle(run, pending, pending.at, "skipped: the attempt ended", None)
    return run.messages


def _enter(run: _Run, stage: S, *, now: datetime) -> None:
    """Schedule a stage's messages like `engine.schedule_stage`: a due time already past is now."""
    channels = run.config.channels_for(BY_STAGE[stage].key)
    for step, due in stage_due_times(run.config, stage, run.base):
        for index, channel in enumerate(channels):
            order = ORDER[stage] * 10_000 + step * 10 + index
            heapq.heappush(run.queue, _Pending(max(due, now), order, stage, step, channel, due))


def _process(run: _Run, row: _Pending) -> None:
    """The worker's `_prepare` gates, in its order, then the send."""
    now, config, sample = row.at, run.config, run.sample
    if run.sent_count >= config.max_attempts_per_cart:
        _settle(
            run, row, now, "skipped: maxAttemptsPerCart reached", _send(run, row, now, dry=True)
        )
        run.ended = True
        return
    refusal = policies.unreachable(
        row.channel,
        known=True,
        email=sample.email,
        email_consent=sample.email_consent,
        phone=sample.phone,
        sms_consent=sample.sms_consent,
        unsubscribed=sample.unsubscribed,
        respect_unsubscribe=config.respect_unsubscribe,
    )
    if refusal:
        _settle(run, row, now, f"skipped: {refusal.rstrip('.')}", _send(run, row, now, dry=True))
        _advance(run, row.stage, now)
        return
    tz = policies.zone(sample.timezone)
    if row.channel in INTERRUPTING:
        quiet = config.blackout_hours
        wake = policies.quiet_hours_end(now, tz, quiet.start, quiet.end)
        if wake is not None:
            _defer(run, row, wake, "quiet hours")
            return
        capped = _cap(run, row.channel, now)
        if capped is not None:
            following = next_stage(config, row.stage)
            next_due = (
                run.base + timedelta(minutes=config.stage(following.key).delay_minutes)
                if following
                else None
            )
            if policies.skip_for_next_stage(
                capped, next_due, winback=row.stage is S.WINBACK_SEQUENCE
            ):
                _settle(run, row, now, "skipped: frequency cap", _send(run, row, now, dry=True))
                _advance(run, row.stage, now)
                return
            _defer(run, row, capped, "frequency cap")
            return
    _settle(run, row, now, "sent", _send(run, row, now))
    run.sent_count += 1
    run.last_sent[row.channel] = now
    if row.channel is Channel.SMS:
        run.texts += 1
    _advance(run, row.stage, now)


def _cap(run: _Run, channel: Channel, now: datetime) -> datetime | None:
    caps = run.config.frequency_caps
    hours = {Channel.EMAIL: caps.email_hours, Channel.SMS: caps.sms_hours}.get(channel, 0)
    window_end = None
    if channel is Channel.SMS and caps.sms_abandonment_window_hours:
        window_end = run.base + timedelta(hours=caps.sms_abandonment_window_hours)
    return policies.frequency_cap_until(
        now,
        last_sent=run.last_sent.get(channel),
        hours=hours,
        window_end=window_end,
        window_used=run.texts,
        window_limit=caps.sms_per_abandonment_window,
    )


def _defer(run: _Run, row: _Pending, until: datetime, reason: str) -> None:
    row.notes.append(f"{reason} until {local_text(until, run.sample.timezone)}")
    row.at = until
    heapq.heappush(run.queue, row)


def _advance(run: _Run, stage: S, now: datetime) -> None:
    """Like `engine.advance_if_stage_done`: the next enabled stage once this one is settled."""
    if any(p.stage is stage for p in run.queue):
        return
    following = next_stage(run.config, stage)
    if following is not None:
        _enter(run, following.stage, now=now)


@dataclass(frozen=True)
class _Written:
    content: InterventionContent
    sms: str  # the whole text message, with placeholders for its link
    offer: str


def _send(run: _Run, row: _Pending, now: datetime, *, dry: bool = False) -> _Written:
    """The offer and the words, as `delivery._prepare` decides them; the code is a sample.
    `dry`: only what it would have said (a skipped message issues no code, sets no offer)."""
    config, sample = run.config, run.sample
    facts = offers.CartFacts(
        subtotal=sample.subtotal,
        shipping_total=sample.shipping_total,
        review_count=sample.review_count,
        support_email=run.support_email,
        free_shipping_threshold=config.stages.branching_intervention.free_shipping_threshold,
    )
    plan = offers.plan_stage(config, row.stage, None, facts, run.current_offer)
    code: tuple[str, datetime] | None = None
    if plan.offer is not None and plan.offer.kind is not None:
        current = run.current_offer or {}
        if row.stage in (S.LOSS_VISUALIZATION, S.WINBACK_SEQUENCE) and current.get("code"):
            expires = datetime.fromisoformat(current["expiresAt"])
            if expires > now:
                code = (current["code"], expires)
            else:  # the code ran out: the stage restates no offer
                plan = offers.StagePlan(plan.kind, None, plan.reason, plan.suggestions)
        elif not dry:
            hours = config.offers.code_expiry_hours
            code = run.stage_codes.setdefault(
                (row.stage, row.step), (SAMPLE_CODE, now + timedelta(hours=hours))
            )
    if plan.offer and row.stage in (S.BRANCHING_INTERVENTION, S.NUCLEAR_OFFER) and not dry:
        run.current_offer = {
            **plan.offer.as_dict(),
            "code": code[0] if code else None,
            "expiresAt": code[1].isoformat() if code else None,
        }
    ctx = _context(run, row, plan, code)
    content = run.writer.write(ctx)
    sms = messages.sms_text(ctx, content, SAMPLE_LINKS) if row.channel is Channel.SMS else ""
    return _Written(content, sms, plan.offer.label if plan.offer else "")


def _context(
    run: _Run, row: _Pending, plan: offers.StagePlan, code: tuple[str, datetime] | None
) -> ContentContext:
    sample = run.sample
    return ContentContext(
        stage=row.stage,
        step=row.step,
        sequence_length=run.config.stages.winback_sequence.sequence_length,
        company_name=run.company_name,
        first_name=sample.first_name or None,
        items=list(sample.items),
        grand_total=sample.grand_total,
        currency="USD",
        reason=plan.reason,
        offer=plan.offer,
        code=code[0] if code else None,
        code_expires_at=code[1] if code else None,
        suggestions=plan.suggestions,
        timezone=policies.zone(sample.timezone),
    )


def _settle(run: _Run, row: _Pending, at: datetime, status: str, written: _Written | None) -> None:
    if status == "sent" and row.notes:
        status = f"deferred: {row.notes[-1]}"
    subject = text = ""
    if written is not None:
        content = written.content
        text = written.sms if row.channel is Channel.SMS else content.headline
        subject = content.subject if row.channel is Channel.EMAIL else ""
    run.messages.append(
        PreviewMessage(
            stage=row.stage,
            stage_title=BY_STAGE[row.stage].title,
            step=row.step,
            channel=row.channel,
            due_at=row.due,
            at=at,
            local_time=local_text(at, run.sample.timezone),
            after=duration_text(at - run.base),
            status=status,
            subject=subject,
            text=text,
            offer=written.offer if written else "",
            notes=tuple(row.notes),
        )
    )


# --- wording shared with the page ----------------------------------------------------------


def local_text(moment: datetime, timezone: str) -> str:
    """ "Wed Jun 10, 8:00 AM EDT": a moment as the shopper's clock shows it."""
    local = moment.astimezone(policies.zone(timezone))
    return f"{local:%a %b %-d, %-I:%M %p} {local.tzname()}"


def duration_text(delta: timedelta) -> str:
    """ "1 d 2 h 30 min": a span as a person says it (minutes dropped past a day)."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 60 * 24)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} d"] if days else []
    if hours:
        parts.append(f"{hours} h")
    if mins and not days:
        parts.append(f"{mins} min")
    return " ".join(parts) or "0 min"


def delay_hint(minutes: int) -> str:
    """The hint under a stage's delay: "1 h after abandonment"."""
    return f"{duration_text(timedelta(minutes=minutes))} after abandonment"
