"""The one place that reads environment variables.

Every variable is documented in `.env.example`; the defaults run the app out of the box
(SQLite next to the code, console channels, in-process scheduler).
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SchedulerMode(StrEnum):
    """Where the background ticks run."""

    IN_PROCESS = "in-process"  # started by the web process (one backend)
    OFF = "off"  # web processes only; run `python -m cart_admin.worker` separately


class Settings(BaseSettings):
    """Configuration read from the environment (and an optional `.env` file)."""

    model_config = SettingsConfigDict(
        env_file=PROJECT_ROOT / ".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
    )

    database_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / 'cart_admin.db'}",
        description="SQLAlchemy URL; postgresql+psycopg://user@host/db in production.",
    )
    app_url: str = Field(
        default="http://localhost:3000",
        description="Public base URL of this app: admin pages, API, embed script, webhooks.",
    )
    api_url: str = Field(
        default="",
        description="Base URL Twilio and e-mails use for callbacks; defaults to APP_URL.",
    )
    portal_url: str = Field(
        default="http://localhost:3000",
        description="Storefront URL for recovery links when a page has no checkout URL.",
    )
    scheduler: SchedulerMode = Field(
        default=SchedulerMode.IN_PROCESS,
        description="'in-process' runs the ticks in the web process; 'off' leaves them to workers.",
    )
    demo_data: bool = Field(
        default=True, description="Create the demo merchant on first start with an empty database."
    )
    session_ttl_hours: int = Field(default=12, ge=1, le=24 * 30)
    log_level: str = "INFO"
    worker_tick_seconds: float = Field(
        default=5.0, gt=0, le=3600, description="How often a worker looks for due messages."
    )
    intervention_lease_seconds: float = Field(
        default=120.0,
        ge=1,
        le=24 * 3600,
        description="How long a claimed message stays with its worker before another may "
        "take it over; must exceed the time one batch takes to send.",
    )

    # Channels: the real adapters are used when these are set; console ones otherwise.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_from: str = "Cart Admin <no-reply@localhost>"
    smtp_starttls: bool = True
    smtp_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Socket timeout of each SMTP step (connect, reply)."
    )

    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_phone_number: str = ""
    twilio_api_base_url: str = Field(
        default="", description="Override of https://api.twilio.com (local fakes in tests)."
    )
    twilio_timeout_seconds: float = Field(
        default=10.0, gt=0, description="HTTP timeout of each request to Twilio's API."
    )

    anthropic_api_key: str = ""
    anthropic_base_url: str = ""
    anthropic_model: str = "claude-sonnet-4-6"
    anthropic_fast_model: str = "claude-haiku-4-5"
    ai_content_timeout_seconds: float = Field(
        default=20.0,
        gt=0,
        le=300,
        description="How long a worker waits for Claude to write one message.",
    )
    ai_upsell_wait_seconds: float = Field(
        default=1.2,
        gt=0,
        le=30,
        description="How long the drawer's upsell request waits for Claude's ranking before it "
        "answers with the rule ranking (the reply is still cached for the next request).",
    )

    ai_voice_timeout_seconds: float = Field(
        default=3.0,
        gt=0,
        le=10,
        description="How long a call waits for Claude to understand a reply before it uses the "
        "script's trigger phrases (the caller is waiting).",
    )
    voice_queue_interval_minutes: int = Field(
        default=30,
        ge=1,
        le=720,
        description="How often the call queue looks for carts to call (spec: every 30 minutes); "
        "call hours are checked in each shopper's own time zone.",
    )

    # Feature flags of the deployment plan.
    enable_cart_theming: bool = True
    enable_mi_cart_save: bool = True
    enable_voice_recovery: bool = True
    enable_churn_detection: bool = True

    @field_validator("database_url")
    @classmethod
    def _normalise_postgres_driver(cls, value: str) -> str:
        """Accept the common `postgres://` / `postgresql://` forms and use psycopg 3."""
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        return value

    @property
    def database_kind(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.database_url.split(":", 1)[0].split("+", 1)[0]

    @property
    def callback_base_url(self) -> str:
        return (self.api_url or self.app_url).rstrip("/")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (cached; tests clear the cache after changing the env)."""
    return Settings()
