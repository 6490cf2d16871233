"""The periodic jobs. Each is short, keeps its state in the database and is safe to run in
several processes at the same moment (DESIGN: the database is the queue)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from functools import lru_cache

from cart_admin.db import get_engine, session_scope
from cart_admin.domain.analytics import alerts
from cart_admin.domain.inventory import release_expired_holds
from cart_admin.domain.save_flow import delivery, detection
from cart_admin.domain.upsell import ai_ranking
from cart_admin.domain.voice import queue as voice_queue
from cart_admin.domain.voice.service import VoiceService
from cart_admin.models.types import utcnow
from cart_admin.settings import get_settings

log = logging.getLogger(__name__)

# Set when the process is asked to stop: long jobs finish the message in hand and return.
STOPPING = threading.Event()


@dataclass(frozen=True)
class Job:
    func: Callable[[], object]
    trigger: str  # "interval" or "cron" (APScheduler trigger names)
    options: dict = field(default_factory=dict)


@lru_cache(maxsize=1)
def worker_name() -> str:
    """This process's name on the leases it takes."""
    return delivery.worker_id()


def release_holds_job() -> int:
    with session_scope() as session:
        released = release_expired_holds(session, now=utcnow())
    if released:
        log.info("released %d expired inventory holds", released)
    return released


def detect_abandoned_job() -> dict[str, int]:
    if not get_settings().enable_mi_cart_save:
        return {}
    with session_scope() as session:
        counts = detection.detect_abandoned(session, now=utcnow())
    if counts.get("abandoned"):
        log.info("abandoned carts: %s", counts)
    return counts


def run_interventions_job() -> dict[str, int]:
    """Deliver every due intervention (claimed with a lease, fenced at the send)."""
    settings = get_settings()
    if not settings.enable_mi_cart_save:
        return {}
    engine = get_engine()
    counts = delivery.run_due(
        engine,
        delivery.Delivery.from_settings(settings, engine),
        worker=worker_name(),
        now_fn=utcnow,
        lease=timedelta(seconds=settings.intervention_lease_seconds),
        stopping=STOPPING.is_set,
    )
    if counts:
        log.info("interventions: %s", counts)
    return counts


def rescue_stalled_job() -> int:
    with session_scope() as session:
        return detection.rescue_stalled(session, now=utcnow())


def expire_attempts_job() -> int:
    with session_scope() as session:
        return detection.expire_attempts(session, now=utcnow())


def voice_queue_job() -> dict[str, int]:
    """Place the due recovery calls (spec §7 cron); each shopper's call hours are checked."""
    settings = get_settings()
    if not settings.enable_mi_cart_save:
        return {}
    counts = voice_queue.run_queue(
        get_engine(),
        VoiceService.from_settings(settings),
        now_fn=utcnow,
        worker=worker_name(),
        enabled=settings.enable_voice_recovery,
        lease=timedelta(seconds=settings.intervention_lease_seconds),
        stopping=STOPPING.is_set,
    )
    if counts:
        log.info("voice calls: %s", counts)
    return counts


def evaluate_alerts_job() -> dict[str, int]:
    """The deployment plan's §10 alerts: open, follow or resolve each company's events."""
    with session_scope() as session:
        counts = alerts.evaluate_alerts(session, now=utcnow())
    if counts.opened or counts.resolved:
        log.info("alerts: %s", counts)
    return asdict(counts)


def prune_rankings_job() -> int:
    with session_scope() as session:
        return ai_ranking.prune_cache(session, now=utcnow())


JOBS: dict[str, Job] = {
    "release_expired_holds": Job(release_holds_job, "interval", {"seconds": 60}),
    "detect_abandoned_carts": Job(detect_abandoned_job, "interval", {"seconds": 60}),
    "run_due_interventions": Job(
        run_interventions_job, "interval", {"seconds": get_settings().worker_tick_seconds}
    ),
    "rescue_stalled_attempts": Job(rescue_stalled_job, "interval", {"seconds": 120}),
    "expire_attempts": Job(expire_attempts_job, "cron", {"minute": 7}),  # hourly
    "prune_ai_rankings": Job(prune_rankings_job, "cron", {"minute": 37}),  # hourly
    "evaluate_alerts": Job(evaluate_alerts_job, "cron", {"minute": 17}),  # hourly
    # Spec §7: every 30 minutes; call hours are each shopper's own, so it runs around the clock.
    "voice_call_queue": Job(
        voice_queue_job, "interval", {"minutes": get_settings().voice_queue_interval_minutes}
    ),
}
