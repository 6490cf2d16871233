"""The content page's panels: voice and AI settings, usage, a message as the shopper sees
it, the pinned-version editors and the A/B experiment. Functions of `ContentState` only."""

from __future__ import annotations

import reflex as rx

from cart_admin.models.enums import BrandVoice
from cart_admin.ui.components import card
from cart_admin.ui.pages.content_state import ContentState

S = ContentState

FIELD_LABELS = {"subject": "Subject", "preheader": "Preheader", "headline": "Headline",
                "body": "Body", "cta": "Button", "sms": "SMS text"}  # fmt: skip


def dropdown(options, value, on_change, test_id: str, width: str = "220px") -> rx.Component:
    return rx.select.root(
        rx.select.trigger(width=width, id=test_id),
        rx.select.content(*[rx.select.item(text, value=key) for key, text in options]),
        value=value,
        on_change=on_change,
        size="2",
    )


def _error(errors, key: str) -> rx.Component:
    return rx.cond(errors.contains(key),
                   rx.text(errors[key], size="1", color_scheme="red", role="alert"))  # fmt: skip


def settings_card() -> rx.Component:
    voices = [(str(v), str(v).capitalize()) for v in BrandVoice]
    return card(
        rx.text("Voice and AI", size="4", weight="bold"),
        rx.vstack(
            rx.text("Brand voice", size="2", weight="medium"),
            dropdown(
                voices,
                S.brand_voice,
                lambda v: S.set_setting("brand_voice", v),
                "content-brand-voice",
                "100%",
            ),
            rx.hstack(
                rx.text("Claude writes messages", size="2", weight="medium", flex="1"),
                rx.switch(
                    checked=S.ai_enabled,
                    on_change=lambda c: S.set_setting("ai_enabled", c),
                    disabled=~S.can_write,
                    id="content-ai-enabled",
                ),
                width="100%",
                align="center",
            ),
            rx.cond(
                ~S.ai_configured,
                rx.text(
                    "No ANTHROPIC_API_KEY is set: templates write every message.",
                    size="1",
                    color_scheme="amber",
                ),
            ),
            rx.text("Tone of this stage", size="2", weight="medium"),
            rx.input(
                value=S.stage_tone,
                on_change=lambda v: S.set_setting("stage_tone", v),
                placeholder="e.g. warm, witty",
                read_only=~S.can_write,
                id="content-stage-tone",
            ),
            dropdown(
                [
                    ("default", "Stage default"),
                    ("low", "Low urgency"),
                    ("medium", "Medium urgency"),
                    ("high", "High urgency"),
                ],
                S.stage_urgency,
                lambda v: S.set_setting("stage_urgency", v),
                "content-stage-urgency",
                "100%",
            ),
            rx.text(S.default_style, size="1", color_scheme="gray"),
            rx.foreach(
                S.settings_errors,
                lambda kv: rx.cond(
                    kv[0].contains("stageStyles"), rx.text(kv[1], size="1", color_scheme="red")
                ),
            ),
            rx.text("Monthly token budget", size="2", weight="medium"),
            rx.input(
                value=S.budget,
                on_change=lambda v: S.set_setting("budget", v),
                type="number",
                read_only=~S.can_write,
                id="content-budget",
            ),
            _error(S.settings_errors, "monthlyTokenBudget"),
            rx.text("SMS length (segments, with link and opt-out)", size="2", weight="medium"),
            rx.input(
                value=S.sms_segments,
                on_change=lambda v: S.set_setting("sms_segments", v),
                type="number",
                read_only=~S.can_write,
                id="content-sms-segments",
            ),
            _error(S.settings_errors, "smsMaxSegments"),
            rx.cond(
                S.can_write,
                rx.button("Save settings", on_click=S.save_settings, id="content-save-settings"),
            ),
            rx.cond(
                S.settings_notice != "",
                rx.text(S.settings_notice, size="1", id="content-settings-notice"),
            ),
            spacing="2",
            width="100%",
            margin_top="8px",
        ),
        width="100%",
    )


def usage_card() -> rx.Component:
    return card(
        rx.hstack(
            rx.text("AI usage", size="4", weight="bold"),
            rx.spacer(),
            rx.badge(S.usage["month"], variant="soft"),
            width="100%",
        ),
        rx.text(
            S.usage["tokens"] + " of " + S.usage["budget"] + " tokens",
            size="2",
            margin_top="8px",
            id="content-usage-tokens",
        ),
        rx.progress(
            value=S.usage_percent,
            max=100,
            margin_y="6px",
            color_scheme=rx.cond(S.usage_percent >= 90, "red", "indigo"),
        ),
        rx.text(
            S.usage["cost"]
            + " · "
            + S.usage["requests"]
            + " requests ("
            + S.usage["failed"]
            + " not used)",
            size="1",
            color_scheme="gray",
        ),
        rx.foreach(
            S.usage_rows,
            lambda r: rx.hstack(
                rx.text(r["purpose"], size="1", flex="1"),
                rx.text(r["tokens"], size="1"),
                rx.text(r["cost"], size="1", color_scheme="gray"),
                width="100%",
            ),
        ),
        width="100%",
    )


def message_view(shown, test_id: str) -> rx.Component:
    """A message as the shopper sees it: the e-mail, the SMS, and the checks' verdict."""
    return rx.vstack(
        rx.box(
            rx.text(shown["subject"], size="2", weight="bold"),
            rx.text(shown["preheader"], size="1", color_scheme="gray"),
            rx.divider(margin_y="8px"),
            rx.text(shown["headline"], size="4", weight="bold"),
            rx.text(shown["body"], size="2", white_space="pre-wrap", margin_y="6px"),
            rx.box(
                shown["cta"],
                background="var(--accent-9)",
                color="white",
                padding="6px 14px",
                border_radius="8px",
                display="inline-block",
                font_size="13px",
            ),
            border="1px solid var(--gray-4)",
            border_radius="10px",
            padding="14px",
            width="100%",
            background="var(--gray-1)",
        ),
        rx.box(
            rx.text(shown["sms_text"], size="2"),
            background="var(--green-3)",
            border_radius="14px 14px 14px 4px",
            padding="10px 12px",
            max_width="90%",
        ),
        rx.hstack(
            rx.badge(shown["segments"] + " SMS segment(s)", variant="soft"),
            rx.badge("Triggers: " + shown["triggers"], variant="soft", color_scheme="violet"),
            wrap="wrap",
        ),
        rx.cond(
            shown["failures"] != "",
            rx.callout(
                shown["failures"], icon="triangle-alert", color_scheme="red", size="1", width="100%"
            ),
            rx.callout(
                "Passes every check: offer, code, prices, names, claims, SMS length.",
                icon="circle-check",
                color_scheme="green",
                size="1",
                width="100%",
            ),
        ),
        rx.cond(shown["tokens"] != "", rx.text(shown["tokens"], size="1", color_scheme="gray")),
        rx.cond(shown["notes"] != "", rx.text(shown["notes"], size="1", color_scheme="gray")),
        spacing="2",
        width="100%",
        id=test_id,
    )


def version_editor(variant: str) -> rx.Component:
    low = variant.lower()
    values, errors = getattr(S, f"edit_{low}"), getattr(S, f"errors_{low}")
    pinned, rendered = getattr(S, f"pinned_{low}"), getattr(S, f"rendered_{low}")
    fields = []
    for name, label in FIELD_LABELS.items():
        common = {"value": values[name], "read_only": ~S.can_write, "width": "100%",
                  "on_change": lambda v, name=name: S.edit(variant, name, v),
                  "id": f"version-{low}-{name}"}  # fmt: skip
        control = rx.text_area(rows="4", **common) if name == "body" else rx.input(**common)
        fields.append(rx.vstack(rx.text(label, size="1", weight="medium"), control,
                                _error(errors, name), spacing="1", width="100%"))  # fmt: skip
    opened = getattr(S, f"open_{low}")
    return card(
        rx.flex(
            rx.text(f"Version {variant}", size="3", weight="bold"),
            rx.cond(
                pinned,
                rx.badge("Pinned", color_scheme="green"),
                rx.badge("Not pinned: Claude or the template writes", variant="soft"),
            ),
            rx.spacer(),
            rx.cond(
                S.can_write & opened,
                rx.hstack(
                    rx.button(
                        "Save", size="1", on_click=S.save_version(variant), id=f"version-{low}-save"
                    ),
                    rx.cond(
                        pinned,
                        rx.button(
                            "Unpin",
                            size="1",
                            variant="soft",
                            color_scheme="red",
                            on_click=S.unpin(variant),
                            id=f"version-{low}-unpin",
                        ),
                    ),
                    spacing="2",
                ),
            ),
            wrap="wrap",
            gap="8px",
            width="100%",
            align="center",
        ),
        rx.cond(
            opened,
            rx.vstack(*fields, spacing="2", width="100%", margin_top="8px"),
            rx.vstack(
                rx.text(
                    "Pin the template's or Claude's message above, or write your own; "
                    "placeholders keep it true for every cart.",
                    size="1",
                    color_scheme="gray",
                ),
                rx.cond(
                    S.can_write,
                    rx.button(
                        f"Write version {variant}",
                        size="1",
                        variant="soft",
                        on_click=S.open_editor(variant),
                        id=f"version-{low}-write",
                    ),
                ),
                spacing="2",
                margin_top="8px",
            ),
        ),
        rx.cond(
            rendered.contains("subject"),
            rx.box(
                rx.text(
                    "Filled for the previewed cart", size="1", weight="medium", margin_top="10px"
                ),
                message_view(rendered, f"version-{low}-rendered"),
                width="100%",
            ),
        ),
        width="100%",
        id=f"version-{low}",
    )


def experiment_card() -> rx.Component:
    def row(s):
        return rx.table.row(*[rx.table.cell(s[k]) for k in
                              ("variant", "sent", "opened", "clicked", "converted",
                               "conversionRate")])  # fmt: skip

    return card(
        rx.text("A/B experiment", size="3", weight="bold"),
        rx.text(
            "While version B is pinned, this share of attempts gets B at this stage "
            "(the same attempt always gets the same one); the rest get A.",
            size="1",
            color_scheme="gray",
        ),
        rx.hstack(
            rx.input(
                value=S.split,
                on_change=lambda v: S.set_setting("split", v),
                type="number",
                width="90px",
                read_only=~S.can_write,
                id="content-split",
            ),
            rx.text("% get version B", size="2"),
            rx.cond(S.can_write, rx.button("Save", size="1", on_click=S.save_settings)),
            align="center",
            margin_y="8px",
        ),
        rx.foreach(
            S.settings_errors,
            lambda kv: rx.cond(
                kv[0].contains("experiments"), rx.text(kv[1], size="1", color_scheme="red")
            ),
        ),
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[
                        rx.table.column_header_cell(h)
                        for h in ("Variant", "Sent", "Opened", "Clicked", "Converted", "Rate %")
                    ]
                )
            ),
            rx.table.body(rx.foreach(S.stats, row)),
            size="1",
            width="100%",
        ),
        width="100%",
        id="content-experiment",
    )
