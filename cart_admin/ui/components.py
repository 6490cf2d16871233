"""Small presentational pieces: functions of data, no state of their own."""

from __future__ import annotations

import reflex as rx


def card(*children: rx.Component, **props) -> rx.Component:
    style = {
        "padding": "20px",
        "border": "1px solid var(--gray-4)",
        "border_radius": "12px",
        "background": "var(--color-panel-solid)",
        "box_shadow": "0 1px 2px rgba(16, 24, 40, 0.04)",
    }
    return rx.box(*children, **(style | props))


def kpi_card(label: str, value, icon: str, hint=None, test_id: str = "") -> rx.Component:
    return card(
        rx.hstack(
            rx.text(label, size="2", color_scheme="gray", weight="medium"),
            rx.spacer(),
            rx.center(
                rx.icon(icon, size=16, color="var(--accent-11)"),
                width="28px",
                height="28px",
                border_radius="8px",
                background="var(--accent-3)",
            ),
            align="center",
            width="100%",
        ),
        rx.text(
            value,
            size="6",
            weight="bold",
            margin_top="8px",
            id=test_id or None,
            class_name="kpi-value",
        ),
        rx.cond(hint is not None, rx.text(hint, size="1", color_scheme="gray", margin_top="2px"))
        if hint is not None
        else rx.fragment(),
        min_width="0",
    )


STATUS_COLORS = {
    "ACTIVE": "blue",
    "ABANDONED": "orange",
    "CONVERTED": "green",
    "EXPIRED": "gray",
}


def status_badge(status) -> rx.Component:
    return rx.match(
        status,
        *[
            (name, rx.badge(name.title(), color_scheme=color, variant="soft"))
            for name, color in STATUS_COLORS.items()
        ],
        rx.badge(status, variant="soft"),
    )


def form_feedback(summary, notice, prefix: str) -> rx.Component:
    """Under a form's toolbar: the refused save's messages, one per field, or the notice."""
    return rx.cond(
        summary.length() > 0,
        rx.callout.root(
            rx.callout.icon(rx.icon("triangle-alert", size=16)),
            rx.callout.text(notice, weight="medium"),
            rx.el.ul(
                rx.foreach(summary, lambda line: rx.el.li(line)),
                style={"margin": "4px 0 0 18px", "font_size": "13px"},
            ),
            color_scheme="red",
            width="100%",
            id=f"{prefix}-errors",
        ),
        rx.cond(
            notice != "",
            rx.callout(notice, icon="info", width="100%", id=f"{prefix}-notice"),
        ),
    )


def nothing_saved(count: int) -> str:
    fields = f"{count} field{'s' if count != 1 else ''} need{'' if count != 1 else 's'}"
    return f"Nothing was saved: {fields} a change."


def save_buttons(state, prefix: str, read_only_text: str) -> rx.Component:
    """A settings form's Discard and Save (the state has can_write, changed, discard, save);
    a badge for roles that only read."""
    return rx.cond(
        state.can_write,
        rx.hstack(
            rx.button(
                "Discard changes",
                variant="soft",
                color_scheme="gray",
                on_click=state.discard,
                disabled=~state.changed,
                id=f"{prefix}-discard",
            ),
            rx.button(rx.icon("save", size=14), "Save", on_click=state.save, id=f"{prefix}-save"),
            spacing="2",
        ),
        rx.badge(
            read_only_text, color_scheme="gray", variant="soft", size="2", id=f"{prefix}-read-only"
        ),
    )


def labelled_field(
    label: str, hint: str, control: rx.Component, error: rx.Component, *, inline: bool
) -> rx.Component:
    """A label above its control (beside it for a switch), the hint and the error below."""
    head = (
        rx.hstack(
            rx.text(label, size="2", weight="medium", flex="1"),
            control,
            align="center",
            width="100%",
        )
        if inline
        else rx.text(label, size="2", weight="medium")
    )
    return rx.vstack(
        head,
        rx.fragment() if inline else control,
        rx.text(hint, size="1", color_scheme="gray") if hint else rx.fragment(),
        error,
        spacing="1",
        width="100%",
    )
