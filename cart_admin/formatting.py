"""How numbers look to a person: the dashboard, the CSV files and the PDF report."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


def money(value: Decimal | float | int, currency: str = "USD") -> str:
    symbol = SYMBOLS.get(currency, "")
    text = f"{Decimal(value):,.2f}"
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


def money_affixes(currency: str) -> tuple[str, str]:
    """(prefix, suffix) that `money` puts around a number, for chart axes and hover labels."""
    symbol = SYMBOLS.get(currency, "")
    return (symbol, "") if symbol else ("", f" {currency}")


def count(value: int) -> str:
    return f"{value:,}"


def percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def when(value: datetime | None) -> str:
    return value.strftime("%b %d, %H:%M UTC") if value else "—"
