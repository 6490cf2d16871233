"""How numbers look on the dashboard: the one set of rules in `cart_admin.formatting`, which
the report files use too."""

from cart_admin.formatting import count, money, percent, when

__all__ = ["count", "money", "percent", "when"]
