"""Cart upsells (spec §4): what to offer a cart, and the record of what was offered.

`recommend_upsells` reads the cart's own lines and its company's catalog and returns at most
a few recommendations, best priority first:

1. FREE_SHIPPING_ADD   - the cart is under the free-shipping threshold: products covering the gap
2. COMPLEMENTARY       - in-stock products bought together with the cart's (pluggable ranker;
                         `AIComplementRanker` asks Claude, cached per cart contents)
3. BUNDLE_UPGRADE      - active bundles the cart has started, saving more than $5
4. SUBSCRIPTION        - the cart holds a product tagged "subscribable": subscribe & save 15%
5. SHIPPING_PROTECTION - the grand total is over $50: protect the order for $4.99

Offers (`CartUpsellOffer`) are priced from the server's rows only; the storefront names a type
and a product or bundle, never a price. Nothing here commits: the caller owns the transaction
(except the AI ranker's cache and usage rows, written in their own sessions in the background).
"""

from cart_admin.domain.upsell.ai_ranking import AIComplementRanker, ranking_completer
from cart_admin.domain.upsell.model import (
    BUNDLES_SHOWN,
    CANDIDATE_POOL,
    COMPLEMENTARY_MESSAGE,
    MIN_BUNDLE_SAVINGS,
    PRIORITY,
    PRODUCT_OFFER_TYPES,
    PRODUCTS_SHOWN,
    SHIPPING_PROTECTION_MESSAGE,
    SHIPPING_PROTECTION_MIN_TOTAL,
    SHIPPING_PROTECTION_PRICE,
    SUBSCRIPTION_DISCOUNT_PERCENT,
    SUBSCRIPTION_MESSAGE,
    SUBSCRIPTION_TAG,
    BundleItemNeeded,
    OfferNotFound,
    UpsellBundle,
    UpsellError,
    UpsellProduct,
    UpsellRecommendation,
)
from cart_admin.domain.upsell.offers import (
    get_offer_for_cart,
    products_to_add,
    record_accepted,
    record_declined,
    record_presented,
)
from cart_admin.domain.upsell.ranking import (
    ComplementRanker,
    CoPurchaseRanker,
    co_purchase_counts,
)
from cart_admin.domain.upsell.rules import (
    free_shipping_gap,
    has_shipping_protection,
    is_subscribable,
    recommend_upsells,
)

__all__ = [
    "BUNDLES_SHOWN",
    "CANDIDATE_POOL",
    "COMPLEMENTARY_MESSAGE",
    "MIN_BUNDLE_SAVINGS",
    "PRIORITY",
    "PRODUCTS_SHOWN",
    "PRODUCT_OFFER_TYPES",
    "SHIPPING_PROTECTION_MESSAGE",
    "SHIPPING_PROTECTION_MIN_TOTAL",
    "SHIPPING_PROTECTION_PRICE",
    "SUBSCRIPTION_DISCOUNT_PERCENT",
    "SUBSCRIPTION_MESSAGE",
    "SUBSCRIPTION_TAG",
    "AIComplementRanker",
    "BundleItemNeeded",
    "CoPurchaseRanker",
    "ComplementRanker",
    "OfferNotFound",
    "UpsellBundle",
    "UpsellError",
    "UpsellProduct",
    "UpsellRecommendation",
    "co_purchase_counts",
    "free_shipping_gap",
    "get_offer_for_cart",
    "has_shipping_protection",
    "is_subscribable",
    "products_to_add",
    "ranking_completer",
    "recommend_upsells",
    "record_accepted",
    "record_declined",
    "record_presented",
]
