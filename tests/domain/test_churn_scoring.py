"""Churn scoring: the risk of a session's signals and the one intervention they call for."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from cart_admin.domain.churn.config import DEFAULT_WEIGHTS, ChurnConfig
from cart_admin.domain.churn.scoring import (
    Decision,
    SessionFacts,
    choose_intervention,
    risk_score,
)
from cart_admin.models import CheckoutChurnSignal as C
from cart_admin.models import InterventionType as K

CONFIG = ChurnConfig()
FACTS = SessionFacts(shipping_total=Decimal("6.50"), discount_cap_percent=Decimal("15"))


def test_every_signal_has_a_default_weight() -> None:
    assert set(DEFAULT_WEIGHTS) == set(C)


def test_the_score_adds_weights_repeats_count_half_up_to_twice_and_caps_at_100() -> None:
    assert risk_score([], CONFIG) == 0
    assert risk_score([C.FAQ_VISIT], CONFIG) == 5
    assert risk_score([C.FAQ_VISIT, C.TAB_SWITCHING], CONFIG) == 20
    assert risk_score([C.DISCOUNT_CODE_FAILURE] * 2, CONFIG) == 22  # 15 + 7.5
    assert risk_score([C.DISCOUNT_CODE_FAILURE] * 9, CONFIG) == 30  # at most twice
    assert (
        risk_score([C.TAB_CLOSE_ATTEMPT, C.PAYMENT_DECLINED, C.SHIPPING_COST_SHOCK], CONFIG) == 100
    )


def test_weights_are_the_companys() -> None:
    config = ChurnConfig.model_validate({"weights": {"FAQ_VISIT": 50}})
    assert risk_score([C.FAQ_VISIT], config) == 50
    assert risk_score([C.TAB_SWITCHING], config) == 15  # the others keep their defaults
    with pytest.raises(ValidationError):
        ChurnConfig.model_validate({"weights": {"NOT_A_SIGNAL": 5}})
    with pytest.raises(ValidationError):
        ChurnConfig.model_validate({"exitIntentThreshold": 101})


def test_shipping_shock_gets_free_shipping_only_when_shipping_is_charged() -> None:
    assert choose_intervention([C.SHIPPING_COST_SHOCK], CONFIG, FACTS) == Decision(
        K.FREE_SHIPPING_OFFER, "APPLY_FREE_SHIPPING", C.SHIPPING_COST_SHOCK
    )
    free = SessionFacts(shipping_total=Decimal("0"), discount_cap_percent=Decimal("15"))
    assert choose_intervention([C.SHIPPING_COST_SHOCK], CONFIG, free) is None
    off = ChurnConfig(free_shipping_offer=False)
    assert choose_intervention([C.SHIPPING_COST_SHOCK], off, FACTS) is None


@pytest.mark.parametrize(
    ("signals", "expected"),
    [
        ([C.DISCOUNT_HUNTING], C.DISCOUNT_HUNTING),
        ([C.DISCOUNT_CODE_FAILURE, C.DISCOUNT_CODE_FAILURE], C.DISCOUNT_CODE_FAILURE),
    ],
)
def test_discount_hunting_opens_the_chat(signals, expected) -> None:
    assert choose_intervention(signals, CONFIG, FACTS) == Decision(
        K.DISCOUNT_HELP, "OPEN_CHAT", expected
    )


def test_one_failed_code_is_not_hunting() -> None:
    assert choose_intervention([C.DISCOUNT_CODE_FAILURE], CONFIG, FACTS) is None


@pytest.mark.parametrize(
    "signal", [C.LONG_FORM_TIME, C.FORM_FIELD_ERRORS, C.ADDRESS_ISSUES, C.PAYMENT_DECLINED]
)
def test_form_friction_and_payment_trouble_open_the_chat(signal) -> None:
    decision = choose_intervention([signal], CONFIG, FACTS)
    assert decision == Decision(K.CHECKOUT_HELP, "OPEN_CHAT", signal)
    no_chat = SessionFacts(FACTS.shipping_total, FACTS.discount_cap_percent, chat_available=False)
    assert choose_intervention([signal], CONFIG, no_chat) is None


def test_exit_intent_waits_for_the_threshold_and_never_offers_above_the_cap() -> None:
    assert choose_intervention([C.BACK_BUTTON], CONFIG, FACTS) is None  # 20 < 40
    pointer_out = choose_intervention([C.MOUSE_EXIT_INTENT], CONFIG, FACTS)  # 40: the classic
    assert pointer_out == Decision(K.EXIT_INTENT, "APPLY_DISCOUNT", C.MOUSE_EXIT_INTENT, 10)
    decision = choose_intervention([C.TAB_SWITCHING, C.BACK_BUTTON, C.IDLE_TIMEOUT], CONFIG, FACTS)
    assert decision == Decision(K.EXIT_INTENT, "APPLY_DISCOUNT", C.BACK_BUTTON, Decimal("10"))
    greedy = ChurnConfig(exit_intent_discount_percent=Decimal("40"))
    decision = choose_intervention([C.TAB_CLOSE_ATTEMPT], greedy, FACTS)
    assert decision is not None and decision.discount_percent == Decimal("15")  # the cap
    no_cap = SessionFacts(FACTS.shipping_total, discount_cap_percent=Decimal("0"))
    assert choose_intervention([C.TAB_CLOSE_ATTEMPT], CONFIG, no_cap) is None


def test_each_kind_once_and_one_price_offer_per_cart() -> None:
    shown = SessionFacts(
        FACTS.shipping_total, FACTS.discount_cap_percent, already=frozenset({K.EXIT_INTENT})
    )
    assert choose_intervention([C.TAB_CLOSE_ATTEMPT], CONFIG, shown) is None
    # Free shipping after an exit-intent discount would stack two offers: no.
    assert choose_intervention([C.SHIPPING_COST_SHOCK], CONFIG, shown) is None
    # Help is not an offer: still possible.
    assert choose_intervention([C.LONG_FORM_TIME], CONFIG, shown) == Decision(
        K.CHECKOUT_HELP, "OPEN_CHAT", C.LONG_FORM_TIME
    )


def test_the_holdout_group_and_a_switched_off_company_get_nothing() -> None:
    holdout = SessionFacts(FACTS.shipping_total, FACTS.discount_cap_percent, holdout=True)
    for signals in ([C.SHIPPING_COST_SHOCK], [C.TAB_CLOSE_ATTEMPT], [C.LONG_FORM_TIME]):
        assert choose_intervention(signals, CONFIG, holdout) is None
        assert choose_intervention(signals, ChurnConfig(enabled=False), FACTS) is None


def test_the_most_specific_rule_wins() -> None:
    signals = [C.TAB_CLOSE_ATTEMPT, C.LONG_FORM_TIME, C.SHIPPING_COST_SHOCK]
    decision = choose_intervention(signals, CONFIG, FACTS)
    assert decision is not None and decision.type is K.FREE_SHIPPING_OFFER


def test_no_price_offer_while_the_cart_carries_a_code() -> None:
    """The offer's code would replace the shopper's: no offer; help still comes."""
    coded = SessionFacts(FACTS.shipping_total, FACTS.discount_cap_percent, has_code=True)
    assert choose_intervention([C.MOUSE_EXIT_INTENT], CONFIG, coded) is None
    assert choose_intervention([C.SHIPPING_COST_SHOCK], CONFIG, coded) is None
    assert choose_intervention([C.LONG_FORM_TIME], CONFIG, coded) == Decision(
        K.CHECKOUT_HELP, "OPEN_CHAT", C.LONG_FORM_TIME
    )
