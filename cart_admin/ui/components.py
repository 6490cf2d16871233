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
