"""Recovery analytics: what the programme earns. The save flow's incrementality against its
holdout first (the figure other tools cannot give), then recovery over time, the stage funnel,
channels, reasons, triggers, upsells and voice; each table downloads as CSV, the whole page as
a one-page PDF. A click on a funnel, channel or reason bar opens the attempts behind it."""

from __future__ import annotations

import reflex as rx

from cart_admin.ui import charts
from cart_admin.ui.components import card
from cart_admin.ui.nav import admin_page
from cart_admin.ui.pages.analytics_state import PRESETS, WINDOWS, AnalyticsState

ANALYTICS = "/analytics"
S = AnalyticsState


def _plot(figure, test_id: str, on_click=None) -> rx.Component:
    props = {"on_click": on_click} if on_click is not None else {}
    return rx.box(
        rx.plotly.basic(data=figure, config=charts.CONFIG, width="100%", **props),
        width="100%",
        id=test_id,
        class_name="chart",
    )


def _csv_button(table: str) -> rx.Component:
    return rx.button(
        rx.icon("download", size=14),
        "CSV",
        size="1",
        variant="ghost",
        color_scheme="gray",
        on_click=S.download_csv(table),
        id=f"csv-{table}",
        title=f"Download the {table.replace('-', ' ')} table as CSV",
    )


def panel(title: str, subtitle, *children: rx.Component, csv: str = "", **props) -> rx.Component:
    return card(
        rx.flex(
            rx.box(
                rx.heading(title, size="3", weight="bold"),
                rx.text(subtitle, size="1", color_scheme="gray"),
            ),
            rx.spacer(),
            _csv_button(csv) if csv else rx.fragment(),
            align="start",
            width="100%",
            margin_bottom="8px",
        ),
        *children,
        width="100%",
        min_width="0",
        **props,
    )


def controls() -> rx.Component:
    return rx.flex(
        rx.segmented_control.root(
            *[rx.segmented_control.item(f"{days} days", value=days) for days in PRESETS],
            value=S.preset,
            on_change=S.set_preset,
            id="period-presets",
        ),
        rx.flex(
            rx.input(
                type="date",
                value=S.date_from,
                on_change=S.set_date_from,
                size="2",
                id="date-from",
                aria_label="From",
            ),
            rx.text("to", size="2", color_scheme="gray"),
            rx.input(
                type="date",
                value=S.date_to,
                on_change=S.set_date_to,
                size="2",
                id="date-to",
                aria_label="To",
            ),
            rx.text(
                "UTC days",
                size="1",
                color_scheme="gray",
                title="Days run midnight to midnight UTC, the same in every report and export",
            ),
            gap="2",
            align="center",
        ),
        rx.select.root(
            rx.select.trigger(id="attribution-window", title="Attribution window"),
            rx.select.content(*[rx.select.item(text, value=key) for key, text in WINDOWS]),
            value=S.window,
            on_change=S.set_window,
            size="2",
        ),
        rx.spacer(),
        rx.button(
            rx.icon("file-text", size=16), "PDF report", on_click=S.download_pdf, id="download-pdf"
        ),
        gap="3",
        align="center",
        wrap="wrap",
        width="100%",
    )


def headline() -> rx.Component:
    """The incrementality: what the flow added over the carts it never contacted."""
    return panel(
        "What the save flow earned",
        "Contacted carts against the holdout the flow leaves alone: "
        "what came back because of the messages.",
        rx.grid(
            rx.vstack(
                rx.text("Incremental revenue", size="2", color_scheme="gray"),
                rx.text(
                    S.incremental_revenue,
                    size="8",
                    weight="bold",
                    id="incremental-revenue",
                    color="var(--accent-11)",
                ),
                rx.text(S.incremental_interval, size="2", color_scheme="gray"),
                rx.badge(
                    S.verdict,
                    color_scheme=S.verdict_tone,
                    variant="soft",
                    size="2",
                    id="incrementality-verdict",
                ),
                rx.text(
                    "Recovery ",
                    rx.text.strong(S.treated_rate),
                    " with the flow, ",
                    rx.text.strong(S.holdout_rate),
                    " without it.",
                    size="2",
                ),
                spacing="2",
            ),
            _plot(S.fig_incrementality, "chart-incrementality"),
            columns=rx.breakpoints(initial="1", md="2"),
            gap="24px",
            align="center",
            width="100%",
        ),
    )


def _arrow(item) -> rx.Component:
    color = rx.match(item["tone"], ("good", "var(--green-11)"), ("bad", "var(--red-11)"),
                     "var(--gray-10)")  # fmt: skip
    icon = rx.match(
        item["direction"],
        ("up", rx.icon("trending-up", size=16, color=color)),
        ("down", rx.icon("trending-down", size=16, color=color)),
        rx.icon("minus", size=16, color=color),
    )
    return rx.flex(icon, rx.text(item["change"], size="1", color=color), gap="1", align="center")


def kpi(item) -> rx.Component:
    return card(
        rx.flex(
            rx.text(item["label"], size="2", color_scheme="gray", weight="medium"),
            rx.spacer(),
            rx.text(item["target"], size="1", color_scheme="gray"),
            width="100%",
        ),
        rx.text(item["value"], size="6", weight="bold", margin_top="6px", class_name="kpi-value"),
        _arrow(item),
        min_width="0",
    )


def _table(columns: list[tuple[str, str]], rows, test_id: str) -> rx.Component:
    """A compact table of display strings; the first column left, the numbers right."""
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                *[rx.table.column_header_cell(title, justify="start" if i == 0 else "end")
                  for i, (_, title) in enumerate(columns)]
            )
        ),
        rx.table.body(
            rx.foreach(
                rows,
                lambda row: rx.table.row(
                    *[rx.table.cell(row[key], justify="start" if i == 0 else "end")
                      for i, (key, _) in enumerate(columns)]
                ),
            )
        ),
        size="1",
        width="100%",
        id=test_id,
    )  # fmt: skip


def targets() -> rx.Component:
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                rx.table.column_header_cell("Metric"),
                rx.table.column_header_cell("Now", justify="end"),
                rx.table.column_header_cell("Before the programme", justify="end"),
                rx.table.column_header_cell("Target", justify="end"),
            )
        ),
        rx.table.body(
            rx.foreach(
                S.targets,
                lambda m: rx.table.row(
                    rx.table.cell(m["label"]),
                    rx.table.cell(
                        rx.flex(
                            rx.cond(m["met"] == "true",
                                    rx.icon("circle-check", size=14, color="var(--green-10)"),
                                    rx.icon("circle-dashed", size=14, color="var(--gray-9)")),
                            rx.text(m["value"], weight="medium"),
                            gap="1", align="center", justify="end",
                        ),
                        justify="end",
                    ),
                    rx.table.cell(m["baseline"], justify="end"),
                    rx.table.cell(m["target"], justify="end"),
                ),
            )
        ),
        size="1",
        width="100%",
        id="table-targets",
    )  # fmt: skip


def voice_panel() -> rx.Component:
    return rx.grid(
        rx.foreach(
            S.voice,
            lambda v: rx.box(
                rx.text(v["label"], size="1", color_scheme="gray"),
                rx.text(v["value"], size="4", weight="bold"),
            ),
        ),
        columns="2",
        gap="3",
        width="100%",
        id="voice-figures",
    )


def two(*children: rx.Component) -> rx.Component:
    return rx.grid(*children, columns=rx.breakpoints(initial="1", lg="2"), gap="16px", width="100%")


def dashboard() -> rx.Component:
    attribution = rx.text("Revenue: ", S.window_label, " attribution", size="1",
                          color_scheme="gray")  # fmt: skip
    return rx.vstack(
        controls(),
        rx.cond(
            S.error != "",
            rx.callout(S.error, icon="triangle-alert", color_scheme="red", id="period-error"),
            rx.fragment(),
        ),
        headline(),
        rx.grid(
            rx.foreach(S.kpis, kpi),
            columns=rx.breakpoints(initial="2", md="4"),
            gap="16px",
            width="100%",
            id="kpis",
        ),
        panel(
            "Recovery over time",
            "Carts abandoned each day and those bought back since; the last days are still in "
            "recovery.",
            _plot(S.fig_timeline, "chart-timeline"),
            csv="timeline",
        ),
        two(
            panel(
                "Stage funnel",
                "Attempts that reached each stage, and the orders it brought. "
                "Click a bar for the attempts.",
                _plot(S.fig_funnel, "chart-funnel", S.open_stage),
                csv="stages",
            ),
            panel(
                "Channels",
                rx.text(
                    "Revenue each channel brought back (",
                    S.window_label,
                    "). Click a bar for the attempts.",
                ),
                _plot(S.fig_channels, "chart-channels", S.open_channel),
                _table(
                    [
                        ("channel", "Channel"),
                        ("sent", "Sent"),
                        ("orders", "Orders"),
                        ("rate", "Rate"),
                        ("revenue", "Revenue"),
                    ],
                    S.channels,
                    "table-channels",
                ),
                csv="channels",
            ),
        ),
        two(
            panel(
                "Why carts were left",
                "Treated attempts by abandonment reason, and how many "
                "came back. Click a bar for the attempts.",
                _plot(S.fig_reasons, "chart-reasons", S.open_reason),
                csv="reasons",
            ),
            panel(
                "Targets",
                "The programme's success metrics (spec §1) for this period.",
                targets(),
                csv="success-metrics",
            ),
        ),
        panel(
            "Drawer triggers: lift against control",
            "Conversion of carts that saw each trigger minus carts held back, in points, "
            "with its 95% interval. Green: significant; gray: too few carts to tell.",
            _plot(S.fig_triggers, "chart-triggers"),
            _table(
                [
                    ("trigger", "Trigger"),
                    ("shown", "Carts shown"),
                    ("rate", "Converted"),
                    ("control_n", "Control carts"),
                    ("control", "Control converted"),
                    ("lift", "Lift"),
                    ("verdict", "Test"),
                ],
                S.triggers,
                "table-triggers",
            ),
            csv="triggers",
        ),
        two(
            panel(
                "Upsells",
                rx.text(
                    "Offers in the drawer by type; revenue of carts then bought. ",
                    S.order_value_text,
                ),
                _plot(S.fig_upsells, "chart-upsells"),
                _table(
                    [
                        ("type", "Type"),
                        ("presented", "Presented"),
                        ("accepted", "Accepted"),
                        ("rate", "Rate"),
                        ("revenue", "Revenue"),
                    ],
                    S.upsells,
                    "table-upsells",
                ),
                csv="upsells",
            ),
            panel("Voice calls", "Recovery calls placed in the period.", voice_panel()),
        ),
        panel(
            "Interventions",
            rx.text(
                "Save-flow messages and checkout offers by type; revenue within the ",
                S.window_label,
                " window.",
            ),
            _table(
                [
                    ("type", "Type"),
                    ("shown", "Shown"),
                    ("accepted", "Accepted"),
                    ("rate", "Rate"),
                    ("discount", "Avg. offer"),
                    ("revenue", "Revenue"),
                ],
                S.interventions,
                "table-interventions",
            ),
            csv="interventions",
        ),
        attribution,
        spacing="4",
        width="100%",
    )


@admin_page(
    route=ANALYTICS,
    title="Recovery analytics",
    icon="chart-line",
    order=40,
    section="Analytics",
    on_load=[AnalyticsState.load],
)
def analytics() -> rx.Component:
    return dashboard()
