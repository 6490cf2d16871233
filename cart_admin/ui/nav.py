"""The sidebar's entries. A page adds itself with `admin_page`; no placeholders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import reflex as rx

from cart_admin.ui.layout import shell
from cart_admin.ui.routes import FAVICON
from cart_admin.ui.state import AuthState


@dataclass(frozen=True)
class NavItem:
    label: str
    route: str
    icon: str  # a lucide icon name
    order: int
    section: str = "Workspace"
    owner_only: bool = False


NAV_ITEMS: list[NavItem] = []


def admin_page(
    *,
    route: str,
    title: str,
    icon: str,
    order: int,
    section: str = "Workspace",
    owner_only: bool = False,
    on_load: list | None = None,
) -> Callable[[Callable[[], rx.Component]], Callable[[], rx.Component]]:
    """Register a logged-in page: sidebar entry, shell, login check before its own loaders."""
    item = NavItem(title, route, icon, order, section, owner_only)
    NAV_ITEMS.append(item)
    NAV_ITEMS.sort(key=lambda i: i.order)

    def decorate(content: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        def page() -> rx.Component:
            return shell(content(), title=title, nav_items=NAV_ITEMS, active_route=route)

        page.__name__ = content.__name__
        return rx.page(
            route=route,
            title=f"{title} · Cart Admin",
            image=FAVICON,
            on_load=[AuthState.require_login, *(on_load or [])],
        )(page)

    return decorate
