"""Voice calls: who is called and when, the call script, a simulator to try it, the call log.

Settings and script are one form (`domain.voice.form`): what is typed is kept, checked on
every change, and saved only when valid. The page holds no rules of its own.
"""

from __future__ import annotations

import reflex as rx

from cart_admin.domain.voice import form as voice_form
from cart_admin.domain.voice.config import EARLIEST_CALL_HOUR, LATEST_CALL_HOUR
from cart_admin.ui.components import card, form_feedback, labelled_field, save_buttons
from cart_admin.ui.nav import admin_page
from cart_admin.ui.pages.voice_panels import calls_panel, simulator_panel
from cart_admin.ui.pages.voice_state import FOLLOW_UPS, OBJECTIONS, VoiceState

VOICE = "/recovery/voice"
ALWAYS_ON = {"requirePhone"}  # shown for the spec's sake: a call always needs a number
HOURS = [str(h) for h in range(EARLIEST_CALL_HOUR, LATEST_CALL_HOUR + 1)]
SCRIPT_NAMES = {
    "CART_RECOVERY_PERSONAL": "Personal",
    "CART_RECOVERY_DISCOUNT": "Discount",
    "CART_RECOVERY_HELP": "Help",
}
ACTION_LABELS = {
    "OFFER_DISCOUNT": "Offer the discount",
    "OFFER_FREE_SHIPPING": "Offer free shipping",
    "OFFER_LINK": "Offer to text the link",
    "OFFER_CALLBACK_LINK": "Text the link for later",
    "ASK_QUESTIONS": "Listen, then hand over",
    "ESCALATE": "Hand over to a person",
}


def field_id(path: str) -> str:
    return "voice-" + path.replace(".", "-")


def _error(path: str) -> rx.Component:
    return rx.cond(
        VoiceState.errors.contains(path),
        rx.text(
            VoiceState.errors[path],
            size="1",
            color_scheme="red",
            role="alert",
            id=f"{field_id(path)}-error",
        ),
    )


def _priority() -> rx.Component:
    rows = []
    for name, label in SCRIPT_NAMES.items():
        included = VoiceState.priority.contains(name)
        rows.append(
            rx.hstack(
                rx.switch(
                    checked=included,
                    on_change=lambda on, name=name: VoiceState.toggle_script(name, on),
                    disabled=~VoiceState.can_write,
                    id=f"voice-script-{label.lower()}",
                ),
                rx.text(label, size="2", flex="1"),
                rx.cond(
                    included,
                    rx.badge(VoiceState.priority_rank[name], variant="soft"),
                ),
                rx.icon_button(
                    rx.icon("arrow-up", size=14),
                    size="1",
                    variant="ghost",
                    on_click=VoiceState.move_script(name),
                    disabled=~VoiceState.can_write | ~included,
                    aria_label=f"Move {label} up",
                ),
                align="center",
                width="100%",
            )
        )
    return rx.vstack(*rows, spacing="2", width="100%", id=field_id("scriptPriority"))


def control(field: voice_form.FormField) -> rx.Component:
    path, value = field.path, VoiceState.values[field.path]
    read_only = ~VoiceState.can_write
    if field.kind == "bool":
        return rx.switch(
            checked=value == "true",
            on_change=lambda checked: VoiceState.set_flag(path, checked),
            disabled=True if path in ALWAYS_ON else read_only,
            id=field_id(path),
        )
    if field.kind == "hour":
        return rx.select.root(
            rx.select.trigger(width="110px"),
            rx.select.content(*[rx.select.item(f"{h}:00", value=h) for h in HOURS]),
            value=value,
            on_change=lambda v: VoiceState.set_value(path, v),
            disabled=read_only,
            id=field_id(path),
        )
    if field.kind == "priority":
        return _priority()
    if field.kind == "line":
        return rx.text_area(
            value=value,
            on_change=lambda v: VoiceState.set_value(path, v),
            debounce_timeout=300,
            read_only=read_only,
            rows="2",
            width="100%",
            id=field_id(path),
        )
    number = field.kind in ("int", "number", "money")
    return rx.input(
        value=value,
        on_change=lambda v: VoiceState.set_value(path, v),
        debounce_timeout=300,
        type="number" if number else "text",
        step="any" if field.kind in ("number", "money") else None,
        size="2",
        width="100%" if field.kind == "text" else "140px",
        read_only=read_only,
        id=field_id(path),
    )


def labelled(field) -> rx.Component:
    """A label above its control, the hint and the field's error below."""
    return labelled_field(
        field.label, field.hint, control(field), _error(field.path), inline=field.kind == "bool"
    )


def group_card(
    title: str, fields: tuple[voice_form.FormField, ...], *, columns: str = "1"
) -> rx.Component:
    return card(
        rx.text(title, size="3", weight="bold"),
        rx.grid(
            *[labelled(f) for f in fields],
            columns=columns,
            gap="14px",
            width="100%",
            margin_top="10px",
        ),
        width="100%",
        padding="16px",
        id=f"voice-group-{title.lower().replace(' ', '-')}",
    )


def settings_tab() -> rx.Component:
    groups = voice_form.SETTINGS_GROUPS
    return rx.grid(
        *[group_card(title, fields) for title, fields in groups.items()],
        columns="repeat(auto-fit, minmax(280px, 1fr))",
        gap="16px",
        width="100%",
        align="start",
    )


# --- the script ----------------------------------------------------------------------------


def rule_row(base: str, index) -> rx.Component:
    key = f"{base}." + index.to_string()
    trigger, response, action = key + ".trigger", key + ".response", key + ".action"
    price_match = key + ".requiresPriceMatch"
    read_only = ~VoiceState.can_write
    return rx.box(
        rx.hstack(
            rx.vstack(
                rx.text("When they say", size="1", color_scheme="gray"),
                rx.input(
                    value=VoiceState.values[trigger],
                    on_change=lambda v: VoiceState.set_value(trigger, v),
                    debounce_timeout=300,
                    placeholder="price|expensive|cost",
                    read_only=read_only,
                    width="100%",
                    class_name="voice-rule-trigger",
                ),
                spacing="1",
                flex="1",
            ),
            rx.vstack(
                rx.text("Then", size="1", color_scheme="gray"),
                rx.select.root(
                    rx.select.trigger(width="200px"),
                    rx.select.content(
                        *[rx.select.item(label, value=a) for a, label in ACTION_LABELS.items()]
                    ),
                    value=VoiceState.values[action],
                    on_change=lambda v: VoiceState.set_value(action, v),
                    disabled=read_only,
                ),
                spacing="1",
            ),
            rx.icon_button(
                rx.icon("trash-2", size=14),
                variant="ghost",
                color_scheme="gray",
                on_click=VoiceState.remove_rule(base, index),
                disabled=read_only,
                aria_label="Remove this rule",
                margin_top="18px",
            ),
            align="start",
            spacing="3",
            width="100%",
        ),
        rx.text_area(
            value=VoiceState.values[response],
            on_change=lambda v: VoiceState.set_value(response, v),
            debounce_timeout=300,
            read_only=read_only,
            rows="2",
            width="100%",
            margin_top="6px",
            class_name="voice-rule-response",
        ),
        rx.text(
            rx.checkbox(
                checked=VoiceState.values[price_match] == "true",
                on_change=lambda checked: VoiceState.set_flag(price_match, checked),
                disabled=read_only,
            ),
            " Promises price matching: said only when the offer policy has it",
            as_="label",
            size="1",
            color_scheme="gray",
            display="flex",
            align_items="center",
            gap="6px",
            margin_top="4px",
        ),
        rx.cond(
            VoiceState.errors.contains(trigger),
            rx.text(VoiceState.errors[trigger], size="1", color_scheme="red", role="alert"),
        ),
        rx.cond(
            VoiceState.errors.contains(response),
            rx.text(VoiceState.errors[response], size="1", color_scheme="red", role="alert"),
        ),
        padding="10px 0",
        border_bottom="1px solid var(--gray-4)",
        width="100%",
        class_name="voice-rule",
    )


def rules_card(title: str, base: str, indexes, hint: str) -> rx.Component:
    return card(
        rx.hstack(
            rx.vstack(
                rx.text(title, size="3", weight="bold"),
                rx.text(hint, size="1", color_scheme="gray"),
                spacing="0",
                flex="1",
            ),
            rx.cond(
                VoiceState.can_write,
                rx.button(
                    rx.icon("plus", size=14),
                    "Add",
                    size="1",
                    variant="soft",
                    on_click=VoiceState.add_rule(base),
                ),
            ),
            align="center",
            width="100%",
        ),
        rx.foreach(indexes, lambda i: rule_row(base, i)),
        width="100%",
        padding="16px",
        id=f"voice-rules-{title.lower()}",
    )


def placeholders_card() -> rx.Component:
    return card(
        rx.text("Placeholders", size="3", weight="bold"),
        rx.text(
            "Filled from the cart and its offer when the call is made.",
            size="1",
            color_scheme="gray",
        ),
        rx.vstack(
            rx.foreach(
                VoiceState.placeholders,
                lambda p: rx.hstack(
                    rx.code(p["name"], size="1"),
                    rx.text(p["hint"], size="1", color_scheme="gray"),
                    spacing="2",
                    align="center",
                ),
            ),
            spacing="1",
            margin_top="8px",
        ),
        width="100%",
        padding="16px",
    )


def script_tab() -> rx.Component:
    groups = voice_form.SCRIPT_GROUPS
    return rx.grid(
        rx.vstack(
            group_card("Opening", groups["Opening"]),
            group_card("Diagnosis", groups["Diagnosis"]),
            rules_card(
                "Follow-ups",
                FOLLOW_UPS,
                VoiceState.follow_ups,
                "Matched in the answer to the diagnosis question.",
            ),
            rules_card(
                "Objections",
                OBJECTIONS,
                VoiceState.objections,
                "Matched at any point of the call, before the follow-ups.",
            ),
            spacing="4",
            width="100%",
        ),
        rx.vstack(
            placeholders_card(),
            group_card("Closing", groups["Closing"]),
            group_card("Voice", groups["Voice"]),
            spacing="4",
            width="100%",
        ),
        columns="minmax(0, 1.3fr) minmax(280px, 1fr)",
        gap="16px",
        width="100%",
        align="start",
    )


def toolbar() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(
                "High-value abandoned carts get a phone call in the Nuclear offer stage: the "
                "agent asks what held the shopper back and offers what is true for the cart.",
                size="2",
                color_scheme="gray",
                flex="1",
            ),
            save_buttons(VoiceState, "voice", "Read only: your role can view voice recovery"),
            align="center",
            spacing="4",
            width="100%",
        ),
        rx.callout(
            VoiceState.channel,
            icon="phone",
            color_scheme="gray",
            size="1",
            width="100%",
            id="voice-channel",
        ),
        rx.cond(
            VoiceState.calls_off != "",
            rx.callout(
                VoiceState.calls_off,
                icon="phone-off",
                color_scheme="amber",
                size="1",
                width="100%",
                id="voice-off",
            ),
        ),
        form_feedback(VoiceState.summary, VoiceState.notice, "voice"),
        spacing="3",
        width="100%",
    )


@admin_page(
    route=VOICE,
    title="Voice calls",
    icon="phone",
    order=33,
    section="Recovery",
    on_load=[VoiceState.load],
)
def voice() -> rx.Component:
    return rx.vstack(
        toolbar(),
        rx.tabs.root(
            rx.tabs.list(
                rx.tabs.trigger("Settings", value="settings", id="voice-tab-settings"),
                rx.tabs.trigger("Script", value="script", id="voice-tab-script"),
                rx.tabs.trigger("Simulator", value="simulator", id="voice-tab-simulator"),
                rx.tabs.trigger("Calls", value="calls", id="voice-tab-calls"),
            ),
            rx.tabs.content(settings_tab(), value="settings", padding_top="16px"),
            rx.tabs.content(script_tab(), value="script", padding_top="16px"),
            rx.tabs.content(simulator_panel(), value="simulator", padding_top="16px"),
            rx.tabs.content(calls_panel(), value="calls", padding_top="16px"),
            value=VoiceState.tab,
            on_change=VoiceState.set_tab,
            width="100%",
        ),
        spacing="4",
        width="100%",
    )
