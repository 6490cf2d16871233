"""APScheduler wiring shared by the in-process scheduler and the worker command.

APScheduler only ticks; the work and its state live in the database (DESIGN.md).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.schedulers.base import BaseScheduler

from cart_admin.models.types import utcnow
from cart_admin.worker.jobs import JOBS

log = logging.getLogger(__name__)


@dataclass
class SchedulerStatus:
    """What /api/health reports about this process's scheduler."""

    mode: str = "off"
    running: bool = False
    started_at: datetime | None = None
    last_run: dict[str, datetime] = field(default_factory=dict)
    last_error: dict[str, str] = field(default_factory=dict)
    scheduler: BaseScheduler | None = None

    def as_dict(self) -> dict:
        jobs = []
        if self.scheduler is not None and self.running:
            for job in self.scheduler.get_jobs():
                jobs.append(
                    {
                        "id": job.id,
                        "next_run_at": job.next_run_time.isoformat() if job.next_run_time else None,
                        "last_run_at": _iso(self.last_run.get(job.id)),
                        "last_error": self.last_error.get(job.id),
                    }
                )
        return {
            "mode": self.mode,
            "running": self.running,
            "started_at": _iso(self.started_at),
            "jobs": jobs,
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


STATUS = SchedulerStatus()


def _record(event: JobExecutionEvent) -> None:
    STATUS.last_run[event.job_id] = utcnow()
    if event.exception is not None:
        # Public health output: the error's kind only; the details go to the log.
        STATUS.last_error[event.job_id] = type(event.exception).__name__
    else:
        STATUS.last_error.pop(event.job_id, None)


def install_jobs(scheduler: BaseScheduler, *, mode: str) -> None:
    """Register every job on a scheduler and point STATUS at it."""
    for job_id, job in JOBS.items():
        first_run = {"next_run_time": utcnow()} if job.trigger == "interval" else {}
        scheduler.add_job(
            job.func,
            job.trigger,
            id=job_id,
            max_instances=1,
            coalesce=True,
            **job.options,
            **first_run,
        )
    scheduler.add_listener(_record, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    STATUS.mode = mode
    STATUS.scheduler = scheduler


def mark_started() -> None:
    STATUS.running = True
    STATUS.started_at = utcnow()


def mark_stopped() -> None:
    STATUS.running = False
