"""Attempts: every run of the save flow, filtered and paged, and one attempt's whole story.

The list and the timeline come from `save_flow.queries` (company-scoped SQL); the states only
turn them into display strings.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

import reflex as rx

from cart_admin.db import session_scope
from cart_admin.domain.analytics.periods import FIRST_DAY, LAST_DAY
from cart_admin.domain.save_flow.queries import (
    AttemptFilters,
    TimelineMessage,
    attempt_timeline,
    list_attempts,
)
from cart_admin.domain.save_flow.stages import BY_STAGE, STAGES
from cart_admin.domain.tenancy import NotFound
from cart_admin.models import CartAbandonmentReason, CartSaveStage, CartSaveStatus, Channel
from cart_admin.ui import format as fmt
from cart_admin.ui.components import card
from cart_admin.ui.layout import shell
from cart_admin.ui.nav import NAV_ITEMS, admin_page
from cart_admin.ui.routes import FAVICON
from cart_admin.ui.state import AuthState

ATTEMPTS = "/recovery/attempts"
ATTEMPT_DETAIL = "/recovery/attempts/detail"
PAGE_SIZE = 25
ANY = "ANY"  # a select's "no filter" value (Radix selects cannot hold "")

STATUS_COLORS = {
    "IN_PROGRESS": "blue",
    "PAUSED": "amber",
    "COMPLETED": "green",
    "CONVERTED": "green",
    "EXHAUSTED": "gray",
    "EXPIRED": "gray",
    "CANCELLED": "gray",
    "PENDING": "gray",
    "ACTIVE": "blue",
}
MESSAGE_COLORS = {
    "SCHEDULED": "gray",
    "SENDING": "blue",
    "SENT": "blue",
    "DELIVERED": "blue",
    "OPENED": "cyan",
    "CLICKED": "violet",
    "EXECUTED": "blue",
    "CONVERTED": "green",
    "FAILED": "red",
    "EXPIRED": "gray",
    "CANCELLED": "gray",
}
STAGE_OPTIONS = [(spec.stage.value, spec.title) for spec in STAGES]
STATUS_OPTIONS = [
    (s.value, s.value.replace("_", " ").capitalize())
    for s in (
        CartSaveStatus.IN_PROGRESS,
        CartSaveStatus.PAUSED,
        CartSaveStatus.COMPLETED,
        CartSaveStatus.EXHAUSTED,
        CartSaveStatus.EXPIRED,
        CartSaveStatus.CANCELLED,
    )
]
CHANNEL_OPTIONS = [
    (c.value, {"IN_APP": "In-app", "EMAIL": "E-mail"}.get(c.value, c.value.title()))
    for c in Channel
]
UNKNOWN_REASON = "UNKNOWN"  # no survey answer nor inference: the dashboard's "Unknown" bar
REASON_OPTIONS = [
    *((r.value, r.value.replace("_", " ").capitalize()) for r in CartAbandonmentReason),
    (UNKNOWN_REASON, "No reason known"),
]
BY_STAGE_KEYS = {spec.stage.value for spec in STAGES}
CHANNEL_KEYS = {c.value for c in Channel}
REASON_KEYS = {key for key, _ in REASON_OPTIONS}


def label(value: str | None) -> str:
    return (value or "").replace("_", " ").capitalize()


def _day(text: str) -> date | None:
    """A link's date, only within the days a report may cover (else ignored)."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.strip()) if text.strip() else None
    except InvalidOperation:
        return None


class AttemptsState(rx.State):
    rows: list[dict[str, str]] = []
    total: int = 0
    offset: int = 0
    stage: str = ANY
    status: str = ANY
    channel: str = ANY
    reason: str = ANY
    search: str = ""
    min_value: str = ""
    max_value: str = ""
    # Set by the analytics dashboard's drill-down links (?reached=&from=&to=&holdout=).
    reached: str = ""
    started_from: str = ""
    started_to: str = ""
    holdout: str = ""

    @rx.var
    def drill_text(self) -> str:
        """What the dashboard's link narrowed the list to, in words ('' when nothing)."""
        parts = []
        if self.reached in BY_STAGE_KEYS:
            parts.append(f"reached {BY_STAGE[CartSaveStage(self.reached)].title}")
        start, end = _day(self.started_from), _day(self.started_to)
        if start and end:
            parts.append(f"started {start:%b %-d} – {end:%b %-d, %Y}")
        if self.holdout:
            parts.append("holdout only" if self.holdout == "true" else "treated only")
        return "Attempts that " + ", ".join(parts) if parts else ""

    @rx.var
    def range_text(self) -> str:
        if not self.total:
            return "No attempts match."
        last = min(self.offset + PAGE_SIZE, self.total)
        return f"{self.offset + 1}–{last} of {self.total:,}"

    @rx.var
    def has_previous(self) -> bool:
        return self.offset > 0

    @rx.var
    def has_next(self) -> bool:
        return self.offset + PAGE_SIZE < self.total

    def _filters(self) -> AttemptFilters:
        start, end = _day(self.started_from), _day(self.started_to)
        return AttemptFilters(
            reached_stage=CartSaveStage(self.reached) if self.reached in BY_STAGE_KEYS else None,
            started_from=_midnight(start) if start else None,
            started_before=_midnight(end + timedelta(days=1)) if end else None,
            holdout={"true": True, "false": False}.get(self.holdout),
            stage=CartSaveStage(self.stage) if self.stage != ANY else None,
            status=CartSaveStatus(self.status) if self.status != ANY else None,
            channel=Channel(self.channel) if self.channel != ANY else None,
            reason=CartAbandonmentReason(self.reason)
            if self.reason not in (ANY, UNKNOWN_REASON)
            else None,
            no_reason=self.reason == UNKNOWN_REASON,
            min_value=_decimal(self.min_value),
            max_value=_decimal(self.max_value),
            search=self.search[:100],
        )

    @rx.event
    def from_link(self):
        """Take the filters a dashboard link carries; unknown values are ignored."""
        query = self.router.url.query_parameters
        self._reset_filters()
        self.offset = 0
        self.reached = query.get("reached", "") if query.get("reached") in BY_STAGE_KEYS else ""
        if query.get("channel") in CHANNEL_KEYS:
            self.channel = query["channel"]
        if query.get("reason") in REASON_KEYS:
            self.reason = query["reason"]
        if _day(query.get("from", "")) and _day(query.get("to", "")):
            self.started_from, self.started_to = query["from"], query["to"]
        self.holdout = query.get("holdout", "") if query.get("holdout") in ("true", "false") else ""
        return AttemptsState.load

    @rx.event
    async def load(self):
        auth_state = await self.get_state(AuthState)
        if not auth_state.company_id:
            return
        currency = auth_state.company_currency
        with session_scope() as session:
            page = list_attempts(
                session,
                auth_state.company_id,
                self._filters(),
                limit=PAGE_SIZE,
                offset=self.offset,
            )
        self.total = page.total
        self.rows = [
            {
                "id": r.id,
                "customer": r.customer_name,
                "email": r.customer_email,
                "value": fmt.money(r.cart_value, currency),
                "stage": BY_STAGE[r.stage].title,
                "status": r.status.value,
                "status_label": label(r.status.value),
                "outcome": label(r.outcome.value) if r.outcome else "",
                "reason": label(r.reason.value) if r.reason else "",
                "holdout": "true" if r.is_holdout else "",
                "started": fmt.when(r.started_at),
                "messages": str(r.messages_sent),
                "href": f"{ATTEMPT_DETAIL}?id={r.id}",
            }
            for r in page.rows
        ]

    def _filter_changed(self):
        self.offset = 0
        return AttemptsState.load

    @rx.event
    def set_stage(self, value: str):
        self.stage = value
        return self._filter_changed()

    @rx.event
    def set_status(self, value: str):
        self.status = value
        return self._filter_changed()

    @rx.event
    def set_channel(self, value: str):
        self.channel = value
        return self._filter_changed()

    @rx.event
    def set_reason(self, value: str):
        self.reason = value
        return self._filter_changed()

    @rx.event
    def set_search(self, value: str):
        self.search = value
        return self._filter_changed()

    @rx.event
    def set_min_value(self, value: str):
        self.min_value = value
        return self._filter_changed()

    @rx.event
    def set_max_value(self, value: str):
        self.max_value = value
        return self._filter_changed()

    @rx.event
    def clear_filters(self):
        self._reset_filters()
        return self._filter_changed()

    def _reset_filters(self) -> None:
        self.stage = self.status = self.channel = self.reason = ANY
        self.search = self.min_value = self.max_value = ""
        self.reached = self.started_from = self.started_to = self.holdout = ""

    @rx.event
    def previous_page(self):
        self.offset = max(0, self.offset - PAGE_SIZE)
        return AttemptsState.load

    @rx.event
    def next_page(self):
        if self.offset + PAGE_SIZE < self.total:
            self.offset += PAGE_SIZE
        return AttemptsState.load


def status_badge(status, text) -> rx.Component:
    return rx.match(
        status,
        *[
            (name, rx.badge(text, color_scheme=color, variant="soft"))
            for name, color in STATUS_COLORS.items()
        ],
        rx.badge(text, variant="soft"),
    )


def select_filter(placeholder: str, options, value, on_change, test_id: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(placeholder=placeholder, min_width="140px", id=test_id),
        rx.select.content(
            rx.select.item(f"Any {placeholder.lower()}", value=ANY),
            *[rx.select.item(text, value=key) for key, text in options],
        ),
        value=value,
        on_change=on_change,
        size="2",
    )


def filter_bar() -> rx.Component:
    s = AttemptsState
    return rx.flex(
        rx.input(
            rx.input.slot(rx.icon("search", size=14)),
            placeholder="Name or e-mail",
            value=s.search,
            on_change=s.set_search,
            debounce_timeout=300,
            width="210px",
            id="filter-search",
        ),
        select_filter("Stage", STAGE_OPTIONS, s.stage, s.set_stage, "filter-stage"),
        select_filter("Status", STATUS_OPTIONS, s.status, s.set_status, "filter-status"),
        select_filter("Channel", CHANNEL_OPTIONS, s.channel, s.set_channel, "filter-channel"),
        select_filter("Reason", REASON_OPTIONS, s.reason, s.set_reason, "filter-reason"),
        rx.input(
            placeholder="Min $",
            value=s.min_value,
            on_change=s.set_min_value,
            debounce_timeout=400,
            input_mode="decimal",
            width="90px",
            id="filter-min",
        ),
        rx.input(
            placeholder="Max $",
            value=s.max_value,
            on_change=s.set_max_value,
            debounce_timeout=400,
            input_mode="decimal",
            width="90px",
            id="filter-max",
        ),
        rx.button("Clear", variant="ghost", color_scheme="gray", on_click=s.clear_filters),
        gap="8px",
        wrap="wrap",
        align="center",
        width="100%",
    )


def attempt_row(row: dict) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.link(row["customer"], href=row["href"], weight="medium", size="2"),
            rx.text(row["email"], size="1", color_scheme="gray"),
        ),
        rx.table.cell(rx.text(row["value"], size="2"), text_align="right"),
        rx.table.cell(
            rx.badge(row["stage"], variant="outline", class_name="stage-badge"),
            rx.cond(row["reason"] != "", rx.text(row["reason"], size="1", color_scheme="gray")),
        ),
        rx.table.cell(
            status_badge(row["status"], row["status_label"]),
            rx.cond(row["outcome"] != "", rx.text(row["outcome"], size="1", color_scheme="gray")),
        ),
        rx.table.cell(
            rx.cond(
                row["holdout"] == "true",
                rx.tooltip(
                    rx.badge("Holdout", color_scheme="purple", variant="surface"),
                    content="Control group: never contacted, measured only",
                ),
                rx.text("—", color_scheme="gray", size="2"),
            )
        ),
        rx.table.cell(rx.text(row["started"], size="2", white_space="nowrap")),
        rx.table.cell(rx.text(row["messages"], size="2"), text_align="right"),
        on_click=rx.redirect(row["href"]),
        cursor="pointer",
        _hover={"background": "var(--gray-2)"},
        class_name="attempt-row",
    )


def attempts_table() -> rx.Component:
    headers = ("Customer", "Value", "Stage", "Status", "Holdout", "Started", "Messages")
    return card(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[
                        rx.table.column_header_cell(
                            h, text_align="right" if h in ("Value", "Messages") else "left"
                        )
                        for h in headers
                    ]
                )
            ),
            rx.table.body(rx.foreach(AttemptsState.rows, attempt_row)),
            width="100%",
            size="2",
            id="attempts-table",
        ),
        rx.hstack(
            rx.text(AttemptsState.range_text, size="2", color_scheme="gray", id="attempts-range"),
            rx.spacer(),
            rx.button(
                rx.icon("chevron-left", size=14),
                "Previous",
                variant="soft",
                color_scheme="gray",
                on_click=AttemptsState.previous_page,
                disabled=~AttemptsState.has_previous,
                id="attempts-previous",
            ),
            rx.button(
                "Next",
                rx.icon("chevron-right", size=14),
                variant="soft",
                color_scheme="gray",
                on_click=AttemptsState.next_page,
                disabled=~AttemptsState.has_next,
                id="attempts-next",
            ),
            align="center",
            width="100%",
            margin_top="12px",
        ),
        width="100%",
        padding="8px 16px 16px",
    )


@admin_page(
    route=ATTEMPTS,
    title="Attempts",
    icon="list-checks",
    order=31,
    section="Recovery",
    on_load=[AttemptsState.from_link],
)
def attempts() -> rx.Component:
    return rx.vstack(
        rx.text(
            "Every abandoned cart the save flow works on. Open one to see each message, its "
            "offer and what the shopper did with it.",
            size="2",
            color_scheme="gray",
        ),
        rx.cond(
            AttemptsState.drill_text != "",
            rx.callout(
                rx.flex(
                    rx.text(AttemptsState.drill_text, id="drill-text"),
                    rx.button(
                        "Show all", size="1", variant="soft", on_click=AttemptsState.clear_filters
                    ),
                    gap="3",
                    align="center",
                ),
                icon="chart-bar",
                size="1",
                width="100%",
            ),
            rx.fragment(),
        ),
        filter_bar(),
        attempts_table(),
        spacing="4",
        width="100%",
    )


# --- one attempt -------------------------------------------------------------------------------


def _message_dict(m: TimelineMessage) -> dict[str, str]:
    events = [
        ("Scheduled", m.scheduled_at),
        ("Sent", m.sent_at),
        ("Opened", m.opened_at),
        ("Clicked", m.clicked_at),
        ("Converted", m.converted_at),
    ]
    return {
        "id": m.id,
        "stage": BY_STAGE[m.stage].title + (f" · message {m.step + 1}" if m.step else ""),
        "channel": {"IN_APP": "In-app", "EMAIL": "E-mail"}.get(m.channel.value, m.channel.value),
        "status": m.status.value,
        "status_label": label(m.status.value),
        "color": MESSAGE_COLORS.get(m.status.value, "gray"),
        "events": " · ".join(f"{name} {fmt.when(at)}" for name, at in events if at),
        "subject": m.subject,
        "headline": m.headline if m.headline != m.subject else "",
        "body": m.body,
        "offer": m.offer_label,
        "code": m.offer_code or "",
        "error": m.error or "",
        "deferred": m.deferred,
        "tries": str(m.delivery_attempts) if m.delivery_attempts > 1 else "",
    }


class AttemptDetailState(rx.State):
    found: bool = False
    loaded: bool = False
    summary: dict[str, str] = {}
    lines: list[dict[str, str]] = []
    stages: list[dict[str, str]] = []
    messages: list[dict[str, str]] = []

    @rx.event
    async def load(self):
        auth_state = await self.get_state(AuthState)
        if not auth_state.company_id:
            return
        attempt_id = self.router.url.query_parameters.get("id", "")
        currency = auth_state.company_currency
        self.loaded = True
        try:
            with session_scope() as session:
                t = attempt_timeline(session, auth_state.company_id, attempt_id)
        except NotFound:
            self.found, self.summary, self.lines, self.stages, self.messages = (
                False,
                {},
                [],
                [],
                [],
            )
            return
        a = t.attempt
        self.found = True
        self.summary = {
            "customer": t.customer_name,
            "email": t.customer_email or "no e-mail",
            "value": fmt.money(a.cart_value, currency),
            "stage": BY_STAGE[a.current_stage].title,
            "status": a.status.value,
            "status_label": label(a.status.value),
            "outcome": label(a.outcome.value) if a.outcome else "",
            "reason": label(a.diagnosis_reason.value) if a.diagnosis_reason else "not answered",
            "holdout": "true" if a.is_holdout else "",
            "started": fmt.when(a.started_at),
            "completed": fmt.when(a.completed_at) if a.completed_at else "",
            "timezone": t.customer_timezone or "",
            "recovered": fmt.money(a.recovered_value, currency) if a.recovered_value else "",
        }
        self.lines = [
            {
                "name": line.name,
                "quantity": str(line.quantity),
                "price": fmt.money(line.unit_price, t.currency),
            }
            for line in t.lines
        ]
        self.stages = [
            {"stage": BY_STAGE[s.stage].title, "at": fmt.when(s.entered_at), "note": s.note}
            for s in t.stages
        ]
        self.messages = [_message_dict(m) for m in t.messages]


def fact(name: str, value) -> rx.Component:
    return rx.vstack(
        rx.text(name, size="1", color_scheme="gray"),
        rx.text(value, size="2", weight="medium"),
        spacing="0",
    )


def summary_card() -> rx.Component:
    s = AttemptDetailState.summary
    return card(
        rx.hstack(
            rx.vstack(
                rx.text(s["customer"], size="5", weight="bold", id="attempt-customer"),
                rx.text(s["email"], size="2", color_scheme="gray"),
                spacing="0",
                flex="1",
            ),
            rx.cond(
                s["holdout"] == "true",
                rx.badge("Holdout: never contacted", color_scheme="purple", size="2"),
            ),
            status_badge(s["status"], s["status_label"]),
            align="center",
            spacing="3",
            width="100%",
        ),
        rx.grid(
            fact("Cart value", s["value"]),
            fact("Current stage", s["stage"]),
            fact("Reason", s["reason"]),
            fact("Started", s["started"]),
            fact("Outcome", rx.cond(s["outcome"] != "", s["outcome"], "running")),
            fact("Recovered", rx.cond(s["recovered"] != "", s["recovered"], "—")),
            columns="repeat(auto-fill, minmax(150px, 1fr))",
            gap="16px",
            width="100%",
            margin_top="16px",
        ),
        rx.vstack(
            rx.text("Cart", size="2", weight="bold"),
            rx.foreach(
                AttemptDetailState.lines,
                lambda line: rx.hstack(
                    rx.text(line["name"], size="2", flex="1"),
                    rx.text("× ", line["quantity"], size="2", color_scheme="gray"),
                    rx.text(line["price"], size="2", width="80px", text_align="right"),
                    width="100%",
                ),
            ),
            spacing="1",
            width="100%",
            margin_top="16px",
        ),
        width="100%",
    )


def stage_history() -> rx.Component:
    return card(
        rx.text("Stages", size="3", weight="bold"),
        rx.vstack(
            rx.foreach(
                AttemptDetailState.stages,
                lambda s: rx.hstack(
                    rx.box(
                        width="8px",
                        height="8px",
                        border_radius="999px",
                        background="var(--accent-9)",
                        margin_top="6px",
                    ),
                    rx.vstack(
                        rx.text(s["stage"], size="2", weight="medium"),
                        rx.text(s["at"], size="1", color_scheme="gray"),
                        rx.cond(s["note"] != "", rx.text(s["note"], size="1", color_scheme="gray")),
                        spacing="0",
                    ),
                    spacing="3",
                    align="start",
                ),
            ),
            spacing="3",
            margin_top="10px",
            id="attempt-stages",
        ),
        width="100%",
    )


def message_card(m: dict) -> rx.Component:
    return card(
        rx.hstack(
            rx.text(m["stage"], size="3", weight="bold", flex="1"),
            rx.badge(m["channel"], variant="outline"),
            rx.badge(m["status_label"], color_scheme=m["color"], variant="soft"),
            align="center",
            spacing="2",
            width="100%",
        ),
        rx.text(m["events"], size="1", color_scheme="gray", margin_top="4px"),
        rx.cond(
            m["subject"] != "", rx.text(m["subject"], size="2", weight="medium", margin_top="10px")
        ),
        rx.cond(m["headline"] != "", rx.text(m["headline"], size="2")),
        rx.cond(
            m["body"] != "", rx.text(m["body"], size="2", color_scheme="gray", margin_top="4px")
        ),
        rx.cond(
            m["offer"] != "",
            rx.hstack(
                rx.icon("ticket-percent", size=14),
                rx.text(m["offer"], size="2"),
                rx.cond(m["code"] != "", rx.code(m["code"], size="2")),
                align="center",
                spacing="2",
                margin_top="8px",
            ),
        ),
        rx.cond(
            m["deferred"] != "",
            rx.text("Deferred: ", m["deferred"], size="1", color_scheme="amber", margin_top="6px"),
        ),
        rx.cond(
            m["tries"] != "", rx.text("Delivery tries: ", m["tries"], size="1", color_scheme="gray")
        ),
        rx.cond(
            m["error"] != "",
            rx.callout(
                m["error"], icon="circle-alert", color_scheme="red", size="1", margin_top="8px"
            ),
        ),
        width="100%",
        padding="14px 16px",
        class_name="message-card",
    )


def attempt_detail_content() -> rx.Component:
    return rx.vstack(
        rx.link(
            rx.hstack(
                rx.icon("arrow-left", size=14),
                rx.text("All attempts", size="2"),
                align="center",
                spacing="1",
            ),
            href=ATTEMPTS,
        ),
        rx.cond(
            AttemptDetailState.found,
            rx.vstack(
                summary_card(),
                rx.grid(
                    stage_history(),
                    rx.vstack(
                        rx.text("Messages", size="3", weight="bold"),
                        rx.cond(
                            AttemptDetailState.messages.length() > 0,
                            rx.foreach(AttemptDetailState.messages, message_card),
                            rx.text(
                                "No message was scheduled (holdout, or not started).",
                                size="2",
                                color_scheme="gray",
                            ),
                        ),
                        spacing="3",
                        width="100%",
                        id="attempt-messages",
                    ),
                    columns="minmax(220px, 280px) minmax(0, 1fr)",
                    gap="20px",
                    width="100%",
                    align_items="start",
                ),
                spacing="4",
                width="100%",
            ),
            rx.cond(
                AttemptDetailState.loaded,
                rx.callout(
                    "This attempt does not exist or belongs to another company.",
                    icon="info",
                    id="attempt-missing",
                ),
            ),
        ),
        spacing="4",
        width="100%",
    )


def attempt_detail() -> rx.Component:
    return shell(
        attempt_detail_content(), title="Attempt", nav_items=NAV_ITEMS, active_route=ATTEMPTS
    )


# Not a sidebar entry: it is reached from the list, and the sidebar marks "Attempts".
rx.page(
    route=ATTEMPT_DETAIL,
    title="Attempt · Cart Admin",
    image=FAVICON,
    on_load=[AuthState.require_login, AttemptDetailState.load],
)(attempt_detail)
