"""The checkout help settings as one flat form: churn detection, the checkout chat and the
policies it answers from, one string per field keyed `section.path` ("chat.aiCapabilities.
maxDiscountPercent"). Each section is validated by its own model, so the page and the API
refuse the same things with the same messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from cart_admin.domain.chat.config import CheckoutChatConfig
from cart_admin.domain.chat.policies import PoliciesForm
from cart_admin.domain.churn.config import DEFAULT_WEIGHTS, ChurnConfig
from cart_admin.domain.config_store import field_errors
from cart_admin.domain.save_flow.form import FormField, _friendly, _text

SIGNAL_LABELS = {
    "PAYMENT_DECLINED": "Payment declined",
    "MULTIPLE_PAYMENT_ATTEMPTS": "Several payment attempts",
    "PAYMENT_METHOD_SWITCH": "Payment method switched",
    "SHIPPING_COST_SHOCK": "Items removed after seeing shipping",
    "TAX_SHOCK": "Hesitation at tax",
    "DISCOUNT_CODE_FAILURE": "Discount code refused",
    "DISCOUNT_HUNTING": "Discount hunting",
    "POLICY_PAGE_VISIT": "Policy page visited",
    "FAQ_VISIT": "FAQ visited",
    "TAB_SWITCHING": "Switched tabs",
    "LONG_FORM_TIME": "Long time in the cart",
    "FORM_FIELD_ERRORS": "Form field errors",
    "ADDRESS_ISSUES": "Address problems",
    "MOUSE_EXIT_INTENT": "Pointer left through the top",
    "BACK_BUTTON": "Back button",
    "TAB_CLOSE_ATTEMPT": "Tab closed",
    "IDLE_TIMEOUT": "Idle",
}

CHURN_FIELDS = (
    FormField("churn.enabled", "Churn detection on", "bool",
              "Off: the drawer sends no signals and shows no intervention."),
    FormField("churn.exitIntentThreshold", "Exit-intent threshold (risk 0-100)", "int",
              "An exit signal brings the offer once the session's risk reaches this."),
    FormField("churn.exitIntentDiscountPercent", "Exit-intent discount (%)", "number",
              "Never more than the chat's maximum discount, which caps every checkout offer."),
    FormField("churn.freeShippingOffer", "Free shipping on shipping shock", "bool",
              "Items removed once shipping showed: offer free shipping (when it is charged)."),
    FormField("churn.chatHelp", "Offer chat help", "bool",
              "On discount hunting or a struggle with the form: invite the shopper to chat."),
    FormField("churn.idleSeconds", "Idle after (seconds)", "int"),
    FormField("churn.longFormSeconds", "Long time in the cart (seconds)", "int"),
)  # fmt: skip
WEIGHT_FIELDS = tuple(
    FormField(f"churn.weights.{signal}", label, "int") for signal, label in SIGNAL_LABELS.items()
)
CHAT_FIELDS = (
    FormField("chat.enabled", "Checkout chat on", "bool"),
    FormField("chat.position", "Position", "select",
              "inline: no floating button, only the link in the cart's footer.",
              options=("bottom-right", "bottom-left", "inline")),
    FormField("chat.welcomeMessage", "Welcome message", "text"),
    FormField("chat.quickQuestions", "Quick questions", "lines",
              "One per line, at most 8: shown as buttons before the first message."),
    FormField("chat.aiCapabilities.canAnswerShipping", "Answers shipping questions", "bool"),
    FormField("chat.aiCapabilities.canAnswerReturns", "Answers returns questions", "bool"),
    FormField("chat.aiCapabilities.canAnswerPayment", "Answers payment questions", "bool"),
    FormField("chat.aiCapabilities.canApplyDiscounts", "May offer a discount", "bool",
              "Only when the shopper asks, once per cart, never in the holdout group."),
    FormField("chat.aiCapabilities.maxDiscountPercent", "Maximum discount (%)", "number",
              "The cap of every discount offered in checkout: the chat's and the exit-intent's."),
    FormField("chat.escalateToHuman.onRequest", "Hand over when asked for a person", "bool"),
    FormField("chat.escalateToHuman.onFrustration", "Hand over on frustration", "bool",
              "Angry words, or two questions in a row it could not answer."),
    FormField("chat.escalateToHuman.onHighValue", "Hand over high-value carts", "bool",
              "A question it cannot answer on a cart over the threshold goes to a person."),
    FormField("chat.escalateToHuman.highValueThreshold", "High-value threshold", "money"),
)  # fmt: skip
POLICY_FIELDS = (
    FormField("policies.shipping", "Shipping", "textarea",
              "Costs, times, where you ship. Paragraphs separated by a blank line."),
    FormField("policies.returns", "Returns", "textarea"),
    FormField("policies.payment", "Payment", "textarea"),
    FormField("policies.faq", "FAQ", "textarea",
              'Entries separated by a blank line, each "Q: question" then "A: answer".'),
)  # fmt: skip
FIELDS: dict[str, FormField] = {
    f.path: f for f in (*CHURN_FIELDS, *WEIGHT_FIELDS, *CHAT_FIELDS, *POLICY_FIELDS)
}


@dataclass(frozen=True)
class Settings:
    churn: ChurnConfig
    chat: CheckoutChatConfig
    policies: PoliciesForm


@dataclass(frozen=True)
class FormResult:
    settings: Settings | None
    errors: dict[str, str]  # form path -> message


def form_values(settings: Settings) -> dict[str, str]:
    data = {
        "churn": settings.churn.model_dump(mode="json", by_alias=True),
        "chat": settings.chat.model_dump(mode="json", by_alias=True),
        "policies": settings.policies.model_dump(mode="json", by_alias=True),
    }
    for signal, weight in DEFAULT_WEIGHTS.items():
        data["churn"]["weights"].setdefault(str(signal), weight)
    values = {}
    for path, field in FIELDS.items():
        value = _get(data, path)
        values[path] = "\n".join(value) if field.kind == "lines" else _text(value)
    return values


def _get(data: dict, path: str) -> Any:
    for part in path.split("."):
        data = data[part]
    return data


def _section_data(values: dict[str, str], section: str) -> dict:
    data: dict = {}
    for path, field in FIELDS.items():
        if not path.startswith(section + "."):
            continue
        raw = values.get(path, "")
        value: Any = raw if field.kind == "textarea" else raw.strip()
        if field.kind == "bool":
            value = raw == "true"
        elif field.kind == "lines":
            value = [line.strip() for line in raw.splitlines() if line.strip()]
        target = data
        *parents, leaf = path.split(".")[1:]
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = value
    return data


def validate(values: dict[str, str]) -> FormResult:
    """The three settings for the form, or the messages to show at their fields."""
    errors: dict[str, str] = {}
    parsed: dict[str, Any] = {}
    for section, model in (
        ("churn", ChurnConfig),
        ("chat", CheckoutChatConfig),
        ("policies", PoliciesForm),
    ):
        try:
            parsed[section] = model.model_validate(_section_data(values, section))
        except ValidationError as exc:
            for key, message in field_errors(exc, fallback=section).items():
                path = f"{section}.{key}"
                if path not in FIELDS:  # "chat.quickQuestions.2" -> its field
                    path = next((p for p in FIELDS if path.startswith(p + ".")), section)
                errors.setdefault(path, _friendly(message))
    if errors:
        return FormResult(None, errors)
    return FormResult(Settings(**parsed), {})


def error_summary(errors: dict[str, str]) -> list[str]:
    order = list(FIELDS)
    lines = []
    for path, message in sorted(
        errors.items(), key=lambda e: order.index(e[0]) if e[0] in FIELDS else len(order)
    ):
        field = FIELDS.get(path)
        lines.append(f"{field.label}: {message}" if field else message)
    return lines
