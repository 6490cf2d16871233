"""Landing pages: each page's embed snippet, allowed origins, and its demo storefront."""

from __future__ import annotations

import reflex as rx

from cart_admin.db import session_scope
from cart_admin.domain.landing_pages import embed_snippet, landing_page_summaries
from cart_admin.settings import get_settings
from cart_admin.ui.components import card
from cart_admin.ui.nav import admin_page
from cart_admin.ui.routes import LANDING_PAGES
from cart_admin.ui.state import AuthState


class LandingPagesState(rx.State):
    pages: list[dict[str, str]] = []

    @rx.event
    async def load(self):
        auth = await self.get_state(AuthState)
        if not auth.company_id:
            return
        with session_scope() as session:
            rows = landing_page_summaries(session, company_id=auth.company_id)
        app_url = get_settings().app_url
        self.pages = [
            {
                "id": p.id,
                "name": p.name,
                "slug": p.slug,
                "status": p.status.value.title(),
                "preset": p.preset.replace("_", " ").title(),
                "products": str(p.product_count),
                "origins": ", ".join(p.allowed_origins) or "none yet",
                "checkout": p.checkout_url or "not set",
                "snippet": embed_snippet(app_url, p.public_key),
                "demo": f"/demo/store/{p.slug}",
            }
            for p in rows
        ]


def page_card(page: dict) -> rx.Component:
    return card(
        rx.hstack(
            rx.vstack(
                rx.hstack(
                    rx.text(page["name"], size="4", weight="bold"),
                    rx.badge(page["status"], variant="soft", color_scheme="green"),
                    rx.badge(page["preset"], variant="outline"),
                    align="center",
                    spacing="2",
                ),
                rx.text(
                    f"/{page['slug']} · ",
                    page["products"],
                    " products",
                    size="2",
                    color_scheme="gray",
                ),
                spacing="1",
            ),
            rx.spacer(),
            rx.link(
                rx.button(rx.icon("external-link", size=14), "Open demo store", variant="soft"),
                href=page["demo"],
                is_external=True,
            ),
            align="center",
            width="100%",
        ),
        rx.vstack(
            rx.text("Embed snippet", size="2", weight="medium"),
            rx.hstack(
                rx.code(
                    page["snippet"],
                    size="2",
                    variant="soft",
                    white_space="nowrap",
                    overflow="hidden",
                    text_overflow="ellipsis",
                    flex="1",
                ),
                rx.icon_button(
                    rx.icon("copy", size=14),
                    variant="soft",
                    on_click=[rx.set_clipboard(page["snippet"]), rx.toast("Snippet copied")],
                    aria_label="Copy the embed snippet",
                ),
                width="100%",
                align="center",
            ),
            rx.text("Allowed origins: ", page["origins"], size="2", color_scheme="gray"),
            rx.text("Checkout URL: ", page["checkout"], size="2", color_scheme="gray"),
            spacing="2",
            margin_top="16px",
            width="100%",
        ),
        width="100%",
    )


@admin_page(
    route=LANDING_PAGES,
    title="Landing pages",
    icon="panels-top-left",
    order=10,
    on_load=[LandingPagesState.load],
)
def landing_pages() -> rx.Component:
    return rx.vstack(
        rx.text(
            "Each landing page embeds the cart drawer with one script tag. Storefronts on the "
            "allowed origins may use its cart API.",
            size="2",
            color_scheme="gray",
        ),
        rx.foreach(LandingPagesState.pages, page_card),
        spacing="4",
        width="100%",
    )
