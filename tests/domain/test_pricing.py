"""Cart arithmetic (pure): discounts, shipping, tax, free-shipping progress, rounding."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cart_admin.domain.pricing import (
    Discount,
    Line,
    discount_amount,
    free_shipping_status,
    price_cart,
)
from cart_admin.models import DiscountKind

D = Decimal
SHIP = D("5.99")
TAX = D("0.0800")


def _price(lines, discount=None, *, threshold=D("50.00"), basis="after_discounts", tax=TAX):
    return price_cart(
        lines,
        discount=discount,
        shipping_rate=SHIP,
        tax_rate=tax,
        free_shipping_threshold=threshold,
        free_shipping_basis=basis,
    )


def test_plain_cart_totals_are_exact() -> None:
    totals = _price([Line(D("24.99"), 2)])

    assert totals.item_count == 2
    assert totals.subtotal == D("49.98")
    assert totals.discount_total == D("0.00")
    assert totals.shipping_total == D("5.99")
    assert totals.tax_total == D("4.00")  # 49.98 * 0.08 = 3.9984
    assert totals.grand_total == D("59.97")
    fs = totals.free_shipping
    assert fs is not None
    assert (fs.threshold, fs.amount, fs.remaining) == (D("50.00"), D("49.98"), D("0.02"))
    assert fs.progress == 0.9996
    assert fs.qualifies is False and fs.lost_by_discount is False


def test_percent_code_and_tax_on_the_discounted_subtotal() -> None:
    totals = _price([Line(D("20.00"), 2)], Discount(DiscountKind.PERCENT, D("10")))

    assert totals.subtotal == D("40.00")
    assert totals.discount_total == D("4.00")
    assert totals.tax_total == D("2.88")  # (40 - 4) * 0.08, not 40 * 0.08
    assert totals.shipping_total == D("5.99")
    assert totals.grand_total == D("44.87")


def test_fixed_code() -> None:
    totals = _price([Line(D("30.00"), 1)], Discount(DiscountKind.FIXED, D("7.50")))

    assert totals.discount_total == D("7.50")
    assert totals.tax_total == D("1.80")
    assert totals.grand_total == D("30.00") - D("7.50") + D("5.99") + D("1.80")


@pytest.mark.parametrize(
    ("discount", "expected"),
    [
        (Discount(DiscountKind.FIXED, D("100.00")), D("20.00")),
        (Discount(DiscountKind.PERCENT, D("150")), D("20.00")),
        (Discount(DiscountKind.PERCENT, D("100")), D("20.00")),
    ],
)
def test_discount_never_exceeds_the_subtotal(discount, expected) -> None:
    totals = _price([Line(D("10.00"), 2)], discount)

    assert totals.discount_total == expected
    assert totals.tax_total == D("0.00")
    assert totals.grand_total == D("5.99")  # only shipping is left
    assert totals.grand_total >= 0


def test_free_shipping_code_waives_shipping_and_takes_nothing_off() -> None:
    totals = _price([Line(D("10.00"), 1)], Discount(DiscountKind.FREE_SHIPPING, D("0")))

    assert totals.discount_total == D("0.00")
    assert totals.shipping_total == D("0.00")
    assert totals.tax_total == D("0.80")
    assert totals.grand_total == D("10.80")
    assert totals.free_shipping is not None and totals.free_shipping.qualifies is False


@pytest.mark.parametrize(
    ("price", "shipping"),
    [(D("49.99"), D("5.99")), (D("50.00"), D("0.00")), (D("50.01"), D("0.00"))],
)
def test_shipping_free_at_and_above_the_threshold(price, shipping) -> None:
    totals = _price([Line(price, 1)])

    assert totals.shipping_total == shipping
    assert totals.free_shipping is not None
    assert totals.free_shipping.qualifies is (shipping == 0)


def test_no_threshold_means_no_progress_and_always_shipping() -> None:
    totals = _price([Line(D("500.00"), 1)], threshold=None)

    assert totals.free_shipping is None
    assert totals.shipping_total == D("5.99")


def test_after_discounts_basis_can_lose_free_shipping_by_discount() -> None:
    lines = [Line(D("55.00"), 1)]
    code = Discount(DiscountKind.FIXED, D("10.00"))

    after = _price(lines, code, basis="after_discounts")
    before = _price(lines, code, basis="before_discounts")

    assert after.free_shipping is not None and before.free_shipping is not None
    assert after.free_shipping.amount == D("45.00")
    assert after.free_shipping.remaining == D("5.00")
    assert after.free_shipping.qualifies is False
    assert after.free_shipping.lost_by_discount is True
    assert after.shipping_total == D("5.99")
    assert after.grand_total == D("45.00") + D("5.99") + D("3.60")

    assert before.free_shipping.amount == D("55.00")
    assert before.free_shipping.qualifies is True
    assert before.free_shipping.lost_by_discount is False
    assert before.shipping_total == D("0.00")
    assert before.grand_total == D("45.00") + D("3.60")


def test_lost_by_discount_is_false_when_the_subtotal_never_reached_it() -> None:
    status = free_shipping_status(
        subtotal=D("40.00"), discount=D("5.00"), threshold=D("50.00"), basis="after_discounts"
    )

    assert status.lost_by_discount is False
    assert status.remaining == D("15.00")
    assert status.progress == 0.7


def test_zero_threshold_is_always_reached() -> None:
    status = free_shipping_status(
        subtotal=D("0.00"), discount=D("0.00"), threshold=D("0"), basis="after_discounts"
    )

    assert status.qualifies is True and status.progress == 1.0
    assert status.remaining == D("0.00")


def test_progress_is_capped_at_one() -> None:
    totals = _price([Line(D("80.00"), 2)])

    assert totals.free_shipping is not None
    assert totals.free_shipping.progress == 1.0
    assert totals.free_shipping.remaining == D("0.00")


def test_empty_cart_costs_nothing() -> None:
    totals = _price([], Discount(DiscountKind.FIXED, D("5.00")))

    assert totals.item_count == 0
    assert totals.subtotal == D("0.00")
    assert totals.discount_total == D("0.00")
    assert totals.shipping_total == D("0.00")
    assert totals.tax_total == D("0.00")
    assert totals.grand_total == D("0.00")


def test_rounding_is_half_up_not_bankers() -> None:
    # 25 % of 0.10 = 0.025 -> 0.03 (half-even would give 0.02)
    assert discount_amount(Discount(DiscountKind.PERCENT, D("25")), D("0.10")) == D("0.03")
    # tax 2.00 * 0.0125 = 0.025 -> 0.03
    totals = _price([Line(D("2.00"), 1)], tax=D("0.0125"))
    assert totals.tax_total == D("0.03")
    # percent of an odd subtotal: 10 % of 19.99 = 1.999 -> 2.00
    assert discount_amount(Discount(DiscountKind.PERCENT, D("10")), D("19.99")) == D("2.00")


def test_line_totals_add_up_exactly() -> None:
    totals = _price([Line(D("0.10"), 3), Line(D("0.20"), 1), Line(D("33.33"), 3)])

    assert totals.subtotal == D("100.49")
    assert totals.item_count == 7
    assert all(isinstance(v, Decimal) for v in (totals.subtotal, totals.tax_total))


def test_no_discount_amount_without_a_code() -> None:
    assert discount_amount(None, D("10.00")) == D("0.00")
