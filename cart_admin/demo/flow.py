"""The save flow as the demo plays it: stage timing, response rates and diagnosis branches.

Delays are the spec's defaults (§2). The rates are the demo's assumptions, chosen so that a
held-out shopper comes back about 6% of the time and a contacted one about 18%, and so that
offers win more carts than reminders.
"""

from __future__ import annotations

from datetime import timedelta

from cart_admin.models import CartAbandonmentReason as R
from cart_admin.models import CartSaveStage as S
from cart_admin.models import InterventionType as K

# Spec §2 defaults, minutes after abandonment; the dict order is the flow order.
STAGE_DELAYS = {
    S.BROWSE_REMINDER: 15,
    S.PATTERN_INTERRUPT: 60,
    S.DIAGNOSIS_SURVEY: 180,
    S.BRANCHING_INTERVENTION: 360,
    S.NUCLEAR_OFFER: 1440,
    S.LOSS_VISUALIZATION: 2880,
    S.WINBACK_SEQUENCE: 4320,
}
FLOW = tuple(STAGE_DELAYS)
HOLDOUT_SHARE = 0.10
CART_EXPIRY = timedelta(days=30)
WINBACK_RUN = timedelta(days=14)  # "5 emails over 14 days"
ANSWER_RATE = 0.42
OFFER_USE_RATE = 0.85
OFFER_LIFETIME = timedelta(hours=48)

NATURAL = {  # chance a shopper comes back during a stage on their own
    S.BROWSE_REMINDER: 0.012, S.PATTERN_INTERRUPT: 0.012, S.DIAGNOSIS_SURVEY: 0.01,
    S.BRANCHING_INTERVENTION: 0.01, S.NUCLEAR_OFFER: 0.01, S.LOSS_VISUALIZATION: 0.006,
    S.WINBACK_SEQUENCE: 0.006,
}  # fmt: skip
STAGE_LIFT = {  # what a delivered message of the stage adds
    S.BROWSE_REMINDER: 0.022, S.PATTERN_INTERRUPT: 0.028, S.DIAGNOSIS_SURVEY: 0.012,
    S.BRANCHING_INTERVENTION: 0.015, S.NUCLEAR_OFFER: 0.06, S.LOSS_VISUALIZATION: 0.012,
    S.WINBACK_SEQUENCE: 0.01,
}  # fmt: skip
BRANCH_LIFT = {
    K.PERCENTAGE_DISCOUNT: 0.15, K.FREE_SHIPPING: 0.13, K.PRICE_MATCH: 0.06,
    K.REVIEWS_SHOWCASE: 0.05, K.PRODUCT_FAQ: 0.045, K.COMPARISON_CHART: 0.04,
    K.WISHLIST_SAVE: 0.03,
}  # fmt: skip
STAGE_KINDS = {
    S.BROWSE_REMINDER: K.CART_REMINDER,
    S.PATTERN_INTERRUPT: K.CART_SUMMARY,
    S.DIAGNOSIS_SURVEY: K.DIAGNOSIS_SURVEY,
    S.NUCLEAR_OFFER: K.BEST_OFFER,
    S.LOSS_VISUALIZATION: K.LOSS_VISUALIZATION,
    S.WINBACK_SEQUENCE: K.WINBACK,
}
# Spec §2 DIAGNOSIS_BRANCHES, as the demo uses them; other reasons get a reminder.
BRANCHES = {
    R.TOO_EXPENSIVE: {K.PERCENTAGE_DISCOUNT: 1},
    R.SHIPPING_COST: {K.FREE_SHIPPING: 1},
    R.NEED_MORE_INFO: {K.REVIEWS_SHOWCASE: 3, K.PRODUCT_FAQ: 2},
    R.COMPARING_OPTIONS: {K.PRICE_MATCH: 1, K.COMPARISON_CHART: 1},
    R.SAVING_FOR_LATER: {K.WISHLIST_SAVE: 1},
}
REASON_WEIGHTS = {
    R.TOO_EXPENSIVE: 22, R.SHIPPING_COST: 16, R.JUST_BROWSING: 14, R.NEED_MORE_INFO: 12,
    R.PAYMENT_ISSUES: 6, R.COMPARING_OPTIONS: 12, R.SAVING_FOR_LATER: 11, R.OTHER: 7,
}  # fmt: skip
COMMENTS = {
    R.TOO_EXPENSIVE: "A bit over my budget this month.",
    R.SHIPPING_COST: "Shipping was more than I expected.",
    R.JUST_BROWSING: "Just looking for now.",
    R.NEED_MORE_INFO: "Not sure which grind to choose for my brewer.",
    R.PAYMENT_ISSUES: "My card kept getting declined.",
    R.COMPARING_OPTIONS: "Checking a couple of other roasters first.",
    R.SAVING_FOR_LATER: "I'll order after payday.",
    R.OTHER: "Moving house next week, will order after.",
}
