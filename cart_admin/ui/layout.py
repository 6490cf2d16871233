"""The logged-in shell: sidebar navigation, page header, content area."""

from __future__ import annotations

from itertools import groupby
from typing import TYPE_CHECKING

import reflex as rx

from cart_admin.ui.state import AuthState

if TYPE_CHECKING:
    from cart_admin.ui.nav import NavItem

SIDEBAR_WIDTH = "248px"


def brand() -> rx.Component:
    return rx.hstack(
        rx.center(
            rx.icon("shopping-cart", size=18, color="white"),
            width="32px",
            height="32px",
            border_radius="8px",
            background="linear-gradient(135deg, var(--accent-9), var(--accent-11))",
        ),
        rx.vstack(
            rx.text("Cart Admin", weight="bold", size="3", line_height="1"),
            rx.text(AuthState.company_name, size="1", color_scheme="gray", line_height="1.2"),
            spacing="1",
        ),
        align="center",
        spacing="3",
        padding_x="12px",
        padding_y="16px",
    )


def nav_link(item: NavItem, active: bool) -> rx.Component:
    link = rx.link(
        rx.hstack(
            rx.icon(item.icon, size=16),
            rx.text(item.label, size="2", weight="medium"),
            align="center",
            spacing="3",
            padding_x="12px",
            padding_y="8px",
            border_radius="8px",
            background="var(--accent-3)" if active else "transparent",
            color="var(--accent-11)" if active else "var(--gray-11)",
            _hover={"background": "var(--accent-3)" if active else "var(--gray-3)"},
            width="100%",
        ),
        href=item.route,
        underline="none",
        width="100%",
    )
    return rx.cond(AuthState.is_owner, link) if item.owner_only else link


def sidebar(nav_items: list[NavItem], active_route: str) -> rx.Component:
    sections = []
    for section, items in groupby(nav_items, key=lambda i: i.section):
        sections.append(
            rx.vstack(
                rx.text(
                    section.upper(),
                    size="1",
                    color_scheme="gray",
                    weight="medium",
                    padding_x="12px",
                    letter_spacing="0.06em",
                ),
                *[nav_link(i, i.route == active_route) for i in items],
                spacing="1",
                width="100%",
            )
        )
    return rx.vstack(
        brand(),
        rx.vstack(*sections, spacing="5", width="100%", padding_x="8px"),
        rx.spacer(),
        user_menu(),
        height="100vh",
        width=SIDEBAR_WIDTH,
        min_width=SIDEBAR_WIDTH,
        position="sticky",
        top="0",
        background="var(--gray-2)",
        border_right="1px solid var(--gray-4)",
        spacing="2",
    )


def user_menu() -> rx.Component:
    return rx.hstack(
        rx.avatar(fallback=AuthState.user_initials, size="2", radius="full"),
        rx.vstack(
            rx.text(AuthState.user_name, size="2", weight="medium", line_height="1.2"),
            rx.text(AuthState.user_role, size="1", color_scheme="gray", line_height="1.2"),
            spacing="0",
            flex="1",
            min_width="0",
        ),
        rx.tooltip(
            rx.icon_button(
                rx.icon("log-out", size=16),
                variant="ghost",
                color_scheme="gray",
                on_click=AuthState.logout,
                aria_label="Log out",
                id="logout",
            ),
            content="Log out",
        ),
        align="center",
        spacing="3",
        padding="12px",
        border_top="1px solid var(--gray-4)",
        width="100%",
    )


def shell(
    content: rx.Component, *, title: str, nav_items: list[NavItem], active_route: str
) -> rx.Component:
    return rx.hstack(
        sidebar(nav_items, active_route),
        rx.box(
            rx.cond(
                AuthState.is_authenticated,
                rx.vstack(
                    rx.heading(title, size="6", weight="bold"),
                    content,
                    spacing="5",
                    width="100%",
                    max_width="1200px",
                    padding_x="40px",
                    padding_y="32px",
                ),
                rx.center(rx.spinner(size="3"), height="60vh"),
            ),
            flex="1",
            min_width="0",
            background="var(--color-background)",
        ),
        spacing="0",
        width="100%",
        align="start",
    )
