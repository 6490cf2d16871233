"""All tables; importing this package registers them on `SQLModel.metadata`."""

from cart_admin.models.alerts import AlertEvent
from cart_admin.models.checkout import (
    ChatMessage,
    ChatSession,
    CheckoutChurnEvent,
    CheckoutIntervention,
    StorePolicies,
)
from cart_admin.models.content import AIRankingCache, AIUsage, ContentSettings, ContentVersion
from cart_admin.models.engagement import CartTriggerImpression, CartUpsellOffer
from cart_admin.models.enums import *  # noqa: F403
from cart_admin.models.recovery import (
    CartIntervention,
    CartSaveAttempt,
    CartSaveFlowConfig,
    CartVoiceCall,
)
from cart_admin.models.store import (
    AdminSession,
    ApiKey,
    Cart,
    CartItem,
    Company,
    Customer,
    DiscountCode,
    Inventory,
    InventoryHold,
    LandingPage,
    LandingPageProduct,
    Product,
    ProductBundle,
    ProductBundleItem,
    ProductViewHeartbeat,
    User,
)

__all__ = [
    "AIRankingCache",
    "AIUsage",
    "AdminSession",
    "AlertEvent",
    "ApiKey",
    "Cart",
    "CartIntervention",
    "CartItem",
    "CartSaveAttempt",
    "CartSaveFlowConfig",
    "CartTriggerImpression",
    "CartUpsellOffer",
    "CartVoiceCall",
    "ChatMessage",
    "ChatSession",
    "CheckoutChurnEvent",
    "CheckoutIntervention",
    "Company",
    "ContentSettings",
    "ContentVersion",
    "Customer",
    "DiscountCode",
    "Inventory",
    "InventoryHold",
    "LandingPage",
    "LandingPageProduct",
    "Product",
    "ProductBundle",
    "ProductBundleItem",
    "ProductViewHeartbeat",
    "StorePolicies",
    "User",
]
