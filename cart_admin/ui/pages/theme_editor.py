"""Theme editor: grouped controls on the left, the real drawer as a live preview on the right.

Every change is validated by the theme model and autosaved as the page's draft; the preview
iframe gets the new theme by postMessage (no reload). Publish makes the draft live.
"""

from __future__ import annotations

import asyncio
import json

import reflex as rx
from reflex_base.event import EventSpec
from sqlmodel import col, select

from cart_admin.channels.ai import ai_completer_from_settings
from cart_admin.db import session_scope
from cart_admin.domain import auth
from cart_admin.domain.tenancy import NotFound, get_owned
from cart_admin.domain.theming import ThemeValidationError
from cart_admin.domain.theming import editor as ed
from cart_admin.domain.theming import service as themes
from cart_admin.domain.theming.generate import generate_theme, parse_theme_request
from cart_admin.models import LandingPage
from cart_admin.models.types import utcnow
from cart_admin.settings import get_settings
from cart_admin.ui.components import card
from cart_admin.ui.nav import admin_page
from cart_admin.ui.routes import THEME_EDITOR
from cart_admin.ui.state import AuthState

PREVIEW_ID = "theme-preview"
UNDO_DEPTH = 30


def _post(message: dict) -> EventSpec:
    data = json.dumps(message)
    return rx.call_script(
        f"(function(){{var f=document.getElementById('{PREVIEW_ID}');"
        f"if(f&&f.contentWindow)f.contentWindow.postMessage({data},window.location.origin);}})()"
    )


class ThemeEditorState(rx.State):
    pages: list[dict[str, str]] = []
    page_id: str = ""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    contrast: dict[str, str] = {}
    changes: list[dict[str, str]] = []
    has_draft: bool = False
    preset: str = "light"
    device: str = "desktop"
    drawer_open: bool = True
    notice: str = ""
    brief: str = ""  # "warm artisanal coffee shop" or a brand colour
    generating: bool = False
    _undo: list[dict] = []

    @rx.var
    def preview_src(self) -> str:
        return f"/preview/landing-pages/{self.page_id}" if self.page_id else ""

    @rx.var
    def preview_width(self) -> str:
        return "375px" if self.device == "phone" else "100%"

    @rx.var
    def can_undo(self) -> bool:
        return len(self._undo) > 0

    async def _writer(self):
        principal = (await self.get_state(AuthState)).principal()
        return principal if principal is not None and auth.can_write(principal) else None

    def _show(self, theme: themes.PageTheme) -> None:
        current = theme.draft or theme.published
        self.values = ed.flat_values(current.theme)
        self.contrast = ed.contrast_labels(current.contrast)
        self.changes = ed.diff(theme.published.theme, current.theme) if theme.has_draft else []
        self.has_draft = theme.has_draft
        self.preset = current.preset or "light"

    @rx.event
    async def load(self):
        auth_state = await self.get_state(AuthState)
        if not auth_state.company_id:
            return
        wanted = self.router.url.query_parameters.get("page", "")
        with session_scope() as session:
            rows = session.exec(
                select(LandingPage)
                .where(col(LandingPage.company_id) == auth_state.company_id)
                .order_by(col(LandingPage.created_at))
            ).all()
            self.pages = [{"id": p.id, "name": p.name} for p in rows]
            page = next((p for p in rows if p.id == wanted), rows[0] if rows else None)
            if page is None:
                return
            self.page_id = page.id
            self._show(themes.page_theme(page))
        self.errors, self.notice, self._undo = {}, "", []

    @rx.event
    def choose_page(self, page_id: str):
        return rx.redirect(f"{THEME_EDITOR}?page={page_id}")

    async def _save(self, changes: dict, *, replace: bool = False, field: str = ""):
        principal = await self._writer()
        if principal is None:
            self.notice = "Your role cannot change themes (or your session ended)."
            return None
        with session_scope() as session:
            try:
                page = get_owned(
                    session, LandingPage, self.page_id, company_id=principal.company_id
                )
            except NotFound:
                self.notice = "This landing page is gone."
                return None
            before = page.cart_theme_draft if page.cart_theme_draft is not None else page.cart_theme
            try:
                theme = themes.update_theme(
                    session, page=page, changes=changes, now=utcnow(), draft=True, replace=replace
                )
            except ThemeValidationError as exc:
                session.rollback()
                for error in exc.errors:
                    self.errors[field or error["field"]] = error["message"]
                return None
        self._undo = [*self._undo, dict(before or {})][-UNDO_DEPTH:]
        if field:
            self.errors.pop(field, None)
        self.notice = ""
        self._show(theme)
        current = theme.draft or theme.published
        return _post(ed.preview_message(current.theme))

    @rx.event
    async def set_value(self, path: str, value: str):
        self.values[path] = value  # show what was typed even when it is invalid
        return await self._save(ed.change_for(path, value), field=path)

    @rx.event
    async def set_switch(self, path: str, value: bool):
        return await self._save(ed.change_for(path, value), field=path)

    @rx.event
    async def undo(self):
        if not self._undo:
            return None
        previous, self._undo = self._undo[-1], self._undo[:-1]
        undo_stack = self._undo
        effect = await self._save(previous, replace=True)
        self._undo = undo_stack  # undoing is not itself undoable
        self.errors = {}
        return effect

    @rx.event
    def set_brief(self, value: str):
        self.brief = value[:200]
        self.errors.pop("brief", None)

    @rx.event
    async def generate(self):
        """A complete theme from a description or a brand colour, saved as the draft."""
        text = self.brief.strip()
        request = (
            {"brand_color": text} if text.startswith(("#", "rgb", "hsl")) else {"description": text}
        )
        try:
            parsed = parse_theme_request(request)
        except ThemeValidationError as exc:
            self.errors["brief"] = exc.errors[0]["message"]
            return
        self.generating = True
        yield
        ai = ai_completer_from_settings(get_settings())
        result = await asyncio.to_thread(generate_theme, parsed, ai=ai)  # may call Claude
        self.generating = False
        effect = await self._save(result.overrides, replace=True)
        self.notice = f"Generated ({result.source}): " + "; ".join(result.notes)
        yield effect

    @rx.event
    async def reset_to_preset(self):
        self.errors = {}
        return await self._save({"preset": self.preset}, replace=True)

    @rx.event
    async def publish(self):
        principal = await self._writer()
        if principal is None:
            self.notice = "Your role cannot publish themes (or your session ended)."
            return
        with session_scope() as session:
            page = get_owned(session, LandingPage, self.page_id, company_id=principal.company_id)
            self._show(themes.publish_draft(session, page=page, now=utcnow()))
        self.notice = "Published: the storefront shows this theme from its next page load."

    @rx.event
    def set_device(self, value: str | list[str]):
        if value in ("desktop", "phone"):
            self.device = str(value)

    @rx.event
    def toggle_open(self):
        self.drawer_open = not self.drawer_open
        return _post({"type": "cart-admin:open", "open": self.drawer_open})


def field_control(field: ed.EditorField) -> rx.Component:
    value = ThemeEditorState.values[field.path]
    error = ThemeEditorState.errors[field.path]
    field_id = "field-" + field.path.replace(".", "-").replace("_", "-")
    if field.kind == "switch":
        control = rx.switch(
            checked=value == "true",
            on_change=lambda checked: ThemeEditorState.set_switch(field.path, checked),
            id=field_id,
        )
    elif field.kind == "select":
        control = rx.select(
            list(field.options),
            value=value,
            on_change=lambda v: ThemeEditorState.set_value(field.path, v),
            size="1",
            id=field_id,
        )
    elif field.kind == "color":
        control = rx.hstack(
            rx.el.input(
                type="color",
                value=value[:7],
                on_change=lambda v: ThemeEditorState.set_value(field.path, v),
                style={"width": "32px", "height": "28px", "border": "0", "padding": "0"},
                aria_label=f"{field.label} colour",
            ),
            rx.input(
                value=value,
                on_change=lambda v: ThemeEditorState.set_value(field.path, v),
                debounce_timeout=300,
                size="1",
                width="110px",
                id=field_id,
            ),
            spacing="2",
            align="center",
        )
    else:
        control = rx.input(
            value=value,
            on_change=lambda v: ThemeEditorState.set_value(field.path, v),
            debounce_timeout=300,
            type="number" if field.kind == "int" else "text",
            size="1",
            width="100%" if field.kind == "text" else "90px",
            id=field_id,
        )
    contrast = ed.CONTRAST_OF_FIELD.get(field.path)
    return rx.vstack(
        rx.hstack(
            rx.text(field.label, size="2", flex="1"),
            control,
            align="center",
            width="100%",
        ),
        rx.cond(
            contrast is not None,
            rx.text(
                "Contrast ",
                ThemeEditorState.contrast[contrast or "text"],
                size="1",
                color_scheme="gray",
            ),
        )
        if contrast
        else rx.fragment(),
        rx.cond(
            ThemeEditorState.errors.contains(field.path),
            rx.text(error, size="1", color_scheme="red", id=f"{field_id}-error", role="alert"),
        ),
        spacing="1",
        width="100%",
    )


def controls() -> rx.Component:
    return rx.accordion.root(
        *[
            rx.accordion.item(
                header=group,
                content=rx.vstack(*[field_control(f) for f in fields], spacing="3"),
                value=group,
            )
            for group, fields in ed.GROUPS.items()
        ],
        type="multiple",
        default_value=["Colours"],
        collapsible=True,
        width="100%",
        variant="ghost",
    )


def toolbar() -> rx.Component:
    return rx.hstack(
        rx.select.root(
            rx.select.trigger(width="220px"),
            rx.select.content(
                rx.foreach(
                    ThemeEditorState.pages, lambda p: rx.select.item(p["name"], value=p["id"])
                )
            ),
            value=ThemeEditorState.page_id,
            on_change=ThemeEditorState.choose_page,
        ),
        rx.cond(
            ThemeEditorState.has_draft,
            rx.badge("Unpublished changes", color_scheme="amber", variant="soft", id="draft-badge"),
            rx.badge("Published", color_scheme="green", variant="soft"),
        ),
        rx.spacer(),
        rx.button(
            rx.icon("undo-2", size=14),
            "Undo",
            variant="soft",
            color_scheme="gray",
            on_click=ThemeEditorState.undo,
            disabled=~ThemeEditorState.can_undo,
            id="undo",
        ),
        rx.button(
            "Reset to preset",
            variant="soft",
            color_scheme="gray",
            on_click=ThemeEditorState.reset_to_preset,
            id="reset",
        ),
        rx.button(
            rx.icon("upload", size=14),
            "Publish",
            on_click=ThemeEditorState.publish,
            disabled=~ThemeEditorState.has_draft,
            id="publish",
        ),
        align="center",
        width="100%",
        spacing="3",
    )


def generate_panel() -> rx.Component:
    return card(
        rx.text("Generate a theme", weight="bold", size="2"),
        rx.hstack(
            rx.input(
                placeholder="warm artisanal coffee shop, or #1d4ed8",
                value=ThemeEditorState.brief,
                on_change=ThemeEditorState.set_brief,
                size="2",
                flex="1",
                id="generate-brief",
            ),
            rx.button(
                rx.icon("sparkles", size=14),
                "Generate",
                on_click=ThemeEditorState.generate,
                loading=ThemeEditorState.generating,
                id="generate",
            ),
            width="100%",
            margin_top="8px",
        ),
        rx.cond(
            ThemeEditorState.errors.contains("brief"),
            rx.text(ThemeEditorState.errors["brief"], size="1", color_scheme="red"),
        ),
        width="100%",
        padding="12px",
    )


def changes_panel() -> rx.Component:
    return rx.cond(
        ThemeEditorState.changes.length() > 0,
        card(
            rx.text("Draft vs published", weight="bold", size="2"),
            rx.foreach(
                ThemeEditorState.changes,
                lambda c: rx.hstack(
                    rx.text(c["label"], size="1", flex="1"),
                    rx.code(c["published"], size="1", variant="ghost"),
                    rx.icon("arrow-right", size=12),
                    rx.code(c["draft"], size="1"),
                    align="center",
                    width="100%",
                ),
            ),
            width="100%",
            padding="12px",
            id="draft-diff",
        ),
    )


def preview() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.segmented_control.root(
                rx.segmented_control.item("Desktop", value="desktop"),
                rx.segmented_control.item("Phone", value="phone"),
                value=ThemeEditorState.device,
                on_change=ThemeEditorState.set_device,
                size="1",
            ),
            rx.button(
                rx.cond(ThemeEditorState.drawer_open, "Close drawer", "Open drawer"),
                size="1",
                variant="soft",
                on_click=ThemeEditorState.toggle_open,
            ),
            spacing="3",
        ),
        rx.center(
            rx.el.iframe(
                id=PREVIEW_ID,
                src=ThemeEditorState.preview_src,
                title="Drawer preview",
                style={
                    "width": ThemeEditorState.preview_width,
                    "height": "720px",
                    "border": "1px solid var(--gray-5)",
                    "border_radius": "12px",
                    "background": "var(--gray-2)",
                },
            ),
            width="100%",
        ),
        spacing="3",
        width="100%",
        position="sticky",
        top="24px",
    )


@admin_page(
    route=THEME_EDITOR,
    title="Theme editor",
    icon="paintbrush",
    order=21,
    on_load=[ThemeEditorState.load],
)
def theme_editor() -> rx.Component:
    return rx.vstack(
        toolbar(),
        rx.cond(
            ThemeEditorState.notice != "",
            rx.callout(ThemeEditorState.notice, icon="info", width="100%", id="editor-notice"),
        ),
        rx.grid(
            rx.vstack(
                generate_panel(),
                changes_panel(),
                card(controls(), width="100%", padding="8px"),
                width="100%",
            ),
            preview(),
            columns="minmax(320px, 420px) 1fr",
            gap="24px",
            width="100%",
            align_items="start",
        ),
        spacing="4",
        width="100%",
    )
