"""`python -m cart_admin.worker`: run the ticks in their own process (scaled-out layout)."""

from __future__ import annotations

import contextlib
import logging

from apscheduler.schedulers.blocking import BlockingScheduler

from cart_admin.settings import get_settings
from cart_admin.worker.scheduler import install_jobs, mark_started


def main() -> None:
    logging.basicConfig(
        level=get_settings().log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    scheduler = BlockingScheduler(timezone="UTC")
    install_jobs(scheduler, mode="worker")
    mark_started()
    jobs = [job.id for job in scheduler.get_jobs()]
    logging.getLogger(__name__).info("worker started with jobs: %s", jobs)
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()


if __name__ == "__main__":
    main()
