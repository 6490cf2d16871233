"""Reflex configuration. Application settings live in cart_admin/settings.py."""

import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

from cart_admin.settings import get_settings

_settings = get_settings()

config = rx.Config(
    app_name="cart_admin",
    db_url=_settings.database_url,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    default_color_mode="light",
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="iris", gray_color="slate", radius="medium")
        )
    ],
    disable_plugins=[SitemapPlugin],
)
