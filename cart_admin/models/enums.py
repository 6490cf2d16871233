"""Every status, stage and kind the product stores, named as in the specification.

Stored as their string values (VARCHAR, not native enums) so a later value needs no
ALTER TYPE; the Python enum is the one source of the allowed values.
"""

from __future__ import annotations

from enum import StrEnum

# --- store -----------------------------------------------------------------------------


class UserRole(StrEnum):
    OWNER = "owner"  # everything, including users and API keys
    MARKETER = "marketer"  # themes, flows, content
    ANALYST = "analyst"  # read-only analytics


class ProductStatus(StrEnum):
    ACTIVE = "ACTIVE"
    DRAFT = "DRAFT"
    ARCHIVED = "ARCHIVED"


class BundleStatus(StrEnum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


class LandingPageStatus(StrEnum):
    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"
    ARCHIVED = "ARCHIVED"


class DiscountKind(StrEnum):
    PERCENT = "PERCENT"  # value is a percentage of the subtotal
    FIXED = "FIXED"  # value is an amount off the subtotal
    FREE_SHIPPING = "FREE_SHIPPING"


class CartStatus(StrEnum):
    ACTIVE = "ACTIVE"
    ABANDONED = "ABANDONED"
    CONVERTED = "CONVERTED"
    EXPIRED = "EXPIRED"


# --- save flow (spec §2, §10; deployment plan §2) ----------------------------------------


class CartSaveStage(StrEnum):
    """The seven stages, in flow order."""

    BROWSE_REMINDER = "BROWSE_REMINDER"  # 0-30 min: "Still shopping?"
    PATTERN_INTERRUPT = "PATTERN_INTERRUPT"  # 30 min-2 h: cart contents + value
    DIAGNOSIS_SURVEY = "DIAGNOSIS_SURVEY"  # 2-6 h: "What's holding you back?"
    BRANCHING_INTERVENTION = "BRANCHING_INTERVENTION"  # 6-24 h: by diagnosis
    NUCLEAR_OFFER = "NUCLEAR_OFFER"  # 24-48 h: best offer + urgency (+ voice)
    LOSS_VISUALIZATION = "LOSS_VISUALIZATION"  # 48-72 h: what they'll miss
    WINBACK_SEQUENCE = "WINBACK_SEQUENCE"  # 72 h+: multi-touch drip


class CartAbandonmentReason(StrEnum):
    TOO_EXPENSIVE = "TOO_EXPENSIVE"
    SHIPPING_COST = "SHIPPING_COST"
    JUST_BROWSING = "JUST_BROWSING"
    NEED_MORE_INFO = "NEED_MORE_INFO"
    PAYMENT_ISSUES = "PAYMENT_ISSUES"
    COMPARING_OPTIONS = "COMPARING_OPTIONS"
    SAVING_FOR_LATER = "SAVING_FOR_LATER"
    OTHER = "OTHER"


class CartSaveStatus(StrEnum):
    """Union of both spec files.

    The engine uses IN_PROGRESS while a flow runs and PAUSED while a returning shopper is
    active; it ends in COMPLETED (see the outcome), EXHAUSTED, EXPIRED or CANCELLED.
    PENDING, ACTIVE and CONVERTED are the deployment plan's names, kept readable.
    """

    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    IN_PROGRESS = "IN_PROGRESS"
    PAUSED = "PAUSED"
    CONVERTED = "CONVERTED"
    COMPLETED = "COMPLETED"
    EXHAUSTED = "EXHAUSTED"
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"


class CartSaveOutcome(StrEnum):
    CONVERTED = "CONVERTED"
    SAVED_WITH_DISCOUNT = "SAVED_WITH_DISCOUNT"
    SAVED_WITHOUT_DISCOUNT = "SAVED_WITHOUT_DISCOUNT"
    PAUSED = "PAUSED"
    CANCELLED = "CANCELLED"
    EXHAUSTED = "EXHAUSTED"
    EXPIRED = "EXPIRED"


class InterventionStatus(StrEnum):
    """Union of `CartInterventionStatus` (deployment plan) and `InterventionStatus` (spec)."""

    SCHEDULED = "SCHEDULED"
    SENDING = "SENDING"
    SENT = "SENT"
    DELIVERED = "DELIVERED"
    OPENED = "OPENED"
    CLICKED = "CLICKED"
    EXECUTED = "EXECUTED"
    CONVERTED = "CONVERTED"
    FAILED = "FAILED"
    EXPIRED = "EXPIRED"
    CANCELLED = "CANCELLED"


# The deployment plan's name for the same enum.
CartInterventionStatus = InterventionStatus


class Channel(StrEnum):
    EMAIL = "EMAIL"
    SMS = "SMS"
    PUSH = "PUSH"
    VOICE = "VOICE"
    IN_APP = "IN_APP"


class InterventionType(StrEnum):
    """What an intervention offers or shows: stage messages, diagnosis branches, checkout."""

    # Stage messages
    CART_REMINDER = "CART_REMINDER"
    CART_SUMMARY = "CART_SUMMARY"
    DIAGNOSIS_SURVEY = "DIAGNOSIS_SURVEY"
    BEST_OFFER = "BEST_OFFER"
    LOSS_VISUALIZATION = "LOSS_VISUALIZATION"
    WINBACK = "WINBACK"
    VOICE_CALL = "VOICE_CALL"
    # Diagnosis branches (spec §2 DIAGNOSIS_BRANCHES)
    PERCENTAGE_DISCOUNT = "PERCENTAGE_DISCOUNT"
    PAYMENT_PLAN = "PAYMENT_PLAN"
    BUDGET_ALTERNATIVE = "BUDGET_ALTERNATIVE"
    FREE_SHIPPING = "FREE_SHIPPING"
    THRESHOLD_REMINDER = "THRESHOLD_REMINDER"
    LOCAL_PICKUP = "LOCAL_PICKUP"
    PRODUCT_FAQ = "PRODUCT_FAQ"
    REVIEWS_SHOWCASE = "REVIEWS_SHOWCASE"
    VIDEO_DEMO = "VIDEO_DEMO"
    LIVE_CHAT = "LIVE_CHAT"
    COMPARISON_CHART = "COMPARISON_CHART"
    PRICE_MATCH = "PRICE_MATCH"
    UNIQUE_VALUE = "UNIQUE_VALUE"
    WISHLIST_SAVE = "WISHLIST_SAVE"
    PRICE_DROP_ALERT = "PRICE_DROP_ALERT"
    RESTOCK_ALERT = "RESTOCK_ALERT"
    FREE_GIFT = "FREE_GIFT"
    # Real-time checkout interventions (spec §5)
    EXIT_INTENT = "EXIT_INTENT"
    FREE_SHIPPING_OFFER = "FREE_SHIPPING_OFFER"
    DISCOUNT_HELP = "DISCOUNT_HELP"
    CHECKOUT_HELP = "CHECKOUT_HELP"


# --- voice (spec §7, §10) ---------------------------------------------------------------


class VoiceCallOutcome(StrEnum):
    RECOVERED = "RECOVERED"
    DISCOUNT_ACCEPTED = "DISCOUNT_ACCEPTED"
    CALLBACK_REQUESTED = "CALLBACK_REQUESTED"
    DECLINED = "DECLINED"
    NO_ANSWER = "NO_ANSWER"
    VOICEMAIL = "VOICEMAIL"
    ESCALATED = "ESCALATED"
    DISCONNECTED = "DISCONNECTED"


class VoiceCallStatus(StrEnum):
    """The call's life; UNKNOWN marks a call whose result a crash lost (never redialled)."""

    QUEUED = "QUEUED"
    INITIATED = "INITIATED"
    RINGING = "RINGING"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    BUSY = "BUSY"
    NO_ANSWER = "NO_ANSWER"
    FAILED = "FAILED"
    CANCELED = "CANCELED"
    UNKNOWN = "UNKNOWN"


class VoiceScriptType(StrEnum):
    CART_RECOVERY = "CART_RECOVERY"
    CART_RECOVERY_PERSONAL = "CART_RECOVERY_PERSONAL"
    CART_RECOVERY_DISCOUNT = "CART_RECOVERY_DISCOUNT"
    CART_RECOVERY_HELP = "CART_RECOVERY_HELP"


class Sentiment(StrEnum):
    POSITIVE = "POSITIVE"
    NEUTRAL = "NEUTRAL"
    NEGATIVE = "NEGATIVE"


# --- engagement: upsells and triggers (spec §3, §4) -----------------------------------


class CartUpsellType(StrEnum):
    COMPLEMENTARY = "COMPLEMENTARY"
    BUNDLE_UPGRADE = "BUNDLE_UPGRADE"
    QUANTITY_DISCOUNT = "QUANTITY_DISCOUNT"
    FREE_SHIPPING_ADD = "FREE_SHIPPING_ADD"
    FREE_GIFT_THRESHOLD = "FREE_GIFT_THRESHOLD"
    PREMIUM_VERSION = "PREMIUM_VERSION"
    SUBSCRIPTION = "SUBSCRIPTION"
    SHIPPING_PROTECTION = "SHIPPING_PROTECTION"
    WARRANTY = "WARRANTY"


class UpsellPosition(StrEnum):
    CART_DRAWER = "CART_DRAWER"
    CHECKOUT = "CHECKOUT"
    POST_PURCHASE = "POST_PURCHASE"


class BehavioralTrigger(StrEnum):
    """MI's 13 behavioural triggers."""

    SCARCITY = "SCARCITY"  # real low stock
    URGENCY = "URGENCY"  # real hold expiry / offer expiry
    SOCIAL_PROOF = "SOCIAL_PROOF"  # real ratings, reviews, live viewers
    RECIPROCITY = "RECIPROCITY"  # a gift: free shipping progress, a bonus
    AUTHORITY = "AUTHORITY"  # trust signals, guarantees, awards
    LOSS_AVERSION = "LOSS_AVERSION"  # what you lose by removing / leaving
    ANCHORING = "ANCHORING"  # compare-at price next to the price
    COMMITMENT = "COMMITMENT"  # you already chose these
    ENDOWMENT = "ENDOWMENT"  # "your cart", saved for you
    GOAL_GRADIENT = "GOAL_GRADIENT"  # "71% of the way to free shipping"
    PERSONALIZATION = "PERSONALIZATION"  # by name, by past orders
    CURIOSITY = "CURIOSITY"  # pattern interrupt, unfinished business
    EXCLUSIVITY = "EXCLUSIVITY"  # a private, single-use offer


class TriggerPlacement(StrEnum):
    CART_HEADER = "CART_HEADER"
    CART_ITEM = "CART_ITEM"
    CART_FOOTER = "CART_FOOTER"
    CHECKOUT = "CHECKOUT"
    REMOVE_MODAL = "REMOVE_MODAL"
    EMAIL = "EMAIL"
    SMS = "SMS"


# --- checkout churn (spec §5) ---------------------------------------------------------


class CheckoutChurnSignal(StrEnum):
    PAYMENT_DECLINED = "PAYMENT_DECLINED"
    MULTIPLE_PAYMENT_ATTEMPTS = "MULTIPLE_PAYMENT_ATTEMPTS"
    PAYMENT_METHOD_SWITCH = "PAYMENT_METHOD_SWITCH"
    SHIPPING_COST_SHOCK = "SHIPPING_COST_SHOCK"
    TAX_SHOCK = "TAX_SHOCK"
    DISCOUNT_CODE_FAILURE = "DISCOUNT_CODE_FAILURE"
    DISCOUNT_HUNTING = "DISCOUNT_HUNTING"
    POLICY_PAGE_VISIT = "POLICY_PAGE_VISIT"
    FAQ_VISIT = "FAQ_VISIT"
    TAB_SWITCHING = "TAB_SWITCHING"
    LONG_FORM_TIME = "LONG_FORM_TIME"
    FORM_FIELD_ERRORS = "FORM_FIELD_ERRORS"
    ADDRESS_ISSUES = "ADDRESS_ISSUES"
    MOUSE_EXIT_INTENT = "MOUSE_EXIT_INTENT"
    BACK_BUTTON = "BACK_BUTTON"
    TAB_CLOSE_ATTEMPT = "TAB_CLOSE_ATTEMPT"
    IDLE_TIMEOUT = "IDLE_TIMEOUT"


class CheckoutInterventionStatus(StrEnum):
    """What became of a real-time intervention the drawer showed (spec §5)."""

    SHOWN = "SHOWN"
    ACCEPTED = "ACCEPTED"
    DISMISSED = "DISMISSED"
    CONVERTED = "CONVERTED"  # the cart was bought after it was shown or accepted


class EscalationTarget(StrEnum):
    """Where `churn/escalate` hands a session: the save flow now, or a person."""

    SAVE_FLOW = "SAVE_FLOW"
    HUMAN = "HUMAN"


# --- checkout chat (spec §6) ----------------------------------------------------------


class ChatSessionStatus(StrEnum):
    OPEN = "OPEN"  # the assistant answers
    ESCALATED = "ESCALATED"  # waiting for, or talking with, a person
    CLOSED = "CLOSED"


class ChatRole(StrEnum):
    USER = "user"  # the shopper
    ASSISTANT = "assistant"  # the policy answerer or Claude
    AGENT = "agent"  # a person replying from the inbox
    SYSTEM = "system"  # notices: "a team member will reply here"


# --- content (spec §8) ----------------------------------------------------------------


class CartRecoveryContentType(StrEnum):
    """Spec §8: the recovery messages content generation writes."""

    ABANDONMENT_EMAIL_1 = "ABANDONMENT_EMAIL_1"  # 1 hour - "Forgot something?"
    ABANDONMENT_EMAIL_2 = "ABANDONMENT_EMAIL_2"  # 24 hours - "Still thinking?"
    ABANDONMENT_EMAIL_3 = "ABANDONMENT_EMAIL_3"  # 48 hours - "Last chance!"
    ABANDONMENT_SMS = "ABANDONMENT_SMS"  # short, urgent
    DISCOUNT_SMS = "DISCOUNT_SMS"  # with offer
    ABANDONMENT_PUSH = "ABANDONMENT_PUSH"  # mobile notification
    RETURN_VISITOR_MODAL = "RETURN_VISITOR_MODAL"  # when they come back
    EXIT_INTENT_MODAL = "EXIT_INTENT_MODAL"  # before leaving


class BrandVoice(StrEnum):
    FRIENDLY = "friendly"
    PROFESSIONAL = "professional"
    PLAYFUL = "playful"
    URGENT = "urgent"


class UrgencyLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class AIPurpose(StrEnum):
    """What a Claude request was for (the usage ledger's breakdown)."""

    CONTENT = "CONTENT"  # a message a shopper is sent
    CONTENT_PREVIEW = "CONTENT_PREVIEW"  # the content page's previews
    UPSELL_RANKING = "UPSELL_RANKING"
    THEME = "THEME"
    VOICE_INTENT = "VOICE_INTENT"  # what a shopper meant on a recovery call
    CHECKOUT_CHAT = "CHECKOUT_CHAT"  # an answer in the drawer's checkout chat


# --- monitoring (deployment plan §10) -------------------------------------------------


class AlertRule(StrEnum):
    """The deployment plan's three alerts."""

    RECOVERY_RATE_LOW = "RECOVERY_RATE_LOW"  # recovery rate below 20%
    VOICE_FAILURE_HIGH = "VOICE_FAILURE_HIGH"  # voice call failure rate above 10%
    CHURN_FALSE_POSITIVES_HIGH = "CHURN_FALSE_POSITIVES_HIGH"  # false positives above 30%
