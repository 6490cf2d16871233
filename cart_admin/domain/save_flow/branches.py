"""Spec §2 DIAGNOSIS_BRANCHES: what each abandonment reason is answered with.

The spec's five branches are kept as written; the three reasons it leaves out get branches in
the same spirit. An intervention that promises something the merchant may not offer (payment
plans, local pickup, price match) names the `OfferPolicy` setting that must be on; one that
needs a fact of the cart (reviews, a shipping threshold) is checked against the cart.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from cart_admin.models import CartAbandonmentReason as R
from cart_admin.models import InterventionType as K


@dataclass(frozen=True)
class BranchIntervention:
    type: K
    message: str
    value: Decimal | None = None
    requires: str | None = None  # an OfferPolicy field that must be truthy


DIAGNOSIS_BRANCHES: dict[R, tuple[BranchIntervention, ...]] = {
    R.TOO_EXPENSIVE: (
        BranchIntervention(K.PERCENTAGE_DISCOUNT, "Here's {percent}% off your order", Decimal(10)),
        BranchIntervention(K.PAYMENT_PLAN, "Split into 4 payments with {provider}",
                           requires="payment_plan_provider"),
    ),
    R.SHIPPING_COST: (
        BranchIntervention(K.FREE_SHIPPING, "Free shipping on your order!"),
        BranchIntervention(K.THRESHOLD_REMINDER, "Add {remaining} for free shipping"),
        BranchIntervention(K.LOCAL_PICKUP, "Free local pickup available", requires="local_pickup"),
    ),
    R.NEED_MORE_INFO: (
        BranchIntervention(K.REVIEWS_SHOWCASE, "See what {reviews} customers say"),
        BranchIntervention(K.PRODUCT_FAQ, "Here are answers to common questions"),
        BranchIntervention(K.LIVE_CHAT, "Reply to this message and our team will help"),
    ),
    R.COMPARING_OPTIONS: (
        BranchIntervention(K.PRICE_MATCH, "Found it cheaper? We'll match it",
                           requires="price_match"),
        BranchIntervention(K.UNIQUE_VALUE, "Why customers choose us"),
    ),
    R.SAVING_FOR_LATER: (
        BranchIntervention(K.WISHLIST_SAVE, "We saved your cart for you"),
        BranchIntervention(K.RESTOCK_ALERT, "We'll let you know if stock runs low"),
    ),
    R.JUST_BROWSING: (
        BranchIntervention(K.WISHLIST_SAVE, "We saved your cart for whenever you're ready"),
    ),
    R.PAYMENT_ISSUES: (
        BranchIntervention(K.PAYMENT_PLAN, "Split into 4 payments with {provider}",
                           requires="payment_plan_provider"),
        BranchIntervention(K.LIVE_CHAT, "Having trouble paying? Reply and we'll sort it out"),
    ),
    R.OTHER: (
        BranchIntervention(K.PERCENTAGE_DISCOUNT, "Here's {percent}% off to help you decide",
                           Decimal(10)),
        BranchIntervention(K.LIVE_CHAT, "Questions? Reply and our team will help"),
    ),
}  # fmt: skip
