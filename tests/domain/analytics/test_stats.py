"""The dashboard's statistics against values worked out by hand (formulas in the comments)."""

from __future__ import annotations

import pytest

from cart_admin.domain.analytics.stats import (
    Moments,
    compare_means,
    compare_rates,
    wilson_interval,
)

Z2 = 1.959963984540054**2  # 3.841459


def test_wilson_interval_at_the_edges_and_the_middle() -> None:
    # p = 0: the upper bound is z²/(n + z²); p = 1: the lower bound is n/(n + z²).
    assert wilson_interval(0, 10) == pytest.approx((0.0, Z2 / (10 + Z2)))  # (0, 0.27753)
    assert wilson_interval(10, 10) == pytest.approx((10 / (10 + Z2), 1.0))  # (0.72247, 1)
    # 5/10: centred on 0.5, half-width 1.96·sqrt(0.025 + z²/400)/(1 + z²/10) = 0.26341.
    assert wilson_interval(5, 10) == pytest.approx((0.23659, 0.76341), abs=1e-5)
    assert wilson_interval(0, 0) == (0.0, 0.0)


def test_two_proportion_z_test() -> None:
    # 30/100 against 20/100: pooled p 0.25, SE sqrt(0.25·0.75·0.02) = 0.061237, z = 1.63299,
    # p = erfc(z/√2) = 0.10247: a 10-point difference that this sample cannot tell from luck.
    result = compare_rates(30, 100, 20, 100)
    assert result.difference == pytest.approx(0.10)
    assert result.lift == pytest.approx(0.5)
    assert result.z == pytest.approx(1.63299, abs=1e-5)
    assert result.p_value == pytest.approx(0.10247, abs=1e-5)
    assert not result.too_small and not result.significant
    assert result.ci_low < 0 < result.ci_high  # the interval agrees: it spans 0

    big = compare_rates(300, 1000, 200, 1000)  # the same rates, ten times the carts
    assert big.significant and big.ci_low > 0


def test_newcombe_interval_of_equal_groups_is_symmetric() -> None:
    # 5/10 against 5/10: difference 0, half-width sqrt(2)·0.26341 = 0.37252.
    result = compare_rates(5, 10, 5, 10)
    assert result.difference == 0
    assert (result.ci_low, result.ci_high) == pytest.approx((-0.37252, 0.37252), abs=1e-5)
    assert result.too_small  # 10 per group: no verdict


@pytest.mark.parametrize(
    ("a", "b"),
    [((3, 40), (1, 40)), ((40, 40), (35, 40)), ((10, 29), (5, 100))],
    ids=["few-successes", "few-failures", "small-group"],
)
def test_too_small_samples_are_flagged(a, b) -> None:
    assert compare_rates(*a, *b).too_small


def test_empty_groups_divide_by_nothing() -> None:
    result = compare_rates(0, 0, 0, 0)
    assert (result.rate_a, result.rate_b, result.difference, result.lift) == (0.0, 0.0, 0.0, None)
    assert result.p_value == 1.0 and result.too_small


def test_difference_of_means_with_welch_standard_error() -> None:
    # A: 10, 20, 30 (mean 20, variance ((1400 - 3600/3)/2) = 100); B: 5, 5 (mean 5, variance 0).
    a, b = Moments(3, 60.0, 1400.0), Moments(2, 10.0, 50.0)
    assert (a.mean, a.variance, b.variance) == (20.0, 100.0, 0.0)
    result = compare_means(a, b)
    # SE = sqrt(100/3 + 0/2) = 5.7735; 95%: 15 ± 11.316.
    assert result.difference == 15.0
    assert (result.ci_low, result.ci_high) == pytest.approx((3.684, 26.316), abs=1e-3)
    assert result.too_small
    assert compare_means(Moments(0, 0, 0), Moments(0, 0, 0)).difference == 0.0
