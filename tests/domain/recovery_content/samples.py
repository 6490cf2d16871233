"""Message contexts for the content tests: a real offer plan for a two-item cart."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from cart_admin.domain.save_flow import offers
from cart_admin.domain.save_flow.config import SaveFlowConfig
from cart_admin.domain.save_flow.content import ContentContext, ItemLine
from cart_admin.models import CartAbandonmentReason as R
from cart_admin.models import CartSaveStage as S

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
ITEMS = [
    ItemLine("Kenya Nyeri AA", 2, Decimal("21.00"), stock=3, rating=Decimal("4.80"),
             review_count=412, compare_at_price=Decimal("24.00")),
    ItemLine("Ceramic Pour-Over Dripper", 1, Decimal("28.00"), stock=40),
]  # fmt: skip
OTHERS = frozenset({"Panama Boquete Geisha", "Glass French Press", "Nightjar Espresso Blend"})


def sample_ctx(stage: S, reason: R | None = None, *, config: SaveFlowConfig | None = None,
               shipping: str = "6.00", first_name: str | None = "Ada", step: int = 0,
               **changes) -> ContentContext:  # fmt: skip
    """The message context the worker would build, with the offer the config really gives."""
    config = config or SaveFlowConfig()
    subtotal = sum((i.unit_price * i.quantity for i in ITEMS), Decimal("0.00"))
    facts = offers.CartFacts(subtotal, Decimal(shipping), 412, "help@bluebird.example",
                             Decimal("75.00"))  # fmt: skip
    current = None
    if stage in (S.LOSS_VISUALIZATION, S.WINBACK_SEQUENCE):
        best = offers.plan_stage(config, S.NUCLEAR_OFFER, None, facts, None).offer
        current = {**best.as_dict(), "code": "SAVE-K7M2Q9RT"} if best else None
    plan = offers.plan_stage(config, stage, reason, facts, current)
    coded = plan.offer is not None and plan.offer.kind is not None
    ctx = ContentContext(
        stage=stage,
        step=step,
        sequence_length=3,
        company_name="Bluebird Coffee",
        first_name=first_name,
        items=list(ITEMS),
        grand_total=subtotal + Decimal(shipping),
        currency="USD",
        reason=plan.reason,
        offer=plan.offer,
        code="SAVE-K7M2Q9RT" if coded else None,
        code_expires_at=NOW + timedelta(hours=48) if coded else None,
        suggestions=plan.suggestions,
        timezone=ZoneInfo("America/New_York"),
        subtotal=subtotal,
        shipping_total=Decimal(shipping),
        free_shipping_threshold=Decimal("75.00"),
        order_count=2,
        tenure_days=120,
        other_product_names=OTHERS,
        trust_signals=("Secure checkout", "Free returns"),
        sms_link="https://cart.bluebird.example/r/o5ukZySKaZ8yMh9LAMs2kQ",
    )
    return replace(ctx, **changes) if changes else ctx


def all_slots() -> list[tuple[S, R | None]]:
    """Every stage, and the branching stage once per diagnosis reason."""
    slots: list[tuple[S, R | None]] = [(s, None) for s in S if s is not S.BRANCHING_INTERVENTION]
    slots += [(S.BRANCHING_INTERVENTION, r) for r in R]
    return slots
