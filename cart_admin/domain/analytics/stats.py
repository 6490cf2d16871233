"""The statistics of the dashboard, as pure functions: rates compared between two groups (a
treated group against its control or holdout) and the difference of two means.

Tests and intervals are the textbook large-sample ones, so each result also says when the
sample is too small for them to mean anything (fewer than 30 in a group, or fewer than 5
successes or 5 failures in one): the dashboard shows that instead of a verdict.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z_95 = 1.959963984540054
MIN_GROUP = 30
MIN_EVENTS = 5


def _normal_two_sided_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a proportion (sound for small n and rates near 0 or 1)."""
    if n <= 0:
        return (0.0, 0.0)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class RateComparison:
    """Group A's rate against group B's: the difference A - B and whether it is real."""

    rate_a: float
    rate_b: float
    difference: float
    lift: float | None  # (A - B) / B; None when B is 0
    ci_low: float  # 95% interval of the difference (Newcombe's hybrid score method)
    ci_high: float
    z: float
    p_value: float
    too_small: bool  # the sample is too small for the test to mean anything

    @property
    def significant(self) -> bool:
        return not self.too_small and self.p_value < 0.05


def compare_rates(successes_a: int, n_a: int, successes_b: int, n_b: int) -> RateComparison:
    """Two-proportion z-test (pooled) with Newcombe's interval for the difference."""
    rate_a = successes_a / n_a if n_a else 0.0
    rate_b = successes_b / n_b if n_b else 0.0
    difference = rate_a - rate_b
    too_small = any(
        n < MIN_GROUP or s < MIN_EVENTS or n - s < MIN_EVENTS
        for s, n in ((successes_a, n_a), (successes_b, n_b))
    )
    if n_a and n_b:
        pooled = (successes_a + successes_b) / (n_a + n_b)
        se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
        z = difference / se if se else 0.0
    else:
        z = 0.0
    low_a, high_a = wilson_interval(successes_a, n_a)
    low_b, high_b = wilson_interval(successes_b, n_b)
    ci_low = difference - math.sqrt((rate_a - low_a) ** 2 + (high_b - rate_b) ** 2)
    ci_high = difference + math.sqrt((high_a - rate_a) ** 2 + (rate_b - low_b) ** 2)
    return RateComparison(
        rate_a=rate_a,
        rate_b=rate_b,
        difference=difference,
        lift=difference / rate_b if rate_b else None,
        ci_low=ci_low,
        ci_high=ci_high,
        z=z,
        p_value=_normal_two_sided_p(z) if n_a and n_b else 1.0,
        too_small=too_small,
    )


@dataclass(frozen=True)
class Moments:
    """A group's values as SQL sums them: count, sum and sum of squares."""

    n: int
    total: float
    total_sq: float

    @property
    def mean(self) -> float:
        return self.total / self.n if self.n else 0.0

    @property
    def variance(self) -> float:
        """The sample variance (n - 1)."""
        if self.n < 2:
            return 0.0
        return max(0.0, (self.total_sq - self.total * self.total / self.n) / (self.n - 1))


@dataclass(frozen=True)
class MeanDifference:
    difference: float  # mean of A - mean of B
    ci_low: float  # 95%, Welch's standard error
    ci_high: float
    too_small: bool


def compare_means(a: Moments, b: Moments) -> MeanDifference:
    diff = a.mean - b.mean
    se = math.sqrt((a.variance / a.n if a.n else 0.0) + (b.variance / b.n if b.n else 0.0))
    return MeanDifference(
        difference=diff,
        ci_low=diff - Z_95 * se,
        ci_high=diff + Z_95 * se,
        too_small=a.n < MIN_GROUP or b.n < MIN_GROUP,
    )
