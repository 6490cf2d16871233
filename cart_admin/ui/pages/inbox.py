"""Recovery → Inbox: checkout chats handed to a person. Reply here; the shopper reads it in
the drawer within a few seconds."""

from __future__ import annotations

import reflex as rx

from cart_admin.ui.components import card
from cart_admin.ui.nav import admin_page
from cart_admin.ui.pages.inbox_state import InboxState as S

INBOX = "/recovery/inbox"


def conversation_row(row: dict) -> rx.Component:
    selected = S.selected == row["id"]
    return rx.box(
        rx.hstack(
            rx.cond(row["waiting"] == "yes", rx.badge("Waiting", color_scheme="orange")),
            rx.cond(row["status"] == "CLOSED", rx.badge("Closed", color_scheme="gray")),
            rx.text(row["reason"], size="1", color_scheme="gray"),
            rx.spacer(),
            rx.text(row["cart"], size="2", weight="medium"),
            width="100%",
            align="center",
        ),
        rx.text(row["last"], size="2", trim="end", class_name="inbox-last"),
        rx.text(row["when"], size="1", color_scheme="gray"),
        on_click=S.select(row["id"]),
        padding="10px 12px",
        border_radius="8px",
        cursor="pointer",
        background=rx.cond(selected, "var(--accent-3)", "transparent"),
        _hover={"background": "var(--gray-3)"},
        class_name="inbox-row",
        width="100%",
    )


def message(turn: dict) -> rx.Component:
    mine = turn["role"] == "agent"
    shopper = turn["role"] == "user"
    return rx.cond(
        turn["role"] == "system",
        rx.center(rx.text(turn["text"], size="1", color_scheme="gray"), width="100%"),
        rx.vstack(
            rx.text(turn["who"], " · ", turn["when"], size="1", color_scheme="gray"),
            rx.box(
                rx.text(turn["text"], size="2", white_space="pre-line"),
                background=rx.cond(
                    shopper, "var(--gray-3)", rx.cond(mine, "var(--accent-9)", "var(--accent-2)")
                ),
                color=rx.cond(mine, "white", "var(--gray-12)"),
                padding="8px 12px",
                border_radius="12px",
                max_width="80%",
            ),
            align=rx.cond(shopper, "start", "end"),
            spacing="1",
            width="100%",
            class_name="inbox-message",
            data_role=turn["role"],
        ),
    )


def thread() -> rx.Component:
    return card(
        rx.cond(
            S.selected == "",
            rx.center(
                rx.text("Choose a conversation.", color_scheme="gray"),
                height="300px",
                width="100%",
            ),
            rx.vstack(
                rx.hstack(
                    rx.vstack(
                        rx.heading(S.header["reason"], size="3"),
                        rx.text(
                            "Started ",
                            S.header["started"],
                            rx.cond(S.header["cart"] != "", " · cart " + S.header["cart"], ""),
                            size="1",
                            color_scheme="gray",
                        ),
                        spacing="1",
                    ),
                    rx.spacer(),
                    rx.cond(
                        S.can_write & (S.header["status"] != "CLOSED"),
                        rx.button(
                            "Mark resolved",
                            variant="soft",
                            color_scheme="gray",
                            on_click=S.close,
                            id="inbox-close",
                        ),
                    ),
                    width="100%",
                ),
                rx.separator(),
                rx.vstack(
                    rx.foreach(S.thread, message),
                    spacing="3",
                    width="100%",
                    max_height="460px",
                    overflow_y="auto",
                    id="inbox-thread",
                ),
                rx.cond(
                    S.can_write,
                    rx.vstack(
                        rx.text_area(
                            value=S.reply,
                            on_change=S.set_reply,
                            placeholder="Write a reply: the shopper sees it in their cart.",
                            rows="3",
                            width="100%",
                            id="inbox-reply",
                        ),
                        rx.cond(
                            S.error != "",
                            rx.text(S.error, size="1", color_scheme="red", role="alert"),
                        ),
                        rx.hstack(
                            rx.spacer(),
                            rx.button(
                                rx.icon("send", size=14),
                                "Send reply",
                                on_click=S.send,
                                disabled=S.reply.strip() == "",
                                id="inbox-send",
                            ),
                            width="100%",
                        ),
                        width="100%",
                    ),
                ),
                spacing="3",
                width="100%",
            ),
        ),
        width="100%",
    )


@admin_page(
    route=INBOX,
    title="Inbox",
    icon="inbox",
    order=35,
    section="Recovery",
    on_load=[S.load],
)
def inbox_page() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(
                "Checkout chats handed to a person: asked for, frustrated, high-value or about "
                "to leave. Replies reach the shopper's cart within seconds.",
                size="2",
                color_scheme="gray",
            ),
            rx.spacer(),
            rx.cond(
                S.waiting > 0,
                rx.badge(
                    S.waiting.to_string() + " waiting for a reply",
                    color_scheme="orange",
                    size="2",
                    id="inbox-waiting",
                ),
            ),
            rx.segmented_control.root(
                rx.segmented_control.item("Handed over", value="waiting"),
                rx.segmented_control.item("All", value="all"),
                value=S.show,
                on_change=S.set_show,
                id="inbox-filter",
            ),
            width="100%",
            align="center",
        ),
        rx.grid(
            card(
                rx.cond(
                    S.conversations.length() == 0,
                    rx.center(
                        rx.text("No conversation here yet.", color_scheme="gray"),
                        height="120px",
                        width="100%",
                    ),
                    rx.vstack(
                        rx.foreach(S.conversations, conversation_row),
                        spacing="1",
                        width="100%",
                        id="inbox-list",
                    ),
                ),
                padding="8px",
            ),
            thread(),
            columns="minmax(280px, 1fr) 2fr",
            spacing="4",
            width="100%",
        ),
        spacing="4",
        width="100%",
    )
