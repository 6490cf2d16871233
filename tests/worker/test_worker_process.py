"""`python -m cart_admin.worker` is a real process that runs the jobs against the database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

from sqlmodel import Session

from cart_admin.models import InventoryHold
from cart_admin.models.types import utcnow
from cart_admin.settings import PROJECT_ROOT
from tests.factories import make_cart, make_company, make_product


def test_worker_releases_expired_holds(session: Session, db_url: str) -> None:
    company = make_company(session)
    product = make_product(session, company, available=4)
    cart = make_cart(session, company)
    hold = InventoryHold(
        company_id=company.id,
        cart_id=cart.id,
        product_id=product.id,
        quantity=2,
        expires_at=utcnow() - timedelta(seconds=1),
    )
    session.add(hold)
    session.commit()

    worker = subprocess.Popen(
        [sys.executable, "-m", "cart_admin.worker"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": db_url},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            session.expire_all()
            if session.get(InventoryHold, hold.id).released_at is not None:
                break
            time.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGINT)
        output, _ = worker.communicate(timeout=20)

    assert session.get(InventoryHold, hold.id).released_at is not None, output
    assert "worker started" in output
    assert "released 1 expired inventory holds" in output


def test_sigterm_finishes_the_message_in_hand_and_hands_back_the_rest(engine, db_url: str) -> None:
    """A deploy stops workers with SIGTERM: no claimed row is left to wait out its lease."""
    import sqlalchemy as sa
    from sqlmodel import col, select

    from cart_admin.models import CartIntervention, InterventionStatus
    from tests.worker.flow_rows import create_due_emails

    create_due_emails(engine, 400, now=utcnow())
    worker = subprocess.Popen(
        [sys.executable, "-m", "cart_admin.worker"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": db_url, "SMTP_HOST": "", "LOG_LEVEL": "INFO"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    sent = sa.func.count().filter(col(CartIntervention.status) == InterventionStatus.SENT)
    try:
        deadline = time.monotonic() + 30
        with Session(engine) as check:
            while time.monotonic() < deadline and not check.exec(select(sent)).one():
                time.sleep(0.05)
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=20)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, output
    assert "stopping on signal SIGTERM" in output and "worker stopped" in output
    with Session(engine) as check:
        counts = dict(check.exec(select(CartIntervention.status, sa.func.count())
                                 .group_by(CartIntervention.status)).all())  # fmt: skip
        leased = check.exec(
            select(sa.func.count()).where(
                col(CartIntervention.status) == InterventionStatus.SCHEDULED,
                col(CartIntervention.lease_owner).is_not(None),
            )
        ).one()
    assert 0 < counts[InterventionStatus.SENT] < 400, counts  # stopped part-way
    assert leased == 0
