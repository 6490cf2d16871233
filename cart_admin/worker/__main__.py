"""`python -m cart_admin.worker`: run the ticks in their own process (scaled-out layout)."""

from __future__ import annotations

import contextlib
import logging
import signal

from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler

from cart_admin.settings import get_settings
from cart_admin.worker.jobs import STOPPING
from cart_admin.worker.scheduler import install_jobs, mark_started


def main() -> None:
    logging.basicConfig(
        level=get_settings().log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    scheduler = BlockingScheduler(timezone="UTC")
    install_jobs(scheduler, mode="worker")
    mark_started()
    jobs = [job.id for job in scheduler.get_jobs()]
    log = logging.getLogger(__name__)
    log.info("worker started with jobs: %s", jobs)

    def stop(signum: int, _frame: object) -> None:
        """SIGTERM (a deploy) or Ctrl-C: finish the message in hand, hand back the rest."""
        log.info("stopping on signal %s", signal.Signals(signum).name)
        STOPPING.set()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()
    with contextlib.suppress(SchedulerNotRunningError):
        scheduler.shutdown(wait=True)  # waits for running jobs, which see STOPPING
    log.info("worker stopped")


if __name__ == "__main__":
    main()
