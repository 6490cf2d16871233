"""Recovery content: what each stage says, written by the templates and by Claude side by
side on a real cart, pinned A/B versions with placeholders, brand voice and the AI budget."""

from __future__ import annotations

import reflex as rx

from cart_admin.domain.recovery_content.pinned import PLACEHOLDERS
from cart_admin.ui.components import card
from cart_admin.ui.nav import admin_page
from cart_admin.ui.pages.content_panels import (
    dropdown,
    experiment_card,
    message_view,
    settings_card,
    usage_card,
    version_editor,
)
from cart_admin.ui.pages.content_state import REASON_OPTIONS, STAGE_OPTIONS, ContentState

CONTENT = "/recovery/content"
S = ContentState


def pin_buttons(source: str) -> rx.Component:
    return rx.cond(S.can_write, rx.hstack(
        rx.button("Pin as A", size="1", variant="soft", on_click=S.pin(source, "A"),
                  id=f"pin-{source}-a"),
        rx.button("Pin as B", size="1", variant="soft", on_click=S.pin(source, "B"),
                  id=f"pin-{source}-b"), spacing="2"))  # fmt: skip


def side_by_side() -> rx.Component:
    template = card(
        rx.hstack(
            rx.text("Template", size="3", weight="bold"),
            rx.spacer(),
            pin_buttons("template"),
            width="100%",
        ),
        rx.text(
            "Always available; written from the cart's facts.",
            size="1",
            color_scheme="gray",
            margin_bottom="8px",
        ),
        message_view(S.template, "preview-template"),
        width="100%",
    )
    claude = card(
        rx.hstack(
            rx.text("Claude", size="3", weight="bold"),
            rx.spacer(),
            rx.cond(S.ai.contains("subject"), pin_buttons("ai")),
            width="100%",
        ),
        rx.text(
            "Writes each message for its cart; checked before it is sent.",
            size="1",
            color_scheme="gray",
            margin_bottom="8px",
        ),
        rx.cond(
            S.ai.contains("subject"),
            message_view(S.ai, "preview-ai"),
            rx.vstack(
                rx.foreach(S.ai_notes, lambda n: rx.text(n, size="2", color_scheme="amber")),
                rx.button(
                    rx.icon("sparkles", size=14),
                    "Write with Claude",
                    on_click=S.generate_ai,
                    loading=S.generating,
                    disabled=~S.can_write,
                    id="content-generate-ai",
                ),
                rx.text("Spends tokens from this month's budget.", size="1", color_scheme="gray"),
                spacing="2",
                align="start",
            ),
        ),
        rx.cond(
            S.ai.contains("subject"),
            rx.button(
                "Regenerate",
                size="1",
                variant="ghost",
                on_click=S.generate_ai,
                loading=S.generating,
                margin_top="8px",
                id="content-regenerate",
            ),
        ),
        width="100%",
    )
    return rx.grid(template, claude, columns="repeat(auto-fit, minmax(340px, 1fr))",
                   gap="16px", width="100%", align="start")  # fmt: skip


def slot_bar() -> rx.Component:
    return rx.flex(
        dropdown(STAGE_OPTIONS, S.stage, lambda v: S.choose("stage", v), "content-stage"),
        rx.cond(
            S.is_branching,
            dropdown(
                REASON_OPTIONS, S.reason, lambda v: S.choose("reason", v), "content-reason", "200px"
            ),
        ),
        rx.select.root(
            rx.select.trigger(placeholder="Latest cart", width="300px", id="content-cart"),
            rx.select.content(
                rx.foreach(S.carts, lambda c: rx.select.item(c["label"], value=c["id"]))
            ),
            value=S.cart_id,
            on_change=lambda v: S.choose("cart", v),
            size="2",
        ),
        spacing="3",
        wrap="wrap",
        align="center",
    )


def facts_card() -> rx.Component:
    return card(
        rx.text("The facts a message may state", size="3", weight="bold"),
        rx.text(S.cart_label, size="2", margin_top="6px", id="content-cart-label"),
        rx.text("Offer: " + S.offer, size="2", id="content-offer"),
        rx.text(
            "Triggers that are true for this cart:", size="2", weight="medium", margin_top="6px"
        ),
        rx.foreach(
            S.triggers,
            lambda t: rx.hstack(
                rx.badge(t["trigger"], color_scheme="violet", variant="soft"),
                rx.text(t["evidence"], size="1", color_scheme="gray"),
                align="center",
            ),
        ),
        rx.text(
            "Placeholders for pinned versions: " + ", ".join("{" + k + "}" for k in PLACEHOLDERS),
            size="1",
            color_scheme="gray",
            margin_top="8px",
        ),
        width="100%",
    )


@admin_page(route=CONTENT, title="Content", icon="pen-line", order=32, section="Recovery",
            on_load=[ContentState.load])  # fmt: skip
def content_page() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(
                "What each stage says. Every message, whoever wrote it, is checked "
                "against the cart before it is sent: the real offer and code, the cart's "
                "prices and products, true claims only.",
                size="2",
                color_scheme="gray",
                flex="1",
            ),
            width="100%",
        ),
        rx.cond(
            S.notice != "", rx.callout(S.notice, icon="info", width="100%", id="content-notice")
        ),
        rx.grid(
            rx.vstack(
                slot_bar(),
                facts_card(),
                side_by_side(),
                rx.grid(
                    version_editor("A"),
                    version_editor("B"),
                    columns="repeat(auto-fit, minmax(340px, 1fr))",
                    gap="16px",
                    width="100%",
                    align="start",
                ),
                experiment_card(),
                spacing="4",
                width="100%",
            ),
            rx.vstack(settings_card(), usage_card(), spacing="4", width="100%"),
            columns="minmax(0, 2.4fr) minmax(260px, 1fr)",
            gap="24px",
            width="100%",
            align_items="start",
        ),
        spacing="4",
        width="100%",
    )
