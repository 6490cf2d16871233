"""The trigger library: 13 triggers, each selected only when its fact is true."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from cart_admin.domain.recovery_content.trigger_library import (
    LIBRARY,
    ItemFacts,
    TriggerContext,
    TriggerFacts,
    applicable,
    select_triggers,
)
from cart_admin.models import BehavioralTrigger as T
from cart_admin.models import CartSaveStage as S

RICH = TriggerFacts(
    items=(
        ItemFacts("Kenya Nyeri AA", Decimal("21.00"), stock=3, rating=Decimal("4.8"),
                  review_count=412, compare_at_price=Decimal("24.00")),
        ItemFacts("Ceramic Dripper", Decimal("28.00"), stock=40),
    ),
    subtotal=Decimal("70.00"), grand_total=Decimal("76.00"), offer_label="15% off",
    code="SAVE-K7M2Q9RT", deadline=datetime(2026, 11, 22, 15, tzinfo=UTC),
    free_shipping_gap=Decimal("5.00"), free_shipping_threshold=Decimal("75.00"),
    first_name="Ada", order_count=2, reached_checkout=True,
    trust_signals=("Secure checkout", "Free returns"),
)  # fmt: skip
BARE = TriggerFacts(items=(ItemFacts("Ceramic Dripper", Decimal("28.00"), stock=40),),
                    subtotal=Decimal("28.00"), grand_total=Decimal("28.00"))  # fmt: skip


def test_the_library_has_all_13_triggers_described():
    assert {spec.trigger for spec in LIBRARY} == set(T)
    assert len(LIBRARY) == 13
    for spec in LIBRARY:
        assert spec.description and spec.guidance and spec.needs and spec.contexts and spec.stages


def test_with_every_fact_true_every_trigger_applies_somewhere():
    found = {s.trigger for c in TriggerContext for s in applicable(RICH, c)}
    assert found == set(T)


@pytest.mark.parametrize(
    ("trigger", "without"),
    [
        (T.SCARCITY, {"items": tuple(replace(i, stock=50) for i in RICH.items)}),
        (T.SCARCITY, {"items": tuple(replace(i, stock=0) for i in RICH.items)}),  # sold out
        (T.SOCIAL_PROOF, {"items": tuple(replace(i, review_count=0) for i in RICH.items)}),
        (T.URGENCY, {"deadline": None}),
        (T.RECIPROCITY, {"offer_label": None}),
        (T.EXCLUSIVITY, {"code": None}),
        (T.ANCHORING, {"items": tuple(replace(i, compare_at_price=None) for i in RICH.items)}),
        (T.GOAL_GRADIENT, {"free_shipping_gap": None}),
        (T.AUTHORITY, {"trust_signals": ()}),
        (T.PERSONALIZATION, {"first_name": None, "order_count": 0}),
        (T.COMMITMENT, {"reached_checkout": False, "items": RICH.items[:1]}),
        (T.LOSS_AVERSION, {"items": ()}),
        (T.ENDOWMENT, {"items": ()}),
        (T.CURIOSITY, {"items": ()}),
    ],
)
def test_a_trigger_is_never_selected_when_its_fact_is_false(trigger, without):
    facts = replace(RICH, **without)
    for context in TriggerContext:
        assert trigger not in {s.trigger for s in applicable(facts, context)}


def test_evidence_states_the_true_figures():
    evidence = {s.trigger: s.evidence for s in applicable(RICH, TriggerContext.CART_DRAWER)}
    assert evidence[T.SCARCITY] == "Only 3 left of Kenya Nyeri AA"
    assert evidence[T.SOCIAL_PROOF] == "Kenya Nyeri AA is rated 4.8 from 412 reviews"
    assert evidence[T.ANCHORING] == "Kenya Nyeri AA: $21.00, was $24.00"
    assert evidence[T.GOAL_GRADIENT] == "$5.00 away from free shipping (free over $75.00)"
    assert evidence[T.URGENCY] == "The code SAVE-K7M2Q9RT expires Nov 22 at 3:00 PM UTC"


def test_selection_follows_the_stage_and_takes_three():
    nuclear = select_triggers(RICH, TriggerContext.CART_RECOVERY, S.NUCLEAR_OFFER)
    assert [s.trigger for s in nuclear] == [T.EXCLUSIVITY, T.URGENCY, T.SCARCITY]
    browse = select_triggers(RICH, TriggerContext.CART_RECOVERY, S.BROWSE_REMINDER)
    assert [s.trigger for s in browse] == [T.ENDOWMENT, T.COMMITMENT, T.PERSONALIZATION]


def test_a_bare_cart_gets_only_what_is_true():
    picked = select_triggers(BARE, TriggerContext.CART_RECOVERY, S.NUCLEAR_OFFER, limit=13)
    assert {s.trigger for s in picked} == {T.LOSS_AVERSION}
    survey = select_triggers(BARE, TriggerContext.CART_RECOVERY, S.DIAGNOSIS_SURVEY, limit=13)
    assert {s.trigger for s in survey} == {T.CURIOSITY}
