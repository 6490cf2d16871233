"""The voice page's simulator and call log."""

from __future__ import annotations

import reflex as rx

from cart_admin.ui.components import card, kpi_card
from cart_admin.ui.pages.voice_state import OUTCOME_LABELS, QUICK_REPLIES, SAMPLE_CART, VoiceState

OUTCOME_COLORS = {
    "Recovered": "green",
    "Discount accepted": "green",
    "Callback requested": "blue",
    "Escalated": "violet",
    "Declined": "red",
    "Voicemail": "gray",
    "No answer": "gray",
    "Disconnected": "amber",
}


def outcome_badge(label) -> rx.Component:
    return rx.match(
        label,
        *[
            (name, rx.badge(name, color_scheme=color, variant="soft"))
            for name, color in OUTCOME_COLORS.items()
        ],
        rx.badge(label, color_scheme="gray", variant="outline"),
    )


# --- the simulator -------------------------------------------------------------------------


def bubble(turn: dict) -> rx.Component:
    agent = turn["role"] == "agent"
    system = turn["role"] == "system"
    return rx.cond(
        system,
        rx.center(
            rx.text(turn["text"], size="1", color_scheme="gray"),
            width="100%",
            class_name="sim-turn sim-system",
        ),
        rx.vstack(
            rx.box(
                rx.text(turn["text"], size="2"),
                background=rx.cond(agent, "var(--gray-3)", "var(--accent-9)"),
                color=rx.cond(agent, "var(--gray-12)", "white"),
                padding="8px 12px",
                border_radius="12px",
                max_width="80%",
            ),
            rx.cond(turn["note"] != "", rx.text(turn["note"], size="1", color_scheme="gray")),
            rx.cond(
                VoiceState.show_twiml & (turn["twiml"] != ""),
                rx.code_block(
                    turn["twiml"],
                    language="markup",
                    wrap_long_lines=True,
                    font_size="11px",
                    width="100%",
                ),
            ),
            align=rx.cond(agent, "start", "end"),
            spacing="1",
            width="100%",
            class_name=rx.cond(agent, "sim-turn sim-agent", "sim-turn sim-customer"),
        ),
    )


def simulator_panel() -> rx.Component:
    conversation = card(
        rx.hstack(
            rx.select.root(
                rx.select.trigger(min_width="260px", id="sim-cart"),
                rx.select.content(
                    rx.select.item("Sample cart (Sam, 2 items, $245.00)", value=SAMPLE_CART),
                    rx.foreach(
                        VoiceState.sim_carts, lambda c: rx.select.item(c["label"], value=c["id"])
                    ),
                ),
                value=VoiceState.sim_cart,
                on_change=VoiceState.choose_cart,
            ),
            rx.button(
                rx.icon("phone-call", size=14),
                "Start call",
                on_click=VoiceState.start_call(False),
                id="sim-start",
            ),
            rx.button(
                rx.icon("voicemail", size=14),
                "Answering machine",
                variant="soft",
                on_click=VoiceState.start_call(True),
                id="sim-machine",
            ),
            rx.spacer(),
            rx.text(
                rx.switch(
                    checked=VoiceState.show_twiml, on_change=VoiceState.toggle_twiml, id="sim-twiml"
                ),
                " Show TwiML",
                as_="label",
                size="1",
                color_scheme="gray",
                display="flex",
                align_items="center",
                gap="6px",
                white_space="nowrap",
            ),
            align="center",
            spacing="3",
            width="100%",
            wrap="wrap",
        ),
        rx.cond(
            VoiceState.sim_error != "",
            rx.callout(
                VoiceState.sim_error,
                icon="triangle-alert",
                color_scheme="red",
                width="100%",
                margin_top="12px",
                id="sim-error",
            ),
        ),
        rx.vstack(
            rx.cond(
                VoiceState.sim_turns.length() == 0,
                rx.text(
                    "Start a call, then answer as the shopper would. The agent says exactly "
                    "what a call would say, with the script on screen (saved or not).",
                    size="2",
                    color_scheme="gray",
                ),
            ),
            rx.foreach(VoiceState.sim_turns, bubble),
            spacing="3",
            width="100%",
            min_height="240px",
            margin_top="14px",
            id="sim-conversation",
        ),
        rx.cond(
            VoiceState.sim_live,
            rx.vstack(
                rx.form(
                    rx.hstack(
                        rx.input(
                            name="utterance",
                            value=VoiceState.sim_input,
                            on_change=VoiceState.set_sim_input,
                            placeholder="Say something as the shopper…",
                            flex="1",
                            max_length=500,
                            id="sim-input",
                        ),
                        rx.button("Reply", type="submit", id="sim-send"),
                        rx.button(
                            "Stay silent",
                            variant="soft",
                            color_scheme="gray",
                            type="button",
                            on_click=VoiceState.reply(""),
                            id="sim-silent",
                        ),
                        width="100%",
                        spacing="2",
                    ),
                    on_submit=VoiceState.reply_typed,
                    reset_on_submit=True,
                    width="100%",
                ),
                rx.flex(
                    *[
                        rx.button(
                            text,
                            size="1",
                            variant="outline",
                            type="button",
                            on_click=VoiceState.reply(text),
                            class_name="sim-quick",
                        )
                        for text in QUICK_REPLIES
                    ],
                    gap="6px",
                    wrap="wrap",
                ),
                spacing="2",
                width="100%",
                margin_top="14px",
            ),
        ),
        width="100%",
    )
    summary = card(
        rx.text("What the call did", size="3", weight="bold"),
        rx.hstack(
            rx.text("Outcome", size="2", color_scheme="gray"),
            rx.cond(
                VoiceState.sim_outcome != "",
                outcome_badge(VoiceState.sim_outcome),
                rx.text("—", size="2"),
            ),
            spacing="2",
            align="center",
            margin_top="10px",
            id="sim-outcome",
        ),
        rx.vstack(
            rx.foreach(
                VoiceState.sim_effects,
                lambda e: rx.hstack(
                    rx.icon("check", size=14, color="var(--green-10)"),
                    rx.text(e, size="2"),
                    align="center",
                    spacing="2",
                ),
            ),
            spacing="1",
            margin_top="10px",
            id="sim-effects",
        ),
        rx.text(
            "Nothing is sent or changed by the simulator.",
            size="1",
            color_scheme="gray",
            margin_top="12px",
        ),
        width="100%",
    )
    return rx.grid(
        conversation,
        summary,
        columns="minmax(0, 2fr) minmax(240px, 1fr)",
        gap="16px",
        width="100%",
        align="start",
    )


# --- the call log --------------------------------------------------------------------------


def call_row(row: dict) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row["when"], size="2", white_space="nowrap")),
        rx.table.cell(
            rx.text(row["who"], size="2"), rx.text(row["phone"], size="1", color_scheme="gray")
        ),
        rx.table.cell(rx.text(row["value"], size="2")),
        rx.table.cell(rx.badge(row["status"], variant="outline")),
        rx.table.cell(outcome_badge(row["outcome"])),
        rx.table.cell(rx.text(row["duration"], size="2")),
        rx.table.cell(rx.text(row["sentiment"], size="2")),
        rx.table.cell(rx.text(row["script"], size="2")),
        on_click=VoiceState.open_call(row["id"]),
        cursor="pointer",
        class_name="call-row",
    )


def call_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(VoiceState.call["who"], " · ", VoiceState.call["value"]),
            rx.dialog.description(
                VoiceState.call["when"],
                " · ",
                VoiceState.call["status"],
                " · ",
                VoiceState.call["duration"],
                size="2",
            ),
            rx.vstack(
                rx.foreach(VoiceState.call_details, lambda line: rx.text(line, size="2")),
                rx.cond(
                    VoiceState.call["error"] != "",
                    rx.text(VoiceState.call["error"], size="2", color_scheme="red"),
                ),
                spacing="1",
                margin_top="10px",
            ),
            rx.vstack(
                rx.cond(
                    VoiceState.call_turns.length() == 0,
                    rx.text(
                        "No conversation: the call was not answered by a person.",
                        size="2",
                        color_scheme="gray",
                    ),
                ),
                rx.foreach(VoiceState.call_turns, bubble_log),
                spacing="2",
                width="100%",
                max_height="50vh",
                overflow_y="auto",
                margin_top="12px",
                id="call-transcript",
            ),
            rx.cond(
                VoiceState.can_write,
                rx.hstack(
                    rx.text("Record an outcome", size="2"),
                    rx.select.root(
                        rx.select.trigger(placeholder="Choose…"),
                        rx.select.content(
                            *[
                                rx.select.item(label, value=value)
                                for value, label in OUTCOME_LABELS.items()
                            ]
                        ),
                        value=VoiceState.call["outcome_value"],
                        on_change=VoiceState.record_outcome,
                    ),
                    align="center",
                    spacing="2",
                    margin_top="12px",
                ),
            ),
            rx.cond(
                VoiceState.call_notice != "",
                rx.text(VoiceState.call_notice, size="2", color_scheme="blue"),
            ),
            rx.hstack(
                rx.spacer(),
                rx.dialog.close(rx.button("Close", variant="soft", on_click=VoiceState.close_call)),
                margin_top="14px",
            ),
            max_width="640px",
        ),
        open=VoiceState.call.contains("id"),
    )


def bubble_log(turn: dict) -> rx.Component:
    agent = turn["role"] == "agent"
    return rx.vstack(
        rx.box(
            rx.text(turn["text"], size="2"),
            background=rx.cond(agent, "var(--gray-3)", "var(--accent-3)"),
            padding="6px 10px",
            border_radius="10px",
            max_width="85%",
        ),
        rx.cond(turn["note"] != "", rx.text(turn["note"], size="1", color_scheme="gray")),
        align=rx.cond(agent, "start", "end"),
        spacing="1",
        width="100%",
    )


def calls_panel() -> rx.Component:
    kpis = rx.grid(
        kpi_card("Calls (30 days)", VoiceState.kpis["calls"], "phone-outgoing"),
        kpi_card("Answered", VoiceState.kpis["answered"], "phone-incoming"),
        kpi_card("Offers accepted", VoiceState.kpis["accepted"], "badge-percent"),
        kpi_card("Carts recovered", VoiceState.kpis["recovered"], "shopping-cart"),
        kpi_card("Revenue recovered", VoiceState.kpis["revenue"], "dollar-sign"),
        kpi_card("Avg. talk time", VoiceState.kpis["duration"], "timer"),
        columns="repeat(auto-fit, minmax(150px, 1fr))",
        gap="12px",
        width="100%",
    )
    table = card(
        rx.hstack(
            rx.text("Call log", size="3", weight="bold", flex="1"),
            rx.text(VoiceState.calls_total, " calls", size="2", color_scheme="gray"),
            rx.select.root(
                rx.select.trigger(width="200px", id="calls-filter"),
                rx.select.content(
                    rx.select.item("All outcomes", value="all"),
                    *[
                        rx.select.item(label, value=value)
                        for value, label in OUTCOME_LABELS.items()
                    ],
                ),
                value=VoiceState.outcome_filter,
                on_change=VoiceState.set_outcome_filter,
            ),
            align="center",
            spacing="3",
            width="100%",
        ),
        rx.cond(
            VoiceState.calls.length() == 0,
            rx.text("No calls yet.", size="2", color_scheme="gray", margin_top="12px"),
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        *[
                            rx.table.column_header_cell(h)
                            for h in (
                                "When",
                                "Shopper",
                                "Cart",
                                "Status",
                                "Outcome",
                                "Length",
                                "Mood",
                                "Script",
                            )
                        ]
                    )
                ),
                rx.table.body(rx.foreach(VoiceState.calls, call_row)),
                size="1",
                width="100%",
                margin_top="10px",
                id="calls-table",
            ),
        ),
        width="100%",
    )
    return rx.vstack(kpis, table, call_dialog(), spacing="4", width="100%")
