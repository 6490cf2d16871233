"""Save flow: the seven stages as a timeline, the global rules, and a preview of what a sample
shopper would receive with the settings on screen (before they are saved).

The form keeps every field as typed, keyed by the config's path; `form.validate` turns it into
the config (or messages at the fields), so the page holds no rules of its own.
"""

from __future__ import annotations

from datetime import datetime, time

import reflex as rx

from cart_admin.db import session_scope
from cart_admin.domain import auth
from cart_admin.domain.auth import Principal
from cart_admin.domain.save_flow import form
from cart_admin.domain.save_flow.config import load_config, save_config
from cart_admin.domain.save_flow.policies import zone
from cart_admin.domain.save_flow.preview import (
    PreviewMessage,
    SampleShopper,
    delay_hint,
    duration_text,
    preview_schedule,
)
from cart_admin.domain.save_flow.stages import STAGES, StageSpec
from cart_admin.models import Company
from cart_admin.models.types import utcnow
from cart_admin.ui.components import (
    card,
    form_feedback,
    labelled_field,
    nothing_saved,
    save_buttons,
)
from cart_admin.ui.nav import admin_page
from cart_admin.ui.state import AuthState

SAVE_FLOW = "/recovery/flow"
NOT_ALLOWED = "Only a logged-in owner or marketer can change the save flow."
SAMPLE = SampleShopper()
SAMPLE_HOURS = {"10": "10:00 AM", "18": "6:00 PM", "23": "11:00 PM"}
CHANNEL_LABELS = {"EMAIL": "E-mail", "SMS": "SMS", "PUSH": "Push", "IN_APP": "In-app"}


def field_id(path: str) -> str:
    return "field-" + path.replace(".", "-")


def _abandoned_at(hour: int) -> datetime:
    """Today at `hour` on the sample shopper's clock."""
    tz = zone(SAMPLE.timezone)
    today = utcnow().astimezone(tz).date()
    return datetime.combine(today, time(hour), tzinfo=tz)


def _status_color(status: str) -> str:
    if status == "sent":
        return "green"
    return "amber" if status.startswith("deferred") else "gray"


def _preview_row(message: PreviewMessage) -> dict[str, str]:
    return {
        "when": message.local_time,
        "after": message.after,
        "stage": message.stage_title + (f" #{message.step + 1}" if message.step else ""),
        "channel": CHANNEL_LABELS.get(str(message.channel), str(message.channel)),
        "subject": message.subject,
        "text": message.text,
        "offer": message.offer or "—",
        "status": message.status,
        "color": _status_color(message.status),
        "skipped": "true" if not message.sent else "",
    }


class SaveFlowState(rx.State):
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    summary: list[str] = []
    can_write: bool = False
    notice: str = ""
    changed: bool = False
    preview_rows: list[dict[str, str]] = []
    preview_totals: str = ""
    preview_hour: str = "10"
    _tried: bool = False  # a save was refused: keep the summary up to date while fixing
    _company_name: str = ""
    _support_email: str = ""

    @rx.var
    def delay_hints(self) -> dict[str, str]:
        hints = {}
        for spec in STAGES:
            raw = self.values.get(f"stages.{spec.key}.delayMinutes", "")
            hints[spec.key] = delay_hint(int(raw)) if raw.strip().isdigit() else ""
        return hints

    async def _writer(self) -> Principal | None:
        principal = (await self.get_state(AuthState)).principal()
        return principal if principal is not None and auth.can_write(principal) else None

    @rx.event
    async def load(self):
        principal = (await self.get_state(AuthState)).principal()
        if principal is None:
            return
        self.can_write = auth.can_write(principal)
        with session_scope() as session:
            config = load_config(session, principal.company_id)
            company = session.get(Company, principal.company_id)
            self._company_name = company.name if company else ""
            self._support_email = (company.support_email or "") if company else ""
        self.values = form.form_values(config)
        self.errors, self.summary, self.notice = {}, [], ""
        self.changed, self._tried = False, False
        self._refresh()

    def _refresh(self) -> None:
        """Validate what is on screen; a valid form updates the preview."""
        result = form.validate(self.values)
        self.errors = result.errors
        self.summary = form.error_summary(result.errors) if self._tried else []
        if result.config is None:
            return
        messages = preview_schedule(
            result.config,
            abandoned_at=_abandoned_at(int(self.preview_hour)),
            sample=SAMPLE,
            company_name=self._company_name or "Your shop",
            support_email=self._support_email or None,
        )
        self.preview_rows = [_preview_row(m) for m in messages]
        sent = [m for m in messages if m.sent]
        span = duration_text(sent[-1].at - sent[0].at) if len(sent) > 1 else "0 min"
        skipped = len(messages) - len(sent)
        self.preview_totals = f"{len(sent)} messages over {span}" + (
            f"; {skipped} skipped" if skipped else ""
        )

    def _edit(self, path: str, value: str) -> None:
        if not self.can_write or path not in form.FIELDS:
            return
        self.values[path] = value
        self.changed, self.notice = True, ""
        self._refresh()

    @rx.event
    def set_value(self, path: str, value: str):
        self._edit(path, value)

    @rx.event
    def set_flag(self, path: str, checked: bool):
        self._edit(path, "true" if checked else "false")

    @rx.event
    def set_channel(self, path: str, channel: str, checked: bool):
        self._edit(path, form.toggle_channel(self.values.get(path, ""), channel, checked))

    @rx.event
    def set_preview_hour(self, value: str):
        if value in SAMPLE_HOURS:
            self.preview_hour = value
            self._refresh()

    @rx.event
    async def save(self):
        principal = await self._writer()
        if principal is None:
            self.notice = NOT_ALLOWED
            return
        self._tried = True
        result = form.validate(self.values)
        if result.config is None:
            self._refresh()
            self.notice = nothing_saved(len(result.errors))
            return
        with session_scope() as session:
            save_config(session, principal.company_id, result.config)
        self.values = form.form_values(result.config)
        self._tried, self.changed = False, False
        self._refresh()
        self.notice = (
            "Saved: new attempts follow these settings, running ones from their next step."
        )

    @rx.event
    async def discard(self):
        return SaveFlowState.load


# --- controls --------------------------------------------------------------------------------


def _error(path: str) -> rx.Component:
    return rx.cond(
        SaveFlowState.errors.contains(path),
        rx.text(
            SaveFlowState.errors[path],
            size="1",
            color_scheme="red",
            id=f"{field_id(path)}-error",
            role="alert",
        ),
    )


def control(field: form.FormField) -> rx.Component:
    path, value = field.path, SaveFlowState.values[field.path]
    read_only = ~SaveFlowState.can_write
    if field.kind == "bool":
        return rx.switch(
            checked=value == "true",
            on_change=lambda checked: SaveFlowState.set_flag(path, checked),
            disabled=read_only,
            id=field_id(path),
        )
    if field.kind == "channels":
        return rx.hstack(
            *[
                rx.text(
                    rx.checkbox(
                        checked=value.contains(option),
                        on_change=lambda checked, option=option: SaveFlowState.set_channel(
                            path, option, checked
                        ),
                        disabled=read_only,
                        id=f"{field_id(path)}-{option}",
                    ),
                    " " + CHANNEL_LABELS[option],
                    as_="label",
                    size="2",
                    display="flex",
                    align_items="center",
                    gap="6px",
                )
                for option in field.options
            ],
            spacing="4",
            id=field_id(path),
        )
    if field.kind == "channel":
        return rx.radio_group.root(
            rx.hstack(
                *[
                    rx.text(
                        rx.radio_group.item(value=option, id=f"{field_id(path)}-{option}"),
                        " " + CHANNEL_LABELS[option],
                        as_="label",
                        size="2",
                        display="flex",
                        align_items="center",
                        gap="6px",
                    )
                    for option in field.options
                ],
                spacing="4",
            ),
            value=value,
            on_change=lambda v: SaveFlowState.set_value(path, v),
            disabled=read_only,
            id=field_id(path),
        )
    number = field.kind in ("int", "number")
    return rx.input(
        value=value,
        on_change=lambda v: SaveFlowState.set_value(path, v),
        debounce_timeout=300,
        type="number" if number else "text",
        input_mode="decimal" if field.kind == "money" else None,
        placeholder="none" if field.kind == "money" else None,
        size="2",
        width="100%" if field.kind == "text" else "120px",
        read_only=read_only,
        id=field_id(path),
    )


def labelled(field) -> rx.Component:
    """A label above its control, the hint and the field's error below."""
    return labelled_field(
        field.label, field.hint, control(field), _error(field.path), inline=field.kind == "bool"
    )


# --- the stage timeline ------------------------------------------------------------------------


def stage_card(index: int, spec: StageSpec) -> rx.Component:
    fields = form.STAGE_FIELDS[spec.key]
    enabled_path = f"stages.{spec.key}.enabled"
    enabled = SaveFlowState.values[enabled_path] == "true"
    delay, channels, *extra = fields[1:]
    last = index == len(STAGES) - 1
    rail = rx.vstack(
        rx.center(
            rx.text(str(index + 1), size="2", weight="bold"),
            width="28px",
            height="28px",
            border_radius="999px",
            background=rx.cond(enabled, "var(--accent-9)", "var(--gray-5)"),
            color="white",
            flex_shrink="0",
        ),
        rx.box(width="2px", flex="1", background="var(--gray-5)") if not last else rx.fragment(),
        align="center",
        spacing="0",
        align_self="stretch",
    )
    body = card(
        rx.hstack(
            rx.vstack(
                rx.text(spec.title, size="3", weight="bold"),
                rx.text(spec.purpose, size="1", color_scheme="gray"),
                spacing="0",
                flex="1",
            ),
            rx.cond(
                enabled,
                rx.badge(SaveFlowState.delay_hints[spec.key], variant="soft"),
                rx.badge("Off", color_scheme="gray", variant="soft"),
            ),
            control(fields[0]),
            align="center",
            spacing="3",
            width="100%",
        ),
        rx.cond(
            enabled,
            rx.grid(
                labelled(delay),
                labelled(channels),
                *[labelled(f) for f in extra],
                columns="repeat(auto-fill, minmax(190px, 1fr))",
                gap="16px",
                width="100%",
                margin_top="14px",
            ),
        ),
        _error(enabled_path),
        width="100%",
        padding="14px 16px",
        opacity=rx.cond(enabled, "1", "0.75"),
        id=f"stage-{spec.key}",
        class_name="stage-card",
    )
    return rx.hstack(rail, rx.box(body, flex="1", padding_bottom="14px"), spacing="3", width="100%")


def timeline() -> rx.Component:
    return rx.vstack(
        rx.text("Stages", size="4", weight="bold"),
        rx.text(
            "Delays count from the moment the cart was abandoned; each stage must come after "
            "the enabled one before it.",
            size="2",
            color_scheme="gray",
        ),
        rx.box(*[stage_card(i, spec) for i, spec in enumerate(STAGES)], width="100%"),
        spacing="2",
        width="100%",
    )


def settings_panel() -> rx.Component:
    return rx.vstack(
        *[
            card(
                rx.text(group, size="3", weight="bold"),
                rx.vstack(*[labelled(f) for f in fields], spacing="3", width="100%"),
                width="100%",
                padding="16px",
                id=f"settings-{group.lower().replace(' ', '-')}",
            )
            for group, fields in form.GLOBAL_GROUPS.items()
        ],
        spacing="4",
        width="100%",
    )


# --- the preview ---------------------------------------------------------------------------------


def preview_row(row: dict) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.text(row["when"], size="2", white_space="nowrap"),
            rx.text(row["after"], " after", size="1", color_scheme="gray"),
        ),
        rx.table.cell(rx.text(row["stage"], size="2")),
        rx.table.cell(rx.badge(row["channel"], variant="outline")),
        rx.table.cell(
            rx.cond(row["subject"] != "", rx.text(row["subject"], size="2", weight="medium")),
            rx.text(row["text"], size="1", color_scheme="gray"),
            max_width="380px",
        ),
        rx.table.cell(rx.text(row["offer"], size="2", white_space="nowrap")),
        rx.table.cell(
            rx.badge(
                row["status"],
                color_scheme=row["color"],
                variant="soft",
                white_space="normal",
                text_align="left",
            )
        ),
        opacity=rx.cond(row["skipped"] == "true", "0.6", "1"),
        class_name="preview-row",
    )


def preview_panel() -> rx.Component:
    sample = (
        f"{SAMPLE.name} in New York: 2 items, ${SAMPLE.grand_total} with "
        f"${SAMPLE.shipping_total} shipping; e-mail and SMS consent; does not answer the survey."
    )
    return card(
        rx.hstack(
            rx.vstack(
                rx.text("Preview", size="4", weight="bold"),
                rx.text(sample, size="2", color_scheme="gray"),
                spacing="1",
                flex="1",
            ),
            rx.text("Abandons at", size="2"),
            rx.select.root(
                rx.select.trigger(width="120px"),
                rx.select.content(
                    *[rx.select.item(label, value=hour) for hour, label in SAMPLE_HOURS.items()]
                ),
                value=SaveFlowState.preview_hour,
                on_change=SaveFlowState.set_preview_hour,
                size="2",
            ),
            align="center",
            spacing="3",
            width="100%",
        ),
        rx.hstack(
            rx.badge(SaveFlowState.preview_totals, size="2", variant="soft", id="preview-totals"),
            rx.cond(
                SaveFlowState.values["enabled"] == "false",
                rx.badge(
                    "The flow is off: nothing is sent until it is on.",
                    color_scheme="amber",
                    variant="soft",
                    size="2",
                ),
            ),
            rx.cond(
                SaveFlowState.errors.length() > 0,
                rx.badge(
                    "Showing the last valid settings: fix the errors to update.",
                    color_scheme="red",
                    variant="soft",
                    size="2",
                ),
            ),
            spacing="2",
            margin_top="10px",
            wrap="wrap",
        ),
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[
                        rx.table.column_header_cell(h)
                        for h in (
                            "When (shopper's time)",
                            "Stage",
                            "Channel",
                            "Message",
                            "Offer",
                            "Status",
                        )
                    ]
                )
            ),
            rx.table.body(rx.foreach(SaveFlowState.preview_rows, preview_row)),
            size="1",
            width="100%",
            margin_top="12px",
            id="preview-table",
        ),
        width="100%",
        id="flow-preview",
    )


def toolbar() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(
                "What happens after a cart is abandoned: up to seven stages, each on its own "
                "delay and channels, within the courtesy rules below.",
                size="2",
                color_scheme="gray",
                flex="1",
            ),
            save_buttons(SaveFlowState, "flow", "Read only: your role can view the save flow"),
            align="center",
            spacing="4",
            width="100%",
        ),
        form_feedback(SaveFlowState.summary, SaveFlowState.notice, "flow"),
        spacing="3",
        width="100%",
    )


@admin_page(
    route=SAVE_FLOW,
    title="Save flow",
    icon="route",
    order=30,
    section="Recovery",
    on_load=[SaveFlowState.load],
)
def save_flow() -> rx.Component:
    return rx.vstack(
        toolbar(),
        rx.grid(
            timeline(),
            rx.vstack(
                rx.text("Global settings", size="4", weight="bold"),
                settings_panel(),
                spacing="2",
                width="100%",
            ),
            columns="minmax(0, 1.6fr) minmax(280px, 1fr)",
            gap="24px",
            width="100%",
            align_items="start",
        ),
        preview_panel(),
        spacing="5",
        width="100%",
    )
