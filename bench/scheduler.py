"""Scheduler benchmark: interventions executed per second with 1, 2 and 4 worker processes.

    python bench/scheduler.py [--rows 5000] [--workers 1,2,4]
        [--database-url postgresql+psycopg://postgres@127.0.0.1/cart_admin_bench]

For each worker count it creates the database (dropping any old one of that name), writes
`--rows` due e-mail interventions (the rows the chaos test uses: one abandoned cart, attempt
and PATTERN_INTERRUPT e-mail each; quiet hours and caps off), starts the worker processes,
and times from a common start signal until every row is SENT. E-mail goes to the console
channel (no SMTP_HOST), so the figure is the scheduler's own cost: claiming with a lease, the
gates, content, the fenced commit, and moving the attempt on. The database is dropped at the
end.

Each worker process runs `cart_admin.worker.jobs.run_interventions_job` (what
`python -m cart_admin.worker` runs every tick: `delivery.run_due` with the settings' channels
and lease) in a loop until it finds nothing due. That is the worker's real path without
APScheduler's timer: with the real command a tick ends after its 20 s budget and the next
starts up to WORKER_TICK_SECONDS later, and a process spends ~1 s importing before its first
tick, so the timing would measure those waits rather than the delivery.

The baseline is a bare loop in one process over the same number of rows: one
`UPDATE cart_interventions SET status='SENT', sent_at=now() WHERE id=:id` and its commit per
row, the least any at-least-once-recorded delivery must do. "ratio" is the workers' rows/s
divided by the baseline's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1/cart_admin_bench"


def _worker() -> None:
    """One worker process: run the delivery job until nothing is due, after the start line."""
    from cart_admin.worker.jobs import run_interventions_job

    print("ready", flush=True)
    sys.stdin.readline()
    totals: dict[str, int] = {}
    while counts := run_interventions_job():
        for outcome, n in counts.items():
            totals[outcome] = totals.get(outcome, 0) + n
    print(json.dumps(totals), flush=True)


def _run_workers(url: str, workers: int) -> tuple[float, dict[str, int]]:
    """Seconds from the start signal until every worker found nothing due; their outcomes."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SMTP_HOST": "",
        "LOG_LEVEL": "WARNING",
        "ENABLE_MI_CART_SAVE": "true",
    }
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        start = time.perf_counter()
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        outputs = [proc.communicate(timeout=3600)[0] for proc in procs]
        seconds = time.perf_counter() - start
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    totals: dict[str, int] = {}
    for output in outputs:
        for outcome, n in json.loads(output.strip().splitlines()[-1]).items():
            totals[outcome] = totals.get(outcome, 0) + n
    return seconds, totals


def _bare_updates(url: str, ids: list[str]) -> float:
    """Seconds for one committed single-row UPDATE per id, in this process."""
    import sqlalchemy as sa

    from cart_admin.db import engine_for

    update = sa.text(
        "UPDATE cart_interventions SET status = 'SENT', sent_at = now() WHERE id = :id"
    )
    with engine_for(url).connect() as conn:
        start = time.perf_counter()
        for row_id in ids:
            conn.execute(update, {"id": row_id})
            conn.commit()
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--workers", default="1,2,4", help="comma-separated process counts")
    parser.add_argument(
        "--database-url",
        default=DEFAULT_URL,
        help="a PostgreSQL URL; this database is created, used and dropped",
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker()
        return

    from sqlalchemy.engine import make_url

    from cart_admin.db import engine_for
    from tests.worker.flow_rows import create_due_emails, fresh_database, status_counts

    name = make_url(args.database_url).database
    assert name, "the URL needs a database name"
    counts = [int(n) for n in args.workers.split(",")]
    print(f"{args.rows} due e-mail interventions, console channel, {os.cpu_count()} CPUs")

    with fresh_database(args.database_url, name) as url:
        rows = create_due_emails(engine_for(url), args.rows, now=datetime.now(UTC))
        bare = args.rows / _bare_updates(url, rows.intervention_ids)
    print(f"bare UPDATE + commit loop (1 process): {bare:,.0f} rows/s\n")
    print(f"{'workers':>7}  {'rows':>6}  {'seconds':>8}  {'rows/s':>7}  {'vs bare UPDATE':>14}")
    for workers in counts:
        with fresh_database(args.database_url, name) as url:
            create_due_emails(engine_for(url), args.rows, now=datetime.now(UTC))
            seconds, outcomes = _run_workers(url, workers)
            states = status_counts(engine_for(url))
        assert states == {"SENT": args.rows}, (states, outcomes)
        rate = args.rows / seconds
        print(f"{workers:>7}  {args.rows:>6}  {seconds:>8.1f}  {rate:>7.1f}  {rate / bare:>14.3f}")


if __name__ == "__main__":
    main()
