"""Analytics → Alerts: the deployment plan's three alerts as they stand, and their history."""

from __future__ import annotations

import reflex as rx

from cart_admin.ui.components import card
from cart_admin.ui.nav import admin_page
from cart_admin.ui.pages.alerts_state import AlertsState as S
from cart_admin.ui.routes import ALERTS

STATE_COLORS = {"FIRING": "red", "OK": "green", "NOT_ENOUGH_DATA": "gray"}


def state_badge(state, label) -> rx.Component:
    return rx.match(
        state,
        *[(name, rx.badge(label, color_scheme=color, variant="soft", size="2"))
          for name, color in STATE_COLORS.items()],
        rx.badge(label, variant="soft", size="2"),
    )  # fmt: skip


def rule_card(rule: dict) -> rx.Component:
    firing = rule["state"] == "FIRING"
    return card(
        rx.hstack(
            rx.text(rule["title"], size="2", weight="medium", color_scheme="gray"),
            rx.spacer(),
            state_badge(rule["state"], rule["state_label"]),
            align="center",
            width="100%",
        ),
        rx.hstack(
            rx.text(rule["value"], size="7", weight="bold",
                    color=rx.cond(firing, "var(--red-11)", "var(--gray-12)")),
            rx.text(rule["threshold"], size="2", color_scheme="gray"),
            align="baseline",
            spacing="3",
            margin_top="8px",
        ),
        rx.text(rule["detail"], size="2", margin_top="4px"),
        rx.text(rule["window"], size="1", color_scheme="gray", class_name="alert-window"),
        rx.text(rule["minimum"], size="1", color_scheme="gray"),
        rx.cond(
            rule["open_since"] != "",
            rx.text(rule["open_since"], size="1", color_scheme="red", weight="medium",
                    margin_top="6px"),
        ),
        min_width="0",
        class_name="alert-rule",
        data_rule=rule["rule"],
        data_state=rule["state"],
    )  # fmt: skip


def history_table() -> rx.Component:
    headers = ["Alert", "Opened", "Resolved", "Duration", "Rate when opened", "Worst", "Last"]

    def row(event: dict) -> rx.Component:
        return rx.table.row(
            rx.table.cell(
                rx.text(event["title"], weight="medium"),
                rx.text("fires ", event["threshold"], size="1", color_scheme="gray"),
            ),
            rx.table.cell(event["opened"]),
            rx.table.cell(
                rx.cond(
                    event["resolved"] == "",
                    rx.badge("Open", color_scheme="red", variant="soft"),
                    rx.vstack(
                        rx.text(event["resolved"]),
                        rx.cond(
                            event["resolved_note"] != "",
                            rx.text(event["resolved_note"], size="1", color_scheme="gray"),
                        ),
                        spacing="0",
                    ),
                )
            ),
            rx.table.cell(event["duration"]),
            rx.table.cell(event["opening"]),
            rx.table.cell(event["worst"]),
            rx.table.cell(event["last"]),
            class_name="alert-event",
        )

    return card(
        rx.heading("History", size="3"),
        rx.text(
            "Each time a rule breached, newest first: the rate when it opened (of how many), "
            "the worst it got and the last one measured.",
            size="2",
            color_scheme="gray",
            margin_bottom="8px",
        ),
        rx.cond(
            S.history.length() > 0,
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
                rx.table.body(rx.foreach(S.history, row)),
                size="1",
                width="100%",
                id="alert-history",
            ),
            rx.text("No alert has fired yet.", size="2", color_scheme="gray",
                    id="alert-history-empty"),
        ),
        width="100%",
    )  # fmt: skip


@admin_page(
    route=ALERTS,
    title="Alerts",
    icon="bell",
    order=41,
    section="Analytics",
    on_load=[S.load],
)
def alerts() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(
                "The deployment plan's alerts, each measured over ",
                S.window_days,
                " days, the days whose outcomes are known: a cart counts once the save flow "
                "has reached its last stage, a checkout offer a day after it was shown, a call "
                "at once (each card names its days). Every hour the scheduler opens an "
                "alert when a rule breaches and resolves it when the rule recovers; under its "
                "minimum sample a rule neither fires nor resolves, until a week without "
                "enough data resolves it.",
                size="2",
                color_scheme="gray",
            ),
            rx.spacer(),
            rx.text("Measured ", S.measured_at, size="1", color_scheme="gray",
                    white_space="nowrap"),
            rx.icon_button(rx.icon("refresh-cw", size=14), on_click=S.load, variant="soft",
                           color_scheme="gray", size="1", id="alerts-refresh",
                           aria_label="Measure again"),
            width="100%",
            align="center",
        ),
        rx.grid(
            rx.foreach(S.rules, rule_card),
            columns="repeat(auto-fit, minmax(260px, 1fr))",
            gap="16px",
            width="100%",
            id="alert-rules",
        ),
        history_table(),
        spacing="4",
        width="100%",
    )  # fmt: skip
