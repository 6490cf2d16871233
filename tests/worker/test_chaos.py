"""Chaos: workers killed with SIGKILL mid-delivery still send every e-mail exactly once.

Three `python -m cart_admin.worker` processes deliver due e-mail interventions (1,500 in the
everyday suite, 10,000 with `make chaos`) through the standalone fake SMTP server (its own
process, one JSON line per accepted message). Every
1.5-4 s a random worker is killed with SIGKILL and a new one started at once. The rows a dead
worker held come back when their lease runs out (5 s here instead of 120 s), so the run ends
only when every row is SENT. The server must then have exactly one message per row: the count
of accepted messages, and each row's Message-ID once.

PostgreSQL only (the workers claim with FOR UPDATE SKIP LOCKED): set TEST_DATABASE_URL. The
run uses its own database on that server, created and dropped here. CHAOS_SEED replays a run's
kill schedule.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, select

from cart_admin.db import engine_for
from cart_admin.models import CartIntervention, InterventionStatus
from cart_admin.settings import PROJECT_ROOT
from tests.fakes.smtp_server import free_port
from tests.worker.flow_rows import create_due_emails, fresh_database, status_counts

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(not PG_URL, reason="needs TEST_DATABASE_URL (PostgreSQL)")

# `make chaos` runs 10,000 (about 10 minutes here); the everyday suite a shorter run of the same
# (1,500: about 85 s and some 30 kills, most of them while a worker holds leased rows).
ROWS = int(os.environ.get("CHAOS_ROWS", "1500"))
WORKERS = 3
LEASE_SECONDS = 5
KILL_EVERY = (1.5, 4.0)  # seconds between kills, drawn at random
MIN_KILLS_IN_FLIGHT = 8
DELIVERY_TIMEOUT = float(os.environ.get("CHAOS_TIMEOUT", "900"))
SEED = int(os.environ.get("CHAOS_SEED", "20261122"))


@dataclass
class Fleet:
    """The worker processes, each replaced by a new one when it is killed."""

    env: dict[str, str]
    logs: Path
    procs: list[subprocess.Popen] = field(default_factory=list)
    started: int = 0

    def start(self) -> subprocess.Popen:
        self.started += 1
        log = (self.logs / f"worker-{self.started}.log").open("w")
        return subprocess.Popen(
            [sys.executable, "-m", "cart_admin.worker"],
            cwd=PROJECT_ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=10)

    def tail(self, lines: int = 40) -> str:
        """The end of every worker log with an error in it, for a failure message."""
        out = []
        for path in sorted(self.logs.glob("worker-*.log")):
            text = path.read_text(errors="replace")
            if "Traceback" in text or "ERROR" in text:
                out.append(f"--- {path.name}\n" + "\n".join(text.splitlines()[-lines:]))
        return "\n".join(out)


def _start_smtp(record: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.smtp_server", "--port", str(port),
         "--record", str(record)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("listening on"), line
    return proc, port


def _held_by(engine: sa.Engine, pid: int) -> int:
    """Unsent rows still leased to the (killed) worker process `pid`."""
    with Session(engine) as session:
        return session.exec(
            select(sa.func.count()).where(
                col(CartIntervention.lease_owner).like(f"%:{pid}:%"),
                col(CartIntervention.status) == InterventionStatus.SCHEDULED,
            )
        ).one()


def _after_kills(engine: sa.Engine, message_ids: list[str], kills: list[datetime]) -> str:
    """For each lost message: how long after its row's claim-time `sent_at` the next SIGKILL
    came (a kill between the fenced commit of SENT and the end of DATA loses the message)."""
    ids = [m.strip("<").split(".")[0] for m in message_ids]
    with Session(engine) as session:
        rows = session.exec(
            select(CartIntervention.id, CartIntervention.sent_at).where(
                col(CartIntervention.id).in_(ids)
            )
        ).all()
    lines = []
    for row_id, sent_at in rows:
        after = [k for k in kills if sent_at is not None and k >= sent_at]
        gap = f"{(after[0] - sent_at).total_seconds() * 1000:.0f} ms" if after else "no kill"
        lines.append(f"  {row_id}: SENT at {sent_at:%H:%M:%S.%f}, next SIGKILL {gap} later")
    return "\n".join(lines)


def _recorded(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [json.loads(line)["message_id"] for line in path.read_text().splitlines() if line]


@pytest.mark.timeout(1200)
def test_killed_workers_deliver_every_email_exactly_once(tmp_path: Path) -> None:
    name = f"{make_url(PG_URL).database or 'cart'}_chaos_{os.getpid()}"
    with fresh_database(PG_URL, name) as url:
        engine = engine_for(url)
        began = time.monotonic()
        rows = create_due_emails(engine, ROWS, now=datetime.now(UTC))
        setup_seconds = time.monotonic() - began

        record = tmp_path / "deliveries.jsonl"
        smtp, port = _start_smtp(record)
        fleet = Fleet(
            env={
                **os.environ,
                "DATABASE_URL": url,
                "SMTP_HOST": "127.0.0.1",
                "SMTP_PORT": str(port),
                "SMTP_STARTTLS": "false",
                "SMTP_USERNAME": "",
                "DEMO_DATA": "false",
                "LOG_LEVEL": "WARNING",
                "ENABLE_MI_CART_SAVE": "true",
                "WORKER_TICK_SECONDS": "1",
                "INTERVENTION_LEASE_SECONDS": str(LEASE_SECONDS),
            },
            logs=tmp_path,
        )
        rng = random.Random(SEED)
        kills = in_flight = 0
        kill_times: list[datetime] = []
        counts: dict[str, int] = {}
        try:
            began = time.monotonic()
            fleet.procs = [fleet.start() for _ in range(WORKERS)]
            next_kill = began + rng.uniform(*KILL_EVERY)
            while True:
                counts = status_counts(engine)
                if counts.get("SENT", 0) >= ROWS:
                    break
                now = time.monotonic()
                assert now - began < DELIVERY_TIMEOUT, (
                    f"not done after {DELIVERY_TIMEOUT:.0f} s: {counts}\n{fleet.tail()}"
                )
                if now >= next_kill:
                    slot = rng.randrange(WORKERS)
                    victim = fleet.procs[slot]
                    victim.send_signal(signal.SIGKILL)
                    kill_times.append(datetime.now(UTC))
                    victim.wait(timeout=10)
                    fleet.procs[slot] = fleet.start()
                    kills += 1
                    in_flight += _held_by(engine, victim.pid) > 0
                    next_kill = now + rng.uniform(*KILL_EVERY)
                time.sleep(0.5)
            delivery_seconds = time.monotonic() - began
            # A row is SENT just before its end-of-data goes out: let the last ones arrive.
            time.sleep(1.0)
        finally:
            fleet.stop()
            smtp.send_signal(signal.SIGTERM)
            smtp.communicate(timeout=20)

        with Session(engine) as session:
            unsent = session.exec(
                select(sa.func.count()).where(col(CartIntervention.sent_at).is_(None))
            ).one()
        recorded = _recorded(record)
        seen = Counter(recorded)
        print(
            f"\nchaos: {ROWS} e-mails, {WORKERS} workers, seed {SEED}: setup {setup_seconds:.1f} s,"
            f" delivered in {delivery_seconds:.1f} s ({ROWS / delivery_seconds:.0f}/s),"
            f" {kills} SIGKILLs ({in_flight} while holding leased rows),"
            f" {fleet.started} worker processes started; server accepted {len(recorded)}"
        )

        duplicates = sorted(m for m, n in seen.items() if n > 1)
        missing = sorted(rows.message_ids - seen.keys())
        assert not duplicates, f"{len(duplicates)} sent twice, e.g. {duplicates[:5]}"
        lost = _after_kills(engine, missing, kill_times) if missing else ""
        assert not missing, f"{len(missing)} never arrived although SENT:\n{lost}"
        assert len(recorded) == ROWS
        assert set(seen) == rows.message_ids
        assert counts == {"SENT": ROWS}, counts
        assert unsent == 0
        assert in_flight >= MIN_KILLS_IN_FLIGHT, f"only {in_flight} kills hit a busy worker"
