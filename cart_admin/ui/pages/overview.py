"""Overview: the programme's headline figures, read live from the database."""

from __future__ import annotations

import reflex as rx

from cart_admin.db import session_scope
from cart_admin.domain.carts import recent_carts
from cart_admin.domain.overview import overview_figures
from cart_admin.models.types import utcnow
from cart_admin.ui import format as fmt
from cart_admin.ui.components import card, kpi_card, status_badge
from cart_admin.ui.nav import admin_page
from cart_admin.ui.routes import OVERVIEW
from cart_admin.ui.state import AuthState

PERIODS = ["7", "30", "90"]


class OverviewState(rx.State):
    period: str = "30"
    carts: str = "—"
    abandoned: str = "—"
    abandonment_rate: str = ""
    in_recovery: str = "—"
    recovered: str = "—"
    recovery_rate: str = ""
    revenue_recovered: str = "—"
    recent: list[dict[str, str]] = []

    @rx.event
    async def load(self):
        auth = await self.get_state(AuthState)
        if not auth.company_id:
            return
        with session_scope() as session:
            figures = overview_figures(
                session, company_id=auth.company_id, now=utcnow(), days=int(self.period)
            )
            rows = recent_carts(session, company_id=auth.company_id)
        self.carts = fmt.count(figures.carts)
        self.abandoned = fmt.count(figures.abandoned)
        self.abandonment_rate = f"{fmt.percent(figures.abandonment_rate)} of carts"
        self.in_recovery = fmt.count(figures.in_recovery)
        self.recovered = fmt.count(figures.recovered)
        self.recovery_rate = f"{fmt.percent(figures.recovery_rate)} of abandoned"
        self.revenue_recovered = fmt.money(figures.revenue_recovered, auth.company_currency)
        self.recent = [
            {
                "customer": _customer_label(customer, cart),
                "items": fmt.count(cart.item_count),
                "total": fmt.money(cart.grand_total, cart.currency),
                "status": cart.status.value,
                "activity": fmt.when(cart.last_activity_at),
            }
            for cart, customer in rows
        ]

    @rx.event
    async def set_period(self, value: str | list[str]):
        if isinstance(value, str) and value in PERIODS:
            self.period = value
            return OverviewState.load


def _customer_label(customer, cart) -> str:
    if customer is not None:
        name = " ".join(p for p in (customer.first_name, customer.last_name) if p)
        return name or customer.email or "Customer"
    return cart.email or "Guest"


def kpis() -> rx.Component:
    return rx.grid(
        kpi_card("Carts", OverviewState.carts, "shopping-cart", test_id="kpi-carts"),
        kpi_card(
            "Abandoned",
            OverviewState.abandoned,
            "log-out",
            OverviewState.abandonment_rate,
            test_id="kpi-abandoned",
        ),
        kpi_card(
            "In recovery",
            OverviewState.in_recovery,
            "refresh-cw",
            "running save flows",
            test_id="kpi-in-recovery",
        ),
        kpi_card(
            "Recovered",
            OverviewState.recovered,
            "circle-check",
            OverviewState.recovery_rate,
            test_id="kpi-recovered",
        ),
        kpi_card(
            "Revenue recovered",
            OverviewState.revenue_recovered,
            "dollar-sign",
            "from recovered carts",
            test_id="kpi-revenue",
        ),
        columns="repeat(auto-fit, minmax(190px, 1fr))",
        gap="16px",
        width="100%",
    )


def recent_table() -> rx.Component:
    def row(cart: dict) -> rx.Component:
        return rx.table.row(
            rx.table.cell(cart["customer"]),
            rx.table.cell(cart["items"]),
            rx.table.cell(cart["total"]),
            rx.table.cell(status_badge(cart["status"])),
            rx.table.cell(rx.text(cart["activity"], color_scheme="gray", size="2")),
        )

    return card(
        rx.text("Latest carts", size="3", weight="bold"),
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[
                        rx.table.column_header_cell(h)
                        for h in ("Customer", "Items", "Total", "Status", "Last activity")
                    ]
                )
            ),
            rx.table.body(rx.foreach(OverviewState.recent, row)),
            width="100%",
            margin_top="12px",
            size="2",
        ),
        width="100%",
    )


@admin_page(
    route=OVERVIEW, title="Overview", icon="layout-dashboard", order=0, on_load=[OverviewState.load]
)
def overview() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text("Last", size="2", color_scheme="gray"),
            rx.segmented_control.root(
                *[rx.segmented_control.item(f"{p} days", value=p) for p in PERIODS],
                value=OverviewState.period,
                on_change=OverviewState.set_period,
                size="1",
            ),
            align="center",
            spacing="2",
        ),
        kpis(),
        recent_table(),
        spacing="5",
        width="100%",
    )
