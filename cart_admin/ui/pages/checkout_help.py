"""Recovery → Checkout help: the real-time interventions (churn signals, their weights, the
exit-intent offer), the checkout chat, and the policies the chat answers from."""

from __future__ import annotations

import reflex as rx

from cart_admin.domain import checkout_form as form
from cart_admin.ui.components import card, form_feedback, labelled_field, save_buttons
from cart_admin.ui.nav import admin_page
from cart_admin.ui.pages.checkout_help_state import CheckoutHelpState as S

CHECKOUT_HELP = "/recovery/checkout-help"


def field_id(path: str) -> str:
    return "field-" + path.replace(".", "-")


def _error(path: str) -> rx.Component:
    return rx.cond(
        S.errors.contains(path),
        rx.text(S.errors[path], size="1", color_scheme="red", id=f"{field_id(path)}-error",
                role="alert"),
    )  # fmt: skip


def control(field: form.FormField) -> rx.Component:
    path, value = field.path, S.values[field.path]
    read_only = ~S.can_write
    if field.kind == "bool":
        return rx.switch(
            checked=value == "true",
            on_change=lambda checked: S.set_flag(path, checked),
            disabled=read_only,
            id=field_id(path),
        )
    if field.kind == "select":
        return rx.select.root(
            rx.select.trigger(id=field_id(path), width="180px"),
            rx.select.content(*[rx.select.item(o, value=o) for o in field.options]),
            value=value,
            on_change=lambda v: S.set_value(path, v),
            disabled=read_only,
        )
    if field.kind in ("textarea", "lines"):
        return rx.text_area(
            value=value,
            on_change=lambda v: S.set_value(path, v),
            debounce_timeout=400,
            rows="7" if field.kind == "textarea" else "5",
            width="100%",
            read_only=read_only,
            id=field_id(path),
        )
    number = field.kind in ("int", "number", "money")
    return rx.input(
        value=value,
        on_change=lambda v: S.set_value(path, v),
        debounce_timeout=300,
        type="number" if number else "text",
        size="2",
        width="100%" if field.kind == "text" else "120px",
        read_only=read_only,
        id=field_id(path),
    )


def labelled(field: form.FormField) -> rx.Component:
    return labelled_field(
        field.label, field.hint, control(field), _error(field.path), inline=field.kind == "bool"
    )


def section(title: str, hint: str, *fields: form.FormField, columns: str = "2") -> rx.Component:
    return card(
        rx.heading(title, size="3"),
        rx.text(hint, size="2", color_scheme="gray", margin_bottom="12px"),
        rx.grid(*[labelled(f) for f in fields], columns=columns, spacing="4", width="100%"),
        width="100%",
    )


def stats_card() -> rx.Component:
    headers = ["Intervention", "Shown", "Accepted", "Dismissed", "Bought after", "Rate"]
    keys = ["kind", "shown", "accepted", "dismissed", "converted", "rate"]
    return card(
        rx.heading("The last 30 days", size="3"),
        rx.text("Each intervention shown, what the shopper answered, and whether the cart was "
                "bought afterwards.", size="2", color_scheme="gray", margin_bottom="8px"),
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
            rx.table.body(
                rx.foreach(
                    S.stats,
                    lambda row: rx.table.row(*[rx.table.cell(row[k]) for k in keys]),
                )
            ),
            size="1",
            width="100%",
            id="checkout-stats",
        ),
        width="100%",
    )  # fmt: skip


def interventions_tab() -> rx.Component:
    switches = [f for f in form.CHURN_FIELDS if f.kind == "bool"]
    numbers = [f for f in form.CHURN_FIELDS if f.kind != "bool"]
    return rx.vstack(
        stats_card(),
        section(
            "Real-time interventions",
            "The drawer watches for the signs of a shopper about to leave and, at most once "
            "per cart, shows the one intervention they call for. The holdout group of the "
            "save flow never sees one.",
            *switches,
        ),
        section("Exit-intent offer and timing", "", *numbers),
        section(
            "Signal weights",
            "How much each signal adds to a session's risk (0-100). A repeated signal adds half "
            "its weight again, up to twice it; the risk is capped at 100.",
            *form.WEIGHT_FIELDS,
            columns="3",
        ),
        spacing="4",
        width="100%",
    )


def chat_tab() -> rx.Component:
    general = form.CHAT_FIELDS[:4]
    capabilities = form.CHAT_FIELDS[4:9]
    escalation = form.CHAT_FIELDS[9:]
    return rx.vstack(
        rx.callout(S.answerer, icon="bot", width="100%", id="checkout-answerer"),
        section("Checkout chat", "The chat button in the drawer and its first words.", *general),
        section(
            "What the assistant may do",
            "Every action it proposes is checked by the server when the shopper presses it.",
            *capabilities,
        ),
        section(
            "Hand over to a person",
            "Handed-over conversations wait in the Inbox; the shopper sees the reply in the "
            "drawer.",
            *escalation,
        ),
        spacing="4",
        width="100%",
    )


def policies_tab() -> rx.Component:
    return card(
        rx.heading("Store policies", size="3"),
        rx.text(
            "The chat answers from these words (and from your shipping rate and free-shipping "
            "threshold), never from anything else. A question they do not answer is offered "
            "to a person.",
            size="2",
            color_scheme="gray",
            margin_bottom="12px",
        ),
        rx.vstack(*[labelled(f) for f in form.POLICY_FIELDS], spacing="4", width="100%"),
        width="100%",
    )


def toolbar() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(
                "Checkout help: interventions while the shopper is still here, and a chat "
                "that answers from your own policies.",
                size="2",
                color_scheme="gray",
            ),
            rx.spacer(),
            save_buttons(S, "checkout", "Read only: ask an owner or admin to change these"),
            width="100%",
            align="center",
        ),
        form_feedback(S.summary, S.notice, "checkout"),
        spacing="3",
        width="100%",
    )


@admin_page(
    route=CHECKOUT_HELP,
    title="Checkout help",
    icon="life-buoy",
    order=34,
    section="Recovery",
    on_load=[S.load],
)
def checkout_help() -> rx.Component:
    return rx.vstack(
        toolbar(),
        rx.tabs.root(
            rx.tabs.list(
                rx.tabs.trigger("Interventions", value="interventions", id="checkout-tab-churn"),
                rx.tabs.trigger("Chat", value="chat", id="checkout-tab-chat"),
                rx.tabs.trigger("Policies", value="policies", id="checkout-tab-policies"),
            ),
            rx.tabs.content(interventions_tab(), value="interventions", padding_top="16px"),
            rx.tabs.content(chat_tab(), value="chat", padding_top="16px"),
            rx.tabs.content(policies_tab(), value="policies", padding_top="16px"),
            value=S.tab,
            on_change=S.set_tab,
            width="100%",
        ),
        spacing="4",
        width="100%",
    )
