"""The attribution window: a message's (or an offer's) revenue counts only when the order came
soon enough after the shopper's touch. Default one day after a click, the usual convention, so
a purchase a week later is not credited to an e-mail nobody remembers.

The touch is the click on the message's link; without a click (its code typed at checkout, a
call answered, an SMS read) it is the sending. A real-time checkout offer counts only when the
shopper took it, from the moment they did. The carts recovered and the incrementality do not
depend on the window: those count every purchase.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, col

from cart_admin.models import CartIntervention, CheckoutIntervention

DEFAULT_HOURS = 24
MAX_HOURS = 30 * 24  # codes and links live for days, not months


def hours_between(session: Session, later, earlier):
    """`later - earlier` in hours, as SQL (SQLite has no interval arithmetic)."""
    if session.get_bind().dialect.name == "postgresql":
        return sa.func.extract("epoch", later - earlier) / 3600.0
    return (sa.func.julianday(later) - sa.func.julianday(earlier)) * 24.0


@dataclass(frozen=True)
class AttributionWindow:
    hours: int = DEFAULT_HOURS

    def __post_init__(self) -> None:
        if not 1 <= self.hours <= MAX_HOURS:
            raise ValueError(f"The attribution window is 1 to {MAX_HOURS} hours.")

    @property
    def label(self) -> str:
        """How the dashboard names it next to the figure: '1-day click', '36-hour click'."""
        if self.hours % 24 == 0:
            return f"{self.hours // 24}-day click"
        return f"{self.hours}-hour click"

    def _within(self, session: Session, converted, touch):
        return sa.and_(
            converted.is_not(None),
            touch.is_not(None),
            converted >= touch,
            hours_between(session, converted, touch) <= self.hours,
        )

    def message_converted(self, session: Session):
        """A save-flow message whose attributed order came within the window of its touch."""
        touch = sa.func.coalesce(col(CartIntervention.clicked_at), col(CartIntervention.sent_at))
        return self._within(session, col(CartIntervention.converted_at), touch)

    def offer_converted(self, session: Session):
        """A real-time checkout offer the shopper took, whose cart was bought within the window
        of taking it (an offer dismissed or ignored before a purchase did not make it)."""
        accepted = col(CheckoutIntervention.accepted_at)
        return self._within(session, col(CheckoutIntervention.converted_at), accepted)


DEFAULT_WINDOW = AttributionWindow()
