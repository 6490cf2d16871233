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
            jobs = {job["id"]: job for job in health["scheduler"]["jobs"]}
            crons = ("evaluate_alerts", "expire_attempts", "prune_ai_rankings")
            ticks = [job for name, job in jobs.items() if name not in crons]
            if all(job["last_run_at"] for job in ticks) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        unauthenticated = client.get("/api/me")

    assert health["status"] == "ok"
    assert health["database"]["revision"] is not None
    assert health["scheduler"]["running"] is True
    assert health["scheduler"]["mode"] == "in-process"
    assert sorted(jobs) == [
        "detect_abandoned_carts",
        "evaluate_alerts",  # a cron job: hourly at minute 17
        "expire_attempts",  # a cron job: hourly at minute 7
        "prune_ai_rankings",  # a cron job: hourly at minute 37
        "release_expired_holds",
        "rescue_stalled_attempts",
        "run_due_interventions",
        "voice_call_queue",  # every VOICE_QUEUE_INTERVAL_MINUTES, and at start-up
    ]
    for job in ticks:  # the interval jobs ran at start-up, without an error
        assert job["last_run_at"] is not None and job["last_error"] is None, job
    assert jobs["expire_attempts"]["next_run_at"].endswith(":07:00+00:00")
    assert jobs["evaluate_alerts"]["next_run_at"].endswith(":17:00+00:00")
    assert unauthenticated.status_code == 401
