"""The one seeded random source of the demo data: ids, tokens, codes and time offsets.

Every value the generator makes is drawn from a single `DemoRandom`, in a fixed order, so the
same seed and `now` always give the same rows (ids included), on any database.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import TypeVar

T = TypeVar("T")

# No 0/O or 1/I: codes are read aloud on voice calls and typed from SMS.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class DemoRandom(random.Random):
    """`random.Random` with the few helpers the demo needs."""

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self._codes: set[str] = set()

    def hex_id(self) -> str:
        """A 24-character lowercase hex id, like `new_id()` but reproducible."""
        return f"{self.getrandbits(96):024x}"

    def token(self, nbytes: int = 16) -> str:
        """A url-safe token (16 bytes give 22 characters)."""
        return base64.urlsafe_b64encode(self.randbytes(nbytes)).rstrip(b"=").decode()

    def offer_code(self, prefix: str) -> str:
        """A discount code such as `SAVE10-7KQ2M9`, unique within this data set."""
        while True:
            code = f"{prefix}-{''.join(self.choices(CODE_ALPHABET, k=6))}"
            if code not in self._codes:
                self._codes.add(code)
                return code

    def chance(self, probability: float) -> bool:
        return self.random() < probability

    def seconds(self, low: float, high: float) -> timedelta:
        """A whole number of seconds between `low` and `high`."""
        return timedelta(seconds=self.randint(int(low), int(high)))

    def minutes(self, low: float, high: float) -> timedelta:
        return self.seconds(low * 60, high * 60)

    def pick(self, weights: Mapping[T, float]) -> T:
        """One key of `weights`, drawn in proportion to its weight."""
        return self.choices(list(weights), weights=list(weights.values()))[0]

    def pick_some(self, items: Sequence[T], count: int) -> list[T]:
        """Up to `count` distinct items, in the order drawn."""
        return self.sample(list(items), min(count, len(items)))
