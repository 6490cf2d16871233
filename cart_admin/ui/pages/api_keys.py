"""Settings → API keys: create and revoke the bearer tokens of the admin REST API."""

from __future__ import annotations

import reflex as rx
from sqlmodel import select

from cart_admin.db import session_scope
from cart_admin.domain import auth
from cart_admin.domain.auth import Principal
from cart_admin.models import ApiKey
from cart_admin.models.types import utcnow
from cart_admin.ui import format as fmt
from cart_admin.ui.components import card
from cart_admin.ui.nav import admin_page
from cart_admin.ui.routes import API_KEYS
from cart_admin.ui.state import AuthState


class ApiKeysState(rx.State):
    keys: list[dict[str, str]] = []
    new_name: str = ""
    created_key: str = ""
    error: str = ""

    async def _key_manager(self) -> Principal | None:
        """The caller if, right now, they may manage keys (re-checked on every action)."""
        principal = (await self.get_state(AuthState)).principal()
        if principal is None or not auth.can_manage_api_keys(principal):
            return None
        return principal

    @rx.event
    async def load(self):
        principal = await self._key_manager()
        if principal is None:
            self.keys = []
            return
        with session_scope() as session:
            rows = session.exec(
                select(ApiKey)
                .where(ApiKey.company_id == principal.company_id)
                .order_by(ApiKey.created_at.desc())
            ).all()
        self.keys = [
            {
                "id": k.id,
                "name": k.name,
                "prefix": f"{k.prefix}…",
                "created": fmt.when(k.created_at),
                "last_used": fmt.when(k.last_used_at),
                "state": "Revoked" if k.revoked_at else "Active",
            }
            for k in rows
        ]

    @rx.event
    def set_new_name(self, value: str):
        self.new_name = value
        self.error = ""

    @rx.event
    async def create(self):
        principal = await self._key_manager()
        if principal is None:
            self.error = "Only a logged-in owner can create API keys."
            return
        try:
            name = auth.clean_api_key_name(self.new_name)
        except ValueError as exc:
            self.error = f"{str(exc).capitalize()} (e.g. 'Storefront sync')."
            return
        with session_scope() as session:
            _key, plaintext = auth.create_api_key(
                session,
                company_id=principal.company_id,
                name=name,
                created_by_id=principal.user_id,
                now=utcnow(),
            )
        self.created_key, self.new_name, self.error = plaintext, "", ""
        return ApiKeysState.load

    @rx.event
    async def revoke(self, key_id: str):
        principal = await self._key_manager()
        if principal is None:
            self.error = "Only a logged-in owner can revoke API keys."
            return
        with session_scope() as session:
            auth.revoke_api_key(
                session, company_id=principal.company_id, key_id=key_id, now=utcnow()
            )
        return ApiKeysState.load

    @rx.event
    def dismiss_created(self):
        self.created_key = ""


def created_notice() -> rx.Component:
    return rx.cond(
        ApiKeysState.created_key != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("key-round")),
            rx.vstack(
                rx.text("Copy this key now: it will not be shown again.", weight="bold"),
                rx.code(ApiKeysState.created_key, size="2", id="created-key"),
                rx.button("Done", size="1", variant="soft", on_click=ApiKeysState.dismiss_created),
                spacing="2",
            ),
            color_scheme="green",
            width="100%",
        ),
    )


def keys_table() -> rx.Component:
    def row(key: dict) -> rx.Component:
        return rx.table.row(
            rx.table.cell(rx.text(key["name"], weight="medium")),
            rx.table.cell(rx.code(key["prefix"])),
            rx.table.cell(key["created"]),
            rx.table.cell(key["last_used"]),
            rx.table.cell(
                rx.badge(
                    key["state"],
                    color_scheme=rx.cond(key["state"] == "Active", "green", "gray"),
                    variant="soft",
                )
            ),
            rx.table.cell(
                rx.cond(
                    key["state"] == "Active",
                    rx.button(
                        "Revoke",
                        size="1",
                        color_scheme="red",
                        variant="soft",
                        on_click=ApiKeysState.revoke(key["id"]),
                    ),
                )
            ),
        )

    return rx.cond(
        ApiKeysState.keys.length() > 0,
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[
                        rx.table.column_header_cell(h)
                        for h in ("Name", "Key", "Created", "Last used", "State", "")
                    ]
                )
            ),
            rx.table.body(rx.foreach(ApiKeysState.keys, row)),
            width="100%",
            size="2",
        ),
        rx.text("No API keys yet.", color_scheme="gray", size="2"),
    )


@admin_page(
    route=API_KEYS,
    title="API keys",
    icon="key-round",
    order=900,
    section="Settings",
    owner_only=True,
    on_load=[ApiKeysState.load],
)
def api_keys() -> rx.Component:
    return rx.cond(
        AuthState.is_owner,
        rx.vstack(
            rx.text(
                "Integrations call the admin API with ",
                rx.code("Authorization: Bearer <key>"),
                ". Each key acts for this company only. See the ",
                rx.link("API reference", href="/api/docs", is_external=True),
                ".",
                size="2",
                color_scheme="gray",
            ),
            created_notice(),
            card(
                rx.hstack(
                    rx.input(
                        placeholder="Key name, e.g. Storefront sync",
                        value=ApiKeysState.new_name,
                        on_change=ApiKeysState.set_new_name,
                        width="320px",
                        max_length=100,
                        id="new-key-name",
                    ),
                    rx.button(
                        rx.icon("plus", size=16),
                        "Create key",
                        on_click=ApiKeysState.create,
                        id="create-key",
                    ),
                    spacing="3",
                ),
                rx.cond(
                    ApiKeysState.error != "",
                    rx.text(ApiKeysState.error, color_scheme="red", size="2", margin_top="8px"),
                ),
                width="100%",
            ),
            card(keys_table(), width="100%"),
            spacing="4",
            width="100%",
        ),
        rx.callout("Only an owner can manage API keys.", icon="lock", color_scheme="gray"),
    )
