"""GET /api/health: version, database kind and schema revision, scheduler state."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient

from cart_admin import __version__
from cart_admin.api.app import create_api
from cart_admin.db import engine_for
from cart_admin.settings import get_settings
from tests.conftest import alembic_config


def test_health_reports_version_database_and_scheduler(db_url, monkeypatch):
    monkeypatch.setenv("SCHEDULER", "off")
    get_settings.cache_clear()
    head = ScriptDirectory.from_config(alembic_config(db_url)).get_current_head()

    response = TestClient(create_api()).get("/api/health")  # no credentials needed

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["version"] == __version__
    assert body["database"] == {
        "kind": "sqlite" if db_url.startswith("sqlite") else "postgresql",
        "ok": True,
        "revision": head,
    }
    assert head is not None
    scheduler = body["scheduler"]
    assert set(scheduler) == {"mode", "running", "started_at", "jobs", "configured"}
    assert scheduler["configured"] == "off"
    assert isinstance(scheduler["running"], bool)
    assert isinstance(scheduler["jobs"], list)


def _health_at(url: str, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        return TestClient(create_api()).get("/api/health")
    finally:
        get_settings.cache_clear()
        engine_for(url).dispose()


def test_health_is_503_when_the_database_does_not_answer(tmp_path, monkeypatch):
    response = _health_at(f"sqlite:///{tmp_path / 'missing-dir' / 'cart.db'}", monkeypatch)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"] == {
        "kind": "sqlite",
        "ok": False,
        "revision": None,
        "error": "OperationalError",
    }


def test_health_is_503_on_a_database_without_migrations(tmp_path, monkeypatch):
    response = _health_at(f"sqlite:///{tmp_path / 'empty.db'}", monkeypatch)
    assert response.status_code == 503
    assert response.json()["database"]["error"] == "OperationalError"
