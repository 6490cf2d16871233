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
