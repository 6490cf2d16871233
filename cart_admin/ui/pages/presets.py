"""Preset gallery: the 9 drawer presets as live thumbnails, applied to a page after a check."""

from __future__ import annotations

import reflex as rx
from sqlmodel import col, select

from cart_admin.db import session_scope
from cart_admin.domain import auth
from cart_admin.domain.tenancy import NotFound, get_owned
from cart_admin.domain.theming import PRESETS, resolve_theme
from cart_admin.domain.theming import service as themes
from cart_admin.models import LandingPage
from cart_admin.models.types import utcnow
from cart_admin.ui.components import card
from cart_admin.ui.nav import admin_page
from cart_admin.ui.routes import PRESET_GALLERY
from cart_admin.ui.state import AuthState

ALL_STYLES = "all"


def _presets() -> list[dict[str, str]]:
    rows = []
    for preset in PRESETS.values():
        contrast = resolve_theme({"preset": preset.id}).contrast
        lowest = min(check.ratio for check in contrast.checks)
        rows.append(
            {
                "id": preset.id,
                "name": preset.name,
                "description": preset.description,
                "style": preset.style,
                "contrast": f"{lowest:.1f}:1",
                "preview": f"/preview/presets/{preset.id}",
            }
        )
    return rows


class PresetGalleryState(rx.State):
    presets: list[dict[str, str]] = _presets()
    style: str = ALL_STYLES
    pages: list[dict[str, str]] = []
    applying: str = ""  # the preset the confirmation dialog is about
    target_page: str = ""
    message: str = ""
    error: str = ""

    @rx.var
    def styles(self) -> list[str]:
        return [ALL_STYLES, *sorted({p["style"] for p in self.presets})]

    @rx.var
    def shown(self) -> list[dict[str, str]]:
        return [p for p in self.presets if self.style in (ALL_STYLES, p["style"])]

    @rx.var
    def applying_name(self) -> str:
        return next((p["name"] for p in self.presets if p["id"] == self.applying), "")

    @rx.event
    async def load(self):
        auth_state = await self.get_state(AuthState)
        if not auth_state.company_id:
            return
        with session_scope() as session:
            rows = session.exec(
                select(LandingPage)
                .where(col(LandingPage.company_id) == auth_state.company_id)
                .order_by(col(LandingPage.created_at))
            ).all()
        self.pages = [{"id": p.id, "name": p.name} for p in rows]
        if self.pages and not self.target_page:
            self.target_page = self.pages[0]["id"]

    @rx.event
    def set_style(self, value: str | list[str]):
        if isinstance(value, str):
            self.style = value

    @rx.event
    def ask_apply(self, preset_id: str):
        self.applying, self.error, self.message = preset_id, "", ""

    @rx.event
    def cancel_apply(self):
        self.applying = ""

    @rx.event
    def set_target_page(self, page_id: str):
        self.target_page = page_id

    @rx.event
    async def confirm_apply(self):
        """Make the preset the page's live theme (its earlier overrides are replaced)."""
        principal = (await self.get_state(AuthState)).principal()
        if principal is None or not auth.can_write(principal):
            self.error = "Your role cannot change themes."
            return
        if self.applying not in PRESETS:
            self.error = "Choose a preset."
            return
        with session_scope() as session:
            try:
                page = get_owned(
                    session, LandingPage, self.target_page, company_id=principal.company_id
                )
            except NotFound:
                self.error = "Choose one of your landing pages."
                return
            themes.update_theme(
                session, page=page, changes={"preset": self.applying}, now=utcnow(), replace=True
            )
            name = page.name
        self.message = f"{self.applying_name} is now live on {name}."
        self.applying = ""


def preset_card(preset: dict) -> rx.Component:
    return card(
        rx.box(
            rx.el.iframe(
                src=preset["preview"],
                title=f"{preset['name']} preview",
                loading="lazy",
                width="560px",  # the widest drawer fits
                height="610px",
                style={
                    "border": "0",
                    "transform": "scale(0.57)",
                    "transform_origin": "top left",
                    "pointer_events": "none",
                },
            ),
            width="100%",
            height="348px",
            overflow="hidden",
            border_radius="8px",
            background="var(--gray-3)",
        ),
        rx.hstack(
            rx.text(preset["name"], weight="bold", size="3"),
            rx.badge(preset["style"], variant="soft"),
            rx.spacer(),
            rx.tooltip(
                rx.badge(rx.icon("contrast", size=12), preset["contrast"], color_scheme="green"),
                content="Lowest WCAG contrast ratio of text, muted text and button",
            ),
            align="center",
            width="100%",
            margin_top="12px",
        ),
        rx.text(preset["description"], size="2", color_scheme="gray", margin_top="4px"),
        rx.button(
            "Apply to a landing page…",
            variant="soft",
            width="100%",
            margin_top="12px",
            on_click=PresetGalleryState.ask_apply(preset["id"]),
        ),
        padding="14px",
    )


def confirm_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Apply ", PresetGalleryState.applying_name, "?"),
            rx.alert_dialog.description(
                "The drawer on this landing page switches to the preset at once; its current "
                "colours, texts and settings are replaced.",
                size="2",
            ),
            rx.select.root(
                rx.select.trigger(width="100%"),
                rx.select.content(
                    rx.foreach(
                        PresetGalleryState.pages,
                        lambda p: rx.select.item(p["name"], value=p["id"]),
                    )
                ),
                value=PresetGalleryState.target_page,
                on_change=PresetGalleryState.set_target_page,
            ),
            rx.cond(
                PresetGalleryState.error != "",
                rx.text(PresetGalleryState.error, color_scheme="red", size="2"),
            ),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button(
                        "Cancel",
                        variant="soft",
                        color_scheme="gray",
                        on_click=PresetGalleryState.cancel_apply,
                    )
                ),
                rx.button(
                    "Apply preset", on_click=PresetGalleryState.confirm_apply, id="confirm-apply"
                ),
                justify="end",
                spacing="3",
                width="100%",
            ),
            style={"display": "flex", "flex_direction": "column", "gap": "14px"},
        ),
        open=PresetGalleryState.applying != "",
    )


@admin_page(
    route=PRESET_GALLERY,
    title="Theme presets",
    icon="palette",
    order=20,
    on_load=[PresetGalleryState.load],
)
def preset_gallery() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text("Style", size="2", color_scheme="gray"),
            rx.segmented_control.root(
                rx.foreach(
                    PresetGalleryState.styles,
                    lambda s: rx.segmented_control.item(s, value=s),
                ),
                value=PresetGalleryState.style,
                on_change=PresetGalleryState.set_style,
                size="1",
            ),
            align="center",
            spacing="2",
        ),
        rx.cond(
            PresetGalleryState.message != "",
            rx.callout(
                PresetGalleryState.message,
                icon="circle-check",
                color_scheme="green",
                width="100%",
                id="apply-message",
            ),
        ),
        rx.grid(
            rx.foreach(PresetGalleryState.shown, preset_card),
            columns="repeat(auto-fill, minmax(280px, 1fr))",
            gap="16px",
            width="100%",
        ),
        confirm_dialog(),
        spacing="4",
        width="100%",
    )
