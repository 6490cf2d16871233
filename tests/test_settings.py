"""Settings: every variable documented, sensible parsing."""

from __future__ import annotations

import re

from cart_admin.settings import PROJECT_ROOT, SchedulerMode, Settings


def test_env_example_documents_every_setting() -> None:
    documented = set(
        re.findall(r"^([A-Z][A-Z0-9_]+)=", (PROJECT_ROOT / ".env.example").read_text(), re.M)
    )
    expected = {name.upper() for name in Settings.model_fields}
    assert expected <= documented, f"undocumented: {sorted(expected - documented)}"


def test_defaults_run_locally(monkeypatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    settings = Settings(_env_file=None)
    assert settings.database_kind == "sqlite"
    assert settings.scheduler is SchedulerMode.IN_PROCESS
    assert settings.callback_base_url == "http://localhost:3000"


def test_postgres_urls_use_psycopg3_and_empty_values_mean_default(monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db:5432/shop")
    monkeypatch.setenv("APP_URL", "")
    settings = Settings(_env_file=None)
    assert settings.database_url == "postgresql+psycopg://u:p@db:5432/shop"
    assert settings.database_kind == "postgresql"
    assert settings.app_url == "http://localhost:3000"
