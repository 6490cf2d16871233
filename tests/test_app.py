"""The whole Reflex app in-process: the API is mounted and the in-process scheduler ticks."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the app builds once per process
def test_mounted_api_and_scheduler_lifespan(db_url: str) -> None:
    from cart_admin.cart_admin import app

    asgi = app()  # built once: Reflex refuses a second build in one process
    with TestClient(asgi) as client:
        deadline = time.monotonic() + 10
        while True:
            health = client.get("/api/health").json()
            jobs = health["scheduler"]["jobs"]
            if all(job["last_run_at"] for job in jobs) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        unauthenticated = client.get("/api/me")

    assert health["status"] == "ok"
    assert health["database"]["revision"] is not None
    assert health["scheduler"]["running"] is True
    assert health["scheduler"]["mode"] == "in-process"
    assert [job["id"] for job in jobs] == ["release_expired_holds"]
    assert jobs[0]["last_run_at"] is not None and jobs[0]["last_error"] is None
    assert unauthenticated.status_code == 401
