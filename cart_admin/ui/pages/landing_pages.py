"""Landing pages: each page's embed snippet, allowed origins, its demo storefront; create/edit."""

from __future__ import annotations

import reflex as rx
from sqlalchemy.exc import IntegrityError

from cart_admin.db import session_scope
from cart_admin.domain import auth
from cart_admin.domain.auth import Principal
from cart_admin.domain.landing_pages import (
    LandingPageError,
    create_landing_page,
    embed_snippet,
    landing_page_summaries,
    update_landing_page,
)
from cart_admin.domain.tenancy import NotFound
from cart_admin.models.types import utcnow
from cart_admin.settings import get_settings
from cart_admin.ui import format as fmt
from cart_admin.ui.components import card
from cart_admin.ui.nav import admin_page
from cart_admin.ui.routes import LANDING_PAGES
from cart_admin.ui.state import AuthState

FORM_FIELDS = (
    "name",
    "slug",
    "allowed_origins",
    "checkout_url",
    "store_url",
    "free_shipping_threshold",
)
NOT_ALLOWED = "Only a logged-in owner or marketer can change landing pages."


class LandingPagesState(rx.State):
    pages: list[dict[str, str]] = []
    can_write: bool = False
    # The create/edit dialog: "" edits nothing (a new page); the values the form opens with.
    form_open: bool = False
    form_key: int = 0
    editing_id: str = ""
    f_name: str = ""
    f_slug: str = ""
    f_origins: str = ""
    f_checkout: str = ""
    f_store: str = ""
    f_threshold: str = ""
    err_name: str = ""
    err_slug: str = ""
    err_origins: str = ""
    err_checkout: str = ""
    err_store: str = ""
    err_threshold: str = ""
    err_form: str = ""

    async def _writer(self) -> Principal | None:
        """The caller if, right now, they may change pages (re-checked on every action)."""
        principal = (await self.get_state(AuthState)).principal()
        if principal is None or not auth.can_write(principal):
            return None
        return principal

    @rx.event
    async def load(self):
        principal = (await self.get_state(AuthState)).principal()
        if principal is None:
            self.pages, self.can_write = [], False
            return
        self.can_write = auth.can_write(principal)
        currency = (await self.get_state(AuthState)).company_currency
        with session_scope() as session:
            rows = landing_page_summaries(session, company_id=principal.company_id)
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
                "store": p.store_url or "not set",
                "free_shipping": (
                    fmt.money(p.free_shipping_threshold, currency)
                    if p.free_shipping_threshold is not None
                    else "off"
                ),
                "snippet": embed_snippet(app_url, p.public_key),
                "demo": f"/demo/store/{p.slug}",
                # What the edit form opens with.
                "origins_text": "\n".join(p.allowed_origins),
                "checkout_raw": p.checkout_url or "",
                "store_raw": p.store_url or "",
                "threshold_raw": (
                    f"{p.free_shipping_threshold:.2f}"
                    if p.free_shipping_threshold is not None
                    else ""
                ),
            }
            for p in rows
        ]

    def _clear_errors(self) -> None:
        self.err_name = self.err_slug = self.err_origins = ""
        self.err_checkout = self.err_store = self.err_threshold = self.err_form = ""

    def _open(self, page_id: str, values: dict[str, str]) -> None:
        self._clear_errors()
        self.editing_id = page_id
        self.f_name, self.f_slug = values.get("name", ""), values.get("slug", "")
        self.f_origins = values.get("origins_text", "")
        self.f_checkout = values.get("checkout_raw", "")
        self.f_store = values.get("store_raw", "")
        self.f_threshold = values.get("threshold_raw", "")
        self.form_key += 1  # a fresh form: its inputs start from the values above
        self.form_open = True

    @rx.event
    def open_new(self):
        self._open("", {})

    @rx.event
    def open_edit(self, page_id: str):
        page = next((p for p in self.pages if p["id"] == page_id), None)
        if page is not None:
            self._open(page_id, page)

    @rx.event
    def set_form_open(self, value: bool):
        self.form_open = value
        if not value:
            self._clear_errors()

    @rx.event
    async def save(self, form: dict):
        self._clear_errors()
        principal = await self._writer()
        if principal is None:
            self.err_form = NOT_ALLOWED
            return
        data = {name: str(form.get(name) or "") for name in FORM_FIELDS}
        try:
            with session_scope() as session:
                if self.editing_id:
                    update_landing_page(
                        session,
                        company_id=principal.company_id,
                        page_id=self.editing_id,
                        form=data,
                        now=utcnow(),
                    )
                else:
                    create_landing_page(
                        session, company_id=principal.company_id, form=data, now=utcnow()
                    )
        except LandingPageError as exc:
            self._show_errors(exc.errors)
            return
        except NotFound:
            self.err_form = "This landing page no longer exists. Reload the page."
            return
        except IntegrityError:  # another save took the slug between the check and the write
            self.err_slug = "Another landing page already uses this slug."
            return
        message = "Landing page saved." if self.editing_id else "Landing page created."
        self.form_open = False
        return [LandingPagesState.load, rx.toast(message)]

    def _show_errors(self, errors: dict[str, str]) -> None:
        self.err_name = errors.get("name", "")
        self.err_slug = errors.get("slug", "")
        self.err_origins = errors.get("allowed_origins", "")
        self.err_checkout = errors.get("checkout_url", "")
        self.err_store = errors.get("store_url", "")
        self.err_threshold = errors.get("free_shipping_threshold", "")
        other = [m for f, m in errors.items() if f not in FORM_FIELDS]
        self.err_form = " ".join(other) or ("" if errors else "The form could not be saved.")


def field(label: str, control: rx.Component, error, error_id: str, hint: str = "") -> rx.Component:
    return rx.vstack(
        rx.text(label, size="2", weight="medium", as_="label"),
        control,
        rx.text(hint, size="1", color_scheme="gray") if hint else rx.fragment(),
        rx.cond(error != "", rx.text(error, size="1", color_scheme="red", id=error_id)),
        spacing="1",
        width="100%",
    )


def page_form_dialog() -> rx.Component:
    s = LandingPagesState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(s.editing_id != "", "Edit landing page", "New landing page")),
            rx.form(
                rx.vstack(
                    field(
                        "Name",
                        rx.input(
                            name="name",
                            id="page-form-name",
                            default_value=s.f_name,
                            max_length=200,
                            width="100%",
                        ),
                        s.err_name,
                        "page-form-error-name",
                    ),
                    field(
                        "Slug",
                        rx.input(
                            name="slug",
                            id="page-form-slug",
                            default_value=s.f_slug,
                            placeholder="spring-sale",
                            max_length=80,
                            width="100%",
                        ),
                        s.err_slug,
                        "page-form-error-slug",
                        "Lower-case letters, digits and hyphens, e.g. spring-sale.",
                    ),
                    field(
                        "Allowed origins",
                        rx.text_area(
                            name="allowed_origins",
                            id="page-form-origins",
                            default_value=s.f_origins,
                            placeholder="https://shop.example",
                            rows="3",
                            width="100%",
                        ),
                        s.err_origins,
                        "page-form-error-origins",
                        "One per line or comma separated, e.g. https://shop.example.",
                    ),
                    field(
                        "Checkout URL",
                        rx.input(
                            name="checkout_url",
                            id="page-form-checkout",
                            default_value=s.f_checkout,
                            placeholder="https://shop.example/checkout",
                            max_length=500,
                            width="100%",
                        ),
                        s.err_checkout,
                        "page-form-error-checkout",
                    ),
                    field(
                        "Store page URL",
                        rx.input(
                            name="store_url",
                            id="page-form-store",
                            default_value=s.f_store,
                            placeholder="https://shop.example/store",
                            max_length=500,
                            width="100%",
                        ),
                        s.err_store,
                        "page-form-error-store",
                        "Where recovery e-mails send shoppers back to their cart.",
                    ),
                    field(
                        "Free-shipping threshold",
                        rx.input(
                            name="free_shipping_threshold",
                            id="page-form-threshold",
                            default_value=s.f_threshold,
                            placeholder="50.00",
                            input_mode="decimal",
                            width="100%",
                        ),
                        s.err_threshold,
                        "page-form-error-threshold",
                        "Carts at or above this amount ship free. Empty keeps the current rule.",
                    ),
                    rx.cond(
                        s.err_form != "",
                        rx.text(s.err_form, size="2", color_scheme="red", id="page-form-error"),
                    ),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button("Cancel", variant="soft", color_scheme="gray", type="button")
                        ),
                        rx.button("Save", type="submit", id="page-form-save"),
                        justify="end",
                        spacing="3",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=s.save,
                key=s.form_key,
                width="100%",
            ),
            max_width="520px",
        ),
        open=s.form_open,
        on_open_change=s.set_form_open,
    )


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
            rx.cond(
                LandingPagesState.can_write,
                rx.button(
                    rx.icon("pencil", size=14),
                    "Edit",
                    variant="soft",
                    color_scheme="gray",
                    on_click=LandingPagesState.open_edit(page["id"]),
                    id=f"edit-page-{page['slug']}",
                    class_name="edit-page",
                ),
            ),
            rx.link(
                rx.button(rx.icon("external-link", size=14), "Open demo store", variant="soft"),
                href=page["demo"],
                is_external=True,
            ),
            align="center",
            spacing="2",
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
            rx.text(
                "Store page URL: ",
                rx.text.span(page["store"], class_name="store-url"),
                size="2",
                color_scheme="gray",
            ),
            rx.text(
                "Free shipping from: ",
                rx.text.span(page["free_shipping"], class_name="free-shipping"),
                size="2",
                color_scheme="gray",
            ),
            spacing="2",
            margin_top="16px",
            width="100%",
        ),
        width="100%",
        class_name="landing-page-card",
        id=f"page-{page['slug']}",
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
        rx.hstack(
            rx.text(
                "Each landing page embeds the cart drawer with one script tag. Storefronts on "
                "the allowed origins may use its cart API.",
                size="2",
                color_scheme="gray",
            ),
            rx.spacer(),
            rx.cond(
                LandingPagesState.can_write,
                rx.button(
                    rx.icon("plus", size=16),
                    "New landing page",
                    on_click=LandingPagesState.open_new,
                    id="new-page",
                ),
            ),
            align="center",
            width="100%",
        ),
        rx.foreach(LandingPagesState.pages, page_card),
        page_form_dialog(),
        spacing="4",
        width="100%",
    )
