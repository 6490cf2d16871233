"""How numbers look to a person: the dashboard, the CSV files and the PDF report."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal


def money(value: Decimal | float | int, currency: str = "USD") -> str:
    symbol = {"USD": "$", "EUR": "€", "GBP": "£"}.get(currency, "")
    text = f"{Decimal(value):,.2f}"
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


def count(value: int) -> str:
    return f"{value:,}"


def percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def when(value: datetime | None) -> str:
    return value.strftime("%b %d, %H:%M UTC") if value else "—"
