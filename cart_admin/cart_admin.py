"""The Reflex app: admin pages, the mounted API, and the in-process scheduler."""

from __future__ import annotations

import contextlib
import logging

import reflex as rx
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from starlette.types import ASGIApp

from cart_admin.api.app import create_api
from cart_admin.api.storefront_guard import StorefrontGuard
from cart_admin.settings import SchedulerMode, get_settings
from cart_admin.ui.pages import (  # noqa: F401  (registers the pages)
    alerts,
    analytics,
    api_keys,
    attempts,
    catalog,
    checkout_help,
    content,
    inbox,
    landing_pages,
    login,
    overview,
    presets,
    save_flow,
    theme_editor,
    voice,
)
from cart_admin.worker.scheduler import install_jobs, mark_started, mark_stopped

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def in_process_scheduler():
    """Tick in this process unless SCHEDULER=off (then `python -m cart_admin.worker` does)."""
    if get_settings().scheduler is not SchedulerMode.IN_PROCESS:
        yield
        return
    scheduler = AsyncIOScheduler(timezone="UTC")
    install_jobs(scheduler, mode="in-process")
    scheduler.start()
    mark_started()
    try:
        yield
    finally:
        scheduler.shutdown(wait=False)
        mark_stopped()


class CartAdminApp(rx.App):
    """Reflex's app, wrapped so storefront paths get per-landing-page CORS and limits."""

    def __call__(self) -> ASGIApp:
        return StorefrontGuard(super().__call__())


app = CartAdminApp(api_transformer=create_api())
app.register_lifespan_task(in_process_scheduler)
